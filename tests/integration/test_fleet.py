"""Fleet rollout (issue 14 item 5): plan and apply take --portal more than once.

Three portals of the emulator over HTTP, one profile each; the portals run concurrently,
each with its own client, lock, journal and preflight, and one summary table ends the
output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult
from tests.helpers import SMALL, write_blueprint

Cli = Callable[..., CliResult]
NAMES = ("tokyo", "osaka", "nagoya")


def fleet(
    emulator: EmulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kinds: dict[str, dict[str, object]] | None = None,
) -> tuple[Path, dict[str, int]]:
    """Three portals (SANDBOX unless ``kinds`` says otherwise), one profile each."""
    config = tmp_path / "hs-japan.toml"
    ids: dict[str, int] = {}
    lines = []
    for name in NAMES:
        options: dict[str, object] = {"account_type": "SANDBOX", **(kinds or {}).get(name, {})}
        created = emulator.create_portal(portal_name=f"{name} portal", **options)  # type: ignore[arg-type]
        ids[name] = int(created["portalId"])
        env = f"HS_JAPAN_FLEET_{name.upper()}"
        monkeypatch.setenv(env, str(created["token"]))
        lines.append(f'[portals.{name}]\nbase_url = "{emulator.url}"\ntoken_env = "{env}"\n')
    config.write_text("\n".join(lines))
    return config, ids


def portals(*names: str) -> list[str]:
    return [arg for name in names for arg in ("--portal", name)]


def summary_row(stdout: str, name: str) -> str:
    rows = [line for line in stdout.splitlines() if line.strip().startswith(name + " ")]
    assert rows, stdout
    return rows[-1]


def test_plan_then_apply_converges_every_portal(
    cli: Cli, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, ids = fleet(emulator, tmp_path, monkeypatch)
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    on = [*portals(*NAMES), "--config", str(config)]

    planned = cli("plan", str(bp), *on, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.stdout + planned.stderr
    # one block per portal, in the order given, each headed by its portal
    heads = [planned.stdout.index(f"=== portal '{n}' ===") for n in NAMES]
    assert heads == sorted(heads)
    for name in NAMES:
        assert f'Portal {ids[name]} "{name} portal"' in planned.stdout
        row = summary_row(planned.stdout, name)
        assert str(ids[name]) in row and "changes" in row
    assert "Fleet: 3 portals" in planned.stdout

    applied = cli("apply", str(bp), *on, "--yes")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert applied.stdout.count("Verified: a fresh read of the portal plans no changes") == 3
    for name in NAMES:
        assert "applied, converged" in summary_row(applied.stdout, name)

    again = cli("plan", str(bp), *on, "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr
    for name in NAMES:
        assert "no changes" in summary_row(again.stdout, name)
    # each portal kept its own journal
    journals = tmp_path / "state" / "journal"
    assert {p.name for p in journals.iterdir()} == {str(i) for i in ids.values()}


def test_a_failing_portal_fails_alone(
    cli: Cli, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # osaka's token has no CRM scopes: its preflight refuses, the others are applied
    config, _ = fleet(emulator, tmp_path, monkeypatch, {"osaka": {"scopes": ["oauth"]}})
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    on = [*portals(*NAMES), "--config", str(config)]

    applied = cli("apply", str(bp), *on, "--yes")
    assert applied.exit_code == 1, applied.stdout + applied.stderr
    assert "scope" in applied.stderr
    assert "error" in summary_row(applied.stdout, "osaka")
    for name in ("tokyo", "nagoya"):
        assert "applied, converged" in summary_row(applied.stdout, name)
    again = cli("plan", str(bp), *portals("tokyo", "nagoya"), "--config", str(config))
    assert again.exit_code == 0, again.stdout + again.stderr
    for name in ("tokyo", "nagoya"):
        assert "no changes" in summary_row(again.stdout, name)


def test_production_portals_each_need_their_own_confirmation(
    cli: Cli, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prod = {"account_type": "STANDARD"}
    config, ids = fleet(emulator, tmp_path, monkeypatch, {"tokyo": prod, "osaka": prod})
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    on = [*portals(*NAMES), "--config", str(config)]

    # without --yes a fleet apply refuses before reading anything
    refused = cli("apply", str(bp), *on)
    assert refused.exit_code == 1
    assert "pass --yes" in refused.stderr and "Fleet" not in refused.stdout

    # tokyo confirmed, osaka not: osaka is refused, the others are applied
    partly = cli("apply", str(bp), *on, "--yes", "--confirm-portal", str(ids["tokyo"]))
    assert partly.exit_code == 1, partly.stdout + partly.stderr
    assert f"pass --confirm-portal {ids['osaka']}" in partly.stderr
    assert "refused" in summary_row(partly.stdout, "osaka")
    assert "applied, converged" in summary_row(partly.stdout, "tokyo")
    assert "applied, converged" in summary_row(partly.stdout, "nagoya")

    both = [
        "--confirm-portal",
        str(ids["tokyo"]),
        "--confirm-portal",
        str(ids["osaka"]),
    ]
    done = cli("apply", str(bp), *on, "--yes", *both)
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "applied, converged" in summary_row(done.stdout, "osaka")
    assert "no changes" in summary_row(done.stdout, "tokyo")


def test_fleet_refuses_one_portal_options(cli: Cli, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    saved = cli("plan", str(bp), *portals("a", "b"), "--out", str(tmp_path / "p.json"))
    assert saved.exit_code == 1 and "single --portal" in saved.stderr
    twice = cli("plan", str(bp), *portals("a", "a"))
    assert twice.exit_code == 1 and "more than once" in twice.stderr
