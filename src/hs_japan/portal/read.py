"""Read a portal into the canonical :class:`Snapshot` (the same type a blueprint compiles to).

Responses are turned back into HubSpot's own JSON shape (camelCase) first, so the
normalisers below work on exactly what the API documents and can be tested on plain
dicts. Server-owned fields are dropped here; ``updatedAt`` is kept as a fingerprint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from hs_japan.errors import PortalError

# the normalisers belong to their kinds; kept importable from here
from hs_japan.kinds.pipelines import pipeline_resources as pipeline_resources
from hs_japan.kinds.properties import group_resource as group_resource
from hs_japan.kinds.properties import property_resource as property_resource
from hs_japan.portal.client import PortalClient
from hs_japan.resources import PortalInfo, PortalState, Snapshot


def sdk_to_json(value: Any) -> Any:
    """An SDK model (or list/dict of them) as the API's JSON, using ``attribute_map``."""
    if hasattr(value, "attribute_map") and hasattr(value, "openapi_types"):
        out = {}
        for attr, json_key in value.attribute_map.items():
            item = getattr(value, attr, None)
            if item is not None:
                out[json_key] = sdk_to_json(item)
        return out
    if isinstance(value, list):
        return [sdk_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: sdk_to_json(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


F = TypeVar("F", bound=Callable[..., Any])


def sends(count: int | Callable[[Any], int]) -> Callable[[F], F]:
    """Marks a plan reader (``fn(client, arg)``) with how many requests it sends at once:
    ``count``, or ``count(arg)``. ``facts.read_facts`` sizes its rounds by it (an unmarked
    reader sends one)."""

    def mark(fn: F) -> F:
        fn.requests_at_once = count  # type: ignore[attr-defined]
        return fn

    return mark


def without_nulls(value: Any) -> Any:
    """JSON with null members left out of every object, as the SDK's models gave it (the
    plan's readers send plain JSON requests and keep the dicts they always saw)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


PROPS = "/crm/v3/properties"
PIPES = "/crm/v3/pipelines"


def get_call(
    client: PortalClient, path: str, qs: dict[str, Any] | None = None
) -> Callable[[], Any]:
    """A GET whose answer is plain JSON (for ``client.call_all``)."""
    return lambda: client.request("GET", path, qs=qs).body


def results_of(payload: Any, what: str, key: str = "results") -> list[Any]:
    """The ``results`` list of a HubSpot listing. A 200 whose body is not a listing (an
    empty object, a proxy's page) is an error, never read as "nothing there": a plan built
    on it would create everything again."""
    if (
        isinstance(payload, dict)
        and isinstance(payload.get(key), list)
        and all(isinstance(item, dict) for item in payload[key])
    ):
        return list(payload[key])
    shown = type(payload).__name__ if not isinstance(payload, dict) else f"keys {sorted(payload)}"
    raise PortalError(
        f"{what}: the portal answered 200 without a '{key}' list ({shown}); is the profile's "
        "base_url HubSpot's API (https://api.hubapi.com)? nothing was compared or written"
    )


def portal_info(details: dict[str, Any]) -> PortalInfo:
    if not isinstance(details.get("portalId"), int) or not details.get("accountType"):
        raise PortalError(
            "read account details: the answer has no portalId/accountType; is the profile's "
            "base_url HubSpot's API (https://api.hubapi.com)? nothing was compared or written"
        )
    return PortalInfo(
        portal_id=int(details.get("portalId", 0)),
        account_type=str(details.get("accountType", "UNKNOWN")),
        name=str(details.get("portalName") or details.get("uiDomain") or ""),
        time_zone=str(details.get("timeZone") or ""),
    )


def read_portal(
    client: PortalClient,
    property_objects: Iterable[str],
    pipeline_objects: Iterable[str],
    info: PortalInfo | None = None,
) -> PortalState:
    """Account details, then groups, properties and pipelines of the given object types.

    One list call per object type and kind: HubSpot returns these collections whole
    (no paging, docs/hubspot-api.md §3.2), so no per-resource reads are needed.
    """
    info = info or portal_info(client.get_account_details())
    snap = Snapshot()
    prop_objs = sorted(set(property_objects))
    pipe_objs = sorted(set(pipeline_objects))
    # plain JSON through client.request, not SDK models: a portal's property listing is
    # large (hundreds of HubSpot-defined properties per object) and building model objects
    # for it cost most of a big portal's CPU (issue 14)
    calls: list[tuple[str, Callable[[], Any]]] = []
    for obj in prop_objs:
        calls.append((f"read {obj} property groups", get_call(client, f"{PROPS}/{obj}/groups")))
        calls.append(
            (
                f"read {obj} properties",
                get_call(client, f"{PROPS}/{obj}", {"archived": "false"}),
            )
        )
    for obj in pipe_objs:
        calls.append((f"read {obj} pipelines", get_call(client, f"{PIPES}/{obj}")))
    # independent list calls: one round trip of wall time instead of one per call
    results = iter(client.call_all(calls))
    what = ""
    try:
        for obj in prop_objs:
            what = f"read {obj} property groups"
            for g in results_of(next(results), what):
                snap.add(group_resource(obj, g))
            what = f"read {obj} properties"
            for p in results_of(next(results), what):
                if not p.get("archived"):
                    snap.add(property_resource(obj, p))
        for obj in pipe_objs:
            what = f"read {obj} pipelines"
            for pl in results_of(next(results), what):
                if pl.get("archived"):
                    continue
                for res in pipeline_resources(obj, pl):
                    snap.add(res)
    except (KeyError, TypeError, ValueError) as exc:  # items without HubSpot's fields
        raise PortalError(
            f"{what}: the portal's answer lacks HubSpot's fields ({type(exc).__name__}: {exc}); "
            "is the profile's base_url HubSpot's API? nothing was compared or written"
        ) from None
    return PortalState(info=info, snapshot=snap)


def read_archived_property_names(
    client: PortalClient, object_types: Iterable[str]
) -> dict[str, set[str]]:
    """Names in each object's property recycle bin (``?archived=true`` lists only archived
    ones), read concurrently."""
    objs = sorted(set(object_types))
    found = client.call_all(
        [
            (
                f"read archived {obj} properties",
                get_call(client, f"{PROPS}/{obj}", {"archived": "true"}),
            )
            for obj in objs
        ]
    )
    return {
        obj: {p["name"] for p in results_of(res, f"read archived {obj} properties")}
        for obj, res in zip(objs, found, strict=True)
    }


def read_flow_revisions(client: PortalClient) -> dict[str, str]:
    """Every flow's id and revision from the flows listing (cursor paging, 100 per page)."""
    found: dict[str, str] = {}
    after: str | None = None
    while True:
        qs: dict[str, Any] = {"limit": 100}
        if after:
            qs["after"] = after
        page = client.get_json("list workflows", "/automation/v4/flows", qs)
        for flow in results_of(page, "list workflows"):
            found[str(flow.get("id"))] = str(flow.get("revisionId"))
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return found


def read_flow_revisions_of(client: PortalClient, _arg: object = None) -> dict[str, str]:
    """:func:`read_flow_revisions` as a plan read (``kinds/workflows.py``)."""
    return read_flow_revisions(client)
