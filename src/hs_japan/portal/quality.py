"""The records the data-quality audit checks: those with a value in any checked property.

CRM search (crm-objects-v3.json ``/crm/v3/objects/{objectType}/search``), one filter group
per property with ``HAS_PROPERTY`` (groups are ORed; at most 5 groups per search, so more
properties take more searches), 200 records a page sorted by ``hs_object_id``. Search pages
no further than 10,000 results (docs/hubspot-api.md §3.2): past that, the next search starts
again with ``hs_object_id > last id seen`` added to every group, so nothing is cut off.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import sdk_to_json

PAGE = 200
GROUPS = 5  # filter groups per search
CAP = 10_000  # results one search can page through


def records_having(
    client: PortalClient, object_type: str, having: list[str], properties: list[str]
) -> list[dict[str, Any]]:
    """Every record of ``object_type`` with a value in at least one of ``having``, each
    once, with ``properties``."""
    seen: dict[str, dict[str, Any]] = {}
    for start in range(0, len(having), GROUPS):
        for rec in _search_any(client, object_type, having[start : start + GROUPS], properties):
            seen.setdefault(str(rec["id"]), rec)
    return list(seen.values())


def _search_any(
    client: PortalClient, object_type: str, having: list[str], properties: list[str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    above: str | None = None  # hs_object_id floor once a search's 10,000 are read
    while True:
        after: str | None = None
        read = 0
        while True:
            groups = [
                FilterGroup(
                    filters=[Filter(property_name=name, operator="HAS_PROPERTY")]
                    + (
                        [Filter(property_name="hs_object_id", operator="GT", value=above)]
                        if above is not None
                        else []
                    )
                )
                for name in having
            ]
            request = PublicObjectSearchRequest(
                filter_groups=groups,
                properties=properties,
                limit=PAGE,
                after=after,
                sorts=["hs_object_id"],
            )
            found = sdk_to_json(
                client.call(
                    f"search {object_type} with {', '.join(having)} "
                    f"(id > {above or 0}, after {after or 0})",
                    partial(
                        client.sdk.crm.objects.search_api.do_search,
                        object_type,
                        request,
                        _request_timeout=REQUEST_TIMEOUT,
                    ),
                    bucket="search",
                )
            )
            page = list(found.get("results", []))
            out.extend(page)
            read += len(page)
            after = ((found.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
        if read < CAP or not out:
            return out
        above = str(out[-1]["id"])  # the search stopped at its cap: go on past the last id
