"""Issue 14, apply side: a fresh Japan apply spends no round trip on a request that could
travel with others, and stays as safe as before.

- the account details are read once, alongside the first plan round and the preflight,
  and a refused portal (production without --confirm-portal) gets reads only;
- the list-id map of a fresh portal is created without reading it first (the plan saw
  none), and a map that appeared meanwhile is merged, not overwritten;
- the lock is released without reading it again when the verification's listing showed
  it ours moments before, and never archived on an old or foreign sighting;
- each workflow's enabling PUT goes as soon as its own create answered: 20 workflows on
  16 write slots take 3 rounds, not 4.

Round trips are counted from the client's side (``test_plan_rounds.round_trips``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from hs_japan.kinds.base import WriteContext
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import PortalClient
from hs_japan.portal.lists import record_list_ids
from hs_japan.portal.lock import (
    LOCK_GROUP,
    LOCK_OBJECT,
    SEEN_FOR,
    PortalLock,
    break_lock,
    read_lock,
)
from hs_japan.portal.write import PortalWriter
from hs_japan.reserved import LIST_IDS
from hs_japan.resources import Kind, Snapshot
from tests.conftest import CliResult, PortalEnv, lift_limits, on
from tests.helpers import DEFAULT_BLUEPRINT, SMALL, write_blueprint
from tests.integration.test_plan_rounds import round_trips, timed_requests

Cli = Callable[..., CliResult]
# POSTs that read (search and batch reads): everything else that is not a GET writes
READ_POSTS = ("/search", "/batch/read")


def request_log(portal: PortalEnv) -> list[dict[str, Any]]:
    url = f"{portal.url}/_emulator/portals/{portal.portal_id}/requests"
    return list(requests.get(url, timeout=5).json()["results"])


def settings(portal: PortalEnv, **values: Any) -> None:
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings", json=values, timeout=5
    ).raise_for_status()


def client(portal: PortalEnv) -> PortalClient:
    return PortalClient(portal.url, portal.token, sleep=lambda _: None)


def test_a_fresh_japan_apply_sends_nothing_alone_that_could_travel_with_others(
    cli: Cli, portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    lift_limits(portal)
    settings(portal, latencyMs=150)
    # the account details answer slowly: whatever waits for them shows
    slow = {"kind": "latency", "latencyMs": 1500, "path": "/account-info/v3/details"}
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults",
        json={"faults": [slow]},
        timeout=5,
    ).raise_for_status()
    spans = timed_requests(monkeypatch)
    done = cli("apply", str(DEFAULT_BLUEPRINT), *on(portal), "--yes")
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "converged" in done.stdout
    paths = [what.split("?")[0] for _s, _e, what in spans]

    # the account details: read once (not again by the preflight), not alone before the
    # plan's first round and the preflight's reads: those were sent before they answered,
    # the write-scope probes (and everything that writes) only after
    details = [(s, e) for s, e, what in spans if "/account-info/v3/details" in what]
    assert len(details) == 1, paths
    answered = details[0][1]
    before = [what.split("?")[0] for s, _e, what in spans if s < answered]
    assert len(before) >= 30, before
    assert {w.split()[0] for w in before} <= {"GET", "POST"}
    assert all(w.endswith("/search") for w in before if w.startswith("POST")), before

    # the list-id map: read by name once (the plan's second round, which found none),
    # then created without a read of its own
    ids_path = f"/crm/v3/properties/contacts/{LIST_IDS}"
    assert paths.count(f"GET {ids_path}") == 1, paths
    assert "POST /crm/v3/properties/contacts" in paths

    # the lock: taken, and released without reading it again (the verification's contact
    # groups listing showed it ours)
    lock_path = f"/crm/v3/properties/{LOCK_OBJECT}/groups/{LOCK_GROUP}"
    assert [p for p in paths if p.endswith(lock_path)] == [f"DELETE {lock_path}"]
    assert read_lock(client(portal)) is None

    # the workflows: 20 creates and 20 enabling PUTs on 16 write slots in 3 rounds
    flows = [
        span
        for span in spans
        if "/automation/v4/flows" in span[2]
        and span[2].split()[0] in ("POST", "PUT")
        and "batch/read" not in span[2]
    ]
    assert len(flows) == 40
    assert round_trips(flows) == 3


def test_a_refused_production_apply_sends_reads_only(
    cli: Cli, emulator: Any, portal: PortalEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The details travel with the first round now; the preflight's write-scope probes
    (a PATCH and a PUT that change nothing) still wait for the guard's verdict."""
    created = emulator.create_portal(account_type="STANDARD", portal_name="prod")
    monkeypatch.setenv(portal.token_env, str(created["token"]))
    prod = PortalEnv(portal.url, str(created["token"]), int(created["portalId"]), portal.config)
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    refused = cli("apply", str(bp), *on(prod), "--yes")
    assert refused.exit_code == 1
    assert f"pass --confirm-portal {prod.portal_id}" in refused.stderr
    log = request_log(prod)
    assert any(r["method"] == "GET" for r in log)
    writes = [
        f"{r['method']} {r['path']}"
        for r in log
        if r["method"] != "GET"
        and not (r["method"] == "POST" and r["path"].split("?")[0].endswith(READ_POSTS))
    ]
    assert writes == []
    # confirmed, the same apply probes the write scopes and applies
    done = cli("apply", str(bp), *on(prod), "--yes", "--confirm-portal", str(prod.portal_id))
    assert done.exit_code == 0, done.stdout + done.stderr
    assert any(r["method"] == "PATCH" for r in request_log(prod))


def map_change(record: dict[str, str], absent: bool) -> Change:
    after: dict[str, Any] = {"record": record, "forget": []}
    if absent:
        after["absent"] = True
    return Change(Action.UPDATE, Kind.LIST, f"contacts/{LIST_IDS}", None, after)


def test_a_map_created_since_the_plan_saw_none_is_merged_not_overwritten(
    portal: PortalEnv,
) -> None:
    c = client(portal)
    ctx = WriteContext(PortalWriter(c), [], Snapshot())
    # another apply recorded its list after this apply's plan found no map
    record_list_ids(map_change({"deals/jp_theirs": "11"}, absent=False), ctx)
    requests.delete(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/requests", timeout=5
    ).raise_for_status()
    record_list_ids(map_change({"deals/jp_ours": "12"}, absent=True), ctx)
    calls = [(r["method"], r["status"]) for r in request_log(portal)]
    # created at once: 409, then read, merged and written back
    assert calls[0] == ("POST", 409), calls
    assert ("GET", 200) in calls and calls[-1][0] == "PATCH", calls
    found = requests.get(
        f"{portal.url}/crm/v3/properties/contacts/{LIST_IDS}",
        headers={"Authorization": f"Bearer {portal.token}"},
        timeout=5,
    ).json()
    assert found["description"] == '{"deals":{"jp_ours":12,"jp_theirs":11}}'


def test_a_map_known_absent_is_created_with_one_request(portal: PortalEnv) -> None:
    ctx = WriteContext(PortalWriter(client(portal)), [], Snapshot())
    record_list_ids(map_change({"deals/jp_ours": "12"}, absent=True), ctx)
    assert [(r["method"], r["status"]) for r in request_log(portal)] == [("POST", 201)]


def groups(portal: PortalEnv) -> list[dict[str, Any]]:
    return list(
        requests.get(
            f"{portal.url}/crm/v3/properties/{LOCK_OBJECT}/groups",
            headers={"Authorization": f"Bearer {portal.token}"},
            timeout=5,
        ).json()["results"]
    )


def take_over(portal: PortalEnv) -> PortalLock:
    """Our lock broken by hand (``hs-japan unlock``), then taken by another apply."""
    assert break_lock(client(portal))
    other = PortalLock(client(portal), owner="ana@laptop pid=4242")
    other.acquire()
    return other


@pytest.mark.parametrize(
    "sighting",
    ["the other apply's lock", "ours, longer ago than SEEN_FOR"],
)
def test_release_never_archives_another_apply_s_lock(portal: PortalEnv, sighting: str) -> None:
    ours = PortalLock(client(portal), owner="me@here pid=1")
    ours.acquire()
    if sighting == "the other apply's lock":
        other = take_over(portal)
        ours.seen(groups(portal), time.monotonic())
    else:
        ours.seen(groups(portal), time.monotonic() - SEEN_FOR.total_seconds() - 1)
        other = take_over(portal)
    ours.release()
    held = read_lock(client(portal))
    assert held is not None and held.lock_id == other.lock_id
    other.release()
    assert read_lock(client(portal)) is None


def test_release_after_a_recent_sighting_is_one_request(portal: PortalEnv) -> None:
    ours = PortalLock(client(portal), owner="me@here pid=1")
    ours.acquire()
    ours.seen(groups(portal), time.monotonic())
    requests.delete(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/requests", timeout=5
    ).raise_for_status()
    ours.release()
    assert [r["method"] for r in request_log(portal)] == ["DELETE"]
    assert read_lock(client(portal)) is None


def test_a_250_property_apply_journals_each_batch_request_with_two_fsyncs(
    cli: Cli, portal: PortalEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["version: 1", "properties:"]
    lines += [
        f"  - {{object: deals, name: jp_p{i:03d}, label: {{ja: 項目{i}}}, type: string, "
        "field_type: text, group: dealinformation}"
        for i in range(250)
    ]
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": "\n".join(lines) + "\n"})
    fsyncs: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        fsyncs.append(fd)
        real(fd)

    monkeypatch.setattr("hs_japan.journal.os.fsync", counted)
    done = cli("apply", str(bp), *on(portal), "--yes")
    assert done.exit_code == 0, done.stdout + done.stderr
    # begin, 3 requests x (intents, dones), end: not 2 per property (502)
    assert len(fsyncs) == 1 + 3 * 2 + 1
    (journal,) = (tmp_path / "state" / "journal" / str(portal.portal_id)).glob("*.jsonl")
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    assert sum(e["event"] == "intent" for e in events) == 250
    assert sum(e["event"] == "done" for e in events) == 250
