"""The emulator stays a correct HTTP server under hostile input (issue 17, "the emulator as a
server"): framing holds after a refused body, a burst of connections is answered promptly,
idle connections give their thread back, and the control API refuses fault rules and
settings it could not serve. Loopback only; every loop is bounded in count and time."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from hubspot_emulator import EmulatorServer
from hubspot_emulator import server as server_mod
from tests.emulator.conftest import Api

DEALS = "/crm/v3/properties/deals"
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) ")


def _address(server: EmulatorServer) -> tuple[str, int]:
    split = urlsplit(server.url)
    assert split.hostname == "127.0.0.1" and split.port is not None
    return split.hostname, split.port


def _exchange(server: EmulatorServer, data: bytes, wait: float = 8.0) -> tuple[bytes, bool]:
    """Send ``data`` on one connection and read until the server closes it or ``wait``
    passes; returns what came back and whether the server closed the connection."""
    deadline = time.monotonic() + wait
    received = b""
    with socket.create_connection(_address(server), timeout=wait) as sock:
        sock.sendall(data)
        for _ in range(10_000):
            left = deadline - time.monotonic()
            if left <= 0:
                return received, False
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return received, False
            except ConnectionResetError:
                return received, True
            if not chunk:
                return received, True
            received += chunk
    return received, False


def _statuses(received: bytes) -> list[int]:
    """The status of each response in ``received``, framed by their Content-Length; a
    leftover that is not a whole response counts as status 0."""
    statuses: list[int] = []
    rest = received
    for _ in range(100):
        if not rest:
            return statuses
        head, sep, after = rest.partition(b"\r\n\r\n")
        status = STATUS_LINE.match(head)
        length = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
        if not sep or status is None or length is None or len(after) < int(length.group(1)):
            return [*statuses, 0]
        statuses.append(int(status.group(1)))
        rest = after[int(length.group(1)) :]
    return [*statuses, 0]


def _smuggled(name: str) -> bytes:
    """A request that would leave a trace (a portal named ``name``) if it were answered."""
    body = b'{"portalName": "%s"}' % name.encode()
    return (
        b"POST /_emulator/portals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
        b"\r\nContent-Length: %d\r\n\r\n%s"
        b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % (len(body), body)
    )


def _portal_names(server: EmulatorServer) -> set[str]:
    listed = requests.get(f"{server.url}/_emulator/portals", timeout=10).json()["results"]
    return {str(p.get("portalName")) for p in listed}


# -- framing: a refused body is never read as further requests --------------------------------
def _head(path: str, *headers: str, version: str = "HTTP/1.1") -> bytes:
    lines = [f"POST {path} {version}", "Host: 127.0.0.1", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


FRAMINGS: dict[str, tuple[int, Any]] = {
    "oversized body": (413, lambda s: _head(s, f"Content-Length: {server_mod.MAX_BODY + 1}")),
    "Content-Length with Transfer-Encoding": (
        400,
        lambda s: _head(s, "Content-Length: 5", "Transfer-Encoding: chunked") + b"0\r\n\r\n",
    ),
    "two different Content-Lengths": (
        400,
        lambda s: _head(s, "Content-Length: 0", "Content-Length: 120"),
    ),
    "Content-Length list that disagrees": (400, lambda s: _head(s, "Content-Length: 0, 120")),
    "negative Content-Length": (400, lambda s: _head(s, "Content-Length: -1")),
    "signed Content-Length": (400, lambda s: _head(s, "Content-Length: +0")),
    "hex Content-Length": (400, lambda s: _head(s, "Content-Length: 0x10")),
    "unknown Transfer-Encoding": (400, lambda s: _head(s, "Transfer-Encoding: gzip")),
    "chunked twice": (400, lambda s: _head(s, "Transfer-Encoding: chunked, chunked")),
    "Transfer-Encoding over HTTP/1.0": (
        400,
        lambda s: _head(s, "Transfer-Encoding: chunked", version="HTTP/1.0") + b"0\r\n\r\n",
    ),
    "malformed chunk size": (400, lambda s: _head(s, "Transfer-Encoding: chunked") + b"zz\r\n"),
    "chunk longer than its size": (
        400,
        lambda s: _head(s, "Transfer-Encoding: chunked") + b"2\r\n{}}\r\n0\r\n\r\n",
    ),
}


@pytest.mark.parametrize("case", sorted(FRAMINGS))
@pytest.mark.parametrize("path", ["/_emulator/portals", DEALS])
def test_a_refused_body_is_never_parsed_as_more_requests(
    case: str, path: str, emulator: EmulatorServer
) -> None:
    status, head = FRAMINGS[case]
    name = f"smuggled-{uuid.uuid4().hex[:8]}"
    received, closed = _exchange(emulator, head(path) + _smuggled(name))
    assert _statuses(received) == [status], received[:300]
    assert b"connection: close" in received.lower()
    assert closed, "the server must close the connection after refusing a body"
    assert b'"ok"' not in received and name.encode() not in received
    assert name not in _portal_names(emulator)


def test_an_oversized_upload_reads_its_413(api: Api) -> None:
    """The refused body is drained (bounded), so a client that sends it all first still
    reads the answer rather than a reset."""
    r = requests.post(
        api.url + DEALS,
        data=b" " * (server_mod.MAX_BODY + 1),
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413
    assert r.json()["category"] == "VALIDATION_ERROR"
    assert api.get(DEALS).status_code == 200


def test_chunked_bodies_and_keep_alive_still_work(emulator: EmulatorServer) -> None:
    name = f"chunked-{uuid.uuid4().hex[:8]}"
    body = b'{"portalName": "%s"}' % name.encode()
    first, rest = body[:7], body[7:]
    chunked = _head(
        "/_emulator/portals", "Transfer-Encoding: chunked", "Content-Type: application/json"
    ) + b"%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (
        len(first),
        first,
        len(rest),
        rest,
    )
    plain = _head("/_emulator/portals", "Content-Length: 2") + b"{}"
    last = b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    received, closed = _exchange(emulator, chunked + plain + last)
    assert _statuses(received) == [201, 201, 200]
    assert closed
    assert name in _portal_names(emulator)


# -- many connections at once ---------------------------------------------------------------
def _one_request(address: tuple[str, int], start: threading.Event, out: list[Any], i: int) -> None:
    start.wait(10)
    began = time.monotonic()
    try:
        received = b""
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(
                b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            for _ in range(100):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        out[i] = (time.monotonic() - began, _statuses(received) == [200])
    except OSError as exc:
        out[i] = (time.monotonic() - began, repr(exc))


def test_two_hundred_simultaneous_connections_are_answered_promptly() -> None:
    count = 200
    with EmulatorServer() as emu:
        out: list[Any] = [None] * count
        start = threading.Event()
        threads = [
            threading.Thread(target=_one_request, args=(_address(emu), start, out, i), daemon=True)
            for i in range(count)
        ]
        for t in threads:
            t.start()
        start.set()
        deadline = time.monotonic() + 15
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
    failed = [o for o in out if o is None or o[1] is not True]
    assert not failed, f"{len(failed)} of {count} not answered, e.g. {failed[:3]}"
    times = sorted(o[0] for o in out)
    p99 = times[int(0.99 * (count - 1))]
    assert p99 < 2.0, f"p50 {times[count // 2]:.2f}s, p99 {p99:.2f}s"


@pytest.fixture
def impatient(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    monkeypatch.setattr(server_mod._Handler, "timeout", 0.5)
    with EmulatorServer() as emu:
        yield emu


def test_idle_connections_are_closed(impatient: EmulatorServer) -> None:
    assert server_mod.IDLE_SECONDS <= 60
    began = time.monotonic()
    received, closed = _exchange(impatient, b"", wait=8)
    assert closed and received == b""
    # and a kept-alive connection, once its request is answered
    received, closed = _exchange(
        impatient, b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", wait=8
    )
    assert closed and _statuses(received) == [200]
    assert time.monotonic() - began < 6


# -- the control API refuses what it could not serve ---------------------------------------------
BAD_RULES: dict[str, Any] = {
    "status 99": {"kind": "status", "status": 99},
    "status 200": {"kind": "status", "status": 200},
    "status 302": {"kind": "status", "status": 302},
    "status 600": {"kind": "status", "status": 600},
    "status abc": {"kind": "status", "status": "abc"},
    "status 5.5": {"kind": "status", "status": 500.5},
    "status true": {"kind": "status", "status": True},
    "status null": {"kind": "status", "status": None},
    "negative latency": {"kind": "latency", "latencyMs": -5},
    "latency of days": {"kind": "latency", "latencyMs": 10**12},
    "probability -0.1": {"kind": "status", "probability": -0.1},
    "probability 1.5": {"kind": "status", "probability": 1.5},
    "probability text": {"kind": "status", "probability": "half"},
    "negative times": {"kind": "status", "times": -1},
    "unknown method": {"kind": "status", "method": "FETCH"},
    "method not a string": {"kind": "status", "method": 5},
    "relative path": {"kind": "status", "path": "crm/v3"},
    "unknown kind": {"kind": "explode"},
    "retryAfter with a newline": {"kind": "status", "status": 429, "retryAfter": "1\r\nX: y"},
    "retryAfter empty": {"kind": "status", "status": 429, "retryAfter": ""},
    "misspelt field": {"kind": "latency", "latency_ms": 100},
    "not an object": "status",
}


@pytest.mark.parametrize("case", sorted(BAD_RULES))
def test_impossible_fault_rules_are_refused(case: str, api: Api) -> None:
    kept = {"kind": "status", "status": 503, "method": "DELETE", "times": 1}
    assert api.control("PUT", "/faults", {"faults": [kept]}).status_code == 200
    r = api.control("PUT", "/faults", {"faults": [BAD_RULES[case]]})
    assert r.status_code == 400, r.text
    assert r.json()["category"] == "VALIDATION_ERROR"
    assert r.json()["message"].startswith("bad fault: faults[0]:")
    listed = api.control("GET", "/faults").json()["faults"]
    assert [(f["status"], f["method"]) for f in listed] == [(503, "DELETE")]
    assert api.get(DEALS).status_code == 200  # the stream still holds
    api.control("PUT", "/faults", {"faults": []})


@pytest.mark.parametrize(
    "body",
    [
        {"faults": "status"},
        {"faults": {"kind": "status"}},
        {"faults": [], "seed": "x"},
        [{"kind": "status"}],
    ],
    ids=["faults a string", "faults an object", "seed a string", "body a list"],
)
def test_malformed_fault_bodies_are_refused(body: Any, api: Api) -> None:
    r = api.control("PUT", "/faults", body)
    assert r.status_code == 400, r.text
    assert api.get(DEALS).status_code == 200


def test_fault_rules_within_range_are_kept(api: Api) -> None:
    rules = [
        {"kind": "status", "status": "503", "method": "get", "times": 0},
        {"kind": "status", "status": 429, "retryAfter": 2, "probability": 0},
        {"kind": "latency", "latencyMs": 0, "method": "", "path": ""},
    ]
    r = api.control("PUT", "/faults", {"faults": rules, "seed": 3})
    assert r.status_code == 200, r.text
    listed = r.json()["faults"]
    assert [(f["status"], f["method"], f["retryAfter"]) for f in listed] == [
        (503, "GET", None),
        (429, None, "2"),
        (500, None, None),
    ]
    assert api.control("PUT", "/faults", {"faults": listed}).status_code == 200  # round trip
    assert api.get(DEALS).status_code == 200
    api.control("PUT", "/faults", {"faults": []})


@pytest.mark.parametrize(
    "body",
    [
        {"latencyMs": -5},
        {"latencyMs": "slow"},
        {"rateLimits": {"perTenSeconds": 0}},
        {"rateLimits": {"daily": -1}},
        {"rateLimits": {"enabled": "yes"}},
        {"rateLimits": []},
        {"recordBodies": "true"},
        [],
    ],
)
def test_impossible_settings_are_refused(body: Any, api: Api) -> None:
    r = api.control("PUT", "/settings", body)
    assert r.status_code == 400, r.text
    assert r.json()["message"].startswith("bad settings:")
    assert api.get(DEALS).status_code == 200


# -- CLI flags out of range -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--port", "70000"], "port 70000 is out of range"),
        (["--port", "-1"], "port -1 is out of range"),
        (["--latency-ms", "-5"], "latency -5 ms is out of range"),
        (["--host", "0.0.0.0"], "only listens on loopback"),
        (["--host", "example.com"], "only listens on loopback"),
    ],
)
def test_serve_flags_out_of_range_are_one_line(flags: list[str], says: str, tmp_path: Path) -> None:
    data = tmp_path / "emu"
    done = subprocess.run(
        [sys.executable, "-m", "hs_japan.cli", "emulator", "serve", "--data", str(data), *flags],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode != 0
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and says in lines[0], lines
    assert "Traceback" not in done.stderr
    assert not data.exists()  # refused before anything is created
