"""Owners v3 as plain JSON (docs/hubspot-api.md §7): every owner, paged, for email → user
id. No SDK: a plan imports none of its API modules (issue 14)."""

from __future__ import annotations

from typing import Any

from hs_japan.portal.client import PortalClient
from hs_japan.portal.read import results_of, without_nulls

PATH = "/crm/v3/owners"
PAGE = 100  # owners per page (the spec's default; docs/hubspot-api.md §3.2)


def read_owners(client: PortalClient) -> list[dict[str, Any]]:
    owners: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        qs: dict[str, Any] = {"limit": PAGE}
        if after:
            qs["after"] = after
        page = client.get_json("read owners", PATH, qs)
        owners.extend(without_nulls(results_of(page, "read owners")))
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return owners


def read_owners_of(client: PortalClient, _arg: object = None) -> list[dict[str, Any]]:
    """:func:`read_owners` as a plan read (``kinds/workflows.py``)."""
    return read_owners(client)
