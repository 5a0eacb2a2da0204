"""Tokens never appear in stdout, stderr, logs, plan files, journals or tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, PortalEnv
from tests.helpers import SMALL, write_blueprint

Cli = Callable[..., CliResult]


def every_output(cli: Cli, portal: PortalEnv, tmp_path: Path) -> list[str]:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    bad = write_blueprint(tmp_path / "bad", {"b.yaml": "version: 1\nproperties: [\n"})
    on = ("--portal", "test", "--config", str(portal.config))
    saved = tmp_path / "p.json"
    runs = []
    for debug in ((), ("--debug",)):
        runs += [
            cli(*debug, "validate", str(bp)),
            cli(*debug, "validate", str(bad)),
            cli(*debug, "plan", str(bp), *on, "--out", str(saved)),
            cli(*debug, "plan", str(bp), *on, "--format", "json"),
            cli(*debug, "plan", str(bp), *on, "--format", "markdown"),
            cli(*debug, "plan", str(bad), *on),
            cli(*debug, "apply", str(bp), *on),  # no terminal: refused
            cli(*debug, "apply", str(bp), *on, "--yes"),
            cli(*debug, "apply", str(bp), *on, "--plan", str(saved)),  # stale: refused
            cli(*debug, "unlock", *on),
        ]
    texts = [r.stdout + r.stderr for r in runs]
    state = tmp_path / "state"
    texts += [p.read_text(errors="replace") for p in state.rglob("*") if p.is_file()]
    texts.append(saved.read_text())
    assert any("Traceback" in t for t in texts)  # --debug really printed tracebacks
    assert any("DEBUG hs_japan.http" in t for t in texts)  # and the request log
    return texts


def test_the_portal_token_never_appears(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    texts = every_output(cli, portal, tmp_path)
    for t in texts:
        assert portal.token not in t
        assert portal.token[-12:] not in t


def test_a_rejected_token_never_appears_even_in_debug_tracebacks(
    cli: Cli, portal: PortalEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "pat-na1-0badc0de-feed-4bee-8bad-f00dcafe1234"
    monkeypatch.setenv(portal.token_env, secret)
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    on = ("--portal", "test", "--config", str(portal.config))
    runs = [
        cli("plan", str(bp), *on),
        cli("--debug", "plan", str(bp), *on),
        cli("apply", str(bp), *on, "--yes"),
        cli("--debug", "apply", str(bp), *on, "--yes"),
        cli("--debug", "unlock", *on),
    ]
    for r in runs:
        assert r.exit_code == 1
        assert "rejected (401" in r.stderr
        assert secret not in r.stdout + r.stderr
        assert "0badc0de" not in r.stdout + r.stderr
