"""What a destructive change would do to records, counted before anything is written.

- archiving a property (delete or replace) loses the values records hold in it;
- removing enumeration options leaves records holding those values orphaned;
- deleting a stage or pipeline that still holds records is never done: HubSpot would
  either refuse (validate flags) or strand the records, so the plan marks it blocked
  and names the way out (a ``move_deals`` migration).

Counting uses CRM search (``total`` of a ``limit: 1`` query), one call per destructive
change; safe changes cost nothing. A count that cannot be made (e.g. the token lacks
``crm.objects.<type>.read``) is reported, and apply then treats the change as losing
data (``--allow-data-loss``) rather than assuming it is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from hs_japan.errors import PortalError
from hs_japan.plan.model import Action, Change, Risk
from hs_japan.resources import Kind

# record properties holding the pipeline and stage (docs/hubspot-api.md §4.5)
PIPELINE_PROPS = {
    "deals": ("pipeline", "dealstage"),
    "tickets": ("hs_pipeline", "hs_pipeline_stage"),
}

# (objectType, [(propertyName, operator, values)]) -> number of records matching all filters
Counter = Callable[[str, list[tuple[str, str, list[str]]]], int]


def _removed_options(change: Change) -> list[str]:
    before = (change.before or {}).get("options") or []
    after = (change.after or {}).get("options")
    if after is None:
        return []
    kept = {o["value"] for o in after}
    return sorted(o["value"] for o in before if o["value"] not in kept)


def assess(changes: Sequence[Change], count: Counter) -> list[Change]:
    out: list[Change] = []
    for change in changes:
        try:
            out.append(_assess_one(change, count))
        except PortalError as exc:
            note = f"could not count the records affected ({exc}); treated as losing data"
            out.append(replace(change, reasons=(*change.reasons, note)))
    return out


def _assess_one(change: Change, count: Counter) -> Change:
    obj = change.object_type
    if change.risk is not Risk.DESTRUCTIVE:
        return change
    if change.kind is Kind.PROPERTY:
        if change.action in (Action.DELETE, Action.REPLACE):
            n = count(obj, [(change.name, "HAS_PROPERTY", [])])
            note = f"{n} {obj} record{'s' if n != 1 else ''} hold a value in {change.name}"
            return replace(change, records=n, reasons=(*change.reasons, note))
        removed = _removed_options(change)
        if removed:
            n = count(obj, [(change.name, "IN", removed)])
            note = (
                f"{n} {obj} record{'s' if n != 1 else ''} hold a removed option "
                f"({', '.join(removed)})"
            )
            return replace(change, records=n, reasons=(*change.reasons, note))
        return change
    if change.action is Action.DELETE and change.kind in (Kind.STAGE, Kind.PIPELINE):
        if obj not in PIPELINE_PROPS:
            return change
        pipe_prop, stage_prop = PIPELINE_PROPS[obj]
        parts = change.key.split("/")
        if change.kind is Kind.STAGE:
            n = count(obj, [(stage_prop, "EQ", [parts[2]])])
            where = f"stage {parts[2]}"
        else:
            n = count(obj, [(pipe_prop, "EQ", [parts[1]])])
            where = f"pipeline {parts[1]}"
        if n == 0:
            return replace(change, records=0)
        blocked = (
            f"{n} {obj} still sit in {where}: move them first with a migration "
            f"(migrations/, operation move_deals) — a stage or pipeline holding records "
            "is never deleted"
        )
        return replace(change, records=n, blocked=blocked)
    return change
