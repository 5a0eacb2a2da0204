"""The client-side pacer: a sliding window per bucket at 90 % of the learned limit."""

from __future__ import annotations

from hs_japan.portal.client import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_learns_the_limit_from_headers_and_keeps_under_it() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.learn(
        {"X-HubSpot-RateLimit-Max": "190", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
    )
    assert pacer.limits["default"] == (190, 10.0)
    for _ in range(171):  # 90 % of 190 go out at once
        pacer.acquire("default", clock.sleep)
    assert clock.slept == []
    pacer.acquire("default", clock.sleep)  # the 172nd waits for the window to roll
    assert clock.now == 10.0
    sent = pacer.sent["default"]
    in_any_window = max(sum(1 for t in sent if start <= t < start + 10.0) for start in sent)
    assert in_any_window <= 171


def test_search_has_its_own_bucket() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    for _ in range(3):
        pacer.acquire("search", clock.sleep)
    pacer.acquire("default", clock.sleep)
    assert clock.now == 0.0
    pacer.acquire("search", clock.sleep)  # 4/s x 90 % = 3 per second
    assert clock.now == 1.0


def test_missing_or_broken_headers_keep_the_conservative_default() -> None:
    pacer = Pacer()
    pacer.learn(None)
    pacer.learn({"X-HubSpot-RateLimit-Max": "many"})
    assert pacer.limits["default"] == (100, 10.0)
