"""Open a portal connection for a profile; for ``local``, start the embedded emulator.

The local portal is a real HTTP server on 127.0.0.1 (an ephemeral port), reached
through the SDK exactly like HubSpot. Its state and the local portal's credentials
live under ``.hs-japan/local/``; the token there belongs to the emulator only.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hs_japan.config import Profile, command_deadline, state_home
from hs_japan.errors import ConfigError, PortalError
from hs_japan.portal.client import PortalClient

LOCAL_PORTAL_NAME = "hs-japan local portal"


def _local_credentials(path: Path) -> dict[str, object] | None:
    """The local portal's credentials; None when there are none yet. A file that exists
    but cannot be read is reported, never silently replaced by a new portal."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{path}: the local portal's credentials cannot be read ({exc}); restore the "
            f"file, or start a fresh local portal with: rm -r {path.parent}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("token"), str):
        raise ConfigError(
            f"{path}: the local portal's credentials have no token; restore the file, or "
            f"start a fresh local portal with: rm -r {path.parent}"
        )
    return data


@contextmanager
def open_portal(profile: Profile) -> Iterator[PortalClient]:
    """A client for the profile's portal (the embedded emulator's, started here, for a
    local profile). While it is open, what exists already (modules, the blueprint's models)
    is out of the cyclic garbage collector's sight (``gc.freeze``): a full collection
    otherwise rescans it, 20-30 ms at a time, in the middle of a round of reads."""
    gc.freeze()
    try:
        with _open_portal(profile) as client:
            yield client
    finally:
        gc.unfreeze()


@contextmanager
def _open_portal(profile: Profile) -> Iterator[PortalClient]:
    deadline = command_deadline(profile)  # the whole command, from now (docs/safety.md)
    if not profile.is_local:
        assert profile.base_url is not None
        remote = PortalClient(
            profile.base_url,
            profile.token(),
            token_env=profile.token_env,
            profile=profile.name,
            command_deadline=deadline,
        )
        try:
            yield remote
        finally:
            remote.close()
        return
    from hubspot_emulator import EmulatorServer

    home = state_home() / "local"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {home}: {exc.strerror}") from None
    creds_path = home / "portal.json"
    try:
        server_cm = EmulatorServer(data_dir=home)
    except sqlite3.DatabaseError as exc:
        raise ConfigError(
            f"{home / 'emulator.sqlite3'}: the local portal's database is damaged ({exc}); "
            f"move it aside, or start a fresh local portal with: rm -r {home}"
        ) from None
    with server_cm as server:
        creds = _local_credentials(creds_path)
        client: PortalClient | None = (
            PortalClient(
                server.url, str(creds["token"]), profile=profile.name, command_deadline=deadline
            )
            if creds
            else None
        )
        if client is not None:
            try:
                client.get_account_details()
            except PortalError as exc:
                if exc.status != 401:
                    raise
                client = None  # the emulator state was reset: make a new local portal
        if client is None:
            created = server.create_portal(account_type="SANDBOX", portal_name=LOCAL_PORTAL_NAME)
            fd = os.open(creds_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(created, fh)
            client = PortalClient(
                server.url, str(created["token"]), profile=profile.name, command_deadline=deadline
            )
        try:
            yield client
        finally:
            client.close()
