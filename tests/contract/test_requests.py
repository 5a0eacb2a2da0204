"""Pin the exact method, path, query and body the engine sends for each change type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hs_japan.apply import apply_changes
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import PortalClient
from hs_japan.portal.write import PortalWriter
from hs_japan.resources import Kind, Resource, Snapshot
from tests.contract.recorder import Recorder

TOKEN = "pat-contract-test-token"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.close()


def writer_for(url: str) -> PortalWriter:
    return PortalWriter(PortalClient(url, TOKEN, sleep=lambda _: None))


def run(rec: Recorder, *changes: Change, actual: Snapshot | None = None) -> list[Any]:
    # one write at a time, so the requests of one dependency level are pinned in the
    # order given (applies send them concurrently: tests/unit/test_apply_levels.py)
    apply_changes(list(changes), writer_for(rec.url), actual or Snapshot(), max_workers=1)
    return rec.calls()


OPTION = {"value": "a", "label": "A", "description": "", "displayOrder": 0, "hidden": False}


def test_group_create_update_delete(recorder: Recorder) -> None:
    calls = run(
        recorder,
        Change(
            Action.CREATE,
            Kind.PROPERTY_GROUP,
            "deals/jp_g",
            None,
            {"label": "G", "displayOrder": 2},
        ),
        Change(Action.UPDATE, Kind.PROPERTY_GROUP, "contacts/jp_h", {"label": "x"}, {"label": "H"}),
        Change(Action.DELETE, Kind.PROPERTY_GROUP, "companies/jp_i", {"label": "I"}, None),
    )
    assert calls == [
        (
            "POST",
            "/crm/v3/properties/deals/groups",
            {},
            {"name": "jp_g", "label": "G", "displayOrder": 2},
        ),
        ("PATCH", "/crm/v3/properties/contacts/groups/jp_h", {}, {"label": "H"}),
        ("DELETE", "/crm/v3/properties/companies/groups/jp_i", {}, None),
    ]


def test_property_creates_are_batched_per_object(recorder: Recorder) -> None:
    attrs = {
        "label": "A",
        "type": "enumeration",
        "fieldType": "select",
        "groupName": "g",
        "options": [OPTION],
    }
    calls = run(
        recorder,
        Change(Action.CREATE, Kind.PROPERTY, "deals/jp_a", None, attrs),
        Change(
            Action.CREATE,
            Kind.PROPERTY,
            "deals/jp_b",
            None,
            {
                "label": "B",
                "type": "string",
                "fieldType": "text",
                "groupName": "g",
                "hidden": True,
                "formField": False,
                "displayOrder": 3,
                "description": "d",
            },
        ),
    )
    assert calls == [
        (
            "POST",
            "/crm/v3/properties/deals/batch/create",
            {},
            {
                "inputs": [
                    {
                        "name": "jp_a",
                        "label": "A",
                        "type": "enumeration",
                        "fieldType": "select",
                        "groupName": "g",
                        "options": [
                            {
                                "label": "A",
                                "value": "a",
                                "hidden": False,
                                "displayOrder": 0,
                                "description": "",
                            }
                        ],
                    },
                    {
                        "name": "jp_b",
                        "label": "B",
                        "type": "string",
                        "fieldType": "text",
                        "groupName": "g",
                        "hidden": True,
                        "formField": False,
                        "displayOrder": 3,
                        "description": "d",
                    },
                ]
            },
        ),
    ]


def test_property_update_sends_only_changed_fields_and_full_options(recorder: Recorder) -> None:
    calls = run(
        recorder,
        Change(
            Action.UPDATE,
            Kind.PROPERTY,
            "contacts/jp_a",
            {"label": "old", "options": []},
            {"label": "new", "options": [OPTION]},
        ),
    )
    assert calls == [
        (
            "PATCH",
            "/crm/v3/properties/contacts/jp_a",
            {},
            {
                "label": "new",
                "options": [
                    {
                        "label": "A",
                        "value": "a",
                        "hidden": False,
                        "displayOrder": 0,
                        "description": "",
                    }
                ],
            },
        )
    ]


def test_property_delete_uses_batch_archive(recorder: Recorder) -> None:
    calls = run(recorder, Change(Action.DELETE, Kind.PROPERTY, "tickets/jp_a", {}, None))
    assert calls == [
        ("POST", "/crm/v3/properties/tickets/batch/archive", {}, {"inputs": [{"name": "jp_a"}]})
    ]


def test_pipeline_create_carries_its_stages_with_chosen_ids(recorder: Recorder) -> None:
    calls = run(
        recorder,
        Change(Action.CREATE, Kind.PIPELINE, "deals/jp_p", None, {"label": "P", "displayOrder": 1}),
        Change(
            Action.CREATE,
            Kind.STAGE,
            "deals/jp_p/s1",
            None,
            {"label": "One", "displayOrder": 0, "metadata": {"probability": "0.1"}},
        ),
        Change(
            Action.CREATE,
            Kind.STAGE,
            "deals/jp_p/s2",
            None,
            {"label": "Two", "displayOrder": 1, "metadata": {"probability": "1.0"}},
        ),
    )
    assert calls == [
        (
            "POST",
            "/crm/v3/pipelines/deals",
            {},
            {
                "pipelineId": "jp_p",
                "label": "P",
                "displayOrder": 1,
                "stages": [
                    {
                        "stageId": "s1",
                        "label": "One",
                        "displayOrder": 0,
                        "metadata": {"probability": "0.1"},
                    },
                    {
                        "stageId": "s2",
                        "label": "Two",
                        "displayOrder": 1,
                        "metadata": {"probability": "1.0"},
                    },
                ],
            },
        )
    ]


def test_pipeline_update_and_delete_send_validation_flags(recorder: Recorder) -> None:
    calls = run(
        recorder,
        Change(Action.UPDATE, Kind.PIPELINE, "deals/jp_p", {"label": "x"}, {"label": "P"}),
        Change(Action.DELETE, Kind.PIPELINE, "tickets/jp_q", {}, None),
    )
    flags = {
        "validateReferencesBeforeDelete": ["true"],
        "validateDealStageUsagesBeforeDelete": ["true"],
    }
    assert calls == [
        ("PATCH", "/crm/v3/pipelines/deals/jp_p", flags, {"label": "P"}),
        ("DELETE", "/crm/v3/pipelines/tickets/jp_q", flags, None),
    ]


def test_stage_create_update_delete_are_per_stage(recorder: Recorder) -> None:
    actual = Snapshot()
    actual.add(
        Resource(
            Kind.STAGE,
            "deals/jp_p/s1",
            {
                "label": "x",
                "displayOrder": 0,
                "metadata": {"probability": "0.1", "isClosed": "false"},
            },
        )
    )
    calls = run(
        recorder,
        Change(
            Action.CREATE,
            Kind.STAGE,
            "deals/jp_p/s3",
            None,
            {"label": "Three", "displayOrder": 2, "metadata": {"probability": "0.3"}},
        ),
        Change(Action.UPDATE, Kind.STAGE, "deals/jp_p/s1", {"label": "x"}, {"label": "One"}),
        Change(Action.DELETE, Kind.STAGE, "deals/jp_p/s9", {}, None),
        actual=actual,
    )
    assert calls == [
        (
            "POST",
            "/crm/v3/pipelines/deals/jp_p/stages",
            {},
            {
                "stageId": "s3",
                "label": "Three",
                "displayOrder": 2,
                "metadata": {"probability": "0.3"},
            },
        ),
        # metadata is required on PATCH: the current value is sent whole, isClosed dropped
        (
            "PATCH",
            "/crm/v3/pipelines/deals/jp_p/stages/s1",
            {},
            {"label": "One", "metadata": {"probability": "0.1"}},
        ),
        (
            "DELETE",
            "/crm/v3/pipelines/deals/jp_p/stages/s9",
            {"validateReferencesBeforeDelete": ["true"]},
            None,
        ),
    ]


def test_every_request_carries_the_bearer_token(recorder: Recorder) -> None:
    run(recorder, Change(Action.DELETE, Kind.PROPERTY, "tickets/jp_a", {}, None))
    assert recorder.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_plain_json_request_paths_and_bodies(recorder: Recorder) -> None:
    """The calls made with client.request (plain JSON, not the SDK): exact method, path,
    query and body bytes as sent."""
    recorder.routes[("POST", "/crm/v3/pipelines/tickets/jp_p/stages")] = (201, {"id": "s1"})
    recorder.routes[("GET", "/account-info/v3/details")] = (
        200,
        {"portalId": 7, "accountType": "SANDBOX"},
    )
    writer = writer_for(recorder.url)
    writer.create_stage(
        "tickets",
        "jp_p",
        "s1",
        {"label": "New", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
    )
    writer.delete_stage("tickets", "jp_p", "s2")
    assert writer.client.get_account_details()["portalId"] == 7
    assert recorder.calls() == [
        (
            "POST",
            "/crm/v3/pipelines/tickets/jp_p/stages",
            {},
            {
                "stageId": "s1",
                "label": "New",
                "displayOrder": 0,
                "metadata": {"ticketState": "OPEN"},
            },
        ),
        (
            "DELETE",
            "/crm/v3/pipelines/tickets/jp_p/stages/s2",
            {"validateReferencesBeforeDelete": ["true"]},
            None,
        ),
        ("GET", "/account-info/v3/details", {}, None),
    ]
    sent = recorder.requests
    assert {r.headers["Authorization"] for r in sent} == {f"Bearer {TOKEN}"}
    assert {r.headers["User-Agent"] for r in sent} == {"hs-japan"}
    assert sent[0].headers["Content-Type"] == "application/json"
    assert "Content-Type" not in sent[2].headers  # a GET has no body
