"""Object types, scopes and cursor paging shared by the resource modules
(docs/hubspot-api.md §1, §3.2, §5.1)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from hubspot_emulator.api import ApiError, Request, js, validation

# name -> objectTypeId: the CRM objects with a schema here (properties, groups, limits, lists,
# flows, association labels all work on these)
OBJECT_TYPE_IDS = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tickets": "0-5",
    # leads (Sales Hub Professional and up; leads.py refuses them below): HubSpot's object
    # type id 0-136 [obs: integrations reading GET /crm/v3/pipelines/0-136]
    "leads": "0-136",
}
# activities served only as records (/crm/v3/objects/meetings and associations v4): HubSpot's
# object type id for meetings is 0-47 ("Understanding the CRM", object type IDs); they have no
# pipelines, no list membership and no editable schema here
ACTIVITY_TYPE_IDS = {"meetings": "0-47"}
RECORD_TYPE_IDS = {**OBJECT_TYPE_IDS, **ACTIVITY_TYPE_IDS}
RECORD_OBJECTS = tuple(RECORD_TYPE_IDS)
ALIASES = {
    **{name: name for name in RECORD_TYPE_IDS},
    **{tid: name for name, tid in RECORD_TYPE_IDS.items()},
    "contact": "contacts",
    "company": "companies",
    "deal": "deals",
    "ticket": "tickets",
    "meeting": "meetings",
    "lead": "leads",
}
PIPELINE_OBJECTS = ("deals", "tickets", "leads")
# objects whose schema scopes are the object scopes (crm-properties-v3.json and
# crm-pipelines-v3.json list crm.objects.leads.read/write for leads; there is no
# crm.schemas.leads.* scope)
OBJECT_SCOPED_SCHEMAS = ("leads",)
TYPE_ID_NAMES = {tid: name for name, tid in OBJECT_TYPE_IDS.items()}
# name -> (singular, plural) labels, as the limits API reports them
OBJECT_LABELS = {
    "contacts": ("Contact", "Contacts"),
    "companies": ("Company", "Companies"),
    "deals": ("Deal", "Deals"),
    "tickets": ("Ticket", "Tickets"),
    "leads": ("Lead", "Leads"),
}
RECORD_LABELS = {**OBJECT_LABELS, "meetings": ("Meeting", "Meetings")}


def object_type(raw: str, allowed: tuple[str, ...] = tuple(OBJECT_TYPE_IDS)) -> str:
    """The canonical object name for a path's ``objectType`` (names and ``0-n`` ids)."""
    name = ALIASES.get(raw.lower())
    if name is None or name not in allowed:
        raise ApiError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {raw}")
    return name


def _obj_of(request: Request) -> str:
    return ALIASES.get(request.params.get("objectType", "").lower(), "")


def _schema_obj_of(request: Request) -> str:
    obj = _obj_of(request)
    return obj if obj in OBJECT_TYPE_IDS else ""


def schema_read_scopes(request: Request) -> list[str]:
    obj = _schema_obj_of(request)
    if not obj:
        return []  # unknown object type: the handler answers 400
    if obj == "tickets":
        return ["tickets", "crm.schemas.tickets.read", "crm.schemas.tickets.write"]
    if obj in OBJECT_SCOPED_SCHEMAS:
        return [f"crm.objects.{obj}.read", f"crm.objects.{obj}.write"]
    return [f"crm.schemas.{obj}.read", f"crm.schemas.{obj}.write"]


def schema_write_scopes(request: Request) -> list[str]:
    obj = _schema_obj_of(request)
    if not obj:
        return []  # unknown object type: the handler answers 400
    if obj == "tickets":
        return ["tickets", "crm.schemas.tickets.write"]
    if obj in OBJECT_SCOPED_SCHEMAS:
        return [f"crm.objects.{obj}.write"]
    return [f"crm.schemas.{obj}.write"]


def object_read_scopes(request: Request) -> list[str]:
    obj = _obj_of(request)
    if not obj:
        return []  # unknown object type: the handler answers 400
    base = [f"crm.objects.{obj}.read", f"crm.objects.{obj}.write"]
    return [*base, "tickets"] if obj == "tickets" else base


def object_write_scopes(request: Request) -> list[str]:
    obj = _obj_of(request)
    if not obj:
        return []  # unknown object type: the handler answers 400
    base = [f"crm.objects.{obj}.write"]
    return [*base, "tickets"] if obj == "tickets" else base


def sensitive_write_scopes(obj: str, sensitivity: str) -> list[str]:
    """Scopes that allow creating a ``sensitive``/``highly_sensitive`` property of ``obj``, as
    crm-properties-v3.json lists them (HubSpot's sensitive-data guide: the sensitive scopes
    are needed to create or edit such properties, not to read their definitions)."""
    level = "highly_sensitive" if sensitivity == "highly_sensitive" else "sensitive"
    if obj == "tickets":
        return [f"crm.objects.tickets.{level}.write", f"tickets.{level}.v2"]
    return [f"crm.objects.{obj}.{level}.write.v2"]


def fixed(*scopes: str) -> Callable[[Request], list[str]]:
    def pick(_request: Request) -> list[str]:
        return list(scopes)

    return pick


# every scope a fresh emulator token gets unless the caller lists its own
ALL_SCOPES = sorted(
    {
        "oauth",
        "automation",
        "tickets",
        "crm.objects.owners.read",
        "crm.lists.read",
        "crm.lists.write",
        "crm.schemas.custom.read",
        *(
            f"crm.schemas.{o}.{rw}"
            for o in OBJECT_TYPE_IDS
            if o not in OBJECT_SCOPED_SCHEMAS
            for rw in ("read", "write")
        ),
        *(f"crm.objects.{o}.{rw}" for o in RECORD_TYPE_IDS for rw in ("read", "write")),
        "forms",
        *(
            scope
            for o in OBJECT_TYPE_IDS
            if o not in OBJECT_SCOPED_SCHEMAS
            for level in ("sensitive", "highly_sensitive")
            for scope in sensitive_write_scopes(o, level)
        ),
    }
)


# -- cursor paging (docs/hubspot-api.md §3.2) ------------------------------------------------------
def limit_param(request: Request, default: int, maximum: int) -> int:
    """``?limit=``: default when absent, 400 when not a positive integer, capped at
    ``maximum`` [guess: HubSpot's caps and behaviour above them are undocumented]."""
    raw = request.q("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation(f"limit must be an integer (got {js(raw)})", field_name="limit") from None
    if value < 1:
        raise validation(f"limit must be a positive integer (got {value})", field_name="limit")
    return min(value, maximum)


def cursor_page(
    request: Request,
    items: list[dict[str, Any]],
    key: Callable[[dict[str, Any]], int],
    *,
    default: int = 100,
    maximum: int = 100,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of ``items`` (already in order of ``key``) after the ``?after=`` cursor.

    The cursor is the key of the last item on the previous page; ``paging`` is None on the
    last page, so the caller leaves the ``paging`` key out (as HubSpot does).
    """
    limit = limit_param(request, default, maximum)
    after = request.q("after")
    if after:
        try:
            start = int(after)
        except ValueError:
            raise validation(f"Invalid paging cursor: {js(after)}", field_name="after") from None
        items = [i for i in items if key(i) > start]
    page, rest = items[:limit], items[limit:]
    if not rest:
        return page, None
    cursor = str(key(page[-1]))
    query = {k: v[-1] for k, v in request.query.items() if k not in ("after", "limit") and v}
    query.update(after=cursor, limit=str(limit))
    return page, {"next": {"after": cursor, "link": f"{request.path}?{urlencode(query)}"}}


# -- timestamps in property values (docs/hubspot-api.md §5.3) --------------------------------------
_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?$"
)


def parse_timestamp(value: str) -> int | None:
    """Epoch milliseconds from epoch-ms digits, an ISO date or an ISO date-time (UTC unless an
    offset is given); None when the text is neither."""
    text = value.strip()
    if re.fullmatch(r"-?\d{1,16}", text):
        return int(text)
    m = _ISO_RE.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        stamp = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((frac or "0")[:6].ljust(6, "0")),
            tzinfo=dt.UTC,
        )
    except ValueError:
        return None
    ms = int(stamp.replace(microsecond=0).timestamp()) * 1000 + stamp.microsecond // 1000
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        ms -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 1000
    return ms
