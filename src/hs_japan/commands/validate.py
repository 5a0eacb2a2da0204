"""``hs-japan validate``: check a blueprint offline.

Start-up matters here (issue 14: ≤ 0.35 s wall): this module imports only the blueprint
loader, never the portal, engine or HubSpot SDK (pinned by tests/unit/test_lazy_imports.py).
"""

from __future__ import annotations

from pathlib import Path

from hs_japan.ui import UI


def run_validate(blueprint: Path, ui: UI) -> int:
    """Print ``<root>: valid (…counts…)``; a broken blueprint raises BlueprintError with
    every ``file:line: field: message`` at once."""
    from hs_japan.blueprint import load_blueprint

    bp = load_blueprint(blueprint)
    parts = [
        (len(bp.property_groups), "property group", "property groups"),
        (len(bp.properties), "property", "properties"),
        (len(bp.pipelines), "pipeline", "pipelines"),
        (len(bp.lists), "list", "lists"),
        (len(bp.follow_up_rules), "follow-up rule", "follow-up rules"),
        (len(bp.association_labels), "association label", "association labels"),
        (len(bp.property_validations), "property validation", "property validations"),
    ]
    counts = ", ".join(
        f"{n} {one if n == 1 else many}" for n, one, many in parts if n or one == "property"
    )
    ui.echo(f"{bp.root}: valid ({len(bp.files)} files; {counts})")
    return 0
