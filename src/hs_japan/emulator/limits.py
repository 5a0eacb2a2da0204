"""Rate limits and fault injection, in memory per portal.

Rate limits (docs/hubspot-api.md §2): a rolling 10-second window and a daily counter that resets at
midnight Asia/Tokyo, sized by the portal's tier; every API response carries the
``X-HubSpot-RateLimit-*`` headers and a refusal is the documented 429 body. CRM search
endpoints additionally have their own per-second cap (4/s, policy ``SECONDLY``) and, as
reported for HubSpot, answer without the rate-limit headers.

Faults (issue: deterministic from a seed): rules matched by method and path template
(or path prefix) that answer with a status (429 storms, 423, 5xx), add latency, drop the
connection before answering, or perform the write and then drop the response ("the
write succeeded but the response was lost"). Each rule fires with a probability drawn
from a per-portal ``random.Random(seed)``, optionally only for its first ``times``
matches, so a test run is reproducible.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hs_japan.emulator.account import TIER_LIMITS, next_tokyo_midnight

FAULT_KINDS = ("status", "latency", "drop", "lost_response")
SEARCH_PER_SECOND = 4  # "4 req/s per token historically" (docs/hubspot-api.md §2.1)


@dataclass
class Fault:
    kind: str
    status: int = 500
    method: str | None = None
    path: str | None = None
    probability: float = 1.0
    times: int | None = None
    latency_ms: int = 0
    retry_after: str | None = None
    fired: int = 0

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Fault:
        kind = raw.get("kind", "status")
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")
        return cls(
            kind=kind,
            status=int(raw.get("status", 500)),
            method=(raw.get("method") or None) and str(raw["method"]).upper(),
            path=raw.get("path"),
            probability=float(raw.get("probability", 1.0)),
            times=None if raw.get("times") is None else int(raw["times"]),
            latency_ms=int(raw.get("latencyMs", 0)),
            retry_after=None if raw.get("retryAfter") is None else str(raw["retryAfter"]),
        )

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "method": self.method,
            "path": self.path,
            "probability": self.probability,
            "times": self.times,
            "latencyMs": self.latency_ms,
            "retryAfter": self.retry_after,
            "fired": self.fired,
        }

    def matches(self, method: str, template: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        return not self.path or self.path == template or path.startswith(self.path)


@dataclass
class PortalRuntime:
    """Per-portal state that lives only as long as the server (not persisted)."""

    per_window: int
    per_day: int
    window_ms: int = 10_000
    enabled: bool = True
    window: deque[float] = field(default_factory=deque)
    day_used: int = 0
    day_resets_at: int = 0
    faults: list[Fault] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    latency_ms: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    # CRM search endpoints: their own, much lower per-second cap (docs/hubspot-api.md §2.1)
    search_per_second: int = SEARCH_PER_SECOND
    search_window: deque[float] = field(default_factory=deque)


class Limits:
    def __init__(self, latency_ms: int = 0, seed: int = 0, rate_limits: bool = True) -> None:
        self.lock = threading.Lock()
        self.portals: dict[int, PortalRuntime] = {}
        self.default_latency_ms = latency_ms
        self.seed = seed
        self.rate_limits = rate_limits

    def runtime(self, portal: dict[str, Any]) -> PortalRuntime:
        pid = int(portal["portalId"])
        with self.lock:
            rt = self.portals.get(pid)
            if rt is None:
                per_window, per_day = TIER_LIMITS.get(str(portal.get("tier")), TIER_LIMITS["free"])
                rt = PortalRuntime(
                    per_window,
                    per_day,
                    enabled=self.rate_limits,
                    rng=random.Random(self.seed * 1_000_003 + pid),
                    latency_ms=self.default_latency_ms,
                )
                self.portals[pid] = rt
            return rt

    def forget(self, portal_id: int) -> None:
        with self.lock:
            self.portals.pop(portal_id, None)

    def admit(self, rt: PortalRuntime) -> tuple[dict[str, str], dict[str, Any] | None]:
        """Count one call; return the rate-limit headers and, when refused, the 429 body."""
        now = time.monotonic()
        wall_ms = int(time.time() * 1000)
        with self.lock:
            if wall_ms >= rt.day_resets_at:
                rt.day_used = 0
                rt.day_resets_at = next_tokyo_midnight(wall_ms)
            horizon = now - rt.window_ms / 1000
            while rt.window and rt.window[0] <= horizon:
                rt.window.popleft()
            refused: dict[str, Any] | None = None
            if rt.enabled and rt.day_used >= rt.per_day:
                refused = {
                    "message": "You have reached your daily limit.",
                    "policyName": "DAILY",
                    "retryAfter": str(max(1, (rt.day_resets_at - wall_ms) // 1000)),
                }
            elif rt.enabled and len(rt.window) >= rt.per_window:
                wait = rt.window[0] + rt.window_ms / 1000 - now
                refused = {
                    "message": "You have reached your ten_secondly_rolling limit.",
                    "policyName": "TEN_SECONDLY_ROLLING",
                    "retryAfter": str(max(1, int(wait + 0.999))),
                }
            else:
                rt.window.append(now)
                rt.day_used += 1
            if refused is not None:
                rt.rate_limited += 1
            headers = {
                "X-HubSpot-RateLimit-Daily": str(rt.per_day),
                "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, rt.per_day - rt.day_used)),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(rt.window_ms),
                "X-HubSpot-RateLimit-Max": str(rt.per_window),
                "X-HubSpot-RateLimit-Remaining": str(max(0, rt.per_window - len(rt.window))),
            }
        return headers, refused

    def admit_search(self, rt: PortalRuntime) -> dict[str, Any] | None:
        """The search bucket: a rolling one-second window; the 429 body when refused."""
        now = time.monotonic()
        with self.lock:
            while rt.search_window and rt.search_window[0] <= now - 1.0:
                rt.search_window.popleft()
            if rt.enabled and len(rt.search_window) >= rt.search_per_second:
                rt.rate_limited += 1
                return {
                    "message": "You have reached your secondly limit.",
                    "policyName": "SECONDLY",
                    "retryAfter": "1",
                }
            rt.search_window.append(now)
        return None

    def pick_fault(self, rt: PortalRuntime, method: str, template: str, path: str) -> Fault | None:
        with self.lock:
            for fault in rt.faults:
                if not fault.matches(method, template, path):
                    continue
                if fault.probability < 1.0 and rt.rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                return fault
        return None

    def count(self, rt: PortalRuntime, method: str, template: str) -> None:
        key = f"{method} {template}"
        with self.lock:
            rt.counters[key] = rt.counters.get(key, 0) + 1
