"""Concurrent raw requests leave the process's stdout alone.

``PortalClient.request`` once silenced the SDK's print with ``contextlib.redirect_stdout``,
which swaps the process-wide ``sys.stdout``: two overlapping requests restored each
other's stand-in and left stdout captured (plan output vanished).
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator

import pytest

from hs_japan.errors import PortalError
from hs_japan.portal.client import PortalClient
from tests.contract.recorder import Recorder

DETAILS = "/account-info/v3/details"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    rec.routes[("GET", DETAILS)] = (200, {"portalId": 7, "accountType": "SANDBOX"})
    yield rec
    rec.close()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_sixteen_concurrent_requests_leave_sys_stdout_as_it_was(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    original = sys.stdout
    ok = PortalClient(recorder.url, "pat-test", sleep=lambda _s: None)
    # a refused connection is the case the SDK used to print about
    refused = PortalClient(_closed_port_url(), "pat-test", max_attempts=1, sleep=lambda _s: None)
    start = threading.Barrier(16)
    results: list[object] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        client = ok if i % 2 == 0 else refused
        start.wait()
        try:
            outcome: object = client.call("read details", lambda: client.request("GET", DETAILS))
        except PortalError as exc:
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 16
    assert sum(isinstance(r, PortalError) for r in results) == 8
    assert sys.stdout is original
    assert capsys.readouterr().out == ""  # and nothing was printed
    assert len([r for r in recorder.requests if r.path == DETAILS]) == 8
