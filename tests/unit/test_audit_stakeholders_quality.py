"""The audit's pure parts: committee labels matched by text, the stages checked, the
stakeholders per stage, the data-quality problems, the seed's corporate numbers, and the
playbook's checklist and stakeholder map."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest

from hs_japan.audit.data_quality import checks_of, problem_of, quality_findings
from hs_japan.audit.labels import Vocabulary
from hs_japan.audit.metrics import audit
from hs_japan.audit.seed import corporate_number, mistype, spoil_kana
from hs_japan.audit.stakeholders import (
    checked_stages,
    engagement_plan,
    label_names,
    missing_roles,
    roles_by_deal,
    stakeholder_rows,
)
from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.model import PipelineSpec
from hs_japan.jp_checks import corporate_number_problem
from hs_japan.playbook import criteria_properties, render_playbook
from tests.helpers import DEFAULT_BLUEPRINT

BP = load_blueprint(DEFAULT_BLUEPRINT)
PIPELINE = next(pl for pl, _ in BP.pipelines if pl.id == "jp_enterprise")


class _Link:
    def __init__(self, to_id: str, *type_ids: int) -> None:
        self.to_id, self.type_ids = to_id, type_ids


def test_labels_are_matched_by_text_in_either_language_user_defined_only() -> None:
    listing = [
        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None},
        {"category": "USER_DEFINED", "typeId": 1001, "label": "決裁者"},
        {"category": "USER_DEFINED", "typeId": 1003, "label": "champion"},  # en, any case
        {"category": "USER_DEFINED", "typeId": 1005, "label": "Someone else's label"},
        {"category": "HUBSPOT_DEFINED", "typeId": 7, "label": "決裁者"},
    ]
    names = label_names(BP, "deals", "contacts", listing)
    assert names == {1001: "jp_decision_maker", 1003: "jp_champion"}
    assert label_names(BP, "contacts", "deals", listing) == {}  # labels are per pair
    roles = roles_by_deal({"d1": [_Link("c1", 3, 1001), _Link("c2", 3), _Link("c3", 1003)]}, names)
    assert roles == {"d1": ["jp_decision_maker", "", "jp_champion"]}
    assert missing_roles(roles["d1"]) == []
    assert missing_roles(["jp_champion", ""]) == ["jp_decision_maker"]


def test_only_deals_past_evaluation_need_a_decision_maker_and_a_champion() -> None:
    assert checked_stages(PIPELINE) == [
        "jp_consensus",
        "jp_formal_quote",
        "jp_ringi",
        "jp_vendor_registration",
    ]
    deals = [
        {"id": "1", "properties": {"dealstage": "jp_evaluation", "dealname": "A"}},
        {"id": "2", "properties": {"dealstage": "jp_consensus", "dealname": "B"}},
        {"id": "3", "properties": {"dealstage": "jp_ringi", "dealname": "C"}},
    ]
    roles = {"1": [""], "2": ["jp_champion"], "3": ["jp_decision_maker;jp_ringi_drafter", ""]}
    vocab = Vocabulary(BP, PIPELINE, "ja")
    result = audit(deals, PIPELINE, roles, {}, dt.datetime.now(dt.UTC), vocab)
    found = [f for f in result.findings if f.kind == "stakeholders"]
    assert [(f.deal_id, f.facts["missingRoles"]) for f in found] == [
        ("2", ["jp_decision_maker"]),
        ("3", ["jp_champion"]),
    ]
    assert found[0].detail == "「決裁者」がいない" and found[0].deal_name == "B"
    english = audit(
        deals, PIPELINE, roles, {}, dt.datetime.now(dt.UTC), Vocabulary(BP, PIPELINE, "en")
    )
    assert [f.detail for f in english.findings if f.kind == "stakeholders"] == [
        "no Decision maker",
        "no Champion",
    ]


def test_without_an_evaluation_stage_the_late_open_stages_are_checked() -> None:
    pl = PipelineSpec.model_validate(
        {
            "object": "deals",
            "id": "simple",
            "stages": [
                {"key": "s1", "probability": 0.2},
                {"key": "s2", "probability": 0.5},
                {"key": "s3", "probability": 0.8},
                {"key": "won", "probability": 1.0},
                {"key": "lost", "probability": 0.0},
            ],
        }
    )
    assert checked_stages(pl) == ["s2", "s3"]


def test_stakeholder_rows_count_labelled_contacts_and_shares() -> None:
    deals = [
        {"id": "1", "properties": {"dealstage": "jp_consensus"}},
        {"id": "2", "properties": {"dealstage": "jp_consensus"}},
        {"id": "3", "properties": {"dealstage": "jp_closed_lost"}},
    ]
    roles = {"1": ["jp_decision_maker", "jp_champion", ""], "2": ["", "jp_influencer"]}
    rows = {r.key: r for r in stakeholder_rows(deals, PIPELINE, roles, lambda k: k)}
    assert "jp_closed_lost" not in rows and "jp_closed_won" in rows
    row = rows["jp_consensus"]
    assert (row.deals, row.labelled, row.decision_maker, row.champion) == (2, 3, 1, 1)
    assert row.average == 1.5 and row.decision_maker_share == 0.5
    assert rows["jp_ringi"].average is None  # no deals: no average, not zero
    assert row.to_json()["decisionMakerShare"] == 0.5


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("7123456789012", None),  # the NTA's worked example
        ("", None),
        ("123456789012", "quality.digits"),
        ("71234567890123", "quality.digits"),
        ("712345678901X", "quality.digits"),
        ("1123456789012", "quality.check_digit"),
        ("7123456789021", "quality.check_digit"),  # two digits swapped
    ],
)
def test_corporate_number_problems(value: str, problem: str | None) -> None:
    check = next(c for c in checks_of(BP) if c.property == "jp_corporate_number")
    assert check.kind == "corporate_number"
    assert problem_of(check, value) == problem


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        ("ヤマダ", False),
        ("ヴァン　デル", False),
        ("やまだ", True),
        ("ﾔﾏﾀﾞ", True),
        ("Yamada", True),
        ("山田", True),
        ("ヤマ・ダ", True),  # the contact pattern has no middle dot
    ],
)
def test_kana_readings(value: str, bad: bool) -> None:
    check = next(c for c in checks_of(BP) if c.property == "jp_last_name_kana")
    assert check.kind == "kana"
    assert (problem_of(check, value) == "quality.kana") is bad


def test_the_blueprint_checks_and_the_findings_name_record_and_problem() -> None:
    assert {(c.object, c.property, c.kind) for c in checks_of(BP)} == {
        ("companies", "jp_corporate_number", "corporate_number"),
        ("companies", "jp_company_kana", "kana"),
        ("contacts", "jp_last_name_kana", "kana"),
        ("contacts", "jp_first_name_kana", "kana"),
    }
    records = {
        "companies": [
            {
                "id": "12",
                "properties": {"name": "東和精機", "jp_corporate_number": "1123456789012"},
            },
            {"id": "11", "properties": {"name": "北斗電子", "jp_company_kana": "ホクト・デンシ"}},
        ],
        "contacts": [
            {
                "id": "5",
                "properties": {
                    "lastname": "山田",
                    "firstname": "太郎",
                    "jp_first_name_kana": "たろう",
                },
            }
        ],
    }
    found = quality_findings(records, checks_of(BP), Vocabulary(BP, PIPELINE, "en"))
    assert [(f.object, f.record_id, f.record_name, f.problem) for f in found] == [
        ("companies", "12", "東和精機", "quality.check_digit"),
        ("contacts", "5", "山田 太郎", "quality.kana"),
    ]
    assert (
        found[0].detail
        == "Corporate number '1123456789012' has a wrong check digit (a digit was mistyped)"
    )
    ja = quality_findings(records, checks_of(BP), Vocabulary(BP, PIPELINE, "ja"))
    assert ja[1].detail == "名(フリガナ)「たろう」: 全角カタカナではありません"


def test_seed_corporate_numbers_are_valid_and_mistyped_ones_are_not() -> None:
    rng = random.Random(5)
    for _ in range(500):
        number = corporate_number(rng)
        assert corporate_number_problem(number) is None, number
        bad = mistype(number, rng)
        assert len(bad) == 13 and sum(a != b for a, b in zip(bad, number, strict=True)) == 1
        assert corporate_number_problem(bad) is not None, (number, bad)
    assert spoil_kana("ヤマダ", 0) == "やまだ" and spoil_kana("ヤマダ", 1) == "ﾔﾏﾀﾞ"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_checklist_names_every_criteria_property_of_every_stage(lang: str) -> None:
    text = render_playbook(BP, lang)  # type: ignore[arg-type]
    checklist = text[text.index("## 6") :]
    lines = [line for line in checklist.splitlines() if line.startswith("- [ ]")]
    for pl, _ in BP.pipelines:
        label = pl.label.pick(lang) if pl.label else pl.id  # type: ignore[arg-type]
        for st in pl.stages:
            stage = st.label.pick(lang) if st.label else st.key  # type: ignore[arg-type]
            for phase in (st.entry, st.exit):
                for prop in criteria_properties(phase):
                    assert any(
                        label in line and stage in line and f"`{prop}`" in line for line in lines
                    ), (st.key, prop)
    criteria_stages = {
        st.key
        for st in PIPELINE.stages
        if criteria_properties(st.entry) or criteria_properties(st.exit)
    }
    assert len(criteria_stages) == 7  # issue 15 item 7: all seven, not one


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_playbook_says_who_to_engage_by_which_stage(lang: str) -> None:
    text = render_playbook(BP, lang)  # type: ignore[arg-type]
    plan = engagement_plan(BP, PIPELINE, lang)
    assert len(plan) == 7 and all(e.stage and e.why for e in plan)
    for e in plan:
        assert re.search(rf"\| {re.escape(e.label)} \| {re.escape(e.stage_label)} \|", text)
    keys = [s.key for s in PIPELINE.stages]
    assert [keys.index(e.stage) for e in plan] == sorted(keys.index(e.stage) for e in plan)
    dm = next(e for e in plan if e.name == "jp_decision_maker")
    assert dm.stage in checked_stages(PIPELINE) or dm.stage == "jp_consensus"
