"""``PortalClient.shared_reads``: apply's preflight and first plan run side by side and
read the same listings; inside the context each read (method, URL, body) is sent once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from hs_japan.portal.client import PortalClient
from tests.contract.recorder import Recorder

PROPS = "/crm/v3/properties/deals"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.close()


def _client(rec: Recorder) -> PortalClient:
    return PortalClient(rec.url, "pat-shared-reads-test", sleep=lambda _: None)


def test_concurrent_reads_of_one_url_are_sent_once_and_each_gets_its_own_copy(
    recorder: Recorder,
) -> None:
    recorder.routes[("GET", PROPS)] = (200, {"results": [{"name": "amount"}]})
    client = _client(recorder)
    got: list[dict[str, object]] = []
    start = threading.Barrier(4)

    def read() -> None:
        start.wait()
        got.append(client.get_json("read deals properties", PROPS, {"archived": "false"}))

    with client.shared_reads():
        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got.append(client.get_json("read deals properties", PROPS, {"archived": "false"}))
    assert len(recorder.requests) == 1
    assert all(g == {"results": [{"name": "amount"}]} for g in got) and len(got) == 5
    got[0]["results"] = []  # one caller's copy is its own
    assert got[1] == {"results": [{"name": "amount"}]}
    client.get_json("read deals properties", PROPS, {"archived": "false"})
    assert len(recorder.requests) == 2  # outside the context, every read is sent


def test_other_queries_bodies_and_writes_are_sent_each_time(recorder: Recorder) -> None:
    client = _client(recorder)
    search = {"offset": 0, "count": 500, "additionalProperties": []}
    with client.shared_reads():
        client.get_json("active", PROPS, {"archived": "false"})
        client.get_json("archived", PROPS, {"archived": "true"})
        for _ in range(2):
            client.call(
                "search", lambda: client.request("POST", "/crm/v3/lists/search", body=search)
            )
        client.call(
            "search", lambda: client.request("POST", "/crm/v3/lists/search", body={"count": 1})
        )
        for _ in range(2):
            client.call(
                "write", lambda: client.request("PATCH", f"{PROPS}/groups/g", body={"label": "G"})
            )
            client.call(
                "create", lambda: client.request("POST", "/crm/v3/lists", body={"name": "x"})
            )
    assert [(r.method, r.path, r.query) for r in recorder.requests] == [
        ("GET", PROPS, {"archived": ["false"]}),
        ("GET", PROPS, {"archived": ["true"]}),
        ("POST", "/crm/v3/lists/search", {}),
        ("POST", "/crm/v3/lists/search", {}),
        ("PATCH", f"{PROPS}/groups/g", {}),
        ("POST", "/crm/v3/lists", {}),
        ("PATCH", f"{PROPS}/groups/g", {}),
        ("POST", "/crm/v3/lists", {}),
    ]


def test_a_failed_read_is_not_remembered(recorder: Recorder) -> None:
    recorder.scripts[("GET", PROPS)] = [(503, {"message": "busy"}, {})]
    recorder.routes[("GET", PROPS)] = (200, {"results": []})
    client = _client(recorder)
    with client.shared_reads():
        assert client.get_json("read", PROPS) == {"results": []}  # retried: sent again
        assert client.get_json("read", PROPS) == {"results": []}  # then shared
    assert [r.path for r in recorder.requests] == [PROPS, PROPS]
