"""Export a portal to blueprint YAML (round trip: plan of the export is empty) and clone a
portal's setup to another portal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyGroupCreate

from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv, lift_limits, on, with_target
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]


def body_of(path: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8").splitlines()[1:])  # minus the stamp


def test_export_of_an_applied_blueprint_plans_no_change(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    lift_limits(portal)
    assert cli("apply", str(DEFAULT_BLUEPRINT), *on(portal), "--yes").exit_code == 0
    out = tmp_path / "export"
    result = cli("export", *on(portal), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    # 33 + the 2 lead properties; follow-up.yaml 8 + handoff.yaml 5 + the lead cadence;
    # pipelines: deals 2, tickets 1, leads 2 (HubSpot's own and jp_prospecting)
    assert "35 properties" in result.stdout and "14 workflows" in result.stdout
    assert "6 pipelines" in result.stdout and "1 forms" in result.stdout
    assert "2 lists" in result.stdout and "6 stage criteria" in result.stdout
    assert "9 association labels" in result.stdout and "4 validations" in result.stdout
    assert "left out" not in result.stderr
    assert "expected_days" in result.stderr  # what HubSpot cannot hold is named
    names = sorted(p.name for p in out.glob("*.yaml"))
    assert names == [
        "associations.yaml",
        "follow-up.yaml",
        "forms.yaml",
        "groups.yaml",
        "lists.yaml",
        "pipelines.yaml",
        "properties-companies.yaml",
        "properties-contacts.yaml",
        "properties-deals.yaml",
        "properties-leads.yaml",
        "validations.yaml",
    ]
    labels = body_of(out / "associations.yaml")
    assert "決裁者" in labels and "inverse_label:\n    ja: 紹介先" in labels
    assert "rule_type: REGEX" in body_of(out / "validations.yaml")
    rules = body_of(out / "follow-up.yaml")
    assert "stage: jp_closed_won" in rules and "50000" not in rules  # symbolic, no ids
    # the handoff's opportunity rule comes back as the contact rule it was written as
    assert (
        "trigger:\n    property_greater_than:\n      property: num_associated_deals\n"
        "      value: 0" in rules
    )
    assert "hsjapan_apply_lock" not in (out / "groups.yaml").read_text(encoding="utf-8")
    assert "dealname" not in (out / "properties-deals.yaml").read_text(encoding="utf-8")
    pipelines = (out / "pipelines.yaml").read_text(encoding="utf-8")
    assert "criteria_tasks: enabled" in pipelines and "is_set: true" in pipelines
    assert "through: 2029" in rules  # the holiday calendar travels with the rules
    # the lead cadence names its stage by key in the leads pipeline
    assert "pipeline: jp_prospecting\n      stage: jp_lead_attempting" in rules
    assert "object: leads\n  id: jp_prospecting" in pipelines
    form = body_of(out / "forms.yaml")
    assert "key: jp_inquiry" in form and "property: jp_first_touch" in form
    plan = cli("plan", str(out), *on(portal), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    # deterministic: a second export is the same, stamp aside
    again = tmp_path / "again"
    assert cli("export", *on(portal), "--out", str(again)).exit_code == 0
    for path in out.glob("*.yaml"):
        assert body_of(path) == body_of(again / path.name)
    # refuses to overwrite
    refused = cli("export", *on(portal), "--out", str(out))
    assert refused.exit_code == 1 and "--force" in refused.stderr


def test_export_of_hand_made_items_and_stock_pipelines_round_trips(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    sdk = portal.sdk()
    sdk.crm.properties.groups_api.create(
        "deals", PropertyGroupCreate(name="made_by_hand", label="手作業", display_order=3)
    )
    sdk.crm.properties.core_api.create(
        "deals",
        PropertyCreate(
            name="hand_choice",
            label="Choice",
            type="enumeration",
            field_type="radio",
            group_name="made_by_hand",
            description="made in the HubSpot UI",
            options=[
                OptionInput(label="One", value="one", hidden=False, display_order=0),
                OptionInput(label="Two", value="two", hidden=True, display_order=1),
            ],
        ),
    )
    out = tmp_path / "export"
    result = cli("export", *on(portal), "--out", str(out), "--language", "en")
    assert result.exit_code == 0, result.stderr
    text = (out / "pipelines.yaml").read_text(encoding="utf-8")
    assert "id: default" in text and "key: appointmentscheduled" in text
    assert "id: '0'" in text  # the stock ticket pipeline and its numeric stage ids
    plan = cli("plan", str(out), *on(portal), "--detailed-exitcode", "--language", "en")
    assert plan.exit_code == 0, plan.stdout + plan.stderr


def test_clone_to_a_fresh_portal_converges(
    cli: Cli,
    emulator: EmulatorServer,
    portal: PortalEnv,
    tmp_path: Path,
    monkeypatch: object,
) -> None:
    lift_limits(portal)
    assert cli("apply", str(DEFAULT_BLUEPRINT), *on(portal), "--yes").exit_code == 0
    target = emulator.create_portal(account_type="SANDBOX", portal_name="clone target")
    requests.put(
        f"{emulator.url}/_emulator/portals/{target['portalId']}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}},
        timeout=5,
    )
    config = with_target(portal, target, tmp_path, monkeypatch)  # type: ignore[arg-type]
    result = cli(
        "clone",
        "--from",
        "test",
        "--to",
        "target",
        "--config",
        str(config),
        "--yes",
        "--out",
        str(tmp_path / "kept"),
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Clone complete" in result.stdout and "2 lists" in result.stdout
    assert "9 association labels" in result.stdout and "4 validations" in result.stdout
    assert "1 forms" in result.stdout and "6 pipelines" in result.stdout
    h = {"Authorization": f"Bearer {target['token']}"}
    flows = requests.get(f"{emulator.url}/automation/v4/flows", headers=h, timeout=5).json()
    # 14 rules (follow-up.yaml 8, handoff.yaml 5, the lead cadence) and 6 stage-criteria
    # workflows
    assert len(flows["results"]) == 20
    forms = requests.get(f"{emulator.url}/marketing/v3/forms", headers=h, timeout=5).json()
    assert [f["displayOptions"]["cssClass"] for f in forms["results"]] == [
        "hsjapan-form-jp_inquiry"
    ]
    pipes = requests.get(f"{emulator.url}/crm/v3/pipelines/leads", headers=h, timeout=5).json()
    assert "jp_prospecting" in {p["id"] for p in pipes["results"]}
    # the ORIGINAL blueprint plans no change on the clone: nothing HubSpot holds was lost
    original = cli(
        "plan",
        str(DEFAULT_BLUEPRINT),
        "--portal",
        "target",
        "--config",
        str(config),
        "--detailed-exitcode",
    )
    # (the leads pipeline, the lead properties and cadence, and the form included)
    assert original.exit_code == 0, original.stdout + original.stderr
    again = cli(
        "plan",
        str(tmp_path / "kept"),
        "--portal",
        "target",
        "--config",
        str(config),
        "--detailed-exitcode",
    )
    assert again.exit_code == 0, again.stdout


def test_clone_that_drops_something_says_so_and_is_not_complete(
    cli: Cli,
    emulator: EmulatorServer,
    portal: PortalEnv,
    tmp_path: Path,
    monkeypatch: object,
) -> None:
    lift_limits(portal)
    h = {"Authorization": f"Bearer {portal.token}"}
    nested = {  # two AND branches: a shape hs-japan does not write
        "filterBranchType": "OR",
        "filterBranchOperator": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranchOperator": "AND",
                "filterBranches": [],
                "filters": [
                    {
                        "filterType": "PROPERTY",
                        "property": prop,
                        "operation": {
                            "operationType": "ALL_PROPERTY",
                            "operator": "IS_KNOWN",
                            "includeObjectsWithNoValueSet": False,
                        },
                    }
                ],
            }
            for prop in ("email", "firstname")
        ],
    }
    made = requests.post(
        f"{portal.url}/crm/v3/lists",
        json={
            "name": "Hand-made nested list",
            "objectTypeId": "0-1",
            "processingType": "DYNAMIC",
            "filterBranch": nested,
        },
        headers=h,
        timeout=5,
    )
    assert made.status_code == 200, made.text
    target = emulator.create_portal(account_type="SANDBOX", portal_name="clone target 2")
    config = with_target(portal, target, tmp_path, monkeypatch)  # type: ignore[arg-type]
    result = cli("clone", "--from", "test", "--to", "target", "--config", str(config), "--yes")
    assert result.exit_code == 3, result.stdout + result.stderr
    assert "left out: list" in result.stderr and "Hand-made nested list" in result.stderr
    assert "Clone incomplete" in result.stderr
    assert "converged" not in result.stdout + result.stderr
    assert "Clone complete" not in result.stdout


def test_export_and_clone_below_sales_professional_leave_leads_out_and_say_so(
    cli: Cli,
    emulator: EmulatorServer,
    tmp_path: Path,
    monkeypatch: object,
) -> None:
    """A portal whose Sales Hub is below Professional answers 403 for the leads object:
    export leaves leads out and says so (exit 0, everything else exported); clone then
    copies the rest and says it is incomplete (exit 3)."""
    source = emulator.create_portal(
        account_type="SANDBOX", portal_name="starter source", hubs={"sales": "starter"}
    )
    target = emulator.create_portal(account_type="SANDBOX", portal_name="clone target 3")
    config = tmp_path / "two.toml"
    config.write_text(
        f'[portals.src]\nbase_url = "{emulator.url}"\ntoken_env = "HS_JAPAN_SRC"\n'
        f'[portals.target]\nbase_url = "{emulator.url}"\ntoken_env = "HS_JAPAN_TARGET"\n'
    )
    monkeypatch.setenv("HS_JAPAN_SRC", str(source["token"]))  # type: ignore[attr-defined]
    monkeypatch.setenv("HS_JAPAN_TARGET", str(target["token"]))  # type: ignore[attr-defined]
    h = {"Authorization": f"Bearer {source['token']}"}
    refused = requests.get(f"{emulator.url}/crm/v3/pipelines/leads", headers=h, timeout=5)
    assert refused.status_code == 403  # the premise: this portal has no leads
    made = requests.post(
        f"{emulator.url}/crm/v3/properties/deals",
        json={
            "name": "jp_hand_note",
            "label": "メモ",
            "type": "string",
            "fieldType": "text",
            "groupName": "dealinformation",
        },
        headers=h,
        timeout=5,
    )
    assert made.status_code == 201, made.text
    label = requests.post(
        f"{emulator.url}/crm/associations/v4/deals/contacts/labels",
        json={"name": "jp_hand_role", "label": "手作業の役割"},
        headers=h,
        timeout=5,
    )
    assert label.status_code == 200, label.text
    out = tmp_path / "export"
    result = cli("export", "--portal", "src", "--config", str(config), "--out", str(out))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "left out: leads: the portal refuses the leads object" in result.stderr
    # the rest is exported: the stock deal and ticket pipelines, the hand-made property,
    # the deal → contact label (the lead pairs' labels are refused on their own)
    assert "2 pipelines" in result.stdout and "1 properties" in result.stdout
    assert "1 association labels" in result.stdout
    labels = (out / "associations.yaml").read_text(encoding="utf-8")
    assert "from: deals" in labels and "leads" not in labels
    text = (out / "pipelines.yaml").read_text(encoding="utf-8")
    assert "object: deals" in text and "object: leads" not in text
    assert not (out / "properties-leads.yaml").exists()

    cloned = cli("clone", "--from", "src", "--to", "target", "--config", str(config), "--yes")
    assert cloned.exit_code == 3, cloned.stdout + cloned.stderr
    assert "left out: leads" in cloned.stderr and "Clone incomplete" in cloned.stderr
    assert "Clone complete" not in cloned.stdout
    t = {"Authorization": f"Bearer {target['token']}"}
    copied = requests.get(f"{emulator.url}/crm/v3/properties/deals/jp_hand_note", headers=t)
    assert copied.status_code == 200, copied.text
