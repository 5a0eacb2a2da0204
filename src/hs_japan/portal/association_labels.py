"""Association labels over HTTP (associations-schema-v4.json; docs/hubspot-api.md §15.2):
read a pair's labels, create, rename, delete. ``client.request``: the SDK 12's
associations schema client is not used so that every label call has one shape."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from hs_japan.errors import PortalError
from hs_japan.kinds.association_label import Listing, Pair, user_labels
from hs_japan.kinds.base import WriteContext
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import PortalClient
from hs_japan.portal.read import results_of, sends

BASE = "/crm/associations/v4"


def _labels_path(from_obj: str, to_obj: str) -> str:
    return f"{BASE}/{from_obj}/{to_obj}/labels"


def read_labels(client: PortalClient, pairs: Iterable[Pair]) -> dict[Pair, Listing]:
    """(from, to) -> the pair's labels as HubSpot lists them, read concurrently."""
    wanted = sorted(set(pairs))
    found = client.call_all(
        [
            (
                f"read {a} → {b} association labels",
                partial(client.request, "GET", _labels_path(a, b)),
            )
            for a, b in wanted
        ]
    )
    return {
        pair: results_of(resp.body, f"read {pair[0]} → {pair[1]} association labels")
        for pair, resp in zip(wanted, found, strict=True)
    }


@sends(len)  # one listing per pair, concurrently
def read_labels_of(client: PortalClient, pairs: frozenset[Pair]) -> dict[Pair, Listing]:
    """:func:`read_labels` as a plan read (``kinds/association_label.py``)."""
    return read_labels(client, pairs)


class AssociationLabelWriter:
    def __init__(self, client: PortalClient) -> None:
        self.client = client

    def _find(self, from_obj: str, to_obj: str, label: str) -> dict[str, Any] | None:
        listing = read_labels(self.client, [(from_obj, to_obj)])[(from_obj, to_obj)]
        for item in user_labels(listing):
            if str(item.get("label") or "").casefold() == label.casefold():
                return item
        return None

    def create(
        self, from_obj: str, to_obj: str, name: str, label: str, inverse: str | None
    ) -> None:
        body: dict[str, Any] = {"name": name, "label": label}
        if inverse is not None:
            body["inverseLabel"] = inverse
        self.client.call(
            f"create {from_obj} → {to_obj} association label '{label}'",
            partial(self.client.request, "POST", _labels_path(from_obj, to_obj), body=body),
            # labels are found by text: a create whose answer was lost is found by it
            probe=lambda: self._find(from_obj, to_obj, label),
            write=True,
        )

    def update(
        self, from_obj: str, to_obj: str, type_id: int, label: str, inverse: str | None
    ) -> None:
        body: dict[str, Any] = {"associationTypeId": type_id, "label": label}
        if inverse is not None:
            body["inverseLabel"] = inverse
        # a PUT sets the text: sending it twice is harmless
        self.client.call(
            f"rename {from_obj} → {to_obj} association label {type_id} to '{label}'",
            partial(self.client.request, "PUT", _labels_path(from_obj, to_obj), body=body),
        )

    def _gone(self, from_obj: str, to_obj: str, type_id: int) -> object | None:
        listing = read_labels(self.client, [(from_obj, to_obj)])[(from_obj, to_obj)]
        return None if any(i.get("typeId") == type_id for i in user_labels(listing)) else True

    def delete(self, from_obj: str, to_obj: str, type_id: int, label: str) -> None:
        try:
            self.client.call(
                f"delete {from_obj} → {to_obj} association label '{label}'",
                partial(
                    self.client.request, "DELETE", f"{_labels_path(from_obj, to_obj)}/{type_id}"
                ),
                probe=lambda: self._gone(from_obj, to_obj, type_id),
                write=True,
            )
        except PortalError as exc:
            if exc.status != 404:
                raise


def write_association_label(change: Change, ctx: WriteContext) -> None:
    from_obj, to_obj, name = change.key.split("/")
    labels = AssociationLabelWriter(ctx.writer.client)
    current = ctx.actual.get(change.kind, change.key)
    attrs = {**(current.attrs if current else {}), **(change.after or {})}
    inverse = (change.after or {}).get("inverseLabel")
    if change.action is Action.DELETE:
        if current is not None:
            labels.delete(from_obj, to_obj, int(current.attrs["typeId"]), str(attrs["label"]))
    elif change.action is Action.CREATE or current is None:
        labels.create(from_obj, to_obj, name, str(attrs["label"]), inverse)
    else:
        labels.update(from_obj, to_obj, int(current.attrs["typeId"]), str(attrs["label"]), inverse)
