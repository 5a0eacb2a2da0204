"""Follow-up rules → HubSpot v4 flows (pure): golden JSON per step type, schema, calendar,
resolution errors, and decompiling back to the rule."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.model import FollowUpRuleSpec, HolidayCalendarSpec
from hs_japan.rules import (
    DecompileError,
    RuleContext,
    RuleError,
    blocked_dates,
    compile_rule,
    decompile_flow,
)
from tests.helpers import DEFAULT_BLUEPRINT, OPENAPI, require_spec

GOLDEN = Path(__file__).parents[1] / "golden" / "rules"
SPEC = OPENAPI / "automation-v4.json"
TYPES = {
    ("contacts", "jp_first_touch"): "enumeration",
    ("deals", "jp_ringi_status"): "enumeration",
    ("deals", "jp_note"): "string",
    ("contacts", "jp_lead_status"): "enumeration",
}
OWNERS = {"ana@example.jp": 1001, "ken@example.jp": 1002}


def ctx(**over: Any) -> RuleContext:
    base: dict[str, Any] = {
        "language": "ja",
        "stages": {"jp_enterprise": {"jp_first_meeting", "jp_ringi", "jp_closed_won"}},
        "prop_type": lambda obj, name: TYPES.get((obj, name)),
        "owner_user_id": OWNERS.get,
    }
    base.update(over)
    return RuleContext(**base)


def rule(**data: Any) -> FollowUpRuleSpec:
    return FollowUpRuleSpec.model_validate(data)


STEP_RULES = {
    "delay": rule(
        key="r_delay",
        name="待機",
        object="deals",
        trigger={"stage_entered": {"pipeline": "jp_enterprise", "stage": "jp_ringi"}},
        steps=[{"delay": {"days": 3, "business_days": True}}, {"task": {"subject": "確認"}}],
    ),
    "task": rule(
        key="r_task",
        name={"ja": "電話", "en": "Call"},
        object="contacts",
        trigger={"property_equals": {"property": "jp_first_touch", "in": ["trial"]}},
        business_hours={"start": "09:00", "end": "18:00"},
        steps=[
            {
                "task": {
                    "type": "CALL",
                    "priority": "HIGH",
                    "subject": "電話する",
                    "body": "1時間以内",
                    "due_in": {"hours": 1},
                }
            }
        ],
    ),
    "set_property": rule(
        key="r_set",
        name="状況更新",
        object="contacts",
        trigger={"property_equals": {"property": "jp_first_touch", "equals": "seminar"}},
        steps=[{"set_property": {"property": "jp_lead_status", "value": "working"}}],
    ),
    "notify": rule(
        key="r_notify",
        name="通知",
        object="deals",
        skip_holidays=False,
        trigger={"stage_entered": {"pipeline": "jp_enterprise", "stage": "jp_closed_won"}},
        steps=[{"notify": {"users": ["ana@example.jp"], "subject": "受注", "body": "おめでとう"}}],
    ),
}


@pytest.mark.parametrize("name", sorted(STEP_RULES))
def test_compiled_json_matches_the_golden_file(name: str) -> None:
    flow = compile_rule(STEP_RULES[name], ctx())
    path = GOLDEN / f"{name}.json"
    text = json.dumps(flow, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("HS_JAPAN_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_the_shape_rules_of_notes_6() -> None:
    contact = compile_rule(STEP_RULES["task"], ctx())
    assert contact["type"] == "CONTACT_FLOW" and contact["objectTypeId"] == "0-1"
    assert contact["canEnrollFromSalesforce"] is False and contact["suppressionListIds"] == []
    deal = compile_rule(STEP_RULES["delay"], ctx())
    assert deal["type"] == "PLATFORM_FLOW" and "canEnrollFromSalesforce" not in deal
    first, last = deal["actions"]
    assert first["connection"] == {"edgeType": "STANDARD", "nextActionId": "2"}
    assert "connection" not in last
    # business days need business hours: weekdays 09:00-18:00 JST by default
    assert [w["day"] for w in deal["timeWindows"]] == [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
    ]
    branch = deal["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]
    assert branch["property"] == "dealstage" and branch["operation"]["values"] == ["jp_ringi"]
    assert compile_rule(STEP_RULES["notify"], ctx())["actions"][0]["fields"]["user_ids"] == ["1001"]


def test_business_hours_follow_the_portal_time_zone() -> None:
    flow = compile_rule(STEP_RULES["task"], ctx(portal_time_zone="UTC"))
    assert flow["timeWindows"][0]["startTime"] == {"hour": 0, "minute": 0}  # 09:00 JST


def test_blocked_dates_are_japanese_holidays_and_the_year_end_closing() -> None:
    blocked = blocked_dates(HolidayCalendarSpec(through=2028))
    annual = [(d["month"], d["dayOfMonth"]) for d in blocked if "year" not in d]
    # the year-end closing is sent once, without a year: HubSpot repeats it every year
    assert annual == [
        ("JANUARY", 1),
        ("JANUARY", 2),
        ("JANUARY", 3),
        ("DECEMBER", 29),
        ("DECEMBER", 30),
        ("DECEMBER", 31),
    ]
    dates = {(d["year"], d["month"], d["dayOfMonth"]) for d in blocked if "year" in d}
    assert (2027, "JANUARY", 11) in dates  # Coming of Age Day 2027 (second Monday)
    assert (2027, "MAY", 3) in dates and (2027, "MAY", 5) in dates  # Golden Week holidays
    assert (2026, "NOVEMBER", 23) in dates  # whole years: past days of the span stay
    assert (2028, "NOVEMBER", 23) in dates and (2029, "JANUARY", 14) not in dates
    assert not any(m == "JANUARY" and d == 1 for _y, m, d in dates)  # not twice


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"trigger": {"stage_entered": {"pipeline": "jp_enterprise", "stage": "jp_nope"}}},
            "trigger.stage_entered.stage",
            "no stage 'jp_nope'",
        ),
        (
            {"trigger": {"stage_entered": {"pipeline": "other", "stage": "jp_ringi"}}},
            "trigger.stage_entered.pipeline",
            "no deal pipeline 'other'",
        ),
        (
            {"steps": [{"notify": {"users": ["who@example.jp"], "subject": "x"}}]},
            "steps[0].notify.users[0]",
            "no HubSpot user with email who@example.jp",
        ),
        (
            {"steps": [{"set_property": {"property": "jp_missing", "value": "x"}}]},
            "steps[0].set_property.property",
            "unknown deals property 'jp_missing'",
        ),
    ],
)
def test_unresolved_references_name_the_rule_and_the_missing_thing(
    data: dict[str, Any], field: str, message: str
) -> None:
    base = {
        "key": "r_bad",
        "name": "x",
        "object": "deals",
        "trigger": {"stage_entered": {"pipeline": "jp_enterprise", "stage": "jp_ringi"}},
        "steps": [{"task": {"subject": "x"}}],
    }
    with pytest.raises(RuleError) as info:
        compile_rule(rule(**{**base, **data}), ctx())
    assert info.value.field == field and message in str(info.value) and "r_bad" in str(info.value)


def test_the_japan_rules_validate_against_the_v4_schema() -> None:
    require_spec(SPEC)
    from openapi_schema_validator import OAS30Validator

    spec = json.loads(SPEC.read_text())
    validator = OAS30Validator(
        {"$ref": "#/components/schemas/ApiFlowCreateRequest", "components": spec["components"]}
    )
    types = {
        ("contacts", "jp_first_touch"): "enumeration",
        ("contacts", "num_associated_deals"): "number",
    }
    c = ctx(
        prop_type=lambda obj, name: types.get((obj, name), "enumeration"),
        stages={
            "jp_enterprise": {
                s.key for pl, _ in load_blueprint(DEFAULT_BLUEPRINT).pipelines for s in pl.stages
            }
        },
        # the lead pipeline's stages and the handoff's owner (pipeline-leads.yaml, handoff.yaml)
        lead_stages={
            pl.id: {s.key for s in pl.stages}
            for pl, _ in load_blueprint(DEFAULT_BLUEPRINT).pipelines
            if pl.object == "leads"
        },
        owner_user_id=lambda email: 1,
    )
    rules = load_blueprint(DEFAULT_BLUEPRINT).follow_up_rules
    assert len(rules) >= 6
    for spec_rule, _ in rules:
        flow = compile_rule(spec_rule, c)
        # action ``fields`` values are strings in HubSpot's flows but objects in the
        # published schema (NOTES §6.4): everything else is checked strictly
        body = {**flow, "actions": [{**a, "fields": {}} for a in flow["actions"]]}
        errors = sorted(validator.iter_errors(body), key=str)
        assert not errors, f"{spec_rule.key}: {errors[0].message}"


def owner_email(user_id: int) -> str | None:
    return {v: k for k, v in OWNERS.items()}.get(user_id)


def pipeline_of(stage: str) -> str | None:
    return "jp_enterprise" if stage in ctx().stages["jp_enterprise"] else None


delays = st.sampled_from([{"minutes": 30}, {"hours": 2}, {"days": 3}])
# a task's due time keeps "business days" (daysOfWeek MONDAY-FRIDAY); a delay step cannot
dues = st.sampled_from(
    [
        {"hours": 2},
        {"days": 3},
        {"days": 1, "business_days": True},
        {"days": 7, "business_days": True},
    ]
)
steps = st.one_of(
    delays.map(lambda d: {"delay": d}),
    st.builds(
        lambda s, p, due: {
            "task": {
                "type": "CALL",
                "subject": s,
                "priority": p,
                **({"due_in": due} if due else {}),
            }
        },
        st.text("あいうえおabc", min_size=1, max_size=10),
        st.sampled_from(["LOW", "MEDIUM", "HIGH"]),
        st.one_of(st.none(), dues),
    ),
    st.just({"set_property": {"property": "jp_ringi_status", "value": "approved"}}),
    st.just({"notify": {"users": ["ken@example.jp"], "subject": "件名"}}),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(steps, min_size=1, max_size=5), st.booleans(), st.booleans(), st.booleans())
def test_rule_to_flow_to_rule_is_identity(
    step_list: list[dict[str, Any]], enabled: bool, skip: bool, hours: bool
) -> None:
    data: dict[str, Any] = {
        "key": "r_round",
        "name": "往復",
        "object": "deals",
        "enabled": enabled,
        "skip_holidays": skip,
        "re_enroll": False,
        "trigger": {"stage_entered": {"pipeline": "jp_enterprise", "stage": "jp_ringi"}},
        "steps": step_list,
    }
    if hours:
        data["business_hours"] = {"days": ["MONDAY", "FRIDAY"], "start": "08:30", "end": "17:45"}
    types = {("deals", "jp_ringi_status"): "enumeration"}
    c = ctx(prop_type=lambda o, n: types.get((o, n)), portal_time_zone="America/New_York")
    flow = compile_rule(rule(**data), c)
    back = decompile_flow(flow, owner_email, pipeline_of, "America/New_York")
    assert rule(**back) == rule(**data)


def test_flows_not_made_from_rules_are_reported_not_guessed() -> None:
    flow = compile_rule(STEP_RULES["delay"], ctx())
    with pytest.raises(DecompileError, match="no rule_ marker"):
        decompile_flow({**flow, "customProperties": {}}, owner_email, pipeline_of)
    branching = {**flow, "actions": [{**flow["actions"][0], "type": "STATIC_BRANCH"}]}
    with pytest.raises(DecompileError, match="STATIC_BRANCH"):
        decompile_flow(branching, owner_email, pipeline_of)


def test_qualified_is_one_branch_per_combination_and_the_source() -> None:
    """'3 of 4 ticked' for some sources: C(4,3) = 4 AND branches of CONTAINS_ALL + source."""
    r = rule(
        key="q",
        name="q",
        object="contacts",
        trigger={
            "qualified": {
                "property": "jp_qualification",
                "of": ["a", "b", "c", "d"],
                "at_least": 3,
                "when": {"property": "jp_first_touch", "in": ["trial"]},
            },
            "unset": ["hubspot_owner_id"],
        },
        steps=[{"set_property": {"property": "jp_first_touch", "value": "trial"}}],
    )
    types = {
        ("contacts", "jp_qualification"): "enumeration",
        ("contacts", "jp_first_touch"): "enumeration",
    }
    flow = compile_rule(r, ctx(prop_type=lambda obj, name: types.get((obj, name))))
    branches = flow["enrollmentCriteria"]["listFilterBranch"]["filterBranches"]
    assert len(branches) == 4
    combos = {tuple(b["filters"][0]["operation"]["values"]) for b in branches}
    assert combos == {("a", "b", "c"), ("a", "b", "d"), ("a", "c", "d"), ("b", "c", "d")}
    for b in branches:
        assert b["filters"][0]["operation"]["operator"] == "CONTAINS_ALL"
        assert b["filters"][1]["property"] == "jp_first_touch"
        assert b["filters"][2]["operation"]["operator"] == "IS_UNKNOWN"


def test_lead_stage_trigger_and_unknown_lead_stage() -> None:
    r = rule(
        key="cadence",
        name="c",
        object="leads",
        trigger={"stage_entered": {"pipeline": "jp_prospecting", "stage": "jp_lead_attempting"}},
        steps=[{"task": {"type": "CALL", "subject": "call"}}],
    )
    flow = compile_rule(r, ctx(lead_stages={"jp_prospecting": {"jp_lead_attempting"}}))
    assert flow["objectTypeId"] == "0-136" and flow["type"] == "PLATFORM_FLOW"
    f = flow["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]
    assert f["property"] == "hs_pipeline_stage"
    with pytest.raises(RuleError, match="no lead pipeline 'jp_prospecting'"):
        compile_rule(r, ctx())


OPPORTUNITY = {
    "key": "jp_deal_created_opportunity",
    "name": "取引作成で商談へ",
    "object": "contacts",
    "skip_holidays": False,
    "trigger": {"property_greater_than": {"property": "num_associated_deals", "value": 0}},
    "steps": [{"set_property": {"property": "lifecyclestage", "value": "opportunity"}}],
}


def test_greater_than_is_a_number_filter_and_decompiles_to_the_same_rule() -> None:
    """A contact's first deal: HubSpot's own count num_associated_deals above 0 (known
    without the portal's properties), compiled to NUMBER IS_GREATER_THAN with a JSON
    number (automation-v4.json PublicNumberPropertyOperation), and back."""
    r = rule(**OPPORTUNITY)
    flow = compile_rule(r, ctx())
    assert flow["type"] == "CONTACT_FLOW" and flow["objectTypeId"] == "0-1"
    branches = flow["enrollmentCriteria"]["listFilterBranch"]["filterBranches"]
    assert [b["filters"] for b in branches] == [
        [
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
    ]
    assert flow["actions"][0]["fields"] == {
        "property_name": "lifecyclestage",
        "value": {"type": "STATIC_VALUE", "staticValue": "opportunity"},
    }
    back = decompile_flow(flow, owner_email, pipeline_of)
    assert back["trigger"] == {
        "property_greater_than": {"property": "num_associated_deals", "value": 0}
    }
    assert rule(**back) == r
    # a fraction stays a fraction; unset filters travel with it
    data = {
        **OPPORTUNITY,
        "trigger": {
            "property_greater_than": {"property": "num_associated_deals", "value": 2.5},
            "unset": ["hubspot_owner_id"],
        },
    }
    again = compile_rule(rule(**data), ctx())
    assert rule(**decompile_flow(again, owner_email, pipeline_of)) == rule(**data)


def test_greater_than_needs_a_known_number_property() -> None:
    with pytest.raises(RuleError) as info:
        compile_rule(
            rule(
                **{
                    **OPPORTUNITY,
                    "trigger": {"property_greater_than": {"property": "jp_x", "value": 1}},
                }
            ),
            ctx(),
        )
    assert info.value.field == "trigger.property_greater_than.property"
    assert "unknown contacts property 'jp_x'" in str(info.value)
    with pytest.raises(RuleError, match="needs a number property; 'jp_first_touch' is enumeration"):
        compile_rule(
            rule(
                **{
                    **OPPORTUNITY,
                    "trigger": {
                        "property_greater_than": {"property": "jp_first_touch", "value": 1}
                    },
                }
            ),
            ctx(),
        )
    with pytest.raises(ValueError, match="exactly one of"):
        rule(
            **{
                **OPPORTUNITY,
                "trigger": {
                    "property_greater_than": {"property": "num_associated_deals", "value": 0},
                    "property_equals": {"property": "jp_first_touch", "in": ["trial"]},
                },
            }
        )


def test_other_number_operators_are_reported_not_guessed() -> None:
    flow = compile_rule(rule(**OPPORTUNITY), ctx())
    f = flow["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]
    f["operation"]["operator"] = "IS_LESS_THAN"
    with pytest.raises(DecompileError, match="IS_LESS_THAN"):
        decompile_flow(flow, owner_email, pipeline_of)


@pytest.mark.parametrize("value", ["abc", True, float("nan"), float("inf"), [1], None])
def test_greater_than_takes_one_finite_number(value: Any) -> None:
    """Anything but a finite number is one error on ``value`` (not one per member of the
    int | float union); NaN and infinity are not JSON numbers, so HubSpot cannot take them."""
    from pydantic import ValidationError

    trigger = {"property_greater_than": {"property": "num_associated_deals", "value": value}}
    with pytest.raises(ValidationError) as info:
        rule(**{**OPPORTUNITY, "trigger": trigger})
    errors = info.value.errors()
    assert len(errors) == 1, errors
    assert errors[0]["loc"][-1] == "value"
    assert "a finite number is needed" in errors[0]["msg"]
