"""Single-property reads and writes for migrations and the migration record (the SDK's
properties client, through the client's retry policy). Plain dicts in, plain dicts out."""

from __future__ import annotations

from functools import partial
from typing import Any

from hs_japan.errors import PortalError
from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import sdk_to_json


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
    """The property, or None when the portal has no such (live) property."""
    try:
        found = client.call(
            what or f"read property {obj}/{name}",
            partial(
                client.sdk.crm.properties.core_api.get_by_name,
                obj,
                name,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )
    except PortalError as exc:
        if exc.status == 404:
            return None
        raise
    return dict(sdk_to_json(found))


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
