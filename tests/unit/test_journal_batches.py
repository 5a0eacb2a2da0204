"""The journal of a batch write: one request's intents durable with one fsync before it is
sent, its completions with one fsync after its answer; recovery stays exact (the changes
in doubt are those of the request in flight, not of the batches never sent)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from hs_japan.apply import ApplyHooks, apply_changes
from hs_japan.errors import ApplyFailed, PortalError
from hs_japan.journal import Journal, interrupted, read_events
from hs_japan.plan.model import Action, Change, Plan
from hs_japan.resources import Kind, PortalInfo, Snapshot

INFO = PortalInfo(7, "SANDBOX")


class Batches:
    """Takes property creates in batches of 100 like PortalWriter; fails on ``fail_at``."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at
        self.sent: list[list[str]] = []

    def create_properties(
        self,
        obj: str,
        items: Sequence[tuple[str, dict[str, Any]]],
        written: Callable[[list[str]], None] = lambda _names: None,
        sending: Callable[[list[str]], None] = lambda _names: None,
    ) -> None:
        for n, start in enumerate(range(0, len(items), 100)):
            chunk = [name for name, _ in items[start : start + 100]]
            sending(chunk)
            self.sent.append(chunk)
            if n == self.fail_at:
                raise PortalError("create deals properties: HTTP 503", status=503)
            written(chunk)


def creates(n: int) -> list[Change]:
    return [
        Change(Action.CREATE, Kind.PROPERTY, f"deals/p_{i:04d}", None, {"type": "string"})
        for i in range(n)
    ]


def journaled(tmp_path: Path, changes: list[Change]) -> tuple[Journal, ApplyHooks]:
    journal = Journal(tmp_path, INFO.portal_id)
    journal.begin(Plan(INFO, "bp", "digest", "ja", tuple(changes)))
    hooks = ApplyHooks(
        intent=journal.intent, done=journal.done, intents=journal.intents, dones=journal.dones
    )
    return journal, hooks


def test_a_batch_request_costs_two_fsyncs_and_keeps_a_line_per_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fsyncs: list[int] = []
    monkeypatch.setattr("hs_japan.journal.os.fsync", fsyncs.append)
    changes = creates(350)
    journal, hooks = journaled(tmp_path, changes)
    apply_changes(changes, Batches(), Snapshot(), hooks=hooks)  # type: ignore[arg-type]
    journal.end(converged=True)
    # begin, 4 requests x (intents, dones), end: not 2 per change (702)
    assert len(fsyncs) == 1 + 4 * 2 + 1
    events = read_events(journal.path)
    intents = [e["key"] for e in events if e["event"] == "intent"]
    dones = [e["key"] for e in events if e["event"] == "done"]
    assert intents == dones == [c.key for c in changes]
    # per request: a batch's intents come after the previous batch's completions
    kinds = [e["event"] for e in events[1:-1]]
    assert kinds == (["intent"] * 100 + ["done"] * 100) * 3 + ["intent"] * 50 + ["done"] * 50


def test_a_crash_leaves_in_doubt_only_the_request_in_flight(tmp_path: Path) -> None:
    changes = creates(350)
    journal, hooks = journaled(tmp_path, changes)
    with pytest.raises(ApplyFailed) as failed:
        apply_changes(changes, Batches(fail_at=2), Snapshot(), hooks=hooks)  # type: ignore[arg-type]
    journal.close()  # the process died here: no end line
    assert "100 more in the failing batch may have been written too" in str(failed.value)
    (left,) = interrupted(tmp_path, INFO.portal_id)
    assert left.done == 200
    # the third request's 100, not the 150 never confirmed (the fourth was never sent)
    assert left.in_doubt == [f"property {c.key}" for c in changes[200:300]]


def test_kill_points_count_changes_inside_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Died(Exception):
        pass

    def die() -> None:
        raise Died

    monkeypatch.setattr("hs_japan.journal._die", die)
    monkeypatch.setenv("HS_JAPAN_DIE_AFTER_INTENTS", "150")
    monkeypatch.setenv("HS_JAPAN_DIE_BEFORE_DONE", "150")
    changes = creates(200)
    journal = Journal(tmp_path, INFO.portal_id)
    journal.intents(changes[:100])
    with pytest.raises(Died):  # the 150th intent is durable (with its request's others)
        journal.intents(changes[100:])
    journal.dones(changes[:100])
    with pytest.raises(Died):  # the 150th write answered, its done not written
        journal.dones(changes[100:])
    journal.close()
    lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert [e["event"] for e in lines] == ["intent"] * 200 + ["done"] * 100
