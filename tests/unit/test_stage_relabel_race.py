"""Two stages swapping labels are written concurrently (one dependency level): the
relabels take turns and share the live labels, so neither moves a sibling that the other
has already given its final label (a race seen under load: a stage left with its
temporary "… (hs-japan: moving to …)" label)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from hs_japan.kinds.base import WriteContext
from hs_japan.plan.model import Action, Change
from hs_japan.portal.write import write_stage
from hs_japan.resources import Kind, Resource, Snapshot

OPEN, WON = "deals/p/open", "deals/p/won"


class Pipeline:
    """Stage labels unique within the pipeline, as HubSpot enforces; each write is slow
    enough for the two threads to interleave."""

    def __init__(self) -> None:
        self.labels = {"open": "開始", "won": "受注"}
        self.mutex = threading.Lock()

    def update_stage(
        self, obj: str, pipeline_id: str, stage_id: str, after: dict[str, Any], metadata: Any
    ) -> None:
        time.sleep(0.01)
        with self.mutex:
            label = after["label"]
            if any(v == label for k, v in self.labels.items() if k != stage_id):
                raise AssertionError(f"label {label} is already used in the pipeline")
            self.labels[stage_id] = label


@pytest.mark.parametrize("second_starts_after", [0.0, 0.005, 0.015, 0.025])
@pytest.mark.parametrize("first", [0, 1])
def test_two_concurrent_relabels_end_with_the_swapped_labels(
    first: int, second_starts_after: float
) -> None:
    actual = Snapshot()
    actual.add(Resource(Kind.STAGE, OPEN, {"label": "開始", "metadata": {}}))
    actual.add(Resource(Kind.STAGE, WON, {"label": "受注", "metadata": {}}))
    changes = [
        Change(Action.UPDATE, Kind.STAGE, OPEN, {"label": "開始"}, {"label": "受注"}),
        Change(Action.UPDATE, Kind.STAGE, WON, {"label": "受注"}, {"label": "開始"}),
    ]
    pipeline = Pipeline()
    ctx = WriteContext(pipeline, changes, actual, lock=threading.RLock())
    order = changes if first == 0 else list(reversed(changes))

    def late(change: Change) -> None:
        time.sleep(second_starts_after)  # e.g. after the first has moved its sibling
        write_stage(change, ctx)

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(write_stage, order[0], ctx), pool.submit(late, order[1])]
        for future in futures:
            future.result()
    assert pipeline.labels == {"open": "受注", "won": "開始"}
