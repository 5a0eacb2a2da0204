"""Export a portal's configuration as blueprint YAML (the same format users write).

What is exported: custom property groups and properties (HubSpot-defined ones only on
request), every pipeline with its stages, and workflows made from hs-japan follow-up
rules (decompiled back into rules). Left out and reported: workflows hs-japan did not make,
stage-criteria workflows (they are derived from criteria, which HubSpot does not store),
and hs-japan's own apply-lock group.

References are symbolic: rules name stages by key and people by owner email, never by
portal ids. Labels are written as ``{<language>: …}`` in the chosen language. The
output is deterministic (sorted), so exporting twice gives identical files, and planning
the export against the same portal plans no change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hs_japan.reserved import RESERVED_GROUPS, RESERVED_PROPERTIES, marker_of
from hs_japan.resources import HUBSPOT_DEFAULT_GROUPS, OBJECT_TYPES, PIPELINE_OBJECT_TYPES
from hs_japan.rules import DecompileError, decompile_flow

KINDS = ("groups", "properties", "pipelines", "workflows")


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


def _pipeline(pl: dict[str, Any], obj: str, language: str) -> dict[str, Any]:
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
        stages.append(item)
    out: dict[str, Any] = {
        "object": obj,
        "id": str(pl["id"]),
        "label": _text(str(pl.get("label") or pl["id"]), language),
    }
    if isinstance(pl.get("displayOrder"), int):
        out["display_order"] = pl["displayOrder"]
    if obj == "deals":
        out["criteria_tasks"] = "off"  # criteria are not stored in HubSpot: none to check
    out["stages"] = stages
    return out


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
            _pipeline(pl, obj, language)
            for obj in objects
            if obj in PIPELINE_OBJECT_TYPES
            for pl in sorted(dump.pipelines.get(obj, []), key=lambda p: str(p["id"]))
            if not pl.get("archived")
        ]
        if pipes:
            write("pipelines.yaml", {"pipelines": pipes})
            counts["pipelines"] = len(pipes)
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
                skipped.append(
                    f"workflow {flow.get('id')} ({marker}): generated from stage criteria, which "
                    "HubSpot does not store; add the criteria to the pipeline to get it back"
                )
                continue
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
            write("follow-up.yaml", {"follow_up_rules": rules})
            counts["workflows"] = len(rules)
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
