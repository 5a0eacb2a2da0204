"""The local emulator's control API (not HubSpot's): used by ``hs-japan emulator seed``."""

from __future__ import annotations

from typing import Any

import requests

from hs_japan.errors import HsJapanError


class NotAnEmulator(HsJapanError):
    pass


class Control:
    def __init__(self, base_url: str, portal_id: int) -> None:
        self.base = f"{base_url.rstrip('/')}/_emulator/portals/{portal_id}"
        if not base_url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
            raise NotAnEmulator(f"{base_url} is not a local emulator; seeding only works there")

    def post(self, rest: str, body: Any) -> Any:
        try:
            r = requests.post(self.base + rest, json=body, timeout=120)
        except requests.RequestException as exc:
            raise NotAnEmulator(f"cannot reach the emulator control API: {exc}") from None
        if r.status_code == 404 and "control" in r.text.lower():
            raise NotAnEmulator("the portal is not served by the hs-japan emulator")
        if r.status_code == 409:
            raise HsJapanError(
                f"the portal already holds these records ({rest.strip('/')}): it was seeded "
                "before. Seed a fresh local portal (make clean-demo, then apply), or pass "
                "another --seed"
            )
        if r.status_code >= 400:
            raise HsJapanError(f"emulator control API {rest}: {r.status_code} {r.text[:300]}")
        try:
            return r.json()
        except ValueError:
            raise NotAnEmulator(
                f"{self.base}{rest} answered {r.status_code} without JSON: the portal is not "
                "served by the hs-japan emulator"
            ) from None
