"""All of a plan's portal reads: ``read_facts`` makes the reads the kinds declared
(``kinds/``), in two dependent round trips, each round's reads concurrently.

Round 1 is the account details together with the listings some followup depends on (the
properties listings where properties are managed, the lists search and the contact
properties, the flows listing, the migration record's object); the guard vets the portal
from the details before any answer is used for anything but choosing round 2. Round 2 is
what round 1 showed is needed (archived properties where a property is about to be
created, list definitions, flows in full) together with the listings no followup depends
on (pipelines, association labels, validation rules, forms, owners, property listings
kept for types only), unless everything fits the connection pool at once: then those
join round 1 and a plan without followups is one round trip. A converged plan of the
Japan blueprint makes exactly two round trips of at most ``READ_CONCURRENCY`` requests
each (issue 14).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from hs_japan.errors import PortalError
from hs_japan.kinds.base import Facts, Read
from hs_japan.portal.client import READ_CONCURRENCY as PORTAL_CONCURRENCY
from hs_japan.portal.client import PortalClient
from hs_japan.portal.read import PIPES, PROPS, get_call, portal_info, results_of, sends
from hs_japan.reserved import LEGACY_MIGRATION_RECORD, MIGRATION_RECORD
from hs_japan.resources import PortalInfo

# what round 2 is chosen with before the account details are in (never returned)
_PENDING = PortalInfo(portal_id=0, account_type="UNKNOWN")

# requests of one round in flight at once (each through the pacer; the client's pool is
# as large, so a round that fits is one wave)
READ_CONCURRENCY = PORTAL_CONCURRENCY


def load_function(path: str) -> Callable[..., Any]:
    """The function a :class:`Read` or a handler's writer names
    (``"package.module:function"``)."""
    module, _, name = path.partition(":")
    fn = getattr(importlib.import_module(module), name, None)
    if not callable(fn):
        raise TypeError(f"{path} names no function")
    return fn  # type: ignore[no-any-return]


def requests_of(read: Read) -> int:
    """How many requests ``read`` sends at once (its reader's ``sends`` mark; 1 unmarked)."""
    count = getattr(load_function(read.reader), "requests_at_once", 1)
    return int(count(read.arg) if callable(count) else count)


def read_facts(
    client: PortalClient,
    needs: Iterable[Read],
    followups: Callable[[Facts], Iterable[Read]] | None = None,
    *,
    later: Iterable[Read] = (),
    info: PortalInfo | Callable[[], PortalInfo] | None = None,
    guard: Callable[[PortalInfo], None] | None = None,
) -> Facts:
    """Read ``needs`` (round 1, with the account details unless ``info`` is given), then
    ``followups(round-1 facts)`` and ``later`` (round 2). ``later`` are reads no followup
    depends on: they join round 1 instead when round 1 would be empty, when there is no
    round 2 (``followups`` None), or when every request of both fits the connection pool
    at once. ``guard`` vets the portal from its details before any other answer is used
    (and long before anything is written). ``info`` may be a callable: the details the
    caller is reading meanwhile (apply's, already vetted), asked for where this function
    would use its own read's."""
    coming = info if callable(info) else None
    known = None if callable(info) else info
    first = list(dict.fromkeys(needs))
    late = [r for r in dict.fromkeys(later) if r not in set(first)]
    if late and (
        followups is None
        or not first
        or sum(map(requests_of, first + late)) + (info is None) <= READ_CONCURRENCY
    ):
        first, late = first + late, []
    with ThreadPoolExecutor(max_workers=READ_CONCURRENCY) as pool:
        # the details first: the guard waits for them, and they never wait for a connection
        f_info = pool.submit(client.get_account_details) if info is None else None
        futures = [(r, pool.submit(load_function(r.reader), client, r.arg)) for r in first]
        wait([f for _r, f in futures])
        second: list[tuple[Read, Future[Any]]] = []
        if all(f.exception() is None for _r, f in futures):
            # round 2 is chosen from round 1's answers and sent at once; no answer is used
            # for anything else before the guard has vetted the portal
            round1 = Facts(known or _PENDING, {r: f.result() for r, f in futures})
            chosen = followups(round1) if followups is not None else ()
            more = [r for r in dict.fromkeys([*late, *chosen]) if r not in round1]
            second = [(r, pool.submit(load_function(r.reader), client, r.arg)) for r in more]
        if f_info is not None:
            known = portal_info(f_info.result())
        elif coming is not None:
            known = coming()
        assert known is not None
        if guard is not None:
            guard(known)
        facts = Facts(known, {r: f.result() for r, f in futures})  # a read's error, now
        if second:
            facts = facts.merged({r: f.result() for r, f in second})
    return facts


# -- readers the kinds name (each fn(client, arg)) ---------------------------------------


@sends(2)
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


@sends(2)
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
