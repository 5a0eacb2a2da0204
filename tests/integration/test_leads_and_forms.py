"""The leads prospecting pipeline, the form kind, handoff and qualification rules, over HTTP
against the emulator: the default Japan blueprint creates a leads pipeline and a form and
converges; a form's drift is shown and repaired, a rename keeps its identity, a tombstone
deletes it; a portal without leads gets one doctor finding saying how to switch it off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import CliResult, PortalEnv, http, lift_limits, on, portal_flows
from tests.helpers import DEFAULT_BLUEPRINT, write_blueprint

Cli = Callable[..., CliResult]
BP = str(DEFAULT_BLUEPRINT)


def forms(portal: PortalEnv, archived: bool = False) -> list[dict[str, Any]]:
    got = http(portal, "GET", f"/marketing/v3/forms?archived={str(archived).lower()}")
    assert got.status_code == 200, got.text
    return list(got.json()["results"])


def test_default_blueprint_creates_leads_pipeline_form_and_rules(
    cli: Cli, portal: PortalEnv
) -> None:
    lift_limits(portal)
    first = cli("plan", BP, *on(portal), "--detailed-exitcode")
    assert first.exit_code == 2, first.stdout + first.stderr
    out = first.stdout
    assert "+ pipeline leads/jp_prospecting" in out
    assert "+ stage leads/jp_prospecting/jp_lead_disqualified" in out
    assert "+ property leads/jp_disqualification_reason" in out
    assert "+ form forms/jp_inquiry" in out
    assert "+ workflow leads/rule_jp_lead_first_contact_cadence" in out
    assert "+ workflow contacts/rule_jp_inbound_owner_rotation" in out
    applied = cli("apply", BP, *on(portal), "--yes")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert "converged" in applied.stdout
    assert cli("plan", BP, *on(portal), "--detailed-exitcode").exit_code == 0

    # the pipeline, as HubSpot lists it
    pipes = http(portal, "GET", "/crm/v3/pipelines/leads").json()["results"]
    mine = next(p for p in pipes if p["id"] == "jp_prospecting")
    assert [s["label"] for s in mine["stages"]] == [
        "新規",
        "アプローチ中",
        "接続済",
        "商談化",
        "対象外",
    ]

    # the form: 姓 → 名, furigana, 正式社名, optional 法人番号, the first-touch choice
    (form,) = forms(portal)
    assert form["displayOptions"]["cssClass"] == "hsjapan-form-jp_inquiry"
    fields = [f for g in form["fieldGroups"] for f in g["fields"]]
    names = [f["name"] for f in fields]
    assert names[:6] == [
        "lastname",
        "firstname",
        "jp_last_name_kana",
        "jp_first_name_kana",
        "jp_legal_name",
        "jp_corporate_number",
    ]
    by_name = {f["name"]: f for f in fields}
    assert (
        by_name["jp_legal_name"]["objectTypeId"] == "0-2" and by_name["jp_legal_name"]["required"]
    )
    assert not by_name["jp_corporate_number"]["required"]
    touch = by_name["jp_first_touch"]
    assert touch["fieldType"] == "radio" and touch["required"]
    assert [o["value"] for o in touch["options"]] == ["shiryo_seikyu", "free_consultation"]
    assert form["configuration"]["language"] == "ja"

    # the cadence: call day 0, email day 1, call day 3, call + letter day 7, JST hours
    flows = {f["customProperties"].get("hsjapan_key"): f for f in portal_flows(portal)}
    cadence = flows["rule_jp_lead_first_contact_cadence"]
    assert cadence["objectTypeId"] == "0-136"
    trigger = cadence["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]
    assert trigger["property"] == "hs_pipeline_stage"
    assert trigger["operation"]["values"] == ["jp_lead_attempting"]
    kinds = [(a["actionTypeId"], a["fields"].get("task_type")) for a in cadence["actions"]]
    assert kinds == [
        ("0-3", "CALL"),
        ("0-1", None),
        ("0-3", "EMAIL"),
        ("0-1", None),
        ("0-3", "CALL"),
        ("0-1", None),
        ("0-3", "CALL"),
        ("0-3", "TODO"),
    ]
    delays = [a["fields"]["delta"] for a in cadence["actions"] if a["actionTypeId"] == "0-1"]
    assert delays == ["1", "2", "4"]  # business days 1, 3, 7 after day 0 (no weekend inside)
    first_call = cadence["actions"][0]["fields"]["body"]
    assert "対象" in first_call and "お忙しいところ恐れ入ります" in first_call
    assert {w["day"] for w in cadence["timeWindows"]} == {
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
    }
    # handoff: rotation to the listed owner's user id, then lifecycle stage lead
    rotation = flows["rule_jp_inbound_owner_rotation"]
    owners = http(portal, "GET", "/crm/v3/owners").json()["results"]
    user_id = next(str(o["userId"]) for o in owners if o["email"] == "owner@example.com")
    assert rotation["actions"][0]["actionTypeId"] == "0-11"
    assert rotation["actions"][0]["fields"]["user_ids"] == [user_id]
    assert rotation["actions"][1]["fields"]["property_name"] == "lifecyclestage"
    unset = rotation["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][1]
    assert unset["property"] == "hubspot_owner_id"
    assert unset["operation"]["operator"] == "IS_UNKNOWN"
    # qualification: 4 of 5 = five combinations, each AND the lead source
    standard = flows["rule_jp_qualified_standard"]["enrollmentCriteria"]["listFilterBranch"]
    assert len(standard["filterBranches"]) == 5
    high = flows["rule_jp_qualified_high_intent"]["enrollmentCriteria"]["listFilterBranch"]
    assert len(high["filterBranches"]) == 10  # 3 of 5
    for branch in standard["filterBranches"]:
        ticked, source = branch["filters"]
        assert ticked["operation"]["operator"] == "CONTAINS_ALL"
        assert len(ticked["operation"]["values"]) == 4
        assert source["property"] == "jp_first_touch"
    sla = flows["rule_jp_hot_lead_sla"]
    assert sla["actions"][0]["fields"] == {"delta": "1", "time_unit": "HOURS"}


FORM_BP = """
version: 1
forms:
  - key: jp_t
    name: {ja: テストフォーム, en: Test form}
    fields:
      - {property: lastname, label: {ja: 姓}, required: true}
      - {property: firstname, label: {ja: 名}, required: true}
      - {property: email, type: email, label: {ja: メール}, required: true}
"""


def test_form_drift_rename_tombstone(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"f.yaml": FORM_BP})
    plan = cli("plan", str(bp), *on(portal))
    assert "+ form forms/jp_t" in plan.stdout, plan.stdout + plan.stderr
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
    (form,) = forms(portal)
    form_id = form["id"]

    # drift: someone makes 名 optional and renames the form in HubSpot
    form["fieldGroups"][1]["fields"][0]["required"] = False
    changed = {k: form[k] for k in ("fieldGroups", "name")}
    changed["name"] = "手で変えた名前"
    assert http(portal, "PATCH", f"/marketing/v3/forms/{form_id}", changed).status_code == 200
    drift = cli("plan", str(bp), *on(portal), "--detailed-exitcode")
    assert drift.exit_code == 2
    assert "~ form forms/jp_t" in drift.stdout, drift.stdout
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    (form,) = forms(portal)
    assert form["id"] == form_id and form["name"] == "テストフォーム"
    assert form["fieldGroups"][1]["fields"][0]["required"] is True

    # a rename in the blueprint: the same form (found by its key), updated in place
    renamed = write_blueprint(
        tmp_path / "bp2", {"f.yaml": FORM_BP.replace("テストフォーム", "新しい名前")}
    )
    plan = cli("plan", str(renamed), *on(portal))
    assert "~ form forms/jp_t" in plan.stdout and "+ form" not in plan.stdout, plan.stdout
    assert cli("apply", str(renamed), *on(portal), "--yes").exit_code == 0
    (form,) = forms(portal)
    assert form["id"] == form_id and form["name"] == "新しい名前"

    # tombstone: deleted (archived in HubSpot), a destructive change
    gone = write_blueprint(
        tmp_path / "bp3",
        {"f.yaml": "version: 1\nforms:\n  - {key: jp_t, name: 新しい名前, absent: true}\n"},
    )
    plan = cli("plan", str(gone), *on(portal))
    assert "- form forms/jp_t" in plan.stdout, plan.stdout + plan.stderr
    applied = cli("apply", str(gone), *on(portal), "--yes", "--allow-destroy")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert forms(portal) == []
    assert [f["id"] for f in forms(portal, archived=True)] == [form_id]
    assert cli("plan", str(gone), *on(portal), "--detailed-exitcode").exit_code == 0


def test_form_with_unknown_property_is_a_located_error(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bad = FORM_BP.replace("property: email", "property: no_such_prop")
    bp = write_blueprint(tmp_path / "bp", {"f.yaml": bad})
    got = cli("plan", str(bp), *on(portal))
    assert got.exit_code == 1
    assert "f.yaml:" in got.stderr and "unknown contacts property 'no_such_prop'" in got.stderr
    assert "Traceback" not in got.stderr


def test_doctor_names_the_leads_tier_and_how_to_switch_it_off(
    cli: Cli, emulator: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    created = emulator.create_portal(
        account_type="SANDBOX", portal_name="starter", hubs={"sales": "starter"}
    )
    config = tmp_path / "hs-japan.toml"
    config.write_text(f'[portals.test]\nbase_url = "{emulator.url}"\ntoken_env = "HS_T_LEADS"\n')
    monkeypatch.setenv("HS_T_LEADS", str(created["token"]))
    got = cli("doctor", BP, "--portal", "test", "--config", str(config))
    assert got.exit_code != 0
    text = got.stdout + got.stderr
    lines = [ln for ln in text.splitlines() if "leads prospecting pipeline" in ln]
    assert len(lines) == 1, text
    assert "Sales Hub Professional" in lines[0]
    assert "pipeline-leads.yaml" in text


def test_playbook_shows_the_cadence_and_the_handoff(cli: Cli, tmp_path: Path) -> None:
    for lang, words in (
        (
            "ja",
            (
                "## 新規開拓:初回接触の手順",
                "## マーケティングから営業への引き継ぎ",
                "お忙しいところ",
            ),
        ),
        (
            "en",
            ("## Prospecting: the first-contact cadence", "## Handoff from marketing", "Opening:"),
        ),
    ):
        out = tmp_path / f"playbook-{lang}.md"
        got = cli("docs", BP, "--out", str(out), "--language", lang)
        assert got.exit_code == 0, got.stderr
        text = out.read_text(encoding="utf-8")
        for word in words:
            assert word in text, (lang, word)
        assert ("5項目中4項目以上" if lang == "ja" else "4 of the 5 items") in text


def test_validate_counts_forms(cli: Cli) -> None:
    result = cli("validate", BP)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith("9 association labels, 1 form)"), result.stdout


def test_speed_to_lead_waits_for_the_owner_rotation(cli: Cli, portal: PortalEnv) -> None:
    """The speed-to-lead call task is created after a short wait, so the owner rotation
    the same submission enrols in (handoff.yaml) has assigned an owner first."""
    lift_limits(portal)
    assert cli("apply", BP, *on(portal), "--yes").exit_code == 0
    flows = {
        f["customProperties"]["hsjapan_key"]: f
        for f in portal_flows(portal)
        if (f.get("customProperties") or {}).get("hsjapan_key")
    }
    speed = flows["rule_jp_speed_to_lead_high_intent"]
    rotation = flows["rule_jp_inbound_owner_rotation"]
    first = next(a for a in speed["actions"] if str(a["actionId"]) == str(speed["startActionId"]))
    assert first["actionTypeId"] == "0-1" and first["fields"]["time_unit"] == "MINUTES"
    assert int(first["fields"]["delta"]) >= 1
    # both enrol on the same first-touch values (the rotation also on the low-intent ones)
    values = lambda f: set(  # noqa: E731
        f["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]["operation"][
            "values"
        ]
    )
    assert values(speed) <= values(rotation)
