"""Pure diff: desired state (compiled blueprint) against actual state (portal as read).

``plan_changes`` never does I/O. It yields one :class:`Change` per resource whose managed
attributes differ, plus creates, tombstone deletes and create-only replaces, in apply
order. ``check_references`` reports what cannot be planned (unknown references,
HubSpot-defined targets, id collisions) at the blueprint line that caused it. What each
kind compares, and how, is its handler's (``kinds/``); nothing here names a kind.
"""

from __future__ import annotations

from typing import Any, cast

from hs_japan.blueprint.compile import DesiredState
from hs_japan.blueprint.model import Blueprint
from hs_japan.errors import Diagnostic
from hs_japan.kinds import handler_for, handlers
from hs_japan.kinds.base import Facts, KindHandler, Resolution, located
from hs_japan.plan.model import Action, Change, Risk
from hs_japan.plan.order import order_changes
from hs_japan.resources import PortalState, Resource, Snapshot


def _changed_attrs(
    handler: KindHandler, desired: Resource, actual: Resource
) -> dict[str, tuple[Any, Any]]:
    return {
        name: (actual.attrs.get(name), value)
        for name, value in desired.attrs.items()
        if not handler.equal(name, value, actual.attrs.get(name))
    }


def plan_changes(desired: DesiredState, actual: Snapshot) -> list[Change]:
    """The ordered changes that make ``actual`` match ``desired`` (pure)."""
    changes: list[Change] = []
    for want in desired.snapshot.resources.values():
        have = actual.get(want.kind, want.key)
        if have is None:
            changes.append(Change(Action.CREATE, want.kind, want.key, None, dict(want.attrs)))
            continue
        handler = handler_for(want.kind)
        changed = _changed_attrs(handler, want, have)
        if not changed:
            continue
        before = {k: v[0] for k, v in changed.items()}
        after = {k: v[1] for k, v in changed.items()}
        create_only = sorted(set(changed) & handler.fixed_attrs(want))
        if create_only:
            changes.append(
                Change(
                    Action.REPLACE,
                    want.kind,
                    want.key,
                    before,
                    after,
                    Risk.DESTRUCTIVE,
                    (handler.replace_reason(create_only),),
                )
            )
            continue
        risk, reasons = handler.update_risk(changed)
        changes.append(Change(Action.UPDATE, want.kind, want.key, before, after, risk, reasons))
    for kind, key in desired.tombstones:
        have = actual.get(kind, key)
        if have is None:
            continue  # already gone: nothing to do
        container = handler_for(kind).deleted_with(have)
        if container is not None and container in desired.tombstones and actual.get(*container):
            continue  # removed together with what holds it (a stage with its pipeline)
        changes.append(
            Change(
                Action.DELETE,
                kind,
                key,
                dict(have.attrs),
                None,
                Risk.DESTRUCTIVE,
                (f"removes {kind.value.replace('_', ' ')} {key} from the portal",),
            )
        )
    return order_changes(changes)


def check_references(desired: DesiredState, state: PortalState) -> list[Diagnostic]:
    """Problems that make the blueprint unplannable against this portal: a resource
    HubSpot defines (never changed or deleted), then each kind's own checks."""
    res = Resolution(
        cast(Blueprint, None),  # the checks compare desired and actual only
        "ja",
        Facts(state.info),
        desired,
        state,
    )
    return references(res)


def references(res: Resolution) -> list[Diagnostic]:
    desired, actual = res.desired, res.actual.snapshot
    problems: list[Diagnostic] = []
    for rid in sorted(set(desired.snapshot.resources) | desired.tombstones):
        have = actual.get(*rid)
        if have is not None and have.hubspot_defined:
            problems.append(
                located(
                    desired,
                    rid,
                    "name",
                    f"{rid[1]} is HubSpot-defined; hs-japan never changes or deletes "
                    "it (remove it from the blueprint)",
                )
            )
    for handler in handlers():
        problems.extend(handler.check(res))
    return problems
