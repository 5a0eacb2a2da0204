"""Stage-criteria workflows end to end: planned, created, drift shown in words, restored."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from tests.conftest import CliResult, PortalEnv, on
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]
BP = str(DEFAULT_BLUEPRINT)


def flows(portal: PortalEnv) -> list[dict[str, Any]]:
    h = {"Authorization": f"Bearer {portal.token}"}
    listing = requests.get(f"{portal.url}/automation/v4/flows", headers=h, timeout=5).json()
    ids = [{"type": "FLOW_ID", "flowId": f["id"]} for f in listing["results"]]
    full = requests.post(
        f"{portal.url}/automation/v4/flows/batch/read", json={"inputs": ids}, headers=h, timeout=5
    ).json()
    return list(full["results"])


def test_criteria_workflows_lifecycle(cli: Cli, portal: PortalEnv) -> None:
    # many runs against one portal within seconds: lift the burst limit (tested elsewhere)
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}},
        timeout=5,
    )
    assert cli("apply", BP, *on(portal), "--yes").exit_code == 0
    made = {
        f["customProperties"]["hsjapan_key"]: f
        for f in flows(portal)
        if f["customProperties"]["hsjapan_key"].startswith("criteria_")
    }
    assert len(made) == 6 and all(f["isEnabled"] for f in made.values())
    total = len(flows(portal))  # with the follow-up rules' workflows
    ringi = made["criteria_jp_enterprise_jp_ringi"]
    assert ringi["revisionId"] == "2"  # created disabled, verified, then enabled
    assert cli("plan", BP, *on(portal), "--detailed-exitcode").exit_code == 0

    # someone switches the workflow off and lowers the task priority in HubSpot
    h = {"Authorization": f"Bearer {portal.token}"}
    body = {
        k: v
        for k, v in ringi.items()
        if k
        not in (
            "id",
            "uuid",
            "createdAt",
            "updatedAt",
            "objectTypeId",
            "flowType",
            "dataSources",
            "nextAvailableActionId",
        )
    }
    body["isEnabled"] = False
    body["actions"][0]["fields"]["priority"] = "LOW"
    r = requests.put(
        f"{portal.url}/automation/v4/flows/{ringi['id']}", json=body, headers=h, timeout=5
    )
    assert r.status_code == 200, r.text

    plan = json.loads(cli("plan", BP, *on(portal), "--format", "json").stdout)
    (change,) = plan["changes"]
    assert (change["action"], change["kind"], change["key"]) == (
        "update",
        "workflow",
        "deals/criteria_jp_enterprise_jp_ringi",
    )
    assert "enabled: False → True" in change["details"]
    assert 'step 1 (create task): priority "LOW" → "HIGH"' in change["details"]
    text = cli("plan", BP, *on(portal)).stdout
    assert "~ workflow deals/criteria_jp_enterprise_jp_ringi" in text
    assert "enabled: False → True" in text

    assert cli("apply", BP, *on(portal), "--yes").exit_code == 0
    assert cli("plan", BP, *on(portal), "--detailed-exitcode").exit_code == 0
    assert len(flows(portal)) == total  # updated in place, never a second copy

    # a workflow HubSpot users made is never touched; an orphaned hs-japan one is reported
    mine = {**body, "name": "hand made", "customProperties": {}}
    mine.pop("revisionId")
    for extra in ({"objectTypeId": "0-3", "flowType": "WORKFLOW", "dataSources": []},):
        mine.update(extra)
    assert (
        requests.post(
            f"{portal.url}/automation/v4/flows", json=mine, headers=h, timeout=5
        ).status_code
        == 201
    )
    # an orphaned rule workflow is only reported (rules are deleted by a tombstone) …
    old_rule = {**mine, "name": "old rule", "customProperties": {"hsjapan_key": "rule_old"}}
    requests.post(f"{portal.url}/automation/v4/flows", json=old_rule, headers=h, timeout=5)
    # … but a generated stage-criteria workflow whose source is gone goes with it
    orphan = {**mine, "name": "old", "customProperties": {"hsjapan_key": "criteria_old"}}
    requests.post(f"{portal.url}/automation/v4/flows", json=orphan, headers=h, timeout=5)
    plan_text = cli("plan", BP, *on(portal), "--detailed-exitcode")
    assert plan_text.exit_code == 2, plan_text.stdout + plan_text.stderr
    assert "note: workflow deals/rule_old" in plan_text.stdout
    assert "- workflow deals/criteria_old" in plan_text.stdout
    assert "1 to delete" in plan_text.stdout and "--allow-destroy" in plan_text.stdout
    refused = cli("apply", BP, *on(portal), "--yes")
    assert refused.exit_code != 0 and len(flows(portal)) == total + 3
    assert cli("apply", BP, *on(portal), "--yes", "--allow-destroy").exit_code == 0
    assert len(flows(portal)) == total + 2  # the hand-made one and the rule stay
    assert cli("plan", BP, *on(portal), "--detailed-exitcode").exit_code == 0
