"""End to end over real HTTP on loopback: CLI → engine → SDK → emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from hubspot.crm.pipelines import PipelineStagePatchInput
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyUpdate

from tests.conftest import CliResult, PortalEnv, on
from tests.helpers import DEFAULT_BLUEPRINT, SMALL, write_blueprint

Cli = Callable[..., CliResult]
BP = str(DEFAULT_BLUEPRINT)


def test_default_blueprint_plans_applies_and_converges(cli: Cli, portal: PortalEnv) -> None:
    first = cli("plan", BP, *on(portal), "--detailed-exitcode")
    assert first.exit_code == 2, first.stderr
    assert f"Portal {portal.portal_id} " in first.stdout and "(SANDBOX)" in first.stdout
    assert "+ pipeline deals/jp_enterprise" in first.stdout
    assert "+ stage deals/jp_enterprise/jp_ringi" in first.stdout
    assert "to update, 0 to delete, 0 to replace." in first.stdout

    applied = cli("apply", BP, *on(portal), "--yes")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert "Verified: a fresh read of the portal plans no changes (converged)." in applied.stdout

    again = cli("plan", BP, *on(portal), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout

    # what landed is what the blueprint says, read back independently through the SDK
    sdk = portal.sdk()
    pipeline = sdk.crm.pipelines.pipelines_api.get_by_id("deals", "jp_enterprise")
    assert [s.id for s in sorted(pipeline.stages, key=lambda s: s.display_order)][:3] == [
        "jp_first_meeting",
        "jp_discovery",
        "jp_trust_building",
    ]
    ringi = next(s for s in pipeline.stages if s.id == "jp_ringi")
    assert ringi.label == "稟議中" and float(ringi.metadata["probability"]) == 0.8
    prop = sdk.crm.properties.core_api.get_by_name("deals", "jp_ringi_status")
    assert prop.group_name == "jp_deal_process" and len(prop.options) == 6


def test_drift_shows_as_exactly_that_update_and_apply_restores(cli: Cli, portal: PortalEnv) -> None:
    assert cli("apply", BP, *on(portal), "--yes").exit_code == 0
    sdk = portal.sdk()
    # someone relabels a stage and adds an option by hand in HubSpot
    stage = sdk.crm.pipelines.pipeline_stages_api.get_by_id("deals", "jp_enterprise", "jp_ringi")
    sdk.crm.pipelines.pipeline_stages_api.update(
        "deals",
        "jp_enterprise",
        "jp_ringi",
        PipelineStagePatchInput(label="Ringi (manual)", metadata=stage.metadata),
    )
    current = sdk.crm.properties.core_api.get_by_name("deals", "jp_budget_status")
    options = [
        OptionInput(label=o.label, value=o.value, hidden=o.hidden, display_order=o.display_order)
        for o in current.options
    ]
    options.append(OptionInput(label="手動", value="manual_extra", hidden=False, display_order=99))
    sdk.crm.properties.core_api.update("deals", "jp_budget_status", PropertyUpdate(options=options))

    plan = cli("plan", BP, *on(portal), "--format", "json")
    assert plan.exit_code == 0, plan.stderr
    changes = json.loads(plan.stdout)["changes"]
    assert [(c["action"], c["kind"], c["key"]) for c in changes] == [
        ("update", "property", "deals/jp_budget_status"),
        ("update", "stage", "deals/jp_enterprise/jp_ringi"),
    ]
    assert changes[1]["before"] == {"label": "Ringi (manual)"}
    assert changes[1]["after"] == {"label": "稟議中"}
    assert "manual_extra" in {o["value"] for o in changes[0]["before"]["options"]}
    assert "manual_extra" not in {o["value"] for o in changes[0]["after"]["options"]}

    # removing an option can orphan values: refused without --allow-destroy, nothing written
    refused = cli("apply", BP, *on(portal), "--yes")
    assert refused.exit_code == 1
    assert "need --allow-destroy; nothing was written" in refused.stderr
    assert (
        sdk.crm.pipelines.pipeline_stages_api.get_by_id("deals", "jp_enterprise", "jp_ringi").label
        == "Ringi (manual)"
    )

    restored = cli("apply", BP, *on(portal), "--yes", "--allow-destroy")
    assert restored.exit_code == 0, restored.stdout + restored.stderr
    assert (
        sdk.crm.pipelines.pipeline_stages_api.get_by_id("deals", "jp_enterprise", "jp_ringi").label
        == "稟議中"
    )
    assert cli("plan", BP, *on(portal), "--detailed-exitcode").exit_code == 0


def test_tombstone_deletes_only_with_allow_destroy_and_unmanaged_untouched(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(
        tmp_path / "bp",
        {
            "b.yaml": SMALL,
            "doomed.yaml": """
version: 1
properties:
  - object: deals
    name: jp_doomed
    label: Doomed
    type: string
    field_type: text
    group: jp_test_group
""",
        },
    )
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    sdk = portal.sdk()
    sdk.crm.properties.core_api.create(
        "deals",
        PropertyCreate(
            name="someone_elses",
            label="Not ours",
            type="string",
            field_type="text",
            group_name="jp_test_group",
        ),
    )

    (bp / "doomed.yaml").write_text(
        (bp / "doomed.yaml")
        .read_text()
        .replace(
            "    name: jp_doomed\n    label: Doomed\n    type: string\n    field_type: text\n"
            "    group: jp_test_group\n",
            "    name: jp_doomed\n    absent: true\n",
        )
    )
    plan = cli("plan", str(bp), *on(portal))
    assert "- property deals/jp_doomed  [destructive]" in plan.stdout
    assert "someone_elses" not in plan.stdout

    refused = cli("apply", str(bp), *on(portal), "--yes")
    assert refused.exit_code == 1 and "--allow-destroy" in refused.stderr
    names = {p.name for p in sdk.crm.properties.core_api.get_all("deals").results}
    assert {"jp_doomed", "someone_elses"} <= names

    done = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy")
    assert done.exit_code == 0, done.stdout + done.stderr
    names = {p.name for p in sdk.crm.properties.core_api.get_all("deals").results}
    assert "jp_doomed" not in names and "someone_elses" in names


def test_local_portal_is_the_default(cli: Cli, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    first = cli("plan", str(bp), "--detailed-exitcode")
    assert first.exit_code == 2, first.stdout + first.stderr
    assert '"hs-japan local portal" (SANDBOX)' in first.stdout
    assert cli("apply", str(bp), "--yes").exit_code == 0
    # state persisted under HS_JAPAN_HOME: a new process sees the same portal
    assert cli("plan", str(bp), "--detailed-exitcode").exit_code == 0
    assert (tmp_path / "state" / "local" / "portal.json").exists()


def test_saved_plan_is_refused_when_the_portal_moved_on(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    saved = tmp_path / "plan.json"
    assert cli("plan", str(bp), *on(portal), "--out", str(saved)).exit_code == 0
    assert portal.token not in saved.read_text()
    portal.sdk().crm.properties.groups_api.create(
        "deals", {"name": "jp_test_group", "label": "Made by hand", "displayOrder": 1}
    )
    requests.delete(f"{portal.url}/_emulator/portals/{portal.portal_id}/requests", timeout=5)
    stale = cli("apply", str(bp), *on(portal), "--plan", str(saved))
    assert stale.exit_code == 1
    assert "is stale; nothing was written" in stale.stderr
    assert "property_group deals/jp_test_group" in stale.stderr
    # refused before the lock: not even the lock group was created and released
    log = requests.get(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/requests", timeout=5
    ).json()["results"]
    assert not [
        r
        for r in log
        if "hsjapan_apply_lock" in r["path"]
        or (r["method"] == "POST" and r["path"].endswith("/groups") and int(r["status"]) < 400)
    ], log

    fresh = tmp_path / "fresh.json"
    assert cli("plan", str(bp), *on(portal), "--out", str(fresh)).exit_code == 0
    applied = cli("apply", str(bp), *on(portal), "--plan", str(fresh))
    assert applied.exit_code == 0, applied.stdout + applied.stderr


def test_apply_asks_and_refuses_without_a_terminal(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    result = cli("apply", str(bp), *on(portal))
    assert result.exit_code == 1
    assert "pass --yes (nothing was written)" in result.stderr
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 2


def test_bad_token_is_one_line_no_traceback(
    cli: Cli, portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(portal.token_env, "pat-not-a-real-token")
    result = cli("plan", BP, *on(portal))
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "token in $HS_JAPAN_TEST_TOKEN was rejected (401" in lines[0]


def test_invalid_blueprint_sends_nothing(cli: Cli, tmp_path: Path) -> None:
    bp = write_blueprint(
        tmp_path / "bp", {"b.yaml": "properties:\n  - object: deals\n    name: BAD\n"}
    )
    result = cli("plan", str(bp))
    assert result.exit_code == 1
    assert "b.yaml:3: properties[0].name: invalid internal name" in result.stderr
    assert not (tmp_path / "state").exists()  # the local portal was never even started


def test_two_stages_swapping_labels_apply_in_one_go(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    swapped = (
        SMALL.replace("{ja: 開始, en: Open}", "{ja: @@, en: @@}")
        .replace("{ja: 受注, en: Won}", "{ja: 開始, en: Open}")
        .replace("{ja: @@, en: @@}", "{ja: 受注, en: Won}")
    )
    (bp / "b.yaml").write_text(swapped, encoding="utf-8")
    plan = cli("plan", str(bp), *on(portal), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.stdout
    assert "~ stage deals/jp_test_pipe/jp_t_open" in plan.stdout
    assert "~ stage deals/jp_test_pipe/jp_t_won" in plan.stdout
    applied = cli("apply", str(bp), *on(portal), "--yes")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
    stages = portal.sdk().crm.pipelines.pipeline_stages_api.get_all("deals", "jp_test_pipe")
    assert {s.id: s.label for s in stages.results} == {"jp_t_open": "受注", "jp_t_won": "開始"}
