"""Lists v3 (docs/hubspot-api.md §10, crm-lists-v3.json): object lists used for ICP /
look-alike lists.

Rules: ``name``, ``objectTypeId`` and ``processingType`` (MANUAL | DYNAMIC | SNAPSHOT) are
required; names are unique per portal among lists not deleted (409 ``CONFLICT``, our guess);
DYNAMIC and SNAPSHOT lists need a ``filterBranch`` in the list convention (root OR of AND
branches, filters.py) and MANUAL lists take none; create answers 200 ``{list}`` as the spec
says. DYNAMIC membership is evaluated from the filters against the portal's CRM records on
every read; SNAPSHOT lists are evaluated once, at creation; MANUAL lists change through
``memberships/add|remove``. Deleted lists answer 404 until restored (``PUT …/restore``,
within 90 days). Every name or filter update bumps ``listVersion``.
"""

from __future__ import annotations

from typing import Any

from hubspot_emulator.api import (
    Request,
    Response,
    conflict,
    js,
    not_found,
    route,
    show,
    validation,
)
from hubspot_emulator.associations import links_from
from hubspot_emulator.common import TYPE_ID_NAMES, fixed, limit_param, parse_timestamp
from hubspot_emulator.filters import (
    PropsFor,
    list_ids,
    list_refs,
    matches,
    normalize_branch,
    unsupported,
)
from hubspot_emulator.records import Ctx, live_records
from hubspot_emulator.store import Store, iso

COLL = "list"
BASE = "/crm/v3/lists"
ONE = BASE + "/{listId}"
PROCESSING_TYPES = ("MANUAL", "DYNAMIC", "SNAPSHOT")
MAX_SEARCH_COUNT = 500
RESTORE_DAYS = 90

_READ = fixed("crm.lists.read", "crm.lists.write")
_WRITE = fixed("crm.lists.write")


def _public(doc: dict[str, Any], include_filters: bool, size: int) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    if not include_filters:
        out.pop("filterBranch", None)
    out["size"] = size
    return out


class Env:
    """Evaluation environment: records, associations and other lists of one portal."""

    def __init__(self, store: Store, portal_id: int) -> None:
        self.store, self.pid = store, portal_id
        self._records: dict[str, dict[str, dict[str, Any]]] = {}
        self._links: dict[tuple[str, str], dict[str, list[Any]]] = {}
        self._members: dict[str, dict[str, str]] = {}
        self._visiting: set[str] = set()

    def records(self, object_type_id: str) -> dict[str, dict[str, Any]]:
        obj = TYPE_ID_NAMES.get(object_type_id)
        if obj is None:
            return {}
        if obj not in self._records:
            self._records[obj] = {r["id"]: r for r in live_records(self.store, self.pid, obj)}
        return self._records[obj]

    def associated(
        self, object_type_id: str, record_id: str, to_type_id: str, type_id: int | None
    ) -> list[dict[str, Any]]:
        src, dst = TYPE_ID_NAMES.get(object_type_id), TYPE_ID_NAMES.get(to_type_id)
        if src is None or dst is None:
            return []
        if (src, dst) not in self._links:
            self._links[(src, dst)] = links_from(self.store, self.pid, src, dst)
        targets = self.records(to_type_id)
        return [
            targets[t]
            for t, types in self._links[(src, dst)].get(record_id, [])
            if t in targets and (type_id is None or type_id in types)
        ]

    def in_list(self, list_id: str, record_id: str) -> bool:
        doc = self.store.get(self.pid, COLL, list_id)
        if doc is None or doc.get("deletedAt"):
            return False
        return record_id in self.members(doc)

    def members(self, doc: dict[str, Any]) -> dict[str, str]:
        """recordId → membership timestamp, in record id order."""
        list_id = doc["listId"]
        if list_id in self._members:
            return self._members[list_id]
        if doc["processingType"] != "DYNAMIC":
            found = dict(doc.get("_members") or {})
        elif list_id in self._visiting:
            return {}  # a list that (indirectly) contains itself: no members through the loop
        else:
            self._visiting.add(list_id)
            try:
                found = self._evaluate(doc)
            finally:
                self._visiting.discard(list_id)
        ordered = dict(sorted(found.items(), key=lambda kv: int(kv[0])))
        self._members[list_id] = ordered
        return ordered

    def _evaluate(self, doc: dict[str, Any]) -> dict[str, str]:
        since = doc.get("filtersUpdatedAt") or doc["createdAt"]
        since_ms = parse_timestamp(since) or 0
        out: dict[str, str] = {}
        for rec in self.records(doc["objectTypeId"]).values():
            if matches(doc["filterBranch"], rec, doc["objectTypeId"], self):
                joined = max(since_ms, parse_timestamp(rec["createdAt"]) or 0)
                out[rec["id"]] = iso(joined)
        return out


def _props_for(store: Store, portal_id: int) -> PropsFor:
    cache: dict[str, set[str] | None] = {}

    def props_for(object_type_id: str) -> set[str] | None:
        if object_type_id not in cache:
            obj = TYPE_ID_NAMES.get(object_type_id)
            cache[object_type_id] = Ctx(store, portal_id, obj).known_names() if obj else None
        return cache[object_type_id]

    return props_for


def _object_type_id(value: Any) -> str:
    if not isinstance(value, str) or value not in TYPE_ID_NAMES:
        raise validation(
            f"objectTypeId must be one of {', '.join(TYPE_ID_NAMES)} (got {js(value)})",
            field_name="objectTypeId",
        )
    return value


def _filter_branch(request: Request, raw: Any, object_type_id: str) -> dict[str, Any]:
    branch = normalize_branch(
        raw,
        "filterBranch",
        object_type_id,
        _props_for(request.store, request.portal_id),
        list_root=True,
    )
    problem = unsupported(branch)
    if problem:
        raise validation(
            f"The emulator cannot evaluate {problem} in list filters; use PROPERTY, IN_LIST "
            "or CONSTANT filters (see docs/emulator.md)",
            field_name="filterBranch",
            code="EMULATOR_UNSUPPORTED_FILTER",
        )
    for other, applies_to in sorted(list_refs(branch, object_type_id)):
        doc = request.store.get(request.portal_id, COLL, other)
        if doc is None or doc.get("deletedAt"):
            raise validation(
                f"filterBranch refers to list {other}, which does not exist",
                field_name="filterBranch",
            )
        if doc["objectTypeId"] != applies_to:
            raise validation(
                f"filterBranch: list {other} holds {doc['objectTypeId']} records, but the "
                f"IN_LIST filter applies to {applies_to} records",
                field_name="filterBranch",
            )
    return branch


def _name(value: Any, field_name: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise validation(f"{field_name} is required", field_name=field_name)
    return value


def _check_unique_name(request: Request, name: str, own_id: str | None) -> None:
    for other in request.store.all(request.portal_id, COLL):
        if other.get("deletedAt") or other["listId"] == own_id:
            continue
        if other["name"].strip().casefold() == name.strip().casefold():
            raise conflict(f"A list named '{show(name)}' already exists (listId {other['listId']})")


def _live(request: Request, list_id: str) -> dict[str, Any]:
    doc = request.store.get(request.portal_id, COLL, list_id)
    if doc is None or doc.get("deletedAt"):
        raise not_found(f"List {list_id} does not exist")
    return doc


def _save(request: Request, doc: dict[str, Any]) -> None:
    request.store.put(request.portal_id, COLL, doc["listId"], doc)


def _answer(request: Request, doc: dict[str, Any], include_filters: bool) -> dict[str, Any]:
    size = len(Env(request.store, request.portal_id).members(doc))
    return _public(doc, include_filters, size)


# -- endpoints ----------------------------------------------------------------------------------
@route("POST", BASE, scopes=_WRITE, write=True)
def create_list(request: Request) -> Response:
    body = request.json_object()
    missing = [k for k in ("name", "objectTypeId", "processingType") if body.get(k) is None]
    if missing:
        raise validation(
            f"required fields were not set: [{', '.join(missing)}]", field_name=missing[0]
        )
    name = _name(body["name"])
    object_type_id = _object_type_id(body["objectTypeId"])
    processing = body["processingType"]
    if processing not in PROCESSING_TYPES:
        raise validation(
            f"processingType must be one of {', '.join(PROCESSING_TYPES)} (got {js(processing)})",
            field_name="processingType",
        )
    raw_branch = body.get("filterBranch")
    if processing == "MANUAL" and raw_branch is not None:
        raise validation(
            "MANUAL lists do not take a filterBranch; use DYNAMIC or SNAPSHOT",
            field_name="filterBranch",
        )
    if processing != "MANUAL" and raw_branch is None:
        raise validation(f"{processing} lists need a filterBranch", field_name="filterBranch")
    custom = body.get("customProperties")
    if custom is not None and not isinstance(custom, dict):
        raise validation("customProperties must be an object", field_name="customProperties")
    _check_unique_name(request, name, None)
    now = request.store.now_iso()
    list_id = str(request.store.next_id(request.portal_id, "list", start=1))
    doc: dict[str, Any] = {
        "listId": list_id,
        "name": name,
        "objectTypeId": object_type_id,
        "processingType": processing,
        "processingStatus": "COMPLETE",
        "listVersion": 1,
        "createdAt": now,
        "updatedAt": now,
    }
    if raw_branch is not None:
        doc["filterBranch"] = _filter_branch(request, raw_branch, object_type_id)
        doc["filtersUpdatedAt"] = now
    if isinstance(body.get("listFolderId"), int):
        doc["_folderId"] = body["listFolderId"]
    if processing == "SNAPSHOT":
        snapshot = {**doc, "processingType": "DYNAMIC"}
        doc["_members"] = Env(request.store, request.portal_id).members(snapshot)
    elif processing == "MANUAL":
        doc["_members"] = {}
    _save(request, doc)
    return Response(200, {"list": _answer(request, doc, True)})


@route("GET", BASE, scopes=_READ)
def get_lists(request: Request) -> Response:
    wanted = [i for v in request.query.get("listIds", []) for i in v.split(",") if i]
    include = request.flag("includeFilters")
    env = Env(request.store, request.portal_id)
    lists = []
    for list_id in wanted:
        doc = request.store.get(request.portal_id, COLL, list_id)
        if doc is not None and not doc.get("deletedAt"):
            lists.append(_public(doc, include, len(env.members(doc))))
    return Response(200, {"lists": lists})


@route("GET", ONE, scopes=_READ)
def get_list(request: Request) -> Response:
    doc = _live(request, request.params["listId"])
    return Response(200, {"list": _answer(request, doc, request.flag("includeFilters"))})


@route("GET", BASE + "/object-type-id/{objectTypeId}/name/{listName}", scopes=_READ)
def get_list_by_name(request: Request) -> Response:
    object_type_id = _object_type_id(request.params["objectTypeId"])
    name = request.params["listName"]
    for doc in request.store.all(request.portal_id, COLL):
        if doc.get("deletedAt") or doc["objectTypeId"] != object_type_id:
            continue
        if doc["name"].casefold() == name.casefold():
            return Response(200, {"list": _answer(request, doc, request.flag("includeFilters"))})
    raise not_found(f"No {object_type_id} list named '{show(name)}'")


@route("POST", BASE + "/search", scopes=_READ)
def search_lists(request: Request) -> Response:
    body = request.json_object()
    offset = body.get("offset", 0)
    count = body.get("count", 20)
    for key, value in (("offset", offset), ("count", count)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise validation(f"{key} must be a non-negative integer", field_name=key)
    if count > MAX_SEARCH_COUNT:
        raise validation(
            f"count must be at most {MAX_SEARCH_COUNT} (got {count})", field_name="count"
        )
    query = str(body.get("query") or "").strip().casefold()
    types = body.get("processingTypes") or []
    ids = {str(i) for i in body.get("listIds") or []}
    object_type_id = body.get("objectTypeId")
    env = Env(request.store, request.portal_id)
    found = []
    for doc in request.store.all(request.portal_id, COLL):
        if doc.get("deletedAt"):
            continue
        if query and query not in doc["name"].casefold():
            continue
        if types and doc["processingType"] not in types:
            continue
        if ids and doc["listId"] not in ids:
            continue
        if object_type_id and doc["objectTypeId"] != object_type_id:
            continue
        found.append(doc)
    found.sort(key=lambda d: int(d["listId"]))
    page = found[offset : offset + count]
    lists = []
    for doc in page:
        out = _public(doc, False, len(env.members(doc)))
        out.pop("size")
        out["additionalProperties"] = {"hs_list_size": str(len(env.members(doc)))}
        lists.append(out)
    return Response(
        200,
        {
            "lists": lists,
            "offset": offset + len(page),
            "hasMore": offset + len(page) < len(found),
            "total": len(found),
        },
    )


@route("PUT", ONE + "/update-list-name", scopes=_WRITE, write=True)
def update_list_name(request: Request) -> Response:
    doc = _live(request, request.params["listId"])
    name = _name(request.q("listName"), "listName")
    _check_unique_name(request, name, doc["listId"])
    doc.update(
        name=name, listVersion=int(doc["listVersion"]) + 1, updatedAt=request.store.now_iso()
    )
    _save(request, doc)
    return Response(200, {"updatedList": _answer(request, doc, request.flag("includeFilters"))})


@route("PUT", ONE + "/update-list-filters", scopes=_WRITE, write=True)
def update_list_filters(request: Request) -> Response:
    doc = _live(request, request.params["listId"])
    if doc["processingType"] != "DYNAMIC":
        raise validation(
            f"Only DYNAMIC lists have updatable filters (list {doc['listId']} is "
            f"{doc['processingType']})"
        )
    body = request.json_object()
    if body.get("filterBranch") is None:
        raise validation("required fields were not set: [filterBranch]", field_name="filterBranch")
    branch = _filter_branch(request, body["filterBranch"], doc["objectTypeId"])
    if doc["listId"] in _reachable_lists(request, branch):
        raise validation("A list cannot contain itself (IN_LIST cycle)", field_name="filterBranch")
    now = request.store.now_iso()
    doc.update(
        filterBranch=branch,
        filtersUpdatedAt=now,
        updatedAt=now,
        listVersion=int(doc["listVersion"]) + 1,
    )
    _save(request, doc)
    return Response(200, {"updatedList": _answer(request, doc, True)})


def _reachable_lists(request: Request, branch: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = list(list_ids(branch))
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        doc = request.store.get(request.portal_id, COLL, current)
        if doc is not None and doc.get("filterBranch"):
            todo.extend(list_ids(doc["filterBranch"]))
    return seen


@route("DELETE", ONE, scopes=_WRITE, write=True)
def delete_list(request: Request) -> Response:
    doc = _live(request, request.params["listId"])
    now = request.store.now_iso()
    doc.update(deletedAt=now, updatedAt=now)
    _save(request, doc)
    return Response(204)


@route("PUT", ONE + "/restore", scopes=_WRITE, write=True)
def restore_list(request: Request) -> Response:
    list_id = request.params["listId"]
    doc = request.store.get(request.portal_id, COLL, list_id)
    if doc is None:
        raise not_found(f"List {list_id} does not exist")
    if not doc.get("deletedAt"):
        raise validation(f"List {list_id} is not deleted")
    deleted_ms = parse_timestamp(doc["deletedAt"]) or 0
    if request.store.now_ms() - deleted_ms > RESTORE_DAYS * 86_400_000:
        raise not_found(f"List {list_id} was deleted more than {RESTORE_DAYS} days ago")
    _check_unique_name(request, doc["name"], list_id)
    doc.pop("deletedAt")
    doc["updatedAt"] = request.store.now_iso()
    _save(request, doc)
    return Response(204)


# -- memberships --------------------------------------------------------------------------------
@route("GET", ONE + "/memberships", scopes=_READ)
def get_memberships(request: Request) -> Response:
    doc = _live(request, request.params["listId"])
    members = Env(request.store, request.portal_id).members(doc)
    limit = limit_param(request, 100, 250)
    after = request.q("after")
    items = [{"recordId": rid, "membershipTimestamp": at} for rid, at in members.items()]
    if after:
        if not after.isdigit():
            raise validation(f"Invalid paging cursor: {js(after)}", field_name="after")
        items = [i for i in items if int(i["recordId"]) > int(after)]
    body: dict[str, Any] = {"results": items[:limit], "total": len(members)}
    if len(items) > limit:
        cursor = items[limit - 1]["recordId"]
        body["paging"] = {
            "next": {"after": cursor, "link": f"{request.path}?after={cursor}&limit={limit}"}
        }
    return Response(200, body)


def _manual(request: Request) -> dict[str, Any]:
    doc = _live(request, request.params["listId"])
    if doc["processingType"] != "MANUAL":
        raise validation(
            f"List {doc['listId']} is {doc['processingType']}: only MANUAL lists take manual "
            "membership changes"
        )
    return doc


def _record_ids(request: Request) -> list[str]:
    body = request.body
    if not isinstance(body, list):
        raise validation("Body must be a list of record ids")
    return [str(i) for i in body]


def _change(request: Request, add: list[str], remove: list[str]) -> Response:
    doc = _manual(request)
    records = Env(request.store, request.portal_id).records(doc["objectTypeId"])
    members: dict[str, str] = dict(doc.get("_members") or {})
    now = request.store.now_iso()
    added, removed, missing = [], [], []
    for rid in add:
        if rid not in records:
            missing.append(rid)
        elif rid not in members:
            members[rid] = now
            added.append(rid)
    for rid in remove:
        if rid not in records and rid not in members:
            missing.append(rid)
        elif members.pop(rid, None) is not None:
            removed.append(rid)
    doc.update(_members=members, updatedAt=now)
    _save(request, doc)
    return Response(
        200, {"recordsIdsAdded": added, "recordIdsRemoved": removed, "recordIdsMissing": missing}
    )


@route("PUT", ONE + "/memberships/add", scopes=_WRITE, write=True)
def add_members(request: Request) -> Response:
    return _change(request, _record_ids(request), [])


@route("PUT", ONE + "/memberships/remove", scopes=_WRITE, write=True)
def remove_members(request: Request) -> Response:
    return _change(request, [], _record_ids(request))


@route("DELETE", ONE + "/memberships", scopes=_WRITE, write=True)
def remove_all_members(request: Request) -> Response:
    doc = _manual(request)
    doc.update(_members={}, updatedAt=request.store.now_iso())
    _save(request, doc)
    return Response(204)
