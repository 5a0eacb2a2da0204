"""List identity over HTTP (emulator): hs-japan records the id of every list it creates or
adopts in a hidden contact property, so a list renamed in the blueprint without
``renamed_from`` or named in another language is updated in place, never duplicated."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from hs_japan.reserved import LIST_IDS
from tests.conftest import CliResult, PortalEnv
from tests.helpers import write_blueprint
from tests.integration.test_lists import BP, lists_named, on

Cli = Callable[..., CliResult]
NAME = "name: {ja: 類似ターゲット, en: Look-alike targets}"


def id_property(portal: PortalEnv) -> dict[str, Any]:
    found = requests.get(
        f"{portal.url}/crm/v3/properties/contacts/{LIST_IDS}",
        headers={"Authorization": f"Bearer {portal.token}"},
        timeout=5,
    )
    found.raise_for_status()
    return dict(found.json())


def recorded(portal: PortalEnv) -> dict[str, Any]:
    return dict(json.loads(id_property(portal)["description"]))


def list_id(portal: PortalEnv, name: str) -> int:
    found = portal.sdk().crm.lists.lists_api.get_by_name(list_name=name, object_type_id="0-2")
    return int(found.list.list_id)


def converged(cli: Cli, bp: Path, portal: PortalEnv, *more: str) -> bool:
    plan = cli("plan", str(bp), *on(portal), *more, "--detailed-exitcode")
    return bool(plan.exit_code == 0)


def test_a_list_renamed_in_the_blueprint_without_renamed_from_is_renamed_in_place(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    first = list_id(portal, "類似ターゲット")
    prop = id_property(portal)
    assert prop["hidden"] is True and prop["groupName"] == "contactinformation"
    assert recorded(portal) == {"companies": {"jp_targets": first}}

    (bp / "b.yaml").write_text(BP.replace(NAME, "name: {ja: 類似企業, en: Look-alikes}"))
    plan = cli("plan", str(bp), *on(portal), "--format", "json")
    changes = json.loads(plan.stdout)["changes"]
    assert [(c["action"], c["key"], c["before"], c["after"]) for c in changes] == [
        ("update", "companies/jp_targets", {"name": "類似ターゲット"}, {"name": "類似企業"})
    ]
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert lists_named(portal) == ["類似企業"]  # one list: the same one, renamed
    assert list_id(portal, "類似企業") == first
    assert converged(cli, bp, portal)


def test_a_language_switch_with_a_new_name_finds_the_list_by_its_recorded_id(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    first = list_id(portal, "類似ターゲット")
    # English profile, and both names changed too: no name of the blueprint's is the
    # list's name any more (a language switch alone is also found by the other name)
    (bp / "b.yaml").write_text(BP.replace(NAME, "name: {ja: 類似企業, en: Look-alikes}"))
    plan = cli("plan", str(bp), *on(portal), "--language", "en", "--detailed-exitcode")
    assert plan.exit_code == 2 and "~ list companies/jp_targets" in plan.stdout, plan.stdout
    assert "0 to create" in plan.stdout
    assert cli("apply", str(bp), *on(portal), "--yes", "--language", "en").exit_code == 0
    assert lists_named(portal) == ["Look-alikes"] and list_id(portal, "Look-alikes") == first
    assert converged(cli, bp, portal, "--language", "en")
    # and back to Japanese: the same list again
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert lists_named(portal) == ["類似企業"] and list_id(portal, "類似企業") == first
    assert converged(cli, bp, portal)


def test_a_recorded_list_deleted_by_hand_is_created_again_and_the_record_corrected(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    first = list_id(portal, "類似ターゲット")
    portal.sdk().crm.lists.lists_api.remove(str(first))  # someone deletes it in HubSpot
    plan = cli("plan", str(bp), *on(portal))
    assert "+ list companies/jp_targets" in plan.stdout, plan.stdout
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    again = list_id(portal, "類似ターゲット")
    assert again != first and recorded(portal) == {"companies": {"jp_targets": again}}
    assert converged(cli, bp, portal)


def test_a_list_found_by_name_is_adopted_and_a_tombstone_forgets_it(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    mine = list_id(portal, "類似ターゲット")
    # a record that names another blueprint's list, and not this one (a portal written
    # before hs-japan recorded ids): still converged, found by name
    patch_description(portal, '{"contacts":{"someone_elses":5}}')
    assert converged(cli, bp, portal)
    # the next apply (here: a second list) adopts it; the other entry is kept
    second = "  - {key: jp_more, object: companies, name: {ja: 追加リスト}, processing: MANUAL}\n"
    (bp / "b.yaml").write_text(BP + second, encoding="utf-8")
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    more = list_id(portal, "追加リスト")
    assert recorded(portal) == {
        "companies": {"jp_more": more, "jp_targets": mine},
        "contacts": {"someone_elses": 5},
    }
    assert converged(cli, bp, portal)

    gone = BP.replace("    filters:\n", "    absent: true\n    filters:\n", 1)
    (bp / "b.yaml").write_text(gone + second, encoding="utf-8")
    assert cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy").exit_code == 0
    assert lists_named(portal) == ["追加リスト"]
    assert recorded(portal) == {"companies": {"jp_more": more}, "contacts": {"someone_elses": 5}}


def patch_description(portal: PortalEnv, text: str) -> None:
    requests.patch(
        f"{portal.url}/crm/v3/properties/contacts/{LIST_IDS}",
        json={"description": text},
        headers={"Authorization": f"Bearer {portal.token}"},
        timeout=5,
    ).raise_for_status()


def test_a_hand_edited_map_with_garbage_is_a_note_and_apply_writes_it_again(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    mine = list_id(portal, "類似ターゲット")
    patch_description(portal, "lists: 類似ターゲット (edited by hand)")
    plan = cli("plan", str(bp), *on(portal))
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    notes = [line for line in plan.stdout.splitlines() if LIST_IDS in line and "not JSON" in line]
    assert len(notes) == 1, plan.stdout
    assert "Traceback" not in plan.stdout + plan.stderr
    assert "+ list" not in plan.stdout  # still found, by name
    # the next apply writes the record again (here: a filter changed by hand is restored)
    (bp / "b.yaml").write_text(BP.replace("gte: 300", "gte: 301"), encoding="utf-8")
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert recorded(portal) == {"companies": {"jp_targets": mine}}
    assert LIST_IDS not in cli("plan", str(bp), *on(portal)).stdout  # no note any more
    assert converged(cli, bp, portal)


def test_lost_answers_to_the_map_writes_are_resolved_by_reading(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    faults = f"{portal.url}/_emulator/portals/{portal.portal_id}/faults"

    def lose_once(method: str, path: str) -> None:
        rule = {"kind": "lost_response", "method": method, "path": path, "times": 1}
        requests.put(faults, json={"faults": [rule]}, timeout=5).raise_for_status()

    def fired() -> int:
        got = requests.get(faults, timeout=5).json()["faults"]
        requests.put(faults, json={"faults": []}, timeout=5)
        return sum(int(f["fired"]) for f in got)

    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    # the one POST to this path: the map's create (properties go in batches, groups apart)
    lose_once("POST", "/crm/v3/properties/{objectType}")
    done = cli("apply", str(bp), *on(portal), "--yes")
    assert fired() == 1 and done.exit_code == 0, done.stdout + done.stderr
    first = list_id(portal, "類似ターゲット")
    # the next apply creates the list again and PATCHes the map: lose that answer
    portal.sdk().crm.lists.lists_api.remove(str(first))
    lose_once("PATCH", "/crm/v3/properties/{objectType}/{propertyName}")
    again = cli("apply", str(bp), *on(portal), "--yes")
    assert fired() == 1 and again.exit_code == 0, again.stdout + again.stderr
    assert recorded(portal) == {"companies": {"jp_targets": list_id(portal, "類似ターゲット")}}
    assert converged(cli, bp, portal)


def test_the_map_write_is_journaled(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    (journal,) = (tmp_path / "state" / "journal" / str(portal.portal_id)).glob("*.jsonl")
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    ours = [e for e in events if e.get("key") == f"contacts/{LIST_IDS}"]
    assert [e["event"] for e in ours] == ["intent", "done"]
    assert ours[0]["after"]["record"] == {
        "companies/jp_targets": str(list_id(portal, "類似ターゲット"))
    }
    # after the list's own write
    list_done = next(
        i
        for i, e in enumerate(events)
        if e["event"] == "done" and e["key"] == "companies/jp_targets"
    )
    assert events.index(ours[0]) > list_done


def test_the_property_is_reserved_for_validate_and_never_exported(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    named = (
        "version: 1\nproperties:\n  - object: contacts\n    name: hsjapan_list_ids\n"
        "    label: {ja: x}\n    type: string\n    field_type: text\n"
        "    group: contactinformation\n"
    )
    bad = write_blueprint(tmp_path / "bad", {"p.yaml": named})
    refused = cli("validate", str(bad))
    assert refused.exit_code == 1 and "p.yaml:4" in refused.stderr, refused.stderr
    assert "hs-japan's record of the ids of its lists" in refused.stderr
    assert "Traceback" not in refused.stderr

    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    out = tmp_path / "export"
    exported = cli("export", *on(portal), "--out", str(out))
    assert exported.exit_code == 0, exported.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.yaml")))
    assert "類似ターゲット" in text and LIST_IDS not in text
