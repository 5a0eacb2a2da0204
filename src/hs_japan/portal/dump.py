"""Everything ``export`` reads from a portal, as HubSpot's JSON (one list call per object
type and kind, concurrently; flows, owners and lists after).

Groups, properties and pipelines are read as plain JSON through ``client.request`` (the
retry policy and pacer still apply), not as SDK model objects: a portal's property
listings are its largest answers, and building models for them only to turn them back
into JSON cost most of the CPU of reading them (issue 14). Null fields are dropped, as
the SDK's models did, so the exporter sees the same dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hs_japan.kinds.association_label import all_pairs
from hs_japan.portal.association_labels import read_labels
from hs_japan.portal.client import PortalClient
from hs_japan.portal.flows import read_managed_flows
from hs_japan.portal.lists import read_all_lists
from hs_japan.portal.owners import read_owners
from hs_japan.portal.read import PIPES, PROPS, get_call, portal_info, results_of
from hs_japan.portal.validations import read_rules
from hs_japan.resources import PIPELINE_OBJECT_TYPES, PortalInfo


@dataclass
class RawPortal:
    info: PortalInfo
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    properties: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pipelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    flows: list[dict[str, Any]] = field(default_factory=list)
    owners: list[dict[str, Any]] = field(default_factory=list)
    lists: list[dict[str, Any]] = field(default_factory=list)
    # (from, to) -> the pair's association labels; object -> property validation rules
    association_labels: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    validations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def read_raw_portal(
    client: PortalClient, objects: tuple[str, ...], with_flows: bool, with_lists: bool
) -> RawPortal:
    info = portal_info(client.get_account_details())
    calls: list[tuple[str, Any]] = []
    for obj in objects:
        calls.append((f"read {obj} property groups", get_call(client, f"{PROPS}/{obj}/groups")))
        calls.append(
            (f"read {obj} properties", get_call(client, f"{PROPS}/{obj}", {"archived": "false"}))
        )
    pipeline_objects = [o for o in objects if o in PIPELINE_OBJECT_TYPES]
    for obj in pipeline_objects:
        calls.append((f"read {obj} pipelines", get_call(client, f"{PIPES}/{obj}")))
    results = iter(client.call_all(calls))
    raw = RawPortal(info)
    for obj in objects:
        raw.groups[obj] = _listing(next(results), f"read {obj} property groups")
        raw.properties[obj] = _listing(next(results), f"read {obj} properties")
    for obj in pipeline_objects:
        raw.pipelines[obj] = _listing(next(results), f"read {obj} pipelines")
    raw.flows = list(read_managed_flows(client).values()) if with_flows else []
    raw.owners = read_owners(client) if raw.flows else []
    raw.lists = read_all_lists(client) if with_lists else []
    raw.validations = read_rules(client, objects)
    raw.association_labels = read_labels(client, all_pairs(objects))
    return raw


def _without_nulls(value: Any) -> Any:
    """JSON with null members left out of every object, as the SDK's models give it."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _listing(payload: Any, what: str) -> list[dict[str, Any]]:
    return [_without_nulls(item) for item in results_of(payload, what)]


def pipeline_ids(client: PortalClient, obj: str) -> set[str]:
    """The ids of the portal's live pipelines of ``obj``."""
    what = f"read {obj} pipelines"
    found = client.call(what, get_call(client, f"{PIPES}/{obj}"))
    return {str(p["id"]) for p in _listing(found, what)}
