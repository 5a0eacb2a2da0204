"""Playbook, graph, init and schema: documents from the blueprint, a repo that works as
created, and a JSON Schema the example blueprint satisfies."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

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


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_the_graph_renders_in_headless_chromium_offline(cli: Cli, tmp_path: Path) -> None:
    svg = tmp_path / "funnel.svg"
    assert cli("graph", str(DEFAULT_BLUEPRINT), "--out", str(svg)).exit_code == 0
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<svg") and "http://" not in text.replace(
        "http://www.w3.org/2000/svg", ""
    )  # self-contained: nothing to fetch
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
        assert "hs_japan/cli.py" in names and "hs_japan/emulator/server.py" in names
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
