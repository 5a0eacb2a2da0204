"""Follow-up rules end to end: compiled per portal, applied once, one delay change is one
flow update told in words, and nothing is ever created twice."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.conftest import CliResult, PortalEnv, on, portal_flows
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]


def managed(portal: PortalEnv) -> dict[str, dict[str, Any]]:
    return {f["customProperties"]["hsjapan_key"]: f for f in portal_flows(portal)}


def test_rules_apply_once_and_a_delay_change_is_one_update(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}},
        timeout=5,
    )
    bp = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp)
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    flows = managed(portal)
    rules = {k: f for k, f in flows.items() if k.startswith("rule_")}
    # follow-up.yaml's 8 (with the spider's contact rule on companies), handoff.yaml's 5 and
    # pipeline-leads.yaml's cadence
    assert len(rules) == 14
    contact = rules["rule_jp_spider_contact_lookalike"]
    assert contact["type"] == "PLATFORM_FLOW" and contact["objectTypeId"] == "0-2"
    first = contact["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]
    assert first["property"] == "jp_spider_status"
    spider = rules["rule_jp_spider_after_win"]
    trigger = spider["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]
    assert trigger["property"] == "dealstage"
    assert trigger["operation"]["values"] == ["jp_closed_won"]  # this portal's stage id
    call = rules["rule_jp_speed_to_lead_high_intent"]
    assert call["type"] == "CONTACT_FLOW" and call["isEnabled"] is True
    assert call["blockedDates"] and call["timeWindows"][0]["startTime"] == {"hour": 9, "minute": 0}

    # applying again changes nothing and creates nothing
    again = cli("apply", str(bp), *on(portal), "--yes")
    assert again.exit_code == 0 and "No changes" in again.stdout
    assert len(managed(portal)) == len(flows)

    # one delay changed in YAML: exactly one workflow update, described in words
    text = (bp / "follow-up.yaml").read_text(encoding="utf-8")
    (bp / "follow-up.yaml").write_text(
        text.replace(
            "- delay: {days: 7, business_days: true}", "- delay: {days: 5, business_days: true}"
        ),
        encoding="utf-8",
    )
    plan = json.loads(cli("plan", str(bp), *on(portal), "--format", "json").stdout)
    assert [(c["action"], c["kind"], c["key"]) for c in plan["changes"]] == [
        ("update", "workflow", "deals/rule_jp_stalled_evaluation_check")
    ]
    # 7 and 5 business days are the 9 and 7 calendar days they span; the plan says so
    assert plan["changes"][0]["details"] == ["step 1 (delay): 9 days → 7 days"]
    assert any(
        "5 business day(s) → a 7-calendar-day wait" in r or "5営業日" in r
        for r in plan["changes"][0]["reasons"]
    ), plan["changes"][0]["reasons"]
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
    assert len(managed(portal)) == len(flows)


def test_a_rule_naming_a_missing_stage_is_a_located_error(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp)
    text = (bp / "follow-up.yaml").read_text(encoding="utf-8")
    (bp / "follow-up.yaml").write_text(
        text.replace("stage: jp_closed_won}", "stage: jp_closed_wonn}"), encoding="utf-8"
    )
    result = cli("plan", str(bp), *on(portal))
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "follow-up.yaml:" in line and "trigger.stage_entered.stage" in line
    assert "rule 'jp_spider_after_win': no stage 'jp_closed_wonn'" in line


OLD_OPPORTUNITY_RULE = """\
  - key: jp_deal_created_opportunity
    name: {ja: 取引作成で商談(Opportunity)へ, en: Opportunity when a deal is created}
    object: deals
    trigger:
      stage_entered: {pipeline: jp_enterprise, stage: jp_first_meeting}
    skip_holidays: false
    steps:
      - task:
          type: TODO
          subject: {ja: ライフサイクルを商談に, en: Set the contacts to Opportunity}
"""


def test_the_opportunity_rule_is_a_contact_flow_and_moves_from_deals(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    """The handoff's opportunity rule enrols a contact when it gets its first deal
    (num_associated_deals > 0) and sets lifecyclestage = opportunity. A portal that has the
    earlier deal-based version of the rule gets the contact flow and loses the deal flow
    (a flow's object cannot change) in one reviewed, destructive apply."""
    before = _apply_old_opportunity_rule(cli, portal, tmp_path)
    assert before["objectTypeId"] == "0-3"

    plan = cli("plan", str(DEFAULT_BLUEPRINT), *on(portal))
    assert "+ workflow contacts/rule_jp_deal_created_opportunity" in plan.stdout
    assert "- workflow deals/rule_jp_deal_created_opportunity  [destructive]" in plan.stdout
    assert "now enrols contacts, not deals" in plan.stdout + plan.stderr
    refused = cli("apply", str(DEFAULT_BLUEPRINT), *on(portal), "--yes")
    assert refused.exit_code != 0 and "--allow-destroy" in refused.stderr
    done = cli("apply", str(DEFAULT_BLUEPRINT), *on(portal), "--yes", "--allow-destroy")
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "converged" in done.stdout
    after = managed(portal)["rule_jp_deal_created_opportunity"]
    assert after["type"] == "CONTACT_FLOW" and after["objectTypeId"] == "0-1"
    assert after["id"] != before["id"]
    (branch,) = after["enrollmentCriteria"]["listFilterBranch"]["filterBranches"]
    assert branch["filters"] == [
        {
            "filterType": "PROPERTY",
            "property": "num_associated_deals",
            "operation": {
                "operationType": "NUMBER",
                "operator": "IS_GREATER_THAN",
                "value": 0,
                "includeObjectsWithNoValueSet": False,
            },
        }
    ]
    (action,) = after["actions"]
    assert action["actionTypeId"] == "0-5"
    assert action["fields"]["property_name"] == "lifecyclestage"
    assert action["fields"]["value"]["staticValue"] == "opportunity"
    again = cli("plan", str(DEFAULT_BLUEPRINT), *on(portal), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout


def _apply_old_opportunity_rule(cli: Cli, portal: PortalEnv, tmp_path: Path) -> dict[str, Any]:
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}},
        timeout=5,
    )
    old = tmp_path / "old"
    shutil.copytree(DEFAULT_BLUEPRINT, old)
    handoff = (old / "handoff.yaml").read_text(encoding="utf-8")
    start = handoff.index("  - key: jp_deal_created_opportunity")
    (old / "handoff.yaml").write_text(handoff[:start] + OLD_OPPORTUNITY_RULE, encoding="utf-8")
    assert cli("apply", str(old), *on(portal), "--yes").exit_code == 0
    flow: dict[str, Any] = managed(portal)["rule_jp_deal_created_opportunity"]
    return flow


def test_a_moved_rule_loses_its_old_flow_before_the_new_one_is_created(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    """Two flows never carry one marker (a plan refuses such a portal, and a lost
    create's probe finds its flow by marker): the old flow is deleted first."""
    before = _apply_old_opportunity_rule(cli, portal, tmp_path)
    log_url = f"{portal.url}/_emulator/portals/{portal.portal_id}/requests"
    requests.delete(log_url, timeout=5)
    done = cli("apply", str(DEFAULT_BLUEPRINT), *on(portal), "--yes", "--allow-destroy")
    assert done.exit_code == 0, done.stdout + done.stderr
    log = requests.get(log_url, timeout=5).json()["results"]
    calls = [(r["method"], r["path"]) for r in log]
    deleted = calls.index(("DELETE", f"/automation/v4/flows/{before['id']}"))
    created = [i for i, c in enumerate(calls) if c == ("POST", "/automation/v4/flows")]
    assert len(created) == 1 and created[0] > deleted, calls


def test_a_stop_between_a_moved_rules_delete_and_create_converges(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    """A run that stopped after deleting the old flow (before the create) leaves no flow
    for the rule: the next plan creates it, and needs no --allow-destroy."""
    before = _apply_old_opportunity_rule(cli, portal, tmp_path)
    requests.delete(
        f"{portal.url}/automation/v4/flows/{before['id']}",
        headers={"Authorization": f"Bearer {portal.token}"},
        timeout=5,
    ).raise_for_status()
    plan = cli("plan", str(DEFAULT_BLUEPRINT), *on(portal))
    assert "+ workflow contacts/rule_jp_deal_created_opportunity" in plan.stdout
    assert "deals/rule_jp_deal_created_opportunity" not in plan.stdout
    done = cli("apply", str(DEFAULT_BLUEPRINT), *on(portal), "--yes")
    assert done.exit_code == 0, done.stdout + done.stderr
    assert managed(portal)["rule_jp_deal_created_opportunity"]["objectTypeId"] == "0-1"
    again = cli("plan", str(DEFAULT_BLUEPRINT), *on(portal), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout
