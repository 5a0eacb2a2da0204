"""Account info v3 (docs/hubspot-api.md §8): details and daily API usage."""

from __future__ import annotations

from hubspot_emulator.api import Request, Response, route
from hubspot_emulator.common import fixed
from hubspot_emulator.store import iso

# per tier: (calls per 10 s, calls per day) — docs/hubspot-api.md §2.1, current table
TIER_LIMITS = {
    "free": (100, 250_000),
    "starter": (100, 250_000),
    "professional": (190, 625_000),
    "enterprise": (190, 1_000_000),
    "api_add_on": (250, 2_000_000),
}


def next_tokyo_midnight(ms: int) -> int:
    """The daily counter resets at midnight in the portal's time zone (docs/hubspot-api.md §2.1)."""
    day, offset = 86_400_000, 9 * 3_600_000
    return ((ms + offset) // day + 1) * day - offset


@route("GET", "/account-info/v3/details", scopes=fixed("oauth"))
def details(request: Request) -> Response:
    p = request.portal
    return Response(
        200,
        {
            "portalId": p["portalId"],
            "accountType": p["accountType"],
            "portalName": p["portalName"],
            "timeZone": "Asia/Tokyo",
            "companyCurrency": "JPY",
            "additionalCurrencies": ["USD"],
            "utcOffset": "+09:00",
            "utcOffsetMilliseconds": 9 * 3600 * 1000,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
            "createdAt": p["createdAt"],
        },
    )


@route("GET", "/account-info/v3/api-usage/daily/private-apps", scopes=fixed("oauth"))
def daily_usage(request: Request) -> Response:
    used, limit = request.daily_usage
    now = request.store.now_ms()
    return Response(
        200,
        {
            "results": [
                {
                    "name": "private-apps-api-calls-daily",
                    "usageLimit": limit,
                    "currentUsage": used,
                    "collectedAt": iso(now),
                    "resetsAt": iso(next_tokyo_midnight(now)),
                    "fetchStatus": "SUCCESS",
                }
            ]
        },
    )
