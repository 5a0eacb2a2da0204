"""``hs-japan plan``: read the portal(s) and show what apply would change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hs_japan.commands._common import (
    Outcome,
    Target,
    guard_for,
    portal_names,
    preflight,
    run_fleet,
    summary,
)
from hs_japan.errors import ConfigError, PortalError
from hs_japan.ui import UI

if TYPE_CHECKING:
    from hs_japan.blueprint.model import Blueprint


@dataclass(frozen=True)
class PlanOptions:
    blueprint: Path
    portals: list[str] | None = None  # None: the local portal; more than one: a fleet
    output_format: str = "text"  # text | json | markdown
    out: Path | None = None  # save the plan for apply --plan
    detailed_exitcode: bool = False
    config: Path | None = None
    language: str | None = None


def plan_one(opts: PlanOptions, name: str, bp: Blueprint, ui: UI) -> Outcome:
    """Plan one portal; print the plan (or, with --out and json, one line)."""
    from hs_japan.engine import make_plan
    from hs_japan.plan.planfile import save_plan
    from hs_japan.plan.render import RENDERERS, summary_line
    from hs_japan.portal.session import open_portal

    profile = Target(name, opts.config, opts.language).profile()
    with open_portal(profile) as client:
        try:
            result = make_plan(bp, client, profile.language, guard_for(profile))
        except PortalError as exc:
            if exc.status != 403:
                raise
            # a scope or subscription refusal: say everything at once (doctor's report)
            preflight(bp, client, profile.language, "plan")
            raise
    changed = not result.plan.empty
    outcome = Outcome(
        2 if opts.detailed_exitcode and changed else 0,
        len(result.plan.changes),
        result.plan.portal.portal_id,
        "changes" if changed else "no changes",
    )
    out = opts.out
    if out is not None and opts.output_format == "json":
        # the file is the JSON: the terminal gets one line, not thousands
        save_plan(out, result.plan, result.fingerprints)
        ui.echo(
            f"{summary_line(result.plan)} Saved to {out}; apply it with: "
            f"hs-japan apply {opts.blueprint} --portal {name} --plan {out}"
        )
        return outcome
    ui.echo(RENDERERS[opts.output_format](result.plan), nl=False)
    if out is not None:
        save_plan(out, result.plan, result.fingerprints)
        ui.err(
            f"Saved plan to {out}; apply it with: hs-japan apply {opts.blueprint} "
            f"--portal {name} --plan {out}"
        )
    return outcome


def run_plan(opts: PlanOptions, ui: UI) -> int:
    """Plan one portal or a fleet; the exit code (0, 2 with --detailed-exitcode and
    changes, 1 when a fleet's portal failed)."""
    from hs_japan.blueprint import load_blueprint

    portals = portal_names(opts.portals)
    if len(portals) == 1:
        if opts.out is not None:
            from hs_japan.plan.planfile import check_plan_target

            check_plan_target(opts.out)  # before any read: a directory, missing folder, …
        bp = load_blueprint(opts.blueprint)
        return plan_one(opts, portals[0], bp, ui).code
    if opts.out is not None:
        raise ConfigError(
            "--out saves the plan of one portal: give a single --portal to save a plan"
        )
    bp = load_blueprint(opts.blueprint)  # once: a broken blueprint fails before any read
    as_json = opts.output_format == "json"
    done = run_fleet(portals, lambda name, o: plan_one(opts, name, bp, o), ui, not as_json)
    if as_json:  # one JSON document: each portal's plan (null on error) and the summary
        for _, o, _ in done:
            o.flush(ui, stderr_only=True)
        ui.echo(
            json.dumps(
                {
                    "portals": [
                        {
                            "profile": name,
                            "portalId": oc.portal_id,
                            "changes": oc.changes,
                            "result": oc.result,
                            "plan": json.loads(o.stdout()) if o.stdout().strip() else None,
                        }
                        for name, o, oc in done
                    ]
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        ui.echo(summary(done), nl=False)
    if any(oc.result in ("error", "refused") for _, _, oc in done):
        return 1
    return 2 if opts.detailed_exitcode and any(oc.changes for _, _, oc in done) else 0
