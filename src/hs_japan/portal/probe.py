"""The reads ``hs-japan doctor`` (and plan/apply's preflight) needs, all at once.

:func:`gather_facts` issues every probe :func:`hs_japan.doctor.required_probes` lists for
the blueprint, plus the account details, the limits API and a workflows probe, through
``client.call_all`` (concurrent, each with the client's retry and pacing). A probe refused
with 403 does not stop the others: the refusal is kept with HubSpot's
``errors[].context.requiredScopes`` (docs/hubspot-api.md §3.1), so one run names every
missing scope.

Nothing is written, and every request is valid by HubSpot's published schemas (a test
validates them). The write-scope probes are writes that cannot change anything: an empty
update (``PATCH {}``) of a property group named ``hsjapan_scope_probe`` that does not exist,
and adding no records (``[]``) to a list id that does not exist. The scope check answers
403 first; otherwise HubSpot answers 404, which means the scope is there (even if such a
group or list existed, an empty update and an empty add change nothing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from hs_japan.blueprint.model import Blueprint
from hs_japan.doctor import Facts, ProbeOutcome, Usage, required_probes
from hs_japan.portal.client import READ_CONCURRENCY, SDK_EXCEPTIONS, PortalClient, Response
from hs_japan.portal.lists import SEARCH_PAGE
from hs_japan.portal.read import results_of, sdk_to_json
from hs_japan.resources import PortalInfo

OBJECT_TYPE_NAMES = {"0-1": "contacts", "0-2": "companies", "0-3": "deals", "0-5": "tickets"}
FLOWS = "/automation/v4/flows"
# write-scope probes that cannot change anything (see the module docstring)
SCOPE_PROBE = "hsjapan_scope_probe"
NO_SUCH_LIST = "999999999999"


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any


def _body(raw: Any) -> Any:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _soft(fn: Callable[[], Any], soft: frozenset[int]) -> Callable[[], _Answer]:
    """``fn`` whose answers with a status in ``soft`` are values, not errors: the client's
    retry policy still sees 429/5xx, and a 401 still ends the run."""

    def run() -> _Answer:
        try:
            result = fn()
        except SDK_EXCEPTIONS as exc:
            status = int(getattr(exc, "status", 0) or 0)
            if status in soft:
                return _Answer(status, _body(getattr(exc, "body", None)))
            raise
        if isinstance(result, Response):  # plain JSON already: not walked again
            return _Answer(200, result.body)
        return _Answer(200, sdk_to_json(result))  # an SDK model

    return run


def _outcome(answer: _Answer, refusal_is_ok: bool = False) -> ProbeOutcome:
    if answer.status < 400 or (refusal_is_ok and answer.status in (400, 404)):
        return ProbeOutcome(ok=True)
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status == 403 and body.get("category") == "MISSING_SCOPES":
        scopes: list[str] = []
        contexts = [body.get("context") or {}] + [
            (e.get("context") or {}) for e in body.get("errors") or [] if isinstance(e, dict)
        ]
        for context in contexts:
            for scope in context.get("requiredScopes") or []:
                if scope not in scopes:
                    scopes.append(str(scope))
        return ProbeOutcome(ok=False, required_scopes=tuple(scopes) or ("(unnamed)",))
    context = {
        str(k): tuple(str(v) for v in (vals if isinstance(vals, list) else [vals]))
        for k, vals in (body.get("context") or {}).items()
    }
    message = str(body.get("message") or answer.body or f"HTTP {answer.status}")
    return ProbeOutcome(ok=False, refused=message, context=context)


def _usage(rows: Any) -> dict[str, Usage]:
    out = {}
    for row in rows if isinstance(rows, list) else []:
        obj = OBJECT_TYPE_NAMES.get(str(row.get("objectTypeId")))
        if obj and isinstance(row.get("limit"), int) and isinstance(row.get("usage"), int):
            out[obj] = Usage(usage=row["usage"], limit=row["limit"])
    return out


def gather_facts(
    client: PortalClient, bp: Blueprint, vetted: Callable[[], PortalInfo] | None = None
) -> Facts:
    """Probe the portal for everything :func:`hs_japan.doctor.preflight` checks (read-only).

    ``vetted`` (apply): the caller reads the account details itself, for its guard, and
    returns them once the guard has approved the portal (or raises the guard's refusal).
    The details are then not read a second time, and the write-scope probes (a ``PATCH``
    and a ``PUT`` that change nothing) wait for it: a portal the guard refuses (a
    production portal without ``--confirm-portal``) gets reads only."""

    # plain JSON through client.request, the plan's reads' URLs: no SDK models (a
    # property listing as SDK models cost a fresh apply half a second of CPU, most of
    # it parsing dates)
    def get(path: str, what: str, qs: dict[str, Any] | None = None) -> Callable[[], Any]:
        def listing() -> Any:
            answer = client.request("GET", path, qs=qs)
            results_of(answer.body, what)  # a 200 that is not a listing is an error
            return answer

        return listing

    refusals = frozenset({403})
    calls: list[tuple[str, Callable[[], _Answer], bool]] = []  # (what, fn, a write?)
    kinds: list[tuple[str, bool]] = []  # (probe key, a 400 means "scope present")

    def add(
        key: str,
        what: str,
        fn: Callable[[], Any],
        soft: frozenset[int] = refusals,
        write: bool = False,
    ) -> None:
        calls.append((what, _soft(fn, soft), write))
        kinds.append((key, 400 in soft))

    keys = {p.key for p in required_probes(bp)} | {"account", "limits/pipelines", "automation"}
    if vetted is not None:
        keys.discard("account")
    for key in sorted(keys):
        area, _, arg = key.partition("/")
        if key == "account":
            add(
                key,
                "read account details",
                partial(client.request, "GET", "/account-info/v3/details"),
            )
        elif area == "schemas.read":
            add(
                key,
                f"read {arg} properties",
                get(f"/crm/v3/properties/{arg}", f"read {arg} properties", {"archived": "false"}),
            )
        elif area == "schemas.write":
            # an empty update of a group that does not exist: 404 with the scope, 403 without
            add(
                key,
                f"probe {arg} schema write scope",
                partial(
                    client.request,
                    "PATCH",
                    f"/crm/v3/properties/{arg}/groups/{SCOPE_PROBE}",
                    body={},
                ),
                frozenset({400, 403, 404}),
                write=True,
            )
        elif area == "pipelines":
            what = f"read {arg} pipelines"
            add(key, what, get(f"/crm/v3/pipelines/{arg}", what))
        elif area == "records":
            add(
                key,
                f"read {arg} records",
                get(f"/crm/v3/objects/{arg}", f"read {arg} records", {"limit": 1}),
            )
        elif key == "lists.read":
            # the plan's first search page exactly: apply shares the one read
            search = {"offset": 0, "count": SEARCH_PAGE, "additionalProperties": []}
            add(
                key,
                "search lists",
                partial(client.request, "POST", "/crm/v3/lists/search", body=search),
            )
        elif key == "lists.write":
            add(
                key,
                "probe lists write scope",
                partial(
                    client.request,
                    "PUT",
                    f"/crm/v3/lists/{NO_SUCH_LIST}/memberships/add",
                    body=[],
                ),
                frozenset({400, 403, 404}),
                write=True,
            )
        elif key == "automation":
            # the plan's first listing page exactly: apply shares the one read
            add(key, "probe workflows", partial(client.request, "GET", FLOWS, qs={"limit": 100}))
        elif area == "owner":
            add(
                key,
                f"find owner {arg}",
                get("/crm/v3/owners", f"find owner {arg}", {"email": arg, "limit": 10}),
            )
        elif area == "limits":
            add(
                key,
                f"read {arg} limits",
                partial(client.request, "GET", f"/crm/v3/limits/{arg}"),
                frozenset({403, 404}),
            )
    answers = _probe_all(client, calls, vetted)
    found = {key: (a, ok400) for (key, ok400), a in zip(kinds, answers, strict=True)}
    if vetted is not None:  # the details the guard vetted (no second read of them)
        info = vetted()
        details = {
            "portalId": info.portal_id,
            "accountType": info.account_type,
            "portalName": info.name,
        }
        found["account"] = (_Answer(200, details), False)
    return _facts(found)


def _probe_all(
    client: PortalClient,
    calls: list[tuple[str, Callable[[], _Answer], bool]],
    vetted: Callable[[], PortalInfo] | None,
) -> list[_Answer]:
    """``client.call_all``, except that the write-scope probes are sent only once
    ``vetted`` has returned (its refusal is raised instead)."""
    if vetted is None or not any(write for _w, _f, write in calls):
        return client.call_all([(what, fn) for what, fn, _write in calls])

    def run(what: str, fn: Callable[[], _Answer], write: bool) -> _Answer:
        if write:
            vetted()
        return client.call(what, fn)

    with ThreadPoolExecutor(max_workers=min(READ_CONCURRENCY, len(calls))) as pool:
        futures = [pool.submit(run, what, fn, write) for what, fn, write in calls]
        return [f.result() for f in futures]


def _facts(answers: dict[str, tuple[_Answer, bool]]) -> Facts:
    probes: dict[str, ProbeOutcome] = {}
    properties: dict[str, frozenset[str]] = {}
    pipelines: dict[str, frozenset[str]] = {}
    pipeline_limits: dict[str, Usage] = {}
    property_limits: dict[str, Usage] = {}
    owners: dict[str, bool] = {}
    info: dict[str, Any] = {}
    workflows: bool | None = None
    workflow_tier: str | None = None
    for key, (answer, refusal_is_ok) in answers.items():
        outcome = _outcome(answer, refusal_is_ok)
        probes[key] = outcome
        area, _, arg = key.partition("/")
        body = answer.body if isinstance(answer.body, dict) else {}
        if key == "automation":
            if outcome.ok:
                workflows = True
            elif outcome.refused is not None:
                workflows = False
                workflow_tier = (outcome.context.get("tier") or (None,))[0]
        if not outcome.ok or answer.status >= 400:
            continue
        if key == "account":
            info = body
        elif area == "schemas.read":
            properties[arg] = frozenset(str(p.get("name")) for p in body.get("results") or [])
        elif area == "pipelines":
            pipelines[arg] = frozenset(str(p.get("id")) for p in body.get("results") or [])
        elif area == "owner":
            owners[arg] = any(
                str(o.get("email", "")).casefold() == arg and o.get("userId") is not None
                for o in body.get("results") or []
            )
        elif key == "limits/pipelines":
            pipeline_limits = _usage(body.get("hubspotDefinedObjectTypes"))
        elif key == "limits/custom-properties":
            property_limits = _usage(body.get("byObjectType"))
    portal_id = info.get("portalId")
    return Facts(
        probes=probes,
        portal_id=int(portal_id) if portal_id is not None else None,
        account_type=str(info["accountType"]) if info.get("accountType") else None,
        portal_name=str(info.get("portalName") or "") or None,
        properties=properties,
        pipelines=pipelines,
        pipeline_limits=pipeline_limits,
        property_limits=property_limits,
        owners=owners,
        workflows=workflows,
        workflow_tier=workflow_tier,
    )
