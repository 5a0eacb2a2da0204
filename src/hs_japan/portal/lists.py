"""Lists v3 through the SDK (``client.crm.lists``): find managed lists, write them."""

from __future__ import annotations

from functools import partial
from typing import Any

from hubspot.crm.lists import ListCreateRequest, ListFilterUpdateRequest, ListSearchRequest

from hs_japan.errors import PortalError
from hs_japan.kinds.base import WriteContext
from hs_japan.lists import OBJECT_TYPE_IDS, filter_branch
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import results_of, sdk_to_json

SEARCH_PAGE = 500  # the lists search maximum (docs/hubspot-api.md §3.2)


def search_list_ids(client: PortalClient, names: set[tuple[str, str]] | None) -> list[str]:
    """Ids of the portal's lists among ``names`` ((objectTypeId, name)), or of every list
    when ``names`` is None (export): one search page per 500 lists."""
    api = client.sdk.crm.lists.lists_api
    wanted = {(obj, name.casefold()) for obj, name in names or set()}
    ids: list[str] = []
    offset = 0
    while True:
        page = sdk_to_json(
            client.call(
                f"search lists (offset {offset})",
                partial(
                    api.do_search,
                    # additionalProperties is required by the spec even when empty
                    ListSearchRequest(offset=offset, count=SEARCH_PAGE, additional_properties=[]),
                    _request_timeout=REQUEST_TIMEOUT,
                ),
            )
        )
        for found in results_of(page, "search lists", "lists"):
            key = (str(found.get("objectTypeId")), str(found.get("name", "")).casefold())
            if names is None or key in wanted:
                ids.append(str(found["listId"]))
        if not page.get("hasMore"):
            return ids
        offset = int(page.get("offset", offset + SEARCH_PAGE))


def get_lists(client: PortalClient, ids: list[str]) -> dict[tuple[str, str], Any]:
    """Lists by id with their filters (one batch GET), keyed (objectTypeId, name folded)."""
    if not ids:
        return {}
    api = client.sdk.crm.lists.lists_api
    full = sdk_to_json(
        client.call(
            "read lists with filters",
            partial(
                api.get_all, list_ids=ids, include_filters=True, _request_timeout=REQUEST_TIMEOUT
            ),
        )
    )
    return {
        (str(lst["objectTypeId"]), str(lst["name"]).casefold()): lst
        for lst in results_of(full, "read lists", "lists")
    }


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

    def create(self, object_type_id: str, name: str, processing: str, branch: Any) -> None:
        body = ListCreateRequest(
            name=name,
            object_type_id=object_type_id,
            processing_type=processing,
            filter_branch=branch if processing != "MANUAL" else None,
        )
        self.client.call(
            f"create list '{name}'",
            partial(self.api.create, body, _request_timeout=REQUEST_TIMEOUT),
            # list names are unique: a create whose answer was lost is found by name
            probe=lambda: self._find(object_type_id, name),
            write=True,
        )

    def update_filters(self, list_id: str, name: str, branch: Any) -> None:
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


def write_list(change: Change, ctx: WriteContext) -> None:
    """One list change: delete (and create again, for a replace), create, or rename and
    update the filters in place."""
    lists = ListWriter(ctx.writer.client)
    current = ctx.actual.get(change.kind, change.key)
    attrs = {**(current.attrs if current else {}), **(change.after or {})}
    object_type_id = OBJECT_TYPE_IDS[change.object_type]
    name = str(attrs.get("name") or (change.before or {}).get("name"))
    if change.action in (Action.DELETE, Action.REPLACE) and current is not None:
        lists.delete(str(current.attrs["listId"]), name)
    if change.action in (Action.CREATE, Action.REPLACE):
        lists.create(
            object_type_id, name, str(attrs["processingType"]), filter_branch(attrs["filters"])
        )
    elif change.action is Action.UPDATE and current is not None:
        list_id = str(current.attrs["listId"])
        if name != current.attrs.get("name"):
            lists.rename(list_id, str(current.attrs.get("name")), name)
        if "filters" in (change.after or {}) and attrs.get("processingType") == "DYNAMIC":
            lists.update_filters(list_id, name, filter_branch(attrs["filters"]))
