"""Plan and apply, orchestrated: blueprint → read portal → resolve → diff → (write → verify).

``make_plan`` is read_facts (all I/O, ``portal/facts.py``: two round trips) → resolve
(pure, ``kinds/resolve.py``) → diff (pure) → assess (record counts for destructive
changes only). What each kind reads, compiles, compares and writes is its handler's
(``kinds/``); nothing here names a kind.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hs_japan.blueprint.compile import DesiredState
from hs_japan.blueprint.model import Blueprint, Language
from hs_japan.kinds import handler_for
from hs_japan.kinds.base import Facts, Read, Resolution
from hs_japan.kinds.properties import listing
from hs_japan.kinds.resolve import followups, late_needs, needs, resolve
from hs_japan.plan.diff import plan_changes
from hs_japan.plan.impact import assess
from hs_japan.plan.model import Plan
from hs_japan.portal.client import PortalClient
from hs_japan.portal.facts import read_facts
from hs_japan.reserved import LEGACY_MIGRATION_RECORD, MIGRATION_RECORD, MIGRATION_RECORD_OBJECT
from hs_japan.resources import PortalInfo, PortalState
from hs_japan.rules import horizon_note

if TYPE_CHECKING:  # a plan never imports apply's writers (and the SDK models they use)
    from hs_japan.apply import ApplyHooks, ApplyReport

MIGRATIONS_READ = Read("hs_japan.portal.facts:applied_migration_ids")
RECORD_LISTING = listing(MIGRATION_RECORD_OBJECT)


def applied_migrations(facts: Facts) -> frozenset[str]:
    """Ids of the migrations the portal's record lists: from the record's own read, or
    from the listing of its object's properties (hidden properties are listed too, with
    their options; the legacy name when the current one is absent)."""
    own = facts.get(MIGRATIONS_READ)
    if own is not None:
        return frozenset(own)
    record = _record_of(facts) or {}
    return frozenset(
        str(o["value"]) for o in record.get("options") or [] if isinstance(o, dict) and "value" in o
    )


def _record_of(facts: Facts) -> dict[str, Any] | None:
    """The migration record as the listing of its object's properties shows it, if it does."""
    found = facts.get(RECORD_LISTING)
    props = found.get("properties") if isinstance(found, dict) else None
    by_name = {p.get("name"): p for p in props or [] if isinstance(p, dict)}
    record = by_name.get(MIGRATION_RECORD) or by_name.get(LEGACY_MIGRATION_RECORD)
    return record if isinstance(record, dict) else None


@dataclass
class PlanResult:
    plan: Plan
    state: PortalState
    desired: DesiredState
    # every flow id the plan saw in the portal (a later targeted read compares them)
    flow_ids: tuple[str, ...] = ()
    # the blueprint, language and facts the plan was resolved from (still_current)
    resolution: Resolution | None = None

    @property
    def fingerprints(self) -> dict[str, str]:
        """``updatedAt`` of every managed object the plan read (for stale-plan checks).

        Only resources the blueprint names (or tombstones): an edit to something the
        blueprint does not manage cannot make a saved plan wrong.
        """
        managed = set(self.desired.snapshot.resources) | self.desired.tombstones
        return {
            f"{kind.value}:{key}": r.fingerprint
            for (kind, key), r in sorted(self.state.snapshot.resources.items())
            if (kind, key) in managed and r.fingerprint
        }


def make_plan(
    bp: Blueprint,
    client: PortalClient,
    language: Language,
    guard: Callable[[PortalInfo], None] | None = None,
    info: PortalInfo | Callable[[], PortalInfo] | None = None,
    today: dt.date | None = None,
) -> PlanResult:
    """Read what the blueprint touches and diff it. ``guard`` vets the portal first;
    ``info``: the account details when the caller has them (or is reading them:
    ``portal.facts.read_facts``).

    The desired state depends on the blueprint and the portal only; ``today`` is used for
    one display-only note (the holiday calendar's horizon)."""
    migrations, migration_notes = _local_migrations(bp)
    reads = needs(bp, language)
    later = late_needs(bp, language, reads)
    if migrations and RECORD_LISTING not in reads:
        later.append(MIGRATIONS_READ)  # no followup depends on it

    def round2(round1: Facts) -> list[Read]:
        more = followups(bp, language, round1)
        # the record is a hidden property of MIGRATION_RECORD_OBJECT: when the plan lists
        # that object's properties anyway, the listing carries it and it costs nothing;
        # if the listing does not show it (a portal that has none, or a HubSpot listing
        # that leaves hidden properties out: docs/hubspot-api.md §14) it is read by name
        # in the second round, which the plan makes anyway
        if migrations and RECORD_LISTING in reads and _record_of(round1) is None:
            more.append(MIGRATIONS_READ)
        return more

    facts = read_facts(client, reads, round2, later=later, info=info, guard=guard)
    return plan_from_facts(bp, facts, language, today, migrations, migration_notes, client)


def plan_from_facts(
    bp: Blueprint,
    facts: Facts,
    language: Language,
    today: dt.date | None = None,
    migrations: list[Any] | None = None,
    migration_notes: list[str] | None = None,
    client: PortalClient | None = None,
) -> PlanResult:
    """Resolve, diff and assess a plan from facts already read (``client`` only counts the
    records destructive changes touch; without one they stay uncounted)."""
    resolved = resolve(bp, facts, language)
    desired, state = resolved.desired, resolved.actual
    changes = [
        handler_for(c.kind).describe(c, desired, state)
        for c in plan_changes(desired, state.snapshot)
    ]
    if client is not None:
        # what destructive changes would do to records (one search per destructive change)
        changes = assess(changes, partial(_count_records, client))
    notes = list(resolved.notes)
    notes.extend(migration_notes or [])
    if migrations:
        notes.extend(_pending_notes(bp, migrations, applied_migrations(facts)))
    notes.extend(horizon_notes(bp, today or dt.date.today()))
    plan = Plan(
        portal=state.info,
        blueprint_root=bp.root,
        blueprint_digest=bp.digest,
        language=language,
        changes=tuple(changes),
        notes=tuple(notes),
    )
    flow_ids = tuple(
        str(i) for i in (facts.get(Read("hs_japan.portal.read:read_flow_revisions_of")) or ())
    )
    return PlanResult(plan, state, desired, flow_ids, resolved.resolution)


def _count_records(client: PortalClient, *args: Any) -> int:
    from hs_japan.portal.records import count_records  # only when a change is destructive

    return count_records(client, *args)


@dataclass
class ApplyOutcome:
    report: ApplyReport
    after: PlanResult
    # time.monotonic() when the verification's reads were sent (``after`` is as of then)
    verified_at: float = 0.0

    @property
    def converged(self) -> bool:
        return self.after.plan.empty


def apply_plan(
    result: PlanResult,
    bp: Blueprint,
    client: PortalClient,
    language: Language,
    progress: Callable[[str], None],
    hooks: ApplyHooks | None = None,
) -> ApplyOutcome:
    from hs_japan.apply import apply_changes
    from hs_japan.portal.write import PortalWriter

    writer = PortalWriter(client)
    report = apply_changes(result.plan.changes, writer, result.state.snapshot, progress, hooks)
    # verify: a fresh read must plan nothing
    verified_at = time.monotonic()
    after = make_plan(bp, client, language, info=result.plan.portal)
    return ApplyOutcome(report, after, verified_at)


def still_current(result: PlanResult, client: PortalClient) -> bool:
    """Whether what the plan changes is still as the plan read it, from targeted reads in
    one round trip: the listings (``needs`` and ``late_needs``) of the kinds the plan
    changes, which each kind's handler compares with what the plan read (``unchanged``).
    Once the apply lock is held
    no other apply can move the portal on, so when this holds the plan stands and is not
    made again; when anything differs (an apply that ran in between, an edit in HubSpot),
    or the plan has destructive changes (record counts) these reads cannot vouch for, the
    caller plans again in full. Every kind takes part."""
    changes = result.plan.changes
    before = result.resolution
    if before is None or result.plan.destructive:
        return False
    by_kind: dict[Any, list[Any]] = {}
    for c in changes:
        by_kind.setdefault(c.kind, []).append(c)
    bp, language = before.bp, before.language
    reads = [
        r
        for kind in by_kind
        for r in (
            *handler_for(kind).needs(bp, language),
            *handler_for(kind).late_needs(bp, language),
        )
    ]
    fresh = read_facts(client, reads, info=result.plan.portal)
    return all(
        handler_for(kind).unchanged(kind_changes, before, fresh)
        for kind, kind_changes in by_kind.items()
    )


def horizon_notes(bp: Blueprint, today: dt.date) -> list[str]:
    """The plan's reminder to extend the holiday calendar (never a change by itself)."""
    if not any(rule.skip_holidays and not rule.absent for rule, _ in bp.follow_up_rules):
        return []
    where = bp.holiday_calendars[0][1].file if bp.holiday_calendars else bp.root
    note = horizon_note(bp.holiday_calendar, today, where)
    return [note] if note else []


def _local_migrations(bp: Blueprint) -> tuple[list[Any], list[str]]:
    """The blueprint's migration files (local; the portal's record is read with the
    plan's listings)."""
    from hs_japan.migrate import MigrationError, find_migrations, migrations_dir_for

    directory = migrations_dir_for(Path(bp.root))
    try:
        return (find_migrations(directory) if directory else []), []
    except MigrationError as exc:  # the plan still stands; say what is wrong with the folder
        return [], [f"migrations not checked: {exc}"]


def _pending_notes(bp: Blueprint, migrations: list[Any], applied: frozenset[str]) -> list[str]:
    """A note when the blueprint's migrations/ holds migrations this portal has not run."""
    from hs_japan.migrate import migrations_dir_for

    pending = [m for m in migrations if m.id not in applied]
    if not pending:
        return []
    directory = migrations_dir_for(Path(bp.root))
    return [
        f"{len(pending)} migration(s) in {directory} have not run on this portal: "
        f"{', '.join(m.id for m in pending)} — run: hs-japan migrate up --dir {directory}"
    ]


def pending_migration_notes(client: PortalClient, bp: Blueprint) -> list[str]:
    """The pending-migrations note on its own (one read, only when there are migration
    files); ``make_plan`` reads the record in its first round instead."""
    migrations, notes = _local_migrations(bp)
    if not migrations:
        return notes
    applied = read_facts(client, [MIGRATIONS_READ], info=PortalInfo(0, "UNKNOWN"))
    return _pending_notes(bp, migrations, applied.get(MIGRATIONS_READ) or frozenset())
