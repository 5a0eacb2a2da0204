"""Request/response types, HubSpot's error envelope, and the route table.

Resource modules register handlers with :func:`route`; the server matches a request
against the path templates (``{name}`` segments) and calls the handler with a
:class:`Request`. Handlers raise :class:`ApiError` for HubSpot errors; the server turns
it into the envelope of docs/hubspot-api.md §3.1 with a correlation id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hubspot_emulator.store import Store


class ApiError(Exception):
    """A HubSpot error response: ``{status, message, correlationId, category, …}``."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        sub_category: str | None = None,
        context: dict[str, list[str]] | None = None,
        links: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.errors = errors
        self.sub_category = sub_category
        self.context = context
        self.links = links
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self, correlation_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
            "category": self.category,
        }
        if self.sub_category:
            out["subCategory"] = self.sub_category
        if self.errors:
            out["errors"] = self.errors
        if self.context:
            out["context"] = self.context
        if self.links:
            out["links"] = self.links
        out.update(self.extra)
        return out


def js(value: Any) -> str:
    """A value as HubSpot's messages show it: JSON (``null``, ``true``, ``"x"``), never a
    Python repr."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return json.dumps(str(value), ensure_ascii=False)


def show(value: Any) -> str:
    """A name inside quotes in a message: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else js(value)


def validation(message: str, *, field_name: str | None = None, code: str | None = None) -> ApiError:
    """400 VALIDATION_ERROR with one ``errors[]`` entry naming the field (``in``)."""
    detail: dict[str, Any] = {"message": message}
    if field_name:
        detail["in"] = field_name
    if code:
        detail["code"] = code
    return ApiError(400, "VALIDATION_ERROR", message, errors=[detail])


def not_found(message: str) -> ApiError:
    return ApiError(404, "OBJECT_NOT_FOUND", message)


def conflict(message: str) -> ApiError:
    return ApiError(409, "CONFLICT", message)


@dataclass
class Request:
    method: str
    path: str
    template: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    portal: dict[str, Any]
    store: Store
    headers: dict[str, str] = field(default_factory=dict)
    daily_usage: tuple[int, int] = (0, 0)  # (used, limit), filled in by the server
    # what a handler computed once for this request (counts kept current as it writes),
    # e.g. a portal's property usage during a batch create
    memo: dict[tuple[str, ...], int] = field(default_factory=dict)

    @property
    def portal_id(self) -> int:
        return int(self.portal["portalId"])

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        """A boolean query parameter: HubSpot accepts ``true``; the SDK sends ``True``."""
        return (self.q(name) or "").strip().lower() == "true"

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise validation("Invalid input JSON: expected an object", code="INVALID_JSON")
        return self.body


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    scopes: Callable[[Request], list[str]] | None
    write: bool
    bucket: str | None = None
    cached: bool = False


ROUTES: list[Route] = []


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-zA-Z]+\})", template)
    regex = "".join(
        f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") and p.endswith("}") else re.escape(p)
        for p in parts
    )
    return re.compile(f"^{regex}$")


def route(
    method: str,
    template: str,
    *,
    scopes: Callable[[Request], list[str]] | None = None,
    write: bool = False,
    bucket: str | None = None,
    cached: bool = False,
) -> Callable[[Handler], Handler]:
    """Register a handler. ``scopes(request)`` lists the scopes any one of which allows it;
    ``bucket="search"`` puts it under the CRM search endpoints' own per-second limit.
    ``cached``: a read whose answer is a function of the portal's stored state and the
    request's path and query alone (no clock, no usage counters); the server keeps its
    encoded answer until the portal's state changes (``server.Answers``)."""

    def register(handler: Handler) -> Handler:
        ROUTES.append(
            Route(method, template, _compile(template), handler, scopes, write, bucket, cached)
        )
        return handler

    return register


_RANKED: tuple[int, list[Route]] = (-1, [])


def _ranked() -> list[Route]:
    """ROUTES with literal segments first (fewest ``{params}``), stable within a level;
    sorted again only when a module has registered more routes since."""
    global _RANKED
    count, ranked = _RANKED
    if count != len(ROUTES):
        ranked = sorted(ROUTES, key=lambda r: r.template.count("{"))
        _RANKED = (len(ROUTES), ranked)
    return ranked


def allowed_methods(path: str) -> list[str]:
    """The methods served on ``path`` (for a 405's ``Allow`` header)."""
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    methods: set[str] = set()
    ranked = _ranked()
    best: int | None = None
    for r in ranked:
        if r.pattern.match(path) is None:
            continue
        level = r.template.count("{")
        if best is None:
            best = level
        if level == best:  # literal segments win, as in match()
            methods.add(r.method)
    order = ("GET", "POST", "PUT", "PATCH", "DELETE")
    return [m for m in order if m in methods]


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """The route for ``method path``; the flag says whether the path exists at all.

    A trailing slash is ignored, as HubSpot does (the SDK's owners client sends
    ``/crm/v3/owners/``)."""
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    path_known = False
    # literal segments win over {params}: "/groups" must not match "/{propertyName}"
    for r in _ranked():
        m = r.pattern.match(path)
        if m is None:
            continue
        path_known = True
        if r.method == method:
            return r, m.groupdict(), True
    return None, {}, path_known
