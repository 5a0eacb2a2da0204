"""Rules that span items or files of a blueprint (the model checks single fields).

Only what can be decided without a portal is checked here; references that may be
satisfied by the portal (a HubSpot-defined group or property) are resolved at plan time.
"""

from __future__ import annotations

from collections.abc import Mapping

from hs_japan.blueprint.model import Blueprint, Origin, PropertySpec
from hs_japan.blueprint.yamlsrc import YamlDoc, dotted
from hs_japan.errors import Diagnostic
from hs_japan.reserved import RESERVED_GROUPS, RESERVED_PROPERTIES, RESERVED_PROPERTY_ROLES

# type -> allowed fieldType (docs/hubspot-api.md §5.3). calculation_equation needs a formula, which
# blueprint v1 does not model, so it is rejected separately with its own message.
FIELD_TYPES: Mapping[str, frozenset[str]] = {
    "bool": frozenset({"booleancheckbox"}),
    "enumeration": frozenset({"booleancheckbox", "checkbox", "radio", "select"}),
    "date": frozenset({"date"}),
    "datetime": frozenset({"date"}),
    "string": frozenset({"text", "textarea", "file", "html", "phonenumber"}),
    "number": frozenset({"number"}),
    "phone_number": frozenset({"phonenumber"}),
}


class _Reporter:
    def __init__(self, docs: Mapping[str, YamlDoc]) -> None:
        self.docs = docs
        self.problems: list[Diagnostic] = []

    def at(self, origin: Origin, sub: tuple[str | int, ...], message: str) -> None:
        path = (*origin.keypath, *sub)
        doc = self.docs.get(origin.file)
        line = doc.line_of(path) if doc else origin.line
        self.problems.append(Diagnostic(origin.file, line, dotted(path), message))


def _check_property(spec: PropertySpec, origin: Origin, report: _Reporter) -> None:
    if spec.name.startswith("hs_"):
        report.at(origin, ("name",), "the hs_ prefix is reserved for HubSpot-defined properties")
    if spec.absent:
        return
    for field in ("label", "type", "field_type", "group"):
        if getattr(spec, field) is None:
            report.at(
                origin, (), f"{field} is required (or set absent: true to remove the property)"
            )
    if spec.field_type == "calculation_equation":
        report.at(
            origin, ("field_type",), "calculated properties are not supported in blueprint v1"
        )
    elif spec.type and spec.field_type and spec.field_type not in FIELD_TYPES[spec.type]:
        allowed = ", ".join(sorted(FIELD_TYPES[spec.type]))
        report.at(
            origin,
            ("field_type",),
            f"'{spec.field_type}' is not valid for type '{spec.type}' (use {allowed})",
        )
    if spec.type == "enumeration" and not spec.options:
        report.at(origin, ("options",), "enumeration properties need at least one option")
    if spec.options and spec.type not in (None, "enumeration", "bool"):
        report.at(
            origin,
            ("options",),
            f"options are only allowed on enumeration and bool properties, not '{spec.type}'",
        )
    seen: dict[str, int] = {}
    for i, option in enumerate(spec.options or []):
        if option.value in seen:
            report.at(
                origin,
                ("options", i, "value"),
                f"duplicate option value '{option.value}' (also options[{seen[option.value]}])",
            )
        else:
            seen[option.value] = i


def check_blueprint(bp: Blueprint, docs: Mapping[str, YamlDoc]) -> list[Diagnostic]:
    report = _Reporter(docs)

    def first_seen(
        registry: dict[tuple[str, ...], Origin],
        key: tuple[str, ...],
        origin: Origin,
        sub: tuple[str | int, ...],
        what: str,
    ) -> None:
        if key in registry:
            prev = registry[key]
            report.at(origin, sub, f"{what} is defined twice (also {prev.file}:{prev.line})")
        else:
            registry[key] = origin

    groups: dict[tuple[str, ...], Origin] = {}
    group_absent: set[tuple[str, str]] = set()
    for g, origin in bp.property_groups:
        first_seen(
            groups, (g.object, g.name), origin, ("name",), f"property group {g.object}/{g.name}"
        )
        if g.absent:
            group_absent.add((g.object, g.name))

    props: dict[tuple[str, ...], Origin] = {}
    for p, origin in bp.properties:
        first_seen(props, (p.object, p.name), origin, ("name",), f"property {p.object}/{p.name}")
        _check_property(p, origin, report)
        if not p.absent and p.group and (p.object, p.group) in group_absent:
            report.at(
                origin,
                ("group",),
                f"group '{p.group}' is marked absent (to be removed) in this blueprint",
            )

    defined = {(p.object, p.name): p for p, _ in bp.properties if not p.absent}
    tombstoned = {(p.object, p.name) for p, _ in bp.properties if p.absent} - set(defined)
    pipelines: dict[tuple[str, ...], Origin] = {}
    stage_ids: dict[tuple[str, ...], Origin] = {}
    pipeline_labels: dict[tuple[str, ...], Origin] = {}
    for pl, origin in bp.pipelines:
        first_seen(pipelines, (pl.object, pl.id), origin, ("id",), f"pipeline {pl.object}/{pl.id}")
        for i, st in enumerate(pl.stages):
            # stage ids are unique across all pipelines of an object in HubSpot
            first_seen(
                stage_ids,
                (pl.object, st.key),
                origin,
                ("stages", i, "key"),
                f"stage key '{st.key}' in {pl.object} pipelines",
            )
        if pl.absent:
            continue
        if pl.label is None:
            report.at(origin, (), "label is required (or set absent: true to remove the pipeline)")
        else:
            for lang in ("ja", "en"):
                text = getattr(pl.label, lang)
                if text:
                    first_seen(
                        pipeline_labels,
                        (pl.object, lang, text),
                        origin,
                        ("label",),
                        f"pipeline label '{text}' for {pl.object}",
                    )
        live = [s for s in pl.stages if not s.absent]
        if not live:
            report.at(origin, ("stages",), "a pipeline needs at least one stage")
        labels: dict[tuple[str, ...], Origin] = {}
        for i, st in enumerate(pl.stages):
            if st.absent:
                continue
            if st.label is None:
                report.at(origin, ("stages", i), "label is required (or set absent: true)")
            else:
                for lang in ("ja", "en"):
                    text = getattr(st.label, lang)
                    if text and (lang, text) in labels:
                        report.at(
                            origin,
                            ("stages", i, "label"),
                            f"stage label '{text}' is used twice in this pipeline",
                        )
                    elif text:
                        labels[(lang, text)] = origin
            if pl.object == "deals":
                if st.probability is None:
                    report.at(
                        origin,
                        ("stages", i),
                        "probability is required for deal stages (0.0 lost … 1.0 won)",
                    )
                elif abs(st.probability * 10 - round(st.probability * 10)) > 1e-9:
                    report.at(
                        origin,
                        ("stages", i, "probability"),
                        "HubSpot accepts probabilities in steps of 0.1",
                    )
                if st.ticket_state is not None:
                    report.at(
                        origin,
                        ("stages", i, "ticket_state"),
                        "ticket_state is for ticket pipelines",
                    )
            elif st.probability is not None:
                report.at(
                    origin,
                    ("stages", i, "probability"),
                    "probability is for deal pipelines; use ticket_state",
                )
            for phase in ("entry", "exit"):
                criteria = getattr(st, phase)
                if criteria is not None and not st.absent and not pl.absent:
                    # a stage cannot require a property this blueprint deletes
                    named = [
                        (("required_properties", k), name)
                        for k, name in enumerate(criteria.required_properties)
                    ] + [
                        (("conditions", k, "property"), c.property)
                        for k, c in enumerate(criteria.conditions)
                    ]
                    for where, name in named:
                        if (pl.object, name) in tombstoned:
                            report.at(
                                origin,
                                ("stages", i, phase, *where),
                                f"{pl.object} property {name} is marked absent (to be "
                                "deleted) in this blueprint, but this stage's criteria need it",
                            )
                for j, cond in enumerate(criteria.conditions if criteria else []):
                    values = cond.in_ or ([cond.equals] if cond.equals is not None else [])
                    spec = defined.get((pl.object, cond.property))
                    if not values or spec is None or spec.options is None:
                        continue  # not an option test, or a property the portal defines
                    known = {o.value for o in spec.options}
                    for value in values:
                        if value not in known:
                            report.at(
                                origin,
                                ("stages", i, phase, "conditions", j),
                                f"'{value}' is not an option of {pl.object} property "
                                f"{cond.property} (options: {', '.join(sorted(known))})",
                            )
    stage_keys = {
        f"{pl.id}/{st.key}" for pl, _ in bp.pipelines if not pl.absent for st in pl.stages
    }
    funnel_keys: dict[tuple[str, ...], Origin] = {}
    for fs, origin in bp.funnel:
        first_seen(funnel_keys, (fs.key,), origin, ("key",), f"funnel stage '{fs.key}'")
        for i, ref in enumerate(fs.pipeline_stages):
            if ref not in stage_keys:
                report.at(
                    origin,
                    ("pipeline_stages", i),
                    f"no stage '{ref}' (<pipeline id>/<stage key>) in this blueprint's pipelines",
                )
    rule_keys = {r.key for r, _ in bp.follow_up_rules if not r.absent}
    for fs, origin in bp.funnel:
        for i, key in enumerate(fs.follow_up_rules):
            if key not in rule_keys:
                report.at(
                    origin, ("follow_up_rules", i), f"no follow-up rule '{key}' in this blueprint"
                )
    list_keys: dict[tuple[str, ...], Origin] = {}
    for ls, origin in bp.lists:
        first_seen(list_keys, (ls.key,), origin, ("key",), f"list '{ls.key}'")
        for j, flt in enumerate(ls.filters):
            values = flt.in_ or ([flt.equals] if flt.equals is not None else [])
            spec = defined.get((ls.object, flt.property))
            if values and spec is not None and spec.options is not None:
                known = {o.value for o in spec.options}
                for value in values:
                    if value not in known:
                        report.at(
                            origin,
                            ("filters", j),
                            f"'{value}' is not an option of {ls.object} property {flt.property}",
                        )
    # hs-japan's own machinery is never configuration: a group named like the apply lock
    # would lock the portal for good, and its tombstone would delete a live lock
    for g, origin in bp.property_groups:
        if g.name in RESERVED_GROUPS:
            report.at(
                origin, ("name",), f"'{g.name}' is hs-japan's apply lock, not a group to manage"
            )
    for p, origin in bp.properties:
        if p.name in RESERVED_PROPERTIES:
            report.at(
                origin,
                ("name",),
                f"'{p.name}' is {RESERVED_PROPERTY_ROLES[p.name]}, not a property to manage",
            )
    rules: dict[tuple[str, ...], Origin] = {}
    for rule, origin in bp.follow_up_rules:
        first_seen(rules, (rule.key,), origin, ("key",), f"follow-up rule '{rule.key}'")
    for i, (_cal, origin) in enumerate(bp.holiday_calendars):
        if i:
            first = bp.holiday_calendars[0][1]
            report.at(
                origin,
                ("key",),
                f"one holiday calendar per blueprint (the first is at {first.file}:{first.line})",
            )
    return report.problems
