"""The emulator's HTTP server: loopback only, stdlib ``ThreadingHTTPServer``.

Every HubSpot API response carries ``X-HubSpot-Correlation-Id`` and the rate-limit
headers; errors use HubSpot's envelope (docs/hubspot-api.md §3.1). ``/_emulator/…`` is the control
API (not HubSpot's; see docs/emulator.md), unauthenticated because the server only
listens on loopback.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# importing the resource modules registers their routes
from hubspot_emulator import (  # noqa: F401
    account,
    association_labels,
    associations,
    flows,
    forms,
    leads,
    limits_tracking,
    lists,
    owners,
    pipelines,
    properties,
    records,
    validations,
)
from hubspot_emulator.account import TIER_LIMITS
from hubspot_emulator.api import ApiError, Request, Response, allowed_methods, js, match
from hubspot_emulator.common import ALL_SCOPES, RECORD_OBJECTS, object_type
from hubspot_emulator.limits import MAX_LATENCY_MS, MAX_SETTING, Fault, Limits, integer_field
from hubspot_emulator.limits_tracking import HUB_TIERS, HUBS, default_hubs
from hubspot_emulator.seed import seed_portal
from hubspot_emulator.store import Store

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ACCOUNT_TYPES = ("STANDARD", "SANDBOX", "DEVELOPER_TEST", "APP_DEVELOPER")
MAX_BODY = 20 * 1024 * 1024
SCOPES_DOC = "https://developers.hubspot.com/scopes"
# Serving many clients at once (docs/emulator.md "As an HTTP server"): the listen backlog
# holds a burst of connections (the stdlib's 5 made a burst of 200 wait for SYN retries,
# up to a minute), and an idle keep-alive connection gives its thread back after this.
BACKLOG = 1024
IDLE_SECONDS = 30
# After refusing a body the connection is closed; what the client still sends is read and
# discarded (never parsed) up to the declared length and this long, so that the client
# reads the answer instead of a reset.
MAX_DRAIN = 64 * 1024 * 1024
LINGER_SECONDS = 5.0
MAX_LINE = 4096  # a chunk-size or trailer line
MAX_CHUNKS = 100_000
_DIGITS = re.compile(r"[0-9]{1,19}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")


def check_options(host: str, port: int, latency_ms: int = 0) -> None:
    """Refuse, with a one-line ValueError, what the emulator cannot serve with."""
    if host not in LOOPBACK:
        raise ValueError(
            f"the emulator only listens on loopback (127.0.0.1, localhost or ::1), not {js(host)}"
        )
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port {js(port)} is out of range: use 0 to 65535 (0 picks a free one)")
    if isinstance(latency_ms, bool) or not isinstance(latency_ms, int):
        raise ValueError(f"latency must be a whole number of milliseconds, not {js(latency_ms)}")
    if not 0 <= latency_ms <= MAX_LATENCY_MS:
        raise ValueError(f"latency {latency_ms} ms is out of range: use 0 to {MAX_LATENCY_MS} ms")


class _Drop(Exception):
    """Close the connection without an answer (fault injection)."""


class _Framing(Exception):
    """A request whose body cannot be read safely (refused size, conflicting or invalid
    Content-Length / Transfer-Encoding): answer ``error`` and close the connection, so
    that no byte of the body is ever read as another request."""

    def __init__(self, error: ApiError, drain: int = 0) -> None:
        super().__init__(error.message)
        self.error = error
        self.drain = drain  # bytes the client announced and may still send


AnswerKey = tuple[int, str, tuple[tuple[str, tuple[str, ...]], ...]]


class Answers:
    """Encoded answers to cached reads (``route(cached=True)``: the big listings a plan
    reads), each kept with the store version it was computed at and used only while the
    version is unchanged, so an answer is always what the handler would compute now. This
    is the emulator's own speed, not a HubSpot behaviour: HubSpot answers a plan's
    concurrent reads in parallel, while the emulator computes answers one at a time under
    its store lock and one GIL, which spread a round of reads over tens of milliseconds."""

    SIZE = 64  # entries (a listing is up to a few hundred kB)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[AnswerKey, tuple[tuple[int, int, int], Response]] = OrderedDict()

    def get(self, key: AnswerKey, version: tuple[int, int, int]) -> Response | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != version:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: AnswerKey, version: tuple[int, int, int], resp: Response) -> Response:
        encoded = Response(resp.status, _encode(resp.body), dict(resp.headers))
        with self._lock:
            self._items[key] = (version, encoded)
            self._items.move_to_end(key)
            while len(self._items) > self.SIZE:
                self._items.popitem(last=False)
        return encoded


def _encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class EmulatorServer:
    """A local HubSpot portal emulator on 127.0.0.1; many portals, isolated by token."""

    def __init__(
        self,
        data_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        latency_ms: int = 0,
        seed: int = 0,
        rate_limits: bool = True,
    ) -> None:
        check_options(host, port, latency_ms)
        self.host, self.port = host, port
        self.store = Store(data_dir / "emulator.sqlite3" if data_dir is not None else None)
        self.limits = Limits(latency_ms=latency_ms, seed=seed, rate_limits=rate_limits)
        self.answers = Answers()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def _bind(self) -> ThreadingHTTPServer:
        emulator = self

        class Handler(_Handler):
            server_ref = emulator

        server_class = _Server6 if ":" in self.host else _Server
        httpd = server_class((self.host, self.port), Handler)
        self._httpd = httpd
        return httpd

    def start(self) -> str:
        httpd = self._bind()
        self._thread = threading.Thread(
            target=httpd.serve_forever, name="hs-japan-emulator", daemon=True
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name if ':' not in name else f'[{name}]'}:{port}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.store.close()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- control (also over HTTP under /_emulator) ----------------------------------------
    def create_portal(
        self,
        account_type: str = "STANDARD",
        portal_name: str | None = None,
        scopes: list[str] | None = None,
        tier: str = "enterprise",
        hubs: dict[str, str | None] | None = None,
    ) -> dict[str, Any]:
        """``hubs`` sets each product's subscription (``{"sales": "professional", "service":
        "starter", "marketing": None}``); hubs left out are at ``tier``, None means the portal
        does not have that hub."""
        if account_type not in ACCOUNT_TYPES:
            raise ValueError(f"accountType must be one of {', '.join(ACCOUNT_TYPES)}")
        if tier not in TIER_LIMITS:
            raise ValueError(f"tier must be one of {', '.join(TIER_LIMITS)}")
        full_hubs = None
        if hubs is not None:
            if not isinstance(hubs, dict):
                raise ValueError("hubs must be an object of hub name to tier")
            unknown = sorted(set(hubs) - set(HUBS))
            if unknown:
                raise ValueError(
                    f"unknown hub {json.dumps(unknown[0])}; hubs are {', '.join(HUBS)}"
                )
            for hub, level in hubs.items():
                if level is not None and level not in HUB_TIERS:
                    raise ValueError(
                        f"hubs.{hub} must be null or one of {', '.join(HUB_TIERS)} "
                        f"(got {json.dumps(level)})"
                    )
            full_hubs = {**default_hubs(tier), **hubs}
        granted = sorted(set(scopes)) if scopes is not None else list(ALL_SCOPES)
        with self.store.transaction():
            created = self.store.create_portal(
                account_type, portal_name or "Local portal", tier, granted, full_hubs
            )
            seed_portal(self.store, int(created["portalId"]))
            leads.seed_leads(self.store, int(created["portalId"]))
        return created

    def requests(self, portal_id: int) -> list[dict[str, Any]]:
        return self.store.requests(portal_id)

    def set_faults(
        self, portal_id: int, faults: list[dict[str, Any]], seed: int | None = None
    ) -> None:
        portal = self.store.portal(portal_id)
        if portal is None:
            raise KeyError(portal_id)
        if not isinstance(faults, list):
            raise ValueError(f"faults must be a list of rules, not {js(faults)}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an integer, not {js(seed)}")
        rt = self.limits.runtime(portal)
        parsed = []
        for i, raw in enumerate(faults):
            try:
                parsed.append(Fault.parse(raw))
            except ValueError as exc:
                raise ValueError(f"faults[{i}]: {exc}") from None
        with self.limits.lock:
            rt.faults = parsed
            if seed is not None:
                import random

                rt.rng = random.Random(seed)


# -- the handler ---------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    request_queue_size = BACKLOG  # the kernel caps it at net.core.somaxconn
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (Ctrl-C, a timeout) is not an error worth a
        traceback on the console; anything else still is."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipe, ConnectionReset, …
            return
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server_ref: EmulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "hs-japan-emulator"
    timeout = IDLE_SECONDS  # every read and write on the connection, idle keep-alive included
    # TCP_NODELAY: an answer is written as headers then body; with Nagle's algorithm the body
    # waited for the client's delayed ACK of the headers, about 40 ms on every keep-alive
    # request (Linux loopback)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the request log has it
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    # -- plumbing ----------------------------------------------------------------------
    def _send(self, status: int, body: Any, headers: dict[str, str], cid: str) -> None:
        self.send_response(status)
        self.send_header("X-HubSpot-Correlation-Id", cid)
        for key, value in headers.items():
            self.send_header(key, value)
        if status == 204 or body is None:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = body if isinstance(body, bytes) else _encode(body)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body_bytes(self) -> bytes:
        """The request's body, framed as RFC 9112 §6 says, or ``_Framing`` when it cannot
        be framed without guessing (then the connection is closed after the answer)."""
        lengths = self.headers.get_all("Content-Length") or []
        codings = self.headers.get_all("Transfer-Encoding") or []
        if codings:
            if lengths:
                raise _Framing(_bad_framing("Transfer-Encoding and Content-Length together"))
            names = [c.strip().lower() for value in codings for c in value.split(",")]
            if names != ["chunked"] or self.request_version != "HTTP/1.1":
                raise _Framing(
                    _bad_framing(
                        f"Transfer-Encoding {js(', '.join(codings))} is not supported "
                        "(send chunked with HTTP/1.1, or a Content-Length)"
                    )
                )
            return self._read_chunked()
        if not lengths:
            return b""
        values = {v.strip() for value in lengths for v in value.split(",")}
        text = values.pop()
        if values or not _DIGITS.fullmatch(text):
            raise _Framing(_bad_framing(f"invalid Content-Length {js(', '.join(lengths))}"))
        length = int(text)
        if length > MAX_BODY:
            raise _Framing(_too_large(), drain=length)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            raise _Framing(_bad_framing("the body is shorter than its Content-Length"))
        return raw

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        for _ in range(MAX_CHUNKS):
            line = self.rfile.readline(MAX_LINE + 1)
            size_text = line[:-2].split(b";", 1)[0].strip()
            if not line.endswith(b"\r\n") or not _HEX.fullmatch(size_text):
                raise _Framing(_bad_framing("malformed chunk size"))
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                raise _Framing(_too_large())
            data = self.rfile.read(size)
            if len(data) < size or self.rfile.read(2) != b"\r\n":
                raise _Framing(_bad_framing("a chunk is shorter than its size"))
            chunks.append(data)
        else:
            raise _Framing(_bad_framing(f"more than {MAX_CHUNKS} chunks"))
        for _ in range(100):  # trailer fields, ignored
            line = self.rfile.readline(MAX_LINE + 1)
            if line == b"\r\n":
                return b"".join(chunks)
            if not line.endswith(b"\r\n"):
                break
        raise _Framing(_bad_framing("malformed chunked trailer"))

    def _refuse(self, refused: _Framing, cid: str) -> None:
        """Answer and close; then read and discard (never parse) what the client still
        sends, bounded in bytes and time, so it can read the answer before the close."""
        err = refused.error
        try:
            self._send(err.status, err.body(cid), {"Connection": "close"}, cid)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            return
        finally:
            self.close_connection = True
        budget = min(refused.drain, MAX_DRAIN) + 65536
        deadline = time.monotonic() + LINGER_SECONDS
        read1 = getattr(self.rfile, "read1", self.rfile.read)
        try:
            while budget > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self.connection.settimeout(left)
                chunk = read1(min(budget, 65536))
                if not chunk:
                    return
                budget -= len(chunk)
        except (OSError, ValueError):
            return

    def _dispatch(self, method: str) -> None:
        cid = str(uuid.uuid4())
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            raw = self._body_bytes()
        except _Framing as refused:
            self._refuse(refused, cid)
            return
        body, body_error = _parse_json(raw)
        try:
            if path.startswith("/_emulator/") or path == "/_emulator":
                if body_error is not None:
                    raise body_error
                resp = _control(self.server_ref, method, path, query, body)
                self._send(resp.status, resp.body, resp.headers, cid)
                return
            self._api(method, path, query, body, body_error, cid)
        except _Drop:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            # the client gave up (its timeout or deadline) before the answer was written:
            # normal for an HTTP server, not an emulator bug; the request log has the request
            self.close_connection = True
        except ApiError as exc:
            self._send(exc.status, exc.body(cid), exc.headers, cid)
        except Exception:  # an emulator bug: answer like HubSpot's 500, keep serving
            traceback.print_exc(file=sys.stderr)
            err = ApiError(500, "INTERNAL_ERROR", "Internal error in the emulator")
            self._send(500, err.body(cid), {}, cid)

    def _api(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        body_error: ApiError | None,
        cid: str,
    ) -> None:
        emu = self.server_ref
        auth = self.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        portal = emu.store.portal_by_token(token) if token else None
        if portal is None:
            raise ApiError(
                401,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
                if not token
                else "The access token provided is not valid for any portal.",
            )
        rt = emu.limits.runtime(portal)
        found, params, path_known = match(method, path)
        template = found.template if found else path
        limit_headers, refused = emu.limits.admit(rt)
        status = 0
        due: float | None = None  # when the answer may leave (no latency before this point)
        logged = False

        def record(final: int) -> None:
            nonlocal logged
            if not logged:
                logged = True
                emu.limits.count(rt, method, template)
                detail = (
                    {"query": query, "body": body}
                    if portal["settings"].get("recordBodies")
                    else None
                )
                emu.store.log_request(
                    int(portal["portalId"]), method, template, path, final, cid, detail
                )

        try:
            if refused is not None:
                raise ApiError(
                    429,
                    "RATE_LIMITS",
                    refused["message"],
                    headers={**limit_headers, "Retry-After": refused["retryAfter"]},
                    extra={
                        "errorType": "RATE_LIMIT",
                        "policyName": refused["policyName"],
                        "requestId": str(uuid.uuid4()),
                    },
                )
            if found is None:
                if path_known:
                    allow = allowed_methods(path)
                    raise ApiError(
                        405,
                        "VALIDATION_ERROR",
                        f"HTTP {method} is not supported by {path}; supported methods: "
                        f"{', '.join(allow)}",
                        sub_category="METHOD_NOT_ALLOWED",
                        headers={**limit_headers, "Allow": ", ".join(allow)},
                    )
                raise ApiError(404, "OBJECT_NOT_FOUND", f"No API at {path}")
            if found.scopes is not None:
                request_stub = Request(
                    method, path, template, params, query, None, portal, emu.store
                )
                needed = found.scopes(request_stub)
                if needed and not set(needed) & set(portal["scopes"]):
                    raise ApiError(
                        403,
                        "MISSING_SCOPES",
                        "This app hasn't been granted all required scopes to make this call. "
                        f"Read more about required scopes here: {SCOPES_DOC}.",
                        errors=[
                            {
                                "message": "One or more of the following scopes are required.",
                                "context": {"requiredScopes": needed},
                            }
                        ],
                        links={"scopes": SCOPES_DOC},
                        headers=limit_headers,
                    )
            if found.scopes is not None:
                leads.check_tier(request_stub)  # leads need Sales Hub Professional
            if found.bucket == "search":
                # CRM search: no rate-limit headers, its own per-second cap
                # (docs/hubspot-api.md §2.1)
                limit_headers = {}
                refused = emu.limits.admit_search(rt)
                if refused is not None:
                    raise ApiError(
                        429,
                        "RATE_LIMITS",
                        refused["message"],
                        headers={"Retry-After": refused["retryAfter"]},
                        extra={
                            "errorType": "RATE_LIMIT",
                            "policyName": refused["policyName"],
                            "requestId": str(uuid.uuid4()),
                        },
                    )
            fault = emu.limits.pick_fault(rt, method, template, path)
            delay = rt.latency_ms + (fault.latency_ms if fault and fault.kind == "latency" else 0)
            # the answer leaves ``delay`` after the request arrived, and the work is done
            # meanwhile (``_hold``): HubSpot's servers answer a client's concurrent
            # requests in parallel, within their latency; the emulator's one process,
            # working after the wait, added its own queue to every round trip (issue 14)
            due = time.monotonic() + delay / 1000 if delay else None
            if fault is not None and fault.kind == "drop":
                raise _Drop
            if fault is not None and fault.kind == "status":
                extra_headers = dict(limit_headers)
                if fault.retry_after is not None:
                    extra_headers["Retry-After"] = fault.retry_after
                raise _fault_error(fault, extra_headers)
            if body_error is not None:
                raise body_error
            request = Request(
                method,
                path,
                template,
                params,
                query,
                body,
                portal,
                emu.store,
                daily_usage=(rt.day_used, rt.per_day),
            )
            pid = int(portal["portalId"])
            key: AnswerKey | None = None
            if found.cached and method == "GET":
                key = (pid, path, tuple(sorted((k, tuple(v)) for k, v in query.items())))
            with emu.store.transaction():
                if key is None:
                    resp = found.handler(request)
                else:
                    version = emu.store.version(pid)
                    kept = emu.answers.get(key, version)
                    resp = kept or found.handler(request)
                    if kept is None and resp.status == 200:
                        resp = emu.answers.put(key, version, resp)
            status = resp.status
            _hold(due)
            if fault is not None and fault.kind == "lost_response":
                raise _Drop  # the write is committed; the client never hears of it
            record(status)  # logged before answering: a client never outruns the log
            self._send(resp.status, resp.body, {**limit_headers, **resp.headers}, cid)
        except ApiError as exc:
            status = exc.status
            _hold(due)
            record(status)
            headers = {**limit_headers, **exc.headers}
            self._send(exc.status, exc.body(cid), headers, cid)
        except _Drop:
            _hold(due)
            record(status or 0)
            raise


def _hold(due: float | None) -> None:
    """Wait until ``due`` (``time.monotonic``), if it is still ahead."""
    if due is not None:
        left = due - time.monotonic()
        if left > 0:
            time.sleep(left)


def _parse_json(raw: bytes) -> tuple[Any, ApiError | None]:
    if not raw.strip():
        return None, None
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, ApiError(
            400,
            "VALIDATION_ERROR",
            f"Invalid input JSON: {exc}",
            errors=[{"message": f"Invalid input JSON: {exc}", "code": "INVALID_JSON"}],
        )


def _bad_framing(what: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", f"Bad request framing: {what}")


def _too_large() -> ApiError:
    return ApiError(413, "VALIDATION_ERROR", f"Request body too large (over {MAX_BODY} bytes)")


def _fault_error(fault: Fault, headers: dict[str, str]) -> ApiError:
    if fault.status == 429:
        return ApiError(
            429,
            "RATE_LIMITS",
            "You have reached your ten_secondly_rolling limit.",
            headers=headers,
            extra={"errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"},
        )
    if fault.status == 423:
        return ApiError(
            423,
            "LOCKED",
            "The resource is temporarily locked; retry in 2 seconds.",
            headers=headers,
        )
    return ApiError(
        fault.status, "INTERNAL_ERROR", f"Injected fault ({fault.status})", headers=headers
    )


# -- control API ------------------------------------------------------------------------------
_PORTAL = re.compile(r"^/_emulator/portals/(\d+)(/.*)?$")


def _control(
    emu: EmulatorServer, method: str, path: str, query: dict[str, list[str]], body: Any
) -> Response:
    store = emu.store
    data = body if isinstance(body, dict) else {}
    if path == "/_emulator/health" and method == "GET":
        return Response(200, {"status": "ok", "portals": len(store.portals())})
    if path == "/_emulator/reset" and method == "POST":
        store.reset_all()
        emu.limits.portals.clear()
        return Response(204)
    if path == "/_emulator/portals":
        if method == "POST":
            try:
                created = emu.create_portal(
                    account_type=str(data.get("accountType", "STANDARD")),
                    portal_name=data.get("portalName"),
                    scopes=data.get("scopes"),
                    tier=str(data.get("tier", "enterprise")),
                    hubs=data.get("hubs"),
                )
            except ValueError as exc:
                raise ApiError(400, "VALIDATION_ERROR", str(exc)) from None
            return Response(201, created)
        if method == "GET":
            listed = [{k: v for k, v in p.items() if k != "token"} for p in store.portals()]
            return Response(200, {"results": listed})
    m = _PORTAL.match(path)
    if m is None:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"No control API at {path}")
    portal_id, rest = int(m.group(1)), m.group(2) or ""
    portal = store.portal(portal_id)
    if portal is None:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"No portal {portal_id}")
    rt = emu.limits.runtime(portal)
    if rest == "" and method == "GET":
        return Response(200, {k: v for k, v in portal.items() if k != "token"})
    if rest == "/requests":
        if method == "GET":
            return Response(
                200,
                {
                    "results": store.requests(portal_id),
                    "counters": dict(sorted(rt.counters.items())),
                    "rateLimited": rt.rate_limited,
                    "dailyUsed": rt.day_used,
                },
            )
        if method == "DELETE":
            store.clear_requests(portal_id)
            with emu.limits.lock:
                rt.counters.clear()
                rt.rate_limited = 0
            return Response(204)
    if rest == "/reset" and method == "POST":
        store.reset_portal(portal_id)
        seed_portal(store, portal_id)
        leads.seed_leads(store, portal_id)
        emu.limits.forget(portal_id)
        return Response(204)
    if rest == "/faults":
        if method == "PUT":
            try:
                if not isinstance(body, dict):
                    raise ValueError('the body must be an object {"faults": [...], "seed"?}')
                emu.set_faults(portal_id, body.get("faults") or [], body.get("seed"))
            except (ValueError, TypeError) as exc:
                raise ApiError(400, "VALIDATION_ERROR", f"bad fault: {exc}") from None
            return Response(200, {"faults": [f.describe() for f in rt.faults]})
        if method == "GET":
            return Response(200, {"faults": [f.describe() for f in rt.faults]})
    if rest == "/settings" and method in ("PUT", "PATCH"):
        changes = _settings(body)
        with emu.limits.lock:
            for name, value in changes.items():
                setattr(rt, name, value)
        persisted = {k: data[k] for k in ("archivedNameReuse", "recordBodies") if k in data}
        settings = store.update_settings(portal_id, persisted) if persisted else portal["settings"]
        return Response(
            200,
            {
                **settings,
                "latencyMs": rt.latency_ms,
                "rateLimits": {
                    "perTenSeconds": rt.per_window,
                    "daily": rt.per_day,
                    "enabled": rt.enabled,
                    "searchPerSecond": rt.search_per_second,
                },
            },
        )
    rm = re.match(r"^/records/([^/]+)$", rest)
    if rm and method == "POST":
        obj = object_type(rm.group(1), RECORD_OBJECTS)
        seeded = records.seed_records(store, portal_id, obj, data.get("inputs"))
        return Response(201, {"results": [records.full_out(r) for r in seeded]})
    if rest == "/owners":
        if method == "POST":
            with store.transaction():
                return Response(201, owners.control_add(store, portal_id, data))
        if method == "GET":
            return Response(200, {"results": store.all(portal_id, owners.COLL)})
    om = re.match(r"^/owners/([^/]+)$", rest)
    if om and method == "DELETE":
        with store.transaction():
            archived = owners.archive_owner(store, portal_id, om.group(1))
        if archived is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", f"No owner {om.group(1)}")
        return Response(200, archived)
    raise ApiError(
        405 if rest in ("", "/requests", "/faults", "/settings", "/owners") else 404,
        "VALIDATION_ERROR",
        f"{method} {path} is not part of the control API",
    )


def _settings(body: Any) -> dict[str, Any]:
    """The runtime changes a settings body asks for, or a 400 naming the bad field (a
    negative latency or a zero window would otherwise break every later answer)."""
    try:
        if not isinstance(body, dict):
            raise ValueError("the body must be an object")
        limits = body.get("rateLimits")
        limits = {} if limits is None else limits
        if not isinstance(limits, dict):
            raise ValueError("rateLimits must be an object")
        changes: dict[str, Any] = {}
        if "latencyMs" in body:
            changes["latency_ms"] = integer_field(body, "latencyMs", 0, 0, MAX_LATENCY_MS)
        for name, attr, low in (
            ("perTenSeconds", "per_window", 1),
            ("daily", "per_day", 0),
            ("searchPerSecond", "search_per_second", 0),
        ):
            if name in limits:
                changes[attr] = integer_field(limits, name, 0, low, MAX_SETTING)
        for name, source in (
            ("enabled", limits),
            ("archivedNameReuse", body),
            ("recordBodies", body),
        ):
            if name in source and not isinstance(source[name], bool):
                raise ValueError(f"{name} must be true or false, not {js(source[name])}")
        if "enabled" in limits:
            changes["enabled"] = limits["enabled"]
    except ValueError as exc:
        raise ApiError(400, "VALIDATION_ERROR", f"bad settings: {exc}") from None
    return changes


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    data_dir: Path | None = None,
    *,
    latency_ms: int = 0,
    seed: int = 0,
    rate_limits: bool = True,
) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM (``hs-japan emulator serve``)."""
    server = EmulatorServer(
        data_dir, host, port, latency_ms=latency_ms, seed=seed, rate_limits=rate_limits
    )
    httpd = server._bind()

    def terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # `kill`, `docker stop`, a CI runner: the same clean stop

    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminate) if on_main else None
    print(f"hs-japan emulator listening on {server.url}", flush=True)
    print(
        f"create a portal: curl -s -X POST {server.url}/_emulator/portals "
        '-d \'{"accountType": "SANDBOX"}\'',
        flush=True,
    )
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM: finish closing
        httpd.server_close()
        server.store.close()
        if on_main:
            signal.signal(signal.SIGTERM, previous)
