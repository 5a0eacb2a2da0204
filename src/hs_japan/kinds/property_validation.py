"""Kind ``property_validation``: HubSpot property validation rules (pure).

Key ``<objectType>/<propertyName>/<RULE_TYPE>``; attrs ``ruleArguments`` (strings) and,
when the blueprint states it, ``shouldApplyNormalization`` (docs/hubspot-api.md §15.1).
A property's ``pattern`` becomes a ``REGEX`` rule, ``min_length``/``max_length`` the
length rules and ``min_number``/``max_number`` the numeric ones; the
``property_validations`` section writes any rule type and removes one (``absent: true``).
HubSpot has no DELETE for a rule: removing it is a PUT with no arguments
(docs/hubspot-api.md §14, unconfirmed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from hs_japan.blueprint.compile import DesiredState
from hs_japan.blueprint.model import Blueprint, Language, Origin, PropertySpec
from hs_japan.errors import Diagnostic
from hs_japan.kinds.base import ExportContext, ExportSection, KindHandler, Read, Resolution
from hs_japan.kinds.properties import export_listing, export_listings
from hs_japan.kinds.properties import listing as property_listing
from hs_japan.lists import OBJECT_TYPE_IDS  # leads too (export reads them unless refused, §15.7)
from hs_japan.reserved import RESERVED_PROPERTIES
from hs_japan.resources import (
    Kind,
    PortalState,
    Resource,
    Snapshot,
    find_property,
    make_key,
    property_exists,
)

# rule type -> property types it applies to (HubSpot: text, number, date pickers)
TEXT_RULES = frozenset(
    {"REGEX", "MIN_LENGTH", "MAX_LENGTH", "ALPHANUMERIC", "SPECIAL_CHARACTERS", "WHITESPACE"}
)
NUMBER_RULES = frozenset({"MIN_NUMBER", "MAX_NUMBER", "DECIMAL"})


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def property_rules(p: PropertySpec) -> Iterator[tuple[str, list[str], str]]:
    """(rule type, arguments, blueprint field) of the rules a property's fields state."""
    if p.pattern is not None:
        yield "REGEX", [p.pattern], "pattern"
    if p.min_length is not None:
        yield "MIN_LENGTH", [str(p.min_length)], "min_length"
    if p.max_length is not None:
        yield "MAX_LENGTH", [str(p.max_length)], "max_length"
    if p.min_number is not None:
        yield "MIN_NUMBER", [_number(p.min_number)], "min_number"
    if p.max_number is not None:
        yield "MAX_NUMBER", [_number(p.max_number)], "max_number"


def key_of(obj: str, prop: str, rule_type: str) -> str:
    return make_key(obj, prop, rule_type)


def add_desired(bp: Blueprint, desired: DesiredState) -> list[Diagnostic]:
    """Add the blueprint's validation rules (and tombstones) to the desired state."""
    problems: list[Diagnostic] = []
    seen: dict[str, Origin] = {}

    def put(key: str, attrs: dict[str, Any] | None, origin: Origin, path: str) -> None:
        if key in seen:
            first = seen[key]
            problems.append(
                Diagnostic(
                    origin.file,
                    origin.line,
                    path,
                    f"validation rule {key} is also set at {first.file}:{first.line}",
                )
            )
            return
        seen[key] = origin
        rid = (Kind.PROPERTY_VALIDATION, key)
        desired.origins[rid] = origin
        if attrs is None:
            desired.tombstones.add(rid)
        else:
            desired.snapshot.add(Resource(Kind.PROPERTY_VALIDATION, key, attrs))

    for p, origin in bp.properties:
        if p.absent:
            continue  # a removed property takes its rules with it
        for rule_type, args, field in property_rules(p):
            where = bp.origin_of(origin, field)
            put(
                key_of(p.object, p.name, rule_type),
                {"ruleArguments": args},
                where,
                f"properties[{origin.keypath[1]}].{field}",
            )
    for v, origin in bp.property_validations:
        attrs: dict[str, Any] | None = None
        if not v.absent:
            attrs = {"ruleArguments": list(v.arguments)}
            if v.normalize is not None:
                attrs["shouldApplyNormalization"] = v.normalize
        put(
            key_of(v.object, v.property, v.rule_type),
            attrs,
            origin,
            f"property_validations[{origin.keypath[1]}]",
        )
    return problems


def objects_of(desired: DesiredState) -> set[str]:
    """Object types whose rules the plan must read."""
    ids = set(desired.snapshot.resources) | desired.tombstones
    return {key.split("/", 1)[0] for kind, key in ids if kind is Kind.PROPERTY_VALIDATION}


def rule_resources(obj: str, listing: list[dict[str, Any]]) -> Iterator[Resource]:
    """The rules of ``GET /crm/v3/property-validations/{objectTypeId}`` as resources."""
    for item in listing:
        prop = str(item.get("propertyName") or "")
        for rule in item.get("propertyValidationRules") or []:
            rule_type = str(rule.get("ruleType") or "")
            args = [str(a) for a in rule.get("ruleArguments") or []]
            if not prop or not rule_type or not args:
                continue
            yield Resource(
                Kind.PROPERTY_VALIDATION,
                key_of(obj, prop, rule_type),
                {
                    "ruleArguments": args,
                    "shouldApplyNormalization": bool(rule.get("shouldApplyNormalization", False)),
                },
            )


def add_actual(state: PortalState, found: dict[str, list[dict[str, Any]]]) -> None:
    """Add the rules read per object type to the portal snapshot."""
    for obj, listing in found.items():
        for res in rule_resources(obj, listing):
            state.snapshot.add(res)


def check(desired: DesiredState, state: PortalState) -> list[Diagnostic]:
    """Rules on properties that exist nowhere, or of a type the rule does not apply to."""
    problems: list[Diagnostic] = []
    for res in desired.snapshot.of_kind(Kind.PROPERTY_VALIDATION):
        obj, prop, rule_type = res.key.split("/")
        pkey = make_key(obj, prop)
        gone = not property_exists((desired.snapshot, state.snapshot), desired.tombstones, pkey)
        found = find_property((desired.snapshot, state.snapshot), pkey)
        origin = desired.origins[res.id]
        where = f"{res.key}"
        if found is None or gone:
            problems.append(
                Diagnostic(
                    origin.file,
                    origin.line,
                    where,
                    f"validation rule on unknown {obj} property '{prop}'",
                )
            )
            continue
        ptype = found.attrs.get("type")
        if ptype is None:
            actual = find_property((state.snapshot,), pkey)
            ptype = actual.attrs.get("type") if actual else None
        if rule_type in TEXT_RULES and ptype not in (None, "string"):
            problems.append(
                Diagnostic(
                    origin.file,
                    origin.line,
                    where,
                    f"{rule_type} applies to text properties; '{prop}' is {ptype}",
                )
            )
        if rule_type in NUMBER_RULES and ptype not in (None, "number"):
            problems.append(
                Diagnostic(
                    origin.file,
                    origin.line,
                    where,
                    f"{rule_type} applies to number properties; '{prop}' is {ptype}",
                )
            )
    return problems


def export_items(
    rules: dict[str, list[dict[str, Any]]], objects: tuple[str, ...], skip: set[str]
) -> list[dict[str, Any]]:
    """The portal's rules as ``property_validations`` items (sorted; ``skip`` holds
    ``object/property`` keys left out, e.g. reserved properties)."""
    out = []
    for obj in objects:
        for res in sorted(rule_resources(obj, rules.get(obj, [])), key=lambda r: r.key):
            _o, prop, rule_type = res.key.split("/")
            if make_key(obj, prop) in skip:
                continue
            item: dict[str, Any] = {
                "object": obj,
                "property": prop,
                "rule_type": rule_type,
                "arguments": list(res.attrs["ruleArguments"]),
            }
            if res.attrs.get("shouldApplyNormalization"):
                item["normalize"] = True
            out.append(item)
    return out


def describe(rule_type: str, args: list[str], language: str = "en") -> str:
    """A rule in words (playbook checklist, plan notes)."""
    first = args[0] if args else ""
    ja = {
        "REGEX": f"正規表現 {first} に一致",
        "MIN_LENGTH": f"{first} 文字以上",
        "MAX_LENGTH": f"{first} 文字以下",
        "MIN_NUMBER": f"{first} 以上",
        "MAX_NUMBER": f"{first} 以下",
    }
    en = {
        "REGEX": f"matches {first}",
        "MIN_LENGTH": f"at least {first} characters",
        "MAX_LENGTH": f"at most {first} characters",
        "MIN_NUMBER": f"at least {first}",
        "MAX_NUMBER": f"at most {first}",
    }
    words = ja if language == "ja" else en
    return words.get(rule_type, f"{rule_type} {', '.join(args)}")


READ = "hs_japan.portal.validations:read_rules_of"  # object -> its rules listing
EXPORT_READ = "hs_japan.portal.dump:validation_rules_of"  # one object's rules (export)


def _objects(bp: Blueprint) -> frozenset[str]:
    scratch = DesiredState(Snapshot())
    add_desired(bp, scratch)
    return frozenset(objects_of(scratch))


class PropertyValidationHandler(KindHandler):
    kind = Kind.PROPERTY_VALIDATION
    noun = "property validation"
    order = 30
    rank = 2  # after the properties it validates (rank 1)
    writer = "hs_japan.portal.validations:write_validation"
    export_as = "validations"
    export_position = 70

    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        # the objects hs-japan writes rules for; the properties say which rules are on
        # HubSpot-defined properties
        mine = [obj for obj in objects if obj in OBJECT_TYPE_IDS]
        return [
            *(Read(EXPORT_READ, obj) for obj in mine),
            *(export_listing(obj) for obj in mine),
        ]

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        found = {
            obj: rules
            for obj in ctx.objects
            if isinstance(rules := ctx.facts.get(Read(EXPORT_READ, obj)), list)
        }
        skip = {f"{obj}/{name}" for obj in ctx.objects for name in RESERVED_PROPERTIES}
        if not ctx.include_hubspot_defined:
            skip |= {
                f"{obj}/{p['name']}"
                for obj, listing in export_listings(ctx)
                for p in listing.get("properties") or []
                if p.get("hubspotDefined")
            }
        rules = export_items(found, ctx.objects, skip)
        if not rules:
            return []
        return [ExportSection("validations.yaml", {"property_validations": rules}, len(rules))]

    def late_needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        objects = _objects(bp)
        if not objects:
            return []
        # a rule's property type is checked
        return [*(property_listing(obj) for obj in sorted(objects)), Read(READ, objects)]

    def observe(self, res: Resolution) -> None:
        objects = _objects(res.bp)
        if objects:
            add_actual(res.actual, res.facts.get(Read(READ, objects)) or {})

    def compile(self, res: Resolution) -> None:
        res.problems.extend(add_desired(res.bp, res.desired))

    def check(self, res: Resolution) -> list[Diagnostic]:
        return check(res.desired, res.actual)
