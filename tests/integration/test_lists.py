"""Managed lists end to end: created, drift detected and restored, removed on request."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hubspot.crm.lists import ListFilterUpdateRequest

from hs_japan.lists import filter_branch
from tests.conftest import CliResult, PortalEnv, on
from tests.helpers import write_blueprint

Cli = Callable[..., CliResult]

BP = """
version: 1
property_groups:
  - {object: companies, name: jp_icp_t, label: {ja: ICP}}
properties:
  - object: companies
    name: jp_fit_t
    label: {ja: 適合度}
    type: enumeration
    field_type: select
    group: jp_icp_t
    options:
      - {value: a, label: {ja: A}}
      - {value: b, label: {ja: B}}
lists:
  - key: jp_targets
    object: companies
    name: {ja: 類似ターゲット, en: Look-alike targets}
    filters:
      - {property: jp_fit_t, in: [a, b]}
      - {property: numberofemployees, gte: 300}
"""


def test_list_lifecycle(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    plan = cli("plan", str(bp), *on(portal))
    assert "+ list companies/jp_targets" in plan.stdout, plan.stdout + plan.stderr
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    sdk = portal.sdk()
    found = sdk.crm.lists.lists_api.get_by_name(
        list_name="類似ターゲット", object_type_id="0-2", include_filters=True
    )
    list_id = found.list.list_id
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0

    # someone widens the list by hand: the plan shows exactly that, apply restores it
    sdk.crm.lists.lists_api.update_list_filters(
        list_id,
        ListFilterUpdateRequest(
            filter_branch=filter_branch(
                [
                    {
                        "property": "jp_fit_t",
                        "operationType": "ENUMERATION",
                        "operator": "IS_ANY_OF",
                        "values": ["a"],
                    }
                ]
            )
        ),
    )
    drift = json.loads(cli("plan", str(bp), *on(portal), "--format", "json").stdout)
    assert [(c["action"], c["key"]) for c in drift["changes"]] == [
        ("update", "companies/jp_targets")
    ]
    assert len(drift["changes"][0]["after"]["filters"]) == 2
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
    assert sdk.crm.lists.lists_api.get_by_id(list_id).list.list_id == list_id  # same list

    # a misspelt property is a located error before anything is written
    bad = write_blueprint(tmp_path / "bad", {"b.yaml": BP.replace("numberofemployees", "nope")})
    result = cli("plan", str(bad), *on(portal))
    assert result.exit_code == 1 and "b.yaml:" in result.stderr
    assert "unknown property 'nope'" in result.stderr

    # removal only with a tombstone and --allow-destroy
    (bp / "b.yaml").write_text(
        BP.split("lists:")[0]
        + "lists:\n  - {key: jp_targets, object: companies, name: {ja: 類似ターゲット}, "
        "absent: true}\n"
    )
    refused = cli("apply", str(bp), *on(portal), "--yes")
    assert refused.exit_code == 1 and "--allow-destroy" in refused.stderr
    assert cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0


def lists_named(portal: PortalEnv) -> list[str]:
    import requests

    h = {"Authorization": f"Bearer {portal.token}"}
    found = requests.post(
        f"{portal.url}/crm/v3/lists/search",
        json={"offset": 0, "count": 500, "additionalProperties": []},
        headers=h,
        timeout=5,
    ).json()
    return sorted(str(lst["name"]) for lst in found["lists"])


def test_a_renamed_list_is_renamed_not_created_again(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    # the profile's language switched: the list is found by its English name and renamed
    en = cli("plan", str(bp), *on(portal), "--language", "en")
    assert "~ list companies/jp_targets" in en.stdout and "+ list" not in en.stdout, en.stdout
    assert cli("apply", str(bp), *on(portal), "--yes", "--language", "en").exit_code == 0
    assert lists_named(portal) == ["Look-alike targets"]
    # renamed in the blueprint, same key: renamed in place with renamed_from
    renamed = BP.replace(
        "name: {ja: 類似ターゲット, en: Look-alike targets}",
        "name: {ja: 類似企業, en: Look-alikes}\n    renamed_from: [Look-alike targets]",
    )
    (bp / "b.yaml").write_text(renamed, encoding="utf-8")
    plan = cli("plan", str(bp), *on(portal), "--language", "en", "--detailed-exitcode")
    assert plan.exit_code == 2 and "1 to update" in plan.stdout and "0 to create" in plan.stdout
    assert cli("apply", str(bp), *on(portal), "--yes", "--language", "en").exit_code == 0
    assert lists_named(portal) == ["Look-alikes"]
    again = cli("plan", str(bp), *on(portal), "--language", "en", "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout


MANUAL = """
version: 1
lists:
  - {key: jp_hand_picked, object: companies, name: {ja: 手動リスト}, processing: MANUAL}
"""


def test_a_manual_list_converges(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": MANUAL})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    plan = cli("plan", str(bp), *on(portal), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout


def test_a_snapshot_list_filter_change_is_a_replace_not_a_failed_update(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    snapshot = BP.replace("    filters:\n", "    processing: SNAPSHOT\n    filters:\n", 1)
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": snapshot})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    (bp / "b.yaml").write_text(snapshot.replace("gte: 300", "gte: 500"), encoding="utf-8")
    plan = cli("plan", str(bp), *on(portal), "--detailed-exitcode")
    assert plan.exit_code == 2 and "-/+ list companies/jp_targets" in plan.stdout, plan.stdout
    assert "--allow-destroy" in plan.stdout
    refused = cli("apply", str(bp), *on(portal), "--yes")
    assert refused.exit_code != 0
    done = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy")
    assert done.exit_code == 0, done.stdout + done.stderr
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
    assert lists_named(portal) == ["類似ターゲット"]


def test_lost_answers_to_a_list_delete_and_a_workflow_enable_still_converge(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    import requests

    faults = f"{portal.url}/_emulator/portals/{portal.portal_id}/faults"

    def lose_once(method: str, path: str) -> None:
        rule = {"kind": "lost_response", "method": method, "path": path, "times": 1}
        requests.put(faults, json={"faults": [rule]}, timeout=5).raise_for_status()

    def fired() -> int:
        got = requests.get(faults, timeout=5).json()["faults"]
        requests.put(faults, json={"faults": []}, timeout=5)
        return sum(int(f["fired"]) for f in got)

    rule = (
        "follow_up_rules:\n  - key: jp_fit_call\n    name: {ja: 適合企業へ電話}\n"
        "    object: companies\n    trigger:\n"
        "      property_equals: {property: jp_fit_t, in: [a]}\n"
        "    steps:\n      - task: {subject: 電話する, type: CALL}\n"
    )
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP, "r.yaml": "version: 1\n" + rule})
    lose_once("PUT", "/automation/v4/flows/{flowId}")  # the enable after the create
    done = cli("apply", str(bp), *on(portal), "--yes")
    assert fired() == 1
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "converged" in done.stdout
    lose_once("DELETE", "/crm/v3/lists/{listId}")
    gone = BP.replace("    filters:\n", "    absent: true\n    filters:\n", 1)
    (bp / "b.yaml").write_text(gone, encoding="utf-8")
    deleted = cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy")
    assert fired() == 1
    assert deleted.exit_code == 0, deleted.stdout + deleted.stderr
    assert lists_named(portal) == []
