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
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
import requests

from tests.conftest import CliResult, PortalEnv, lift_limits
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
def served_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("emu")
    proc = subprocess.Popen(
        [*HS_JAPAN, "emulator", "serve", "--port", "0", "--data", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline())
        assert match
        yield match.group(0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0  # SIGTERM is a clean stop
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def fresh_portal(url: str, tmp: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """A new portal and an environment whose cwd-relative hs-japan.toml names it ``p``."""
    created = requests.post(
        f"{url}/_emulator/portals", json={"accountType": "SANDBOX"}, timeout=5
    ).json()
    # the census reads straight from the API, without the client's 429 handling: the
    # portal's rate limit is not what these tests are about (the Japan apply with leads and
    # the form can use up a 10-second window on its own)
    requests.put(
        f"{url}/_emulator/portals/{created['portalId']}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}},
        timeout=5,
    ).raise_for_status()
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


# (journal kill point, fraction of the plan's changes): the process SIGKILLs itself right
# after the Nth intent is durable (that write never sent) or once the Nth write has been
# answered but before its ``done`` line (the write landed, the journal does not know)
KILL_POINTS = [
    ("HS_JAPAN_DIE_AFTER_INTENTS", 0.0),  # the first intent
    ("HS_JAPAN_DIE_AFTER_INTENTS", 0.4),
    ("HS_JAPAN_DIE_AFTER_INTENTS", 1.0),  # the last intent
    ("HS_JAPAN_DIE_BEFORE_DONE", 0.7),
    ("HS_JAPAN_DIE_BEFORE_DONE", 1.0),  # every write landed, the last one unrecorded
]


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=env["HS_JAPAN_CWD"], capture_output=True, text=True, timeout=timeout
    )


def kill_and_rerun(url: str, tmp: Path, variable: str, n: int, planned: int) -> Outcome:
    """A fresh portal, an apply killed at one journal point, then the recovery."""
    env, created = fresh_portal(url, tmp)
    killed = run(apply_cmd(), {**env, variable: str(n)})
    assert killed.returncode == -signal.SIGKILL, (variable, n, killed.stderr)
    rerun = run(apply_cmd(), env)
    if variable == "HS_JAPAN_DIE_BEFORE_DONE" and n == planned:
        # every write landed: the re-read finds nothing left, nothing is sent twice
        assert rerun.returncode == 0, rerun.stderr
        assert "No changes" in rerun.stdout, rerun.stdout
    else:
        # the killed run left its lock: recognised as a dead process on this host and
        # broken on request
        assert "hs-japan unlock" in rerun.stderr, rerun.stderr
        assert "no longer running on this machine" in rerun.stderr
        unlock = run([*HS_JAPAN, "unlock", "--portal", "p", "--yes"], env, timeout=60)
        assert unlock.returncode == 0, unlock.stderr
        rerun = run(apply_cmd(), env)
        # the killed run's journal has no end: the re-run says so
        assert "a previous apply" in rerun.stderr, rerun.stderr
    dup, missing = census(url, created["token"])
    left = final_plan_changes(env, tmp)
    name = f"kill -9 {variable.removeprefix('HS_JAPAN_').lower()}={n}/{planned}"
    return Outcome(name, rerun.returncode == 0, dup, missing + left)


def test_kill_9_at_several_points_then_rerun_converges(
    served_emulator: str, tmp_path: Path
) -> None:
    env, _ = fresh_portal(served_emulator, tmp_path / "count")
    planned = final_plan_changes(env, tmp_path)  # one intent per change
    assert planned > 20
    # each kill point has its own portal and state folder: run them side by side
    with ThreadPoolExecutor(max_workers=len(KILL_POINTS)) as pool:
        futures = [
            pool.submit(
                kill_and_rerun,
                served_emulator,
                tmp_path / f"kill{i}",
                variable,
                max(1, round(planned * fraction)),
                planned,
            )
            for i, (variable, fraction) in enumerate(KILL_POINTS)
        ]
        outcomes = [f.result() for f in futures]
    report(outcomes)


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
    # the clients the CLI makes wait with hs_japan.portal.client.SLEEP: record, never sleep
    slept: list[float] = []
    monkeypatch.setattr("hs_japan.portal.client.SLEEP", slept.append)
    # the faults under test are the injected ones: with waits recorded, never slept, the
    # portal's own rate limit (a wall-clock window) would be retried at once until the
    # retries run out, now that the Japan blueprint (leads, form) makes more requests
    lift_limits(portal)
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
    assert slept, "the retries' waits went through the injected sleep"
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults", json={"faults": []}, timeout=5
    )
    dup, missing = census(portal.url, portal.token)
    after = cli("plan", BP, "--portal", "test", "--config", str(portal.config), "--format", "json")
    left = len(__import__("json").loads(after.stdout)["changes"])
    report([Outcome(name, result.exit_code == 0, dup, missing + left)])
