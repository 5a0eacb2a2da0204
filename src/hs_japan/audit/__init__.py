"""Pipeline visibility: audit live deals against the blueprint, report leading indicators."""
