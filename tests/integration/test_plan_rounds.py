"""Issue 14's I/O shape: a converged plan makes exactly two dependent round trips
(pending migrations included), and a fresh apply's first plan still stands under the
lock for every kind it creates (association labels and validation rules too), so apply
does not plan again in full.

Round trips are counted from the client's side: each HTTP request's start and end, and
the longest chain of requests where one starts only after another has answered. With
400 ms of emulator latency, requests of one round overlap and never chain.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3

from hs_japan.blueprint import load_blueprint
from hs_japan.engine import apply_plan, make_plan, still_current
from hs_japan.portal.client import READ_CONCURRENCY, PortalClient
from hs_japan.portal.lock import PortalLock
from tests.conftest import PortalEnv, lift_limits
from tests.helpers import DEFAULT_BLUEPRINT

Span = tuple[float, float, str]


def timed_requests(monkeypatch: pytest.MonkeyPatch) -> list[Span]:
    """Record every HTTP request (the SDK's and ``client.request``'s alike, both go
    through urllib3) with when it was asked for and when it answered."""
    spans: list[Span] = []
    lock = threading.Lock()
    original = urllib3.connectionpool.HTTPConnectionPool.urlopen

    def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return original(self, method, url, *args, **kwargs)
        finally:
            with lock:
                spans.append((start, time.monotonic(), f"{method} {url}"))

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "urlopen", urlopen)
    return spans


def round_trips(spans: list[Span]) -> int:
    """The longest chain of requests each started after the previous one answered."""
    depth: list[int] = []
    ordered = sorted(spans)
    for i, (start, _end, _what) in enumerate(ordered):
        before = [depth[j] for j in range(i) if ordered[j][1] <= start]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)


def rounds_of(spans: list[Span]) -> list[list[str]]:
    """The requests of each round trip (by chain depth), in order."""
    ordered = sorted(spans)
    depth: list[int] = []
    for i, (start, _end, _what) in enumerate(ordered):
        depth.append(1 + max((depth[j] for j in range(i) if ordered[j][1] <= start), default=0))
    out: list[list[str]] = [[] for _ in range(max(depth, default=0))]
    for d, (_s, _e, what) in zip(depth, ordered, strict=True):
        out[d - 1].append(what)
    return out


def most_at_once(spans: list[Span]) -> int:
    """The most requests asked for and not yet answered at one moment (a request waiting
    for a pooled connection counts: its span starts when it is asked for)."""
    edges = sorted([(s, 1) for s, _e, _w in spans] + [(e, -1) for _s, e, _w in spans])
    most = now = 0
    for _t, step in edges:
        now += step
        most = max(most, now)
    return most


def test_round_trips_counts_chains() -> None:
    assert round_trips([(0, 1, "a"), (0.1, 1.1, "b"), (1.2, 2, "c")]) == 2
    assert round_trips([(0, 1, "a"), (1, 2, "b"), (2, 3, "c")]) == 3
    assert rounds_of([(0, 1, "a"), (0.1, 1.1, "b"), (1.2, 2, "c")]) == [["a", "b"], ["c"]]
    assert most_at_once([(0, 1, "a"), (0.1, 1.1, "b"), (1.2, 2, "c")]) == 2


def test_a_converged_plan_is_two_round_trips_with_pending_migrations(
    portal: PortalEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lift_limits(portal)
    bp_dir = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp_dir)
    (bp_dir / "migrations").mkdir()
    (bp_dir / "migrations" / "0001_note.py").write_text(
        'def upgrade(ctx):\n    ctx.rename_property("deals", "jp_note", "jp_memo")\n'
    )
    bp = load_blueprint(bp_dir)
    client = PortalClient(portal.url, portal.token, sleep=lambda _: None)
    first = make_plan(bp, client, "ja")
    assert apply_plan(first, bp, client, "ja", progress=lambda _: None).converged

    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings",
        json={"latencyMs": 400},
        timeout=5,
    ).raise_for_status()
    spans = timed_requests(monkeypatch)
    plan = make_plan(bp, PortalClient(portal.url, portal.token, sleep=lambda _: None), "ja").plan
    assert plan.empty
    assert any("0001_note" in note for note in plan.notes)  # the record was consulted
    paths = [what for _s, _e, what in spans]
    # no record yet: the contacts listing does not show one, so it is read by name in the
    # second round (which the plan makes anyway): still two round trips
    assert any("hsjapan_migrations" in p for p in paths), paths
    assert len(paths) >= 13
    t0 = min(s for s, _e, _w in spans)
    shown = [(round(s - t0, 2), round(e - t0, 2), w) for s, e, w in sorted(spans)]
    assert round_trips(spans) == 2, shown
    # both rounds fit the connection pool (issue 14: at most 16 connections) …
    assert READ_CONCURRENCY <= 16
    assert most_at_once(spans) <= READ_CONCURRENCY, shown
    first, second = rounds_of(spans)
    # … because round 1 holds only what round 2 is chosen from (and the account details):
    # the listings no followup depends on wait for round 2
    assert any("/account-info/" in w for w in first) and any("/lists/search" in w for w in first)
    for late in ("/crm/v3/pipelines/", "/labels", "/property-validations/", "/marketing/v3/forms"):
        assert not any(late in w for w in first), (late, first)
        assert any(late in w for w in second), (late, second)


def test_a_fresh_apply_plan_stands_under_the_lock_for_every_kind(
    portal: PortalEnv, tmp_path: Path
) -> None:
    lift_limits(portal)
    bp = load_blueprint(DEFAULT_BLUEPRINT)
    client = PortalClient(portal.url, portal.token, sleep=lambda _: None)
    first = make_plan(bp, client, "ja")
    kinds = {c.kind.value for c in first.plan.changes}
    assert {"association_label", "property_validation", "list", "workflow", "form"} <= kinds
    assert any(c.key.startswith("leads/") for c in first.plan.changes)
    with PortalLock(client, portal_hint="test"):
        assert still_current(first, client)  # the lock's own group changes nothing planned
    # an association label made by hand in between: the plan no longer stands
    requests.post(
        f"{portal.url}/crm/associations/v4/deals/contacts/labels",
        json={"name": "jp_decision_maker", "label": "決裁者"},
        headers={"Authorization": f"Bearer {portal.token}"},
        timeout=5,
    ).raise_for_status()
    assert not still_current(first, client)


def test_a_form_made_in_between_makes_the_plan_stale(portal: PortalEnv) -> None:
    """The form handler's ``unchanged``: a form carrying the blueprint form's marker,
    created by hand after the plan read the portal, is seen by the targeted re-read."""
    lift_limits(portal)
    bp = load_blueprint(DEFAULT_BLUEPRINT)
    client = PortalClient(portal.url, portal.token, sleep=lambda _: None)
    first = make_plan(bp, client, "ja")
    assert any(c.kind.value == "form" for c in first.plan.changes)
    assert still_current(first, client)
    made = requests.post(
        f"{portal.url}/marketing/v3/forms",
        json={
            "formType": "hubspot",
            "name": "by hand",
            "archived": False,
            "fieldGroups": [
                {
                    "groupType": "default_group",
                    "richTextType": "text",
                    "fields": [
                        {
                            "objectTypeId": "0-1",
                            "name": "email",
                            "label": "Email",
                            "fieldType": "email",
                            "required": True,
                            "hidden": False,
                        }
                    ],
                }
            ],
            "configuration": {"language": "ja", "lifecycleStages": []},
            "displayOptions": {"cssClass": "hsjapan-form-jp_inquiry"},
            "legalConsentOptions": {"type": "none"},
        },
        headers={"Authorization": f"Bearer {portal.token}"},
        timeout=5,
    )
    assert made.status_code in (200, 201), made.text
    assert not still_current(first, client)


@pytest.mark.parametrize("record", ["hsjapan_migrations", "hs_japan_migrations"])
def test_the_plan_reads_the_migration_record_from_the_contacts_listing(
    portal: PortalEnv, tmp_path: Path, record: str
) -> None:
    """The record (current or pre-0.2 name) found in the listing: a migration it lists is
    not pending; one it does not list is."""
    lift_limits(portal)
    bp_dir = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp_dir)
    (bp_dir / "migrations").mkdir()
    for name in ("0001_done", "0002_todo"):
        (bp_dir / "migrations" / f"{name}.py").write_text("def upgrade(ctx):\n    pass\n")
    requests.post(
        f"{portal.url}/crm/v3/properties/contacts",
        headers={"Authorization": f"Bearer {portal.token}"},
        json={
            "name": record,
            "label": "hs-japan migrations",
            "type": "enumeration",
            "fieldType": "checkbox",
            "groupName": "contactinformation",
            "hidden": True,
            "options": [
                {"label": "sha @ t", "value": "0001_done", "hidden": False, "displayOrder": 0}
            ],
        },
        timeout=5,
    ).raise_for_status()
    bp = load_blueprint(bp_dir)
    log = f"{portal.url}/_emulator/portals/{portal.portal_id}/requests"
    requests.delete(log, timeout=5)
    plan = make_plan(bp, PortalClient(portal.url, portal.token, sleep=lambda _: None), "ja").plan
    pending = [n for n in plan.notes if "have not run on this portal" in n]
    assert len(pending) == 1 and "0002_todo" in pending[0] and "0001_done" not in pending[0]
    # the contacts listing carried the record: no read of it by name
    paths = [r["path"] for r in requests.get(log, timeout=5).json()["results"]]
    assert any(p.startswith("/crm/v3/properties/contacts") for p in paths)
    assert not any(record in p for p in paths), paths
