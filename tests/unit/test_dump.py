"""export's listings are read as plain JSON (no SDK models), shaped as the models gave them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hs_japan.errors import PortalError
from hs_japan.portal import dump
from hs_japan.portal.client import Response


class FakeClient:
    """Answers ``request`` from a table; ``call`` runs the function once, as the retry
    policy does on success."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, str, dict[str, Any] | None]] = []

    def request(self, method: str, path: str, *, qs: dict[str, Any] | None = None) -> Response:
        self.sent.append((method, path, qs))
        return Response(200, self.answers[path], {})

    def call(self, what: str, fn: Callable[[], Any], **_: Any) -> Any:
        return fn()


def test_pipeline_ids_read_plain_json_in_one_get() -> None:
    client = FakeClient(
        {
            "/crm/v3/pipelines/deals": {
                "results": [
                    {"id": "jp_enterprise", "label": "x", "displayOrder": None, "stages": []},
                    {"id": 7, "label": "y", "stages": [{"id": "s", "metadata": None}]},
                ]
            }
        }
    )
    assert dump.pipeline_ids(client, "deals") == {"jp_enterprise", "7"}  # type: ignore[arg-type]
    assert client.sent == [("GET", "/crm/v3/pipelines/deals", None)]


def test_a_listing_without_results_is_an_error_not_an_empty_portal() -> None:
    client = FakeClient({"/crm/v3/pipelines/deals": {"status": "ok"}})
    with pytest.raises(PortalError, match=r"read deals pipelines: .* without a 'results' list"):
        dump.pipeline_ids(client, "deals")  # type: ignore[arg-type]


def test_null_members_are_dropped_at_every_depth_as_the_sdk_models_did() -> None:
    listing = {
        "results": [
            {
                "name": "x",
                "description": None,
                "options": [{"label": "a", "value": "a", "description": None}],
                "modificationMetadata": {"readOnlyValue": False, "archivable": None},
            }
        ]
    }
    assert dump._listing(listing, "read deals properties") == [
        {
            "name": "x",
            "options": [{"label": "a", "value": "a"}],
            "modificationMetadata": {"readOnlyValue": False},
        }
    ]
