"""``hs-japan doctor``: a preflight that reports every problem at once (docs/doctor.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hs_japan.commands._common import Target
from hs_japan.ui import UI


@dataclass(frozen=True)
class DoctorOptions:
    blueprint: Path | None = None  # None: check the portal only
    target: Target = field(default_factory=Target)
    output_format: str = "text"  # text | json


def run_doctor(opts: DoctorOptions, ui: UI) -> int:
    """Exit 0 when the portal is ready for the blueprint, 1 otherwise."""
    from hs_japan.blueprint import load_blueprint
    from hs_japan.blueprint.model import Blueprint
    from hs_japan.config import check_portal
    from hs_japan.doctor import Finding, preflight, ready, render_json, render_text
    from hs_japan.errors import ConfigError
    from hs_japan.portal.probe import gather_facts
    from hs_japan.portal.session import open_portal

    bp = (
        load_blueprint(opts.blueprint)
        if opts.blueprint is not None
        else Blueprint(root="(no blueprint)", digest="", files=())
    )
    profile = opts.target.profile()
    with open_portal(profile) as client:
        facts = gather_facts(client, bp)
    findings = preflight(bp, profile.language, facts)
    if facts.portal_id is not None and facts.account_type is not None:
        try:
            check_portal(profile, facts.portal_id, facts.account_type)
        except ConfigError as exc:
            findings.insert(
                0,
                Finding(
                    "profile",
                    "error",
                    str(exc),
                    fixes=(
                        f"use the token of the intended portal in profile '{opts.target.portal}'",
                    ),
                ),
            )
    render = render_json if opts.output_format == "json" else render_text
    ui.echo(render(bp, facts, findings), nl=False)
    return 0 if ready(findings) else 1
