"""Associations v4, minimal: default (unlabeled) associations between contacts, companies,
deals and tickets, from meetings to contacts, companies and deals, and from leads to contacts
and companies, reading them per record and in batches.

HubSpot-defined association type ids per direction (HubSpot's association type table; the
contact→company 279 id is confirmed in the notes' material, the others follow the same
table): each direction has an unlabeled default type and, for company pairs, a "Primary"
label. Associations are stored in both directions; a labeled association always carries
the unlabeled default type too, as at HubSpot. User-defined labels (association_labels.py)
are accepted with category ``USER_DEFINED``.
"""

from __future__ import annotations

from typing import Any

from hubspot_emulator.api import (
    ApiError,
    Request,
    Response,
    js,
    not_found,
    route,
    show,
    validation,
)
from hubspot_emulator.common import (
    RECORD_OBJECTS,
    RECORD_TYPE_IDS,
    limit_param,
    object_read_scopes,
    object_type,
    object_write_scopes,
)
from hubspot_emulator.store import Store

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
# (from, to) -> [(typeId, label, v3 type name)], the unlabeled default first
TYPES: dict[tuple[str, str], list[tuple[int, str | None, str]]] = {
    ("contacts", "companies"): [
        (279, None, "contact_to_company_unlabeled"),
        (1, "Primary", "contact_to_company"),
    ],
    ("companies", "contacts"): [
        (280, None, "company_to_contact_unlabeled"),
        (2, "Primary", "company_to_contact"),
    ],
    ("deals", "contacts"): [(3, None, "deal_to_contact")],
    ("contacts", "deals"): [(4, None, "contact_to_deal")],
    ("deals", "companies"): [
        (341, None, "deal_to_company_unlabeled"),
        (5, "Primary", "deal_to_company"),
    ],
    ("companies", "deals"): [
        (342, None, "company_to_deal_unlabeled"),
        (6, "Primary", "company_to_deal"),
    ],
    ("tickets", "contacts"): [(16, None, "ticket_to_contact")],
    ("contacts", "tickets"): [(15, None, "contact_to_ticket")],
    ("tickets", "companies"): [
        (339, None, "ticket_to_company_unlabeled"),
        (26, "Primary", "ticket_to_company"),
    ],
    ("companies", "tickets"): [
        (340, None, "company_to_ticket_unlabeled"),
        (25, "Primary", "company_to_ticket"),
    ],
    ("deals", "tickets"): [(27, None, "deal_to_ticket")],
    ("tickets", "deals"): [(28, None, "ticket_to_deal")],
    # between records of one object type (HubSpot's table: 449-452, parent/child 13/14)
    ("contacts", "contacts"): [(449, None, "contact_to_contact")],
    ("companies", "companies"): [
        (450, None, "company_to_company"),
        (13, "Parent Company", "parent_to_child_company"),
        (14, "Child Company", "child_to_parent_company"),
    ],
    ("deals", "deals"): [(451, None, "deal_to_deal")],
    ("tickets", "tickets"): [(452, None, "ticket_to_ticket")],
    # meetings (0-47), HubSpot's association type table ("Association type ID values",
    # developers.hubspot.com/docs/api/crm/associations#association-type-ids): meeting→contact
    # 200 / contact→meeting 199, meeting→company 188 / company→meeting 187, meeting→deal 212 /
    # deal→meeting 211; the v3 names are HubSpot's ``meeting_event_to_*`` / ``*_to_meeting_event``
    ("meetings", "contacts"): [(200, None, "meeting_event_to_contact")],
    ("contacts", "meetings"): [(199, None, "contact_to_meeting_event")],
    ("meetings", "companies"): [(188, None, "meeting_event_to_company")],
    ("companies", "meetings"): [(187, None, "company_to_meeting_event")],
    ("meetings", "deals"): [(212, None, "meeting_event_to_deal")],
    ("deals", "meetings"): [(211, None, "deal_to_meeting_event")],
    # leads (0-136): a lead is created with its contact (578, the leads guide's create
    # example) and may name a company (580) [docs: leads guide; 580 obs]; the ids of the
    # other direction (579, 581) are [guess] (docs/hubspot-api.md §15.7)
    ("leads", "contacts"): [(578, None, "lead_to_primary_contact")],
    ("contacts", "leads"): [(579, None, "primary_contact_to_lead")],
    ("leads", "companies"): [(580, None, "lead_to_primary_company")],
    ("companies", "leads"): [(581, None, "primary_company_to_lead")],
}
_PAIRS = [
    (279, 280),
    (1, 2),
    (3, 4),
    (341, 342),
    (5, 6),
    (16, 15),
    (339, 340),
    (26, 25),
    (27, 28),
    (449, 449),
    (450, 450),
    (13, 14),
    (451, 451),
    (452, 452),
    (200, 199),
    (188, 187),
    (212, 211),
    (578, 579),
    (580, 581),
]
INVERSE = {**dict(_PAIRS), **{b: a for a, b in _PAIRS}}
BASE = "/crm/v4/objects/{objectType}/{objectId}/associations"


def _coll(from_obj: str, to_obj: str) -> str:
    return f"assoc:{from_obj}:{to_obj}"


def target_of(from_obj: str, type_id: int) -> str | None:
    """The object type a HubSpot-defined association type from ``from_obj`` points at."""
    for (src, dst), types in TYPES.items():
        if src == from_obj and any(t[0] == type_id for t in types):
            return dst
    return None


def _type_info(from_obj: str, to_obj: str, type_id: int) -> tuple[int, str | None, str]:
    for entry in TYPES.get((from_obj, to_obj), []):
        if entry[0] == type_id:
            return entry
    return (type_id, None, f"{from_obj}_to_{to_obj}")


def _user_target(store: Store, portal_id: int, from_obj: str, type_id: int) -> str | None:
    """The object type a user-defined association type (a label) from ``from_obj`` points at."""
    from hubspot_emulator.association_labels import user_types

    for src, dst in TYPES:
        if src == from_obj and type_id in user_types(store, portal_id, src, dst):
            return dst
    return None


def live_record(store: Store, portal_id: int, obj: str, record_id: str) -> dict[str, Any] | None:
    rec = store.get(portal_id, f"record:{obj}", record_id)
    return rec if rec is not None and not rec.get("archived") else None


def _inverse(store: Store, portal_id: int, from_obj: str, to_obj: str, type_id: int) -> int:
    if type_id in INVERSE:
        return INVERSE[type_id]
    from hubspot_emulator.association_labels import user_inverse

    return user_inverse(store, portal_id, from_obj, to_obj, type_id)


def link(
    store: Store, portal_id: int, from_obj: str, from_id: str, to_obj: str, to_id: str, type_id: int
) -> None:
    """Associate both directions with ``type_id`` (plus the unlabeled default type)."""
    default = TYPES[(from_obj, to_obj)][0][0]
    inverse = _inverse(store, portal_id, from_obj, to_obj, type_id)
    for src, sid, dst, did, types in (
        (from_obj, from_id, to_obj, to_id, {default, type_id}),
        (to_obj, to_id, from_obj, from_id, {INVERSE[default], inverse}),
    ):
        key = f"{sid}:{did}"
        doc = store.get(portal_id, _coll(src, dst), key) or {
            "fromId": sid,
            "toId": did,
            "types": [],
        }
        doc["types"] = sorted(set(doc["types"]) | types)
        store.put(portal_id, _coll(src, dst), key, doc)


def drop_type(store: Store, portal_id: int, from_obj: str, to_obj: str, ids: set[int]) -> None:
    """Remove the association types ``ids`` (a deleted label) from every record pair."""
    for src, dst in {(from_obj, to_obj), (to_obj, from_obj)}:
        for doc in store.all(portal_id, _coll(src, dst)):
            if ids & set(doc["types"]):
                doc["types"] = [t for t in doc["types"] if t not in ids]
                store.put(portal_id, _coll(src, dst), f"{doc['fromId']}:{doc['toId']}", doc)


def unlink(
    store: Store, portal_id: int, from_obj: str, from_id: str, to_obj: str, to_id: str
) -> None:
    store.delete(portal_id, _coll(from_obj, to_obj), f"{from_id}:{to_id}")
    store.delete(portal_id, _coll(to_obj, from_obj), f"{to_id}:{from_id}")


def links_from(store: Store, portal_id: int, from_obj: str, to_obj: str) -> dict[str, list[Any]]:
    """fromId -> [(toId, [typeIds])] for every live target record."""
    live = {r["id"] for r in store.all(portal_id, f"record:{to_obj}") if not r.get("archived")}
    out: dict[str, list[Any]] = {}
    for doc in store.all(portal_id, _coll(from_obj, to_obj)):
        if doc["toId"] in live:
            out.setdefault(doc["fromId"], []).append((doc["toId"], doc["types"]))
    for targets in out.values():
        targets.sort(key=lambda t: int(t[0]))
    return out


def associated(
    store: Store, portal_id: int, from_obj: str, from_id: str, to_obj: str
) -> list[tuple[str, list[int]]]:
    return [(t, ty) for t, ty in links_from(store, portal_id, from_obj, to_obj).get(from_id, [])]


def check_pair(from_obj: str, to_obj: str) -> None:
    if (from_obj, to_obj) not in TYPES:
        raise validation(
            f"{from_obj} cannot be associated with {to_obj}", field_name="toObjectType"
        )


def associations_for_create(
    store: Store, portal_id: int, obj: str, raw: Any, where: str
) -> list[tuple[str, str, int]]:
    """Validate a create body's ``associations`` → [(toObject, toId, typeId)]."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise validation(f"{where} must be a list", field_name=where)
    out: list[tuple[str, str, int]] = []
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        to = item.get("to") if isinstance(item, dict) else None
        types = item.get("types") if isinstance(item, dict) else None
        if not isinstance(to, dict) or to.get("id") in (None, "") or not isinstance(types, list):
            raise validation(f"{at} needs to.id and types[]", field_name=at)
        if not types:
            raise validation(f"{at}.types must not be empty", field_name=f"{at}.types")
        for j, spec in enumerate(types):
            category = spec.get("associationCategory") if isinstance(spec, dict) else None
            type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
            if category not in (HUBSPOT_DEFINED, "USER_DEFINED"):
                raise validation(
                    f"{at}.types[{j}]: only HUBSPOT_DEFINED and USER_DEFINED association types "
                    f"are supported (got {js(category)})",
                    field_name=f"{at}.types[{j}].associationCategory",
                )
            if not isinstance(type_id, int):
                to_obj = None
            elif category == HUBSPOT_DEFINED:
                to_obj = target_of(obj, type_id)
            else:
                to_obj = _user_target(store, portal_id, obj, type_id)
            if to_obj is None or not isinstance(type_id, int):
                raise validation(
                    f"{at}.types[{j}]: {js(type_id)} is not a valid association type id from {obj}",
                    field_name=f"{at}.types[{j}].associationTypeId",
                )
            to_id = str(to["id"])
            if live_record(store, portal_id, to_obj, to_id) is None:
                raise validation(
                    f"{at}: {to_obj} record {to_id} does not exist",
                    field_name=f"{at}.to.id",
                    code="INVALID_ASSOCIATION",
                )
            out.append((to_obj, to_id, type_id))
    return out


def v3_associations(
    store: Store, portal_id: int, obj: str, record_id: str, wanted: list[str]
) -> dict[str, Any]:
    """The ``associations`` block of a v3 object read (``?associations=companies,…``)."""
    out: dict[str, Any] = {}
    for raw in wanted:
        try:
            to_obj = object_type(raw, RECORD_OBJECTS)
        except ApiError:
            continue
        if (obj, to_obj) not in TYPES:
            continue
        results = [
            {"id": to_id, "type": _type_info(obj, to_obj, type_id)[2]}
            for to_id, types in associated(store, portal_id, obj, record_id, to_obj)
            for type_id in types
        ]
        if results:
            out[to_obj] = {"results": results}
    return out


# -- v4 endpoints -------------------------------------------------------------------------------
def _types_out(
    from_obj: str, to_obj: str, types: list[int], user: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    out = []
    for type_id in types:
        if user and type_id in user:
            out.append({"category": "USER_DEFINED", "typeId": type_id, "label": user[type_id]})
            continue
        _tid, label, _name = _type_info(from_obj, to_obj, type_id)
        out.append({"category": HUBSPOT_DEFINED, "typeId": type_id, "label": label})
    return out


def _user(store: Store, portal_id: int, from_obj: str, to_obj: str) -> dict[int, str]:
    from hubspot_emulator.association_labels import user_types

    return user_types(store, portal_id, from_obj, to_obj)


def _endpoints(request: Request) -> tuple[str, str, str]:
    from_obj = object_type(request.params["objectType"], RECORD_OBJECTS)
    to_obj = object_type(request.params["toObjectType"], RECORD_OBJECTS)
    check_pair(from_obj, to_obj)
    return from_obj, request.params["objectId"], to_obj


def _require(request: Request, obj: str, record_id: str) -> None:
    if live_record(request.store, request.portal_id, obj, record_id) is None:
        raise not_found(f"{obj} record {record_id} does not exist")


@route("PUT", BASE + "/default/{toObjectType}/{toObjectId}", scopes=object_write_scopes, write=True)
def create_default(request: Request) -> Response:
    from_obj, from_id, to_obj = _endpoints(request)
    to_id = request.params["toObjectId"]
    _require(request, from_obj, from_id)
    _require(request, to_obj, to_id)
    default = TYPES[(from_obj, to_obj)][0][0]
    started = request.store.now_iso()
    link(request.store, request.portal_id, from_obj, from_id, to_obj, to_id, default)
    results = [
        {
            "from": {"id": from_id},
            "to": {"id": to_id},
            "associationSpec": {
                "associationCategory": HUBSPOT_DEFINED,
                "associationTypeId": default,
            },
        },
        {
            "from": {"id": to_id},
            "to": {"id": from_id},
            "associationSpec": {
                "associationCategory": HUBSPOT_DEFINED,
                "associationTypeId": INVERSE[default],
            },
        },
    ]
    return Response(
        200,
        {
            "status": "COMPLETE",
            "results": results,
            "startedAt": started,
            "completedAt": request.store.now_iso(),
        },
    )


@route("PUT", BASE + "/{toObjectType}/{toObjectId}", scopes=object_write_scopes, write=True)
def create_labeled(request: Request) -> Response:
    from_obj, from_id, to_obj = _endpoints(request)
    to_id = request.params["toObjectId"]
    _require(request, from_obj, from_id)
    _require(request, to_obj, to_id)
    specs = request.body
    if not isinstance(specs, list) or not specs:
        raise validation("Body must be a non-empty list of association specs")
    known = {t[0] for t in TYPES[(from_obj, to_obj)]}
    user = _user(request.store, request.portal_id, from_obj, to_obj)
    for i, spec in enumerate(specs):
        type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
        category = spec.get("associationCategory") if isinstance(spec, dict) else None
        if not (
            (category == HUBSPOT_DEFINED and type_id in known)
            or (category == "USER_DEFINED" and type_id in user)
        ):
            raise validation(
                f"[{i}]: {show(category)}/{js(type_id)} is not an association type from {from_obj} "
                f"to {to_obj}",
                field_name=f"[{i}].associationTypeId",
            )
    for spec in specs:
        link(
            request.store,
            request.portal_id,
            from_obj,
            from_id,
            to_obj,
            to_id,
            int(spec["associationTypeId"]),
        )
    types = next(
        (
            ty
            for t, ty in associated(request.store, request.portal_id, from_obj, from_id, to_obj)
            if t == to_id
        ),
        [],
    )
    labels = [user[t] if t in user else _type_info(from_obj, to_obj, t)[1] for t in types]
    labels = [lab for lab in labels if lab]
    # crm-associations-v4.json: 201 with a Location header and LabelsBetweenObjectPair
    location = f"/crm/v4/objects/{from_obj}/{from_id}/associations/{to_obj}/{to_id}"
    return Response(
        201,
        {
            "fromObjectTypeId": RECORD_TYPE_IDS[from_obj],
            "fromObjectId": str(from_id),
            "toObjectTypeId": RECORD_TYPE_IDS[to_obj],
            "toObjectId": str(to_id),
            "labels": labels,
        },
        {"Location": location},
    )


@route("DELETE", BASE + "/{toObjectType}/{toObjectId}", scopes=object_write_scopes, write=True)
def archive_association(request: Request) -> Response:
    from_obj, from_id, to_obj = _endpoints(request)
    unlink(
        request.store, request.portal_id, from_obj, from_id, to_obj, request.params["toObjectId"]
    )
    return Response(204)


@route("GET", BASE + "/{toObjectType}", scopes=object_read_scopes)
def list_associations(request: Request) -> Response:
    from_obj, from_id, to_obj = _endpoints(request)
    _require(request, from_obj, from_id)
    user = _user(request.store, request.portal_id, from_obj, to_obj)
    items: list[dict[str, Any]] = [
        {"toObjectId": str(t), "associationTypes": _types_out(from_obj, to_obj, ty, user)}
        for t, ty in associated(request.store, request.portal_id, from_obj, from_id, to_obj)
    ]
    limit = limit_param(request, 500, 500)
    after = request.q("after")
    if after:
        items = [i for i in items if int(i["toObjectId"]) > int(after)] if after.isdigit() else []
    body: dict[str, Any] = {"results": items[:limit]}
    if len(items) > limit:
        cursor = str(items[limit - 1]["toObjectId"])
        body["paging"] = {
            "next": {"after": cursor, "link": f"{request.path}?after={cursor}&limit={limit}"}
        }
    return Response(200, body)


@route(
    "POST",
    "/crm/v4/associations/{objectType}/{toObjectType}/batch/read",
    scopes=object_read_scopes,
)
def batch_read(request: Request) -> Response:
    from_obj = object_type(request.params["objectType"], RECORD_OBJECTS)
    to_obj = object_type(request.params["toObjectType"], RECORD_OBJECTS)
    check_pair(from_obj, to_obj)
    inputs = request.json_object().get("inputs")
    if not isinstance(inputs, list):
        raise validation("Required field 'inputs' is missing", field_name="inputs")
    if len(inputs) > 1000:
        raise validation("Batch inputs are limited to 1000 items", field_name="inputs")
    started = request.store.now_iso()
    index = links_from(request.store, request.portal_id, from_obj, to_obj)
    user = _user(request.store, request.portal_id, from_obj, to_obj)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        rid = str(item.get("id")) if isinstance(item, dict) else ""
        targets = index.get(rid, [])
        if live_record(request.store, request.portal_id, from_obj, rid) is None or not targets:
            missing = f"No {to_obj} is associated with {from_obj} {rid}"
            errors.append(
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": missing,
                    "context": {"fromObjectId": [rid]},
                    "errors": [{"message": missing}],
                    "links": {},
                }
            )
            continue
        results.append(
            {
                "from": {"id": rid},
                "to": [
                    {
                        "toObjectId": str(t),
                        "associationTypes": _types_out(from_obj, to_obj, ty, user),
                    }
                    for t, ty in targets
                ],
            }
        )
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": request.store.now_iso(),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return Response(207 if errors else 200, body)
