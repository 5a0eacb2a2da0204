"""Issue 17, the input side: hostile or broken input gets one clear line naming the
file:line:field (or the URL / profile / path), a non-zero exit, no traceback, nothing
hangs, and a token never shows."""

from __future__ import annotations

import json
import logging
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import CliResult, PortalEnv
from tests.helpers import SMALL, write_blueprint

Cli = Callable[..., CliResult]
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


@pytest.fixture(autouse=True)
def _no_debug_logging_left_over() -> Iterator[None]:
    """An earlier in-process ``--debug`` run leaves DEBUG logging configured on the root
    logger; these tests check what a normal run prints."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    root.handlers, root.level = [], logging.WARNING
    for name in ("hs_japan", "urllib3"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    root.handlers, root.level = saved


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block takes longer than ``seconds``."""

    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"did not finish within {seconds}s (hung?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def one_line(result: CliResult, *, code: int = 1) -> str:
    out = result.stdout + result.stderr
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in out and "internal error" not in out, out
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# -- 1. YAML --------------------------------------------------------------------------------
BOMB = "version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
)


def yaml_case(kind: str, root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    f = root / "a.yaml"
    if kind == "billion laughs":
        f.write_text(BOMB)
    elif kind == "10,000 nested lists":
        f.write_text("version: 1\nx: " + "[" * 10_000 + "]" * 10_000 + "\n")
    elif kind == "deep block nesting":
        f.write_text("version: 1\nx:\n" + "".join("  " * (i + 1) + "-\n" for i in range(300)))
    elif kind == "recursive alias":
        f.write_text("version: 1\nproperty_groups: &g\n  - *g\n")
    elif kind == "control character":
        f.write_text(SMALL.lstrip("\n").replace("label: {ja: 色", "label: {ja: 色\x07"))
    elif kind == "fifo":
        os.mkfifo(f)
    elif kind == "directory":
        f.mkdir()
        (root / "b.yaml").write_text("version: 1\n")
    elif kind == "/dev/zero":
        f.symlink_to("/dev/zero")
    elif kind == "non-utf-8":
        f.write_bytes(
            SMALL.lstrip("\n").encode().replace("テスト商談".encode(), "テスト".encode("shift_jis"))
        )
    else:
        raise AssertionError(kind)
    return root


YAML_CASES = {
    "billion laughs": ("a.yaml:", "aliases"),
    "10,000 nested lists": ("a.yaml:2:", "nest"),
    "deep block nesting": ("a.yaml:", "nested more than"),
    "recursive alias": ("a.yaml:", "recursive alias"),
    "control character": ("a.yaml:9:", "U+0007"),
    "fifo": ("a.yaml:", "named pipe"),
    "directory": ("a.yaml:", "is a directory"),
    "/dev/zero": ("a.yaml:", "character device"),
    "non-utf-8": ("a.yaml:19:", "UTF-8"),
}


@pytest.mark.parametrize("kind", list(YAML_CASES))
def test_hostile_yaml_is_one_located_line(kind: str, cli: Cli, tmp_path: Path) -> None:
    bp = yaml_case(kind, tmp_path / "bp")
    where, what = YAML_CASES[kind]
    with deadline(20):
        line = one_line(cli("validate", str(bp)))
    assert where in line and what in line, line


def test_hostile_yaml_plan_sends_nothing_and_does_not_hang(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    for kind in ("billion laughs", "fifo", "/dev/zero"):
        bp = yaml_case(kind, tmp_path / kind.replace("/", "_"))
        with deadline(20):
            result = cli("plan", str(bp), "--portal", "test", "--config", str(portal.config))
        assert "a.yaml:" in one_line(result), kind


@pytest.mark.parametrize(
    ("field", "written"), [("value", "off"), ("value", "Yes"), ("label", "{ja: no}")]
)
def test_yaml_11_booleans_point_at_the_line_and_say_to_quote(
    field: str, written: str, cli: Cli, tmp_path: Path
) -> None:
    text = SMALL.replace(
        "      - {value: blue, label: {ja: 青, en: Blue}}",
        "      - {value: blue, label: {ja: 青, en: Blue}}\n"
        + (
            f"      - {{value: {written}, label: {{ja: 緑}}}}"
            if field == "value"
            else f"      - {{value: green, label: {written}}}"
        ),
    )
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": text})
    line = one_line(cli("validate", str(bp)))
    assert "a.yaml:16: properties[0].options[2]." in line, line
    assert "quote it" in line and "YAML 1.1" in line, line


def test_yaml_loads_the_japan_blueprint_with_line_marks(cli: Cli) -> None:
    result = cli("validate", "blueprints/japan-enterprise")
    assert result.exit_code == 0, result.stderr


# -- 2. Blueprint semantics --------------------------------------------------------------------
RULE = """
  - key: {key}
    name: {{ja: 確認, en: Check}}
    object: deals
    trigger:
      property_equals: {{property: jp_color, in: [red]}}
    steps:
      - task:
          subject: {{ja: 確認する, en: Check it}}
          due_in: {{hours: 1}}
"""


def test_two_follow_up_rules_with_the_same_key_are_an_error(cli: Cli, tmp_path: Path) -> None:
    rules = "follow_up_rules:\n" + RULE.format(key="jp_check").lstrip("\n")
    bp = write_blueprint(
        tmp_path / "bp",
        {"a.yaml": SMALL, "b.yaml": rules, "c.yaml": rules},
    )
    result = cli("validate", str(bp))
    assert result.exit_code == 1, result.stdout
    assert "Traceback" not in result.stderr
    dupes = [ln for ln in result.stderr.splitlines() if "defined twice" in ln]
    assert len(dupes) == 1 and "c.yaml:2: follow_up_rules[0].key:" in dupes[0], result.stderr


def test_a_pipeline_with_more_stages_than_hubspot_allows_fails_validate(
    cli: Cli, tmp_path: Path
) -> None:
    stages = "".join(
        f"      - {{key: jp_s{i}, label: {{ja: 段階{i}}}, probability: 0.5}}\n" for i in range(101)
    )
    text = (
        "version: 1\npipelines:\n  - object: deals\n    id: jp_long\n"
        "    label: {ja: 長い}\n    stages:\n" + stages
    )
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": text})
    line = one_line(cli("validate", str(bp)))
    assert "a.yaml:6: pipelines[0].stages:" in line and "at most 100" in line, line


def test_an_unrelated_migrations_folder_two_levels_up_does_not_break_plan(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    project = tmp_path / "webapp"
    django = project / "migrations"
    django.mkdir(parents=True)
    (django / "__init__.py").write_text("")
    (django / "0001_initial.py").write_text(
        "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
        "    operations = []\n"
    )
    (django / "0002_Add_Field.py").write_text("from django.db import migrations\n")
    bp = write_blueprint(project / "crm" / "blueprint", {"a.yaml": SMALL})
    result = cli("plan", str(bp), "--portal", "test", "--config", str(portal.config))
    assert result.exit_code == 0, result.stderr
    said = result.stdout + result.stderr
    assert "migrate up" not in said and "migrations not checked" not in said, said


# -- 3. Config and URLs --------------------------------------------------------------------
BAD_URLS = {
    "no host": "http://",
    "port out of range": "https://api.hubapi.com:99999",
    "bad IPv6": "http://[::1",
    "unknown scheme": "ftp://api.hubapi.com",
}


@pytest.mark.parametrize("kind", list(BAD_URLS))
def test_bad_base_urls_are_one_line(
    kind: str, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hs-japan.toml"
    config.write_text(f'[portals.x]\nbase_url = "{BAD_URLS[kind]}"\ntoken_env = "X_TOKEN"\n')
    monkeypatch.setenv("X_TOKEN", TOKEN)
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    with deadline(20):
        line = one_line(cli("plan", str(bp), "--portal", "x", "--config", str(config)))
    assert "portals.x.base_url" in line and str(config) in line, line
    assert TOKEN not in line


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("newline", TOKEN[:20] + "\n" + TOKEN[20:], "line break"),
        ("non-latin-1", TOKEN[:-4] + "５５５５", "not plain ASCII"),
        ("smart quotes", "“" + TOKEN + "”", "not plain ASCII"),
    ],
)
def test_a_broken_token_variable_is_named_never_echoed(
    kind: str,
    value: str,
    expected: str,
    cli: Cli,
    portal: PortalEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(portal.token_env, value)
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    with deadline(20):
        result = cli("plan", str(bp), "--portal", "test", "--config", str(portal.config))
    line = one_line(result)
    assert portal.token_env in line and expected in line, line
    assert TOKEN[:20] not in result.stdout + result.stderr


def test_a_token_pasted_as_token_env_is_never_echoed(
    cli: Cli, tmp_path: Path, portal: PortalEnv
) -> None:
    config = tmp_path / "pasted.toml"
    config.write_text(f'[portals.x]\nbase_url = "{portal.url}"\ntoken_env = "{TOKEN}"\n')
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    result = cli("plan", str(bp), "--portal", "x", "--config", str(config))
    line = one_line(result)
    assert "the value of token_env looks like a token, not a variable name" in line, line
    assert "portals.x.token_env" in line
    assert TOKEN not in result.stdout + result.stderr
    assert "11111111" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'[portals.x]\nbase_url = "https://api.hubapi.com\n', ":2: invalid TOML"),
        (b"\xff\xfe[portals]\n", "not valid UTF-8"),
        (b"portals = 3\n", "portals: must be a table"),
        (b'[portals]\nx = "https://api.hubapi.com"\n', "portals.x: must be a table"),
        (None, "is a directory"),
    ],
)
def test_a_corrupt_profile_file_is_one_line(
    content: bytes | None, expected: str, cli: Cli, tmp_path: Path
) -> None:
    config = tmp_path / "hs-japan.toml"
    if content is None:
        config.mkdir()
    else:
        config.write_bytes(content)
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    with deadline(20):
        line = one_line(cli("plan", str(bp), "--portal", "x", "--config", str(config)))
    assert str(config) in line and expected in line, line


# -- 4. Output ---------------------------------------------------------------------------------
def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes anywhere on a normal file system; /proc refuses
        return Path("/proc/version")
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "plan.json"
    target.write_text("{}")
    target.chmod(0o444)
    folder.chmod(0o555)
    return target


@pytest.mark.parametrize("kind", ["directory", "missing folder", "unwritable file"])
def test_plan_out_that_cannot_be_written_is_one_line_and_writes_nothing(
    kind: str, cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    if kind == "directory":
        out = tmp_path / "plans"
        out.mkdir()
    elif kind == "missing folder":
        out = tmp_path / "nope" / "plan.json"
    else:
        out = _unwritable(tmp_path)
    before = out.read_bytes() if out.is_file() else None
    result = cli(
        "plan", str(bp), "--portal", "test", "--config", str(portal.config), "--out", str(out)
    )
    line = one_line(result)
    assert str(out) in line and "cannot write the plan file" in line, line
    if kind == "directory":
        assert list(out.iterdir()) == []
    elif kind == "missing folder":
        assert not out.parent.exists()
    else:
        assert out.read_bytes() == before
        assert not any(p.name.startswith(f".{out.name}.") for p in out.parent.iterdir())


def test_plan_out_is_written_whole(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    out = tmp_path / "plan.json"
    out.write_text("old")
    result = cli(
        "plan", str(bp), "--portal", "test", "--config", str(portal.config), "--out", str(out)
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text())["format"] == "hs-japan-plan/1"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".plan.json.")] == []


# -- 5. Plan files -----------------------------------------------------------------------------
def _saved_plan(cli: Cli, portal: PortalEnv, bp: Path, out: Path) -> dict[str, object]:
    result = cli(
        "plan", str(bp), "--portal", "test", "--config", str(portal.config), "--out", str(out)
    )
    assert result.exit_code == 0, result.stderr
    doc: dict[str, object] = json.loads(out.read_text())
    return doc


PLAN_EDITS: dict[str, tuple[Callable[[dict[str, object]], object], str]] = {
    "a JSON list": (lambda d: [d], "a JSON object is expected, found a list"),
    "missing portal": (lambda d: {k: v for k, v in d.items() if k != "portal"}, "portal:"),
    "portalId as text": (
        lambda d: {**d, "portal": {**d["portal"], "portalId": "123"}},  # type: ignore[dict-item]
        "portal.portalId: must be a number",
    ),
    "changes not a list": (lambda d: {**d, "changes": {}}, "changes: must be a list"),
    "a change of the wrong type": (lambda d: {**d, "changes": [1]}, "changes[0]: must be"),
    "an unknown action": (
        lambda d: {**d, "changes": [{**d["changes"][0], "action": "explode"}]},  # type: ignore[index]
        "changes[0]",
    ),
}


@pytest.mark.parametrize("kind", [*PLAN_EDITS, "truncated", "empty"])
def test_a_hand_edited_plan_file_is_one_line(
    kind: str, cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    out = tmp_path / "plan.json"
    doc = _saved_plan(cli, portal, bp, out)
    if kind == "truncated":
        out.write_text(out.read_text()[:200])
        expected = "invalid JSON"
    elif kind == "empty":
        out.write_text("")
        expected = "invalid JSON"
    else:
        edit, expected = PLAN_EDITS[kind]
        out.write_text(json.dumps(edit(doc)))
    result = cli(
        "apply", str(bp), "--portal", "test", "--config", str(portal.config), "--plan", str(out)
    )
    line = one_line(result)
    assert str(out) in line and expected in line, line


# -- 6. Local state ------------------------------------------------------------------------------
def test_a_journal_torn_inside_a_utf8_character_does_not_stop_the_next_apply(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    folder = tmp_path / "state" / "journal" / str(portal.portal_id)
    folder.mkdir(parents=True)
    begin = {"at": "2026-01-01T00:00:00Z", "event": "begin", "changes": [{"kind": "x"}]}
    intent = json.dumps(
        {"event": "intent", "kind": "pipeline", "key": "deals/jp_test_pipe", "after": "テスト"},
        ensure_ascii=False,
    ).encode()
    torn = intent[: intent.index("テ".encode()) + 1]  # cut inside a 3-byte character
    (folder / "20260101T000000000000Z-1.jsonl").write_bytes(
        json.dumps(begin).encode() + b"\n" + torn
    )
    result = cli("apply", str(bp), "--portal", "test", "--config", str(portal.config), "--yes")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    notes = [ln for ln in result.stderr.splitlines() if ln.startswith("note:")]
    assert len(notes) == 1 and "torn" in notes[0], result.stderr


def test_corrupt_local_credentials_are_reported_not_started_over(cli: Cli, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    assert cli("plan", str(bp)).exit_code == 0
    creds = tmp_path / "state" / "local" / "portal.json"
    creds.write_text('{"token": "abc", "portalId"')  # torn
    line = one_line(cli("plan", str(bp)))
    assert "portal.json" in line


def test_a_corrupt_local_portal_database_is_reported(cli: Cli, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL})
    local = tmp_path / "state" / "local"
    local.mkdir(parents=True)
    (local / "emulator.sqlite3").write_bytes(b"this is not a database" * 100)
    line = one_line(cli("plan", str(bp)))
    assert "emulator.sqlite3" in line
