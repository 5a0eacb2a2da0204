"""One HTTP session per portal client (issue 14) and bounded waits (issue 17).

Connections are counted by a TCP proxy in front of the emulator: the SDK's API objects
and ``client.request`` share one keep-alive pool, so a fresh apply of the Japan
blueprint opens at most READ_CONCURRENCY connections instead of one per call. A server
that accepts and then goes quiet ends the command within its deadline, in one line that
names the URL and the profile.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from benchmarks.tcp_proxy import CountingProxy

from hs_japan.portal import client as client_module
from hs_japan.portal.client import READ_CONCURRENCY, PortalClient
from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]


@pytest.fixture
def proxied(portal: PortalEnv, tmp_path: Path) -> Iterator[tuple[PortalEnv, CountingProxy]]:
    proxy = CountingProxy(portal.url)
    portal.config.write_text(
        f'[portals.test]\nbase_url = "{proxy.url}"\ntoken_env = "{portal.token_env}"\n'
    )
    try:
        yield portal, proxy
    finally:
        proxy.close()


def test_fresh_japan_apply_reuses_connections(
    proxied: tuple[PortalEnv, CountingProxy], cli: Cli, emulator: EmulatorServer
) -> None:
    portal, proxy = proxied
    args = ("--portal", "test", "--config", str(portal.config))
    result = cli("apply", str(DEFAULT_BLUEPRINT), *args, "--yes")
    assert result.exit_code == 0, result.stderr
    calls = len(emulator.requests(portal.portal_id))
    assert calls > 40  # many calls …
    assert proxy.connections <= READ_CONCURRENCY  # … over a few reused connections
    proxy.reset()
    assert cli("plan", str(DEFAULT_BLUEPRINT), *args, "--detailed-exitcode").exit_code == 0
    assert proxy.connections <= READ_CONCURRENCY


def test_sdk_api_objects_are_built_once_and_share_the_pool(portal: PortalEnv) -> None:
    client = PortalClient(portal.url, portal.token)
    first = client.sdk.crm.properties.core_api
    assert client.sdk.crm.properties.core_api is first
    pipes = client.sdk.crm.pipelines.pipelines_api
    assert (
        first.api_client.rest_client.pool_manager.pool
        is pipes.api_client.rest_client.pool_manager.pool
        is client.pool
    )


@pytest.fixture
def quiet_server() -> Iterator[str]:
    """Accepts connections, reads the request, never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        for conn in held:
            conn.close()


def test_a_server_that_goes_quiet_ends_plan_within_the_deadline(
    quiet_server: str, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "READ_TIMEOUT", 0.3)
    monkeypatch.setattr(client_module, "CALL_DEADLINE", 2.0)
    config = tmp_path / "hs-japan.toml"
    config.write_text(f'[portals.quiet]\nbase_url = "{quiet_server}"\ntoken_env = "QUIET_TOKEN"\n')
    monkeypatch.setenv("QUIET_TOKEN", "pat-na1-quiet")
    started = time.monotonic()
    result = cli("plan", str(DEFAULT_BLUEPRINT), "--portal", "quiet", "--config", str(config))
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert elapsed < 6
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert quiet_server in lines[0] and "profile 'quiet'" in lines[0]
    assert "read account details" in lines[0] and "within 2 s" in lines[0]
    assert "Traceback" not in result.stderr


def test_sdk_reads_are_bounded_too(quiet_server: str) -> None:
    client = PortalClient(quiet_server, "pat-x", profile="quiet", deadline=1.0)
    client.read_timeout = 0.2
    started = time.monotonic()
    with pytest.raises(Exception, match=r"no answer from .* \(profile 'quiet'\) within 1 s"):
        client.call(
            "read deals properties", lambda: client.sdk.crm.properties.core_api.get_all("deals")
        )
    assert time.monotonic() - started < 3
