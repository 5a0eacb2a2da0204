"""The retry policy and error mapping of the one HTTP client (NOTES §3.1, §13.3)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from hs_japan.errors import PortalError
from hs_japan.portal.client import PortalClient
from hs_japan.portal.write import PortalWriter
from tests.contract.recorder import Recorder

GROUPS = "/crm/v3/properties/deals/groups"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.close()


def client_for(url: str, sleeps: list[float]) -> PortalClient:
    return PortalClient(url, "pat-test", token_env="HS_TEST_TOKEN", sleep=sleeps.append)


def read_groups(client: PortalClient) -> object:
    return client.call("read groups", lambda: client.sdk.crm.properties.groups_api.get_all("deals"))


def test_429_honours_retry_after(recorder: Recorder) -> None:
    recorder.scripts[("GET", GROUPS)] = [
        (
            429,
            {
                "status": "error",
                "message": "You have reached your ten_secondly_rolling limit.",
                "errorType": "RATE_LIMIT",
                "policyName": "TEN_SECONDLY_ROLLING",
            },
            {"Retry-After": "3"},
        )
    ]
    sleeps: list[float] = []
    client = client_for(recorder.url, sleeps)
    read_groups(client)
    assert [r.method for r in recorder.requests] == ["GET", "GET"]
    assert sleeps == [3.0]
    assert client.retries == 1


def test_5xx_backs_off_then_succeeds(recorder: Recorder) -> None:
    recorder.scripts[("GET", GROUPS)] = [(503, {}, {}), (502, {}, {})]
    sleeps: list[float] = []
    read_groups(client_for(recorder.url, sleeps))
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2 and 0 < sleeps[0] < sleeps[1]


def test_lost_create_response_is_probed_not_resent(recorder: Recorder) -> None:
    """A 502 after a create may hide a success: re-read, and do not create twice."""
    recorder.scripts[("POST", GROUPS)] = [(502, {}, {})]
    recorder.routes[("GET", GROUPS)] = (
        200,
        {"results": [{"name": "jp_g", "label": "G", "displayOrder": 1, "archived": False}]},
    )
    writer = PortalWriter(client_for(recorder.url, []))
    writer.create_group("deals", "jp_g", {"label": "G", "displayOrder": 1})
    assert [(r.method, r.path) for r in recorder.requests] == [("POST", GROUPS), ("GET", GROUPS)]


def test_lost_batch_create_resends_only_what_is_missing(recorder: Recorder) -> None:
    path = "/crm/v3/properties/deals/batch/create"
    recorder.scripts[("POST", path)] = [(500, {}, {})]
    recorder.routes[("POST", "/crm/v3/properties/deals/batch/read")] = (
        200,
        {
            "status": "COMPLETE",
            "results": [
                {
                    "name": "jp_a",
                    "label": "A",
                    "type": "string",
                    "fieldType": "text",
                    "groupName": "g",
                }
            ],
        },
    )
    writer = PortalWriter(client_for(recorder.url, []))
    attrs = {"label": "X", "type": "string", "fieldType": "text", "groupName": "g"}
    writer.create_properties("deals", [("jp_a", attrs), ("jp_b", attrs)])
    creates = [r.body for r in recorder.requests if r.path == path]
    assert [[i["name"] for i in body["inputs"]] for body in creates] == [["jp_a", "jp_b"], ["jp_b"]]


def test_validation_error_is_not_retried_and_reads_well(recorder: Recorder) -> None:
    recorder.scripts[("GET", GROUPS)] = [
        (
            400,
            {
                "status": "error",
                "message": "Property group is invalid",
                "category": "VALIDATION_ERROR",
                "correlationId": "c0ffee00-0000-4000-8000-000000000000",
            },
            {},
        )
    ]
    with pytest.raises(PortalError) as info:
        read_groups(client_for(recorder.url, []))
    assert str(info.value) == (
        "read groups: HubSpot answered 400 VALIDATION_ERROR: Property "
        "group is invalid (correlationId "
        "c0ffee00-0000-4000-8000-000000000000)"
    )
    assert len(recorder.requests) == 1


def test_401_and_missing_scopes_name_the_fix(recorder: Recorder) -> None:
    recorder.scripts[("GET", GROUPS)] = [
        (
            401,
            {
                "status": "error",
                "message": "Authentication credentials not found.",
                "category": "INVALID_AUTHENTICATION",
            },
            {},
        ),
        (
            403,
            {
                "status": "error",
                "message": "This app hasn't been granted all required scopes",
                "category": "MISSING_SCOPES",
                "errors": [
                    {
                        "message": "missing",
                        "context": {"requiredScopes": ["crm.schemas.deals.read"]},
                    }
                ],
            },
            {},
        ),
    ]
    client = client_for(recorder.url, [])
    with pytest.raises(PortalError, match=r"token in \$HS_TEST_TOKEN was rejected \(401"):
        read_groups(client)
    with pytest.raises(PortalError, match=r"lacks required scopes: crm\.schemas\.deals\.read"):
        read_groups(client)


def test_unreachable_portal_says_so_after_retrying() -> None:
    with socket.socket() as s:  # a loopback port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    client = PortalClient(f"http://127.0.0.1:{port}", "pat-x", sleep=sleeps.append, max_attempts=3)
    with pytest.raises(PortalError, match=r"cannot reach the portal at http://127\.0\.0\.1"):
        read_groups(client)
    assert len(sleeps) == 2
