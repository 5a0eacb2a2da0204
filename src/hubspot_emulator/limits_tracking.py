"""CRM limits tracking v3 (``/crm/v3/limits/…``, crm-limits-tracking-v3.json;
docs/hubspot-api.md §4.6, §5.6, §9).

Usage is computed from the portal's real state (pipelines, properties, records); the limits
per tier are our guesses (HubSpot's numbers were not in the material reached) and are
listed in docs/emulator.md. The same numbers are enforced on create by pipelines.py and
properties.py, so a blueprint that does not fit a tier fails here as it would at HubSpot.
"""

from __future__ import annotations

from typing import Any

from hubspot_emulator.api import ApiError, Request, Response, route, validation
from hubspot_emulator.common import OBJECT_LABELS, OBJECT_TYPE_IDS, PIPELINE_OBJECTS, fixed
from hubspot_emulator.store import Store

# [guess] per tier; api_add_on is an Enterprise portal with the API limit increase pack
PIPELINES_PER_OBJECT = {
    "free": 1,
    "starter": 2,
    "professional": 15,
    "enterprise": 100,
    "api_add_on": 100,
}
CUSTOM_PROPERTIES_PER_OBJECT = {
    "free": 10,
    "starter": 1000,
    "professional": 1000,
    "enterprise": 1000,
    "api_add_on": 1000,
}
CALCULATED_PROPERTIES = {
    "free": 0,
    "starter": 0,
    "professional": 5,
    "enterprise": 200,
    "api_add_on": 200,
}
CUSTOM_OBJECT_TYPES = {
    "free": 0,
    "starter": 0,
    "professional": 0,
    "enterprise": 10,
    "api_add_on": 10,
}
RECORDS_PER_OBJECT = {
    "free": 1_000_000,
    "starter": 1_000_000,
    "professional": 1_000_000,
    "enterprise": 1_000_000,
    "api_add_on": 1_000_000,
}

# any CRM object scope (or the legacy tickets scope) lets a token read the limits
_ANY_OBJECT_SCOPE = fixed(
    "tickets",
    *(f"crm.objects.{o}.{rw}" for o in OBJECT_TYPE_IDS for rw in ("read", "write")),
    *(f"crm.schemas.{o}.{rw}" for o in OBJECT_TYPE_IDS for rw in ("read", "write")),
)
_CUSTOM_SCOPES = fixed(
    "crm.schemas.custom.read",
    "crm.schemas.custom.write",
    "crm.objects.custom.read",
    "crm.objects.custom.write",
)


def tier_of(portal: dict[str, Any]) -> str:
    tier = str(portal.get("tier") or "free")
    return tier if tier in PIPELINES_PER_OBJECT else "free"


# -- hubs: each product ("hub") has its own subscription level ---------------------------------
HUBS = ("marketing", "sales", "service", "content", "operations")
HUB_TIERS = ("free", "starter", "professional", "enterprise")
_RANK = {t: i for i, t in enumerate(HUB_TIERS)}
# which hub's subscription decides a pipeline object's extra pipelines (HubSpot pipelines
# guide: "If your account has a Sales Hub subscription, you can create multiple deal
# pipelines. If your account has a Service Hub subscription, you can create multiple ticket
# pipelines.")
PIPELINE_HUB = {"deals": "sales", "tickets": "service"}


def default_hubs(tier: str) -> dict[str, str | None]:
    """Every hub at the portal's tier (``api_add_on`` is Enterprise plus the API pack)."""
    level = "enterprise" if tier == "api_add_on" else tier
    return {hub: level for hub in HUBS}


def hubs_of(portal: dict[str, Any]) -> dict[str, str | None]:
    hubs = portal.get("hubs")
    if isinstance(hubs, dict):
        return {hub: hubs.get(hub) for hub in HUBS}
    return default_hubs(tier_of(portal))


def hub_tier(portal: dict[str, Any], hub: str) -> str | None:
    """The hub's subscription level, None when the portal does not have that hub."""
    return hubs_of(portal).get(hub)


def best_hub_tier(portal: dict[str, Any]) -> str:
    levels = [t for t in hubs_of(portal).values() if t in _RANK]
    return max(levels, key=lambda t: _RANK[t]) if levels else "free"


def at_least(level: str | None, minimum: str) -> bool:
    return level in _RANK and _RANK[str(level)] >= _RANK[minimum]


def portal_has_enterprise(portal: dict[str, Any]) -> bool:
    """Sensitive Data is for Enterprise accounts (HubSpot sensitive-data guide)."""
    return at_least(best_hub_tier(portal), "enterprise")


def pipeline_limit(portal: dict[str, Any], obj: str) -> int:
    """Pipelines per object: the tier guess of PIPELINES_PER_OBJECT, read at the level of the
    hub that sells extra pipelines for the object (deals: Sales Hub, tickets: Service Hub);
    without a paid subscription to that hub only the default pipeline."""
    level = hub_tier(portal, PIPELINE_HUB.get(obj, "sales"))
    if not at_least(level, "starter"):
        return 1
    return min(PIPELINES_PER_OBJECT[str(level)], PIPELINES_PER_OBJECT[tier_of(portal)])


# -- usage from state ---------------------------------------------------------------------------
# Counted by SQLite from the fields involved (Store.extract), not by decoding every document:
# a 2,400-property portal is counted in milliseconds. The emulator stores these flags as
# JSON booleans, so SQLite's 1/0/None have the same truth value as the decoded documents'.
def _active_count(store: Store, portal_id: int, coll: str) -> int:
    return sum(1 for (archived,) in store.extract(portal_id, coll, ("archived",)) if not archived)


def pipeline_usage(store: Store, portal_id: int, obj: str) -> int:
    return _active_count(store, portal_id, f"pipeline:{obj}")


def _live_props(store: Store, portal_id: int, obj: str) -> list[tuple[Any, Any]]:
    """(hubspotDefined, fieldType) of each property not archived."""
    fields = ("archived", "hubspotDefined", "fieldType")
    return [
        (defined, field_type)
        for archived, defined, field_type in store.extract(portal_id, f"prop:{obj}", fields)
        if not archived
    ]


def custom_property_usage(store: Store, portal_id: int, obj: str) -> int:
    return sum(1 for defined, _ in _live_props(store, portal_id, obj) if not defined)


def calculated_property_usage(store: Store, portal_id: int, obj: str) -> int:
    return sum(
        1
        for defined, field_type in _live_props(store, portal_id, obj)
        if field_type == "calculation_equation" and not defined
    )


def record_usage(store: Store, portal_id: int, obj: str) -> int:
    return _active_count(store, portal_id, f"record:{obj}")


# -- enforcement helpers (used on create) ---------------------------------------------------------
def check_pipeline_limit(request: Request, obj: str) -> None:
    limit = pipeline_limit(request.portal, obj)
    used = pipeline_usage(request.store, request.portal_id, obj)
    hub = PIPELINE_HUB.get(obj, "sales")
    level = hub_tier(request.portal, hub)
    if used >= 1 and level is None:
        # a portal without the hub (explicit ``hubs``); HubSpot's answer is undocumented
        # [guess]: refused like other paid features. A free hub keeps the 400 limit answer.
        raise ApiError(
            403,
            "FORBIDDEN",
            f"Creating more {obj} pipelines needs a {hub.title()} Hub Starter, Professional "
            f"or Enterprise subscription; this portal has "
            f"{'no ' + hub.title() + ' Hub' if level is None else hub.title() + ' Hub ' + level}.",
            sub_category="FEATURE_NOT_AVAILABLE",
            context={
                "requiredHub": [hub],
                "requiredTier": ["starter", "professional", "enterprise"],
            },
        )
    if used >= limit:
        raise validation(
            f"This portal has reached its limit of {limit} {obj} pipelines "
            f"({tier_of(request.portal)} tier); see GET /crm/v3/limits/pipelines",
            code="PIPELINE_LIMIT_REACHED",
        )


def check_property_limits(request: Request, obj: str, calculated: bool) -> None:
    """Refuse a new custom property over the tier's limits. The usage is counted once per
    request (``request.memo``) and kept current by :func:`note_property_created`, so a
    100-input batch create does not recount the whole catalogue for each input."""
    tier = tier_of(request.portal)
    limit = CUSTOM_PROPERTIES_PER_OBJECT[tier]
    custom_key = ("custom_property_usage", obj)
    if custom_key not in request.memo:
        request.memo[custom_key] = custom_property_usage(request.store, request.portal_id, obj)
    if request.memo[custom_key] >= limit:
        raise validation(
            f"This portal has reached its limit of {limit} custom {obj} properties "
            f"({tier} tier); see GET /crm/v3/limits/custom-properties",
            code="PROPERTY_LIMIT_REACHED",
        )
    if calculated:
        cap = CALCULATED_PROPERTIES[tier]
        calculated_key = ("calculated_property_usage",)
        if calculated_key not in request.memo:
            request.memo[calculated_key] = sum(
                calculated_property_usage(request.store, request.portal_id, o)
                for o in OBJECT_LABELS
            )
        if request.memo[calculated_key] >= cap:
            raise validation(
                f"This portal has reached its limit of {cap} calculated properties "
                f"({tier} tier); see GET /crm/v3/limits/calculated-properties",
                field_name="fieldType",
                code="CALCULATED_PROPERTY_LIMIT_REACHED",
            )


def note_property_created(request: Request, obj: str, calculated: bool) -> None:
    """A custom property was stored after :func:`check_property_limits` passed: count it
    in the request's usage, as a recount would."""
    for key, counts in (
        (("custom_property_usage", obj), True),
        (("calculated_property_usage",), calculated),
    ):
        if counts and key in request.memo:
            request.memo[key] += 1


# -- responses ------------------------------------------------------------------------------------
def _percentage(usage: int, limit: int) -> float:
    return round(usage * 100.0 / limit, 2) if limit else 0.0


def _labels(obj: str) -> dict[str, str]:
    singular, plural = OBJECT_LABELS[obj]
    return {"objectTypeId": OBJECT_TYPE_IDS[obj], "singularLabel": singular, "pluralLabel": plural}


def _limit_and_usage(obj: str, limit: int, usage: int) -> dict[str, Any]:
    return {
        **_labels(obj),
        "limit": limit,
        "usage": usage,
        "percentage": _percentage(usage, limit),
    }


def _no_custom_objects() -> dict[str, Any]:
    # the emulator has no custom object schemas, so nothing to count here
    return {"byObjectType": [], "overallLimit": 0, "overallUsage": 0, "overallPercentage": 0.0}


@route("GET", "/crm/v3/limits/pipelines", scopes=_ANY_OBJECT_SCOPE)
def pipelines_limits(request: Request) -> Response:
    by_type = [
        _limit_and_usage(
            o,
            pipeline_limit(request.portal, o),
            pipeline_usage(request.store, request.portal_id, o),
        )
        for o in PIPELINE_OBJECTS
    ]
    return Response(
        200, {"hubspotDefinedObjectTypes": by_type, "customObjectTypes": _no_custom_objects()}
    )


@route("GET", "/crm/v3/limits/custom-properties", scopes=_ANY_OBJECT_SCOPE)
def custom_properties_limits(request: Request) -> Response:
    limit = CUSTOM_PROPERTIES_PER_OBJECT[tier_of(request.portal)]
    by_type = [
        _limit_and_usage(o, limit, custom_property_usage(request.store, request.portal_id, o))
        for o in OBJECT_LABELS
    ]
    overall_limit = limit * len(by_type)
    overall_usage = sum(int(b["usage"]) for b in by_type)
    return Response(
        200,
        {
            "overallLimit": overall_limit,
            "overallUsage": overall_usage,
            "overallPercentage": _percentage(overall_usage, overall_limit),
            "byObjectType": by_type,
        },
    )


@route("GET", "/crm/v3/limits/calculated-properties", scopes=_ANY_OBJECT_SCOPE)
def calculated_properties_limits(request: Request) -> Response:
    limit = CALCULATED_PROPERTIES[tier_of(request.portal)]
    by_type: list[dict[str, Any]] = [
        {**_labels(o), "usage": calculated_property_usage(request.store, request.portal_id, o)}
        for o in OBJECT_LABELS
    ]
    usage = sum(int(b["usage"]) for b in by_type)
    return Response(
        200,
        {
            "overallLimit": limit,
            "overallUsage": usage,
            "overallPercentage": _percentage(usage, limit),
            "byObjectType": by_type,
        },
    )


@route("GET", "/crm/v3/limits/custom-object-types", scopes=_CUSTOM_SCOPES)
def custom_object_types_limits(request: Request) -> Response:
    limit = CUSTOM_OBJECT_TYPES[tier_of(request.portal)]
    return Response(200, {"limit": limit, "usage": 0, "percentage": 0.0})


@route("GET", "/crm/v3/limits/records", scopes=_ANY_OBJECT_SCOPE)
def records_limits(request: Request) -> Response:
    limit = RECORDS_PER_OBJECT[tier_of(request.portal)]
    by_type = [
        _limit_and_usage(o, limit, record_usage(request.store, request.portal_id, o))
        for o in OBJECT_LABELS
    ]
    return Response(
        200, {"hubspotDefinedObjectTypes": by_type, "customObjectTypes": _no_custom_objects()}
    )
