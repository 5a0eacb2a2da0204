"""``portal.facts.read_facts`` places each read in a round (issue 14): round 1 holds the
reads round 2 is chosen from, plus the account details; the reads no followup depends on
(``later``) wait for round 2 unless everything fits the connection pool at once, or there
is no round 2 to wait for. Readers here are this module's functions (``fn(client, arg)``);
each notes the round it ran in."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hs_japan.kinds.base import Facts, Read
from hs_japan.portal import facts as facts_mod
from hs_japan.portal.facts import read_facts, requests_of
from hs_japan.portal.read import sends
from hs_japan.resources import PortalInfo

HERE = __name__
SEEN: list[tuple[int, Any]] = []
PHASE = [1]
LOCK = threading.Lock()


def reader(_client: Any, arg: Any) -> str:
    with LOCK:
        SEEN.append((PHASE[0], arg))
    return f"answer {arg}"


@sends(len)
def wide_reader(_client: Any, arg: tuple[str, ...]) -> str:
    return reader(_client, arg)


class FakeClient:
    def __init__(self) -> None:
        self.details = 0

    def get_account_details(self) -> dict[str, Any]:
        self.details += 1
        return {"portalId": 7, "accountType": "SANDBOX", "timeZone": "Asia/Tokyo"}


def one(arg: str) -> Read:
    return Read(f"{HERE}:reader", arg)


def wide(*args: str) -> Read:
    return Read(f"{HERE}:wide_reader", args)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    SEEN.clear()
    PHASE[0] = 1
    monkeypatch.setattr(facts_mod, "READ_CONCURRENCY", 4)


def followups_of(*reads: Read) -> Any:
    def choose(round1: Facts) -> list[Read]:
        PHASE[0] = 2
        assert round1.info.portal_id == 0  # the details are not used before the guard
        return list(reads)

    return choose


def rounds() -> dict[Any, int]:
    return {arg: phase for phase, arg in SEEN}


def test_requests_of_reads_the_readers_mark() -> None:
    assert requests_of(one("a")) == 1  # unmarked: one request
    assert requests_of(wide("a", "b", "c")) == 3
    assert requests_of(Read("hs_japan.portal.facts:property_listing", "deals")) == 2


def test_later_reads_wait_for_round_two_when_round_one_would_not_fit() -> None:
    vetted: list[int] = []
    got = read_facts(
        FakeClient(),  # type: ignore[arg-type]
        [one("need1"), wide("n2", "n3")],
        followups_of(one("followup")),
        later=[one("late1"), one("late2"), one("need1")],
        guard=lambda info: vetted.append(info.portal_id),
    )
    # 1 + 2 + 2 later + the details = 6 requests > 4: the later reads go with round 2
    assert rounds() == {"need1": 1, ("n2", "n3"): 1, "late1": 2, "late2": 2, "followup": 2}
    assert vetted == [7] and got.info == PortalInfo(7, "SANDBOX", time_zone="Asia/Tokyo")
    assert got.get(one("late2")) == "answer late2" and got.get(one("followup"))


def test_later_reads_join_round_one_when_everything_fits() -> None:
    read_facts(
        FakeClient(),  # type: ignore[arg-type]
        [one("need1")],
        followups_of(one("followup")),
        later=[one("late1"), one("late2")],
    )
    # 1 + 2 + the details = 4 requests: one wave, and a plan without followups is one trip
    assert rounds() == {"need1": 1, "late1": 1, "late2": 1, "followup": 2}


def test_later_reads_join_round_one_when_there_is_no_round_two() -> None:
    client = FakeClient()
    got = read_facts(
        client,  # type: ignore[arg-type]
        [wide("a", "b", "c")],
        later=[one("late1"), one("late2")],
        info=PortalInfo(9, "STANDARD"),
    )
    assert rounds() == {("a", "b", "c"): 1, "late1": 1, "late2": 1}
    assert client.details == 0 and got.info.portal_id == 9  # given: not read again


def test_later_reads_are_round_one_when_nothing_else_is() -> None:
    read_facts(
        FakeClient(),  # type: ignore[arg-type]
        [],
        followups_of(),
        later=[wide("a", "b", "c"), one("late")],
    )
    assert rounds() == {("a", "b", "c"): 1, "late": 1}


def test_a_failed_guard_uses_no_answer() -> None:
    def refuse(_info: PortalInfo) -> None:
        raise RuntimeError("not this portal")

    with pytest.raises(RuntimeError, match="not this portal"):
        read_facts(
            FakeClient(),  # type: ignore[arg-type]
            [one("need1")],
            followups_of(),
            later=[one("a"), one("b"), one("c"), one("d")],
            guard=refuse,
        )
