"""Everything ``export`` reads from a portal, as HubSpot's JSON (one list call per object
type and kind, concurrently; flows, owners and lists after)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from hs_japan.kinds.association_label import all_pairs
from hs_japan.portal.association_labels import read_labels
from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.flows import read_managed_flows
from hs_japan.portal.lists import read_all_lists
from hs_japan.portal.owners import read_owners
from hs_japan.portal.read import portal_info, results_of, sdk_to_json
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
    props = client.sdk.crm.properties
    pipes = client.sdk.crm.pipelines.pipelines_api
    calls: list[tuple[str, Any]] = []
    for obj in objects:
        calls.append(
            (
                f"read {obj} property groups",
                partial(props.groups_api.get_all, obj, _request_timeout=REQUEST_TIMEOUT),
            )
        )
        calls.append(
            (
                f"read {obj} properties",
                partial(
                    props.core_api.get_all, obj, archived=False, _request_timeout=REQUEST_TIMEOUT
                ),
            )
        )
    pipeline_objects = [o for o in objects if o in PIPELINE_OBJECT_TYPES]
    for obj in pipeline_objects:
        calls.append(
            (f"read {obj} pipelines", partial(pipes.get_all, obj, _request_timeout=REQUEST_TIMEOUT))
        )
    results = iter(client.call_all(calls))
    raw = RawPortal(info)
    for obj in objects:
        raw.groups[obj] = results_of(sdk_to_json(next(results)), f"read {obj} property groups")
        raw.properties[obj] = results_of(sdk_to_json(next(results)), f"read {obj} properties")
    for obj in pipeline_objects:
        raw.pipelines[obj] = results_of(sdk_to_json(next(results)), f"read {obj} pipelines")
    raw.flows = list(read_managed_flows(client).values()) if with_flows else []
    raw.owners = read_owners(client) if raw.flows else []
    raw.lists = read_all_lists(client) if with_lists else []
    raw.validations = read_rules(client, objects)
    raw.association_labels = read_labels(client, all_pairs(objects))
    return raw


def pipeline_ids(client: PortalClient, obj: str) -> set[str]:
    """The ids of the portal's live pipelines of ``obj``."""
    found = client.call(
        f"read {obj} pipelines",
        partial(
            client.sdk.crm.pipelines.pipelines_api.get_all, obj, _request_timeout=REQUEST_TIMEOUT
        ),
    )
    return {str(p["id"]) for p in results_of(sdk_to_json(found), f"read {obj} pipelines")}
