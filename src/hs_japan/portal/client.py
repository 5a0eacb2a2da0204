"""HubSpot access through the official SDK, with retries in exactly one place.

Every request goes through :meth:`PortalClient.call`: tenacity retries 423/429/477/5xx
and connection errors, honouring ``Retry-After`` (docs/hubspot-api.md §3.1). A write that may have
reached HubSpot before the connection broke (a lost response) is never blindly
re-sent: the caller passes a ``probe`` that re-reads the portal first, and a write the
probe finds done counts as done (docs/hubspot-api.md §3.1, architecture principle 6).

The SDK's own urllib3 retries are switched off so that retries are not stacked.
``client.request`` (plain JSON, no SDK models) is used where the SDK has no client
(account info, flows), where the SDK model lacks a field the API accepts
(``pipelineId``/``stageId`` on create, the ``validateReferencesBeforeDelete`` flag on
stage delete, docs/hubspot-api.md §13.1), and for hot listings.

One connection pool per client: ``client.request`` and every SDK API object (built once per
client) share one keep-alive urllib3 pool of at most ``READ_CONCURRENCY`` connections.
Every request has connect and read timeouts, and every call a total deadline across its
retries (``CALL_DEADLINE``), reported in one line naming the URL and the profile.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
import urllib3
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
)
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from hs_japan.errors import PortalError
from hs_japan.redact import register_secret

log = logging.getLogger("hs_japan.http")

HUBSPOT_API = "https://api.hubapi.com"
RETRY_STATUSES = frozenset({423, 429, 477, 500, 502, 503, 504, 521})
CONNECT_TIMEOUT = 10.0  # seconds to open a connection
READ_TIMEOUT = 30.0  # seconds of silence from the server within one answer
REQUEST_TIMEOUT = (CONNECT_TIMEOUT, READ_TIMEOUT)  # connect, read (seconds)
# one call (every attempt, every wait between them) ends by this many seconds: a server
# that accepts and then goes quiet never makes a command hang (issue 17)
CALL_DEADLINE = 90.0
# one command (every call it makes against one portal) ends by this many seconds unless the
# profile's ``deadline`` or HS_JAPAN_DEADLINE says otherwise: a server that answers, but
# slowly enough that no single call times out, still cannot hold a command for hours
COMMAND_DEADLINE = 600.0
# what a release (the apply lock) may still use after the command's deadline ran out
CLEANUP_GRACE = 15.0
# what a PortalClient waits with (retries, pacer) unless given ``sleep=``; read when a
# client is made, so tests can replace it for clients the CLI creates
SLEEP: Callable[[float], None] = time.sleep
# concurrent requests per portal client, and the size of its one connection pool: a
# plan's round 1 holds only the listings some followup depends on (the Japan blueprint:
# 13 requests and the account details), the others wait for round 2
# (``portal/facts.read_facts``), so both rounds fit at once
READ_CONCURRENCY = 16
# the SDK must not retry on its own (urllib3 re-sends GET/PUT on 429 + Retry-After by
# default, docs/hubspot-api.md §13.3); tenacity in PortalClient.call is the one policy
NO_RETRY = Retry(
    total=0,
    connect=0,
    read=0,
    redirect=0,
    status=0,
    raise_on_status=False,
    respect_retry_after_header=False,
)

T = TypeVar("T")
R = TypeVar("R")


class HttpError(Exception):
    """An HTTP error answer to :meth:`PortalClient.request` (shaped like the SDK's
    ``ApiException``: ``status``, ``reason``, ``body``, ``headers``), so that
    :meth:`PortalClient.call` classifies both paths alike without importing the SDK."""

    def __init__(self, status: int, reason: str, body: bytes, headers: Any) -> None:
        super().__init__(f"HTTP {status} {reason}")
        self.status = status
        self.reason = reason
        self.body = body
        self.headers = headers


def _is_api_error(exc: BaseException) -> bool:
    """An HTTP error answer, from ``request`` or from any of the SDK's generated clients
    (each has its own ``ApiException`` class; matched by name so the SDK is not imported)."""
    return isinstance(exc, HttpError) or any(
        c.__name__ == "ApiException" and c.__module__.startswith("hubspot.")
        for c in type(exc).__mro__
    )


def __getattr__(name: str) -> Any:
    """``SDK_EXCEPTIONS``, imported on first use (offline commands never import the SDK)."""
    if name == "SDK_EXCEPTIONS":
        from hubspot.crm.lists import ApiException as ListsApiException
        from hubspot.crm.objects import ApiException as ObjectsApiException
        from hubspot.crm.owners import ApiException as OwnersApiException
        from hubspot.crm.pipelines import ApiException as PipelinesApiException
        from hubspot.crm.properties import ApiException as PropertiesApiException

        return (
            HttpError,
            PropertiesApiException,
            PipelinesApiException,
            ObjectsApiException,
            ListsApiException,
            OwnersApiException,
        )
    raise AttributeError(name)


def _pool_for(base_url: str) -> urllib3.PoolManager:
    """The connection pool for ``base_url``, with the environment's proxy and CA-bundle
    settings read once, as requests reads them (``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``,
    ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``), but never ``~/.netrc``: an entry there for
    the host would replace the bearer token with Basic auth.

    Requests go straight to urllib3, not through ``requests.Session``: a session merges
    settings, cookies and hooks on every request (since requests 2.33 through
    ``isinstance`` checks against a runtime Protocol), about a third of a request's CPU."""
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=READ_CONCURRENCY, pool_block=True)
    proxy = requests.utils.select_proxy(base_url, requests.utils.get_environ_proxies(base_url))
    try:
        pool: urllib3.PoolManager = (
            adapter.proxy_manager_for(proxy) if proxy else adapter.poolmanager
        )
    except (ValueError, requests.exceptions.RequestException) as exc:
        raise PortalError(
            f"the proxy set in the environment (HTTPS_PROXY/HTTP_PROXY) cannot be used for "
            f"{base_url}: {type(exc).__name__}; fix it, or exempt the host with NO_PROXY"
        ) from None
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and base_url.lower().startswith("https:"):
        if not os.path.exists(bundle):
            raise PortalError(
                f"REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE names {bundle}, which does not exist; "
                "point it at a CA bundle file or directory, or unset it"
            )
        where = "ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"
        pool.connection_pool_kw.update({"cert_reqs": "CERT_REQUIRED", where: bundle})
    return pool


class _SdkPool:
    """What the SDK's REST clients send through (``rest_client.pool_manager``): the
    portal client's one connection pool, never retrying, always with a bounded timeout
    (the SDK passes none unless a caller remembers ``_request_timeout``)."""

    def __init__(self, pool: Any, timeout: Callable[[], urllib3.Timeout]) -> None:
        self.pool = pool
        self.timeout = timeout

    def request(self, method: str, url: str, **kw: Any) -> Any:
        kw["timeout"] = self.timeout()
        kw["retries"] = NO_RETRY
        return self.pool.request(method, url, **kw)


class _Transient(Exception):
    """A failure worth retrying. ``ambiguous``: a write may have been applied."""

    def __init__(
        self, message: str, *, status: int | None, retry_after: float | None, ambiguous: bool
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.ambiguous = ambiguous


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]


def _answer(status: int, raw: bytes, headers: Any) -> Response:
    return Response(status, _parse_body(raw), dict(headers))


def _retry_after(headers: Any) -> float | None:
    if not headers:
        return None
    value = None
    with contextlib.suppress(Exception):
        value = headers.get("Retry-After") or headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _parse_body(raw: Any) -> Any:
    if raw is None or raw == "" or raw == b"":
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def error_from_response(what: str, status: int, body: Any, token_env: str | None) -> PortalError:
    """A one-line, actionable error for a HubSpot error response (docs/hubspot-api.md §3.1)."""
    data = body if isinstance(body, dict) else {}
    category = data.get("category")
    message = str(data.get("message") or body or "no message").strip().splitlines()[0]
    correlation = data.get("correlationId")
    suffix = f" (correlationId {correlation})" if correlation else ""
    if status == 401:
        where = f" in ${token_env}" if token_env else ""
        text = (
            f"{what}: the token{where} was rejected (401 {category or 'UNAUTHORIZED'}); "
            "check that it is a current private-app token for this portal"
        )
    elif status == 403 and category == "MISSING_SCOPES":
        scopes: list[str] = []
        for err in data.get("errors") or []:
            scopes.extend((err.get("context") or {}).get("requiredScopes") or [])
        text = (
            f"{what}: the token lacks required scopes: {', '.join(scopes) or message}; "
            "add them to the private app and use its new token"
        )
    else:
        text = (
            f"{what}: HubSpot answered {status}"
            + (f" {category}" if category else "")
            + f": {message}"
        )
    return PortalError(text + suffix, status=status, category=category, correlation_id=correlation)


class Pacer:
    """Client-side rate limiting so steady-state traffic never meets a 429.

    A sliding window per bucket: ``default`` for the portal's per-10-second limit
    (docs/hubspot-api.md §2.1; learned from ``X-HubSpot-RateLimit-Max`` / ``-Interval-Milliseconds``
    on the first response that carries them, Free-tier 100/10 s until then) and
    ``search`` for CRM search (about 4 requests/second, no headers). Only ``share`` of
    the allowance is used: other integrations draw on the same budget.
    """

    def __init__(self, share: float = 0.9, clock: Callable[[], float] = time.monotonic) -> None:
        self.share = share
        self.clock = clock
        self.limits: dict[str, tuple[int, float]] = {"default": (100, 10.0), "search": (4, 1.0)}
        self.sent: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.lock = threading.Lock()
        self.waited = 0.0

    def learn(self, headers: Any) -> None:
        if not headers:
            return
        with contextlib.suppress(Exception):
            limit = headers.get("X-HubSpot-RateLimit-Max")
            interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
            if limit and interval:
                with self.lock:
                    self.limits["default"] = (int(limit), int(interval) / 1000)

    def acquire(self, bucket: str, sleep: Callable[[float], None]) -> None:
        while True:
            with self.lock:
                limit, window = self.limits.get(bucket, self.limits["default"])
                allowed = max(1, int(limit * self.share))
                now = self.clock()
                sent = self.sent[bucket]
                while sent and sent[0] <= now - window:
                    sent.popleft()
                if len(sent) < allowed:
                    sent.append(now)
                    return
                wait = sent[0] + window - now
                self.waited += wait
            sleep(max(wait, 0.001))


class PortalClient:
    """One portal: the SDK client, the retry policy, the pacer and the request counter."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        token_env: str | None = None,
        profile: str | None = None,
        max_attempts: int = 6,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] | None = None,
        deadline: float | None = None,
        command_deadline: float | None = None,
    ) -> None:
        register_secret(token)  # masked in every message, log and traceback
        self.base_url = base_url.rstrip("/")
        self.token_env = token_env
        self.profile = profile
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.sleep = sleep if sleep is not None else SLEEP
        self.deadline = deadline if deadline is not None else CALL_DEADLINE
        # the command's total deadline (None: unbounded, for library use and tests)
        self.command_deadline = command_deadline
        self.command_ends = (
            time.monotonic() + command_deadline if command_deadline is not None else None
        )
        self.connect_timeout = CONNECT_TIMEOUT
        self.read_timeout = READ_TIMEOUT
        self.requests_sent = 0
        self.retries = 0
        self.pacer = Pacer()
        self._count_lock = threading.Lock()
        self._token = token
        self._local = threading.local()  # the deadline of the call running on this thread
        self._helper_pool: ThreadPoolExecutor | None = None
        # a read (method, URL, body) -> its answer, while reads are shared (``shared_reads``)
        self._shared: dict[str, Future[tuple[int, bytes, Any]]] | None = None
        self._shared_lock = threading.Lock()
        self._helpers_lock = threading.Lock()
        # one urllib3 pool: keep-alive connections (one TLS handshake each on HubSpot), at
        # most READ_CONCURRENCY of them, shared by ``request`` and the SDK's generated
        # clients (see ``sdk``); through the environment's proxy when one applies
        self.pool = _pool_for(self.base_url)
        self._sdk: Any = None
        self._sdk_lock = threading.Lock()
        self._apis: dict[tuple[str, str], Any] = {}
        self._apis_lock = threading.Lock()

    @property
    def sdk(self) -> Any:
        """The SDK client (imported on first use). Each API object (``sdk.crm.properties
        .core_api`` …) is built once per portal client and reused, and every one of them
        sends through this client's one connection pool."""
        with self._sdk_lock:
            if self._sdk is None:
                import hubspot

                self._sdk = hubspot.Client.create(
                    access_token=self._token,
                    host=self.base_url,
                    base_url=self.base_url,
                    retry=NO_RETRY,
                    api_factory=self._api_factory,
                )
            return self._sdk

    def _api_factory(self, package: Any, api_name: str, config: dict[str, Any]) -> Any:
        key = (package.__name__, api_name)
        with self._apis_lock:
            api = self._apis.get(key)
            if api is None:
                from hubspot.discovery.discovery_base import DiscoveryBase

                api = DiscoveryBase._default_api_factory(package, api_name, config)
                api.api_client.rest_client.pool_manager = _SdkPool(self.pool, self._timeout)
                self._apis[key] = api
            return api

    def _timeout(self) -> urllib3.Timeout:
        """Connect and read timeouts, cut to what is left of the running call's deadline."""
        left = getattr(self._local, "deadline", None)
        remaining = max(0.05, left - time.monotonic()) if left is not None else None
        if remaining is None:
            return urllib3.Timeout(connect=self.connect_timeout, read=self.read_timeout)
        return urllib3.Timeout(
            connect=min(self.connect_timeout, remaining), read=min(self.read_timeout, remaining)
        )

    def close(self) -> None:
        if self._helper_pool is not None:
            self._helper_pool.shutdown(wait=False)
        self.pool.clear()

    @contextlib.contextmanager
    def cleanup(self, grace: float = CLEANUP_GRACE) -> Iterator[None]:
        """Calls inside may run up to ``grace`` seconds past the command's deadline: releasing
        what the command took (the apply lock) must not be cut off by the deadline that
        stopped the command."""
        saved = self.command_ends
        if saved is not None:
            self.command_ends = max(saved, time.monotonic() + grace)
        try:
            yield
        finally:
            self.command_ends = saved

    def where(self) -> str:
        """``http://… (profile 'name')`` for one-line errors."""
        return self.base_url + (f" (profile '{self.profile}')" if self.profile else "")

    def __repr__(self) -> str:  # never show the token
        return f"PortalClient({self.base_url!r})"

    def _command_over(self, what: str, attempts: int, last: object, write: bool) -> str:
        tried = (
            f" ({attempts} attempt(s), the last {'HTTP ' if isinstance(last, int) else ''}{last})"
            if attempts
            else ""
        )
        return (
            f"{what}: the command's deadline of {self.command_deadline:g} s ran out waiting "
            f"for {self.where()}{tried}; the portal answers too slowly or not at all. "
            "Check the network and the profile's base_url, or allow more time with the "
            "profile's deadline (seconds) or HS_JAPAN_DEADLINE"
            + ("; the write may or may not have happened" if write else "")
        )

    # -- the retry policy -------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            if exc.retry_after > self.max_wait:
                return self.max_wait
            return exc.retry_after
        base: float = min(8.0, 0.25 * (2 ** (state.attempt_number - 1)))
        return base + random.uniform(0, base / 4)

    def _stop(self, state: RetryCallState) -> bool:
        """Rate limits (429) and locks (423) are HubSpot asking us to wait, not failures:
        they get more attempts (3x) than errors, whose retry budget is ``max_attempts``."""
        exc = state.outcome.exception() if state.outcome else None
        limit = self.max_attempts
        if isinstance(exc, _Transient) and exc.status in (423, 429):
            limit = self.max_attempts * 3
        return state.attempt_number >= limit

    def call(
        self,
        what: str,
        fn: Callable[[], T],
        *,
        probe: Callable[[], T | None] | None = None,
        write: bool = False,
        bucket: str = "default",
    ) -> T:
        """Run ``fn`` with the retry policy. See the module docstring for ``probe``.

        The whole call — every attempt and every wait — ends within ``deadline`` seconds
        (each request's timeouts are cut to what is left): a server that accepts and then
        goes quiet is a one-line error naming the read, the URL and the profile."""

        attempts = 0
        outer = getattr(self._local, "deadline", None)  # a probe's call inside a call
        ends = time.monotonic() + self.deadline
        if outer is not None:
            ends = min(ends, outer)
        # whether the command's deadline, not the call's, is the one that ends this call
        by_command = self.command_ends is not None and self.command_ends < ends
        if self.command_ends is not None:
            ends = min(ends, self.command_ends)
        if by_command and ends - time.monotonic() <= 0.05:
            raise PortalError(self._command_over(what, 0, None, write=False))

        def attempt(run: Callable[[], R], write: bool) -> R:
            nonlocal attempts
            attempts += 1
            self.pacer.acquire(bucket, self.sleep)
            with self._count_lock:
                self.requests_sent += 1
            started = time.monotonic()
            try:
                result = run()
                log.debug("%s: ok in %.0f ms", what, (time.monotonic() - started) * 1000)
                return result
            except PortalError as exc:  # a probe that made its own (retried) call
                if exc.status in RETRY_STATUSES:
                    raise _Transient(
                        f"{what}: {exc}", status=exc.status, retry_after=None, ambiguous=write
                    ) from exc
                raise
            except (urllib3.exceptions.HTTPError, ConnectionError) as exc:
                # urllib3 wraps the one failed attempt in MaxRetryError: report its cause
                cause = getattr(exc, "reason", None) if isinstance(exc, MaxRetryError) else None
                cause = cause if isinstance(cause, BaseException) else exc
                raise _Transient(
                    f"{what}: {type(cause).__name__}",
                    status=None,
                    retry_after=None,
                    ambiguous=write,
                ) from cause
            except Exception as exc:
                if not _is_api_error(exc):
                    raise
                self.pacer.learn(getattr(exc, "headers", None))
                status = int(getattr(exc, "status", 0) or 0)
                body = _parse_body(getattr(exc, "body", None))
                if status in RETRY_STATUSES or status == 0:
                    raise _Transient(
                        f"{what}: HTTP {status}",
                        status=status,
                        retry_after=_retry_after(getattr(exc, "headers", None)),
                        ambiguous=write and status >= 500,
                    ) from exc
                raise error_from_response(what, status, body, self.token_env) from None

        def before_sleep(state: RetryCallState) -> None:
            with self._count_lock:
                self.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            log.info("retrying %s after %s", what, exc)

        def stop(state: RetryCallState) -> bool:
            return self._stop(state) or time.monotonic() >= ends - 0.05

        retrying = Retrying(
            stop=stop,
            wait=lambda state: max(0.0, min(self._wait(state), ends - time.monotonic())),
            retry=retry_if_exception(lambda e: isinstance(e, _Transient)),
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        self._local.deadline = ends
        try:
            for attempt_state in retrying:
                with attempt_state:
                    if attempt_state.retry_state.attempt_number > 1 and probe is not None:
                        # the probe's own failures are classified (and retried) like a read
                        found = attempt(probe, False)
                        if found is not None:
                            return found
                    return attempt(fn, write)
        except _Transient as exc:
            cause = exc.__cause__
            # urllib3's NewConnectionError (refused, no route) subclasses its
            # ConnectTimeoutError for old callers' sake: it is not a timeout
            timed_out = (
                isinstance(cause, urllib3.exceptions.TimeoutError | TimeoutError)
                and not isinstance(cause, urllib3.exceptions.NewConnectionError)
            ) or "timed out" in str(cause or "")
            if by_command and time.monotonic() >= ends - 0.05:
                raise PortalError(
                    self._command_over(what, attempts, exc.status or cause, write)
                ) from None
            if exc.status is None and (timed_out or time.monotonic() >= ends - 0.05):
                raise PortalError(
                    f"{what}: no answer from {self.where()} within {self.deadline:g} s "
                    f"({attempts} attempt(s), the last {'timed out' if timed_out else cause});"
                    " check the network and the profile's base_url"
                    + ("; the write may or may not have happened" if write else ""),
                ) from None
            if exc.status is None:
                raise PortalError(
                    f"{what}: cannot reach the portal at {self.base_url} "
                    f"({cause or exc}); check the network and the profile's base_url"
                ) from None
            raise PortalError(
                f"{what}: still failing after {attempts} attempts (last: HTTP {exc.status})",
                status=exc.status,
            ) from None
        finally:
            self._local.deadline = outer
        raise AssertionError("unreachable")  # pragma: no cover

    def call_all(self, calls: Sequence[tuple[str, Callable[[], T]]]) -> list[T]:
        """Independent reads, concurrently, each with the retry policy; results in the
        order given. The first failure is raised once the others have finished.

        The first call runs on the calling thread and the others on the client's helper
        threads (at most ``READ_CONCURRENCY``, like its connections), which live as long
        as the client: a plan calls this once per listing it reads in pairs, and a pool
        of threads started and joined each time cost more CPU than the requests it sent
        (issue 14). On a helper thread the calls run one after another, so a helper never
        waits for another."""
        if len(calls) <= 1 or getattr(self._local, "helper", False):
            return [self.call(what, fn) for what, fn in calls]
        (first_what, first_fn), *rest = calls
        helpers = self._helpers()
        futures = [helpers.submit(self._helper_call, what, fn) for what, fn in rest]
        try:
            head = self.call(first_what, first_fn)
        finally:
            wait(futures)  # every call has finished before anything is raised
        return [head, *(f.result() for f in futures)]

    def _helpers(self) -> ThreadPoolExecutor:
        with self._helpers_lock:
            if self._helper_pool is None:
                self._helper_pool = ThreadPoolExecutor(
                    max_workers=READ_CONCURRENCY, thread_name_prefix="hs-japan-call"
                )
            return self._helper_pool

    def _helper_call(self, what: str, fn: Callable[[], T]) -> T:
        self._local.helper = True
        return self.call(what, fn)

    # -- raw requests where the SDK has no client, and hot listings as plain JSON -------
    def request(
        self, method: str, path: str, *, body: Any = None, qs: dict[str, Any] | None = None
    ) -> Response:
        """One JSON request on the client's pool; raises :class:`HttpError` on HTTP
        errors (classified by :meth:`call` like the SDK's). The body comes back as plain
        JSON (dicts and lists), never as SDK model objects. Inside :meth:`shared_reads`,
        a read (a GET, or a search POST) that another thread is making, or has made, with
        the same URL and body is answered with that read's bytes (each caller parses its
        own copy)."""
        url = self.base_url + path
        if qs:
            url += ("&" if "?" in url else "?") + urlencode(qs, doseq=True)
        shared = self._shared
        reads = method.upper() == "GET" or (method.upper() == "POST" and path.endswith("/search"))
        if not reads or shared is None:
            return _answer(*self._send(method, url, body))
        key = f"{method.upper()} {url} {json.dumps(body, sort_keys=True)}"
        with self._shared_lock:
            pending = shared.get(key)
            mine = pending is None
            if pending is None:
                pending = shared[key] = Future()
        if not mine:
            return _answer(*pending.result())
        try:
            sent = self._send(method, url, body)
        except BaseException as exc:
            with self._shared_lock:
                shared.pop(key, None)  # a retry sends again
            pending.set_exception(exc)
            raise
        pending.set_result(sent)
        return _answer(*sent)

    @contextlib.contextmanager
    def shared_reads(self) -> Iterator[None]:
        """Plain-JSON reads made inside, on any thread, are sent once each: apply's
        preflight and first plan run side by side before the lock is taken and list the
        same properties, pipelines and flows (issue 14). Outside, every read is sent."""
        with self._shared_lock:
            self._shared = {}
        try:
            yield
        finally:
            with self._shared_lock:
                self._shared = None

    def _send(self, method: str, url: str, body: Any) -> tuple[int, bytes, Any]:
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/json, */*;q=0.8",
            "Accept-Encoding": "gzip, deflate",  # property listings are large
            "User-Agent": "hs-japan",
        }
        data: str | None = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)  # ASCII (\u escapes), as the SDK sends it
        resp = self.pool.urlopen(
            method.upper(),
            url,
            body=data,
            headers=headers,
            timeout=self._timeout(),
            retries=NO_RETRY,
            redirect=False,
        )
        self.pacer.learn(resp.headers)
        if resp.status >= 400:
            raise HttpError(resp.status, resp.reason or "", resp.data, resp.headers)
        return resp.status, resp.data, resp.headers

    def get_json(self, what: str, path: str, qs: dict[str, Any] | None = None) -> Any:
        """A GET through the retry policy, as plain JSON."""
        return self.call(what, lambda: self.request("GET", path, qs=qs)).body

    def get_account_details(self) -> dict[str, Any]:
        resp = self.call(
            "read account details", lambda: self.request("GET", "/account-info/v3/details")
        )
        if not isinstance(resp.body, dict):
            raise PortalError(
                f"read account details: {self.base_url} answered without HubSpot's JSON; is "
                "the profile's base_url HubSpot's API (https://api.hubapi.com)? nothing was "
                "compared or written"
            )
        return resp.body
