"""CRM Properties v3 and property groups (docs/hubspot-api.md §5).

Rules enforced here, each from the notes: the type/fieldType matrix (§5.3), options
required for enumerations with unique values (§5.4), PATCH replacing the whole option
list (§5.4), create-only fields refused on PATCH (§5.2), group must exist (§5.5), 409 for
an existing name, archived names included unless the portal allows reuse (§5.6),
HubSpot-defined properties not archivable or redefinable (§5.6), ``?archived=true``
listing only archived ones (§5.1), batch create 201/207, batch read 200/207, batch
archive 204 always (§5.1), group delete refused while it holds properties, and the tier's
custom/calculated property limits (limits_tracking.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hubspot_emulator.api import (
    ApiError,
    Request,
    Response,
    conflict,
    not_found,
    route,
    show,
    validation,
)
from hubspot_emulator.catalogue import EPOCH, stage_properties, stage_property_type
from hubspot_emulator.common import (
    PIPELINE_OBJECTS,
    object_type,
    schema_read_scopes,
    schema_write_scopes,
    sensitive_write_scopes,
)
from hubspot_emulator.limits_tracking import (
    check_property_limits,
    note_property_created,
    portal_has_enterprise,
)

BASE = "/crm/v3/properties/{objectType}"

FIELD_TYPES: dict[str, set[str]] = {
    "bool": {"booleancheckbox", "calculation_equation"},
    "enumeration": {"booleancheckbox", "checkbox", "radio", "select", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "string": {"text", "textarea", "file", "calculation_equation", "html", "phonenumber"},
    "number": {"number", "calculation_equation"},
    "phone_number": {"phonenumber"},
}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_NAME = 100
MAX_OPTIONS = 5000
MAX_OPTION_CHARS = 3000
MAX_UNIQUE_PER_OBJECT = 10
SENSITIVITY = {"non_sensitive", "sensitive", "highly_sensitive"}

CREATE_FIELDS = {
    "name",
    "label",
    "type",
    "fieldType",
    "groupName",
    "description",
    "options",
    "displayOrder",
    "hidden",
    "formField",
    "hasUniqueValue",
    "calculationFormula",
    "externalOptions",
    "referencedObjectType",
    "currencyPropertyName",
    "showCurrencySymbol",
    "numberDisplayHint",
    "textDisplayHint",
    "dataSensitivity",
}
UPDATE_FIELDS = {
    "label",
    "type",
    "fieldType",
    "groupName",
    "description",
    "options",
    "displayOrder",
    "hidden",
    "formField",
    "calculationFormula",
    "currencyPropertyName",
    "showCurrencySymbol",
    "numberDisplayHint",
    "textDisplayHint",
}
CREATE_ONLY = CREATE_FIELDS - UPDATE_FIELDS


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without the emulator's private ``_`` fields: ``doc`` itself when it has none
    (every property; only built-in groups have one), which lists of thousands of properties
    then serialise without a copy of each. Callers only serialise the result."""
    for key in doc:
        if key[:1] == "_":
            return {k: v for k, v in doc.items() if k[:1] != "_"}
    return doc


# -- groups --------------------------------------------------------------------------------
def _group_coll(obj: str) -> str:
    return f"group:{obj}"


def _active_group(request: Request, obj: str, name: str) -> dict[str, Any] | None:
    doc = request.store.get(request.portal_id, _group_coll(obj), name)
    return doc if doc is not None and not doc.get("archived") else None


@route("GET", BASE + "/groups", scopes=schema_read_scopes, cached=True)
def list_groups(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    archived = request.flag("archived")
    docs = request.store.all(request.portal_id, _group_coll(obj))
    return Response(200, {"results": [_public(d) for d in docs if bool(d["archived"]) == archived]})


@route("GET", BASE + "/groups/{groupName}", scopes=schema_read_scopes)
def get_group(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    doc = _active_group(request, obj, request.params["groupName"])
    if doc is None:
        raise not_found(f"Unable to find property group {request.params['groupName']}")
    return Response(200, _public(doc))


@route("POST", BASE + "/groups", scopes=schema_write_scopes, write=True)
def create_group(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    body = request.json_object()
    name, label = body.get("name"), body.get("label")
    if not isinstance(name, str) or not name:
        raise validation("Required field 'name' is missing", field_name="name")
    if not isinstance(label, str) or not label.strip():
        raise validation("Required field 'label' is missing", field_name="label")
    if not NAME_RE.match(name) or len(name) > MAX_NAME:
        raise validation(
            f"Invalid group name '{show(name)}': use lowercase letters, digits and underscores, "
            "starting with a letter",
            field_name="name",
        )
    order = body.get("displayOrder", -1)
    if not isinstance(order, int) or isinstance(order, bool):
        raise validation("displayOrder must be an integer", field_name="displayOrder")
    existing = request.store.get(request.portal_id, _group_coll(obj), name)
    if existing is not None and not existing.get("archived"):
        raise conflict(f"A property group named '{show(name)}' already exists.")
    doc = {"name": name, "label": label, "displayOrder": order, "archived": False}
    request.store.put(request.portal_id, _group_coll(obj), name, doc)
    return Response(201, doc, {"Location": f"/crm/v3/properties/{obj}/groups/{name}"})


@route("PATCH", BASE + "/groups/{groupName}", scopes=schema_write_scopes, write=True)
def update_group(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    name = request.params["groupName"]
    doc = _active_group(request, obj, name)
    if doc is None:
        raise not_found(f"Unable to find property group {name}")
    body = request.json_object()
    for key in body:
        if key not in ("label", "displayOrder"):
            raise validation(
                f"Property group field '{show(key)}' cannot be updated", field_name=key
            )
    if "label" in body:
        if not isinstance(body["label"], str) or not body["label"].strip():
            raise validation("label must be a non-empty string", field_name="label")
        doc["label"] = body["label"]
    if "displayOrder" in body:
        if not isinstance(body["displayOrder"], int) or isinstance(body["displayOrder"], bool):
            raise validation("displayOrder must be an integer", field_name="displayOrder")
        doc["displayOrder"] = body["displayOrder"]
    request.store.put(request.portal_id, _group_coll(obj), name, doc)
    return Response(200, _public(doc))


@route("DELETE", BASE + "/groups/{groupName}", scopes=schema_write_scopes, write=True)
def archive_group(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    name = request.params["groupName"]
    doc = _active_group(request, obj, name)
    if doc is None:
        raise not_found(f"Unable to find property group {name}")
    if doc.get("_builtin"):
        raise validation(
            f"Property group '{show(name)}' is a HubSpot default group and cannot be deleted"
        )
    members = [
        p["name"]
        for p in request.store.all(request.portal_id, _prop_coll(obj))
        if p.get("groupName") == name and not p.get("archived")
    ]
    if members:
        raise validation(
            f"Property group '{show(name)}' still holds {len(members)} properties "
            f"({', '.join(members[:5])}{', …' if len(members) > 5 else ''}); "
            "move or archive them first"
        )
    doc["archived"] = True
    request.store.put(request.portal_id, _group_coll(obj), name, doc)
    return Response(204)


# -- properties ------------------------------------------------------------------------------
def _prop_coll(obj: str) -> str:
    return f"prop:{obj}"


def _check_options(options: Any, field_name: str = "options") -> list[dict[str, Any]]:
    if not isinstance(options, list):
        raise validation("options must be a list", field_name=field_name)
    if len(options) > MAX_OPTIONS:
        raise validation(
            f"A property may have at most {MAX_OPTIONS} options", field_name=field_name
        )
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, opt in enumerate(options):
        where = f"{field_name}[{i}]"
        if not isinstance(opt, dict):
            raise validation(f"{where} must be an object", field_name=where)
        label, value = opt.get("label"), opt.get("value")
        if not isinstance(label, str) or not label.strip():
            raise validation(f"{where}.label is required", field_name=f"{where}.label")
        if not isinstance(value, str) or value == "":
            raise validation(f"{where}.value is required", field_name=f"{where}.value")
        if value in seen:
            raise validation(
                f"Duplicate option value '{show(value)}': option values must be unique",
                field_name=f"{where}.value",
                code="DUPLICATE_OPTION_VALUE",
            )
        seen.add(value)
        description = opt.get("description")
        if description is not None and not isinstance(description, str):
            raise validation(f"{where}.description must be a string", field_name=where)
        if len(label) + len(value) + len(description or "") > MAX_OPTION_CHARS:
            raise validation(
                f"{where}: label, value and description exceed {MAX_OPTION_CHARS} characters",
                field_name=where,
            )
        order = opt.get("displayOrder", -1)
        if order is None:
            order = -1
        if not isinstance(order, int) or isinstance(order, bool):
            raise validation(f"{where}.displayOrder must be an integer", field_name=where)
        hidden = opt.get("hidden", False)
        if not isinstance(hidden, bool):
            raise validation(f"{where}.hidden must be a boolean", field_name=where)
        item: dict[str, Any] = {
            "label": label,
            "value": value,
            "displayOrder": order,
            "hidden": hidden,
        }
        if description:
            item["description"] = description
        out.append(item)
    return out


BOOL_OPTIONS = [
    {"label": "Yes", "value": "true", "displayOrder": 0, "hidden": False},
    {"label": "No", "value": "false", "displayOrder": 1, "hidden": False},
]


def _check_shape(request: Request, obj: str, doc: dict[str, Any]) -> None:
    """Rules that hold for a property after create or update."""
    ptype, field_type = doc.get("type"), doc.get("fieldType")
    if not isinstance(ptype, str) or ptype not in FIELD_TYPES:
        raise validation(
            f"Invalid type '{show(ptype)}'; expected one of {', '.join(sorted(FIELD_TYPES))}",
            field_name="type",
        )
    if not isinstance(field_type, str) or field_type not in FIELD_TYPES[ptype]:
        raise validation(
            f"fieldType '{show(field_type)}' is not valid for type '{show(ptype)}'; "
            f"expected one of {', '.join(sorted(FIELD_TYPES[ptype]))}",
            field_name="fieldType",
        )
    if ptype == "enumeration" and not doc.get("options") and not doc.get("externalOptions"):
        raise validation(
            "Enumeration properties must have at least one option", field_name="options"
        )
    if doc.get("calculationFormula") and field_type != "calculation_equation":
        raise validation(
            "calculationFormula requires fieldType 'calculation_equation'",
            field_name="calculationFormula",
        )
    if not isinstance(doc.get("label"), str) or not doc["label"].strip():
        raise validation("label must be a non-empty string", field_name="label")
    for key in ("hidden", "formField", "hasUniqueValue", "showCurrencySymbol"):
        if key in doc and not isinstance(doc[key], bool):
            raise validation(f"{key} must be a boolean", field_name=key)
    order = doc.get("displayOrder")
    if not isinstance(order, int) or isinstance(order, bool):
        raise validation("displayOrder must be an integer", field_name="displayOrder")
    if not isinstance(doc.get("description", ""), str):
        raise validation("description must be a string", field_name="description")
    group = doc.get("groupName")
    if not isinstance(group, str) or _active_group(request, obj, group) is None:
        raise validation(
            f"Property group '{show(group)}' does not exist for {obj}", field_name="groupName"
        )


def _create_one(request: Request, obj: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation("Each input must be an object")
    for key in ("name", "label", "type", "fieldType", "groupName"):
        if body.get(key) in (None, ""):
            raise validation(f"Required field '{show(key)}' is missing", field_name=key)
    unknown = sorted(set(body) - CREATE_FIELDS)
    if unknown:
        raise validation(f"Unknown field(s): {', '.join(unknown)}", field_name=unknown[0])
    name = body["name"]
    if not isinstance(name, str) or not NAME_RE.match(name) or len(name) > MAX_NAME:
        raise validation(
            f"Invalid property name '{show(name)}': use lowercase letters, digits and underscores, "
            f"starting with a letter, at most {MAX_NAME} characters",
            field_name="name",
        )
    pid = request.portal_id
    existing = request.store.get(pid, _prop_coll(obj), name)
    if existing is not None:
        if not existing.get("archived"):
            raise conflict(f"Property named '{show(name)}' already exists.")
        if not request.portal["settings"].get("archivedNameReuse", False):
            raise conflict(
                f"Property named '{show(name)}' already exists in the recycle bin (archived); "
                "restore it or use another name."
            )
    sensitivity = body.get("dataSensitivity", "non_sensitive")
    if sensitivity is None:
        sensitivity = "non_sensitive"
    if not isinstance(sensitivity, str) or sensitivity not in SENSITIVITY:
        raise validation(
            f"Invalid dataSensitivity {json.dumps(sensitivity)}; expected one of "
            f"{', '.join(sorted(SENSITIVITY))}",
            field_name="dataSensitivity",
        )
    if sensitivity != "non_sensitive":
        _check_sensitive(request, obj, sensitivity)
    now = request.store.now_iso()
    doc: dict[str, Any] = {
        "name": name,
        "label": body["label"],
        "type": body["type"],
        "fieldType": body["fieldType"],
        "groupName": body["groupName"],
        "description": body.get("description") or "",
        "options": _check_options(body.get("options") or []),
        "displayOrder": body.get("displayOrder", -1),
        "hidden": body.get("hidden", False),
        "formField": body.get("formField", False),
        "hasUniqueValue": body.get("hasUniqueValue", False),
        "calculated": False,
        "externalOptions": body.get("externalOptions", False),
        "archived": False,
        "dataSensitivity": sensitivity,
        "modificationMetadata": {
            "archivable": True,
            "readOnlyDefinition": False,
            "readOnlyValue": False,
        },
        "createdAt": now,
        "updatedAt": now,
    }
    for key in (
        "calculationFormula",
        "referencedObjectType",
        "currencyPropertyName",
        "showCurrencySymbol",
        "numberDisplayHint",
        "textDisplayHint",
    ):
        if key in body and body[key] is not None:
            doc[key] = body[key]
    if doc["type"] == "bool" and not doc["options"]:
        doc["options"] = [dict(o) for o in BOOL_OPTIONS]
    _check_shape(request, obj, doc)
    unique_key = ("unique_properties", obj)
    if doc["hasUniqueValue"]:
        if unique_key not in request.memo:  # counted once per request (batch create)
            fields = ("archived", "hasUniqueValue")
            request.memo[unique_key] = sum(
                1
                for archived, unique in request.store.extract(pid, _prop_coll(obj), fields)
                if unique and not archived
            )
        if request.memo[unique_key] >= MAX_UNIQUE_PER_OBJECT:
            raise validation(
                f"At most {MAX_UNIQUE_PER_OBJECT} unique-value properties per object type",
                field_name="hasUniqueValue",
            )
    calculated = doc["fieldType"] == "calculation_equation"
    check_property_limits(request, obj, calculated)
    if existing is not None:  # re-using an archived name (portal setting): replace it
        request.store.delete(pid, _prop_coll(obj), name)
    request.store.put(pid, _prop_coll(obj), name, doc)
    note_property_created(request, obj, calculated)
    if doc["hasUniqueValue"] and unique_key in request.memo:
        request.memo[unique_key] += 1
    return doc


def _stage_props(request: Request, obj: str) -> list[dict[str, Any]]:
    """Stage calculated properties, derived from the live pipelines (catalogue.py)."""
    if obj not in PIPELINE_OBJECTS:
        return []
    pipes = request.store.all(request.portal_id, f"pipeline:{obj}")
    return stage_properties(obj, pipes, EPOCH)


def _check_sensitive(request: Request, obj: str, sensitivity: str) -> None:
    """Sensitive Data properties: Enterprise portals only, and the token needs the object's
    sensitive (or highly sensitive) write scope (HubSpot "Access and manage Sensitive Data";
    scope names from crm-properties-v3.json)."""
    if not portal_has_enterprise(request.portal):
        raise ApiError(
            403,
            "FORBIDDEN",
            "Sensitive Data properties require an Enterprise subscription",
            sub_category="FEATURE_NOT_AVAILABLE",
            context={"requiredTier": ["enterprise"]},
        )
    needed = sensitive_write_scopes(obj, sensitivity)
    if not set(needed) & set(request.portal["scopes"]):
        raise ApiError(
            403,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call. "
            "Read more about required scopes here: https://developers.hubspot.com/scopes.",
            errors=[
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredScopes": needed},
                }
            ],
            links={"scopes": "https://developers.hubspot.com/scopes"},
        )


def _find(request: Request, obj: str, name: str, archived: bool = False) -> dict[str, Any]:
    doc = request.store.get(request.portal_id, _prop_coll(obj), name)
    if doc is None and not archived and stage_property_type(name) is not None:
        doc = next((d for d in _stage_props(request, obj) if d["name"] == name), None)
    if doc is None or bool(doc.get("archived")) != archived:
        raise not_found(f"Property {name} does not exist")
    return doc


def _sensitivity_param(raw: Any) -> str:
    value = "non_sensitive" if raw in (None, "") else raw
    if not isinstance(value, str) or value not in SENSITIVITY:
        raise validation(
            f"dataSensitivity must be one of {', '.join(sorted(SENSITIVITY))} "
            f"(got {json.dumps(value)})",
            field_name="dataSensitivity",
        )
    return str(value)


@route("GET", BASE, scopes=schema_read_scopes, cached=True)
def list_properties(request: Request) -> Response:
    """``?dataSensitivity=`` (default ``non_sensitive``) lists the properties of that
    sensitivity only (docs/hubspot-api.md §5.1; HubSpot's sensitive-data guide reads sensitive
    properties with ``?dataSensitivity=sensitive``). Reading definitions needs no sensitive
    scope."""
    obj = object_type(request.params["objectType"])
    archived = request.flag("archived")
    sensitivity = _sensitivity_param(request.q("dataSensitivity"))
    wanted = {n for v in request.query.get("properties", []) for n in v.split(",") if n}
    stored = request.store.all(request.portal_id, _prop_coll(obj))
    if not archived:
        names = {d["name"] for d in stored}
        stored += [d for d in _stage_props(request, obj) if d["name"] not in names]
    docs = [
        d
        for d in stored
        if bool(d.get("archived")) == archived
        and d.get("dataSensitivity", "non_sensitive") == sensitivity
        and (not wanted or d["name"] in wanted)
    ]
    return Response(200, {"results": [_public(d) for d in docs]})


@route("GET", BASE + "/{propertyName}", scopes=schema_read_scopes)
def get_property(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    doc = _find(request, obj, request.params["propertyName"], request.flag("archived"))
    return Response(200, _public(doc))


@route("POST", BASE, scopes=schema_write_scopes, write=True)
def create_property(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    doc = _create_one(request, obj, request.json_object())
    return Response(201, _public(doc), {"Location": f"/crm/v3/properties/{obj}/{doc['name']}"})


@route("PATCH", BASE + "/{propertyName}", scopes=schema_write_scopes, write=True)
def update_property(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    name = request.params["propertyName"]
    doc = _find(request, obj, name)
    body = request.json_object()
    for key in body:
        if key in CREATE_ONLY:
            raise validation(
                f"Property field '{show(key)}' cannot be changed after creation", field_name=key
            )
        if key not in UPDATE_FIELDS:
            raise validation(f"Unknown field '{show(key)}'", field_name=key)
    meta = doc.get("modificationMetadata") or {}
    if meta.get("readOnlyDefinition"):
        allowed = {"options"} if not meta.get("readOnlyOptions") else set()
        blocked = sorted(set(body) - allowed)
        if blocked:
            raise validation(
                f"Property '{show(name)}' is defined by HubSpot; its definition is read-only "
                f"({', '.join(blocked)})",
                field_name=blocked[0],
            )
    updated = dict(doc)
    for key, value in body.items():
        if value is None:
            continue
        # options: the sent list replaces the stored one whole (docs/hubspot-api.md §5.4)
        updated[key] = _check_options(value) if key == "options" else value
    if updated.get("type") == "bool" and not updated.get("options"):
        updated["options"] = [dict(o) for o in BOOL_OPTIONS]
    _check_shape(request, obj, updated)
    updated["updatedAt"] = request.store.now_iso()
    request.store.put(request.portal_id, _prop_coll(obj), name, updated)
    return Response(200, _public(updated))


def _archive(request: Request, obj: str, doc: dict[str, Any]) -> None:
    now = request.store.now_iso()
    doc = {**doc, "archived": True, "archivedAt": now, "updatedAt": now}
    request.store.put(request.portal_id, _prop_coll(obj), doc["name"], doc)


def _refuse_builtin(doc: dict[str, Any]) -> None:
    if doc.get("hubspotDefined") or not (doc.get("modificationMetadata") or {}).get(
        "archivable", True
    ):
        raise validation(f"Property '{doc['name']}' is defined by HubSpot and cannot be archived")


@route("DELETE", BASE + "/{propertyName}", scopes=schema_write_scopes, write=True)
def archive_property(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    doc = _find(request, obj, request.params["propertyName"])
    _refuse_builtin(doc)
    _archive(request, obj, doc)
    return Response(204)


def _inputs(body: dict[str, Any]) -> list[Any]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise validation("Required field 'inputs' is missing", field_name="inputs")
    if len(inputs) > 100:
        raise validation("Batch inputs are limited to 100 items", field_name="inputs")
    return inputs


def _batch_body(
    request: Request, results: list[dict[str, Any]], errors: list[dict[str, Any]], started: str
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": "COMPLETE",
        "results": [_public(r) for r in results],
        "startedAt": started,
        "completedAt": request.store.now_iso(),
    }
    if errors:
        out["numErrors"] = len(errors)
        out["errors"] = errors
    return out


def _batch_error(exc: ApiError, name: Any) -> dict[str, Any]:
    # the spec's StandardError: category, context, errors, links, message, status
    return {
        "status": "error",
        "category": exc.category,
        "message": exc.message,
        "context": {"propertyName": [str(name)]},
        "errors": exc.errors or [{"message": exc.message}],
        "links": {},
    }


@route("POST", BASE + "/batch/create", scopes=schema_write_scopes, write=True)
def batch_create(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    started = request.store.now_iso()
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in _inputs(request.json_object()):
        name = item.get("name") if isinstance(item, dict) else None
        try:
            if isinstance(name, str) and name in seen:
                raise conflict(f"Property named '{show(name)}' appears twice in this batch.")
            results.append(_create_one(request, obj, item))
            seen.add(str(name))
        except ApiError as exc:
            errors.append(_batch_error(exc, name))
    return Response(207 if errors else 201, _batch_body(request, results, errors, started))


@route("POST", BASE + "/batch/read", scopes=schema_read_scopes)
def batch_read(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    body = request.json_object()
    archived = bool(body.get("archived", False))
    started = request.store.now_iso()
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in _inputs(body):
        name = item.get("name") if isinstance(item, dict) else None
        try:
            results.append(_find(request, obj, str(name), archived))
        except ApiError as exc:
            errors.append(_batch_error(exc, name))
    return Response(207 if errors else 200, _batch_body(request, results, errors, started))


@route("POST", BASE + "/batch/archive", scopes=schema_write_scopes, write=True)
def batch_archive(request: Request) -> Response:
    obj = object_type(request.params["objectType"])
    for item in _inputs(request.json_object()):
        name = item.get("name") if isinstance(item, dict) else None
        doc = request.store.get(request.portal_id, _prop_coll(obj), str(name))
        if doc is None or doc.get("archived"):
            continue  # 204 regardless (docs/hubspot-api.md §5.1)
        meta = doc.get("modificationMetadata") or {}
        if doc.get("hubspotDefined") or not meta.get("archivable", True):
            continue
        _archive(request, obj, doc)
    return Response(204)
