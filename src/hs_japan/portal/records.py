"""CRM records through the SDK: search one page at a time, update in batches of 100."""

from __future__ import annotations

from functools import partial
from typing import Any

from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import sdk_to_json

BATCH = 100

FilterSpec = tuple[str, str, list[str]]  # (property, operator, values)


def _filters(specs: list[FilterSpec]) -> list[Any]:
    from hubspot.crm.objects import Filter  # the SDK only when a search is made

    return [
        Filter(property_name=name, operator=op, values=values or None)
        if op in ("IN", "NOT_IN")
        else Filter(property_name=name, operator=op, value=(values[0] if values else None))
        for name, op, values in specs
    ]


def _search_once(
    client: PortalClient,
    object_type: str,
    filters: list[FilterSpec],
    properties: list[str],
    limit: int,
    after: str | None = None,
) -> dict[str, Any]:
    from hubspot.crm.objects import FilterGroup, PublicObjectSearchRequest

    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=_filters(filters))],
        properties=properties,
        limit=limit,
        after=after,
        sorts=["hs_object_id"],
    )
    found = client.call(
        f"search {object_type} (after {after or 0})",
        partial(
            client.sdk.crm.objects.search_api.do_search,
            object_type,
            request,
            _request_timeout=REQUEST_TIMEOUT,
        ),
        bucket="search",  # CRM search has its own, lower rate limit (~4/s)
    )
    return dict(sdk_to_json(found))


def search_page(
    client: PortalClient,
    object_type: str,
    filters: list[FilterSpec],
    properties: list[str],
    limit: int = BATCH,
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` records matching all filters, and how many match in total."""
    found = _search_once(client, object_type, filters, properties, limit)
    return list(found.get("results", [])), int(found.get("total") or 0)


def update_batch(
    client: PortalClient, object_type: str, updates: list[tuple[str, dict[str, str]]]
) -> None:
    """Set properties on up to 100 records (idempotent: safe to repeat)."""
    from hubspot.crm.objects import (
        BatchInputSimplePublicObjectBatchInput,
        SimplePublicObjectBatchInput,
    )

    body = BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=rid, properties=props) for rid, props in updates]
    )
    client.call(
        f"update {len(updates)} {object_type}",
        partial(
            client.sdk.crm.objects.batch_api.update,
            object_type,
            body,
            _request_timeout=REQUEST_TIMEOUT,
        ),
    )


def search_all(
    client: PortalClient,
    object_type: str,
    filters: list[FilterSpec],
    properties: list[str],
) -> list[dict[str, Any]]:
    """Every record matching ``filters`` (search pages of 200 with ``after``), one pass."""
    out: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        found = _search_once(client, object_type, filters, properties, 200, after)
        out.extend(found.get("results", []))
        after = ((found.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return out


def associated_ids(
    client: PortalClient, from_type: str, to_type: str, ids: list[str]
) -> dict[str, list[str]]:
    """Associations v4 batch read, 1,000 ids per call: id -> associated ids."""
    from hubspot.crm.associations.v4 import (
        BatchInputPublicFetchAssociationsBatchRequest,
        PublicFetchAssociationsBatchRequest,
    )

    out: dict[str, list[str]] = {i: [] for i in ids}
    api = client.sdk.crm.associations.v4.batch_api
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        body = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in chunk]
        )
        found = sdk_to_json(
            client.call(
                f"read {from_type}→{to_type} associations",
                partial(api.get_page, from_type, to_type, body, _request_timeout=REQUEST_TIMEOUT),
            )
        )
        for row in found.get("results", []):
            source = str((row.get("_from") or row.get("from") or {}).get("id"))
            out.setdefault(source, []).extend(str(t["toObjectId"]) for t in row.get("to", []))
    return out


def read_batch(
    client: PortalClient, object_type: str, ids: list[str], properties: list[str]
) -> dict[str, dict[str, Any]]:
    """Records by id, 100 per batch read."""
    from hubspot.crm.objects import BatchReadInputSimplePublicObjectId, SimplePublicObjectId

    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), BATCH):
        body = BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in ids[start : start + BATCH]],
            properties=properties,
        )
        found = sdk_to_json(
            client.call(
                f"read {object_type} {start + 1}-{start + BATCH}",
                partial(
                    client.sdk.crm.objects.batch_api.read,
                    object_type,
                    body,
                    _request_timeout=REQUEST_TIMEOUT,
                ),
            )
        )
        for rec in found.get("results", []):
            out[str(rec["id"])] = rec.get("properties") or {}
    return out


def count_records(client: PortalClient, object_type: str, filters: list[FilterSpec]) -> int:
    """How many records match all ``filters`` (CRM search ``total``; one call, limit 1)."""
    return int(_search_once(client, object_type, filters, ["hs_object_id"], 1).get("total") or 0)


SEARCH_RESULT_CAP = 10_000  # CRM search pages no further than 10,000 results


def search_time_range(
    client: PortalClient,
    object_type: str,
    time_property: str,
    start_ms: int,
    end_ms: int,
    properties: list[str],
) -> list[dict[str, Any]]:
    """Every record whose ``time_property`` lies in [start_ms, end_ms] (epoch ms), by search
    pages of 200. A range holding more than the 10,000 results search can page through is
    split in two halves (one extra call to learn each half's total), so nothing is cut off."""
    filters: list[FilterSpec] = [
        (time_property, "GTE", [str(start_ms)]),
        (time_property, "LTE", [str(end_ms)]),
    ]
    first = _search_once(client, object_type, filters, properties, 200)
    if int(first.get("total") or 0) > SEARCH_RESULT_CAP and end_ms > start_ms:
        middle = (start_ms + end_ms) // 2
        return search_time_range(
            client, object_type, time_property, start_ms, middle, properties
        ) + search_time_range(client, object_type, time_property, middle + 1, end_ms, properties)
    out = list(first.get("results", []))
    after = ((first.get("paging") or {}).get("next") or {}).get("after")
    while after:
        found = _search_once(client, object_type, filters, properties, 200, after)
        out.extend(found.get("results", []))
        after = ((found.get("paging") or {}).get("next") or {}).get("after")
    return out
