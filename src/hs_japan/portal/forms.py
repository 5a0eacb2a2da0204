"""Marketing forms v3 over HTTP (marketing-forms-v3.json; docs/hubspot-api.md §15.4): read
every live form, create, replace, archive. ``client.request``: hubspot-api-client 12's
forms client is not used so that every form call has one shape."""

from __future__ import annotations

from functools import partial
from typing import Any

from hs_japan.errors import PortalError
from hs_japan.kinds.form import form_body, marker_for, marker_in
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import PortalClient
from hs_japan.portal.read import results_of

BASE = "/marketing/v3/forms"
PAGE = 100  # forms per page (the spec's limit; [guess] on HubSpot's cap)


def read_forms(client: PortalClient, _arg: object = None) -> list[dict[str, Any]]:
    """Every live (not archived) form, following the cursor."""
    out: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        qs: dict[str, Any] = {"limit": PAGE}
        if after:
            qs["after"] = after
        resp = client.call("read forms", partial(client.request, "GET", BASE, qs=qs))
        out.extend(results_of(resp.body, "read forms"))
        nxt = ((resp.body or {}).get("paging") or {}).get("next") or {}
        after = str(nxt.get("after") or "") or None
        if not after:
            return out


def _find(client: PortalClient, key: str) -> dict[str, Any] | None:
    return next((f for f in read_forms(client) if marker_in(f) == key), None)


def write_form(change: Change, ctx: Any) -> None:
    """Create, replace (PUT) or archive one form (the kind's writer)."""
    client: PortalClient = ctx.writer.client
    key = change.key.split("/", 1)[1]
    current = ctx.actual.get(change.kind, change.key)
    attrs = {**(current.attrs if current else {}), **(change.after or {})}
    if change.action is Action.DELETE:
        if current is None:
            return
        form_id = str(current.attrs["formId"])
        try:
            client.call(
                f"delete form '{current.attrs.get('name')}'",
                partial(client.request, "DELETE", f"{BASE}/{form_id}"),
                probe=lambda: None if _find(client, key) else True,
                write=True,
            )
        except PortalError as exc:
            if exc.status != 404:
                raise
        return
    body = form_body({k: v for k, v in attrs.items() if k != "formId"})
    if change.action is Action.CREATE or current is None:
        assert body["displayOptions"]["cssClass"] == marker_for(key)
        client.call(
            f"create form '{attrs['name']}'",
            partial(client.request, "POST", BASE, body=body),
            # found by its marker: a create whose answer was lost is not sent twice
            probe=lambda: _find(client, key),
            write=True,
        )
        return
    form_id = str(current.attrs["formId"])
    # a PUT replaces the whole definition: sending it twice is harmless
    client.call(
        f"update form '{attrs['name']}'",
        partial(client.request, "PUT", f"{BASE}/{form_id}", body=body),
    )
