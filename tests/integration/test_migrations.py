"""Versioned data migrations: values preserved, stages emptied before removal, runs
recorded in the portal (and carried by clone), resumable after a failure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv, on, with_target
from tests.helpers import SMALL, write_blueprint

Cli = Callable[..., CliResult]
NOTE = (
    "version: 1\nproperties:\n  - object: deals\n    name: jp_note\n    label: {ja: メモ}\n"
    "    type: string\n    field_type: text\n    group: jp_test_group\n"
)
RENAME = 'def upgrade(ctx):\n    ctx.rename_property("deals", "jp_note", "jp_memo")\n'
MOVE = 'def upgrade(ctx):\n    ctx.move_deals("jp_test_pipe", "jp_t_open", "jp_t_won")\n'


def control(portal: PortalEnv, rest: str, body: Any = None, method: str = "PUT") -> Any:
    return requests.request(
        method,
        f"{portal.url}/_emulator/portals/{portal.portal_id}{rest}",
        json=body,
        timeout=30,
    )


def deals(emulator: EmulatorServer, portal: PortalEnv) -> list[dict[str, Any]]:
    """Read straight from the emulator's store: independent of the engine."""
    return [r for r in emulator.store.all(portal.portal_id, "record:deals") if not r["archived"]]


def setup(cli: Cli, portal: PortalEnv, tmp_path: Path, files: dict[str, str]) -> Path:
    control(portal, "/settings", {"rateLimits": {"perTenSeconds": 10_000}})
    bp = write_blueprint(tmp_path / "repo" / "bp", {"b.yaml": SMALL, "note.yaml": NOTE})
    migrations = tmp_path / "repo" / "migrations"
    migrations.mkdir()
    for name, text in files.items():
        (migrations / name).write_text(text)
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    return bp


def test_a_rename_names_the_workflows_that_still_use_the_old_property(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    rule = (
        "version: 1\nfollow_up_rules:\n  - key: jp_note_rule\n    name: メモ\n"
        "    object: deals\n    trigger:\n      property_equals: {property: jp_note, "
        "equals: 大事}\n    steps:\n      - task: {subject: 確認}\n"
    )
    bp = setup(cli, portal, tmp_path, {"0001_rename_note.py": RENAME})
    (bp / "rule.yaml").write_text(rule)
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    migrations = str(tmp_path / "repo" / "migrations")
    done = cli("migrate", "up", *on(portal), "--dir", migrations, "--yes")
    assert done.exit_code == 0, done.stderr
    assert "workflow rule_jp_note_rule names deals.jp_note: rename it to jp_memo" in done.stdout


def test_rename_preserves_every_value_of_2000_records(
    cli: Cli, emulator: EmulatorServer, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = setup(cli, portal, tmp_path, {"0001_rename_note.py": RENAME})
    stock = {"pipeline": "default", "dealstage": "appointmentscheduled"}
    seeded = {}
    for start in range(0, 2000, 500):
        inputs = [
            {"properties": {**stock, "dealname": f"D{i}", "jp_note": f"メモ {i}"}}
            for i in range(start, start + 500)
        ]
        assert control(portal, "/records/deals", {"inputs": inputs}, "POST").status_code == 201
    for rec in deals(emulator, portal):
        seeded[rec["id"]] = rec["properties"]["jp_note"]
    assert len(seeded) == 2000
    migrations = str(tmp_path / "repo" / "migrations")

    plan = cli("plan", str(bp), *on(portal))
    assert "1 migration(s) in" in plan.stdout and "0001_rename_note" in plan.stdout

    dry = cli("migrate", "up", *on(portal), "--dir", migrations, "--dry-run")
    assert (
        dry.exit_code == 0
        and "would copy deals.jp_note → jp_memo: 2000 deals records" in dry.stdout
    )
    assert all("jp_memo" not in r["properties"] for r in deals(emulator, portal))  # dry

    # a failure midway (the first batch update refused) records nothing; a re-run resumes
    control(
        portal,
        "/faults",
        {
            "faults": [
                {
                    "kind": "status",
                    "status": 400,
                    "method": "POST",
                    "path": "/crm/v3/objects/{objectType}/batch/update",
                    "times": 1,
                }
            ]
        },
    )
    failed = cli("migrate", "up", *on(portal), "--dir", migrations, "--yes")
    assert failed.exit_code == 1 and "0001_rename_note" in (failed.stdout + failed.stderr)
    control(portal, "/faults", {"faults": []})
    assert "1 pending" in cli("migrate", "status", *on(portal), "--dir", migrations).stdout

    done = cli("migrate", "up", *on(portal), "--dir", migrations, "--yes")
    assert done.exit_code == 0, done.stdout + done.stderr
    after = {r["id"]: r["properties"] for r in deals(emulator, portal)}
    assert all(after[rid].get("jp_memo") == value for rid, value in seeded.items())
    sdk = portal.sdk()
    names = {p.name for p in sdk.crm.properties.core_api.get_all("deals").results}
    assert "jp_memo" in names and "jp_note" not in names  # the old one is archived
    status = cli("migrate", "status", *on(portal), "--dir", migrations)
    assert "1 applied, 0 pending" in status.stdout and "applied  0001_rename_note" in status.stdout
    again = cli("migrate", "up", *on(portal), "--dir", migrations, "--yes")
    assert "no pending migrations" in again.stdout


def test_a_stage_holding_deals_is_removed_only_through_the_move_migration(
    cli: Cli, emulator: EmulatorServer, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = setup(cli, portal, tmp_path, {"0001_empty_open_stage.py": MOVE})
    in_stage = {"dealname": "A", "pipeline": "jp_test_pipe", "dealstage": "jp_t_open"}
    control(
        portal,
        "/records/deals",
        {"inputs": [{"properties": {**in_stage, "dealname": n}} for n in "ABC"]},
        "POST",
    )
    (bp / "b.yaml").write_text(
        (bp / "b.yaml")
        .read_text()
        .replace(
            "      - key: jp_t_open\n        label: {ja: 開始, en: Open}\n"
            "        probability: 0.2\n        exit:\n          required_properties: [jp_color]\n",
            "      - key: jp_t_open\n        absent: true\n",
        )
    )
    blocked = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy")
    assert blocked.exit_code == 1 and "3 deals still sit in stage jp_t_open" in blocked.stderr
    migrations = str(tmp_path / "repo" / "migrations")
    assert cli("migrate", "up", *on(portal), "--dir", migrations, "--yes").exit_code == 0
    done = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy")
    assert done.exit_code == 0, done.stdout + done.stderr
    records = deals(emulator, portal)
    assert sorted(r["properties"]["dealname"] for r in records) == ["A", "B", "C"]
    assert {r["properties"]["dealstage"] for r in records} == {"jp_t_won"}  # no deal lost
    stages = portal.sdk().crm.pipelines.pipeline_stages_api.get_all("deals", "jp_test_pipe")
    assert [s.id for s in stages.results] == ["jp_t_won"]


def test_a_clone_knows_what_its_source_ran(
    cli: Cli,
    emulator: EmulatorServer,
    portal: PortalEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup(cli, portal, tmp_path, {"0001_rename_note.py": RENAME})
    migrations = str(tmp_path / "repo" / "migrations")
    assert cli("migrate", "up", *on(portal), "--dir", migrations, "--yes").exit_code == 0
    target = emulator.create_portal(account_type="SANDBOX", portal_name="clone")
    config = with_target(portal, target, tmp_path, monkeypatch, "HS_JAPAN_T2")
    cloned = cli("clone", "--from", "test", "--to", "target", "--config", str(config), "--yes")
    assert cloned.exit_code == 0, cloned.stdout + cloned.stderr
    status = cli(
        "migrate", "status", "--portal", "target", "--config", str(config), "--dir", migrations
    )
    assert "1 applied, 0 pending" in status.stdout and "0001_rename_note" in status.stdout
