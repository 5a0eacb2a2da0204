"""Owners v3 through the SDK (docs/hubspot-api.md §7): every owner, paged, for email → user id."""

from __future__ import annotations

from functools import partial
from typing import Any

from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import results_of, sdk_to_json


def read_owners(client: PortalClient) -> list[dict[str, Any]]:
    api = client.sdk.crm.owners.owners_api
    owners: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = sdk_to_json(
            client.call(
                "read owners",
                partial(api.get_page, limit=100, after=after, _request_timeout=REQUEST_TIMEOUT),
            )
        )
        owners.extend(results_of(page, "read owners"))
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return owners


def read_owners_of(client: PortalClient, _arg: object = None) -> list[dict[str, Any]]:
    """:func:`read_owners` as a plan read (``kinds/workflows.py``)."""
    return read_owners(client)
