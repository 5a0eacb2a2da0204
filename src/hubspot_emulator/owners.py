"""CRM Owners v3 (docs/hubspot-api.md §7).

Owners are read-only through HubSpot's API; the emulator adds them through the control API
(``POST /_emulator/portals/{id}/owners``) and seeds one per new portal. ``id`` (the owner id
used in ``hubspot_owner_id``) and ``userId`` (an int) are different numbers, as at HubSpot.
``?archived=true`` lists only archived owners; ``?email=`` filters to one owner.
"""

from __future__ import annotations

import re
from typing import Any

from hubspot_emulator.api import Request, Response, conflict, js, not_found, route, validation
from hubspot_emulator.common import cursor_page, fixed
from hubspot_emulator.store import Store

COLL = "owner"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SCOPES = fixed("crm.objects.owners.read", "automation")


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def add_owner(store: Store, portal_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Create an owner (control API and seeding): ``{email, firstName, lastName, teams?,
    type?, archived?}``. Raises ValueError on bad input, FileExistsError on a taken email."""
    email = body.get("email")
    if not isinstance(email, str) or not EMAIL_RE.match(email):
        raise ValueError(f"email must be an email address (got {js(email)})")
    for key in ("firstName", "lastName"):
        if not isinstance(body.get(key, ""), str):
            raise ValueError(f"{key} must be a string")
    kind = body.get("type", "PERSON")
    if kind not in ("PERSON", "QUEUE"):
        raise ValueError("type must be PERSON or QUEUE")
    for other in store.all(portal_id, COLL):
        if str(other.get("email", "")).lower() == email.lower() and not other.get("archived"):
            raise FileExistsError(f"An owner with email {email} already exists (id {other['id']})")
    teams_in = body.get("teams") or []
    if not isinstance(teams_in, list):
        raise ValueError("teams must be a list")
    teams: list[dict[str, Any]] = []
    for i, team in enumerate(teams_in):
        if isinstance(team, str):
            team = {"name": team}
        if not isinstance(team, dict) or not isinstance(team.get("name"), str):
            raise ValueError("each team is a name or {id?, name, primary?}")
        teams.append(
            {
                "id": str(team.get("id") or store.next_id(portal_id, "team", start=3_000_001)),
                "name": team["name"],
                "primary": bool(team.get("primary", i == 0)),
            }
        )
    now = store.now_iso()
    owner_id = str(store.next_id(portal_id, "owner", start=70_000_001))
    user_id = store.next_id(portal_id, "user", start=9_000_001)
    archived = bool(body.get("archived", False))
    doc: dict[str, Any] = {
        "id": owner_id,
        "email": email,
        "type": kind,
        "firstName": body.get("firstName", ""),
        "lastName": body.get("lastName", ""),
        "userId": user_id,
        "userIdIncludingInactive": user_id,
        "teams": teams,
        "archived": archived,
        "createdAt": now,
        "updatedAt": now,
    }
    store.put(portal_id, COLL, owner_id, doc)
    return doc


def archive_owner(store: Store, portal_id: int, owner_id: str) -> dict[str, Any] | None:
    doc = store.get(portal_id, COLL, owner_id)
    if doc is None:
        return None
    doc.update(archived=True, updatedAt=store.now_iso())
    store.put(portal_id, COLL, owner_id, doc)
    return doc


def active_owner_ids(store: Store, portal_id: int) -> set[str]:
    return {o["id"] for o in store.all(portal_id, COLL) if not o.get("archived")}


def _id_key(doc: dict[str, Any]) -> int:
    return int(doc["id"])


@route("GET", "/crm/v3/owners", scopes=_SCOPES, cached=True)
def list_owners(request: Request) -> Response:
    archived = request.flag("archived")
    email = (request.q("email") or "").strip().lower()
    owners = [
        o
        for o in request.store.all(request.portal_id, COLL)
        if bool(o.get("archived")) == archived
        and (not email or str(o.get("email", "")).lower() == email)
    ]
    owners.sort(key=_id_key)
    page, paging = cursor_page(request, owners, _id_key, default=100, maximum=500)
    body: dict[str, Any] = {"results": [_public(o) for o in page]}
    if paging:
        body["paging"] = paging
    return Response(200, body)


@route("GET", "/crm/v3/owners/{ownerId}", scopes=_SCOPES)
def get_owner(request: Request) -> Response:
    raw = request.params["ownerId"]
    id_property = request.q("idProperty") or "id"
    if id_property not in ("id", "userId"):
        raise validation(
            f"idProperty must be id or userId (got {id_property})", field_name="idProperty"
        )
    archived = request.flag("archived")
    for owner in request.store.all(request.portal_id, COLL):
        value = owner["id"] if id_property == "id" else str(owner["userId"])
        if value == raw and bool(owner.get("archived")) == archived:
            return Response(200, _public(owner))
    raise not_found(f"Owner {raw} (by {id_property}) does not exist")


def control_add(store: Store, portal_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The control API's add: ValueError → 400, FileExistsError → 409 (via ApiError)."""
    try:
        return _public(add_owner(store, portal_id, body))
    except FileExistsError as exc:
        raise conflict(str(exc)) from None
    except ValueError as exc:
        raise validation(str(exc)) from None
