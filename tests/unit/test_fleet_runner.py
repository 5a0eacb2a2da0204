"""The fleet runner without a server: each portal in a child process (or a thread), its
block printed whole and in the order given, its error confined to it."""

from __future__ import annotations

import os
import time

import pytest

from hs_japan.commands._common import Outcome, run_fleet, summary
from hs_japan.errors import ApplyRefused, ConfigError
from hs_japan.ui import UI, ScriptedUI


def one(name: str, ui: UI) -> Outcome:
    if name == "bad":
        raise ConfigError("portal 'bad': environment variable X is not set")
    if name == "no":
        raise ApplyRefused("cancelled; nothing was written")
    if name == "boom":
        raise RuntimeError("kaput")
    time.sleep(0.3 if name == "slow" else 0)  # finishes last, printed first
    ui.echo(f"plan of {name}")
    ui.err(f"note: {name}")
    return Outcome(0, 3, os.getpid(), "changes")


@pytest.mark.parametrize("processes", [True, False])
def test_blocks_in_order_errors_confined(processes: bool) -> None:
    ui = ScriptedUI()
    names = ["slow", "bad", "fast", "no", "boom"]
    done = run_fleet(names, one, ui, processes=processes)
    assert [n for n, _, _ in done] == names
    heads = [ui.stdout.index(f"=== portal '{n}' ===") for n in names]
    assert heads == sorted(heads)
    assert "plan of slow" in ui.stdout and "plan of fast" in ui.stdout
    assert "note: slow" in ui.errors and "note: fast" in ui.errors
    assert "error: portal 'bad': environment variable X is not set" in ui.errors
    assert "error: cancelled; nothing was written" in ui.errors
    assert any(e.startswith("internal error: RuntimeError: kaput") for e in ui.errors)
    outcomes = {n: o for n, _, o in done}
    assert outcomes["bad"] == Outcome(1, result="error")
    assert outcomes["no"] == Outcome(1, result="refused")
    assert outcomes["slow"].result == "changes" and outcomes["slow"].changes == 3
    pids = {outcomes["slow"].portal_id, outcomes["fast"].portal_id}
    if processes:  # each portal ran in a process of its own
        assert os.getpid() not in pids and len(pids) == 2
    else:
        assert pids == {os.getpid()}
    table = summary(done)
    assert table.startswith("Fleet: 5 portals\n")
    assert "slow" in table and "refused" in table


def test_a_child_that_dies_is_reported_not_hung() -> None:
    def dies(name: str, ui: UI) -> Outcome:
        if name == "dead":
            os._exit(9)
        return Outcome(0, 0, 1, "no changes")

    ui = ScriptedUI()
    done = run_fleet(["ok", "dead"], dies, ui, processes=True)
    assert done[0][2].result == "no changes"
    assert done[1][2] == Outcome(1, result="error")
    assert "error: the process for this portal ended unexpectedly (exit 9)" in ui.errors


def test_processes_run_concurrently() -> None:
    def sleepy(name: str, ui: UI) -> Outcome:
        time.sleep(0.5)
        return Outcome(0)

    started = time.perf_counter()
    run_fleet([f"p{i}" for i in range(6)], sleepy, ScriptedUI(), processes=True)
    assert time.perf_counter() - started < 2.0  # 6 × 0.5 s one after another would be 3 s
