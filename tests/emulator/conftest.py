"""Fixtures for the emulator's own tests: a fresh portal and a raw HTTP helper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hubspot
import pytest
import requests

from hubspot_emulator import EmulatorServer


@dataclass
class Api:
    """Raw HTTP to one emulator portal (status codes and headers exactly as sent)."""

    server: EmulatorServer
    token: str
    portal_id: int

    @property
    def url(self) -> str:
        return self.server.url

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return requests.request(
            method, self.url + path, json=body, headers=headers, timeout=10, **kw
        )

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.call("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.call("DELETE", path, **kw)

    def control(self, method: str, rest: str, body: Any = None) -> requests.Response:
        return requests.request(
            method, f"{self.url}/_emulator/portals/{self.portal_id}{rest}", json=body, timeout=10
        )

    def sdk(self) -> hubspot.Client:
        return hubspot.Client.create(access_token=self.token, host=self.url, base_url=self.url)


@pytest.fixture
def api(emulator: EmulatorServer) -> Api:
    created = emulator.create_portal(account_type="SANDBOX", portal_name="emulator test")
    return Api(emulator, str(created["token"]), int(created["portalId"]))


def prop(name: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "label": name.title(),
        "type": "string",
        "fieldType": "text",
        "groupName": "dealinformation",
    }
    body.update(over)
    return body


def enum_prop(name: str, values: list[str], **over: Any) -> dict[str, Any]:
    options = [
        {"label": v.title(), "value": v, "displayOrder": i, "hidden": False}
        for i, v in enumerate(values)
    ]
    return prop(name, type="enumeration", fieldType="select", options=options, **over)


def deal_stage_trigger(stage_ids: list[str]) -> dict[str, Any]:
    """A LIST_BASED enrollment on deal stage, in the list convention (root OR of ANDs)."""
    return {
        "type": "LIST_BASED",
        "shouldReEnroll": False,
        "unEnrollObjectsNotMeetingCriteria": False,
        "reEnrollmentTriggersFilterBranches": [],
        "listFilterBranch": {
            "filterBranchType": "OR",
            "filterBranchOperator": "OR",
            "filters": [],
            "filterBranches": [
                {
                    "filterBranchType": "AND",
                    "filterBranchOperator": "AND",
                    "filterBranches": [],
                    "filters": [
                        {
                            "filterType": "PROPERTY",
                            "property": "dealstage",
                            "operation": {
                                "operationType": "ENUMERATION",
                                "operator": "IS_ANY_OF",
                                "values": stage_ids,
                                "includeObjectsWithNoValueSet": False,
                            },
                        }
                    ],
                }
            ],
        },
    }


def flow(**over: Any) -> dict[str, Any]:
    """A deal-based (PLATFORM_FLOW) workflow: wait a day, then create a follow-up task."""
    body: dict[str, Any] = {
        "type": "PLATFORM_FLOW",
        "objectTypeId": "0-3",
        "flowType": "WORKFLOW",
        "name": "Follow up on proposals",
        "isEnabled": False,
        "startActionId": "1",
        "actions": [
            {
                "type": "SINGLE_CONNECTION",
                "actionId": "1",
                "actionTypeId": "0-1",
                "actionTypeVersion": 0,
                "fields": {"delta": "1", "time_unit": "DAYS"},
                "connection": {"edgeType": "STANDARD", "nextActionId": "2"},
            },
            {
                "type": "SINGLE_CONNECTION",
                "actionId": "2",
                "actionTypeId": "0-3",
                "actionTypeVersion": 0,
                "fields": {"task_type": "TODO", "subject": "Follow up", "priority": "HIGH"},
            },
        ],
        "enrollmentCriteria": deal_stage_trigger(["presentationscheduled"]),
        "timeWindows": [],
        "blockedDates": [],
        "customProperties": {"hs_japan_key": "follow-up"},
        "dataSources": [],
    }
    body.update(over)
    return body
