"""Words people read (issue 16): task bodies of the stage-criteria workflows show property
and option labels in the workflow's language, never internal names."""

from __future__ import annotations

import re

from hs_japan.blueprint import load_blueprint
from hs_japan.criteria_flows import Labels, _not_in_words, criteria_flows
from tests.helpers import DEFAULT_BLUEPRINT
from tests.unit.test_criteria_flows import types_of


def _internal_names() -> set[str]:
    bp = load_blueprint(DEFAULT_BLUEPRINT)
    names: set[str] = set()
    for spec, _ in bp.properties:
        names.add(spec.name)
        # option values that are not also ordinary words of a label
        names.update(o.value for o in spec.options or [] if "_" in o.value)
    return names


def test_task_bodies_show_labels_never_internal_names() -> None:
    bp = load_blueprint(DEFAULT_BLUEPRINT)
    internal = _internal_names()
    for language in ("ja", "en"):
        flows = criteria_flows(bp, language, types_of(DEFAULT_BLUEPRINT))
        assert flows
        for key, flow in flows.items():
            body = flow["actions"][0]["fields"]["body"]
            words = set(re.findall(r"[a-z0-9_]+", body))
            assert not words & internal, f"{key} ({language}): {sorted(words & internal)}"
    ja = criteria_flows(bp, "ja", types_of(DEFAULT_BLUEPRINT))
    body = ja["deals/criteria_jp_enterprise_jp_ringi"]["actions"][0]["fields"]["body"]
    assert "- 「稟議状況」が「回覧中」、「決裁済(内示)」のいずれでもない" in body
    en = criteria_flows(bp, "en", types_of(DEFAULT_BLUEPRINT))
    body = en["deals/criteria_jp_enterprise_jp_ringi"]["actions"][0]["fields"]["body"]
    assert '- Ringi status is not one of "In circulation", "Approved (naiji)"' in body


def test_option_labels_follow_the_picklist_not_the_condition() -> None:
    """The words do not depend on the order a condition lists its values in, so a blueprint
    exported from the portal (values sorted) compiles to the same task body."""
    labels = Labels(load_blueprint(DEFAULT_BLUEPRINT))
    one = labels.values("jp_ringi_status", ["approved", "circulating"])
    other = labels.values("jp_ringi_status", ["circulating", "approved"])
    assert one == other
    words = _not_in_words(labels.prop("jp_ringi_status"), one)
    assert words["en"].startswith("Ringi status is not one of ")
    # a property the blueprint does not define: HubSpot's label, or the name as a last resort
    assert Labels().prop("amount") == {"ja": "金額", "en": "Amount"}


def test_nested_changes_are_told_path_by_path() -> None:
    """Enrollment criteria and list filters: one line per changed path, in words, never
    two truncated JSON blobs (issue 16)."""
    import json

    from hs_japan import flowdiff
    from hs_japan.plan.model import Action, Change
    from hs_japan.plan.render import _attr_lines
    from hs_japan.resources import Kind

    bp = load_blueprint(DEFAULT_BLUEPRINT)
    flow = criteria_flows(bp, "en", types_of(DEFAULT_BLUEPRINT))[
        "deals/criteria_jp_enterprise_jp_ringi"
    ]
    changed = json.loads(json.dumps(flow))
    branches = changed["enrollmentCriteria"]["listFilterBranch"]["filterBranches"]
    branches[1]["filters"][1]["operation"]["values"] = ["approved"]
    branches.append(json.loads(json.dumps(branches[0])))
    branches[-1]["filters"][1]["property"] = "jp_budget_status"
    lines = flowdiff.describe(flow, changed)
    assert "trigger (enrollment criteria) changed:" in lines
    assert (
        "  listFilterBranch › branch 2 › filter jp_ringi_status › operation › values: "
        '- "circulating"' in lines
    )
    assert (
        '  listFilterBranch › branch 3: added AND branch: dealstage IS_ANY_OF ["jp_ringi"] '
        "AND jp_budget_status IS_UNKNOWN" in lines
    )
    assert not any("…" in line for line in lines)

    old = [
        {"property": "jp_icp_fit", "operationType": "ENUMERATION", "operator": "IS_ANY_OF",
         "values": ["a", "b"]},
        {"property": "size", "operationType": "NUMBER", "operator": "IS_GREATER_THAN_OR_EQUAL_TO",
         "value": 300},
    ]  # fmt: skip
    new = [{**old[0], "values": ["a", "b", "c"]}, {**old[1], "value": 1000}]
    change = Change(
        Action.UPDATE,
        Kind.LIST,
        "companies/jp_icp",
        {"filters": old},
        {"filters": new},
    )
    assert _attr_lines(change) == [
        "filters:",
        '  filter jp_icp_fit IS_ANY_OF › values: + "c"',
        "  filter size IS_GREATER_THAN_OR_EQUAL_TO › value: 300 → 1000",
    ]
    created = Change(Action.CREATE, Kind.LIST, "companies/jp_icp", None, {"filters": old})
    assert _attr_lines(created)[1] == '  + jp_icp_fit IS_ANY_OF ["a", "b"]'


def test_validate_rejects_a_tombstoned_property_a_stage_requires(tmp_path: object) -> None:
    """`validate` (not only plan) refuses a stage that requires a property the same
    blueprint deletes, with the file and line of the requirement (issue 16)."""
    from pathlib import Path

    import pytest

    from hs_japan.errors import BlueprintError
    from tests.helpers import SMALL, write_blueprint

    assert isinstance(tmp_path, Path)
    text = SMALL.replace(
        "    name: jp_color\n    label: {ja: 色, en: Colour}\n    type: enumeration\n"
        "    field_type: select\n    group: jp_test_group\n    options:\n"
        "      - {value: red, label: {ja: 赤, en: Red}}\n"
        "      - {value: blue, label: {ja: 青, en: Blue}}\n",
        "    name: jp_color\n    absent: true\n",
    )
    assert "absent: true" in text
    bp = write_blueprint(tmp_path / "bp", {"bp.yaml": text})
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(bp)
    message = str(caught.value)
    assert "jp_color is marked absent" in message
    assert "stages[0].exit.required_properties[0]" in message
