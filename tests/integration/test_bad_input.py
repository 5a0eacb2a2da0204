"""The bad-input corpus: every case is one located line per problem, exit 1, no
traceback, and not a single request reaches the portal."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv
from tests.helpers import SMALL, write_blueprint

Cli = Callable[..., CliResult]
LOCATED = re.compile(r"^[^:\n]+:\d+: [^:\n]*: .+$")
GROUP = """
version: 1
property_groups:
  - {object: deals, name: jp_g, label: {ja: グループ}}
properties:
"""


def prop(extra: str) -> str:
    return GROUP + (
        "  - object: deals\n    name: jp_p\n    label: {ja: 項目}\n"
        "    type: string\n    field_type: text\n    group: jp_g\n" + extra
    )


def build(kind: str, root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if kind == "malformed yaml":
        (root / "a.yaml").write_text("version: 1\nproperties: [\n  - {name: x\n")
    elif kind == "duplicate keys":
        (root / "a.yaml").write_text(prop("    hidden: false\n    hidden: true\n"))
    elif kind == "wrong types":
        (root / "a.yaml").write_text(prop("    display_order: first\n"))
    elif kind == "unknown reference":
        (root / "a.yaml").write_text(prop("").replace("group: jp_g", "group: jp_missing"))
    elif kind == "invalid internal name":
        (root / "a.yaml").write_text(prop("").replace("name: jp_p", "name: Jp-P"))
    elif kind == "duplicate option values":
        text = prop(
            "    options:\n      - {value: a, label: {ja: あ}}\n"
            "      - {value: a, label: {ja: い}}\n"
        )
        (root / "a.yaml").write_text(
            text.replace("type: string", "type: enumeration").replace(
                "field_type: text", "field_type: select"
            )
        )
    elif kind == "overlong label":
        (root / "a.yaml").write_text(prop("").replace("{ja: 項目}", "{ja: " + "長" * 300 + "}"))
    elif kind == "10 MB blueprint":
        (root / "a.yaml").write_text("# " + "x" * (10 * 1024 * 1024) + "\nversion: 1\n")
    elif kind == "binary file":
        (root / "a.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    elif kind == "empty directory":
        pass
    elif kind == "symlink loop":
        (root / "a.yaml").write_text(SMALL)
        (root / "loop").symlink_to(root, target_is_directory=True)
    else:
        raise AssertionError(kind)
    return root


CASES = [
    "malformed yaml",
    "duplicate keys",
    "wrong types",
    "unknown reference",
    "invalid internal name",
    "duplicate option values",
    "overlong label",
    "10 MB blueprint",
    "binary file",
    "empty directory",
    "symlink loop",
]


@pytest.mark.parametrize("kind", CASES)
def test_bad_blueprints_are_located_and_send_nothing(
    kind: str, cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = build(kind, tmp_path / "bp")
    # a reference to something the blueprint does not define may exist in the portal:
    # validate (offline) cannot know, plan must read the portal to decide
    offline_knowable = kind != "unknown reference"
    for command in ("validate", "plan", "apply"):
        if command == "validate" and not offline_knowable:
            continue
        args = [command, str(bp)]
        if command != "validate":
            args += ["--portal", "test", "--config", str(portal.config)]
        if command == "apply":
            args.append("--yes")
        result = cli(*args)
        assert result.exit_code == 1, (kind, command, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert lines, (kind, command)
        assert all(LOCATED.match(line) for line in lines), (kind, command, lines)
        assert "Traceback" not in result.stderr + result.stdout
    log = requests.get(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/requests", timeout=5
    ).json()
    if offline_knowable:
        assert log["results"] == [], kind  # nothing was sent, not even a read
    else:
        # reads only: GETs, searches, and the preflight's write-scope probes, which HubSpot
        # refuses (404: an empty update of a group / list that does not exist)
        changed = [
            f"{r['method']} {r['path']} {r['status']}"
            for r in log["results"]
            if r["method"] != "GET"
            and not str(r["path"]).endswith(("/search", "/batch/read"))
            and int(r["status"]) < 400
        ]
        assert changed == [], kind


def test_missing_scopes_are_all_named_in_one_report(
    cli: Cli, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = emulator.create_portal(
        account_type="SANDBOX", scopes=["oauth", "crm.schemas.deals.read", "automation"]
    )
    config = tmp_path / "hs-japan.toml"
    config.write_text(f'[portals.narrow]\nbase_url = "{emulator.url}"\ntoken_env = "NARROW"\n')
    monkeypatch.setenv("NARROW", str(created["token"]))
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    result = cli("apply", str(bp), "--portal", "narrow", "--config", str(config), "--yes")
    assert result.exit_code == 1 and "Traceback" not in result.stderr, result.stderr
    # every missing scope at once (doctor's report), before anything is written
    assert result.stderr.startswith("error: apply refused before any write")
    assert "missing scope crm.schemas.deals.write" in result.stderr
    assert "missing scope crm.objects.deals.read" in result.stderr
    writes = [
        r
        for r in emulator.requests(int(created["portalId"]))
        if r["method"] in ("POST", "PUT", "PATCH", "DELETE") and int(r["status"]) < 400
    ]
    assert writes == []


def test_unreachable_portal_is_one_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "hs-japan.toml"
    config.write_text(f'[portals.gone]\nbase_url = "http://127.0.0.1:{port}"\ntoken_env = "GONE"\n')
    monkeypatch.setenv("GONE", "pat-na1-00000000-0000-0000-0000-000000000000")
    monkeypatch.setattr("hs_japan.portal.client.time.sleep", lambda _s: None)
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    result = cli("plan", str(bp), "--portal", "gone", "--config", str(config))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the portal" in lines[0]
    assert "pat-na1-00000000" not in result.stderr + result.stdout
