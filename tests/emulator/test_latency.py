"""What the emulator's latency means: an answer leaves no sooner than the latency after
its request arrived, and the work is done meanwhile, as HubSpot's servers work on a
client's concurrent requests in parallel within their response time."""

from __future__ import annotations

import threading
import time

import requests

from tests.emulator.conftest import Api

GROUPS = "/crm/v3/properties/deals/groups"


def test_an_answer_never_leaves_before_the_latency(api: Api) -> None:
    assert api.control("PUT", "/settings", {"latencyMs": 300}).status_code == 200
    # an answer and an error (a group that does not exist) alike
    for call in (lambda: api.get(GROUPS), lambda: api.get(f"{GROUPS}/jp_none")):
        started = time.monotonic()
        answered = call()
        assert answered.status_code in (200, 404)
        assert time.monotonic() - started >= 0.3


def test_the_work_is_done_within_the_wait_not_after_it(api: Api) -> None:
    rule = {"kind": "latency", "latencyMs": 3000, "method": "POST", "path": GROUPS}
    assert api.control("PUT", "/faults", {"faults": [rule]}).status_code == 200
    answer: list[requests.Response] = []
    writer = threading.Thread(
        target=lambda: answer.append(api.post(GROUPS, {"name": "jp_early", "label": "Early"}))
    )
    started = time.monotonic()
    writer.start()
    seen = 404
    while seen != 200 and time.monotonic() - started < 2.5:
        time.sleep(0.1)
        seen = api.get(f"{GROUPS}/jp_early").status_code
    assert seen == 200 and not answer  # written, and its answer still on its way
    writer.join()
    assert answer[0].status_code == 201 and time.monotonic() - started >= 3.0
