"""Safety guarantees over real HTTP: the portal lock, stale saved plans, the journal."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import requests
from hubspot.crm.properties import PropertyUpdate

from hs_japan.portal.client import PortalClient
from hs_japan.portal.lock import LOCK_GROUP, LOCK_OBJECT, PortalLock, read_lock
from tests.conftest import CliResult, PortalEnv, on
from tests.helpers import SMALL, write_blueprint

Cli = Callable[..., CliResult]


def client(portal: PortalEnv) -> PortalClient:
    return PortalClient(portal.url, portal.token, sleep=lambda _: None)


def lock_exists(portal: PortalEnv) -> bool:
    names = {g.name for g in portal.sdk().crm.properties.groups_api.get_all(LOCK_OBJECT).results}
    return LOCK_GROUP in names


def test_a_second_apply_fails_fast_and_names_the_holder(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    other = PortalLock(client(portal), owner="ana@laptop pid=4242")
    other.acquire()
    refused = cli("apply", str(bp), *on(portal), "--yes")
    assert refused.exit_code == 1
    assert "another apply is running on this portal" in refused.stderr
    assert "held by ana@laptop pid=4242" in refused.stderr
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 2  # no writes
    other.release()
    assert not lock_exists(portal)
    done = cli("apply", str(bp), *on(portal), "--yes")
    assert done.exit_code == 0, done.stderr
    assert not lock_exists(portal)  # released after the apply


def test_a_stale_lock_is_reported_and_broken_only_on_request(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    crashed = PortalLock(client(portal), owner="ci@runner pid=7", ttl=dt.timedelta(seconds=-1))
    crashed.acquire()
    refused = cli("apply", str(bp), *on(portal), "--yes")
    assert refused.exit_code == 1
    assert "probably crashed" in refused.stderr
    assert "hs-japan unlock --portal test" in refused.stderr
    assert lock_exists(portal)  # never broken silently
    status = cli("unlock", *on(portal))  # no terminal, no --yes: shows, refuses
    assert status.exit_code == 1 and "held by ci@runner pid=7" in status.stdout
    broken = cli("unlock", *on(portal), "--yes")
    assert broken.exit_code == 0 and "Lock broken." in broken.stdout
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert "no apply lock" in cli("unlock", *on(portal)).stdout


def test_a_lost_lock_response_is_recognised_as_our_own(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    rule = {
        "kind": "lost_response",
        "method": "POST",
        "path": "/crm/v3/properties/{objectType}/groups",
        "times": 1,
    }
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults",
        json={"faults": [rule]},
        timeout=5,
    )
    done = cli("apply", str(bp), *on(portal), "--yes")
    assert done.exit_code == 0, done.stderr
    assert read_lock(client(portal)) is None


def test_saved_plan_refused_when_a_managed_object_was_edited_even_to_the_same_value(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    (bp / "b.yaml").write_text((bp / "b.yaml").read_text().replace("en: Colour", "en: Color"))
    saved = tmp_path / "plan.json"
    assert cli("plan", str(bp), *on(portal), "--out", str(saved), "--language", "en").exit_code == 0
    doc = json.loads(saved.read_text())
    assert "property:deals/jp_color" in doc["fingerprints"]
    # someone saves the property in the HubSpot UI without changing anything
    sdk = portal.sdk()
    label = sdk.crm.properties.core_api.get_by_name("deals", "jp_color").label
    sdk.crm.properties.core_api.update("deals", "jp_color", PropertyUpdate(label=label))
    stale = cli("apply", str(bp), *on(portal), "--plan", str(saved), "--language", "en")
    assert stale.exit_code == 1
    assert "property deals/jp_color: edited in the portal since the plan was made" in stale.stderr
    # an edit to something the blueprint does not manage does not make the plan stale
    fresh = tmp_path / "fresh.json"
    assert cli("plan", str(bp), *on(portal), "--out", str(fresh), "--language", "en").exit_code == 0
    sdk.crm.properties.core_api.update("deals", "dealname", PropertyUpdate())  # no-op PATCH
    applied = cli("apply", str(bp), *on(portal), "--plan", str(fresh), "--language", "en")
    assert applied.exit_code == 0, applied.stderr


def test_the_journal_records_intents_and_completions(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    files = list((tmp_path / "state" / "journal" / str(portal.portal_id)).glob("*.jsonl"))
    assert len(files) == 1
    events = [json.loads(line) for line in files[0].read_text().splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "begin" and kinds[-1] == "end" and events[-1]["converged"] is True
    planned = {(c["kind"], c["key"]) for c in events[0]["changes"]}
    intents = {(e["kind"], e["key"]) for e in events if e["event"] == "intent"}
    done = {(e["kind"], e["key"]) for e in events if e["event"] == "done"}
    # group, property, pipeline, 2 stages and the criteria workflow of the second stage
    assert planned == intents == done and len(planned) == 6
    for e in events:  # every intent is durable before its completion
        if e["event"] == "done":
            assert kinds.index("intent") < events.index(e)
    assert portal.token not in files[0].read_text()


def test_a_failed_apply_is_reported_by_the_next_one(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    rule = {"kind": "status", "status": 400, "method": "POST", "path": "/crm/v3/pipelines/deals"}
    faults = f"{portal.url}/_emulator/portals/{portal.portal_id}/faults"
    requests.put(faults, json={"faults": [rule]}, timeout=5)
    failed = cli("apply", str(bp), *on(portal), "--yes")
    assert failed.exit_code == 1
    assert "2 of 6 changes were written before it" in failed.stderr
    requests.put(faults, json={"faults": []}, timeout=5)
    again = cli("apply", str(bp), *on(portal), "--yes")
    assert again.exit_code == 0, again.stderr
    assert "Plan: 4 to create" in again.stdout  # only what was left
