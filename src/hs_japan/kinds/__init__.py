"""One module per resource kind added since the kind-per-module design (pure code only:
compile from the blueprint, normalise what the portal returns, export, words)."""
