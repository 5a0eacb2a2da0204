"""Export a portal's configuration as blueprint YAML (the same format users write).

What is exported: custom property groups and properties (HubSpot-defined ones only on
request), every pipeline with its stages, the stage criteria that hs-japan's
stage-criteria workflows check (decompiled from those workflows), lists whose filters
hs-japan can write, workflows made from hs-japan follow-up rules (decompiled back into
rules) and the holiday calendar they skip, user-defined association labels and property
validation rules. Left out and reported: workflows hs-japan did
not make, lists of shapes hs-japan does not write, what HubSpot has no place for
(``NOT_IN_HUBSPOT``: expected days in stage, the funnel design, property patterns, exit
criteria as such — they come back as the next stage's entry criteria, which generates the
same workflows), and hs-japan's own apply-lock group.

References are symbolic: rules name stages by key and people by owner email, never by
portal ids. Labels are written as ``{<language>: …}`` in the chosen language. The
output is deterministic (sorted), so exporting twice gives identical files, and planning
the export against the same portal plans no change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hs_japan.kinds import association_label, property_validation
from hs_japan.reserved import RESERVED_GROUPS, RESERVED_PROPERTIES, marker_of
from hs_japan.resources import HUBSPOT_DEFAULT_GROUPS, OBJECT_TYPES, PIPELINE_OBJECT_TYPES
from hs_japan.rules import DecompileError, calendar_from_blocked, decompile_flow

KINDS = (
    "groups",
    "properties",
    "pipelines",
    "lists",
    "workflows",
    "association_labels",
    "validations",
)
# blueprint content HubSpot cannot hold: carried only by applying the blueprint itself
NOT_IN_HUBSPOT = (
    "stage expected_days (time-in-stage ranges used by audit and report)",
    "the funnel section (design notes for the playbook)",
    "property patterns and length/number bounds as such (exported as the validation "
    "rules they are applied as, in validations.yaml)",
    "stage criteria descriptions beyond the entry text, and which criteria were exit "
    "criteria (exported as the next stage's entry criteria: the same workflows)",
)


@dataclass
class PortalDump:
    """What export read from the portal, in HubSpot's JSON shapes."""

    portal_id: int
    portal_name: str
    account_type: str
    time_zone: str
    groups: dict[str, list[dict[str, Any]]]  # object -> groups
    properties: dict[str, list[dict[str, Any]]]  # object -> properties
    pipelines: dict[str, list[dict[str, Any]]]  # object -> pipelines
    flows: list[dict[str, Any]] = field(default_factory=list)  # marked flows, full JSON
    owners: list[dict[str, Any]] = field(default_factory=list)
    lists: list[dict[str, Any]] = field(default_factory=list)  # with filters
    # (from, to) -> association labels as listed; object -> property validation rules
    association_labels: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    validations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class ExportResult:
    files: dict[str, str]  # file name -> YAML text
    skipped: list[str]  # what was left out, and why
    counts: dict[str, int]


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def _text(value: str, language: str) -> dict[str, str]:
    return {language: value}


def _property(p: dict[str, Any], obj: str, language: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "object": obj,
        "name": p["name"],
        "label": _text(str(p.get("label") or p["name"]), language),
        "type": p.get("type"),
        "field_type": p.get("fieldType"),
        "group": p.get("groupName"),
    }
    if p.get("description"):
        out["description"] = _text(str(p["description"]), language)
    options = p.get("options") or []
    if options and not (p.get("type") == "bool" and _yes_no(options)):
        out["options"] = []
        for i, o in enumerate(options):
            item: dict[str, Any] = {
                "value": str(o.get("value")),
                "label": _text(str(o.get("label") or o.get("value")), language),
            }
            if o.get("description"):
                item["description"] = _text(str(o["description"]), language)
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


def _yes_no(options: list[dict[str, Any]]) -> bool:
    """HubSpot's own Yes/No options of a bool property: left implicit in the blueprint."""
    return sorted(str(o.get("value")) for o in options) == ["false", "true"] and all(
        o.get("label") in ("Yes", "No") for o in options
    )


def _unmet(branch: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(property, operation) of one ``dealstage = S AND <criterion unmet>`` branch."""
    filters = branch.get("filters") or []
    if len(filters) != 2 or filters[0].get("property") != "dealstage":
        return None
    f = filters[1]
    return str(f.get("property")), dict(f.get("operation") or {})


def criteria_from_flow(flow: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The stage criteria a stage-criteria workflow checks, as blueprint ``entry`` criteria
    of its stage: (stage id, criteria). Checks keep their order, so the workflow generated
    from them is the same one. None when the flow does not have the generated shape."""
    root = (flow.get("enrollmentCriteria") or {}).get("listFilterBranch") or {}
    branches = root.get("filterBranches") or []
    actions = flow.get("actions") or []
    if not branches or len(actions) != 1:
        return None
    body = str((actions[0].get("fields") or {}).get("body") or "")
    description = None
    for marker in ("\n\n入口基準: ", "\n\nEntry criteria: "):
        if marker in body:
            body, description = body.split(marker, 1)
    stage = None
    conditions: list[dict[str, Any]] = []
    for branch in branches:
        found = _unmet(branch)
        if found is None:
            return None
        values_in_stage = (branch["filters"][0].get("operation") or {}).get("values") or []
        stage = str(values_in_stage[0]) if values_in_stage else None
        prop, op = found
        kind, operator = op.get("operationType"), op.get("operator")
        if kind == "ALL_PROPERTY" and operator in ("IS_UNKNOWN", "IS_KNOWN"):
            conditions.append({"property": prop, "is_set": operator == "IS_UNKNOWN"})
        elif kind == "BOOL" and operator == "IS_NOT_EQUAL_TO":
            conditions.append({"property": prop, "equals": "true" if op.get("value") else "false"})
        elif kind == "STRING" and operator == "IS_NOT_EQUAL_TO":
            conditions.append({"property": prop, "equals": str(op.get("value"))})
        elif kind == "ENUMERATION" and operator == "IS_NONE_OF":
            # the task body lists option labels in the property's option order, whatever
            # order the blueprint wrote them in: sorted values generate the same workflow
            conditions.append({"property": prop, "in": [str(v) for v in op.get("values") or []]})
        else:
            return None
    if stage is None:
        return None
    criteria: dict[str, Any] = {"conditions": conditions}
    if description:
        criteria["description"] = description
    return stage, criteria


def list_spec(lst: dict[str, Any], language: str) -> tuple[dict[str, Any] | None, str]:
    """A HubSpot list as a blueprint ``lists`` item, or (None, why not)."""
    from hs_japan.lists import OBJECT_NAMES, from_branch

    obj = OBJECT_NAMES.get(str(lst.get("objectTypeId")))
    if obj is None:
        return None, f"object type {lst.get('objectTypeId')} is not supported"
    processing = str(lst.get("processingType") or "")
    if processing not in ("DYNAMIC", "MANUAL", "SNAPSHOT"):
        return None, f"processing type {processing or '?'} is not supported"
    name = str(lst.get("name") or "")
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    key = slug if re.fullmatch(r"[a-z][a-z0-9_]{0,99}", slug) else f"list_{lst.get('listId')}"
    item: dict[str, Any] = {
        "key": key,
        "object": obj,
        "name": _text(name, language),
        "processing": processing,
    }
    if processing == "MANUAL":
        return item, ""
    filters = from_branch(lst.get("filterBranch"))
    if not filters:
        return None, "its filters have a shape hs-japan does not write (nested or non-property)"
    out = []
    for f in filters:
        kind, operator, prop = f["operationType"], f["operator"], f["property"]
        if kind == "ALL_PROPERTY" and operator in ("IS_KNOWN", "IS_UNKNOWN"):
            out.append({"property": prop, "is_set": operator == "IS_KNOWN"})
        elif kind == "NUMBER_RANGED" and operator == "IS_BETWEEN":
            out.append({"property": prop, "gte": f["lowerBound"], "lte": f["upperBound"]})
        elif kind == "NUMBER" and operator == "IS_GREATER_THAN_OR_EQUAL_TO":
            out.append({"property": prop, "gte": f["value"]})
        elif kind == "NUMBER" and operator == "IS_LESS_THAN_OR_EQUAL_TO":
            out.append({"property": prop, "lte": f["value"]})
        elif kind in ("NUMBER", "STRING") and operator == "IS_EQUAL_TO":
            out.append({"property": prop, "equals": str(f["value"])})
        elif kind == "BOOL" and operator == "IS_EQUAL_TO":
            out.append({"property": prop, "equals": "true" if f["value"] else "false"})
        elif kind in ("ENUMERATION", "MULTISTRING") and operator in ("IS_ANY_OF", "IS_EQUAL_TO"):
            out.append({"property": prop, "in": list(f["values"])})
        else:
            return None, f"filter {prop} {kind} {operator} is not one hs-japan writes"
    item["filters"] = out
    return item, ""


def _pipeline(
    pl: dict[str, Any],
    obj: str,
    language: str,
    criteria: dict[str, tuple[dict[str, Any], bool]] | None = None,
) -> dict[str, Any]:
    stages = []
    for st in sorted(pl.get("stages") or [], key=lambda s: (s.get("displayOrder", 0), s["id"])):
        if st.get("archived"):
            continue
        meta = st.get("metadata") or {}
        item: dict[str, Any] = {
            "key": str(st["id"]),
            "label": _text(str(st.get("label") or st["id"]), language),
        }
        if obj == "deals" and meta.get("probability") is not None:
            item["probability"] = float(meta["probability"])
        if obj == "tickets" and meta.get("ticketState"):
            item["ticket_state"] = meta["ticketState"]
        found = (criteria or {}).get(str(st["id"]))
        if found is not None:
            item["entry"] = found[0]
        stages.append(item)
    out: dict[str, Any] = {
        "object": obj,
        "id": str(pl["id"]),
        "label": _text(str(pl.get("label") or pl["id"]), language),
    }
    if isinstance(pl.get("displayOrder"), int):
        out["display_order"] = pl["displayOrder"]
    if obj == "deals":
        mine = [enabled for sid, (_c, enabled) in (criteria or {}).items() if sid in _stage_ids(pl)]
        # no stage-criteria workflows: none generated; else as the portal has them
        out["criteria_tasks"] = "off" if not mine else "enabled" if all(mine) else "disabled"
    out["stages"] = stages
    return out


def _stage_ids(pl: dict[str, Any]) -> set[str]:
    return {str(st["id"]) for st in pl.get("stages") or []}


def export(
    dump: PortalDump,
    language: str,
    *,
    objects: tuple[str, ...] = OBJECT_TYPES,
    kinds: tuple[str, ...] = KINDS,
    include_hubspot_defined: bool = False,
    now: dt.datetime | None = None,
) -> ExportResult:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Exported by hs-japan from portal {dump.portal_id} ({dump.portal_name}, "
        f"{dump.account_type}) on {stamp}.\n# Labels are in '{language}'. Edit freely: this "
        "is an ordinary blueprint.\n"
    )
    files: dict[str, str] = {}
    skipped: list[str] = []
    counts = {k: 0 for k in KINDS}
    counts["stage_criteria"] = 0
    # stage criteria, from hs-japan's stage-criteria workflows: stage id -> (criteria, enabled)
    criteria: dict[str, tuple[dict[str, Any], bool]] = {}
    for flow in sorted(dump.flows, key=lambda f: str(f.get("id"))):
        marker = marker_of(flow) or ""
        if not marker.startswith("criteria_"):
            continue
        got = criteria_from_flow(flow)
        if got is None:
            skipped.append(
                f"workflow {flow.get('id')} ({marker}): edited in HubSpot beyond the shape "
                "hs-japan generates; its stage criteria are not exported"
            )
            continue
        criteria[got[0]] = (got[1], bool(flow.get("isEnabled")))

    def write(name: str, doc: dict[str, Any]) -> None:
        body = yaml.dump(
            {"version": 1, **doc}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
        )
        files[name] = header + body

    groups_out = []
    props_out: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        for g in sorted(dump.groups.get(obj, []), key=lambda g: g["name"]):
            if g["name"] in RESERVED_GROUPS:
                continue  # hs-japan's apply lock, not configuration
            if g["name"] in HUBSPOT_DEFAULT_GROUPS and not include_hubspot_defined:
                continue
            item: dict[str, Any] = {
                "object": obj,
                "name": g["name"],
                "label": _text(str(g.get("label") or g["name"]), language),
            }
            if isinstance(g.get("displayOrder"), int):
                item["display_order"] = g["displayOrder"]
            groups_out.append(item)
        for p in sorted(dump.properties.get(obj, []), key=lambda p: p["name"]):
            if p.get("hubspotDefined") and not include_hubspot_defined:
                continue
            if p["name"] in RESERVED_PROPERTIES:
                continue  # hs-japan's record of applied migrations, not configuration
            props_out.setdefault(obj, []).append(_property(p, obj, language))
    if "groups" in kinds and groups_out:
        write("groups.yaml", {"property_groups": groups_out})
        counts["groups"] = len(groups_out)
    if "properties" in kinds:
        for obj, items in props_out.items():
            write(f"properties-{obj}.yaml", {"properties": items})
            counts["properties"] += len(items)
    if "pipelines" in kinds:
        pipes = [
            _pipeline(pl, obj, language, criteria)
            for obj in objects
            if obj in PIPELINE_OBJECT_TYPES
            for pl in sorted(dump.pipelines.get(obj, []), key=lambda p: str(p["id"]))
            if not pl.get("archived")
        ]
        if pipes:
            write("pipelines.yaml", {"pipelines": pipes})
            counts["pipelines"] = len(pipes)
            counts["stage_criteria"] = sum(
                1 for pl in pipes for st in pl["stages"] if "entry" in st
            )
    if "lists" in kinds:
        lists_out = []
        for lst in dump.lists:
            made, why = list_spec(lst, language)
            if made is None:
                skipped.append(f"list {lst.get('listId')} ({lst.get('name')}): {why}")
            elif made["object"] in objects:
                lists_out.append(made)
        taken: set[str] = set()
        for made in lists_out:  # keys are unique in a blueprint
            base, n = made["key"], 2
            while made["key"] in taken:
                made["key"] = f"{base}_{n}"[:100]
                n += 1
            taken.add(made["key"])
        if lists_out:
            write("lists.yaml", {"lists": lists_out})
            counts["lists"] = len(lists_out)
    if "workflows" in kinds:
        emails = {
            int(o["userId"]): str(o["email"])
            for o in dump.owners
            if o.get("userId") is not None and o.get("email")
        }
        stage_pipeline = {
            str(st["id"]): str(pl["id"])
            for pl in dump.pipelines.get("deals", [])
            for st in pl.get("stages") or []
        }
        rules = []
        for flow in sorted(dump.flows, key=lambda f: str(f.get("id"))):
            marker = marker_of(flow) or ""
            if marker.startswith("criteria_"):
                continue  # exported as the stage criteria it was generated from
            try:
                rule = decompile_flow(
                    flow, emails.get, stage_pipeline.get, dump.time_zone or "Asia/Tokyo"
                )
            except DecompileError as exc:
                skipped.append(f"workflow {flow.get('id')} ({flow.get('name')}): {exc}")
                continue
            rule["name"] = _text(str(rule["name"]), language)
            for step in rule["steps"]:
                for kind in ("task", "notify"):
                    if kind in step:
                        for part in ("subject", "body"):
                            if part in step[kind]:
                                step[kind][part] = _text(str(step[kind][part]), language)
            if rule["object"] in objects:
                rules.append(rule)
        if rules:
            calendars = [
                cal
                for flow in dump.flows
                if (marker_of(flow) or "").startswith("rule_")
                for cal in [calendar_from_blocked(flow.get("blockedDates") or [])]
                if cal is not None
            ]
            doc: dict[str, Any] = {"follow_up_rules": rules}
            if calendars:
                # every rule skips the same calendar: the one with the furthest horizon
                doc["holiday_calendars"] = [max(calendars, key=lambda c: c.get("through", 0))]
            write("follow-up.yaml", doc)
            counts["workflows"] = len(rules)
    if "association_labels" in kinds:
        labels = association_label.export_items(dump.association_labels, objects, language)
        if labels:
            write("associations.yaml", {"association_labels": labels})
            counts["association_labels"] = len(labels)
    if "validations" in kinds:
        skip = {f"{obj}/{name}" for obj in objects for name in RESERVED_PROPERTIES}
        if not include_hubspot_defined:
            skip |= {
                f"{obj}/{p['name']}"
                for obj in objects
                for p in dump.properties.get(obj, [])
                if p.get("hubspotDefined")
            }
        rules = property_validation.export_items(dump.validations, objects, skip)
        if rules:
            write("validations.yaml", {"property_validations": rules})
            counts["validations"] = len(rules)
    return ExportResult(files, skipped, counts)


def write_export(result: ExportResult, out: Path, force: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    existing = sorted(p.name for p in out.glob("*.y*ml"))
    if existing and not force:
        raise FileExistsError(
            f"{out} already holds blueprint files ({', '.join(existing[:3])}); "
            "choose an empty directory or pass --force"
        )
    for name, text in result.files.items():
        (out / name).write_text(text, encoding="utf-8")
