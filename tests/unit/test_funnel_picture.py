"""The funnel picture (hs-japan graph): text wrapped by measured width at word boundaries
(CJK by character), no line starting with closing punctuation, and a legend for the
badges (issue 16). The layout in a browser is checked in tests/integration/test_design.py."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from hs_japan.blueprint import load_blueprint
from hs_japan.commands.design import funnel_svg, text_width, wrap
from tests.helpers import DEFAULT_BLUEPRINT

NS = "{http://www.w3.org/2000/svg}"


def test_wrap_breaks_between_words_and_cjk_characters() -> None:
    text = "Proposal, evaluation, nemawashi, formal quote, ringi (and vendor registration)"
    lines = wrap(text, 120, 11)
    assert " ".join(lines) == text  # nothing lost, every break at a space
    assert all(text_width(line, 11) <= 120 for line in lines)
    ja = "提案・評価・根回し・正式見積・稟議・内示と口座開設（取引先登録）"
    lines = wrap(ja, 100, 11)
    assert "".join(lines) == ja and len(lines) > 1
    assert all(text_width(line, 11) <= 100 for line in lines)
    assert not any(line[0] in "）)、。・" for line in lines)
    # a word longer than the whole line is the only thing ever cut
    long = wrap("Supercalifragilistic", 40, 11)
    assert "".join(long) == "Supercalifragilistic" and len(long) > 1
    assert all(text_width(line, 11) <= 40 for line in long)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_picture_text_keeps_words_whole_and_explains_badges(lang: str) -> None:
    bp = load_blueprint(DEFAULT_BLUEPRINT)
    root = ElementTree.fromstring(funnel_svg(bp, lang))
    lines = ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    assert all(line.strip() for line in lines)
    assert not any(re.fullmatch(r"\W{1,2}", line) for line in lines)  # no lone ")"
    assert not any(line[0] in ")）、。" for line in lines)
    if lang == "en":
        drawn = set(re.findall(r"[A-Za-z]+", " ".join(lines)))
        for fs, _ in bp.funnel:
            for note in fs.elements.values():
                for word in re.findall(r"[A-Za-z]+", note.pick("en")):
                    assert word in drawn, f"{word!r} was split across lines"
    legend = " ".join(lines)
    assert "✓3 = " in legend
    assert ("凡例" if lang == "ja" else "Legend") in legend


def test_readme_shows_the_pictures_make_pictures_writes() -> None:
    import struct
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in ("funnel.png", "report.png"):
        assert f"](docs/img/{name})" in readme
        data = (root / "docs" / "img" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, _height = struct.unpack(">II", data[16:24])
        assert width == 1400  # as headless Chromium shows it at 1400 px
    assert "scripts/pictures.sh" in (root / "Makefile").read_text(encoding="utf-8")


def _texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)  # well-formed XML, or this raises
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_picture_shows_the_prospecting_cadence_and_the_handoff(lang: str) -> None:
    from hs_japan.playbook import LEADS_WORDS, cadence, day_label, handoff_rules

    bp = load_blueprint(DEFAULT_BLUEPRINT)
    svg = funnel_svg(bp, lang)
    texts = _texts(svg)
    drawn = " ".join(texts)
    assert LEADS_WORDS["cadence"][lang] in texts and LEADS_WORDS["handoff"][lang] in texts
    leads = next(pl for pl, _ in bp.pipelines if pl.object == "leads")
    for st in leads.stages:
        assert st.label is not None and st.label.pick(lang) in texts, st.key
    rule = next(r for r, _ in bp.follow_up_rules if r.object == "leads")
    days = [day_label(stop, lang) for stop in cadence(rule)]
    assert days == (
        ["1日目", "2日目", "4日目", "8日目"]
        if lang == "ja"
        else ["Day 0", "Day 1", "Day 3", "Day 7"]
    )
    assert all(day in texts for day in days)
    assert ("電話" if lang == "ja" else "Call") in texts  # the channel of the tasks
    assert ("狙う役職・部署" if lang == "ja" else "Target role") in drawn  # who to call
    assert "09:00" in drawn and "18:00" in drawn  # JST business hours
    handoff = handoff_rules(bp)
    assert [r.key for r in handoff] == [
        "jp_inbound_owner_rotation",
        "jp_hot_lead_sla",
        "jp_qualified_standard",
        "jp_qualified_high_intent",
        "jp_deal_created_opportunity",
    ]
    # each rule's name in the handoff section, in the order of the handoff (names wrap:
    # compare without spaces)
    tail = "".join(texts[texts.index(LEADS_WORDS["handoff"][lang]) :]).replace(" ", "")
    positions = [tail.find(r.name.pick(lang).replace(" ", "")) for r in handoff]
    assert -1 not in positions, [r.key for r, at in zip(handoff, positions, strict=True) if at < 0]
    assert positions == sorted(positions)
    # what the handoff sets, in words: lifecycle lead → SQL (HubSpot's labels, not values)
    assert ("「リード」" if lang == "ja" else "'Lead'") in drawn
    assert ("「SQL」" if lang == "ja" else "'Sales qualified lead'") in drawn
    assert "salesqualifiedlead" not in drawn


def test_the_end_stages_of_the_lead_pipeline_are_drawn_apart() -> None:
    from hs_japan.playbook import stage_path

    bp = load_blueprint(DEFAULT_BLUEPRINT)
    leads = next(pl for pl, _ in bp.pipelines if pl.object == "leads")
    path, ends = stage_path(leads)
    assert [s.key for s in path] == ["jp_lead_new", "jp_lead_attempting", "jp_lead_connected"]
    assert [s.key for s in ends] == ["jp_lead_qualified", "jp_lead_disqualified"]
    root = ElementTree.fromstring(funnel_svg(bp, "en"))
    children = list(root)
    style = {}  # stage label → its box's look (the rect drawn just before the label)
    for i, el in enumerate(children):
        if el.tag == f"{NS}text" and children[i - 1].tag == f"{NS}rect":
            style["".join(el.itertext())] = children[i - 1].attrib
    for st in [*path, *ends]:
        assert st.label is not None
        dashed = "stroke-dasharray" in style[st.label.en]
        assert dashed == (st in ends), st.key
    assert style["Attempting"].get("stroke-width") == "2.5"  # the cadence starts there
    assert "stroke-width" not in style["New"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_blueprint_without_leads_or_handoff_draws_neither(lang: str, tmp_path: Path) -> None:
    import shutil

    from hs_japan.commands.design import GRAPH_WORDS
    from hs_japan.playbook import LEADS_WORDS

    bp_dir = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp_dir)
    (bp_dir / "handoff.yaml").unlink()
    (bp_dir / "pipeline-leads.yaml").unlink()
    texts = _texts(funnel_svg(load_blueprint(bp_dir), lang))
    drawn = " ".join(texts)
    assert LEADS_WORDS["cadence"][lang] not in texts
    assert LEADS_WORDS["handoff"][lang] not in texts
    for key in ("legend_end", "legend_cadence", "legend_handoff", "when", "then"):
        assert GRAPH_WORDS[key][lang][:12] not in drawn, key
    assert ("初回面談" if lang == "ja" else "First meeting") in texts  # the deals are drawn
    # and the full blueprint draws what this one leaves out
    full = " ".join(_texts(funnel_svg(load_blueprint(DEFAULT_BLUEPRINT), lang)))
    assert GRAPH_WORDS["legend_handoff"][lang][:12] in full


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_playbook_shows_the_stakeholder_map_the_cadence_and_the_handoff(lang: str) -> None:
    """The playbook says what the picture draws: who to engage by which stage, the lead
    pipeline's path and ends, the cadence day by day, and the handoff rules with what
    they set, in HubSpot's words."""
    from hs_japan.playbook import handoff_rules, lead_rules, render_playbook

    bp = load_blueprint(DEFAULT_BLUEPRINT)
    text = render_playbook(bp, lang)
    ja = lang == "ja"
    assert ("## 関係者マップ" if ja else "## Stakeholder map") in text
    assert (
        "| 決裁者 | 社内合意形成(根回し) |" if ja else "| Decision maker | Internal consensus"
    ) in text
    assert (
        "新規 → アプローチ中 → 接続済 → 商談化 / 対象外"
        if ja
        else "New → Attempting → Connected → Qualified / Disqualified"
    ) in text
    cadence = text[text.index("\n## 新規開拓:" if ja else "\n## Prospecting:") + 1 :]
    cadence = cadence[: cadence.index("\n## ")]
    days = ["1日目", "2日目", "4日目", "8日目"] if ja else ["Day 0", "Day 1", "Day 3", "Day 7"]
    positions = [cadence.index(f"**{day}**") for day in days]
    assert positions == sorted(positions)
    assert cadence.count("営業日 → " if ja else "business day(s) →") == 0  # one note, not four
    assert ("暦日の待機(1 → 1, 2 → 2, 4 → 4日)" if ja else "(1 → 1, 2 → 2, 4 → 4 days)") in cadence
    handoff = text[text.index("## マーケティングから営業" if ja else "## Handoff from") :]
    handoff = handoff[: handoff.index("\n## ")]
    for rule in handoff_rules(bp):
        assert f"**{rule.name.pick(lang)}**" in handoff
    # HubSpot's own properties by their labels, values by theirs; the "no owner yet" test
    assert "salesqualifiedlead'" not in handoff and "「salesqualifiedlead」" not in handoff
    assert (
        "ライフサイクルステージ (`lifecyclestage`)を「SQL」" if ja else "'Sales qualified lead'"
    ) in handoff
    assert (
        "担当者 (`hubspot_owner_id`)が未入力" if ja else "Owner (`hubspot_owner_id`) is empty"
    ) in handoff
    assert ("コンタクトの初回接点" if ja else "When a contact's First touch") in handoff
    # the rules section lists the other rules once and points up to these two sections
    rules = text[text.index("## 4. フォローアップ" if ja else "## 4. Follow-up rules") :]
    rules = rules[: rules.index("\n## ")]
    shown_above = [*handoff_rules(bp), *lead_rules(bp)]
    assert not any(f"**{r.name.pick(lang)}**" in rules for r in shown_above)
    assert f"({len(shown_above)}" in rules
    assert all(
        f"**{r.name.pick(lang)}**" in rules for r, _ in bp.follow_up_rules if r not in shown_above
    )


def test_cadence_days_add_up_the_waits() -> None:
    from hs_japan.blueprint.model import FollowUpRuleSpec
    from hs_japan.playbook import cadence, day_label, wait_label

    def task(subject: str) -> dict[str, object]:
        return {"task": {"type": "CALL", "subject": {"ja": subject, "en": subject}}}

    rule = FollowUpRuleSpec.model_validate(
        {
            "key": "jp_x",
            "name": {"ja": "x", "en": "x"},
            "object": "leads",
            "trigger": {"stage_entered": {"pipeline": "p", "stage": "s"}},
            "steps": [
                task("a"),
                task("b"),
                {"delay": {"days": 2, "business_days": True}},
                {"delay": {"minutes": 30}},
                {"delay": {"hours": 2}},
                task("c"),
                {"delay": {"days": 1}},  # a wait with nothing after it draws nothing
            ],
        }
    )
    stops = cadence(rule)
    assert [len(s.steps) for s in stops] == [2, 1]
    assert [day_label(s, "en") for s in stops] == ["Day 0", "Day 2 +2 hours 30 minutes"]
    assert [day_label(s, "ja") for s in stops] == ["1日目", "3日目 +2時間30分"]
    assert wait_label(stops[1], "en") == "+2 business days +30 minutes +2 hours"
    assert wait_label(stops[0], "en") == ""
