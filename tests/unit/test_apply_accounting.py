"""A failed property batch never under-reports: batches HubSpot already took are counted
as written, and the failing batch is said to be possibly written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from hs_japan.apply import apply_changes
from hs_japan.errors import ApplyFailed, PortalError
from hs_japan.plan.model import Action, Change
from hs_japan.resources import Kind, Snapshot


class FailingThirdBatch:
    """Takes batches of 100 like PortalWriter and fails on the third."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def create_properties(
        self,
        obj: str,
        items: Sequence[tuple[str, dict[str, Any]]],
        written: Callable[[list[str]], None] = lambda _names: None,
        sending: Callable[[list[str]], None] = lambda _names: None,
    ) -> None:
        for n, start in enumerate(range(0, len(items), 100)):
            chunk = [name for name, _ in items[start : start + 100]]
            sending(chunk)
            if n == 2:
                raise PortalError("create deals properties: HTTP 400 (limit reached)", status=400)
            self.created.extend(chunk)
            written(chunk)


def test_a_failed_third_batch_reports_the_two_that_were_written() -> None:
    changes = [
        Change(Action.CREATE, Kind.PROPERTY, f"deals/p_{i:04d}", None, {"type": "string"})
        for i in range(250)
    ]
    writer = FailingThirdBatch()
    done: list[Change] = []
    from hs_japan.apply import ApplyHooks

    with pytest.raises(ApplyFailed) as failed:
        apply_changes(changes, writer, Snapshot(), hooks=ApplyHooks(done=done.append))  # type: ignore[arg-type]
    assert len(writer.created) == 200 and len(done) == 200  # the journal hears all 200
    message = str(failed.value)
    assert "apply stopped at + property deals/p_0200" in message
    assert "200 of 250 changes were written before it" in message
    assert "50 more in the failing batch may have been written too" in message
