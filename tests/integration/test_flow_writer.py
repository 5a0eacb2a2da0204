"""Workflows written the safe way: created disabled, verified, enabled; never twice;
stale revisions re-read; flows without the hs-japan marker never touched."""

from __future__ import annotations

from typing import Any

import requests

from hs_japan.portal.client import PortalClient
from hs_japan.portal.flows import MARKER, FlowWriter, read_managed_flows
from tests.conftest import PortalEnv


def flow(name: str, delay: str = "1") -> dict[str, Any]:
    return {
        "type": "PLATFORM_FLOW",
        "objectTypeId": "0-3",
        "flowType": "WORKFLOW",
        "name": name,
        "isEnabled": False,
        "startActionId": "1",
        "actions": [
            {
                "type": "SINGLE_CONNECTION",
                "actionId": "1",
                "actionTypeId": "0-1",
                "actionTypeVersion": 0,
                "fields": {"delta": delay, "time_unit": "DAYS"},
            }
        ],
        "enrollmentCriteria": {"type": "MANUAL", "shouldReEnroll": False},
        "timeWindows": [],
        "blockedDates": [],
        "customProperties": {},
        "dataSources": [],
    }


def client(portal: PortalEnv) -> PortalClient:
    return PortalClient(portal.url, portal.token, sleep=lambda _s: None)


def faults(portal: PortalEnv, rules: list[dict[str, Any]]) -> None:
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults",
        json={"faults": rules},
        timeout=5,
    )


def all_flows(portal: PortalEnv) -> list[dict[str, Any]]:
    h = {"Authorization": f"Bearer {portal.token}"}
    return list(
        requests.get(f"{portal.url}/automation/v4/flows", headers=h, timeout=5).json()["results"]
    )


def test_create_disabled_then_enable_and_find_by_marker(portal: PortalEnv) -> None:
    c = client(portal)
    h = {"Authorization": f"Bearer {portal.token}"}
    requests.post(f"{portal.url}/automation/v4/flows", json=flow("not ours"), headers=h, timeout=5)
    created = FlowWriter(c).create("jp_rule", flow("ours"), enable=True)
    assert created["isEnabled"] is True
    assert created["customProperties"][MARKER] == "jp_rule"
    assert created["revisionId"] == "2"  # created disabled (1), then enabled (2)
    managed = read_managed_flows(c)
    assert list(managed) == ["jp_rule"]  # the unmarked flow is not ours
    assert len(all_flows(portal)) == 2


def test_a_lost_create_response_never_makes_a_second_copy(portal: PortalEnv) -> None:
    faults(
        portal,
        [{"kind": "lost_response", "method": "POST", "path": "/automation/v4/flows", "times": 1}],
    )
    c = client(portal)
    FlowWriter(c).create("jp_rule", flow("ours"), enable=False)
    assert len(all_flows(portal)) == 1
    assert list(read_managed_flows(c)) == ["jp_rule"]


def test_a_stale_revision_is_re_read_and_retried(portal: PortalEnv) -> None:
    c = client(portal)
    writer = FlowWriter(c)
    current = writer.create("jp_rule", flow("ours"), enable=False)
    # someone saves the flow in HubSpot meanwhile: our copy of the revision is stale
    h = {"Authorization": f"Bearer {portal.token}"}
    theirs = {
        k: v
        for k, v in current.items()
        if k
        not in (
            "id",
            "uuid",
            "createdAt",
            "updatedAt",
            "objectTypeId",
            "flowType",
            "dataSources",
            "nextAvailableActionId",
        )
    }
    theirs["name"] = "edited in HubSpot"
    r = requests.put(
        f"{portal.url}/automation/v4/flows/{current['id']}", json=theirs, headers=h, timeout=5
    )
    assert r.status_code == 200, r.text
    updated = writer.put("jp_rule", current, flow("ours", delay="2"))
    assert updated["actions"][0]["fields"]["delta"] == "2"
    assert updated["name"] == "ours" and updated["revisionId"] == "3"


def test_delete_is_idempotent(portal: PortalEnv) -> None:
    c = client(portal)
    writer = FlowWriter(c)
    created = writer.create("jp_rule", flow("ours"), enable=False)
    writer.delete("jp_rule", str(created["id"]))
    writer.delete("jp_rule", str(created["id"]))  # already gone: fine
    assert read_managed_flows(c) == {}
