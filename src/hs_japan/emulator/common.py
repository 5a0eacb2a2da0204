"""Object types and scopes shared by the resource modules (NOTES §1, §5.1)."""

from __future__ import annotations

from collections.abc import Callable

from hs_japan.emulator.api import ApiError, Request

# name -> objectTypeId
OBJECT_TYPE_IDS = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tickets": "0-5",
}
ALIASES = {
    **{name: name for name in OBJECT_TYPE_IDS},
    **{tid: name for name, tid in OBJECT_TYPE_IDS.items()},
    "contact": "contacts",
    "company": "companies",
    "deal": "deals",
    "ticket": "tickets",
}
PIPELINE_OBJECTS = ("deals", "tickets")


def object_type(raw: str, allowed: tuple[str, ...] = tuple(OBJECT_TYPE_IDS)) -> str:
    """The canonical object name for a path's ``objectType`` (names and ``0-n`` ids)."""
    name = ALIASES.get(raw.lower())
    if name is None or name not in allowed:
        raise ApiError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {raw}")
    return name


def _obj_of(request: Request) -> str:
    return ALIASES.get(request.params.get("objectType", "").lower(), "")


def schema_read_scopes(request: Request) -> list[str]:
    obj = _obj_of(request)
    if not obj:
        return []  # unknown object type: the handler answers 400
    if obj == "tickets":
        return ["tickets", "crm.schemas.tickets.read", "crm.schemas.tickets.write"]
    return [f"crm.schemas.{obj}.read", f"crm.schemas.{obj}.write"]


def schema_write_scopes(request: Request) -> list[str]:
    obj = _obj_of(request)
    if not obj:
        return []  # unknown object type: the handler answers 400
    if obj == "tickets":
        return ["tickets", "crm.schemas.tickets.write"]
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
        *(f"crm.schemas.{o}.{rw}" for o in OBJECT_TYPE_IDS for rw in ("read", "write")),
        *(f"crm.objects.{o}.{rw}" for o in OBJECT_TYPE_IDS for rw in ("read", "write")),
    }
)
