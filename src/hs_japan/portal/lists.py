"""Lists v3: find managed lists (plain JSON: a plan imports none of the SDK's API
modules), write them through the SDK (``client.crm.lists``), and keep the ids of
hs-japan's lists in its hidden contact property (``reserved.LIST_IDS``)."""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any

from hs_japan.errors import PortalError
from hs_japan.kinds.base import WriteContext
from hs_japan.kinds.lists import SCRATCH
from hs_japan.lists import (
    OBJECT_TYPE_IDS,
    ListIdMapError,
    decode_list_ids,
    encode_list_ids,
    filter_branch,
)
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.properties import create_property, get_property
from hs_japan.portal.read import results_of, sdk_to_json, without_nulls
from hs_japan.reserved import LIST_IDS, LIST_IDS_GROUP, LIST_IDS_OBJECT

BASE = "/crm/v3/lists"
SEARCH_PAGE = 500  # the lists search maximum (docs/hubspot-api.md §3.2)


def search_list_ids(client: PortalClient, names: set[tuple[str, str]] | None) -> list[str]:
    """Ids of the portal's lists among ``names`` ((objectTypeId, name)), or of every list
    when ``names`` is None (export): one search page per 500 lists."""
    wanted = {(obj, name.casefold()) for obj, name in names or set()}
    ids: list[str] = []
    offset = 0
    while True:
        # additionalProperties is required by the spec even when empty
        body = {"offset": offset, "count": SEARCH_PAGE, "additionalProperties": []}
        page = client.call(
            f"search lists (offset {offset})",
            partial(client.request, "POST", f"{BASE}/search", body=body),
        ).body
        for found in results_of(page, "search lists", "lists"):
            key = (str(found.get("objectTypeId")), str(found.get("name", "")).casefold())
            if names is None or key in wanted:
                ids.append(str(found["listId"]))
        if not page.get("hasMore"):  # a dict: results_of checked it
            return ids
        offset = int(page.get("offset", offset + SEARCH_PAGE))


def _get_all(client: PortalClient, ids: list[str]) -> list[dict[str, Any]]:
    """Lists by id with their filters (one batch GET); ids of no live list are left out."""
    if not ids:
        return []
    full = client.get_json(
        "read lists with filters", BASE, {"listIds": ids, "includeFilters": "true"}
    )
    # a deleted list is restorable for a while (docs/hubspot-api.md §10): not a live list
    return [
        without_nulls(lst)
        for lst in results_of(full, "read lists", "lists")
        if not lst.get("deletedAt")
    ]


def get_lists(client: PortalClient, ids: list[str]) -> dict[tuple[str, str], Any]:
    """Lists by id with their filters (one batch GET), keyed (objectTypeId, name folded)."""
    return {
        (str(lst["objectTypeId"]), str(lst["name"]).casefold()): lst
        for lst in _get_all(client, ids)
    }


def get_lists_by_id_of(client: PortalClient, ids: tuple[str, ...]) -> dict[str, Any]:
    """Lists by id with their filters, keyed by list id (a plan read, ``kinds/lists.py``:
    the lists the search found by name and the lists whose ids hs-japan recorded)."""
    return {str(lst["listId"]): lst for lst in _get_all(client, list(ids))}


def search_list_ids_of(client: PortalClient, names: frozenset[tuple[str, str]]) -> list[str]:
    """:func:`search_list_ids` as a plan read (``kinds/lists.py``)."""
    return search_list_ids(client, set(names))


def get_lists_of(client: PortalClient, ids: tuple[str, ...]) -> dict[tuple[str, str], Any]:
    """:func:`get_lists` as a plan read (``kinds/lists.py``)."""
    return get_lists(client, list(ids))


def read_all_lists(client: PortalClient) -> list[dict[str, Any]]:
    """Every list of the portal with its filters (export), in id order."""
    found = get_lists(client, search_list_ids(client, None))
    return sorted(found.values(), key=lambda lst: int(str(lst.get("listId") or 0)))


def read_lists(client: PortalClient, names: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The portal's lists among ``names``, with their filters: no per-list reads."""
    return get_lists(client, search_list_ids(client, names))


class ListWriter:
    def __init__(self, client: PortalClient) -> None:
        self.client = client
        self.api = client.sdk.crm.lists.lists_api

    def _find(self, object_type_id: str, name: str) -> object | None:
        found = read_lists(self.client, {(object_type_id, name)})
        return found.get((object_type_id, name.casefold()))

    def create(self, object_type_id: str, name: str, processing: str, branch: Any) -> str:
        """Create the list; its id."""
        from hubspot.crm.lists import ListCreateRequest  # the SDK only when writing

        body = ListCreateRequest(
            name=name,
            object_type_id=object_type_id,
            processing_type=processing,
            filter_branch=branch if processing != "MANUAL" else None,
        )
        made = sdk_to_json(
            self.client.call(
                f"create list '{name}'",
                partial(self.api.create, body, _request_timeout=REQUEST_TIMEOUT),
                # list names are unique: a create whose answer was lost is found by name
                probe=lambda: self._find(object_type_id, name),
                write=True,
            )
        )
        made = made.get("list", made)  # the create's answer, or the list the probe found
        if not made.get("listId"):
            raise PortalError(f"create list '{name}': HubSpot's answer has no listId")
        return str(made["listId"])

    def update_filters(self, list_id: str, name: str, branch: Any) -> None:
        from hubspot.crm.lists import ListFilterUpdateRequest

        self.client.call(
            f"update the filters of list '{name}'",
            partial(
                self.api.update_list_filters,
                list_id,
                ListFilterUpdateRequest(filter_branch=branch),
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )

    def rename(self, list_id: str, old: str, name: str) -> None:
        self.client.call(
            f"rename list '{old}' to '{name}'",
            partial(
                self.api.update_name, list_id, list_name=name, _request_timeout=REQUEST_TIMEOUT
            ),
            # a rename whose answer was lost is done when the list carries the new name
            probe=lambda: self._named(list_id, name),
            write=True,
        )

    def _named(self, list_id: str, name: str) -> object | None:
        found = sdk_to_json(
            self.client.call(
                f"read list {list_id}",
                partial(self.api.get_by_id, list_id, _request_timeout=REQUEST_TIMEOUT),
            )
        )
        lst = found.get("list") or {}
        return lst if str(lst.get("name", "")).casefold() == name.casefold() else None

    def _gone(self, list_id: str) -> object | None:
        try:
            self.client.call(
                f"read list {list_id}",
                partial(self.api.get_by_id, list_id, _request_timeout=REQUEST_TIMEOUT),
            )
        except PortalError as exc:
            if exc.status == 404:
                return True  # deleted (a lost answer to our delete)
            raise
        return None

    def delete(self, list_id: str, name: str) -> None:
        self.client.call(
            f"delete list '{name}'",
            partial(self.api.remove, list_id, _request_timeout=REQUEST_TIMEOUT),
            probe=lambda: self._gone(list_id),
            write=True,
        )


def _note_id(ctx: WriteContext, key: str, list_id: str | None) -> None:
    """What the map must say of ``key`` once the apply's list writes are done (written once
    per apply by :func:`record_list_ids`: writes of one level run concurrently)."""
    with ctx.lock if ctx.lock is not None else contextlib.nullcontext():
        ctx.scratch.setdefault(SCRATCH, {})[key] = list_id


def write_list(change: Change, ctx: WriteContext) -> None:
    """One list change: delete (and create again, for a replace), create, or rename and
    update the filters in place; the list's id is noted for the id map."""
    lists = ListWriter(ctx.writer.client)
    current = ctx.actual.get(change.kind, change.key)
    attrs = {**(current.attrs if current else {}), **(change.after or {})}
    object_type_id = OBJECT_TYPE_IDS[change.object_type]
    name = str(attrs.get("name") or (change.before or {}).get("name"))
    if change.action in (Action.DELETE, Action.REPLACE) and current is not None:
        lists.delete(str(current.attrs["listId"]), name)
        _note_id(ctx, change.key, None)
    if change.action in (Action.CREATE, Action.REPLACE):
        made = lists.create(
            object_type_id, name, str(attrs["processingType"]), filter_branch(attrs["filters"])
        )
        _note_id(ctx, change.key, made)
    elif change.action is Action.UPDATE and current is not None:
        list_id = str(current.attrs["listId"])
        if name != current.attrs.get("name"):
            lists.rename(list_id, str(current.attrs.get("name")), name)
        if "filters" in (change.after or {}) and attrs.get("processingType") == "DYNAMIC":
            lists.update_filters(list_id, name, filter_branch(attrs["filters"]))
        _note_id(ctx, change.key, list_id)  # adopted (found by name) or already recorded


# -- the id map ----------------------------------------------------------------------------


def read_list_ids(client: PortalClient) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """hs-japan's list-id property (None: not created yet) and the map it holds (entries
    that are not hs-japan's encoding left out: they are rewritten on the next write)."""
    prop = get_property(client, LIST_IDS_OBJECT, LIST_IDS, "read hs-japan's list ids")
    ids, _problems = decode_list_ids((prop or {}).get("description"))
    return prop, ids


def read_recorded_lists(
    client: PortalClient, arg: tuple[tuple[str, ...], tuple[str, ...]]
) -> dict[str, Any]:
    """The id property read by name (a plan read, ``kinds/lists.py``, made when the contact
    listing does not show it), whether it exists, and the lists it records for ``keys``
    that are not among ``found`` (read by the plan's own batch GET)."""
    keys, found = arg
    prop = get_property(client, LIST_IDS_OBJECT, LIST_IDS, "read hs-japan's list ids")
    text = (prop or {}).get("description")
    ids, _problems = decode_list_ids(text)
    more = [ids[k] for k in keys if k in ids and ids[k] not in found]
    return {
        "description": text,
        "exists": prop is not None,
        "lists": get_lists_by_id_of(client, tuple(more)),
    }


def record_list_ids(change: Change, ctx: WriteContext) -> None:
    """Write the id map once per apply: read it, record the ids ``change.after`` names
    (``{"record": {key: id}, "forget": [key], "absent": bool}``), write it back (PATCH,
    or create the hidden property). A write whose answer was lost is done when a read
    shows the map.

    ``absent``: the plan saw no such property (a fresh portal). It is then created at
    once, without reading it first; creating a property is atomic, so if it appeared
    since the plan read the portal HubSpot answers 409 and it is read, merged and
    written back as usual: nothing recorded meanwhile is lost (docs/hubspot-api.md
    §10.1, §14 item 14: the plan knows this whether or not listings show hidden
    properties)."""
    client = ctx.writer.client
    after = change.after or {}
    forget = {str(k) for k in after.get("forget") or []}
    recorded = {str(k): str(v) for k, v in (after.get("record") or {}).items()}
    what = f"record list ids in {LIST_IDS_OBJECT} property {LIST_IDS}"
    for attempt in range(2):  # a second time only when the property appeared meanwhile
        prop: dict[str, Any] | None
        ids: dict[str, str]
        if attempt == 0 and after.get("absent") is True:
            prop, ids = None, {}  # known absent: no read
        else:
            prop, ids = read_list_ids(client)
        # one id, one key: a list adopted under another key is no longer the old key's
        taken = set(recorded.values())
        ids = {k: v for k, v in ids.items() if k not in forget and v not in taken}
        ids.update(recorded)
        try:
            text = encode_list_ids(ids)
        except ListIdMapError as exc:
            raise PortalError(
                f"{what}: {exc}; nothing was recorded (the lists are found by name "
                "meanwhile): manage fewer lists in one portal"
            ) from None
        if prop is not None and (prop.get("description") or "") == text:
            return
        if prop is not None:
            _write_description(client, text, what)
            return
        try:
            create_property(
                client,
                LIST_IDS_OBJECT,
                {
                    "name": LIST_IDS,
                    "label": "hs-japan list ids (do not edit)",
                    "type": "string",
                    "fieldType": "textarea",
                    "groupName": LIST_IDS_GROUP,
                    "description": text,
                    "hidden": True,
                },
                what,
            )
            return
        except PortalError as exc:
            if exc.status != 409:
                raise
            # it exists now (a lost answer to this create, retried): read it and merge again
    raise PortalError(f"{what}: the property keeps changing under hs-japan; run apply again")


def _write_description(client: PortalClient, text: str, what: str) -> None:
    from hubspot.crm.properties import PropertyUpdate  # a plan never loads write models

    def written() -> object | None:
        found = get_property(client, LIST_IDS_OBJECT, LIST_IDS, f"{what} (check)")
        return found if found is not None and found.get("description") == text else None

    client.call(
        what,
        partial(
            client.sdk.crm.properties.core_api.update,
            LIST_IDS_OBJECT,
            LIST_IDS,
            PropertyUpdate(description=text),
            _request_timeout=REQUEST_TIMEOUT,
        ),
        probe=written,
        write=True,
    )
