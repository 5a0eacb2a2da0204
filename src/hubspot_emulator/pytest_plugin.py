"""pytest fixtures for any HubSpot integration, the way moto serves AWS users.

Installed as a ``pytest11`` entry point, so a project that has this package installed
gets the fixtures without importing anything:

- ``hubspot_emulator``: an :class:`EmulatorServer` on 127.0.0.1 (a free port, in memory),
  one per test session.
- ``hubspot_portal``: a fresh portal on it for each test: ``url``, ``token``,
  ``portal_id``, ``requests()`` (the portal's request log) and ``faults(...)``.

Point any HubSpot client at ``hubspot_portal.url`` with ``hubspot_portal.token`` (the
Python SDK needs both ``host`` and ``base_url`` set to it).
The fixture names are prefixed so they never clash with a project's own fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from hubspot_emulator.server import EmulatorServer


@dataclass(frozen=True)
class EmulatedPortal:
    """One emulated HubSpot portal: its base URL, a private-app token and its id."""

    server: EmulatorServer
    url: str
    token: str
    portal_id: int

    def requests(self) -> list[dict[str, Any]]:
        """The requests this portal received so far (method, path, status, timing)."""
        return self.server.requests(self.portal_id)

    def faults(self, rules: list[dict[str, Any]], seed: int | None = None) -> None:
        """Inject faults (docs/emulator.md, "Faults"), for example
        ``[{"method": "POST", "path": "/crm/v3/properties/", "status": 429, "times": 2}]``
        (``path`` matches by prefix or by route template)."""
        self.server.set_faults(self.portal_id, rules, seed=seed)


@pytest.fixture(scope="session")
def hubspot_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def hubspot_portal(hubspot_emulator: EmulatorServer) -> EmulatedPortal:
    created = hubspot_emulator.create_portal(account_type="SANDBOX", portal_name="pytest")
    return EmulatedPortal(
        hubspot_emulator, hubspot_emulator.url, str(created["token"]), int(created["portalId"])
    )
