"""Association labels and property validation rules end to end: created, drift shown and
repaired, removed by tombstone, and enforced by HubSpot (the emulator) on record writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests

from tests.conftest import CliResult, PortalEnv, http, on
from tests.helpers import DEFAULT_BLUEPRINT, write_blueprint

Cli = Callable[..., CliResult]

BP = """
version: 1
property_groups:
  - {object: companies, name: jp_t, label: {ja: テスト}}
properties:
  - object: companies
    name: jp_corp_no_t
    label: {ja: 法人番号}
    type: string
    field_type: text
    group: jp_t
    pattern: "^[0-9]{13}$"
    max_length: 13
association_labels:
  - {from: deals, to: contacts, name: jp_dm_t, label: {ja: 決裁者, en: Decision maker}}
  - from: companies
    to: companies
    name: jp_intro_t
    label: {ja: 紹介元}
    inverse_label: {ja: 紹介先}
"""


def user_labels(portal: PortalEnv, pair: str) -> dict[str, int]:
    got = http(portal, "GET", f"/crm/associations/v4/{pair}/labels").json()["results"]
    return {r["label"]: r["typeId"] for r in got if r["category"] == "USER_DEFINED"}


def test_labels_and_rules_lifecycle(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    plan = cli("plan", str(bp), *on(portal))
    out = plan.stdout
    assert "+ association_label deals/contacts/jp_dm_t" in out, out + plan.stderr
    assert "+ association_label companies/companies/jp_intro_t" in out
    assert "+ property_validation companies/jp_corp_no_t/REGEX" in out
    assert "+ property_validation companies/jp_corp_no_t/MAX_LENGTH" in out
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
    # both directions carry the label; the company pair shows both texts
    assert "決裁者" in user_labels(portal, "deals/contacts")
    assert "決裁者" in user_labels(portal, "contacts/deals")
    intro = user_labels(portal, "companies/companies")
    assert set(intro) == {"紹介元", "紹介先"}

    # drift: a label deleted by hand, an inverse label renamed, a rule loosened
    dm = user_labels(portal, "deals/contacts")["決裁者"]
    assert (
        http(portal, "DELETE", f"/crm/associations/v4/deals/contacts/labels/{dm}").status_code
        == 204
    )
    body = {"associationTypeId": intro["紹介元"], "label": "紹介元", "inverseLabel": "紹介した会社"}
    assert (
        http(portal, "PUT", "/crm/associations/v4/companies/companies/labels", body).status_code
        == 204
    )
    rule = "/crm/v3/property-validations/0-2/jp_corp_no_t/rule-type/REGEX"
    assert http(portal, "PUT", rule, {"ruleArguments": ["^[0-9]+$"]}).status_code == 204
    drift = cli("plan", str(bp), *on(portal), "--detailed-exitcode")
    assert drift.exit_code == 2, drift.stdout + drift.stderr
    assert "+ association_label deals/contacts/jp_dm_t" in drift.stdout
    assert "~ association_label companies/companies/jp_intro_t" in drift.stdout
    assert '"紹介した会社" → "紹介先"' in drift.stdout
    assert "~ property_validation companies/jp_corp_no_t/REGEX" in drift.stdout
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
    assert set(user_labels(portal, "companies/companies")) == {"紹介元", "紹介先"}

    # a rename in the blueprint renames in place (found by the old text): no second label
    renamed = BP.replace("{ja: 紹介元}", "{ja: 紹介者, en: 紹介元}")
    bp2 = write_blueprint(tmp_path / "bp2", {"b.yaml": renamed})
    plan = cli("plan", str(bp2), *on(portal))
    assert "~ association_label companies/companies/jp_intro_t" in plan.stdout, plan.stdout
    assert cli("apply", str(bp2), *on(portal), "--yes").exit_code == 0
    assert set(user_labels(portal, "companies/companies")) == {"紹介者", "紹介先"}

    # tombstones: destructive, removed only with --allow-destroy
    gone = (
        renamed.replace("inverse_label: {ja: 紹介先}", "absent: true").replace(
            "    max_length: 13\n", ""
        )
        + "property_validations:\n"
        + "  - {object: companies, property: jp_corp_no_t, rule_type: MAX_LENGTH, absent: true}\n"
    )
    bp3 = write_blueprint(tmp_path / "bp3", {"b.yaml": gone})
    plan = cli("plan", str(bp3), *on(portal))
    assert "- association_label companies/companies/jp_intro_t" in plan.stdout, (
        plan.stdout + plan.stderr
    )
    assert "- property_validation companies/jp_corp_no_t/MAX_LENGTH" in plan.stdout
    refused = cli("apply", str(bp3), *on(portal), "--yes")
    assert refused.exit_code != 0 and "--allow-destroy" in refused.stdout + refused.stderr
    assert cli("apply", str(bp3), *on(portal), "--yes", "--allow-destroy").exit_code == 0
    assert cli("plan", str(bp3), *on(portal), "--detailed-exitcode").exit_code == 0
    assert user_labels(portal, "companies/companies") == {}
    rules = http(portal, "GET", "/crm/v3/property-validations/0-2/jp_corp_no_t").json()
    assert [r["ruleType"] for r in rules["results"]] == ["REGEX"]


def test_hubspot_refuses_a_12_digit_corporate_number(cli: Cli, portal: PortalEnv) -> None:
    plan = cli("plan", str(DEFAULT_BLUEPRINT), *on(portal))
    labels = plan.stdout.count("+ association_label ")
    assert (
        labels >= 4 and "+ property_validation companies/jp_corporate_number/REGEX" in plan.stdout
    )
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}},
        timeout=5,
    )
    assert cli("apply", str(DEFAULT_BLUEPRINT), *on(portal), "--yes").exit_code == 0
    bad = http(
        portal,
        "POST",
        "/crm/v3/objects/companies",
        {"properties": {"name": "テスト株式会社", "jp_corporate_number": "123456789012"}},
    )
    assert bad.status_code == 400, bad.text
    assert bad.json()["category"] == "VALIDATION_ERROR"
    assert bad.json()["message"].startswith("Property values were not valid")
    assert "jp_corporate_number" in bad.json()["message"]
    good = http(
        portal,
        "POST",
        "/crm/v3/objects/companies",
        {"properties": {"name": "テスト株式会社", "jp_corporate_number": "1234567890123"}},
    )
    assert good.status_code == 201, good.text
    # an update is checked too
    patched = http(
        portal,
        "PATCH",
        f"/crm/v3/objects/companies/{good.json()['id']}",
        {"properties": {"jp_corporate_number": "12345"}},
    )
    assert patched.status_code == 400


def test_a_deal_contact_association_carries_a_buying_role(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    dm = user_labels(portal, "deals/contacts")["決裁者"]
    deal = http(
        portal,
        "POST",
        "/crm/v3/objects/deals",
        {
            "properties": {
                "dealname": "D",
                "pipeline": "default",
                "dealstage": "appointmentscheduled",
            }
        },
    ).json()
    contact = http(
        portal, "POST", "/crm/v3/objects/contacts", {"properties": {"email": "a@b.jp"}}
    ).json()
    path = f"/crm/v4/objects/deals/{deal['id']}/associations/contacts/{contact['id']}"
    made = http(
        portal, "PUT", path, [{"associationCategory": "USER_DEFINED", "associationTypeId": dm}]
    )
    assert made.status_code == 201, made.text
    assert made.json()["labels"] == ["決裁者"]
    back = http(
        portal, "GET", f"/crm/v4/objects/contacts/{contact['id']}/associations/deals"
    ).json()
    types = back["results"][0]["associationTypes"]
    assert {"category": "USER_DEFINED", "typeId": dm + 1, "label": "決裁者"} in types
