"""``hs-japan apply``: vet the portal, plan, decide (``policy``), lock, journal, write,
verify — for one portal or a fleet."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hs_japan import policy
from hs_japan.commands._common import Outcome, Target, portal_names, preflight, run_fleet, summary
from hs_japan.errors import ApplyRefused, ConfigError
from hs_japan.policy import count
from hs_japan.ui import UI

if TYPE_CHECKING:
    from hs_japan.blueprint.model import Blueprint
    from hs_japan.config import Profile
    from hs_japan.engine import PlanResult
    from hs_japan.portal.client import PortalClient
    from hs_japan.portal.lock import PortalLock
    from hs_japan.resources import PortalInfo

VERIFIED = "Verified: a fresh read of the portal plans no changes (converged)."


@dataclass(frozen=True)
class ApplyOptions:
    blueprint: Path
    portals: list[str] | None = None  # None: the local portal; more than one: a fleet
    plan_file: Path | None = None  # a saved plan (plan --out), refused when stale
    yes: bool = False
    allow_destroy: bool = False
    allow_data_loss: bool = False
    confirm_portals: tuple[int, ...] = ()
    config: Path | None = None
    language: str | None = None
    verified_note: str = VERIFIED  # the line that reports convergence (clone says its own)


def _refuse_stale(opts: ApplyOptions, saved: dict[str, Any], planned: PlanResult) -> None:
    from hs_japan.plan.planfile import compare_saved

    reasons = compare_saved(saved, planned.plan, planned.fingerprints)
    if reasons:
        raise ApplyRefused(
            f"the saved plan {opts.plan_file} is stale; nothing was written:\n"
            + "\n".join(f"  - {r}" for r in reasons)
            + "\nrun plan again and review the new plan"
        )


def apply_one(
    opts: ApplyOptions, name: str, bp: Blueprint, saved: dict[str, Any] | None, ui: UI
) -> Outcome:
    from hs_japan.config import check_portal
    from hs_japan.engine import make_plan
    from hs_japan.plan.render import render_text
    from hs_japan.portal.lock import PortalLock
    from hs_japan.portal.read import portal_info
    from hs_japan.portal.session import open_portal

    profile = Target(name, opts.config, opts.language).profile()
    with open_portal(profile) as client:
        # every scope, tier and limit problem at once, before anything is written, and
        # meanwhile a first, read-only plan (a blueprint that references something the
        # portal lacks, or a portal that already matches, never touches the lock); the
        # preflight's verdict comes first: a token without scopes gets its full report,
        # not the plan's first 403. The account details are read alongside them (no round
        # trip of their own, and once for both) and vetted as soon as they answer: the
        # plan uses no answer before that, and the preflight's write-scope probes wait
        # for the verdict, so a refused portal (the wrong one, or production without
        # --confirm-portal) gets reads only and nothing is written to it, not even the lock
        def vet() -> PortalInfo:
            found = portal_info(client.get_account_details())
            check_portal(profile, found.portal_id, found.account_type)
            verdict = policy.production(
                found.portal_id,
                found.name,
                found.account_type,
                profile.confirm_production,
                opts.confirm_portals,
            )
            if verdict.refused:
                raise ApplyRefused(verdict.message)
            return found

        # the two read the same listings: each URL once (client.shared_reads)
        with client.shared_reads(), ThreadPoolExecutor(max_workers=3) as pool:
            vetted = pool.submit(vet).result  # the details, once vetted (else the refusal)
            planned = pool.submit(make_plan, bp, client, profile.language, info=vetted)
            checked = pool.submit(preflight, bp, client, profile.language, "apply", vetted=vetted)
            checked.result()
            first = planned.result()
        info = first.plan.portal
        if first.plan.empty and saved is None:
            ui.echo(render_text(first.plan), nl=False)
            return Outcome(0, 0, info.portal_id, "no changes")
        if saved is not None:  # a stale saved plan is refused before the lock is taken
            _refuse_stale(opts, saved, first)
        with PortalLock(client, portal_hint=name) as lock:
            # re-planned under the lock: what is shown and confirmed is what is applied
            return _apply_locked(opts, bp, profile, client, info, saved, lock, first, ui)


def _apply_locked(
    opts: ApplyOptions,
    bp: Blueprint,
    profile: Profile,
    client: PortalClient,
    info: PortalInfo,
    saved: dict[str, Any] | None,
    lock: PortalLock,
    first: PlanResult,
    ui: UI,
) -> Outcome:
    from hs_japan.apply import ApplyHooks
    from hs_japan.config import state_home
    from hs_japan.engine import apply_plan, make_plan, still_current
    from hs_japan.journal import Journal, interrupted
    from hs_japan.plan.render import render_text

    # under the lock: when targeted reads show the portal as the first plan read it,
    # that plan is what is shown and applied; else (or for a saved plan) plan again
    if saved is None and still_current(first, client):
        result = first
    else:
        result = make_plan(bp, client, profile.language, info=info)
    p = result.plan.portal
    if saved is not None:  # again under the lock: the portal may have moved meanwhile
        _refuse_stale(opts, saved, result)
    journal_root = state_home() / "journal"
    previous = interrupted(journal_root, p.portal_id)
    for prev in previous:
        ui.err(f"note: {prev.describe()}")
    ui.echo(render_text(result.plan), nl=False)
    if result.plan.empty:
        return Outcome(0, 0, p.portal_id, "no changes")
    verdict = policy.apply_plan(
        result.plan,
        policy.ApplyFlags(
            yes=opts.yes,
            allow_destroy=opts.allow_destroy,
            allow_data_loss=opts.allow_data_loss,
            saved_plan=saved is not None,
            interactive=ui.interactive(),
        ),
    )
    if verdict.refused:
        raise ApplyRefused(verdict.message)
    if verdict.action == "ask" and not ui.confirm(verdict.question):
        raise ApplyRefused(verdict.message)
    journal = Journal(journal_root, p.portal_id)
    journal.begin(result.plan)
    for prev in previous:
        journal.recovered(prev.path)
    hooks = ApplyHooks(
        intent=journal.intent,
        done=journal.done,
        tick=lock.touch,
        intents=journal.intents,  # a batch request's changes: one fsync
        dones=journal.dones,
    )
    ui.echo("Applying:")
    try:
        outcome = apply_plan(result, bp, client, profile.language, ui.echo, hooks)
    except BaseException as exc:
        journal.end(converged=None, error=f"{type(exc).__name__}: {exc}")
        raise
    journal.end(converged=outcome.converged)
    if outcome.after.resolution is not None:
        # the verification listed the lock's object's groups: the lock, still ours, is
        # released without reading it again
        from hs_japan.kinds.properties import listing
        from hs_japan.portal.lock import LOCK_OBJECT

        shown = outcome.after.resolution.facts.get(listing(LOCK_OBJECT))
        if isinstance(shown, dict):
            lock.seen(shown.get("groups"), outcome.verified_at)
    ui.echo(f"Applied {count(len(outcome.report.done), 'change')}.")
    applied = len(outcome.report.done)
    if outcome.converged:
        ui.echo(opts.verified_note)
        return Outcome(0, applied, p.portal_id, "applied, converged")
    ui.err("Not converged: the portal still differs after apply:")
    ui.err(render_text(outcome.after.plan))
    return Outcome(1, applied, p.portal_id, "not converged")


def run_apply(opts: ApplyOptions, ui: UI) -> int:
    """Apply to one portal or a fleet; the exit code (0 converged, 1 otherwise)."""
    from hs_japan.blueprint import load_blueprint

    portals = portal_names(opts.portals)
    if len(portals) == 1:
        from hs_japan.plan.planfile import load_saved

        bp = load_blueprint(opts.blueprint)
        Target(portals[0], opts.config, opts.language).profile()  # before the plan file's
        saved = load_saved(opts.plan_file) if opts.plan_file else None
        return apply_one(opts, portals[0], bp, saved, ui).code
    if opts.plan_file is not None:
        raise ConfigError("--plan applies the saved plan of one portal: give a single --portal")
    verdict = policy.fleet_apply(len(portals), opts.yes)
    if verdict.refused:
        raise ApplyRefused(verdict.message)
    bp = load_blueprint(opts.blueprint)  # once: a broken blueprint fails before any read
    done = run_fleet(portals, lambda name, o: apply_one(opts, name, bp, None, o), ui)
    ui.echo(summary(done), nl=False)
    return 1 if any(oc.code for _, _, oc in done) else 0
