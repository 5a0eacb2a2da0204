"""All of a plan's portal reads: ``read_facts`` makes the reads the kinds declared
(``kinds/``), in two dependent round trips, each round's reads concurrently.

Round 1 is the account details together with every listing (properties and groups,
pipelines, the lists search, the flows listing, owners, validation rules, association
labels, the migration record); the guard vets the portal from the details before any
answer is used. Round 2 is what round 1 showed is needed (archived properties where a
property is about to be created, list definitions, flows in full). A converged plan
makes exactly these two round trips (issue 14).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from hs_japan.errors import PortalError
from hs_japan.kinds.base import Facts, Read
from hs_japan.portal.client import READ_CONCURRENCY as PORTAL_CONCURRENCY
from hs_japan.portal.client import PortalClient
from hs_japan.portal.read import PIPES, PROPS, get_call, portal_info, results_of
from hs_japan.reserved import LEGACY_MIGRATION_RECORD, MIGRATION_RECORD
from hs_japan.resources import PortalInfo

# what round 2 is chosen with before the account details are in (never returned)
_PENDING = PortalInfo(portal_id=0, account_type="UNKNOWN")

# reads of one round in flight at once (each through the pacer; the client's pool is as
# large, so one round of the Japan blueprint's 21 listings is one wave)
READ_CONCURRENCY = PORTAL_CONCURRENCY


def load_function(path: str) -> Callable[..., Any]:
    """The function a :class:`Read` or a handler's writer names
    (``"package.module:function"``)."""
    module, _, name = path.partition(":")
    fn = getattr(importlib.import_module(module), name, None)
    if not callable(fn):
        raise TypeError(f"{path} names no function")
    return fn  # type: ignore[no-any-return]


def _run(client: PortalClient, reads: list[Read], pool: ThreadPoolExecutor) -> dict[Read, Any]:
    futures = [(r, pool.submit(load_function(r.reader), client, r.arg)) for r in reads]
    return {r: f.result() for r, f in futures}


def read_facts(
    client: PortalClient,
    needs: Iterable[Read],
    followups: Callable[[Facts], Iterable[Read]] | None = None,
    *,
    info: PortalInfo | Callable[[], PortalInfo] | None = None,
    guard: Callable[[PortalInfo], None] | None = None,
) -> Facts:
    """Read ``needs`` (round 1, with the account details unless ``info`` is given), then
    ``followups(round-1 facts)`` (round 2). ``guard`` vets the portal from its details
    before any other answer is used (and long before anything is written). ``info`` may
    be a callable: the details the caller is reading meanwhile (apply's, already vetted),
    asked for where this function would use its own read's."""
    coming = info if callable(info) else None
    info = None if callable(info) else info
    first = list(dict.fromkeys(needs))
    workers = max(1, min(READ_CONCURRENCY, len(first) + 1))
    second_pool = ThreadPoolExecutor(max_workers=READ_CONCURRENCY)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [(r, pool.submit(load_function(r.reader), client, r.arg)) for r in first]
            f_info = None
            if info is None and coming is None:
                # asked once a round-1 read has answered: with 21 listings in flight (the
                # Japan blueprint's), the details take the connection that read freed,
                # alongside round 2, instead of pushing a listing (and round 2) a round later
                if futures:
                    wait([f for _r, f in futures], return_when=FIRST_COMPLETED)
                f_info = pool.submit(client.get_account_details)
            wait([f for _r, f in futures])
            later: list[tuple[Read, Future[Any]]] = []
            if followups is not None and all(f.exception() is None for _r, f in futures):
                # round 2 is chosen from round 1's answers and sent at once; no answer is
                # used for anything else before the guard has vetted the portal
                round1 = Facts(info or _PENDING, {r: f.result() for r, f in futures})
                second = [r for r in dict.fromkeys(followups(round1)) if r not in round1]
                later = [
                    (r, second_pool.submit(load_function(r.reader), client, r.arg)) for r in second
                ]
            if f_info is not None:
                info = portal_info(f_info.result())
            elif coming is not None:
                info = coming()
            assert info is not None
            if guard is not None:
                guard(info)
            facts = Facts(info, {r: f.result() for r, f in futures})  # a read's error, now
            if later:
                facts = facts.merged({r: f.result() for r, f in later})
    finally:
        second_pool.shutdown(wait=True)
    return facts


# -- readers the kinds name (each fn(client, arg)) ---------------------------------------


def property_listing(client: PortalClient, obj: str) -> dict[str, list[dict[str, Any]]]:
    """An object's property groups and (unarchived) properties, read concurrently.

    Plain JSON through ``client.request``, not SDK models: a portal's property listing is
    large (hundreds of HubSpot-defined properties per object) and building model objects
    for it cost most of a big portal's CPU (issue 14). HubSpot returns both collections
    whole (no paging, docs/hubspot-api.md §3.2)."""
    groups_what, props_what = f"read {obj} property groups", f"read {obj} properties"
    groups, props = client.call_all(
        [
            (groups_what, get_call(client, f"{PROPS}/{obj}/groups")),
            (props_what, get_call(client, f"{PROPS}/{obj}", {"archived": "false"})),
        ]
    )
    return {
        "groups": _named(results_of(groups, groups_what), groups_what),
        "properties": _named(results_of(props, props_what), props_what),
    }


def pipeline_listing(client: PortalClient, obj: str) -> list[dict[str, Any]]:
    """An object's pipelines with their stages (one call, no paging)."""
    what = f"read {obj} pipelines"
    found = client.call_all([(what, get_call(client, f"{PIPES}/{obj}"))])[0]
    pipelines = results_of(found, what)
    for pl in pipelines:
        if "id" not in pl or not all(
            isinstance(st, dict) and "id" in st for st in pl.get("stages") or []
        ):
            raise _lacks(what, "id")
    return pipelines


def archived_property_names(client: PortalClient, obj: str) -> set[str]:
    """Names in an object's property recycle bin (``?archived=true`` lists only those)."""
    what = f"read archived {obj} properties"
    found = client.call_all([(what, get_call(client, f"{PROPS}/{obj}", {"archived": "true"}))])[0]
    return {str(p["name"]) for p in _named(results_of(found, what), what)}


def applied_migration_ids(client: PortalClient, _arg: object = None) -> frozenset[str]:
    """Ids of the migrations the portal's record says have run (``migrate.read_applied``'s
    answer). The record and its pre-0.2 name are read at once, so the plan's first round
    stays one round trip."""
    from hs_japan.migrate import RECORD_OBJECT
    from hs_japan.portal.properties import get_property

    what = "read applied migrations"
    with ThreadPoolExecutor(max_workers=2) as pool:
        current, legacy = (
            pool.submit(get_property, client, RECORD_OBJECT, name, what)
            for name in (MIGRATION_RECORD, LEGACY_MIGRATION_RECORD)
        )
        prop = current.result() or legacy.result()
    return frozenset(str(o["value"]) for o in (prop or {}).get("options") or [])


def _named(items: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    if not all(isinstance(i.get("name"), str) for i in items):
        raise _lacks(what, "name")
    return items


def _lacks(what: str, field: str) -> PortalError:
    return PortalError(
        f"{what}: the portal's answer lacks HubSpot's fields (KeyError: '{field}'); "
        "is the profile's base_url HubSpot's API? nothing was compared or written"
    )
