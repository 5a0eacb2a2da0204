"""Playbook, graph, init and schema: documents from the blueprint, a repo that works as
created, and a JSON Schema the example blueprint satisfies."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import struct
import subprocess
import unicodedata
import zlib
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
import yaml

from hs_japan.blueprint import load_blueprint
from tests.conftest import CliResult
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_playbook_lists_every_stage_with_its_criteria_in_both_languages(
    cli: Cli, tmp_path: Path
) -> None:
    bp = load_blueprint(DEFAULT_BLUEPRINT)
    pipeline = next(pl for pl, _ in bp.pipelines if pl.id == "jp_enterprise")
    for lang in ("ja", "en"):
        out = tmp_path / f"playbook-{lang}.md"
        result = cli("docs", str(DEFAULT_BLUEPRINT), "--out", str(out), "--language", lang)
        assert result.exit_code == 0, result.stderr
        text = out.read_text(encoding="utf-8")
        rows = {
            line.split("|")[3].strip(): line
            for line in text.splitlines()
            if line.startswith("| ") and "`jp_" in line
        }
        for stage in pipeline.stages:
            assert f"`{stage.key}`" in rows, (lang, stage.key)
            row = rows[f"`{stage.key}`"]
            assert stage.label is not None and getattr(stage.label, lang) in row
            for phase in ("entry", "exit"):
                criteria = getattr(stage, phase)
                if criteria and criteria.description:
                    assert getattr(criteria.description, lang) in row
                for prop in criteria.required_properties if criteria else []:
                    assert f"`{prop}`" in row
        for fs, _ in bp.funnel:
            assert getattr(fs.label, lang) in text
        assert "jp_corporate_number" in text  # the UI-only checklist
        assert ("稟議中" if lang == "ja" else "Ringi in circulation") in text


def _png_colours(path: Path) -> int:
    """How many distinct byte values the decoded image data holds (blank → very few)."""
    data = path.read_bytes()
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat)))


# estimated advance widths in em (measured against Noto Sans / Noto Sans CJK JP in
# headless Chromium: within 6% on the shortest labels, wider on long ones)
_NARROW = set("iljtfr.,;:'!|()[] -/")
_WIDE = set("mwMW@%")


def _em(ch: str, bold: bool) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0  # full width, bold or not
    if ch in _NARROW:
        width = 0.32
    elif ch in _WIDE:
        width = 0.85
    else:
        width = 0.68 if ch.isupper() else 0.56
    return width * (1.1 if bold else 1.0)


def _text_width(text: str, size: float, bold: bool) -> float:
    return sum(_em(ch, bold) for ch in text) * size


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_graph_svg_is_laid_out_without_overflow(lang: str, cli: Cli, tmp_path: Path) -> None:
    """The picture's geometry, checked without a browser: no empty text, every text fits
    the box it sits in (or its funnel column, or the picture), boxes aligned."""
    svg = tmp_path / "funnel.svg"
    assert (
        cli("graph", str(DEFAULT_BLUEPRINT), "--out", str(svg), "--language", lang).exit_code == 0
    )
    ns = "{http://www.w3.org/2000/svg}"
    root = ElementTree.parse(svg).getroot()
    assert root.tag == f"{ns}svg"
    width = float(root.get("width", "0"))
    Box = tuple[float, float, float, float]  # x, y, width, height
    boxes: list[Box] = [
        (
            float(r.get("x", 0)),
            float(r.get("y", 0)),
            float(r.get("width", 0)),
            float(r.get("height", 0)),
        )
        for r in root.iter(f"{ns}rect")
        if r.get("width") != "100%"  # the background
    ]
    funnel = [b for b in boxes if b[3] >= 40 and b[2] < 200]  # the funnel stages
    stages = [b for b in boxes if b[0] == 20 and b[2] == 220]  # the deal stages
    bars = [b for b in boxes if b[0] == 250]
    assert len(funnel) >= 3 and len(stages) >= 3 and len(bars) == len(stages)
    # boxes aligned: funnel columns equally wide and evenly spaced, stage rows stacked
    # evenly, each bar level with its row
    assert len({b[2] for b in funnel}) == 1
    steps = {round(b2[0] - b1[0], 3) for b1, b2 in itertools.pairwise(funnel)}
    assert len(steps) == 1 and steps.pop() > funnel[0][2]
    assert len({round(b2[1] - b1[1], 3) for b1, b2 in itertools.pairwise(stages)}) == 1
    assert [b[1] - s[1] for b, s in zip(bars, stages, strict=True)] == [5.0] * len(bars)
    funnel_bottom = max(b[1] + b[3] for b in funnel)
    texts = list(root.iter(f"{ns}text"))
    assert len(texts) > 2 * len(funnel) + len(stages)
    # the funnel columns' notes end where the next section's title (18 px) starts
    notes_bottom = min(
        float(t.get("y", 0))
        for t in texts
        if t.get("font-size") == "18" and float(t.get("y", 0)) > funnel_bottom
    )
    problems = []
    drawn: list[tuple[str, float, float, float, float]] = []  # text, left, right, top, bottom
    for t in texts:
        text = "".join(t.itertext())
        if not text.strip():
            problems.append(f"empty text at {t.get('x')},{t.get('y')}")
            continue
        x, y = float(t.get("x", 0)), float(t.get("y", 0))
        w = _text_width(text, float(t.get("font-size", 16)), t.get("font-weight") == "bold")
        left, right = (x - w / 2, x + w / 2) if t.get("text-anchor") == "middle" else (x, x + w)
        inside = [b for b in boxes if b[0] <= x <= b[0] + b[2] and b[1] <= y <= b[1] + b[3]]
        column = [
            (i, b) for i, b in enumerate(funnel) if b[0] <= x <= b[0] + b[2] and y < notes_bottom
        ]
        if inside:  # a label in its box: within the box
            lo, hi = inside[0][0], inside[0][0] + inside[0][2]
        elif column and y > funnel_bottom:  # a funnel column's notes: before the next column
            i, b = column[0]
            lo, hi = b[0], funnel[i + 1][0] if i + 1 < len(funnel) else width
        else:
            lo, hi = 0.0, width
        if left < lo or right > hi:
            problems.append(f"{text!r}: {left:.0f}..{right:.0f} outside {lo:.0f}..{hi:.0f}")
        size = float(t.get("font-size", 16))
        drawn.append((text, left, right, y - 0.8 * size, y + 0.2 * size))
    # no two texts overlap (their measured boxes: the ascent above the baseline, the
    # descent below it)
    for a, b in itertools.combinations(drawn, 2):
        if a[1] < b[2] and b[1] < a[2] and a[3] < b[4] and b[3] < a[4]:
            problems.append(f"{a[0]!r} overlaps {b[0]!r}")
    assert problems == []


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (.ci/run installs it; required under CI)",
)
def test_the_graph_renders_in_headless_chromium_offline(cli: Cli, tmp_path: Path) -> None:
    svg = tmp_path / "funnel.svg"
    assert cli("graph", str(DEFAULT_BLUEPRINT), "--out", str(svg)).exit_code == 0
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<svg") and "http://" not in text.replace(
        "http://www.w3.org/2000/svg", ""
    )  # self-contained: nothing to fetch
    assert CHROMIUM is not None, "CI must have chromium (.ci/run installs it)"
    shot = tmp_path / "funnel.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--proxy-server=127.0.0.1:9",
            "--window-size=1400,1000",
            f"--screenshot={shot}",
            svg.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    assert shot.exists() and shot.stat().st_size > 5000
    assert _png_colours(shot) > 50  # shapes and text, not a blank page


def test_init_then_validate_and_plan_work_without_edits(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "crm-config"
    result = cli("init", str(repo))
    assert result.exit_code == 0, result.stderr
    for name in (
        "hs-japan.toml",
        ".gitignore",
        ".github/workflows/hs-japan.yml",
        "blueprint.schema.json",
        ".vscode/settings.json",
        "blueprint/deals.yaml",
    ):
        assert (repo / name).exists(), name
    assert (
        (repo / "blueprint" / "deals.yaml")
        .read_text()
        .startswith("# yaml-language-server: $schema=../blueprint.schema.json")
    )
    assert "token_env" in (repo / "hs-japan.toml").read_text()
    # CI installs the exact build init vendored, never an unpublished package name
    workflow = (repo / ".github/workflows/hs-japan.yml").read_text()
    wheels = sorted((repo / "vendor").glob("hs_japan-*-py3-none-any.whl"))
    assert len(wheels) == 1 and f'pip install "./vendor/{wheels[0].name}"' in workflow
    assert "pip install hs-japan\n" not in workflow
    import zipfile

    with zipfile.ZipFile(wheels[0]) as wheel:
        names = wheel.namelist()
        assert "hs_japan/cli.py" in names and "hubspot_emulator/server.py" in names
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        assert "Name: hs-japan" in wheel.read(meta).decode()
    monkeypatch.chdir(repo)
    assert cli("validate", "blueprint").exit_code == 0
    plan = cli("plan", "blueprint", "--portal", "local", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.stdout + plan.stderr  # changes to make, no error
    again = cli("init", str(repo))
    assert again.exit_code == 1 and "not empty" in again.stderr


def test_the_example_blueprint_satisfies_the_json_schema(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert cli("schema", "--out", str(out)).exit_code == 0
    schema = json.loads(out.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(DEFAULT_BLUEPRINT.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = sorted(validator.iter_errors(doc), key=str)
        assert not errors, f"{path.name}: {errors[0].message}"
    bad = {"version": 1, "properties": [{"object": "deals", "name": "Bad Name"}]}
    assert list(validator.iter_errors(bad))
