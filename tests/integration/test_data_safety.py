"""Destruction only on request, and never of records: counts come from the live portal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests

from tests.conftest import CliResult, PortalEnv, on
from tests.helpers import SMALL, write_blueprint

Cli = Callable[..., CliResult]


def seed_deals(portal: PortalEnv, *props: dict[str, str]) -> None:
    r = requests.post(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/records/deals",
        json={"inputs": [{"properties": p} for p in props]},
        timeout=5,
    )
    assert r.status_code == 201, r.text


def test_a_stage_holding_deals_is_never_deleted(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    in_stage = {"dealname": "A", "pipeline": "jp_test_pipe", "dealstage": "jp_t_open"}
    seed_deals(portal, in_stage, {**in_stage, "dealname": "B"})
    (bp / "b.yaml").write_text(
        (bp / "b.yaml")
        .read_text()
        .replace(
            "      - key: jp_t_open\n        label: {ja: 開始, en: Open}\n"
            "        probability: 0.2\n        exit:\n          required_properties: [jp_color]\n",
            "      - key: jp_t_open\n        absent: true\n",
        )
    )
    plan = cli("plan", str(bp), *on(portal))
    assert plan.exit_code == 0, plan.stderr
    assert "- stage deals/jp_test_pipe/jp_t_open  [blocked]" in plan.stdout
    assert "2 deals still sit in stage jp_t_open" in plan.stdout and "move_deals" in plan.stdout
    refused = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy", "--allow-data-loss")
    assert refused.exit_code == 1 and "blocked; nothing was written" in refused.stderr
    stages = portal.sdk().crm.pipelines.pipeline_stages_api.get_all("deals", "jp_test_pipe")
    assert "jp_t_open" in {s.id for s in stages.results}


def test_archiving_a_property_with_values_needs_allow_data_loss(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    extra = (
        "version: 1\nproperties:\n  - object: deals\n    name: jp_note\n"
        "    label: {ja: メモ}\n    type: string\n    field_type: text\n    group: jp_test_group\n"
    )
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL, "note.yaml": extra})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    stock = {"pipeline": "default", "dealstage": "appointmentscheduled"}
    seed_deals(portal, {**stock, "dealname": "A", "jp_note": "大事"}, {**stock, "dealname": "B"})
    (bp / "note.yaml").write_text(
        "version: 1\nproperties:\n  - {object: deals, name: jp_note, absent: true}\n"
    )
    plan = cli("plan", str(bp), *on(portal))
    assert "1 deals record hold a value in jp_note" in plan.stdout
    assert "--allow-data-loss" in plan.stdout
    refused = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy")
    assert refused.exit_code == 1
    assert "jp_note (1 records)" in refused.stderr and "--allow-data-loss" in refused.stderr
    done = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy", "--allow-data-loss")
    assert done.exit_code == 0, done.stderr


def test_archiving_an_empty_property_needs_only_allow_destroy(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    extra = (
        "version: 1\nproperties:\n  - object: deals\n    name: jp_note\n"
        "    label: {ja: メモ}\n    type: string\n    field_type: text\n    group: jp_test_group\n"
    )
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL, "note.yaml": extra})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    (bp / "note.yaml").write_text(
        "version: 1\nproperties:\n  - {object: deals, name: jp_note, absent: true}\n"
    )
    plan = cli("plan", str(bp), *on(portal))
    assert "0 deals records hold a value in jp_note" in plan.stdout
    done = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy")
    assert done.exit_code == 0, done.stderr
