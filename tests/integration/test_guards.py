"""Wrong-portal and production guards: refused before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv
from tests.helpers import SMALL, write_blueprint

Cli = Callable[..., CliResult]


def profile(env: PortalEnv, extra: str) -> None:
    env.config.write_text(
        f'[portals.test]\nbase_url = "{env.url}"\ntoken_env = "{env.token_env}"\n{extra}\n'
    )


def test_pinned_portal_id_refuses_another_portals_token(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    profile(portal, f"portal_id = {portal.portal_id + 1}")
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    result = cli("plan", str(bp), "--portal", "test", "--config", str(portal.config))
    assert result.exit_code == 1
    assert (
        f"is pinned to portal {portal.portal_id + 1}, but the token in "
        f"${portal.token_env} belongs to portal {portal.portal_id}"
    ) in result.stderr


def test_expected_account_type_is_enforced(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    profile(portal, 'account_type = "STANDARD"')
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    result = cli("apply", str(bp), "--portal", "test", "--config", str(portal.config), "--yes")
    assert result.exit_code == 1
    assert "expects a STANDARD account, but portal" in result.stderr


def test_production_needs_confirm_portal(
    cli: Cli,
    emulator: EmulatorServer,
    portal: PortalEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = emulator.create_portal(account_type="STANDARD", portal_name="prod")
    monkeypatch.setenv(portal.token_env, str(created["token"]))
    pid = int(created["portalId"])
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    args = ("apply", str(bp), "--portal", "test", "--config", str(portal.config), "--yes")
    refused = cli(*args)
    assert refused.exit_code == 1
    assert f"pass --confirm-portal {pid} to apply to it (nothing was written)" in refused.stderr
    assert cli(*args, "--confirm-portal", str(pid + 5)).exit_code == 1
    done = cli(*args, "--confirm-portal", str(pid))
    assert done.exit_code == 0, done.stdout + done.stderr


def test_token_never_appears_in_any_output(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    on = ("--portal", "test", "--config", str(portal.config))
    saved = tmp_path / "p.json"
    outputs = [
        cli("--debug", "plan", str(bp), *on, "--out", str(saved)),
        cli("--debug", "plan", str(bp), *on, "--format", "json"),
        cli("--debug", "apply", str(bp), *on, "--yes"),
        cli("--debug", "apply", str(bp), *on, "--plan", str(saved)),  # stale: refused
    ]
    texts = [o.stdout + o.stderr for o in outputs] + [saved.read_text()]
    assert outputs[2].exit_code == 0
    assert all(portal.token not in t for t in texts)
    assert all(portal.token[-12:] not in t for t in texts)
