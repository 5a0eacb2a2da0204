"""What ``export`` reads from a portal, as HubSpot's JSON: the readers the kinds'
``export_reads`` name (each ``fn(client, arg)``; ``exporter.read_export_facts`` reads
them through ``portal/facts.read_facts``, each round concurrently).

Groups, properties and pipelines are read as plain JSON through ``client.request`` (the
retry policy and pacer still apply), not as SDK model objects: a portal's property
listings are its largest answers, and building models for them only to turn them back
into JSON cost most of the CPU of reading them (issue 14). Null fields are dropped, as
the SDK's models did, so the exporter sees the same dicts.

An object a portal's subscription may lack (``TIER_GATED_OBJECTS``: leads below Sales Hub
Professional answer 403, docs/hubspot-api.md §15.7) is read with :func:`unless_refused`:
the refusal comes back as a :class:`~hs_japan.kinds.base.Refused` answer, and export
leaves that object out and says so instead of failing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hs_japan.errors import PortalError
from hs_japan.kinds.association_label import Listing, Pair
from hs_japan.kinds.base import Refused
from hs_japan.portal.association_labels import read_labels
from hs_japan.portal.client import PortalClient
from hs_japan.portal.flows import read_managed_flows
from hs_japan.portal.lists import read_all_lists
from hs_japan.portal.read import PIPES, PROPS, get_call, results_of
from hs_japan.portal.validations import read_rules
from hs_japan.resources import TIER_GATED_OBJECTS

T = TypeVar("T")


def unless_refused(obj: str, read: Callable[[], T]) -> T | Refused:
    """``read()``, or :class:`Refused` when the portal answers 403 about an object its
    subscription may lack (any other error stays an error)."""
    try:
        return read()
    except PortalError as exc:
        if exc.status == 403 and obj in TIER_GATED_OBJECTS:
            return Refused(obj, str(exc))
        raise


def property_listing_of(client: PortalClient, obj: str) -> dict[str, Any] | Refused:
    """An object's property groups and (unarchived) properties, null members dropped."""

    def read() -> dict[str, Any]:
        groups_what, props_what = f"read {obj} property groups", f"read {obj} properties"
        groups, props = client.call_all(
            [
                (groups_what, get_call(client, f"{PROPS}/{obj}/groups")),
                (props_what, get_call(client, f"{PROPS}/{obj}", {"archived": "false"})),
            ]
        )
        return {
            "groups": _listing(groups, groups_what),
            "properties": _listing(props, props_what),
        }

    return unless_refused(obj, read)


def pipelines_of(client: PortalClient, obj: str) -> list[dict[str, Any]] | Refused:
    """An object's pipelines with their stages, null members dropped."""

    def read() -> list[dict[str, Any]]:
        what = f"read {obj} pipelines"
        return _listing(client.call_all([(what, get_call(client, f"{PIPES}/{obj}"))])[0], what)

    return unless_refused(obj, read)


def validation_rules_of(client: PortalClient, obj: str) -> list[dict[str, Any]] | Refused:
    """An object's property validation rules."""
    return unless_refused(obj, lambda: read_rules(client, [obj])[obj])


def association_labels_of(
    client: PortalClient, arg: tuple[str, frozenset[Pair]]
) -> dict[Pair, Listing] | Refused:
    """The association labels of a tier-gated object's pairs (``arg``: the object and its
    pairs), or Refused when the portal lacks the object."""
    obj, pairs = arg
    return unless_refused(obj, lambda: read_labels(client, pairs))


def managed_flows_of(client: PortalClient, _arg: object = None) -> list[dict[str, Any]]:
    """hs-japan's flows (the marked ones), in full."""
    return list(read_managed_flows(client).values())


def all_lists_of(client: PortalClient, _arg: object = None) -> list[dict[str, Any]]:
    """Every list of the portal with its filters, in id order."""
    return read_all_lists(client)


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
