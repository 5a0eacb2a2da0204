"""``hs-japan docs``, ``graph``, ``init`` and ``schema``: the funnel design as documents,
a new configuration repository, and a JSON Schema for editors."""

import json
import shutil
from pathlib import Path
from typing import Any

from hs_japan.errors import ConfigError
from hs_japan.ui import UI

TEMPLATES = ("japan-enterprise",)
SCHEMA_FILE = "blueprint.schema.json"

HS_JAPAN_TOML = """# hs-japan portal profiles. Tokens never go in this file: each profile names the
# environment variable that holds its private-app token (see README: scopes).

[portals.sandbox]
base_url = "https://api.hubapi.com"
token_env = "HS_JAPAN_SANDBOX_TOKEN"
account_type = "SANDBOX"          # refuse a token for any other kind of account
language = "ja"

[portals.production]
base_url = "https://api.hubapi.com"
token_env = "HS_JAPAN_PRODUCTION_TOKEN"
account_type = "STANDARD"
language = "ja"
# portal_id = 12345678            # pin it: a token for another portal is refused
# apply asks for --confirm-portal <id> on production unless confirm_production = false
"""

GITIGNORE = """# hs-japan local state (embedded portal, journals) and saved plans
.hs-japan/
*.plan.json
plan.json
"""

WORKFLOW = """# Validate the blueprint and check the sandbox for drift on every pull request.
name: hs-japan
on:
  pull_request:
  workflow_dispatch:
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      # hs-japan is not on PyPI: install exactly the build `hs-japan init` pinned
      # (a wheel vendored into this repository, or a git URL fixed to one commit)
      - run: pip install "{package}"
      - run: hs-japan validate blueprint
      - name: plan against the sandbox (exit 2 = changes to review)
        run: hs-japan plan blueprint --portal sandbox --format markdown --detailed-exitcode
        env:
          HS_JAPAN_SANDBOX_TOKEN: ${{ secrets.HS_JAPAN_SANDBOX_TOKEN }}
"""


def pinned_package(directory: Path) -> str:
    """What the CI template installs: a wheel of this very hs-japan vendored into the new
    repository (from a source checkout), else the git commit it was installed from. Never
    a bare package name that someone else could register on a package index."""
    import importlib.metadata
    import subprocess
    import sys

    from hs_japan.errors import ConfigError

    root = Path(__file__).resolve().parents[3]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and 'name = "hs-japan"' in pyproject.read_text(encoding="utf-8"):
        vendor = directory / "vendor"
        vendor.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(vendor), str(root)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        wheels = sorted(vendor.glob("hs_japan-*.whl"))
        if done.returncode == 0 and wheels:
            return f"./vendor/{wheels[-1].name}"
        raise ConfigError(
            "could not build a wheel of hs-japan to vendor "
            f"({(done.stderr or done.stdout).strip().splitlines()[-1:]}); pass --package"
        )
    try:
        direct = json.loads(
            importlib.metadata.distribution("hs-japan").read_text("direct_url.json") or "{}"
        )
    except importlib.metadata.PackageNotFoundError:
        direct = {}
    vcs = direct.get("vcs_info") or {}
    if direct.get("url") and vcs.get("commit_id"):
        return f"hs-japan @ {vcs.get('vcs', 'git')}+{direct['url']}@{vcs['commit_id']}"
    raise ConfigError(
        "cannot tell where this hs-japan was installed from; pass --package with a pinned "
        "git URL (hs-japan @ git+https://…@<commit>) or a wheel path for the CI template"
    )


def template_dir(name: str) -> Path:
    """The packaged template (``hs_japan/templates/<name>``), or the repository's
    ``blueprints/<name>`` in a source checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates" / name, here.parents[1] / "blueprints" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(name)


def blueprint_schema() -> dict[str, Any]:
    """JSON Schema of one blueprint file (version + the section lists)."""
    from pydantic import create_model

    from hs_japan.blueprint.load import SECTIONS

    fields: dict[str, Any] = {"version": (int, 1)}
    for section, model in SECTIONS.items():
        fields[section] = (list[model] | None, None)  # type: ignore[valid-type]
    file_model = create_model("BlueprintFile", **fields)
    schema = file_model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "hs-japan blueprint file (format v1)"
    schema["additionalProperties"] = False
    return schema


# -- the funnel picture (hs-japan graph) ---------------------------------------------------
FONT = "'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif"
# advance widths in em of Noto Sans / Noto Sans CJK JP (as rendered by Chromium), so text is
# wrapped by how wide it is drawn, not by how many characters it has
_NARROW = set("iljtfr.,;:'!|()[] -/")
_WIDE = set("mwMW@%")
# kinsoku: never at the start of a line / never at the end of one
_CLOSING = set(")]}）」』】〕、。，．・：；！？ー…,.;:!?%")
_OPENING = set("([{（「『【〔")
PEOPLE_X = 640  # where the stakeholder tags start, right of the probability bars

GRAPH_WORDS = {
    "title": {"ja": "営業ファネル", "en": "Revenue funnel"},
    "legend_title": {"ja": "凡例", "en": "Legend"},
    "legend_bar": {
        "ja": "棒と % = 商談の確度(受注確率)",
        "en": "Bar and % = deal probability (chance of winning)",
    },
    "legend_days": {
        "ja": "7–28日 = このステージの想定滞留日数(超えると監査で停滞と表示)",
        "en": "7–28d = expected days in the stage (beyond it, the audit reports the deal as "
        "stalled)",
    },
    "legend_check": {
        "ja": "✓3 = ステージの入口・出口基準の数。基準を満たさずに入った商談には、担当者に"
        "タスクが作成されます",
        "en": "✓3 = number of entry and exit criteria of the stage; a deal entering it "
        "without meeting them gets a task for its owner",
    },
    "days": {"ja": "{a}–{b}日", "en": "{a}–{b}d"},
    "people": {
        "ja": "関係者マップ: このステージまでに関与させる人",
        "en": "Stakeholder map: who to engage by this stage",
    },
    "legend_people": {
        "ja": "橙の札 = そのステージまでに関与させる関係者(取引とコンタクトの関連付けラベル)。"
        "評価・検証より先で決裁者・推進者のいない取引は監査で指摘されます",
        "en": "Orange tags = who to engage by that stage (labels on the deal-contact "
        "association); the audit flags a deal past evaluation without a decision maker or a "
        "champion",
    },
    "when": {"ja": "きっかけ", "en": "When"},
    "then": {"ja": "実行すること", "en": "Then"},
    "or": {"ja": "または", "en": "or"},
    "requires": {"ja": "このステージに入る条件: {props}", "en": "entering it requires: {props}"},
    "legend_end": {
        "ja": "灰色の点線の枠 = リードパイプラインの終了ステージ(出口基準がなく、新規開拓はここで"
        "終わる)。太枠 = 初回接触の手順が始まるステージ",
        "en": "Grey dashed box = an end stage of the lead pipeline (no exit criteria: "
        "prospecting ends there); bold outline = the stage that starts the cadence",
    },
    "legend_cadence": {
        "ja": "1日目・4日目… = タスクが作られる日(手順が始まるステージにリードが入った日を"
        "1日目と数える)。灰色の文字 = その前の待機",
        "en": "Day 0, Day 3 … = when each task is created, counted from the lead entering the "
        "stage that starts the cadence; grey text = the wait before it",
    },
    "legend_handoff": {
        "ja": "引き継ぎの箱 = ルール(HubSpotのワークフロー)を引き継ぎの順に左から右へ。"
        "「または」で縦に並んだ箱 = 同じことを実行する別のきっかけ",
        "en": "Handoff boxes = rules (HubSpot workflows), left to right in the order of the "
        "handoff; boxes stacked with 'or' = other triggers for the same steps",
    },
}
CHANNEL_COLOURS = {"CALL": "#1f7a4d", "EMAIL": "#2f5d8a", "TODO": "#8a5a00"}


def em_width(ch: str, bold: bool = False) -> float:
    import unicodedata

    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch in _NARROW:
        width = 0.32
    elif ch in _WIDE:
        width = 0.85
    else:
        width = 0.68 if ch.isupper() else 0.56
    return width * (1.1 if bold else 1.0)


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(em_width(ch, bold) for ch in text) * size


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: a Latin word (with the punctuation stuck to it), one CJK
    character, or a space. Closing punctuation joins the piece before it and opening
    punctuation the piece after it, so no line starts with ")" or "、" or ends with "("."""
    import unicodedata

    out: list[str] = []
    glue_next = False
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch.isspace():
            out.append(" ")
            glue_next = False
            continue
        if out and (glue_next or ch in _CLOSING):
            out[-1] += ch
        elif out and not wide and out[-1] != " " and not _is_wide_piece(out[-1]):
            out[-1] += ch  # Latin letters run on: words are never split
        else:
            out.append(ch)
        glue_next = ch in _OPENING
    return out


def _is_wide_piece(piece: str) -> bool:
    import unicodedata

    last = piece.rstrip("".join(_CLOSING))[-1:] or piece[-1:]
    return unicodedata.east_asian_width(last) in ("W", "F")


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width`` px: broken at spaces between words and
    between CJK characters, never inside a word (a word wider than a whole line, and
    only such a word, is cut by character)."""
    lines: list[str] = []
    line = ""
    for piece in _tokens(" ".join(text.split())):
        if piece == " ":
            if line:
                line += " "
            continue
        if text_width(line + piece, size, bold) <= width or not line.strip():
            if text_width(piece, size, bold) > width and not line.strip():
                for ch in piece:  # longer than a line on its own
                    if line and text_width(line + ch, size, bold) > width:
                        lines.append(line)
                        line = ""
                    line += ch
                continue
            line += piece
        else:
            lines.append(line.rstrip())
            line = piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _text(x: float, y: float, body: str, size: int, fill: str, extra: str = "") -> str:
    from html import escape

    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" fill="{fill}"{extra}>{escape(body)}</text>'
    )


def _columns(n: int, width: float, min_col: float, gap: float) -> tuple[int, float]:
    """How many of ``n`` equal columns fit in a row of ``width`` (at least ``min_col``
    each, ``gap`` apart), and how wide each is."""
    per_row = max(1, min(n, int((width + gap) // (min_col + gap))))
    return per_row, (width - (per_row - 1) * gap) / per_row


def _arrow(x1: float, x2: float, y: float) -> str:
    return (
        f'<path d="M{x1:g} {y:g} L{x2 - 7:g} {y:g}" stroke="#2f5d8a" stroke-width="1.5"/>'
        f'<path d="M{x2 - 8:g} {y - 5:g} L{x2:g} {y:g} L{x2 - 8:g} {y + 5:g} Z" fill="#2f5d8a"/>'
    )


def _lead_pipeline_row(pl: Any, starts: set[str], lang: Any, y: float) -> tuple[list[str], float]:
    """One lead pipeline as a row of stage boxes: its label, the path left to right, and
    its end stages stacked at a fork (grey, dashed). ``starts``: stages a cadence starts
    on (bold outline). Returns the drawing and the y below it."""
    from hs_japan.playbook import stage_path

    path, ends = stage_path(pl)
    h, gap, size = 30, 30, 13
    body: list[str] = []
    label = pl.label.pick(lang) if pl.label else pl.id
    rows = max(len(ends), 1)
    mid = y + (rows * h + (rows - 1) * 8) / 2
    body.append(_text(20, mid + 5, label, 14, "#1b2a41", ' font-weight="bold"'))
    x = 20 + text_width(label, 14, bold=True) + 24

    def box(st: Any, bx: float, by: float, end: bool) -> float:
        name = st.label.pick(lang) if st.label else st.key
        wide = text_width(name, size, bold=st.key in starts) + 28
        style = (
            'fill="#f1f3f5" stroke="#7b8794" stroke-dasharray="4 3"'
            if end
            else 'fill="#e8f1fb" stroke="#2f5d8a"'
            + (' stroke-width="2.5"' if st.key in starts else "")
        )
        body.append(f'<rect x="{bx:g}" y="{by:g}" width="{wide:g}" height="{h}" rx="6" {style}/>')
        bold = ' font-weight="bold"' if st.key in starts else ""
        body.append(_text(bx + 14, by + 20, name, size, "#3d4852" if end else "#102030", bold))
        return wide

    for i, st in enumerate(path):
        x += box(st, x, mid - h / 2, False)
        if i + 1 < len(path) or ends:
            if i + 1 == len(path) and len(ends) > 1:  # a fork to the end stages
                tops = [y + n * (h + 8) + h / 2 for n in range(len(ends))]
                fork = x + gap / 2
                body.append(
                    f'<path d="M{x:g} {mid:g} L{fork:g} {mid:g} M{fork:g} {tops[0]:g} '
                    f'L{fork:g} {tops[-1]:g}" stroke="#2f5d8a" stroke-width="1.5" fill="none"/>'
                )
                body += [_arrow(fork, x + gap, t) for t in tops]
            else:
                body.append(_arrow(x + 2, x + gap - 2, mid))
            x += gap
    for n, st in enumerate(ends):
        by = y + n * (h + 8) if len(ends) > 1 else mid - h / 2
        box(st, x, by, True)
    return body, y + rows * h + (rows - 1) * 8


def _cadence_timeline(
    rule: Any, bp: Any, names: Any, lang: Any, y: float, width: float
) -> tuple[list[str], float]:
    """A lead rule as a timeline: its name and when it runs, then one column per moment
    (day marker, the wait before it, a card per task: channel and short subject)."""
    from hs_japan.playbook import (
        TASK_TYPE_WORDS,
        cadence,
        day_label,
        rule_window,
        short_subject,
        step_text,
        trigger_text,
        wait_label,
    )

    words = GRAPH_WORDS
    body = [_text(20, y, rule.name.pick(lang), 15, "#1b2a41", ' font-weight="bold"')]
    y += 20
    about = [trigger_text(rule, bp, names, lang), *rule_window(rule, lang)]
    ref = rule.trigger.stage_entered
    if ref is not None:  # what must be set to enter the stage: the target role, here
        for pl, _ in bp.pipelines:
            for st in pl.stages if pl.object == rule.object and pl.id == ref.pipeline else []:
                if st.key == ref.stage and st.entry and st.entry.required_properties:
                    props = ", ".join(
                        names.prop(rule.object, p) for p in st.entry.required_properties
                    )
                    about.append(words["requires"][lang].format(props=props))
    for line in wrap(" · ".join(about), width - 40, 12):
        body.append(_text(20, y, line, 12, "#333"))
        y += 16
    y += 14
    stops = cadence(rule)
    per_row, col = _columns(len(stops), width - 40, 200, 24)
    for first in range(0, len(stops), per_row):
        row = stops[first : first + per_row]
        xs = [20 + i * (col + 24) for i in range(len(row))]
        labels = [day_label(stop, lang) for stop in row]
        waits = []
        for stop, label in zip(row, labels, strict=True):
            room = col - 26 - text_width(label, 14, bold=True) - 10
            waits.append(wrap(wait_label(stop, lang), max(room, 40), 11))
        extra = max(0, *(len(lines) - 1 for lines in waits))
        day_y = y + extra * 14
        axis = day_y - 5
        bottom = day_y
        for x, stop, label, wait in zip(xs, row, labels, waits, strict=True):
            body.append(f'<circle cx="{x + 7:g}" cy="{axis:g}" r="6" fill="#2f5d8a"/>')
            body.append(_text(x + 20, day_y, label, 14, "#1b2a41", ' font-weight="bold"'))
            wx = x + 20 + text_width(label, 14, bold=True) + 10
            for n, line in enumerate(wait):  # extra lines go up, the last beside the day
                body.append(_text(wx, day_y - (len(wait) - 1 - n) * 14, line, 11, "#6b7785"))
            if x != xs[-1]:  # the time line runs on to the next day
                end = wx + max((text_width(line, 11) for line in wait), default=-10) + 10
                body.append(
                    f'<path d="M{end:g} {axis:g} L{x + col + 24 - 2:g} {axis:g}" '
                    f'stroke="#9fb3c8" stroke-width="2"/>'
                )
            cy = day_y + 14
            for step in stop.steps:
                if step.task is not None:
                    chip_text = TASK_TYPE_WORDS[step.task.type][lang]
                    chip = text_width(chip_text, 11, bold=True) + 14
                    colour = CHANNEL_COLOURS[step.task.type]
                    what = short_subject(step.task.subject.pick(lang), stop, lang)
                else:
                    chip_text, chip, colour = "", 0.0, ""
                    what = step_text(step, rule.object, names, lang)
                tx = x + 10 + (chip + 8 if chip else 0)
                lines = wrap(what, x + col - 10 - tx, 13)
                card = 30 + (len(lines) - 1) * 17
                body.append(
                    f'<rect x="{x:g}" y="{cy:g}" width="{col:g}" height="{card}" rx="6" '
                    f'fill="#f7f9fc" stroke="#c9d6e3"/>'
                )
                if chip:
                    body.append(
                        f'<rect x="{x + 8:g}" y="{cy + 6:g}" width="{chip:g}" height="18" '
                        f'rx="9" fill="{colour}"/>'
                    )
                    body.append(
                        _text(x + 15, cy + 19, chip_text, 11, "#ffffff", ' font-weight="bold"')
                    )
                for n, line in enumerate(lines):
                    body.append(_text(tx, cy + 20 + n * 17, line, 13, "#102030"))
                cy += card + 8
            bottom = max(bottom, cy)
        y = bottom + 18
    return body, y - 10


def _handoff_flow(
    rules: list[Any], bp: Any, names: Any, lang: Any, y: float, width: float
) -> tuple[list[str], float]:
    """The handoff rules left to right, one box each (name, trigger, what it does);
    consecutive rules that do the same thing are alternatives, stacked with "or"."""
    from hs_japan.playbook import rule_window, step_text, trigger_text

    words = GRAPH_WORDS
    groups: list[list[Any]] = []
    for rule in rules:
        if groups and groups[-1][-1].steps == rule.steps:
            groups[-1].append(rule)
        else:
            groups.append([rule])
    gap = 36
    per_row, col = _columns(len(groups), width - 40, 230, gap)
    inner = col - 20

    def content(rule: Any) -> list[tuple[float, str, int, str, str]]:
        """(dx, text, size, fill, extra) per line, 0-based from the box top."""
        out: list[tuple[float, str, int, str, str]] = []
        bold = ' font-weight="bold"'
        out += [(10, ln, 13, "#1b2a41", bold) for ln in wrap(rule.name.pick(lang), inner, 13, True)]
        out.append((10, words["when"][lang], 11, "#2f5d8a", bold))
        out += [
            (10, ln, 12, "#333", "") for ln in wrap(trigger_text(rule, bp, names, lang), inner, 12)
        ]
        out.append((10, words["then"][lang], 11, "#2f5d8a", bold))
        for step in rule.steps:
            for n, ln in enumerate(wrap(step_text(step, rule.object, names, lang), inner - 12, 12)):
                out.append((22, ln, 12, "#333", "bullet" if n == 0 else ""))
        window = "; ".join(rule_window(rule, lang))
        out += [(10, ln, 11, "#6b7785", "") for ln in wrap(window, inner, 11)] if window else []
        return out

    def height(lines: list[tuple[float, str, int, str, str]]) -> float:
        return 14 + sum(size + 5 for _, _, size, _, _ in lines) + 4

    body: list[str] = []
    for first in range(0, len(groups), per_row):
        row = groups[first : first + per_row]
        laid = [[content(r) for r in group] for group in row]
        tall = [sum(height(c) for c in boxes) + (len(boxes) - 1) * 30 for boxes in laid]
        row_h = max(tall)
        for i, boxes in enumerate(laid):
            x = 20 + i * (col + gap)
            by = y + (row_h - tall[i]) / 2  # centred on the arrows
            for n, lines in enumerate(boxes):
                h = height(lines)
                body.append(
                    f'<rect x="{x:g}" y="{by:g}" width="{col:g}" height="{h:g}" rx="8" '
                    f'fill="#f4f7fb" stroke="#2f5d8a"/>'
                )
                ly = by + 4
                for dx, line, size, fill, extra in lines:
                    ly += size + 5
                    if extra == "bullet":  # a step: a dot before its first line
                        body.append(f'<circle cx="{x + 14:g}" cy="{ly - 4:g}" r="2" fill="#333"/>')
                        extra = ""
                    body.append(_text(x + dx, ly, line, size, fill, extra))
                by += h
                if n + 1 < len(boxes):
                    body.append(
                        _text(
                            x + col / 2,
                            by + 20,
                            words["or"][lang],
                            12,
                            "#5a6b7d",
                            ' font-weight="bold" text-anchor="middle"',
                        )
                    )
                    by += 30
            if i + 1 < len(row):
                body.append(_arrow(x + col + 4, x + col + gap - 4, y + row_h / 2))
        y += row_h + 24
    return body, y


def _leads_and_handoff(
    bp: Any, lang: Any, y: float, width: float
) -> tuple[list[str], float, list[str]]:
    """The prospecting section (lead pipelines, cadences) and the handoff section, each
    omitted when the blueprint has none. Returns the drawing, the y below it and the
    legend entries it needs."""
    from hs_japan.playbook import LEADS_WORDS, Names, handoff_rules, lead_pipelines, lead_rules

    names = Names(bp, lang, plain=True)
    body: list[str] = []
    legend: list[str] = []
    pipes, cadences, handoff = lead_pipelines(bp), lead_rules(bp), handoff_rules(bp)
    if pipes or cadences:
        y += 10
        body.append(
            _text(20, y, LEADS_WORDS["cadence"][lang], 18, "#1b2a41", ' font-weight="bold"')
        )
        y += 18
        starts = {
            r.trigger.stage_entered.stage for r in cadences if r.trigger.stage_entered is not None
        }
        for pl in pipes:
            drawn, y = _lead_pipeline_row(pl, starts, lang, y)
            body += drawn
            y += 30
        for rule in cadences:
            drawn, y = _cadence_timeline(rule, bp, names, lang, y + 6, width)
            body += drawn
            y += 24
        legend += (["legend_end"] if pipes else []) + (["legend_cadence"] if cadences else [])
    if handoff:
        y += 6
        body.append(
            _text(20, y, LEADS_WORDS["handoff"][lang], 18, "#1b2a41", ' font-weight="bold"')
        )
        drawn, y = _handoff_flow(handoff, bp, names, lang, y + 16, width)
        body += drawn
        y += 16
        legend.append("legend_handoff")
    return body, y, legend


def funnel_svg(bp: Any, lang: Any) -> str:
    """The funnel, the prospecting cadence, the handoff and the deal pipelines as a
    self-contained SVG (nothing fetched).

    Funnel columns are equally wide and top-aligned; every text is wrapped by its
    measured width; the lead pipeline forks to its end stages and each lead rule is a
    timeline of days; the handoff rules flow left to right; the deal stage rows carry
    probability bars, expected days and ✓ criteria badges; the legend explains what each
    section drew. A section the blueprint has nothing for is left out."""

    from hs_japan.audit.stakeholders import engagement_plan
    from hs_japan.playbook import ELEMENT_WORD, w

    def words(key: str) -> str:
        return GRAPH_WORDS[key][lang]

    text = _text

    stages = [fs for fs, _ in bp.funnel]
    pipes = [pl for pl, _ in bp.pipelines if pl.object == "deals" and not pl.absent]
    col, gap, top, box_h = 170, 12, 70, 64
    width = max(len(stages), 1) * (col + gap) + 40
    body: list[str] = [
        text(20, 36, words("title"), 22, "#1b2a41", ' font-weight="bold"'),
    ]
    colors = ["#e8f1fb", "#d4e6f8", "#bcd8f4", "#a3c9ef", "#89b9ea", "#6fa8e4", "#5597de"]
    notes_top = top + box_h + 24
    bottom: float = notes_top
    people_shown = False
    for i, fs in enumerate(stages):
        x = 20 + i * (col + gap)
        body.append(
            f'<rect x="{x}" y="{top}" width="{col}" height="{box_h}" rx="8" '
            f'fill="{colors[i % len(colors)]}" stroke="#2f5d8a"/>'
        )
        # one line when it fits at 13 px or more, else two balanced-by-measure lines
        name, size = fs.label.pick(lang), 16
        while size > 13 and text_width(name, size, bold=True) > col - 16:
            size -= 1
        label = wrap(name, col - 16, size, bold=True)
        if len(label) > 1:
            size = 15
            label = wrap(name, max(text_width(name, size, True) / 2 + size, col / 2), size, True)
            label = label if len(label) <= 2 else wrap(name, col - 16, size, True)[:3]
        first = top + box_h / 2 + size * 0.35 - (len(label) - 1) * (size + 3) / 2
        for n, line in enumerate(label):
            body.append(
                text(
                    x + col / 2,
                    first + n * (size + 3),
                    line,
                    size,
                    "#102030",
                    ' font-weight="bold" text-anchor="middle"',
                )
            )
        if i + 1 < len(stages):  # the funnel flows left to right
            ay = top + box_h / 2
            body.append(
                f'<path d="M{x + col + 2} {ay - 5} L{x + col + gap - 2} {ay} '
                f'L{x + col + 2} {ay + 5} Z" fill="#2f5d8a"/>'
            )
        y: float = notes_top
        for element, note in fs.elements.items():
            heading = w(ELEMENT_WORD.get(element, element), lang)
            for line in wrap(heading, col - 10, 11, bold=True):
                body.append(text(x + 4, y, line, 11, "#2f5d8a", ' font-weight="bold"'))
                y += 15
            for line in wrap(note.pick(lang), col - 10, 11):
                body.append(text(x + 4, y, line, 11, "#333"))
                y += 14
            y += 8
        bottom = max(bottom, y)
    y = bottom + 24
    # the prospecting cadence and the handoff come before the deals in the funnel
    drawn, y, lead_legend = _leads_and_handoff(bp, lang, y, width)
    body += drawn
    for pl in pipes:
        body.append(
            text(
                20,
                y,
                pl.label.pick(lang) if pl.label else pl.id,
                18,
                "#1b2a41",
                ' font-weight="bold"',
            )
        )
        engage: dict[str, list[str]] = {}
        for e in engagement_plan(bp, pl, lang):
            if e.stage:
                engage.setdefault(e.stage, []).append(e.label)
        if engage:
            band = text_width(words("people"), 13, bold=True) + 16
            body.append(
                f'<rect x="{PEOPLE_X}" y="{y - 17}" width="{band:g}" height="24" rx="4" '
                f'fill="#fff8f0" stroke="#f5c89a"/>'
            )
            body.append(
                text(PEOPLE_X + 8, y, words("people"), 13, "#9a4a00", ' font-weight="bold"')
            )
            people_shown = True
        y += 16
        for st in pl.stages:
            if st.absent:
                continue
            cx: float = PEOPLE_X
            for who in engage.get(st.key, []):
                tag = text_width(who, 12) + 16
                body.append(
                    f'<rect x="{cx:g}" y="{y + 3}" width="{tag:g}" height="20" rx="10" '
                    f'fill="#fdf1e3" stroke="#f08a24"/>'
                )
                body.append(text(cx + 8, y + 17, who, 12, "#7a3b00"))
                cx += tag + 8
            prob = st.probability or 0.0
            bar = int(200 * prob)
            name = st.label.pick(lang) if st.label else st.key
            size = 13
            while size > 9 and text_width(name, size) > 204:
                size -= 1
            days = (
                words("days").format(a=st.expected_days[0], b=st.expected_days[1])
                if st.expected_days
                else ""
            )
            crit = sum(
                len(c.required_properties) + len(c.conditions)
                for c in (st.entry, st.exit)
                if c is not None
            )
            badge = "  ".join(
                p for p in (f"{round(prob * 100)}%", days, f"✓{crit}" if crit else "") if p
            )
            body.append(
                f'<rect x="20" y="{y}" width="220" height="26" rx="4" fill="#f3f6fa" '
                f'stroke="#9fb3c8"/>'
            )
            body.append(text(28, y + 18, name, size, "#102030"))
            body.append(f'<rect x="250" y="{y + 5}" width="{bar}" height="16" fill="#5597de"/>')
            body.append(text(256 + bar, y + 18, badge, 12, "#333"))
            y += 34
        y += 10
    y += 14
    body.append(text(20, y, words("legend_title"), 13, "#1b2a41", ' font-weight="bold"'))
    y += 18
    legend = ["legend_bar", "legend_days", "legend_check"]
    for key in legend + (["legend_people"] if people_shown else []) + lead_legend:
        for line in wrap(words(key), width - 60, 12):
            body.append(text(28, y, line, 12, "#333"))
            y += 16
        y += 2
    height = y + 20
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    return "\n".join([*head, *body, "</svg>"]) + "\n"


def language(value: str) -> Any:
    """``--language`` of the design documents: ja or en."""
    if value not in ("ja", "en"):
        raise ConfigError(f"--language: must be ja or en, not {value!r}")
    return value


def run_docs(blueprint: Path, out: Path, lang: str, ui: UI) -> int:
    """Write the playbook: funnel stages, stage criteria, rules, KPIs, UI checklist."""
    from hs_japan.blueprint import load_blueprint
    from hs_japan.outfile import check_writable, write_atomic
    from hs_japan.playbook import render_playbook

    check_writable(out, "--out")
    text = render_playbook(load_blueprint(blueprint), language(lang))
    write_atomic(out, text, "--out")
    ui.echo(f"Wrote the playbook to {out} ({len(text.splitlines())} lines).")
    return 0


def run_graph(blueprint: Path, out: Path, lang: str, ui: UI) -> int:
    """Draw the funnel and the deal pipeline as an SVG that opens in a browser."""
    from hs_japan.blueprint import load_blueprint
    from hs_japan.outfile import check_writable, write_atomic

    check_writable(out, "--out")
    write_atomic(out, funnel_svg(load_blueprint(blueprint), language(lang)), "--out")
    ui.echo(f"Wrote {out}.")
    return 0


def schema_text() -> str:
    return json.dumps(blueprint_schema(), ensure_ascii=False, indent=2) + "\n"


def run_schema(out: Path, ui: UI) -> int:
    """Write the JSON Schema of blueprint files to ``out``."""
    from hs_japan.outfile import write_atomic

    write_atomic(out, schema_text(), "--out")
    ui.echo(f"Wrote {out}.")
    return 0


def run_init(directory: Path, template: str, force: bool, package: str | None, ui: UI) -> int:
    """Scaffold a configuration repo: blueprint, profiles, .gitignore, CI example."""
    if template not in TEMPLATES:
        raise ConfigError(f"--template: unknown {template!r} (known: {', '.join(TEMPLATES)})")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise ConfigError(f"{directory} is not empty; choose a new directory or pass --force")
    source = template_dir(template)
    target = directory / "blueprint"
    target.mkdir(parents=True, exist_ok=True)
    modeline = f"# yaml-language-server: $schema=../{SCHEMA_FILE}\n"
    for path in sorted(source.iterdir()):
        if path.suffix in (".yaml", ".yml"):
            (target / path.name).write_text(
                modeline + path.read_text(encoding="utf-8"), encoding="utf-8"
            )
        elif path.is_file():
            shutil.copyfile(path, target / path.name)
    (directory / "migrations").mkdir(exist_ok=True)
    (directory / "migrations" / "README.md").write_text(
        "Data migrations: NNNN_name.py files with upgrade(ctx); see hs-japan docs.\n",
        encoding="utf-8",
    )
    (directory / "hs-japan.toml").write_text(HS_JAPAN_TOML, encoding="utf-8")
    (directory / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    wf = directory / ".github" / "workflows"
    wf.mkdir(parents=True, exist_ok=True)
    spec = package or pinned_package(directory)
    (wf / "hs-japan.yml").write_text(WORKFLOW.replace("{package}", spec), encoding="utf-8")
    (directory / SCHEMA_FILE).write_text(
        json.dumps(blueprint_schema(), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    vscode = directory / ".vscode"
    vscode.mkdir(exist_ok=True)
    (vscode / "settings.json").write_text(
        json.dumps({"yaml.schemas": {f"./{SCHEMA_FILE}": "blueprint/*.yaml"}}, indent=2) + "\n",
        encoding="utf-8",
    )
    ui.echo(
        f"Created {directory}: blueprint/ ({template}), hs-japan.toml, .gitignore, "
        f".github/workflows/hs-japan.yml, {SCHEMA_FILE}.\n"
        f"Next: cd {directory} && hs-japan validate blueprint && hs-japan plan blueprint"
    )
    return 0
