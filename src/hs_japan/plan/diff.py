"""Pure diff: desired state (compiled blueprint) against actual state (portal as read).

``plan_changes`` never does I/O. It yields one :class:`Change` per resource whose managed
attributes differ, plus creates, tombstone deletes and create-only replaces, in apply
order. ``check_references`` reports what cannot be planned (unknown references,
HubSpot-defined targets, id collisions) at the blueprint line that caused it.
"""

from __future__ import annotations

from typing import Any

from hs_japan.blueprint.compile import DesiredState
from hs_japan.errors import Diagnostic
from hs_japan.plan.model import Action, Change, Risk
from hs_japan.plan.order import order_changes
from hs_japan.resources import (
    CREATE_ONLY_ATTRS,
    HUBSPOT_DEFAULT_GROUPS,
    Kind,
    PortalState,
    Resource,
    Snapshot,
    make_key,
    normalize_options,
)


def _equal(name: str, desired: Any, actual: Any) -> bool:
    if name == "options":
        return normalize_options(desired) == normalize_options(actual or [])
    if name == "metadata":
        actual = actual or {}
        for k, v in desired.items():
            a = actual.get(k)
            if k == "probability":
                try:
                    if a is None or abs(float(a) - float(v)) > 1e-9:
                        return False
                except ValueError:
                    return False
            elif str(a) != str(v):
                return False
        return True
    if name == "description":
        return (desired or "") == (actual or "")
    return bool(desired == actual)


def _changed_attrs(desired: Resource, actual: Resource) -> dict[str, tuple[Any, Any]]:
    return {
        name: (actual.attrs.get(name), value)
        for name, value in desired.attrs.items()
        if not _equal(name, value, actual.attrs.get(name))
    }


def _update_risk(kind: Kind, changed: dict[str, tuple[Any, Any]]) -> tuple[Risk, tuple[str, ...]]:
    reasons: list[str] = []
    if kind is Kind.PROPERTY:
        if "type" in changed or "fieldType" in changed:
            reasons.append("changing type/fieldType can drop or reject values records hold")
        if "options" in changed:
            before, after = changed["options"]
            kept = {o["value"] for o in after}
            dropped = sorted(o["value"] for o in before or [] if o["value"] not in kept)
            if dropped:
                reasons.append(
                    "options removed (records holding them keep orphan values; "
                    "prefer hidden: true): " + ", ".join(dropped)
                )
    return (Risk.DESTRUCTIVE if reasons else Risk.SAFE), tuple(reasons)


def plan_changes(desired: DesiredState, actual: Snapshot) -> list[Change]:
    """The ordered changes that make ``actual`` match ``desired`` (pure)."""
    changes: list[Change] = []
    deleted_pipelines = {
        key for (kind, key) in desired.tombstones if kind is Kind.PIPELINE and actual.get(kind, key)
    }
    for want in desired.snapshot.resources.values():
        have = actual.get(want.kind, want.key)
        if have is None:
            changes.append(Change(Action.CREATE, want.kind, want.key, None, dict(want.attrs)))
            continue
        changed = _changed_attrs(want, have)
        if not changed:
            continue
        before = {k: v[0] for k, v in changed.items()}
        after = {k: v[1] for k, v in changed.items()}
        fixed = set(CREATE_ONLY_ATTRS.get(want.kind, frozenset()))
        if want.kind is Kind.LIST and want.attrs.get("processingType") != "DYNAMIC":
            fixed.add("filters")  # HubSpot takes filter updates for DYNAMIC lists only
        create_only = sorted(set(changed) & fixed)
        if create_only:
            changes.append(
                Change(
                    Action.REPLACE,
                    want.kind,
                    want.key,
                    before,
                    after,
                    Risk.DESTRUCTIVE,
                    (
                        f"{', '.join(create_only)} can only be set at creation: the property is "
                        "archived and created again, and its values are lost"
                        if want.kind is Kind.PROPERTY
                        else f"{', '.join(create_only)} can only be set at creation: the "
                        f"{want.kind.value} is deleted and created again",
                    ),
                )
            )
            continue
        risk, reasons = _update_risk(want.kind, changed)
        changes.append(Change(Action.UPDATE, want.kind, want.key, before, after, risk, reasons))
    for kind, key in desired.tombstones:
        have = actual.get(kind, key)
        if have is None:
            continue  # already gone: nothing to do
        if kind is Kind.STAGE and make_key(have.object_type, have.pipeline_id) in deleted_pipelines:
            continue  # removed together with its pipeline
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


def _is_protected_group(key: str, actual: Snapshot) -> bool:
    obj, name = key.split("/", 1)
    if name in HUBSPOT_DEFAULT_GROUPS:
        return True
    return any(
        p.hubspot_defined and p.object_type == obj and p.attrs.get("groupName") == name
        for p in actual.of_kind(Kind.PROPERTY)
    )


def check_references(desired: DesiredState, state: PortalState) -> list[Diagnostic]:
    """Problems that make the blueprint unplannable against this portal."""
    actual = state.snapshot
    problems: list[Diagnostic] = []

    def report(rid: tuple[Kind, str], field: str, message: str) -> None:
        origin = desired.origins[rid]
        path = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in origin.keypath)
        path = path.replace(".[", "[")
        problems.append(
            Diagnostic(origin.file, origin.line, f"{path}.{field}" if field else path, message)
        )

    def exists(kind: Kind, key: str) -> bool:
        if (kind, key) in desired.tombstones:
            return False
        return desired.snapshot.get(kind, key) is not None or actual.get(kind, key) is not None

    for rid in sorted(set(desired.snapshot.resources) | desired.tombstones):
        kind, key = rid
        have = actual.get(kind, key)
        protected = (have is not None and have.hubspot_defined) or (
            kind is Kind.PROPERTY_GROUP and _is_protected_group(key, actual)
        )
        if protected:
            report(
                rid,
                "name",
                f"{key} is HubSpot-defined; hs-japan never changes or deletes "
                "it (remove it from the blueprint)",
            )
            continue
        want = desired.snapshot.get(kind, key)
        if kind is Kind.PROPERTY and want is not None:
            obj = want.object_type
            group = want.attrs.get("groupName")
            if group and not exists(Kind.PROPERTY_GROUP, make_key(obj, group)):
                report(
                    rid,
                    "group",
                    f"property group '{group}' does not exist for {obj} "
                    "in the blueprint or the portal",
                )
            if have is None and want.name in state.archived_properties.get(obj, set()):
                report(
                    rid,
                    "name",
                    f"an archived property named '{want.name}' is in the "
                    f"{obj} recycle bin; restore or purge it in HubSpot first",
                )
        if kind is Kind.STAGE and want is not None:
            obj, pipeline_id, stage_id = key.split("/")
            for other in actual.of_kind(Kind.STAGE):
                if (
                    other.object_type == obj
                    and other.name == stage_id
                    and other.pipeline_id != pipeline_id
                ):
                    report(
                        rid,
                        "key",
                        f"stage id '{stage_id}' is already used by {obj} "
                        f"pipeline '{other.pipeline_id}'; stage ids are unique "
                        "per object type",
                    )
            for phase, criteria in desired.stage_criteria.get(key, {}).items():
                if not isinstance(criteria, dict):
                    continue  # expected_days
                for cond in criteria.get("conditions", []):
                    if not exists(Kind.PROPERTY, make_key(obj, cond["property"])):
                        report(
                            rid,
                            f"{phase}.conditions",
                            f"unknown {obj} property '{cond['property']}'",
                        )
                for prop in criteria["required_properties"]:
                    if not exists(Kind.PROPERTY, make_key(obj, prop)):
                        report(
                            rid, f"{phase}.required_properties", f"unknown {obj} property '{prop}'"
                        )
        if kind is Kind.PIPELINE and want is not None and "label" in want.attrs:
            for other in actual.of_kind(Kind.PIPELINE):
                if (
                    other.object_type == want.object_type
                    and other.key != key
                    and other.attrs.get("label") == want.attrs["label"]
                    and (Kind.PIPELINE, other.key) not in desired.tombstones
                ):
                    report(
                        rid,
                        "label",
                        f"pipeline label '{want.attrs['label']}' is already "
                        f"used by pipeline '{other.name}' in the portal",
                    )
        if kind is Kind.PROPERTY_GROUP and rid in desired.tombstones and have is not None:
            obj, name = key.split("/", 1)
            holders = sorted(
                p.name
                for p in actual.of_kind(Kind.PROPERTY)
                if p.object_type == obj
                and p.attrs.get("groupName") == name
                and (Kind.PROPERTY, p.key) not in desired.tombstones
                and (
                    desired.snapshot.get(Kind.PROPERTY, p.key) is None
                    or desired.snapshot.resources[(Kind.PROPERTY, p.key)].attrs.get(
                        "groupName", name
                    )
                    == name
                )
            )
            if holders:
                report(
                    rid,
                    "absent",
                    f"group '{name}' still holds properties "
                    f"{', '.join(holders)}; move or remove them first",
                )
    return problems
