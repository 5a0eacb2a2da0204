"""CRM limits tracking v3 (``/crm/v3/limits/…``, crm-limits-tracking-v3.json; NOTES §4.6,
§5.6, §9).

Usage is computed from the portal's real state (pipelines, properties, records); the limits
per tier are our guesses (HubSpot's numbers were not in the material reached) and are
listed in docs/emulator.md. The same numbers are enforced on create by pipelines.py and
properties.py, so a blueprint that does not fit a tier fails here as it would at HubSpot.
"""

from __future__ import annotations

from typing import Any

from hs_japan.emulator.api import Request, Response, route, validation
from hs_japan.emulator.common import OBJECT_LABELS, OBJECT_TYPE_IDS, PIPELINE_OBJECTS, fixed
from hs_japan.emulator.store import Store

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


# -- usage from state ---------------------------------------------------------------------------
def pipeline_usage(store: Store, portal_id: int, obj: str) -> int:
    return sum(1 for p in store.all(portal_id, f"pipeline:{obj}") if not p.get("archived"))


def _live_props(store: Store, portal_id: int, obj: str) -> list[dict[str, Any]]:
    return [p for p in store.all(portal_id, f"prop:{obj}") if not p.get("archived")]


def custom_property_usage(store: Store, portal_id: int, obj: str) -> int:
    return sum(1 for p in _live_props(store, portal_id, obj) if not p.get("hubspotDefined"))


def calculated_property_usage(store: Store, portal_id: int, obj: str) -> int:
    return sum(
        1
        for p in _live_props(store, portal_id, obj)
        if p.get("fieldType") == "calculation_equation" and not p.get("hubspotDefined")
    )


def record_usage(store: Store, portal_id: int, obj: str) -> int:
    return sum(1 for r in store.all(portal_id, f"record:{obj}") if not r.get("archived"))


# -- enforcement helpers (used on create) ---------------------------------------------------------
def check_pipeline_limit(request: Request, obj: str) -> None:
    limit = PIPELINES_PER_OBJECT[tier_of(request.portal)]
    if pipeline_usage(request.store, request.portal_id, obj) >= limit:
        raise validation(
            f"This portal has reached its limit of {limit} {obj} pipelines "
            f"({tier_of(request.portal)} tier); see GET /crm/v3/limits/pipelines",
            code="PIPELINE_LIMIT_REACHED",
        )


def check_property_limits(request: Request, obj: str, calculated: bool) -> None:
    tier = tier_of(request.portal)
    limit = CUSTOM_PROPERTIES_PER_OBJECT[tier]
    if custom_property_usage(request.store, request.portal_id, obj) >= limit:
        raise validation(
            f"This portal has reached its limit of {limit} custom {obj} properties "
            f"({tier} tier); see GET /crm/v3/limits/custom-properties",
            code="PROPERTY_LIMIT_REACHED",
        )
    if calculated:
        cap = CALCULATED_PROPERTIES[tier]
        used = sum(
            calculated_property_usage(request.store, request.portal_id, o) for o in OBJECT_LABELS
        )
        if used >= cap:
            raise validation(
                f"This portal has reached its limit of {cap} calculated properties "
                f"({tier} tier); see GET /crm/v3/limits/calculated-properties",
                field_name="fieldType",
                code="CALCULATED_PROPERTY_LIMIT_REACHED",
            )


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
    limit = PIPELINES_PER_OBJECT[tier_of(request.portal)]
    by_type = [
        _limit_and_usage(o, limit, pipeline_usage(request.store, request.portal_id, o))
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
