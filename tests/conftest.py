"""Shared fixtures: an in-process emulator on loopback, portals in it, and a CLI runner."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hubspot
import pytest
import requests
from typer.testing import CliRunner

from hs_japan.cli import app
from hubspot_emulator import EmulatorServer


@dataclass
class PortalEnv:
    url: str
    token: str
    portal_id: int
    config: Path
    name: str = "test"
    token_env: str = "HS_JAPAN_TEST_TOKEN"

    def sdk(self) -> hubspot.Client:
        return hubspot.Client.create(access_token=self.token, host=self.url, base_url=self.url)


def on(portal: PortalEnv) -> tuple[str, ...]:
    """The CLI options that point a command at ``portal``."""
    return ("--portal", portal.name, "--config", str(portal.config))


def with_target(
    portal: PortalEnv,
    target: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    token_env: str = "HS_JAPAN_TARGET",
) -> Path:
    """A config holding ``portal``'s profile and the emulator portal ``target`` as profile
    'target' (its token in ``token_env``), for clone tests."""
    config = tmp_path / "two.toml"
    config.write_text(
        portal.config.read_text()
        + f'\n[portals.target]\nbase_url = "{portal.url}"\ntoken_env = "{token_env}"\n'
    )
    monkeypatch.setenv(token_env, str(target["token"]))
    return config


def http(portal: PortalEnv, method: str, path: str, body: object = None) -> requests.Response:
    """One request to the portal's API, straight over HTTP with its token."""
    return requests.request(
        method,
        portal.url + path,
        json=body,
        headers={"Authorization": f"Bearer {portal.token}"},
        timeout=10,
    )


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def lift_limits(portal: PortalEnv) -> None:
    """Raise the portal's rate limit so a full Japan apply is not paced in a test."""
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}},
        timeout=5,
    ).raise_for_status()


def portal_flows(portal: PortalEnv) -> list[dict[str, Any]]:
    """Every workflow of the portal in full (listing, then batch read), straight from HTTP."""
    h = {"Authorization": f"Bearer {portal.token}"}
    listing = requests.get(f"{portal.url}/automation/v4/flows", headers=h, timeout=5).json()
    ids = [{"type": "FLOW_ID", "flowId": f["id"]} for f in listing["results"]]
    found: list[dict[str, Any]] = requests.post(
        f"{portal.url}/automation/v4/flows/batch/read", json={"inputs": ids}, headers=h, timeout=5
    ).json()["results"]
    return found


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """An in-process ``--debug`` run configures DEBUG logging on the root logger with a
    handler bound to that run's (then closed) output; undo it after every test so no later
    test prints "--- Logging error ---"."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in ("hs_japan", "urllib3")}
    yield
    root.handlers, root.level = saved
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def portal(emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PortalEnv:
    created = emulator.create_portal(account_type="SANDBOX", portal_name="test portal")
    config = tmp_path / "hs-japan.toml"
    env = PortalEnv(emulator.url, str(created["token"]), int(created["portalId"]), config)
    config.write_text(f'[portals.test]\nbase_url = "{env.url}"\ntoken_env = "{env.token_env}"\n')
    monkeypatch.setenv(env.token_env, env.token)
    return env


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Run ``hs-japan ARGS`` in-process with state under tmp_path; returns a CliResult."""
    monkeypatch.setenv("HS_JAPAN_HOME", str(tmp_path / "state"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> CliResult:
        result = runner.invoke(app, list(args), input=input, env=dict(os.environ))
        return CliResult(result.exit_code, result.stdout, result.stderr)

    yield run
