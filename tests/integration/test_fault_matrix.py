"""The fault matrix: applies hit by 429 storms, 5xx, lost responses and `kill -9` at
several points must all converge, with no duplicate and no lost change.

Each run starts from a fresh emulator portal, applies the full Japan blueprint under
the fault, re-runs apply when the first run died, and then checks the portal
independently of the engine: every desired group/property/pipeline/stage exists once,
and a final plan is empty. The summary line is printed (``pytest -s`` shows it) and
quoted in docs/safety.md.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import CliResult, PortalEnv
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]
BP = str(DEFAULT_BLUEPRINT)
HS_JAPAN = [sys.executable, "-m", "hs_japan.cli"]


@dataclass
class Outcome:
    name: str
    converged: bool
    duplicates: int
    lost: int


def census(url: str, token: str) -> tuple[int, int]:
    """(duplicates, missing) of the blueprint's resources, read straight from the API."""
    h = {"Authorization": f"Bearer {token}"}
    dup = 0
    for obj in ("contacts", "companies", "deals", "tickets"):
        props = requests.get(f"{url}/crm/v3/properties/{obj}", headers=h, timeout=10).json()
        dup += sum(n - 1 for n in Counter(p["name"] for p in props["results"]).values())
    missing = 0
    for obj in ("deals", "tickets"):
        pipes = requests.get(f"{url}/crm/v3/pipelines/{obj}", headers=h, timeout=10).json()
        labels = Counter(p["label"] for p in pipes["results"])
        dup += sum(n - 1 for n in labels.values())
        for p in pipes["results"]:
            dup += sum(n - 1 for n in Counter(s["label"] for s in p["stages"]).values())
    lists = requests.post(
        f"{url}/crm/v3/lists/search", json={"count": 500}, headers=h, timeout=10
    ).json()["lists"]
    dup += sum(n - 1 for n in Counter(x["name"] for x in lists).values())
    for key in ("jp_enterprise",):
        r = requests.get(f"{url}/crm/v3/pipelines/deals/{key}", headers=h, timeout=10)
        missing += r.status_code != 200
    return dup, missing


def final_plan_changes(env: dict[str, str], cwd: Path) -> int:
    out = subprocess.run(
        [*HS_JAPAN, "plan", BP, "--portal", "p", "--format", "json"],
        env=env,
        cwd=env["HS_JAPAN_CWD"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return len(__import__("json").loads(out.stdout)["changes"])


@pytest.fixture(scope="module")
def slow_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("emu")
    proc = subprocess.Popen(
        [*HS_JAPAN, "emulator", "serve", "--port", "0", "--data", str(data), "--latency-ms", "25"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    match = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline())
    assert match
    yield match.group(0)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)


def fresh_portal(url: str, tmp: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """A new portal and an environment whose cwd-relative hs-japan.toml names it ``p``."""
    created = requests.post(
        f"{url}/_emulator/portals", json={"accountType": "SANDBOX"}, timeout=5
    ).json()
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "hs-japan.toml").write_text(f'[portals.p]\nbase_url = "{url}"\ntoken_env = "TOK"\n')
    env = {
        **os.environ,
        "TOK": created["token"],
        "HS_JAPAN_HOME": str(tmp / "state"),
        "HS_JAPAN_CWD": str(tmp),
    }
    return env, created


def apply_cmd() -> list[str]:
    return [*HS_JAPAN, "apply", BP, "--portal", "p", "--yes"]


def test_kill_9_at_several_points_then_rerun_converges(slow_emulator: str, tmp_path: Path) -> None:
    # how long does an undisturbed apply take (process start included)?
    env, _ = fresh_portal(slow_emulator, tmp_path / "timing")
    started = time.monotonic()
    first = subprocess.run(
        apply_cmd(), env=env, cwd=env["HS_JAPAN_CWD"], capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    total = time.monotonic() - started

    outcomes: list[Outcome] = []
    notes = 0
    for i, fraction in enumerate((0.35, 0.5, 0.65, 0.8, 0.95)):
        env, created = fresh_portal(slow_emulator, tmp_path / f"kill{i}")
        proc = subprocess.Popen(
            apply_cmd(),
            env=env,
            cwd=env["HS_JAPAN_CWD"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(total * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # the killed run may have left its lock: a stale lock is reported, broken on request
        rerun = subprocess.run(
            apply_cmd(),
            env=env,
            cwd=env["HS_JAPAN_CWD"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if "hs-japan unlock" in rerun.stderr:
            # the killed run's lock: recognised as a dead process on this host
            assert "no longer running on this machine" in rerun.stderr
            unlock = subprocess.run(
                [*HS_JAPAN, "unlock", "--portal", "p", "--yes"],
                env=env,
                cwd=env["HS_JAPAN_CWD"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert unlock.returncode == 0, unlock.stderr
            rerun = subprocess.run(
                apply_cmd(),
                env=env,
                cwd=env["HS_JAPAN_CWD"],
                capture_output=True,
                text=True,
                timeout=300,
            )
        notes += "a previous apply" in rerun.stderr
        dup, missing = census(slow_emulator, created["token"])
        left = final_plan_changes(env, tmp_path)
        outcomes.append(
            Outcome(f"kill -9 at {fraction:.0%}", rerun.returncode == 0, dup, missing + left)
        )
    report(outcomes)
    assert notes >= 1  # at least one kill landed mid-write and the journal said so


def report(outcomes: list[Outcome]) -> None:
    converged = sum(o.converged for o in outcomes)
    duplicates = sum(o.duplicates for o in outcomes)
    lost = sum(o.lost for o in outcomes)
    print(
        f"\nfault matrix: {converged}/{len(outcomes)} runs converged, "
        f"{duplicates} duplicates, {lost} changes lost"
    )
    for o in outcomes:
        print(f"  {o.name}: converged={o.converged} duplicates={o.duplicates} lost={o.lost}")
    assert converged == len(outcomes)
    assert duplicates == 0
    assert lost == 0


FAULTS: dict[str, list[dict[str, Any]]] = {
    "429 storm on every write": [
        {"kind": "status", "status": 429, "method": m, "times": 10, "retryAfter": "0"}
        for m in ("POST", "PATCH")
    ],
    "5xx on reads and writes": [{"kind": "status", "status": 503, "times": 5}],
    "502/504 mix, seeded": [
        {"kind": "status", "status": 502, "probability": 0.15},
        {"kind": "status", "status": 504, "probability": 0.1},
    ],
    "lost responses on every create kind": [
        {"kind": "lost_response", "method": "POST", "path": p, "times": 1}
        for p in (
            "/crm/v3/properties/{objectType}/groups",
            "/crm/v3/properties/{objectType}/batch/create",
            "/crm/v3/pipelines/{objectType}",
        )
    ],
    "dropped connections": [{"kind": "drop", "method": "POST", "times": 3}],
    "423 locked": [{"kind": "status", "status": 423, "times": 2, "retryAfter": "0"}],
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_emulator_faults_still_converge(
    name: str, cli: Cli, portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hs_japan.portal.client.time.sleep", lambda _s: None)
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults",
        json={"faults": FAULTS[name], "seed": 11},
        timeout=5,
    )
    result = cli("apply", BP, "--portal", "test", "--config", str(portal.config), "--yes")
    fired = requests.get(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults", timeout=5
    ).json()["faults"]
    assert sum(f["fired"] for f in fired) > 0  # the faults really happened
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults", json={"faults": []}, timeout=5
    )
    dup, missing = census(portal.url, portal.token)
    after = cli("plan", BP, "--portal", "test", "--config", str(portal.config), "--format", "json")
    left = len(__import__("json").loads(after.stdout)["changes"])
    report([Outcome(name, result.exit_code == 0, dup, missing + left)])
