"""Small things a new user meets: seeding twice says what to do, the playbook's English
agrees in number and article, every option has help."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from hs_japan.cli import app
from tests.conftest import CliResult
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]


def test_seeding_twice_is_a_clear_message(cli: Cli, tmp_path: Path) -> None:
    bp = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp)
    assert cli("apply", str(bp), "--yes").exit_code == 0
    first = cli("emulator", "seed", str(bp), "--deals", "5")
    assert first.exit_code == 0, first.stdout + first.stderr
    again = cli("emulator", "seed", str(bp), "--deals", "5")
    assert again.exit_code == 1
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "seeded before" in lines[0] and "409" not in lines[0], lines


def test_the_english_playbook_agrees_in_number_and_article(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "playbook.md"
    assert cli("docs", str(DEFAULT_BLUEPRINT), "--out", str(out), "--language", "en").exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "create an EMAIL task" in text and "a EMAIL" not in text
    assert not re.search(r"\b1 (hours|days|minutes|business days)\b", text)


def test_every_option_has_help() -> None:
    import typer.main

    missing = []
    root = typer.main.get_command(app)

    def walk(command: object, path: str) -> None:
        for param in getattr(command, "params", []):
            if getattr(param, "param_type_name", "") == "option" and not getattr(
                param, "help", None
            ):
                missing.append(f"{path} {param.opts[0]}")
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(root, "hs-japan")
    assert missing == []


def test_every_out_option_refuses_a_directory_or_missing_folder_in_one_line(
    cli: Cli, tmp_path: Path
) -> None:
    bp = str(DEFAULT_BLUEPRINT)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    missing = tmp_path / "nope" / "x.out"
    for args in (
        ("docs", bp),
        ("graph", bp),
        ("schema",),
    ):
        for target in (folder, missing):
            result = cli(*args, "--out", str(target))
            assert result.exit_code == 1, (args, target, result.stdout, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and str(target.name) in lines[0], (args, lines)
            assert "Traceback" not in result.stderr
    assert not missing.parent.exists() and list(folder.iterdir()) == []


def test_seeded_companies_fill_the_icp_lists(cli: Cli, tmp_path: Path) -> None:
    import json

    import requests

    from hubspot_emulator import EmulatorServer

    bp = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp)
    assert cli("apply", str(bp), "--yes").exit_code == 0
    seeded = cli("emulator", "seed", str(bp), "--deals", "40")
    assert seeded.exit_code == 0 and "30 companies" in seeded.stdout, seeded.stdout
    home = tmp_path / "state" / "local"
    token = json.loads((home / "portal.json").read_text())["token"]
    with EmulatorServer(data_dir=home) as server:
        h = {"Authorization": f"Bearer {token}"}
        found = requests.post(
            f"{server.url}/crm/v3/lists/search",
            json={"offset": 0, "count": 50, "additionalProperties": []},
            headers=h,
            timeout=5,
        ).json()["lists"]
        sizes = {}
        for lst in found:
            members = requests.get(
                f"{server.url}/crm/v3/lists/{lst['listId']}/memberships", headers=h, timeout=5
            ).json()["results"]
            sizes[lst["name"]] = len(members)
        deals = requests.get(
            f"{server.url}/crm/v3/objects/deals?limit=5&associations=companies",
            headers=h,
            timeout=5,
        ).json()["results"]
    assert sizes and all(n > 0 for n in sizes.values()), sizes
    assert all(d["associations"]["companies"]["results"] for d in deals)


def test_the_playbook_shows_the_stakeholder_map(cli: Cli, tmp_path: Path) -> None:
    from hs_japan.blueprint import load_blueprint

    labels = [a for a, _ in load_blueprint(DEFAULT_BLUEPRINT).association_labels if a.label]
    assert labels
    for lang in ("ja", "en"):
        out = tmp_path / f"playbook-{lang}.md"
        assert (
            cli("docs", str(DEFAULT_BLUEPRINT), "--out", str(out), "--language", lang).exit_code
            == 0
        )
        text = out.read_text(encoding="utf-8")
        assert ("関係者マップ" if lang == "ja" else "Stakeholder map") in text
        for a in labels:
            assert a.label is not None and a.label.pick(lang) in text  # type: ignore[arg-type]
