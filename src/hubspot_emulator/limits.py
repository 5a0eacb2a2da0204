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

import json
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hubspot_emulator.account import TIER_LIMITS, next_tokyo_midnight

FAULT_KINDS = ("status", "latency", "drop", "lost_response")
# what a rule may hold: ``describe()``'s output can be sent back (``fired`` is ignored)
FAULT_FIELDS = frozenset(
    ("kind", "status", "method", "path", "probability", "times", "latencyMs", "retryAfter", "fired")
)
FAULT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
FAULT_STATUSES = range(400, 600)  # an error answer; 1xx/2xx/3xx would break the framing
MAX_LATENCY_MS = 3_600_000  # an hour: long enough to look hung, short enough for time.sleep
MAX_SETTING = 10**12  # per-portal limits: large enough for any test, never an overflow
_HEADER_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?")
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
    def parse(cls, raw: Any) -> Fault:
        """A rule from the control API, refused with a ValueError naming the field when it
        could not be served as a correct HTTP answer (status outside 400–599, a header
        value with control characters, …)."""
        if not isinstance(raw, dict):
            raise ValueError(f"a fault must be an object, not {_shown(raw)}")
        unknown = sorted(set(raw) - FAULT_FIELDS)
        if unknown:
            raise ValueError(
                f"unknown field {_shown(unknown[0])}; a fault has {', '.join(sorted(FAULT_FIELDS))}"
            )
        kind = raw.get("kind", "status")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)} (got {_shown(kind)})")
        status = integer_field(raw, "status", 500, FAULT_STATUSES.start, FAULT_STATUSES.stop - 1)
        method = raw.get("method") or None  # "" and null: every method
        if method is not None:
            if not isinstance(method, str) or method.upper() not in FAULT_METHODS:
                raise ValueError(
                    f"method must be one of {', '.join(FAULT_METHODS)} (got {_shown(method)})"
                )
            method = method.upper()
        path = raw.get("path") or None  # "" and null: every path
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise ValueError(f"path must be a string starting with / (got {_shown(path)})")
        probability = raw.get("probability", 1.0)
        if (
            isinstance(probability, bool)
            or not isinstance(probability, int | float)
            or not 0.0 <= probability <= 1.0  # also refuses NaN
        ):
            raise ValueError(
                f"probability must be a number from 0 to 1 (got {_shown(probability)})"
            )
        times = None if raw.get("times") is None else integer_field(raw, "times", 0, 0, None)
        latency_ms = integer_field(raw, "latencyMs", 0, 0, MAX_LATENCY_MS)
        retry_after = raw.get("retryAfter")
        if retry_after is not None:
            if isinstance(retry_after, bool) or not isinstance(retry_after, str | int):
                raise ValueError(
                    f"retryAfter must be a string or an integer (got {_shown(retry_after)})"
                )
            retry_after = str(retry_after)
            if not _HEADER_VALUE.fullmatch(retry_after):
                raise ValueError(
                    "retryAfter must be 1 to 64 printable ASCII characters "
                    f"(got {_shown(retry_after)})"
                )
        return cls(
            kind=kind,
            status=status,
            method=method,
            path=path,
            probability=float(probability),
            times=times,
            latency_ms=latency_ms,
            retry_after=retry_after,
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


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = json.dumps(str(value), ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def integer_field(raw: dict[str, Any], name: str, default: int, low: int, high: int | None) -> int:
    """``raw[name]`` as an int in [low, high]: a JSON integer, or a string of digits
    (``"503"``); never a bool, a fraction or a word."""
    value = raw.get(name, default)
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,15}", value.strip()):
        number = int(value.strip())
    span = f"from {low} to {high}" if high is not None else f"{low} or more"
    if number is None or number < low or (high is not None and number > high):
        raise ValueError(f"{name} must be an integer {span} (got {_shown(value)})")
    return number


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
