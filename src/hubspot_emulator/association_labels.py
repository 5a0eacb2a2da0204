"""User-defined association labels (associations-schema-v4.json; docs/hubspot-api.md §15.2).

``GET|POST|PUT /crm/associations/v4/{fromObjectType}/{toObjectType}/labels`` and
``DELETE …/labels/{associationTypeId}``. A label is a definition stored once, with two
consecutive typeIds (our model, unconfirmed for HubSpot): ``typeId`` for from → to and
``typeId + 1`` for to → from, whose text is ``inverseLabel`` or the label itself. A
label between the same object type without an inverse label is symmetric: one typeId,
both directions. GET lists HubSpot's own types of the pair (``HUBSPOT_DEFINED``, the
unlabeled default with no label) and then the ``USER_DEFINED`` ones; POST answers 200 with
the new label (and its inverse when given); ``name`` is unique per pair and never listed;
PUT (204) changes the texts; DELETE (204) removes the label and the record associations
that carry it. Record associations take the ids with category ``USER_DEFINED``
(associations.py).
"""

from __future__ import annotations

import re
from typing import Any

from hubspot_emulator.api import (
    Request,
    Response,
    conflict,
    js,
    not_found,
    route,
    validation,
)
from hubspot_emulator.common import OBJECT_TYPE_IDS, object_type
from hubspot_emulator.store import Store

COLL = "assoclabel"
IDS = "assoclabel_ids"
FIRST_ID = 1001  # clear of HubSpot's own type ids (associations.TYPES)
BASE = "/crm/associations/v4/{fromObjectType}/{toObjectType}/labels"
NAME = re.compile(r"^[a-z0-9_]{1,100}$", re.IGNORECASE)
LABEL_MAX = 100  # [guess] label length cap


def definitions(store: Store, portal_id: int) -> list[dict[str, Any]]:
    return sorted(store.all(portal_id, COLL), key=lambda d: int(d["typeId"]))


def user_types(store: Store, portal_id: int, from_obj: str, to_obj: str) -> dict[int, str]:
    """typeId -> label of the user-defined types from ``from_obj`` to ``to_obj``."""
    out: dict[int, str] = {}
    for d in definitions(store, portal_id):
        fwd, back = d["typeId"], d["typeId"] + 1
        symmetric = d["fromObject"] == d["toObject"] and not d.get("inverseLabel")
        if (d["fromObject"], d["toObject"]) == (from_obj, to_obj):
            out[fwd] = d["label"]
        if (d["toObject"], d["fromObject"]) == (from_obj, to_obj) and not symmetric:
            out[back] = d.get("inverseLabel") or d["label"]
    return out


def user_inverse(store: Store, portal_id: int, from_obj: str, to_obj: str, type_id: int) -> int:
    """The typeId of the other direction of a user-defined type."""
    for d in definitions(store, portal_id):
        symmetric = d["fromObject"] == d["toObject"] and not d.get("inverseLabel")
        if d["typeId"] == type_id:
            return type_id if symmetric else type_id + 1
        if d["typeId"] + 1 == type_id:
            return int(d["typeId"])
    raise KeyError(type_id)


def _pair(request: Request) -> tuple[str, str]:
    from hubspot_emulator.associations import check_pair

    from_obj = object_type(request.params["fromObjectType"])
    to_obj = object_type(request.params["toObjectType"])
    check_pair(from_obj, to_obj)
    return from_obj, to_obj


def _write_scopes(request: Request) -> list[str]:
    return [s.replace(".read", ".write") for s in _read_scopes(request)]


def _read_scopes(request: Request) -> list[str]:
    from hubspot_emulator.common import ALIASES

    out: list[str] = []
    for raw in (request.params.get("fromObjectType", ""), request.params.get("toObjectType", "")):
        obj = ALIASES.get(raw.lower())
        if obj not in OBJECT_TYPE_IDS:
            return []  # the handler answers 400
        out += [f"crm.objects.{obj}.read", f"crm.schemas.{obj}.read"]
    return sorted(set(out))


def _text(body: dict[str, Any], name: str, required: bool) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise validation(f"'{name}' must be a non-empty string", field_name=name)
    if len(value) > LABEL_MAX:
        raise validation(f"'{name}' is longer than {LABEL_MAX} characters", field_name=name)
    return value


def _spec(
    from_obj: str, to_obj: str, type_id: int, label: str | None, category: str
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "category": category,
        "typeId": type_id,
        "fromObjectTypeId": OBJECT_TYPE_IDS[from_obj],
        "toObjectTypeId": OBJECT_TYPE_IDS[to_obj],
        # the unlabeled default type is listed with "label": null [obs: third-party
        # client code quoting the live answer], though the spec's label is not nullable
        "label": label,
    }
    return out


def _check_unique(
    store: Store, pid: int, from_obj: str, to_obj: str, texts: list[str], skip: int | None
) -> None:
    taken = {
        label.casefold(): tid
        for pair in ((from_obj, to_obj), (to_obj, from_obj))
        for tid, label in user_types(store, pid, *pair).items()
    }
    for text in texts:
        holder = taken.get(text.casefold())
        if holder is not None and holder not in (skip, (skip or 0) + 1):
            raise conflict(f"An association label {js(text)} already exists ({holder})")


@route("GET", BASE, scopes=_read_scopes, cached=True)
def list_labels(request: Request) -> Response:
    from hubspot_emulator.associations import HUBSPOT_DEFINED, TYPES

    from_obj, to_obj = _pair(request)
    results = [
        _spec(from_obj, to_obj, tid, label, HUBSPOT_DEFINED)
        for tid, label, _name in TYPES[(from_obj, to_obj)]
    ]
    results += [
        _spec(from_obj, to_obj, tid, label, "USER_DEFINED")
        for tid, label in sorted(
            user_types(request.store, request.portal_id, from_obj, to_obj).items()
        )
    ]
    return Response(200, {"results": results})


@route("POST", BASE, scopes=_write_scopes, write=True)
def create_label(request: Request) -> Response:
    from_obj, to_obj = _pair(request)
    body = request.json_object()
    name = body.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise validation(
            "'name' is required: letters, digits and _ (at most 100)", field_name="name"
        )
    label = _text(body, "label", True)
    inverse = _text(body, "inverseLabel", False)
    assert label is not None
    store, pid = request.store, request.portal_id
    for d in definitions(store, pid):
        if {d["fromObject"], d["toObject"]} == {from_obj, to_obj} and d["name"] == name:
            raise conflict(f"An association definition named {js(name)} already exists")
    _check_unique(store, pid, from_obj, to_obj, [t for t in (label, inverse) if t], None)
    type_id = store.next_id(pid, IDS, start=FIRST_ID // 2) * 2 + 1  # odd: typeId, typeId + 1
    doc = {
        "typeId": type_id,
        "fromObject": from_obj,
        "toObject": to_obj,
        "name": name,
        "label": label,
        "inverseLabel": inverse,
        "createdAt": store.now_iso(),
    }
    store.put(pid, COLL, str(type_id), doc)
    results = [_spec(from_obj, to_obj, type_id, label, "USER_DEFINED")]
    if inverse:
        results.append(_spec(to_obj, from_obj, type_id + 1, inverse, "USER_DEFINED"))
    return Response(200, {"results": results})


def _definition(request: Request, from_obj: str, to_obj: str, type_id: Any) -> dict[str, Any]:
    if not isinstance(type_id, int) or isinstance(type_id, bool):
        raise validation("associationTypeId must be an integer", field_name="associationTypeId")
    for d in definitions(request.store, request.portal_id):
        if d["typeId"] == type_id and (d["fromObject"], d["toObject"]) == (from_obj, to_obj):
            return d
        if d["typeId"] + 1 == type_id and (d["toObject"], d["fromObject"]) == (from_obj, to_obj):
            return d
    raise not_found(f"No user-defined association type {type_id} from {from_obj} to {to_obj}")


@route("PUT", BASE, scopes=_write_scopes, write=True)
def update_label(request: Request) -> Response:
    from_obj, to_obj = _pair(request)
    body = request.json_object()
    d = _definition(request, from_obj, to_obj, body.get("associationTypeId"))
    label = _text(body, "label", True)
    inverse = _text(body, "inverseLabel", False)
    assert label is not None
    forward = d["typeId"] == body["associationTypeId"]
    _check_unique(
        request.store,
        request.portal_id,
        from_obj,
        to_obj,
        [t for t in (label, inverse) if t],
        d["typeId"],
    )
    if forward:
        d["label"] = label
        if inverse is not None:
            d["inverseLabel"] = inverse
    else:  # addressed from the other side: the texts swap places
        d["inverseLabel"] = label
        if inverse is not None:
            d["label"] = inverse
    request.store.put(request.portal_id, COLL, str(d["typeId"]), d)
    return Response(204)


@route("DELETE", BASE + "/{associationTypeId}", scopes=_write_scopes, write=True)
def delete_label(request: Request) -> Response:
    from hubspot_emulator.associations import drop_type

    from_obj, to_obj = _pair(request)
    raw = request.params["associationTypeId"]
    if not raw.isdigit():
        raise validation(f"Invalid associationTypeId {js(raw)}", field_name="associationTypeId")
    d = _definition(request, from_obj, to_obj, int(raw))
    ids = {d["typeId"], d["typeId"] + 1}
    drop_type(request.store, request.portal_id, d["fromObject"], d["toObject"], ids)
    request.store.delete(request.portal_id, COLL, str(d["typeId"]))
    return Response(204)
