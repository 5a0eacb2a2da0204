"""Stage criteria compiled to HubSpot workflows (pure; validated against the v4 schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hs_japan import flowdiff
from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.compile import compile_blueprint
from hs_japan.criteria_flows import criteria_flows
from hs_japan.resources import Kind
from tests.helpers import DEFAULT_BLUEPRINT, OPENAPI, require_spec

SPEC = OPENAPI / "automation-v4.json"


def types_of(bp_path: Path) -> Any:
    state = compile_blueprint(load_blueprint(bp_path))

    def lookup(name: str) -> str | None:
        res = state.snapshot.get(Kind.PROPERTY, f"deals/{name}")
        return None if res is None else res.attrs.get("type")

    return lookup


def flows() -> dict[str, dict[str, Any]]:
    return criteria_flows(load_blueprint(DEFAULT_BLUEPRINT), "ja", types_of(DEFAULT_BLUEPRINT))


def test_one_flow_per_stage_with_criteria_and_the_checks_it_makes() -> None:
    made = flows()
    assert "deals/criteria_jp_enterprise_jp_ringi" in made
    assert "deals/criteria_jp_enterprise_jp_first_meeting" not in made  # nothing to check
    ringi = made["deals/criteria_jp_enterprise_jp_ringi"]
    root = ringi["enrollmentCriteria"]["listFilterBranch"]
    assert root["filterBranchType"] == "OR"
    branches = [[f["property"] for f in b["filters"]] for b in root["filterBranches"]]
    # in the stage AND (ringi status empty | not one of circulating/approved); no duplicate
    assert branches == [["dealstage", "jp_ringi_status"], ["dealstage", "jp_ringi_status"]]
    ops = [b["filters"][1]["operation"] for b in root["filterBranches"]]
    assert {(o["operationType"], o["operator"]) for o in ops} == {
        ("ALL_PROPERTY", "IS_UNKNOWN"),
        ("ENUMERATION", "IS_NONE_OF"),
    }
    task = ringi["actions"][0]
    assert task["actionTypeId"] == "0-3"
    assert task["fields"]["owner_assignment"]["value"]["propertyName"] == "hubspot_owner_id"
    assert ringi["customProperties"] == {"hsjapan_key": "criteria_jp_enterprise_jp_ringi"}
    assert "connection" not in task  # the last action has no connection key (§6.4)


def test_exit_criteria_of_the_previous_stage_are_checked_on_entry() -> None:
    discovery = flows()["deals/criteria_jp_enterprise_jp_discovery"]
    props = {
        b["filters"][1]["property"]
        for b in discovery["enrollmentCriteria"]["listFilterBranch"]["filterBranches"]
    }
    assert props == {"jp_target_fy"}  # first meeting's exit criteria


def test_every_flow_validates_against_the_automation_v4_schema() -> None:
    from openapi_schema_validator import OAS30Validator

    require_spec(SPEC)
    spec = json.loads(SPEC.read_text())
    schema = {"$ref": "#/components/schemas/ApiFlowCreateRequest", "components": spec["components"]}
    validator = OAS30Validator(schema)
    for key, flow in flows().items():
        body = {**flow}
        # the published schema types action ``fields`` values as objects, but HubSpot's
        # own flows hold strings there (NOTES §6.4): check everything else strictly
        body["actions"] = [{**a, "fields": {}} for a in flow["actions"]]
        errors = sorted(validator.iter_errors(body), key=str)
        assert not errors, f"{key}: {errors[0].message}"


def test_words_for_changes() -> None:
    flow = flows()["deals/criteria_jp_enterprise_jp_ringi"]
    changed = json.loads(json.dumps(flow))
    changed["isEnabled"] = False
    changed["actions"][0]["fields"]["priority"] = "LOW"
    lines = flowdiff.describe(flow, changed)
    assert "enabled: True → False" in lines
    assert 'step 1 (create task): priority "HIGH" → "LOW"' in lines
    echoed = {**flow, "id": "9", "revisionId": "4", "updatedAt": "x"}
    assert flowdiff.canonical(echoed) == flowdiff.canonical(flow)
