"""Single-property reads and writes for migrations and the migration record (the SDK's
properties client, through the client's retry policy). Plain dicts in, plain dicts out."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from hs_japan.errors import PortalError
from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import PROPS, without_nulls


def _options(options: list[dict[str, Any]]) -> list[Any]:
    from hubspot.crm.properties import OptionInput  # the SDK only when writing

    return [
        OptionInput(
            label=str(o["label"]),
            value=str(o["value"]),
            hidden=bool(o.get("hidden")),
            display_order=o.get("displayOrder", i),
        )
        for i, o in enumerate(options)
    ]


def get_property(
    client: PortalClient, obj: str, name: str, what: str | None = None
) -> dict[str, Any] | None:
    """The property, or None when the portal has no such (live) property. Plain JSON (null
    members dropped, as the SDK's model gave it): the plan reads the migration record and
    the list-id map with it, and a plan imports none of the SDK's API modules."""
    what = what or f"read property {obj}/{name}"
    try:
        found = client.get_json(what, f"{PROPS}/{quote(obj)}/{quote(name)}")
    except PortalError as exc:
        if exc.status == 404:
            return None
        raise
    if not isinstance(found, dict) or not isinstance(found.get("name"), str):
        raise PortalError(
            f"{what}: the portal's answer lacks HubSpot's fields (KeyError: 'name'); is the "
            "profile's base_url HubSpot's API? nothing was compared or written"
        )
    return dict(without_nulls(found))


def create_property(
    client: PortalClient, obj: str, spec: dict[str, Any], what: str | None = None
) -> None:
    """Create from HubSpot's property JSON shape (name, label, type, fieldType, groupName,
    description, options, displayOrder, hidden)."""
    from hubspot.crm.properties import PropertyCreate

    client.call(
        what or f"create property {obj}/{spec['name']}",
        partial(
            client.sdk.crm.properties.core_api.create,
            obj,
            PropertyCreate(
                name=spec["name"],
                label=spec["label"],
                type=spec["type"],
                field_type=spec["fieldType"],
                group_name=spec["groupName"],
                description=spec.get("description") or "",
                options=_options(spec.get("options") or []) or None,
                display_order=spec.get("displayOrder"),
                hidden=spec.get("hidden"),
            ),
            _request_timeout=REQUEST_TIMEOUT,
        ),
    )


def set_property_options(
    client: PortalClient, obj: str, name: str, options: list[dict[str, Any]], what: str
) -> None:
    """Replace the property's options (HubSpot's PATCH replaces the whole list)."""
    from hubspot.crm.properties import PropertyUpdate

    client.call(
        what,
        partial(
            client.sdk.crm.properties.core_api.update,
            obj,
            name,
            PropertyUpdate(options=_options(options)),
            _request_timeout=REQUEST_TIMEOUT,
        ),
    )


def archive_property(client: PortalClient, obj: str, name: str, what: str | None = None) -> bool:
    """Archive; False when there was no such property."""
    try:
        client.call(
            what or f"archive property {obj}/{name}",
            partial(
                client.sdk.crm.properties.core_api.archive,
                obj,
                name,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )
    except PortalError as exc:
        if exc.status == 404:
            return False
        raise
    return True
