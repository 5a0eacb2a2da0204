"""The pure diff: what changes, what is left alone, and in which order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.compile import DesiredState, compile_blueprint
from hs_japan.plan.diff import check_references, plan_changes
from hs_japan.plan.model import Action, Risk
from hs_japan.portal.read import group_resource, pipeline_resources, property_resource
from hs_japan.resources import Kind, PortalInfo, PortalState, Snapshot
from tests.helpers import SMALL, write_blueprint


def desired_from(tmp_path: Path, text: str = SMALL) -> DesiredState:
    return compile_blueprint(load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": text})))


def prop(name: str, **over: Any) -> dict[str, Any]:
    base = {
        "name": name,
        "label": "色",
        "type": "enumeration",
        "fieldType": "select",
        "groupName": "jp_test_group",
        "description": "",
        "hidden": False,
        "formField": False,
        "options": [
            {"value": "red", "label": "赤", "displayOrder": 0, "hidden": False},
            {"value": "blue", "label": "青", "displayOrder": 1, "hidden": False},
        ],
        "updatedAt": "2026-01-01T00:00:00.000Z",
    }
    return {**base, **over}


def portal_with(*resources: Any) -> Snapshot:
    snap = Snapshot()
    for r in resources:
        snap.add(r)
    return snap


def converged_portal() -> Snapshot:
    pipeline = {
        "id": "jp_test_pipe",
        "label": "テスト商談",
        "displayOrder": 0,
        "stages": [
            {
                "id": "jp_t_open",
                "label": "開始",
                "displayOrder": 0,
                "metadata": {"probability": "0.2", "isClosed": "false"},
            },
            {
                "id": "jp_t_won",
                "label": "受注",
                "displayOrder": 1,
                "metadata": {"probability": "1.0", "isClosed": "true"},
            },
        ],
    }
    return portal_with(
        group_resource("deals", {"name": "jp_test_group", "label": "テスト", "displayOrder": 3}),
        property_resource("deals", prop("jp_color")),
        *pipeline_resources("deals", pipeline),
    )


def test_empty_portal_plans_creates_in_dependency_order(tmp_path: Path) -> None:
    changes = plan_changes(desired_from(tmp_path), Snapshot())
    assert [(c.action, c.kind, c.key) for c in changes] == [
        (Action.CREATE, Kind.PROPERTY_GROUP, "deals/jp_test_group"),
        (Action.CREATE, Kind.PROPERTY, "deals/jp_color"),
        (Action.CREATE, Kind.PIPELINE, "deals/jp_test_pipe"),
        (Action.CREATE, Kind.STAGE, "deals/jp_test_pipe/jp_t_open"),
        (Action.CREATE, Kind.STAGE, "deals/jp_test_pipe/jp_t_won"),
    ]
    stage = changes[3].after
    assert stage == {"label": "開始", "displayOrder": 0, "metadata": {"probability": "0.2"}}


def test_converged_portal_plans_nothing_and_ignores_server_fields(tmp_path: Path) -> None:
    # displayOrder of the group is not in the blueprint: unmanaged, not a change
    assert plan_changes(desired_from(tmp_path), converged_portal()) == []


def test_drift_is_exactly_the_attribute_that_moved(tmp_path: Path) -> None:
    actual = converged_portal()
    relabelled = pipeline_resources(
        "deals",
        {
            "id": "jp_test_pipe",
            "label": "テスト商談",
            "displayOrder": 0,
            "stages": [
                {
                    "id": "jp_t_open",
                    "label": "Opened by hand",
                    "displayOrder": 0,
                    "metadata": {"probability": "0.20"},
                }
            ],
        },
    )
    for r in relabelled:
        actual.add(r)
    (change,) = plan_changes(desired_from(tmp_path), actual)
    assert (change.action, change.key) == (Action.UPDATE, "deals/jp_test_pipe/jp_t_open")
    assert change.before == {"label": "Opened by hand"}
    assert change.after == {"label": "開始"}
    assert change.risk is Risk.SAFE


def test_option_added_by_hand_is_removed_as_destructive_update(tmp_path: Path) -> None:
    actual = converged_portal()
    extra = prop("jp_color")
    extra["options"] = [
        *extra["options"],
        {"value": "green", "label": "緑", "displayOrder": 2, "hidden": False},
    ]
    actual.add(property_resource("deals", extra))
    (change,) = plan_changes(desired_from(tmp_path), actual)
    assert change.action is Action.UPDATE and change.key == "deals/jp_color"
    assert set(change.after or {}) == {"options"}
    assert change.risk is Risk.DESTRUCTIVE
    assert "green" in change.reasons[0]


def test_create_only_field_is_a_destructive_replace(tmp_path: Path) -> None:
    text = SMALL.replace(
        "    group: jp_test_group\n    options:",
        "    group: jp_test_group\n    unique: true\n    options:",
    )
    (change,) = plan_changes(desired_from(tmp_path, text), converged_portal())
    assert change.action is Action.REPLACE
    assert change.before == {"hasUniqueValue": False} and change.after == {"hasUniqueValue": True}
    assert change.risk is Risk.DESTRUCTIVE


def test_unmanaged_resources_are_untouched_and_tombstones_delete(tmp_path: Path) -> None:
    actual = converged_portal()
    actual.add(property_resource("deals", prop("someone_elses", groupName="dealinformation")))
    actual.add(property_resource("deals", prop("jp_old")))
    desired = desired_from(
        tmp_path,
        SMALL.replace(
            "properties:\n", "properties:\n  - {object: deals, name: jp_old, absent: true}\n"
        ),
    )
    (change,) = plan_changes(desired, actual)
    assert (change.action, change.key, change.risk) == (
        Action.DELETE,
        "deals/jp_old",
        Risk.DESTRUCTIVE,
    )


def test_stage_delete_is_folded_into_pipeline_delete(tmp_path: Path) -> None:
    desired = desired_from(
        tmp_path,
        """
        pipelines:
          - {object: deals, id: jp_test_pipe, absent: true}
    """,
    )
    changes = plan_changes(desired, converged_portal())
    assert [(c.action, c.key) for c in changes] == [(Action.DELETE, "deals/jp_test_pipe")]


def test_deletes_run_after_builds_in_reverse_dependency_order(tmp_path: Path) -> None:
    desired = desired_from(
        tmp_path,
        """
        property_groups:
          - {object: deals, name: jp_test_group, absent: true}
          - {object: deals, name: jp_new_group, label: New}
        properties:
          - {object: deals, name: jp_color, absent: true}
    """,
    )
    changes = plan_changes(desired, converged_portal())
    assert [(c.action, c.key) for c in changes] == [
        (Action.CREATE, "deals/jp_new_group"),
        (Action.DELETE, "deals/jp_color"),
        (Action.DELETE, "deals/jp_test_group"),
    ]


def state_of(snapshot: Snapshot) -> PortalState:
    return PortalState(PortalInfo(1, "SANDBOX"), snapshot)


def test_references_checked_against_blueprint_and_portal(tmp_path: Path) -> None:
    desired = desired_from(
        tmp_path,
        SMALL.replace(
            "group: jp_test_group\n    options", "group: jp_nowhere\n    options"
        ).replace("required_properties: [jp_color]", "required_properties: [jp_missing]"),
    )
    problems = [str(p) for p in check_references(desired, state_of(Snapshot()))]
    assert any(
        "properties[0].group: property group 'jp_nowhere' does not exist for deals" in p
        for p in problems
    )
    assert any(
        "pipelines[0].stages[0].exit.required_properties: unknown deals property 'jp_missing'" in p
        for p in problems
    )


def test_hubspot_defined_properties_are_never_planned(tmp_path: Path) -> None:
    actual = converged_portal()
    actual.add(
        property_resource(
            "deals", prop("dealname", hubspotDefined=True, groupName="dealinformation")
        )
    )
    desired = desired_from(
        tmp_path,
        """
        properties:
          - {object: deals, name: dealname, absent: true}
    """,
    )
    (problem,) = check_references(desired, state_of(actual))
    assert "deals/dealname is HubSpot-defined" in str(problem)


def test_stage_id_taken_by_another_pipeline(tmp_path: Path) -> None:
    actual = converged_portal()
    for r in pipeline_resources(
        "deals",
        {
            "id": "other",
            "label": "Other",
            "stages": [
                {
                    "id": "jp_t_won",
                    "label": "W",
                    "displayOrder": 0,
                    "metadata": {"probability": "1.0"},
                }
            ],
        },
    ):
        actual.add(r)
    problems = [str(p) for p in check_references(desired_from(tmp_path), state_of(actual))]
    assert any(
        "stage id 'jp_t_won' is already used by deals pipeline 'other'" in p for p in problems
    )


@pytest.mark.parametrize("group", ["dealinformation", "jp_test_group"])
def test_group_delete_refused_while_it_holds_properties(tmp_path: Path, group: str) -> None:
    actual = converged_portal()
    desired = desired_from(
        tmp_path,
        f"""
        property_groups:
          - {{object: deals, name: {group}, absent: true}}
    """,
    )
    (problem,) = check_references(desired, state_of(actual))
    text = str(problem)
    if group == "dealinformation":
        assert "HubSpot-defined" in text
    else:
        assert "still holds properties jp_color" in text
