"""A minimal CRM object store: contacts, companies, deals, tickets and meetings
(``/crm/v3/objects``).

Records live in collection ``record:{objectType}`` as ``{id, properties: {name: str},
createdAt, updatedAt, archived}`` (pipelines.py counts deals and tickets per stage there).

Rules: property values are validated against the portal's property definitions (unknown
property, wrong number/bool/date format, enumeration value not among the options → 400
``Property values were not valid: […]`` naming each property); ``dealstage`` must be a stage
of the deal's ``pipeline`` (``hs_pipeline_stage`` of ``hs_pipeline`` for tickets) and a
missing pipeline means the default one; ``hubspot_owner_id`` must be an active owner;
contacts' ``email`` and ``hasUniqueValue`` properties are unique (409); a value that breaks
one of the property's validation rules (validations.py) is a 400 too, except when seeding.
Server-maintained:
``hs_object_id``, ``createdate`` (settable on create), ``hs_lastmodifieddate`` (contacts
also ``lastmodifieddate``) and, for deals/tickets, ``hs_date_entered_<stageId>`` /
``hs_date_exited_<stageId>`` when the stage changes. The control API seeds records through
:func:`seed_records`, which keeps explicitly given ``createdate``/``hs_date_*`` values
(backdating). Search has its own per-second rate limit (server.py, docs/hubspot-api.md §2.1).

Meetings (0-47) are records like the others, with HubSpot's meeting properties
(catalogue.py): ``hs_timestamp`` is required on create and, when missing, taken from
``hs_meeting_start_time`` (HubSpot's meetings guide); ``hs_createdate`` is server-maintained
next to ``createdate``. They have no pipeline, no unique properties and no list membership.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Callable
from typing import Any

from hubspot_emulator.api import (
    ApiError,
    Request,
    Response,
    conflict,
    js,
    not_found,
    route,
    show,
    validation,
)
from hubspot_emulator.associations import (
    associations_for_create,
    link,
    v3_associations,
)
from hubspot_emulator.catalogue import (
    EPOCH,
    STAGE_PROPERTY_KINDS,
    catalogue_docs,
    stage_property_type,
)
from hubspot_emulator.common import (
    ACTIVITY_TYPE_IDS,
    RECORD_LABELS,
    RECORD_OBJECTS,
    cursor_page,
    object_read_scopes,
    object_type,
    object_write_scopes,
    parse_timestamp,
)
from hubspot_emulator.leads import LEADS, require_contact
from hubspot_emulator.owners import active_owner_ids
from hubspot_emulator.store import Store, iso
from hubspot_emulator.validations import rule_errors

BASE = "/crm/v3/objects/{objectType}"
ONE = BASE + "/{objectId}"

DEFAULT_OUTPUT: dict[str, tuple[str, ...]] = {
    "contacts": (
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    "tickets": (
        "content",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_priority",
        "subject",
    ),
    # [guess: the leads guide's common properties and the pipeline pair]
    "leads": (
        "hs_createdate",
        "hs_lastmodifieddate",
        "hs_lead_name",
        "hs_object_id",
        "hs_pipeline",
        "hs_pipeline_stage",
    ),
    # [guess: HubSpot's default output for activities is not in the material reached]
    "meetings": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}
SEARCHABLE = {
    "contacts": ("firstname", "lastname", "email", "phone", "company"),
    "companies": ("name", "domain"),
    "deals": ("dealname",),
    "tickets": ("subject", "content"),
    "meetings": ("hs_meeting_title", "hs_meeting_body"),
    "leads": ("hs_lead_name",),
}
STAGE_KEYS = {
    "deals": ("pipeline", "dealstage"),
    "tickets": ("hs_pipeline", "hs_pipeline_stage"),
    "leads": ("hs_pipeline", "hs_pipeline_stage"),
}
DEFAULT_PIPELINE = {"deals": "default", "tickets": "0", "leads": "lead-pipeline-id"}
MAX_VALUE = 65_536
MAX_BATCH = 100
SEARCH_MAX_LIMIT = 200
SEARCH_MAX_RESULTS = 10_000
SEARCH_OPERATORS = (
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
)


def _coll(obj: str) -> str:
    return f"record:{obj}"


# objects whose creation date is hs_createdate (activities, leads: their catalogue's name)
HS_CREATEDATE = (*ACTIVITY_TYPE_IDS, "leads")


def _always(obj: str) -> tuple[str, ...]:
    if obj in HS_CREATEDATE:
        return ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")
    last = "lastmodifieddate" if obj == "contacts" else "hs_lastmodifieddate"
    return ("createdate", last, "hs_object_id")


def system_type(obj: str, name: str) -> str | None:
    """Type of a server-maintained property (not stored as a definition), else None."""
    if name in ("createdate", "hs_lastmodifieddate"):
        return "datetime"
    if name == "hs_object_id":
        return "number"
    if obj == "contacts" and name == "lastmodifieddate":
        return "datetime"
    if obj in HS_CREATEDATE and name == "hs_createdate":
        return "datetime"
    if obj in STAGE_KEYS:
        return stage_property_type(name)
    return None


class Ctx:
    """Definitions and lookups for one object type in one portal, cached per request."""

    def __init__(self, store: Store, portal_id: int, obj: str) -> None:
        self.store, self.pid, self.obj = store, portal_id, obj
        self.defs = {
            p["name"]: p for p in store.all(portal_id, f"prop:{obj}") if not p.get("archived")
        }
        if not self.defs and obj in ACTIVITY_TYPE_IDS:
            # a portal persisted before meetings were served: HubSpot's catalogue
            self.defs = {p["name"]: p for p in catalogue_docs(obj, EPOCH)}
        self._owners: set[str] | None = None
        self._pipelines: dict[str, list[str]] | None = None
        self._unique: dict[str, dict[str, str]] | None = None

    def prop_type(self, name: str) -> str | None:
        d = self.defs.get(name)
        return str(d["type"]) if d is not None else system_type(self.obj, name)

    def is_known(self, name: str) -> bool:
        return self.prop_type(name) is not None

    def known_names(self) -> set[str]:
        names = set(self.defs) | {"createdate", "hs_object_id", *_always(self.obj)}
        for stages in self.pipelines().values() if self.obj in STAGE_KEYS else []:
            for s in stages:
                names |= {f"{prefix}{s}" for prefix, *_rest in STAGE_PROPERTY_KINDS}
        return names

    def owners(self) -> set[str]:
        if self._owners is None:
            self._owners = active_owner_ids(self.store, self.pid)
        return self._owners

    def pipelines(self) -> dict[str, list[str]]:
        """Live pipeline id → its live stage ids, pipelines and stages in display order."""
        if self._pipelines is None:
            docs = [
                p for p in self.store.all(self.pid, f"pipeline:{self.obj}") if not p.get("archived")
            ]
            docs.sort(key=lambda p: (int(p.get("displayOrder", 0)), str(p.get("label", ""))))
            self._pipelines = {
                p["id"]: [
                    s["id"]
                    for s in sorted(
                        p["stages"],
                        key=lambda s: (int(s.get("displayOrder", 0)), str(s.get("label", ""))),
                    )
                    if not s.get("archived")
                ]
                for p in docs
            }
        return self._pipelines

    def unique_props(self) -> list[str]:
        names = [n for n, d in self.defs.items() if d.get("hasUniqueValue")]
        if self.obj == "contacts" and "email" in self.defs and "email" not in names:
            names.append("email")
        return names

    def unique_index(self) -> dict[str, dict[str, str]]:
        if self._unique is None:
            names = self.unique_props()
            self._unique = {n: {} for n in names}
            if names:
                for rec in self.store.all(self.pid, _coll(self.obj)):
                    if rec.get("archived"):
                        continue
                    for n in names:
                        value = rec["properties"].get(n)
                        if value:
                            self._unique[n][str(value).casefold()] = rec["id"]
        return self._unique


# -- value validation ---------------------------------------------------------------------------
def _invalid(errors: list[tuple[str, str, str]]) -> ApiError:
    detail = [
        {"isValid": False, "message": msg, "error": code, "name": name}
        for name, code, msg in errors
    ]
    return ApiError(
        400,
        "VALIDATION_ERROR",
        f"Property values were not valid: {json.dumps(detail, ensure_ascii=False)}",
        errors=[
            {"message": msg, "code": code, "in": name, "context": {"propertyName": [name]}}
            for name, code, msg in errors
        ],
    )


def _coerce(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def _check_value(
    ctx: Ctx, name: str, ptype: str, text: str
) -> tuple[str | None, tuple[str, str] | None]:
    """(normalised value, None) or (None, (code, message))."""
    d = ctx.defs.get(name)
    if ptype == "number":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, ("INVALID_NUMBER", f'"{text}" is not a valid number')
        return text.strip(), None
    if ptype == "bool":
        if text.strip().lower() not in ("true", "false"):
            return None, ("INVALID_BOOLEAN", f'"{text}" is not a valid boolean (true or false)')
        return text.strip().lower(), None
    if ptype in ("date", "datetime"):
        ms = parse_timestamp(text)
        if ms is None:
            return None, ("INVALID_DATE", f'"{text}" is not a valid date (ISO-8601 or epoch ms)')
        if ptype == "date":
            if ms % 86_400_000:
                return None, ("INVALID_DATE", f'"{text}" is not at midnight UTC')
            return iso(ms)[:10], None
        return iso(ms), None
    if ptype == "enumeration":
        if name in (
            "pipeline",
            "dealstage",
            "hs_pipeline",
            "hs_pipeline_stage",
            "hubspot_owner_id",
        ):
            return text, None  # checked against pipelines and owners below
        if d is None or d.get("externalOptions"):
            return text, None
        options = [str(o["value"]) for o in d.get("options") or []]
        values = text.split(";") if d.get("fieldType") == "checkbox" else [text]
        bad = [v for v in values if v not in options]
        if bad:
            return None, (
                "INVALID_OPTION",
                f'"{bad[0]}" was not one of the allowed options: [{", ".join(options)}]',
            )
        return text, None
    if len(text) > MAX_VALUE:
        return None, ("INVALID_LENGTH", f"value is longer than {MAX_VALUE} characters")
    return text, None


def validate_values(ctx: Ctx, raw: Any, *, creating: bool, seeding: bool) -> dict[str, str]:
    """Checked and normalised values; ``""`` means clear the property."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise validation("properties must be an object", field_name="properties")
    out: dict[str, str] = {}
    errors: list[tuple[str, str, str]] = []
    for name, value in raw.items():
        text = _coerce(value)
        if text is None:
            errors.append(
                (name, "INVALID_PROPERTY_VALUE", f'Property "{name}" must be a string or number')
            )
            continue
        d = ctx.defs.get(name)
        system = system_type(ctx.obj, name)
        if system is not None and (
            d is None or (d.get("modificationMetadata") or {}).get("readOnlyValue")
        ):
            # server-maintained (its catalogue definition, if any, is read-only)
            d = None
        if d is None:
            ptype = system
            if ptype is None:
                errors.append((name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
                continue
            settable = name != "hs_object_id" and (seeding or (creating and name == "createdate"))
            if not settable:
                errors.append((name, "READ_ONLY_VALUE", f'Property "{name}" is read-only'))
                continue
        else:
            ptype = str(d["type"])
            meta = d.get("modificationMetadata") or {}
            read_only = meta.get("readOnlyValue") or d.get("fieldType") == "calculation_equation"
            if read_only and not (seeding and d.get("hubspotDefined")):
                errors.append((name, "READ_ONLY_VALUE", f'Property "{name}" is read-only'))
                continue
        if text == "":
            out[name] = ""
            continue
        normalised, error = _check_value(ctx, name, ptype, text)
        if error is None and normalised is not None and d is not None and not seeding:
            # the property's validation rules (validations.py), as HubSpot enforces them
            broken = rule_errors(ctx.store, ctx.pid, ctx.obj, name, normalised)
            if broken is not None:
                error = ("INVALID_PROPERTY_VALUE", broken)
        if error is not None:
            errors.append((name, *error))
        elif normalised is not None:
            out[name] = normalised
    if errors:
        raise _invalid(errors)
    return out


def _apply_rules(
    ctx: Ctx, props: dict[str, str], before: dict[str, str] | None, record_id: str | None
) -> None:
    """Cross-property rules on the merged values: owner, pipeline/stage, uniqueness."""
    errors: list[tuple[str, str, str]] = []
    owner = props.get("hubspot_owner_id")
    owner_changed = before is None or before.get("hubspot_owner_id") != owner
    if owner and owner_changed and owner not in ctx.owners():
        errors.append(
            ("hubspot_owner_id", "INVALID_OWNER_ID", f'"{owner}" is not a valid owner id')
        )
    if ctx.obj in STAGE_KEYS:
        pipe_key, stage_key = STAGE_KEYS[ctx.obj]
        changed = before is None or any(
            props.get(k) != before.get(k) for k in (pipe_key, stage_key)
        )
        pipes = ctx.pipelines()
        if changed and pipes:
            if not props.get(pipe_key):
                default = DEFAULT_PIPELINE[ctx.obj]
                props[pipe_key] = default if default in pipes else next(iter(pipes))
            pipeline, stage = props[pipe_key], props.get(stage_key)
            if pipeline not in pipes:
                errors.append(
                    (pipe_key, "INVALID_OPTION", f'"{pipeline}" is not a valid {ctx.obj} pipeline')
                )
            elif not stage:
                errors.append((stage_key, "REQUIRED", f'"{stage_key}" is required for {ctx.obj}'))
            elif stage not in pipes[pipeline]:
                errors.append(
                    (
                        stage_key,
                        "INVALID_OPTION",
                        f'"{stage}" is not a stage of {ctx.obj} pipeline "{pipeline}" '
                        f"(stages: {', '.join(pipes[pipeline])})",
                    )
                )
    if errors:
        raise _invalid(errors)
    index = ctx.unique_index()
    for name in index:
        value = props.get(name)
        if not value or (before is not None and before.get(name) == value):
            continue
        holder = index[name].get(value.casefold())
        if holder is not None and holder != record_id:
            singular = RECORD_LABELS[ctx.obj][0]
            if name == "email" and ctx.obj == "contacts":
                raise conflict(f"Contact already exists. Existing ID: {holder}")
            raise conflict(f"{singular} with {name}={value} already exists. Existing ID: {holder}")


def _remember_unique(ctx: Ctx, rec: dict[str, Any]) -> None:
    for name, values in ctx.unique_index().items():
        for key in [k for k, holder in values.items() if holder == rec["id"]]:
            del values[key]  # the record's previous value is free again
        value = rec["properties"].get(name)
        if value:
            values[str(value).casefold()] = rec["id"]


# -- create / update ----------------------------------------------------------------------------
def create_record(ctx: Ctx, body: Any, where: str = "", *, seeding: bool = False) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation(f"{where or 'body'} must be an object", field_name=where or None)
    values = validate_values(ctx, body.get("properties"), creating=True, seeding=seeding)
    props = {k: v for k, v in values.items() if v != ""}
    if ctx.obj == "meetings" and not props.get("hs_timestamp"):
        # HubSpot's meetings guide: hs_timestamp is required, and defaults to
        # hs_meeting_start_time when missing
        start = props.get("hs_meeting_start_time")
        if not start:
            raise _invalid(
                [("hs_timestamp", "REQUIRED", '"hs_timestamp" is required for meetings')]
            )
        props["hs_timestamp"] = start
    _apply_rules(ctx, props, None, None)
    links = associations_for_create(
        ctx.store, ctx.pid, ctx.obj, body.get("associations"), f"{where}associations"
    )
    if ctx.obj == LEADS:
        require_contact(links, where)
    now = ctx.store.now_iso()
    created = props.get("createdate") or now
    rid = str(ctx.store.next_id(ctx.pid, _coll(ctx.obj), start=10_001))
    last = props.get("hs_lastmodifieddate") or (created if "createdate" in values else now)
    props.update(hs_object_id=rid, createdate=created, hs_lastmodifieddate=last)
    if ctx.obj == "contacts":
        props["lastmodifieddate"] = last
    if ctx.obj in HS_CREATEDATE:
        props["hs_createdate"] = props.get("hs_createdate") or created
    if ctx.obj in STAGE_KEYS:
        stage = props.get(STAGE_KEYS[ctx.obj][1])
        if stage:
            entered = props.setdefault(f"hs_date_entered_{stage}", created)
            props.setdefault(f"hs_v2_date_entered_{stage}", entered)
            props["hs_v2_date_entered_current_stage"] = props[f"hs_v2_date_entered_{stage}"]
            props["hs_v2_time_in_current_stage"] = props[f"hs_v2_date_entered_{stage}"]
    rec = {
        "id": rid,
        "properties": props,
        "createdAt": created,
        "updatedAt": last,
        "archived": False,
    }
    ctx.store.put(ctx.pid, _coll(ctx.obj), rid, rec)
    _remember_unique(ctx, rec)
    for to_obj, to_id, type_id in links:
        link(ctx.store, ctx.pid, ctx.obj, rid, to_obj, to_id, type_id)
    return rec


def update_record(
    ctx: Ctx, rec: dict[str, Any], raw: Any, *, seeding: bool = False
) -> dict[str, Any]:
    values = validate_values(ctx, raw, creating=False, seeding=seeding)
    before = dict(rec["properties"])
    props = dict(before)
    for name, value in values.items():
        if value == "":
            props.pop(name, None)
        else:
            props[name] = value
    _apply_rules(ctx, props, before, rec["id"])
    now = ctx.store.now_iso()
    props["hs_lastmodifieddate"] = now
    if ctx.obj == "contacts":
        props["lastmodifieddate"] = now
    if ctx.obj in STAGE_KEYS:
        stage_key = STAGE_KEYS[ctx.obj][1]
        old, new = before.get(stage_key), props.get(stage_key)
        if old != new:
            stage_moved(props, old, new, now)
    rec = {**rec, "properties": props, "updatedAt": now}
    ctx.store.put(ctx.pid, _coll(ctx.obj), rec["id"], rec)
    _remember_unique(ctx, rec)
    return rec


def stage_moved(props: dict[str, str], old: str | None, new: str | None, now: str) -> None:
    """Stage calculated properties when a deal/ticket moves from ``old`` to ``new`` (HubSpot KB
    "Use stage calculated properties"): date entered/exited per stage (legacy ``hs_date_*`` and
    current ``hs_v2_date_*``); on leaving a stage, ``hs_v2_latest_time_in_<stage>`` = time since
    it last entered and ``hs_v2_cumulative_time_in_<stage>`` adds it up over re-entries
    (milliseconds [guess on the unit]); ``hs_v2_date_entered_current_stage`` follows the stage.
    """
    now_ms = parse_timestamp(now) or 0
    if old:
        props[f"hs_date_exited_{old}"] = now
        props[f"hs_v2_date_exited_{old}"] = now
        entered = props.get(f"hs_v2_date_entered_{old}") or props.get(f"hs_date_entered_{old}")
        entered_ms = parse_timestamp(entered) if entered else None
        if entered_ms is not None:
            spent = max(0, now_ms - entered_ms)
            props[f"hs_v2_latest_time_in_{old}"] = str(spent)
            total = int(float(props.get(f"hs_v2_cumulative_time_in_{old}") or 0)) + spent
            props[f"hs_v2_cumulative_time_in_{old}"] = str(total)
    if new:
        props[f"hs_date_entered_{new}"] = now
        props[f"hs_v2_date_entered_{new}"] = now
        props["hs_v2_date_entered_current_stage"] = now
        props["hs_v2_time_in_current_stage"] = now
    else:
        props.pop("hs_v2_date_entered_current_stage", None)
        props.pop("hs_v2_time_in_current_stage", None)


def seed_records(store: Store, portal_id: int, obj: str, inputs: Any) -> list[dict[str, Any]]:
    """The control API's seeding: like batch create, but explicit ``createdate``,
    ``hs_lastmodifieddate`` and ``hs_date_entered_*``/``hs_date_exited_*`` are kept."""
    if not isinstance(inputs, list):
        raise validation("inputs must be a list", field_name="inputs")
    ctx = Ctx(store, portal_id, obj)
    with store.transaction():
        return [
            create_record(ctx, item, f"inputs[{i}].", seeding=True) for i, item in enumerate(inputs)
        ]


# -- output -------------------------------------------------------------------------------------
def wanted_properties(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    names = [n.strip() for v in values for n in str(v).split(",") if n.strip()]
    return names or None


def record_out(ctx: Ctx, rec: dict[str, Any], wanted: list[str] | None) -> dict[str, Any]:
    names = list(DEFAULT_OUTPUT[ctx.obj]) if wanted is None else [*wanted, *_always(ctx.obj)]
    stored = rec["properties"]
    props: dict[str, Any] = {}
    for name in dict.fromkeys(names):
        if name in stored:
            props[name] = stored[name]
        elif ctx.is_known(name):
            props[name] = None
    out: dict[str, Any] = {
        "id": rec["id"],
        "properties": props,
        "createdAt": rec["createdAt"],
        "updatedAt": rec["updatedAt"],
        "archived": bool(rec.get("archived")),
    }
    if rec.get("archivedAt"):
        out["archivedAt"] = rec["archivedAt"]
    return out


def full_out(rec: dict[str, Any]) -> dict[str, Any]:
    """A write's answer: every property the record holds."""
    return {
        "id": rec["id"],
        "properties": dict(rec["properties"]),
        "createdAt": rec["createdAt"],
        "updatedAt": rec["updatedAt"],
        "archived": bool(rec.get("archived")),
    }


def live_records(store: Store, portal_id: int, obj: str) -> list[dict[str, Any]]:
    return [r for r in store.all(portal_id, _coll(obj)) if not r.get("archived")]


def _obj(request: Request) -> str:
    return object_type(request.params["objectType"], RECORD_OBJECTS)


def _not_found() -> ApiError:
    return not_found("Object not found.  objectId are usually numeric.")


def _find(request: Request, ctx: Ctx, raw_id: str, archived: bool = False) -> dict[str, Any]:
    id_property = request.q("idProperty")
    if id_property and id_property != "hs_object_id":
        if id_property not in ctx.unique_props():
            raise validation(
                f"idProperty '{show(id_property)}' is not a unique-value property of {ctx.obj}",
                field_name="idProperty",
            )
        for rec in request.store.all(request.portal_id, _coll(ctx.obj)):
            value = str(rec["properties"].get(id_property, ""))
            if value.casefold() == raw_id.casefold() and bool(rec.get("archived")) == archived:
                return rec
        raise _not_found()
    found = request.store.get(request.portal_id, _coll(ctx.obj), raw_id)
    if found is None or bool(found.get("archived")) != archived:
        raise _not_found()
    return found


def _with_associations(
    request: Request, ctx: Ctx, rec: dict[str, Any], out: dict[str, Any]
) -> None:
    wanted = wanted_properties(request.query.get("associations"))
    if wanted:
        found = v3_associations(request.store, request.portal_id, ctx.obj, rec["id"], wanted)
        if found:
            out["associations"] = found


# -- basic endpoints ----------------------------------------------------------------------------
def _id_key(rec: dict[str, Any]) -> int:
    return int(rec["id"])


@route("GET", BASE, scopes=object_read_scopes)
def list_records(request: Request) -> Response:
    obj = _obj(request)
    ctx = Ctx(request.store, request.portal_id, obj)
    archived = request.flag("archived")
    recs = [
        r
        for r in request.store.all(request.portal_id, _coll(obj))
        if bool(r.get("archived")) == archived
    ]
    recs.sort(key=_id_key)
    page, paging = cursor_page(request, recs, _id_key, default=10, maximum=100)
    wanted = wanted_properties(request.query.get("properties"))
    results = []
    for rec in page:
        out = record_out(ctx, rec, wanted)
        _with_associations(request, ctx, rec, out)
        results.append(out)
    body: dict[str, Any] = {"results": results}
    if paging:
        body["paging"] = paging
    return Response(200, body)


@route("POST", BASE, scopes=object_write_scopes, write=True)
def create(request: Request) -> Response:
    obj = _obj(request)
    rec = create_record(Ctx(request.store, request.portal_id, obj), request.json_object())
    return Response(201, full_out(rec), {"Location": f"/crm/v3/objects/{obj}/{rec['id']}"})


@route("GET", ONE, scopes=object_read_scopes)
def get_record(request: Request) -> Response:
    ctx = Ctx(request.store, request.portal_id, _obj(request))
    rec = _find(request, ctx, request.params["objectId"], request.flag("archived"))
    out = record_out(ctx, rec, wanted_properties(request.query.get("properties")))
    _with_associations(request, ctx, rec, out)
    return Response(200, out)


@route("PATCH", ONE, scopes=object_write_scopes, write=True)
def patch_record(request: Request) -> Response:
    ctx = Ctx(request.store, request.portal_id, _obj(request))
    rec = _find(request, ctx, request.params["objectId"])
    body = request.json_object()
    return Response(200, full_out(update_record(ctx, rec, body.get("properties"))))


def _archive(request: Request, obj: str, record_id: str) -> None:
    rec = request.store.get(request.portal_id, _coll(obj), record_id)
    if rec is None or rec.get("archived"):
        return  # archiving is idempotent: 204 either way
    now = request.store.now_iso()
    rec.update(archived=True, archivedAt=now, updatedAt=now)
    request.store.put(request.portal_id, _coll(obj), record_id, rec)


@route("DELETE", ONE, scopes=object_write_scopes, write=True)
def archive_record(request: Request) -> Response:
    _archive(request, _obj(request), request.params["objectId"])
    return Response(204)


# -- batch --------------------------------------------------------------------------------------
def _inputs(body: dict[str, Any]) -> list[Any]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise validation("Required field 'inputs' is missing", field_name="inputs")
    if len(inputs) > MAX_BATCH:
        raise validation(f"Batch inputs are limited to {MAX_BATCH} items", field_name="inputs")
    return inputs


def _batch_body(
    request: Request, results: list[dict[str, Any]], errors: list[dict[str, Any]], started: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": request.store.now_iso(),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return body


def _missing_error(obj: str, ids: list[str]) -> dict[str, Any]:
    message = (
        f"Could not get some {RECORD_LABELS[obj][0].upper()} objects, they may be deleted or "
        "not exist. Check that ids are valid."
    )
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": message,
        "context": {"ids": ids},
        "errors": [{"message": message}],
        "links": {},
    }


@route("POST", BASE + "/batch/create", scopes=object_write_scopes, write=True)
def batch_create(request: Request) -> Response:
    obj = _obj(request)
    ctx = Ctx(request.store, request.portal_id, obj)
    started = request.store.now_iso()
    # all or nothing: the request's transaction rolls back when one input fails
    recs = [
        create_record(ctx, item, f"inputs[{i}].")
        for i, item in enumerate(_inputs(request.json_object()))
    ]
    return Response(201, _batch_body(request, [full_out(r) for r in recs], [], started))


@route("POST", BASE + "/batch/read", scopes=object_read_scopes)
def batch_read(request: Request) -> Response:
    obj = _obj(request)
    ctx = Ctx(request.store, request.portal_id, obj)
    body = request.json_object()
    started = request.store.now_iso()
    archived = bool(body.get("archived", False))
    wanted = wanted_properties(body.get("properties"))
    results, missing = [], []
    for item in _inputs(body):
        rid = str(item.get("id")) if isinstance(item, dict) else ""
        rec = request.store.get(request.portal_id, _coll(obj), rid)
        if rec is None or bool(rec.get("archived")) != archived:
            missing.append(rid)
        else:
            results.append(record_out(ctx, rec, wanted))
    errors = [_missing_error(obj, missing)] if missing else []
    return Response(207 if errors else 200, _batch_body(request, results, errors, started))


@route("POST", BASE + "/batch/update", scopes=object_write_scopes, write=True)
def batch_update(request: Request) -> Response:
    obj = _obj(request)
    ctx = Ctx(request.store, request.portal_id, obj)
    started = request.store.now_iso()
    results, missing = [], []
    for item in _inputs(request.json_object()):
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            raise validation("Each input needs an id and properties", field_name="inputs")
        rec = request.store.get(request.portal_id, _coll(obj), str(item["id"]))
        if rec is None or rec.get("archived"):
            missing.append(str(item["id"]))
            continue
        results.append(full_out(update_record(ctx, rec, item.get("properties"))))
    errors = [_missing_error(obj, missing)] if missing else []
    return Response(207 if errors else 200, _batch_body(request, results, errors, started))


@route("POST", BASE + "/batch/archive", scopes=object_write_scopes, write=True)
def batch_archive(request: Request) -> Response:
    obj = _obj(request)
    for item in _inputs(request.json_object()):
        if isinstance(item, dict) and item.get("id") not in (None, ""):
            _archive(request, obj, str(item["id"]))
    return Response(204)


# -- search -------------------------------------------------------------------------------------
def _sort_value(ptype: str | None, text: str | None) -> Any:
    if text is None or text == "":
        return None
    if ptype == "number":
        try:
            return float(text)
        except ValueError:
            return None
    if ptype in ("date", "datetime"):
        return parse_timestamp(text)
    return text.casefold()


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^\w@.]+|(?<=\w)[.@](?=\w)", text.casefold()) if t]


def _compile_filter(ctx: Ctx, raw: Any, where: str) -> Callable[[dict[str, str]], bool]:
    if not isinstance(raw, dict):
        raise validation(f"{where} must be an object", field_name=where)
    name, operator = raw.get("propertyName"), raw.get("operator")
    if not isinstance(name, str) or not ctx.is_known(name):
        raise validation(
            f"{where}: property '{show(name)}' does not exist for {ctx.obj}",
            field_name=f"{where}.propertyName",
        )
    if operator not in SEARCH_OPERATORS:
        raise validation(
            f"{where}.operator must be one of {', '.join(SEARCH_OPERATORS)} (got {js(operator)})",
            field_name=f"{where}.operator",
        )
    ptype = ctx.prop_type(name)
    multi = (ctx.defs.get(name) or {}).get("fieldType") == "checkbox"

    def has(props: dict[str, str]) -> bool:
        return props.get(name) not in (None, "")

    if operator == "HAS_PROPERTY":
        return has
    if operator == "NOT_HAS_PROPERTY":
        return lambda props: not has(props)
    if operator in ("IN", "NOT_IN"):
        values = raw.get("values")
        if not isinstance(values, list) or not values:
            raise validation(f"{where}.values is required for {operator}", field_name=where)
        wanted = {_sort_value(ptype, str(v)) for v in values}

        def is_in(props: dict[str, str]) -> bool:
            text = props.get(name)
            if text in (None, ""):
                return False
            parts = str(text).split(";") if multi else [str(text)]
            return any(_sort_value(ptype, p) in wanted for p in parts)

        return is_in if operator == "IN" else (lambda props: not is_in(props))
    value = raw.get("value")
    if value is None:
        raise validation(f"{where}.value is required for {operator}", field_name=where)
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(value).casefold()

        def contains(props: dict[str, str]) -> bool:
            text = str(props.get(name) or "").casefold()
            if not text:
                return False
            if fnmatch.fnmatchcase(text, pattern):
                return True
            return any(fnmatch.fnmatchcase(t, pattern) for t in _tokens(text))

        return contains if operator == "CONTAINS_TOKEN" else (lambda props: not contains(props))
    low = _sort_value(ptype, str(value))
    high = None
    if operator == "BETWEEN":
        if raw.get("highValue") is None:
            raise validation(f"{where}.highValue is required for BETWEEN", field_name=where)
        high = _sort_value(ptype, str(raw["highValue"]))
    if low is None:
        raise validation(f"{where}.value {js(value)} does not fit {name}", field_name=where)

    def compare(props: dict[str, str]) -> bool:
        text = props.get(name)
        if text in (None, ""):
            return bool(operator == "NEQ")
        parts = str(text).split(";") if multi else [str(text)]
        keys = [k for k in (_sort_value(ptype, p) for p in parts) if k is not None]
        if not keys:
            return bool(operator == "NEQ")
        if operator == "EQ":
            return bool(low in keys)
        if operator == "NEQ":
            return bool(low not in keys)
        k = keys[0]
        try:
            if operator == "BETWEEN":
                return bool(low <= k <= high)
            return bool(
                {"LT": k < low, "LTE": k <= low, "GT": k > low, "GTE": k >= low}[str(operator)]
            )
        except TypeError:
            return False

    return compare


def _sort_spec(ctx: Ctx, sorts: Any) -> tuple[str, bool] | None:
    if sorts is None or sorts == []:
        return None
    if not isinstance(sorts, list) or len(sorts) > 1:
        raise validation("sorts takes at most one sort rule", field_name="sorts")
    spec = sorts[0]
    if isinstance(spec, str):
        descending = spec.startswith("-")
        name = spec.lstrip("-")
    elif isinstance(spec, dict):
        name = str(spec.get("propertyName", ""))
        direction = spec.get("direction", "ASCENDING")
        if direction not in ("ASCENDING", "DESCENDING"):
            raise validation(
                "sorts[0].direction must be ASCENDING or DESCENDING", field_name="sorts"
            )
        descending = direction == "DESCENDING"
    else:
        raise validation("sorts[0] must be a property name or {propertyName, direction}")
    if not ctx.is_known(name):
        raise validation(
            f"sorts: property '{show(name)}' does not exist for {ctx.obj}", field_name="sorts"
        )
    return name, descending


@route("POST", BASE + "/search", scopes=object_read_scopes, bucket="search")
def search(request: Request) -> Response:
    obj = _obj(request)
    ctx = Ctx(request.store, request.portal_id, obj)
    body = request.json_object()
    limit = body.get("limit", 10)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= SEARCH_MAX_LIMIT:
        raise validation(
            f"limit must be between 1 and {SEARCH_MAX_LIMIT} (got {js(limit)})", field_name="limit"
        )
    after_raw = body.get("after") or "0"
    try:
        offset = int(str(after_raw))
    except ValueError:
        raise validation(f"Invalid paging cursor: {js(after_raw)}", field_name="after") from None
    if offset < 0 or offset >= SEARCH_MAX_RESULTS:
        raise validation(
            f"Search results are limited to {SEARCH_MAX_RESULTS}; cannot page after {offset}",
            field_name="after",
        )
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list) or len(groups) > 5:
        raise validation("filterGroups takes at most 5 groups", field_name="filterGroups")
    compiled: list[list[Callable[[dict[str, str]], bool]]] = []
    total_filters = 0
    for g, group in enumerate(groups):
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list) or len(filters) > 6:
            raise validation(
                f"filterGroups[{g}].filters must be a list of at most 6 filters",
                field_name=f"filterGroups[{g}].filters",
            )
        total_filters += len(filters)
        compiled.append(
            [
                _compile_filter(ctx, f, f"filterGroups[{g}].filters[{i}]")
                for i, f in enumerate(filters)
            ]
        )
    if total_filters > 18:
        raise validation("A search takes at most 18 filters in all", field_name="filterGroups")
    sort = _sort_spec(ctx, body.get("sorts"))
    query = str(body.get("query") or "").strip().casefold()
    hits = []
    for rec in live_records(request.store, request.portal_id, obj):
        props = rec["properties"]
        if compiled and not any(all(f(props) for f in group) for group in compiled):
            continue
        if (
            query
            and not any(query in str(props.get(p, "")).casefold() for p in SEARCHABLE[obj])
            and query != rec["id"]
        ):
            continue
        hits.append(rec)
    hits.sort(key=_id_key)
    if sort is not None:
        name, descending = sort
        ptype = ctx.prop_type(name)
        present = [r for r in hits if _sort_value(ptype, r["properties"].get(name)) is not None]
        absent = [r for r in hits if _sort_value(ptype, r["properties"].get(name)) is None]
        present.sort(key=lambda r: _sort_value(ptype, r["properties"][name]), reverse=descending)
        hits = present + absent
    page = hits[offset : offset + limit]
    wanted = wanted_properties(body.get("properties"))
    out: dict[str, Any] = {
        "total": len(hits),
        "results": [record_out(ctx, r, wanted) for r in page],
    }
    if offset + limit < len(hits) and offset + limit < SEARCH_MAX_RESULTS:
        out["paging"] = {"next": {"after": str(offset + limit)}}
    return Response(200, out)
