"""End to end as a user runs it: `hs-japan emulator serve` in one process, the CLI in
others, a portal created through the control API, the token in an environment variable."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers import DEFAULT_BLUEPRINT

HS_JAPAN = [sys.executable, "-m", "hs_japan.cli"]


def _sigint_as_at_a_terminal() -> None:
    # a runner started in the background (`cmd &` in a script) hands its children SIGINT
    # ignored, and Python then never turns Ctrl-C into KeyboardInterrupt
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    proc = subprocess.Popen(
        [*HS_JAPAN, "emulator", "serve", "--port", "0", "--data", str(tmp_path / "emu")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_sigint_as_at_a_terminal,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, line + proc.stderr.read()
        yield match.group(0)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0  # Ctrl-C is a clean stop
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:  # never leave a server behind (a failed start, a hang)
            proc.kill()
            proc.wait()


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """`kill`, `docker stop` and CI runners send SIGTERM: exit 0, no traceback."""
    proc = subprocess.Popen(
        [*HS_JAPAN, "emulator", "serve", "--port", "0", "--data", str(tmp_path / "emu")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline())
        assert url
        assert requests.get(f"{url.group(0)}/_emulator/portals", timeout=5).status_code == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "stopped" in out
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HS_JAPAN, *args], env=env, cwd=cwd, text=True, capture_output=True, timeout=120
    )


def test_plan_apply_converge_against_a_served_emulator(served: str, tmp_path: Path) -> None:
    created = requests.post(
        f"{served}/_emulator/portals", json={"accountType": "SANDBOX"}, timeout=5
    ).json()
    (tmp_path / "hs-japan.toml").write_text(
        f'[portals.sandbox]\nbase_url = "{served}"\ntoken_env = "JP_SANDBOX_TOKEN"\n'
    )
    env = {**os.environ, "JP_SANDBOX_TOKEN": created["token"], "HS_JAPAN_HOME": str(tmp_path)}
    bp = str(DEFAULT_BLUEPRINT)
    before = run(["plan", bp, "--portal", "sandbox", "--detailed-exitcode"], env, tmp_path)
    assert before.returncode == 2, before.stderr
    assert f"Portal {created['portalId']}" in before.stdout
    applied = run(["apply", bp, "--portal", "sandbox", "--yes"], env, tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert "converged" in applied.stdout
    after = run(["plan", bp, "--portal", "sandbox", "--detailed-exitcode"], env, tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr
    for out in (before, applied, after):
        assert created["token"] not in out.stdout + out.stderr
