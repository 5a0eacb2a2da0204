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
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# importing the resource modules registers their routes
from hs_japan.emulator import (  # noqa: F401
    account,
    association_labels,
    associations,
    flows,
    limits_tracking,
    lists,
    owners,
    pipelines,
    properties,
    records,
    validations,
)
from hs_japan.emulator.account import TIER_LIMITS
from hs_japan.emulator.api import ApiError, Request, Response, allowed_methods, js, match
from hs_japan.emulator.common import ALL_SCOPES, object_type
from hs_japan.emulator.limits import Fault, Limits
from hs_japan.emulator.limits_tracking import HUB_TIERS, HUBS, default_hubs
from hs_japan.emulator.seed import seed_portal
from hs_japan.emulator.store import Store

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ACCOUNT_TYPES = ("STANDARD", "SANDBOX", "DEVELOPER_TEST", "APP_DEVELOPER")
MAX_BODY = 20 * 1024 * 1024
SCOPES_DOC = "https://developers.hubspot.com/scopes"


class _Drop(Exception):
    """Close the connection without an answer (fault injection)."""


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
        if host not in LOOPBACK:
            raise ValueError(f"the emulator only listens on loopback, not {js(host)}")
        self.host, self.port = host, port
        self.store = Store(data_dir / "emulator.sqlite3" if data_dir is not None else None)
        self.limits = Limits(latency_ms=latency_ms, seed=seed, rate_limits=rate_limits)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def _bind(self) -> ThreadingHTTPServer:
        emulator = self

        class Handler(_Handler):
            server_ref = emulator

        httpd = _Server((self.host, self.port), Handler)
        httpd.daemon_threads = True
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
        return created

    def requests(self, portal_id: int) -> list[dict[str, Any]]:
        return self.store.requests(portal_id)

    def set_faults(
        self, portal_id: int, faults: list[dict[str, Any]], seed: int | None = None
    ) -> None:
        portal = self.store.portal(portal_id)
        if portal is None:
            raise KeyError(portal_id)
        rt = self.limits.runtime(portal)
        parsed = [Fault.parse(f) for f in faults]
        with self.limits.lock:
            rt.faults = parsed
            if seed is not None:
                import random

                rt.rng = random.Random(seed)


# -- the handler ---------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (Ctrl-C, a timeout) is not an error worth a
        traceback on the console; anything else still is."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipe, ConnectionReset, …
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_ref: EmulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "hs-japan-emulator"
    timeout = 60

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
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self) -> tuple[Any, ApiError | None]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None, ApiError(413, "VALIDATION_ERROR", "Request body too large")
        raw = self.rfile.read(length) if length else b""
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

    def _dispatch(self, method: str) -> None:
        cid = str(uuid.uuid4())
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        body, body_error = self._read_body()
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
            if delay:
                time.sleep(delay / 1000)
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
            with emu.store.transaction():
                resp = found.handler(request)
            status = resp.status
            if fault is not None and fault.kind == "lost_response":
                raise _Drop  # the write is committed; the client never hears of it
            record(status)  # logged before answering: a client never outruns the log
            self._send(resp.status, resp.body, {**limit_headers, **resp.headers}, cid)
        except ApiError as exc:
            status = exc.status
            record(status)
            headers = {**limit_headers, **exc.headers}
            self._send(exc.status, exc.body(cid), headers, cid)
        except _Drop:
            record(status or 0)
            raise


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
        emu.limits.forget(portal_id)
        return Response(204)
    if rest == "/faults":
        if method == "PUT":
            try:
                emu.set_faults(portal_id, list(data.get("faults") or []), data.get("seed"))
            except (ValueError, TypeError) as exc:
                raise ApiError(400, "VALIDATION_ERROR", f"bad fault: {exc}") from None
            return Response(200, {"faults": [f.describe() for f in rt.faults]})
        if method == "GET":
            return Response(200, {"faults": [f.describe() for f in rt.faults]})
    if rest == "/settings" and method in ("PUT", "PATCH"):
        with emu.limits.lock:
            if "latencyMs" in data:
                rt.latency_ms = int(data["latencyMs"])
            limits = data.get("rateLimits") or {}
            if "perTenSeconds" in limits:
                rt.per_window = int(limits["perTenSeconds"])
            if "daily" in limits:
                rt.per_day = int(limits["daily"])
            if "enabled" in limits:
                rt.enabled = bool(limits["enabled"])
            if "searchPerSecond" in limits:
                rt.search_per_second = int(limits["searchPerSecond"])
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
        obj = object_type(rm.group(1))
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
