"""Starter portals: apply is refused before anything is written (not even the lock) with
the doctor report, or succeeds with what the tier allows once the blueprint switches the
rest off."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def starter(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, Path]:
    made = emulator.create_portal(account_type="SANDBOX", portal_name="starter", tier="starter")
    config = tmp_path / "hs-japan.toml"
    config.write_text(
        f'[portals.starter]\nbase_url = "{emulator.url}"\ntoken_env = "HS_JAPAN_STARTER"\n'
    )
    monkeypatch.setenv("HS_JAPAN_STARTER", str(made["token"]))
    return int(made["portalId"]), config


def accepted_writes(emulator: EmulatorServer, portal_id: int) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in emulator.requests(portal_id)
        if r["method"] in WRITES
        and int(r["status"]) < 400
        and not str(r["path"]).endswith(("/search", "/batch/read"))  # reads sent as POST
    ]


def test_apply_on_starter_is_refused_up_front(
    cli: Cli, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal_id, config = starter(emulator, tmp_path, monkeypatch)
    on = ("--portal", "starter", "--config", str(config))
    result = cli("apply", str(DEFAULT_BLUEPRINT), *on, "--yes")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "refused before any write" in result.stderr
    assert "Professional or Enterprise" in result.stderr and "criteria_tasks: off" in result.stderr
    assert "Traceback" not in result.stderr
    assert accepted_writes(emulator, portal_id) == []  # nothing, not even the lock
    plan = cli("plan", str(DEFAULT_BLUEPRINT), *on)
    assert plan.exit_code == 1 and "refused before any write" in plan.stderr


def test_apply_on_starter_succeeds_with_the_parts_switched_off(
    cli: Cli, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal_id, config = starter(emulator, tmp_path, monkeypatch)
    on = ("--portal", "starter", "--config", str(config))
    bp = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp)
    (bp / "follow-up.yaml").unlink()  # rules are workflows: Professional only
    (bp / "funnel.yaml").unlink()  # it names the rules
    (bp / "handoff.yaml").unlink()  # handoff rules are workflows too
    (bp / "pipeline-leads.yaml").unlink()  # leads need Sales Hub Professional (doctor says so)
    pipeline = bp / "pipeline-deals.yaml"
    pipeline.write_text(
        pipeline.read_text(encoding="utf-8").replace(
            "id: jp_enterprise\n", 'id: jp_enterprise\n    criteria_tasks: "off"\n', 1
        ),
        encoding="utf-8",
    )
    doctor = cli("doctor", str(bp), *on)
    assert doctor.exit_code == 0, doctor.stdout + doctor.stderr
    applied = cli("apply", str(bp), *on, "--yes")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert accepted_writes(emulator, portal_id)
    assert cli("plan", str(bp), *on, "--detailed-exitcode").exit_code == 0


def test_no_service_hub_means_no_ticket_pipeline_and_doctor_says_so(
    cli: Cli, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = emulator.create_portal(
        account_type="SANDBOX", tier="professional", hubs={"service": None}
    )
    config = tmp_path / "hs-japan.toml"
    config.write_text(f'[portals.nosvc]\nbase_url = "{emulator.url}"\ntoken_env = "NOSVC"\n')
    monkeypatch.setenv("NOSVC", str(made["token"]))
    on = ("--portal", "nosvc", "--config", str(config))
    doctor = cli("doctor", str(DEFAULT_BLUEPRINT), *on)
    assert doctor.exit_code == 1, doctor.stdout + doctor.stderr
    assert "tickets pipelines: 1 used + 1 new > limit 1" in doctor.stdout
    assert "Service Hub" in doctor.stdout and "pipeline-tickets.yaml" in doctor.stdout
    refused = cli("apply", str(DEFAULT_BLUEPRINT), *on, "--yes")
    assert refused.exit_code == 1 and "refused before any write" in refused.stderr
    assert accepted_writes(emulator, int(made["portalId"])) == []
