"""The README's tour and ``make tour`` (scripts/tour.sh) cannot drift apart: every
``hs-japan`` command the README shows — in code blocks and in inline code — is a line of
the tour script, and the tour runs them in the README's order."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TOUR = ROOT / "scripts" / "tour.sh"

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`(hs-japan [^`]+)`")
_COMMAND = re.compile(r'^(?:eval "\$\()?hs-japan ')
_RUN = re.compile(r"^run \d+ ")


def _strip_comment(line: str) -> str:
    """The command without a trailing ``# comment`` (none of them quote a #)."""
    return re.sub(r"\s+#.*$", "", line).strip()


def readme_commands(text: str) -> list[str]:
    """Every hs-japan command line of README.md, in the order it shows them."""
    found: list[tuple[int, str]] = []
    fenced: list[tuple[int, int]] = []
    for block in _FENCE.finditer(text):
        fenced.append((block.start(), block.end()))
        offset = block.start(1)
        for line in block.group(1).splitlines(keepends=True):
            command = _strip_comment(line)
            if _COMMAND.match(command):
                found.append((offset, re.sub(r"\s+", " ", command)))
            offset += len(line)
    for span in _INLINE.finditer(text):
        if not any(a <= span.start() < b for a, b in fenced):
            found.append((span.start(), re.sub(r"\s+", " ", span.group(1).strip())))
    return [command for _, command in sorted(found)]


def tour_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = _RUN.sub("", _strip_comment(raw))
        lines.append(re.sub(r"\s+", " ", line))
    return lines


def test_readme_has_the_commands_the_tour_checks() -> None:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    # the ones a new user meets first, in every section of the README
    for expected in (
        "hs-japan validate blueprints/japan-enterprise",
        "hs-japan plan blueprints/japan-enterprise --format json --out plan.json",
        "hs-japan graph blueprints/japan-enterprise --out funnel.svg",
        "hs-japan audit blueprints/japan-enterprise",
        'eval "$(hs-japan emulator portal create sandbox)"',
        "hs-japan clone --from sandbox --to subsidiary --yes",
        "hs-japan doctor blueprints/japan-enterprise --portal sandbox",
    ):
        assert expected in commands


def test_every_readme_command_is_in_the_tour_in_order() -> None:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    lines = tour_lines(TOUR.read_text(encoding="utf-8"))
    missing = [c for c in commands if c not in lines]
    assert not missing, f"README commands missing from scripts/tour.sh: {missing}"
    at = -1
    for command in commands:
        # the first line at or after the previous command's position
        later = [i for i, line in enumerate(lines) if line == command and i > at]
        assert later, f"scripts/tour.sh runs {command!r} before the command the README puts first"
        at = later[0]


def test_tour_fails_on_unexpected_exit_codes() -> None:
    text = TOUR.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert "HS_JAPAN_HOME=" in text  # a temporary state folder, never the user's
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^tour:.*\n\t.*scripts/tour\.sh", makefile, re.MULTILINE)


def test_readme_parser_sees_fenced_and_inline_commands() -> None:
    text = (
        "Run `hs-japan unlock` now.\n\n```sh\nhs-japan plan x   # comment\n"
        'eval "$(hs-japan emulator portal create a)"\nnot-a-command\n```\n'
        "then `hs-japan.toml` and `hs-japan doctor x`.\n"
    )
    assert readme_commands(text) == [
        "hs-japan unlock",
        "hs-japan plan x",
        'eval "$(hs-japan emulator portal create a)"',
        "hs-japan doctor x",
    ]


def test_emulator_portal_create_writes_a_profile_and_prints_the_export(tmp_path: Path) -> None:
    """`emulator portal create NAME` asks a running emulator for a portal, writes
    [portals.NAME] (replacing an older one, keeping the rest) and prints the export."""
    import tomllib

    from typer.testing import CliRunner

    from hs_japan.cli import app
    from hs_japan.config import load_profile
    from hubspot_emulator import EmulatorServer

    config = tmp_path / "hs-japan.toml"
    config.write_text(
        '# mine\n[portals.prod]\nbase_url = "https://api.hubapi.com"\n'
        'token_env = "PROD_TOKEN"\n\n[portals.sandbox]\nbase_url = "http://127.0.0.1:1"\n'
        'token_env = "OLD"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    with EmulatorServer() as server:
        args = ["emulator", "portal", "create", "sandbox", "--url", server.url]
        done = runner.invoke(app, [*args, "--config", str(config)])
        assert done.exit_code == 0, done.output
        export = done.stdout.strip()
        assert export.startswith("export HS_JAPAN_SANDBOX_TOKEN=pat-local-")
        parsed = tomllib.loads(config.read_text(encoding="utf-8"))
        assert set(parsed["portals"]) == {"prod", "sandbox"}
        assert parsed["portals"]["sandbox"]["base_url"] == server.url
        assert config.read_text(encoding="utf-8").startswith("# mine\n")
        profile = load_profile("sandbox", config)
        assert profile.token_env == "HS_JAPAN_SANDBOX_TOKEN"
        assert profile.account_type == "SANDBOX"
        assert profile.portal_id is not None
    # nothing listening: one clear line, no traceback
    gone = runner.invoke(app, [*args, "--config", str(config)])
    assert gone.exit_code == 1
    assert "no emulator answers at" in gone.output
    assert "Traceback" not in gone.output


def test_plan_json_out_prints_one_line(cli: Any, portal: Any, tmp_path: Path) -> None:
    """`plan --format json --out f` writes the JSON to f; the terminal gets one line."""
    import json

    from tests.helpers import DEFAULT_BLUEPRINT

    saved = tmp_path / "plan.json"
    on = ("--portal", portal.name, "--config", str(portal.config))
    done = cli("plan", str(DEFAULT_BLUEPRINT), *on, "--format", "json", "--out", str(saved))
    assert done.exit_code == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 1
    assert done.stdout.startswith("Plan: ") and f"Saved to {saved}" in done.stdout
    assert json.loads(saved.read_text(encoding="utf-8"))["changes"]


def test_emulator_is_quiet_when_a_client_hangs_up(capsys: Any) -> None:
    """A client disconnecting mid-answer prints no BrokenPipe traceback; other errors do."""
    from hubspot_emulator import EmulatorServer

    with EmulatorServer() as server:
        httpd = server._httpd
        assert httpd is not None
        for exc in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
            try:
                raise exc
            except OSError:
                httpd.handle_error(None, ("127.0.0.1", 1))
        assert capsys.readouterr().err == ""
        try:
            raise ValueError("a real bug")
        except ValueError:
            httpd.handle_error(None, ("127.0.0.1", 1))
        assert "ValueError: a real bug" in capsys.readouterr().err
