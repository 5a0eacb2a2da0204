"""CRM records through the SDK: search one page at a time, update in batches of 100."""

from __future__ import annotations

from functools import partial
from typing import Any

from hubspot.crm.objects import (
    BatchInputSimplePublicObjectBatchInput,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
)

from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import sdk_to_json

BATCH = 100

FilterSpec = tuple[str, str, list[str]]  # (property, operator, values)


def _filters(specs: list[FilterSpec]) -> list[Filter]:
    return [
        Filter(property_name=name, operator=op, values=values or None)
        if op in ("IN", "NOT_IN")
        else Filter(property_name=name, operator=op, value=(values[0] if values else None))
        for name, op, values in specs
    ]


def search_page(
    client: PortalClient,
    object_type: str,
    filters: list[FilterSpec],
    properties: list[str],
    limit: int = BATCH,
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` records matching all filters, and how many match in total."""
    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=_filters(filters))],
        properties=properties,
        limit=limit,
        sorts=["hs_object_id"],
    )
    found = sdk_to_json(
        client.call(
            f"search {object_type}",
            partial(
                client.sdk.crm.objects.search_api.do_search,
                object_type,
                request,
                _request_timeout=REQUEST_TIMEOUT,
            ),
            bucket="search",
        )
    )
    return list(found.get("results", [])), int(found.get("total") or 0)


def update_batch(
    client: PortalClient, object_type: str, updates: list[tuple[str, dict[str, str]]]
) -> None:
    """Set properties on up to 100 records (idempotent: safe to repeat)."""
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
