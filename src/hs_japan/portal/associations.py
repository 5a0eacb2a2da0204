"""Record associations with their types, for the audit and the report (associations v4).

One batch read per 1,000 records (``POST /crm/v4/associations/{from}/{to}/batch/read``,
crm-associations-v4.json), the chunks read concurrently through the client's retry layer;
each associated record comes back with its association types (``category``, ``typeId``,
``label``): the unlabeled default and any user-defined labels (docs/hubspot-api.md §15.2).
A record with no association is a per-input error in HubSpot's 207 answer and reads as
"no associated records" here. The labels' definitions come from the schema listing
(:func:`hs_japan.portal.association_labels.read_labels`), one GET per object pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import sdk_to_json

BATCH_READ = 1000  # inputs per associations v4 batch read


@dataclass(frozen=True)
class Link:
    """One associated record and the association type ids between the two."""

    to_id: str
    type_ids: tuple[int, ...]


def associated_links(
    client: PortalClient, from_type: str, to_type: str, ids: list[str]
) -> dict[str, list[Link]]:
    """id -> the records associated with it, each with its association type ids."""
    from hubspot.crm.associations.v4 import (
        BatchInputPublicFetchAssociationsBatchRequest,
        PublicFetchAssociationsBatchRequest,
    )

    api = client.sdk.crm.associations.v4.batch_api
    calls = []
    for start in range(0, len(ids), BATCH_READ):
        chunk = ids[start : start + BATCH_READ]
        body = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in chunk]
        )
        calls.append(
            (
                f"read {from_type}→{to_type} associations {start + 1}-{start + len(chunk)}",
                partial(api.get_page, from_type, to_type, body, _request_timeout=REQUEST_TIMEOUT),
            )
        )
    out: dict[str, list[Link]] = {i: [] for i in ids}
    for page in client.call_all(calls):
        found: dict[str, Any] = sdk_to_json(page)
        for row in found.get("results", []):
            source = str((row.get("_from") or row.get("from") or {}).get("id"))
            for target in row.get("to", []):
                types = tuple(
                    int(t["typeId"])
                    for t in target.get("associationTypes") or []
                    if isinstance(t.get("typeId"), int)
                )
                out.setdefault(source, []).append(Link(str(target["toObjectId"]), types))
    return out
