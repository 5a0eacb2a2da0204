"""Kinds ``property_group`` and ``property`` (pure): HubSpot's properties API serves both.

Keys ``<objectType>/<groupName>`` and ``<objectType>/<propertyName>``. Both are read in
round 1 from the object's two listings (groups, properties: returned whole, no paging,
docs/hubspot-api.md §3.2); the recycle bin of an object where a property is about to be
created is read in round 2. Property creates of one object go in batches of 100;
create-only fields make a replace (archive + create), which loses the values records
hold and is counted first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hs_japan.blueprint.model import Blueprint, Language, PropertySpec
from hs_japan.errors import Diagnostic
from hs_japan.kinds.base import (
    Counter,
    ExportContext,
    ExportSection,
    Facts,
    KindHandler,
    Read,
    Resolution,
    located,
)
from hs_japan.plan.model import Action, Change, Risk
from hs_japan.reserved import RESERVED_GROUPS, RESERVED_PROPERTIES
from hs_japan.resources import (
    CREATE_ONLY_PROPERTY_ATTRS,
    HUBSPOT_DEFAULT_GROUPS,
    Kind,
    Resource,
    Snapshot,
    make_key,
    normalize_options,
)

LISTING = "hs_japan.portal.facts:property_listing"  # {"groups": [...], "properties": [...]}
ARCHIVED = "hs_japan.portal.facts:archived_property_names"  # set of names


def listing(obj: str) -> Read:
    """The round-1 read of an object's groups and properties (any kind needing property
    types or groups of ``obj`` asks for it; it is made once)."""
    return Read(LISTING, obj)


# -- normalise -------------------------------------------------------------------------


def _fingerprint(d: Mapping[str, Any]) -> str:
    return str(d.get("updatedAt") or "")


def property_resource(object_type: str, d: Mapping[str, Any]) -> Resource:
    attrs: dict[str, Any] = {
        "label": d.get("label", ""),
        "type": d.get("type"),
        "fieldType": d.get("fieldType"),
        "groupName": d.get("groupName"),
        "description": d.get("description") or "",
        "options": normalize_options(d.get("options") or []),
        "displayOrder": d.get("displayOrder"),
        "hidden": bool(d.get("hidden", False)),
        "formField": bool(d.get("formField", False)),
        "hasUniqueValue": bool(d.get("hasUniqueValue", False)),
    }
    return Resource(
        Kind.PROPERTY,
        make_key(object_type, d["name"]),
        attrs,
        hubspot_defined=bool(d.get("hubspotDefined", False)),
        fingerprint=_fingerprint(d),
    )


def group_resource(object_type: str, d: Mapping[str, Any]) -> Resource:
    attrs = {"label": d.get("label", ""), "displayOrder": d.get("displayOrder")}
    return Resource(Kind.PROPERTY_GROUP, make_key(object_type, d["name"]), attrs)


def _listings(res: Resolution) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for read, value in res.facts.results.items():
        if read.reader == LISTING and isinstance(value, Mapping):
            yield str(read.arg), value


# -- compile ---------------------------------------------------------------------------


def property_attrs(p: PropertySpec, lang: Language) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if p.label is not None:
        attrs["label"] = p.label.pick(lang)
    if p.type is not None:
        attrs["type"] = p.type
    if p.field_type is not None:
        attrs["fieldType"] = p.field_type
    if p.group is not None:
        attrs["groupName"] = p.group
    if p.description is not None:
        attrs["description"] = p.description.pick(lang)
    if p.options is not None:
        attrs["options"] = [
            {
                "value": o.value,
                "label": o.label.pick(lang),
                "description": o.description.pick(lang) if o.description else "",
                "displayOrder": o.display_order if o.display_order is not None else i,
                "hidden": o.hidden,
            }
            for i, o in enumerate(p.options)
        ]
    if p.display_order is not None:
        attrs["displayOrder"] = p.display_order
    if p.hidden is not None:
        attrs["hidden"] = p.hidden
    if p.form_field is not None:
        attrs["formField"] = p.form_field
    if p.unique is not None:
        attrs["hasUniqueValue"] = p.unique
    return attrs


def _put(res: Resolution, resource: Resource, absent: bool, origin: Any) -> None:
    res.desired.origins[resource.id] = origin
    if absent:
        res.desired.tombstones.add(resource.id)
    else:
        res.desired.snapshot.add(resource)


class PropertyGroupHandler(KindHandler):
    kind = Kind.PROPERTY_GROUP
    noun = "property group"
    order = 10
    rank = 0
    offline = True
    writer = "hs_japan.portal.write:write_group"
    export_as = "groups"
    export_position = 10

    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        return [export_listing(obj) for obj in objects]

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        out = []
        for obj, found in export_listings(ctx):
            for g in sorted(found.get("groups") or [], key=lambda g: str(g["name"])):
                if g["name"] in RESERVED_GROUPS:
                    continue  # hs-japan's apply lock, not configuration
                if g["name"] in HUBSPOT_DEFAULT_GROUPS and not ctx.include_hubspot_defined:
                    continue
                item: dict[str, Any] = {
                    "object": obj,
                    "name": g["name"],
                    "label": {ctx.language: str(g.get("label") or g["name"])},
                }
                if isinstance(g.get("displayOrder"), int):
                    item["display_order"] = g["displayOrder"]
                out.append(item)
        return [ExportSection("groups.yaml", {"property_groups": out}, len(out))] if out else []

    def late_needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        return [listing(g.object) for g, _ in bp.property_groups]

    def observe(self, res: Resolution) -> None:
        for obj, found in _listings(res):
            for g in found.get("groups") or []:
                res.actual.snapshot.add(group_resource(obj, g))

    def compile(self, res: Resolution) -> None:
        for g, origin in res.bp.property_groups:
            attrs: dict[str, Any] = {}
            if g.label is not None:
                attrs["label"] = g.label.pick(res.language)
            if g.display_order is not None:
                attrs["displayOrder"] = g.display_order
            _put(res, Resource(self.kind, make_key(g.object, g.name), attrs), g.absent, origin)

    def check(self, res: Resolution) -> list[Diagnostic]:
        desired, actual = res.desired, res.actual.snapshot
        problems: list[Diagnostic] = []
        ids = sorted(
            rid
            for rid in set(desired.snapshot.resources) | desired.tombstones
            if rid[0] is self.kind
        )
        for rid in ids:
            key = rid[1]
            have = actual.get(self.kind, key)
            if have is not None and have.hubspot_defined:
                continue  # said once for every kind (plan/diff.check_references)
            if _is_protected_group(key, actual):
                problems.append(located(desired, rid, "name", _hubspot_defined(key)))
                continue
            if rid in desired.tombstones and have is not None:
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
                    problems.append(
                        located(
                            desired,
                            rid,
                            "absent",
                            f"group '{name}' still holds properties "
                            f"{', '.join(holders)}; move or remove them first",
                        )
                    )
        return problems


def _hubspot_defined(key: str) -> str:
    return (
        f"{key} is HubSpot-defined; hs-japan never changes or deletes "
        "it (remove it from the blueprint)"
    )


def _is_protected_group(key: str, actual: Snapshot) -> bool:
    obj, name = key.split("/", 1)
    if name in HUBSPOT_DEFAULT_GROUPS:
        return True
    return any(
        p.hubspot_defined and p.object_type == obj and p.attrs.get("groupName") == name
        for p in actual.of_kind(Kind.PROPERTY)
    )


def _removed_options(change: Change) -> list[str]:
    before = (change.before or {}).get("options") or []
    after = (change.after or {}).get("options")
    if after is None:
        return []
    kept = {o["value"] for o in after}
    return sorted(o["value"] for o in before if o["value"] not in kept)


class PropertyHandler(KindHandler):
    kind = Kind.PROPERTY
    noun = "property"
    order = 20
    rank = 1
    offline = True
    holds_record_values = True
    create_only = CREATE_ONLY_PROPERTY_ATTRS
    writer = "hs_japan.portal.write:write_property"
    batch_writer = "hs_japan.portal.write:write_property_batch"
    export_as = "properties"
    export_position = 20

    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        return [export_listing(obj) for obj in objects]

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        sections = []
        for obj, found in export_listings(ctx):
            items = [
                property_item(p, obj, ctx.language)
                for p in sorted(found.get("properties") or [], key=lambda p: str(p["name"]))
                if (ctx.include_hubspot_defined or not p.get("hubspotDefined"))
                # hs-japan's record of applied migrations is not configuration
                and p["name"] not in RESERVED_PROPERTIES
            ]
            if items:
                sections.append(
                    ExportSection(f"properties-{obj}.yaml", {"properties": items}, len(items))
                )
        return sections

    def needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        # round 2 reads the recycle bin of the objects where a property is created
        return [listing(p.object) for p, _ in bp.properties]

    def followups(self, bp: Blueprint, language: Language, facts: Facts) -> Iterable[Read]:
        have: set[str] = set()
        for read, value in facts.results.items():
            if read.reader == LISTING and isinstance(value, Mapping):
                have |= {
                    make_key(str(read.arg), str(p.get("name")))
                    for p in value.get("properties") or []
                    if isinstance(p, Mapping) and not p.get("archived")
                }
        creating = sorted(
            {
                p.object
                for p, _ in bp.properties
                if not p.absent and make_key(p.object, p.name) not in have
            }
        )
        return [Read(ARCHIVED, obj) for obj in creating]

    def observe(self, res: Resolution) -> None:
        for obj, found in _listings(res):
            for p in found.get("properties") or []:
                if not p.get("archived"):
                    res.actual.snapshot.add(property_resource(obj, p))
        for read, names in res.facts.results.items():
            if read.reader == ARCHIVED:
                res.actual.archived_properties[str(read.arg)] = set(names)

    def compile(self, res: Resolution) -> None:
        for p, origin in res.bp.properties:
            resource = Resource(
                self.kind, make_key(p.object, p.name), property_attrs(p, res.language)
            )
            _put(res, resource, p.absent, origin)

    def check(self, res: Resolution) -> list[Diagnostic]:
        desired, state = res.desired, res.actual
        problems: list[Diagnostic] = []
        for want in sorted(desired.snapshot.of_kind(self.kind), key=lambda r: r.key):
            have = state.snapshot.get(self.kind, want.key)
            if have is not None and have.hubspot_defined:
                continue
            obj = want.object_type
            group = want.attrs.get("groupName")
            gkey = make_key(obj, group) if group else ""
            if (
                group
                and (Kind.PROPERTY_GROUP, gkey) not in desired.tombstones
                and desired.snapshot.get(Kind.PROPERTY_GROUP, gkey) is None
                and state.snapshot.get(Kind.PROPERTY_GROUP, gkey) is None
            ) or (group and (Kind.PROPERTY_GROUP, gkey) in desired.tombstones):
                problems.append(
                    located(
                        desired,
                        want.id,
                        "group",
                        f"property group '{group}' does not exist for {obj} "
                        "in the blueprint or the portal",
                    )
                )
            if have is None and want.name in state.archived_properties.get(obj, set()):
                problems.append(
                    located(
                        desired,
                        want.id,
                        "name",
                        f"an archived property named '{want.name}' is in the "
                        f"{obj} recycle bin; restore or purge it in HubSpot first",
                    )
                )
        return problems

    def equal(self, name: str, desired: Any, actual: Any) -> bool:
        if name == "options":
            return normalize_options(desired) == normalize_options(actual or [])
        return super().equal(name, desired, actual)

    def replace_reason(self, fields: Sequence[str]) -> str:
        return (
            f"{', '.join(fields)} can only be set at creation: the property is "
            "archived and created again, and its values are lost"
        )

    def update_risk(self, changed: Mapping[str, tuple[Any, Any]]) -> tuple[Risk, tuple[str, ...]]:
        reasons: list[str] = []
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

    def assess(self, change: Change, count: Counter) -> Change:
        from dataclasses import replace

        obj = change.object_type
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

    def batch_key(self, change: Change) -> str | None:
        return change.object_type if change.action is Action.CREATE else None


def hubspot_defined_message(key: str) -> str:
    return _hubspot_defined(key)


# -- export ----------------------------------------------------------------------------

EXPORT_LISTING = "hs_japan.portal.dump:property_listing_of"  # as LISTING, nulls dropped


def export_listing(obj: str) -> Read:
    """Export's read of an object's groups and properties (shared by the kinds that need
    them: groups, properties, validations)."""
    return Read(EXPORT_LISTING, obj)


def export_listings(ctx: ExportContext) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """(object, {"groups", "properties"}) for each exported object that was read."""
    for obj in ctx.objects:
        found = ctx.facts.get(export_listing(obj))
        if isinstance(found, Mapping):
            yield obj, found


def _yes_no(options: list[dict[str, Any]]) -> bool:
    """HubSpot's own Yes/No options of a bool property: left implicit in the blueprint."""
    return sorted(str(o.get("value")) for o in options) == ["false", "true"] and all(
        o.get("label") in ("Yes", "No") for o in options
    )


def property_item(p: Mapping[str, Any], obj: str, language: str) -> dict[str, Any]:
    """A portal property as a blueprint ``properties`` item."""
    out: dict[str, Any] = {
        "object": obj,
        "name": p["name"],
        "label": {language: str(p.get("label") or p["name"])},
        "type": p.get("type"),
        "field_type": p.get("fieldType"),
        "group": p.get("groupName"),
    }
    if p.get("description"):
        out["description"] = {language: str(p["description"])}
    options = p.get("options") or []
    if options and not (p.get("type") == "bool" and _yes_no(options)):
        out["options"] = []
        for i, o in enumerate(options):
            item: dict[str, Any] = {
                "value": str(o.get("value")),
                "label": {language: str(o.get("label") or o.get("value"))},
            }
            if o.get("description"):
                item["description"] = {language: str(o["description"])}
            if o.get("hidden"):
                item["hidden"] = True
            order = o.get("displayOrder")
            item["display_order"] = order if isinstance(order, int) else i
            out["options"].append(item)
    if isinstance(p.get("displayOrder"), int):
        out["display_order"] = p["displayOrder"]
    if p.get("hidden"):
        out["hidden"] = True
    if p.get("formField"):
        out["form_field"] = True
    if p.get("hasUniqueValue"):
        out["unique"] = True
    return out
