"""Plans made with no server: hand-built portal facts -> resolve -> diff (issue 13 item 2).

Lists and workflows need portal facts (property types, list definitions, flows found by
marker); here they are given as plain JSON keyed by the reads the kinds declare.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.model import Blueprint
from hs_japan.engine import plan_from_facts
from hs_japan.errors import BlueprintError
from hs_japan.kinds import Facts, Read
from hs_japan.kinds import lists as list_kind
from hs_japan.kinds.pipelines import listing as pipeline_listing
from hs_japan.kinds.properties import listing as property_listing
from hs_japan.kinds.resolve import followups, late_needs, needs, resolve
from hs_japan.kinds.workflows import FLOWS, LISTING
from hs_japan.lists import filter_branch
from hs_japan.plan.model import Action
from hs_japan.resources import Kind, PortalInfo
from tests.helpers import SMALL, write_blueprint

INFO = PortalInfo(portal_id=42, account_type="SANDBOX", time_zone="Asia/Tokyo")

LISTS_BP = """
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

EMPLOYEES = {
    "name": "numberofemployees",
    "label": "Number of Employees",
    "type": "number",
    "fieldType": "number",
    "groupName": "companyinformation",
    "hubspotDefined": True,
}


def load(tmp_path: Path, text: str) -> Blueprint:
    return load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": text}))


def portal_property(name: str, attrs: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, **attrs, "updatedAt": "2026-01-01T00:00:00Z"}


def company_listing(with_ours: bool) -> dict[str, Any]:
    props = [EMPLOYEES]
    groups: list[dict[str, Any]] = []
    if with_ours:
        groups.append({"name": "jp_icp_t", "label": "ICP", "displayOrder": -1})
        props.append(
            portal_property(
                "jp_fit_t",
                {
                    "label": "適合度",
                    "type": "enumeration",
                    "fieldType": "select",
                    "groupName": "jp_icp_t",
                    "options": [
                        {"value": "a", "label": "A", "displayOrder": 0},
                        {"value": "b", "label": "B", "displayOrder": 1},
                    ],
                },
            )
        )
    return {"groups": groups, "properties": props}


def list_json(name: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "listId": "77",
        "name": name,
        "objectTypeId": "0-2",
        "processingType": "DYNAMIC",
        "filterBranch": filter_branch(filters),
        "updatedAt": "2026-01-02T00:00:00Z",
    }


def test_a_list_is_planned_from_facts_alone(tmp_path: Path) -> None:
    bp = load(tmp_path, LISTS_BP)
    search = list_kind.search(bp, "ja")
    assert search in needs(bp, "ja") and property_listing("companies") in needs(bp, "ja")
    fresh = Facts(INFO, {property_listing("companies"): company_listing(False), search: []})
    # nothing found: no list definitions to read; the recycle bin where jp_fit_t is
    # created; the list-id record, by name (the contacts listing does not show one)
    assert followups(bp, "ja", fresh) == [
        Read("hs_japan.portal.facts:archived_property_names", "companies"),
        Read(list_kind.RECORDED, (("companies/jp_targets",), ())),
    ]
    plan = plan_from_facts(bp, fresh, "ja").plan
    created = {(c.kind.value, c.key): c for c in plan.changes}
    assert [c.action for c in plan.changes] == [Action.CREATE] * 3
    lst = created[("list", "companies/jp_targets")]
    assert lst.after is not None and lst.after["name"] == "類似ターゲット"
    ops = {f["property"]: f["operationType"] for f in lst.after["filters"]}
    assert ops == {"jp_fit_t": "ENUMERATION", "numberofemployees": "NUMBER"}  # types known

    # the portal now holds it: the search finds its id, round 2 reads its definition
    found = {
        search: ["77"],
        property_listing("companies"): company_listing(True),
        property_listing("contacts"): id_map("{}"),  # the record, empty
    }
    round1 = Facts(INFO, found)
    (definitions,) = followups(bp, "ja", round1)
    assert definitions == Read(list_kind.BY_ID, ("77",))
    held = list_json("類似ターゲット", lst.after["filters"])
    # found by name, its id not recorded yet (a portal hs-japan wrote before the id map):
    # converged all the same; the next apply adopts it (records its id)
    by_name = plan_from_facts(bp, round1.merged({definitions: {"77": held}}), "ja")
    assert by_name.plan.empty
    (seen,) = by_name.state.snapshot.of_kind(Kind.LIST)
    assert seen.attrs["listId"] == "77" and seen.attrs["idRecorded"] is False

    # recorded: converged, and found by id even when no name matches any more
    ids = {property_listing("contacts"): id_map('{"companies":{"jp_targets":77}}')}
    recorded = Facts(INFO, {**found, **ids})
    assert followups(bp, "ja", recorded) == [definitions]
    converged = recorded.merged({definitions: {"77": held}})
    assert plan_from_facts(bp, converged, "ja").plan.empty

    # renamed in the blueprint without renamed_from: the search finds nothing, the
    # recorded id still finds it, and it is renamed in place
    renamed = load(tmp_path / "r", LISTS_BP.replace("類似ターゲット", "類似先"))
    none_named = Facts(INFO, {list_kind.search(renamed, "ja"): [], **found, **ids})
    (by_id,) = followups(renamed, "ja", none_named)
    assert by_id == Read(list_kind.BY_ID, ("77",))
    (change,) = plan_from_facts(
        renamed, none_named.merged({by_id: {"77": held}}), "ja"
    ).plan.changes
    assert (change.action, change.before, change.after) == (
        Action.UPDATE,
        {"name": "類似ターゲット"},
        {"name": "類似先"},
    )

    # switched to English: the same list (found by its Japanese name) is renamed in place
    en = Facts(INFO, {list_kind.search(bp, "en"): ["77"], **found, **ids}).merged(
        {definitions: {"77": held}}
    )
    (change,) = plan_from_facts(bp, en, "en").plan.changes
    assert (change.action, change.kind, change.key) == (
        Action.UPDATE,
        Kind.LIST,
        "companies/jp_targets",
    )
    assert change.before == {"name": "類似ターゲット"} and change.after == {
        "name": "Look-alike targets"
    }


def id_map(description: str) -> dict[str, Any]:
    """The contact property listing holding hs-japan's list-id map."""
    prop = {"name": "hsjapan_list_ids", "type": "string", "fieldType": "textarea"}
    return {"groups": [], "properties": [{**prop, "description": description, "hidden": True}]}


def test_a_list_filter_on_an_unknown_property_is_a_located_error(tmp_path: Path) -> None:
    bp = load(tmp_path, LISTS_BP.replace("numberofemployees", "no_such_prop"))
    facts = Facts(
        INFO,
        {property_listing("companies"): company_listing(False), list_kind.search(bp, "ja"): []},
    )
    with pytest.raises(BlueprintError) as err:
        resolve(bp, facts, "ja")
    assert "lists[0].filters[1]" in str(err.value) and "no_such_prop" in str(err.value)


def test_workflows_are_planned_from_facts_alone_and_converge(tmp_path: Path) -> None:
    bp = load(tmp_path, SMALL)  # a stage with exit criteria generates one task workflow
    # the flows listing chooses round 2; the pipelines listing may wait for it
    assert LISTING in needs(bp, "ja") and pipeline_listing("deals") not in needs(bp, "ja")
    assert pipeline_listing("deals") in late_needs(bp, "ja")
    empty = Facts(
        INFO,
        {
            property_listing("deals"): {"groups": [], "properties": []},
            pipeline_listing("deals"): [],
            LISTING: {},
        },
    )
    first = plan_from_facts(bp, empty, "ja")
    flows = [c for c in first.plan.changes if c.kind is Kind.WORKFLOW]
    assert [(c.action, c.key) for c in flows] == [
        (Action.CREATE, "deals/criteria_jp_test_pipe_jp_t_won")
    ]
    assert flows[0].details  # told in words

    # feed the portal back what apply would have written
    desired = first.desired.snapshot
    groups = [{"name": r.name, **r.attrs} for r in desired.of_kind(Kind.PROPERTY_GROUP)]
    props = [portal_property(r.name, dict(r.attrs)) for r in desired.of_kind(Kind.PROPERTY)]
    stages = [
        {
            "id": r.name,
            "label": r.attrs["label"],
            "displayOrder": r.attrs["displayOrder"],
            "metadata": r.attrs["metadata"],
        }
        for r in desired.of_kind(Kind.STAGE)
    ]
    pipelines = [{"id": "jp_test_pipe", "label": "テスト商談", "displayOrder": 0, "stages": stages}]
    flow = dict(flows[0].after or {})
    marker = "criteria_jp_test_pipe_jp_t_won"
    held = {**flow, "id": "501", "revisionId": "3", "objectTypeId": "0-3"}
    round1 = Facts(
        INFO,
        {
            property_listing("deals"): {"groups": groups, "properties": props},
            pipeline_listing("deals"): pipelines,
            LISTING: {"501": "3"},
        },
    )
    (full,) = followups(bp, "ja", round1)
    assert full == Read(FLOWS, ("501",))
    converged = plan_from_facts(bp, round1.merged({full: {marker: held}}), "ja")
    assert converged.plan.empty, [c.key for c in converged.plan.changes]

    # the stage loses its criteria: the generated workflow goes with it (destructive)
    gone = load(
        tmp_path / "2",
        SMALL.replace("        exit:\n          required_properties: [jp_color]\n", ""),
    )
    after = plan_from_facts(gone, round1.merged({full: {marker: held}}), "ja").plan
    assert [(c.action, c.kind, c.key) for c in after.changes] == [
        (Action.DELETE, Kind.WORKFLOW, "deals/" + marker)
    ]
