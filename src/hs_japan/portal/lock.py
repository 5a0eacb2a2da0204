"""One apply at a time per portal: a lock held *in the portal*, so every machine sees it.

HubSpot has no key-value store, but creating a property group is atomic and answers
409 when the name exists (docs/hubspot-api.md §5.1, §5.5). The lock is therefore a contact property
group named ``hsjapan_apply_lock`` whose label carries the holder, the time it was
taken and when it expires::

    hs-japan lock · owner=ana@laptop pid=4242 · id=1f2e3d4c · since=2026-11-24T10:00:00Z
    · until=2026-11-24T10:30:00Z

Releasing archives the group. A lock past its expiry is *stale*: it is reported, never
broken silently; ``hs-japan unlock`` breaks it on request. The holder refreshes the
expiry while it works. Creating the group may time out after HubSpot created it; the
random ``id`` lets the retry recognise its own lock instead of reporting a conflict.
The lock group holds no properties and is not part of any blueprint (plans ignore
unmanaged groups); export leaves it out.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import secrets
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from hubspot.crm.properties import PropertyGroupCreate, PropertyGroupUpdate

from hs_japan.errors import HsJapanError, PortalError
from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import sdk_to_json
from hs_japan.reserved import LOCK_GROUP

LOCK_OBJECT = "contacts"
DEFAULT_TTL = dt.timedelta(minutes=30)
REFRESH_AFTER = dt.timedelta(minutes=5)
# how recent a read showing the lock still ours must be for release to skip its own read
# (the verification's listing, sent well under a second before the release in a normal
# run; a slower run reads the lock again)
SEEN_FOR = dt.timedelta(seconds=3)

_LABEL = re.compile(
    r"owner=(?P<owner>.+?) · id=(?P<id>[0-9a-f]+) · since=(?P<since>\S+) · until=(?P<until>\S+)$"
)


class LockHeld(HsJapanError):
    """Another apply holds the portal's lock."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LockInfo:
    owner: str
    lock_id: str
    since: dt.datetime
    until: dt.datetime

    @property
    def label(self) -> str:
        return (
            f"hs-japan lock · owner={self.owner} · id={self.lock_id} · "
            f"since={_iso(self.since)} · until={_iso(self.until)}"
        )

    def stale(self, now: dt.datetime | None = None) -> bool:
        return (now or _now()) >= self.until

    def describe(self) -> str:
        state = "expired" if self.stale() else "expires"
        return f"held by {self.owner} since {_iso(self.since)} ({state} {_iso(self.until)})"

    def holder_is_gone(self) -> bool:
        """True when the holder ran on this host and its process no longer exists."""
        m = re.fullmatch(r".+@(?P<host>\S+) pid=(?P<pid>\d+)", self.owner)
        if m is None or m["host"] != socket.gethostname():
            return False
        try:
            os.kill(int(m["pid"]), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, OverflowError):
            return False
        return False

    def holder_is_running_here(self) -> bool:
        """True when the holder is a process that is still running on this host."""
        m = re.fullmatch(r".+@(?P<host>\S+) pid=(?P<pid>\d+)", self.owner)
        if m is None or m["host"] != socket.gethostname() or int(m["pid"]) == os.getpid():
            return False
        try:
            os.kill(int(m["pid"]), 0)
        except (ProcessLookupError, OverflowError):
            return False
        except PermissionError:
            return True  # exists, owned by someone else
        return True

    @classmethod
    def parse(cls, label: str) -> LockInfo | None:
        m = _LABEL.search(label)
        if m is None:
            return None
        try:
            since = dt.datetime.strptime(m["since"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            until = dt.datetime.strptime(m["until"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return None
        return cls(m["owner"], m["id"], since, until)


def default_owner() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()} pid={os.getpid()}"


class PortalLock:
    """``with PortalLock(client): ...`` — acquire, refresh with :meth:`touch`, release."""

    def __init__(
        self,
        client: PortalClient,
        *,
        owner: str | None = None,
        ttl: dt.timedelta = DEFAULT_TTL,
        portal_hint: str = "",
    ) -> None:
        self.client = client
        self.owner = owner or default_owner()
        self.ttl = ttl
        self.lock_id = secrets.token_hex(4)
        self.portal_hint = portal_hint
        self.info: LockInfo | None = None
        self._refreshed = _now()
        # when a read showed the lock still ours (time.monotonic() before it was sent)
        self._seen_ours: float | None = None

    @property
    def _groups(self) -> Any:
        return self.client.sdk.crm.properties.groups_api

    def current(self) -> LockInfo | None:
        """The lock as the portal shows it now (None: free)."""
        return read_lock(self.client)

    def acquire(self) -> LockInfo:
        now = _now()
        info = LockInfo(self.owner, self.lock_id, now, now + self.ttl)
        body = PropertyGroupCreate(name=LOCK_GROUP, label=info.label, display_order=-1)
        try:
            self.client.call(
                "take the apply lock",
                partial(self._groups.create, LOCK_OBJECT, body, _request_timeout=REQUEST_TIMEOUT),
                probe=self._mine,
                write=True,
            )
        except PortalError as exc:
            if exc.status != 409:
                raise
            held = self.current()
            if held is not None and held.lock_id == self.lock_id:
                self.info = held  # our own create, whose response was lost
                return held
            raise self._held_error(held) from None
        self.info = info
        self._refreshed = now
        return info

    def _mine(self) -> object | None:
        held = self.current()
        return held if held is not None and held.lock_id == self.lock_id else None

    def _held_error(self, held: LockInfo | None) -> LockHeld:
        hint = f" --portal {self.portal_hint}" if self.portal_hint else ""
        if held is None:
            return LockHeld(
                f"the portal's apply lock (contact property group {LOCK_GROUP}) exists but "
                f"cannot be read; if no apply is running, break it with: hs-japan unlock{hint}"
            )
        if held.holder_is_gone():
            return LockHeld(
                f"the portal's apply lock is {held.describe()}, but that process is no longer "
                f"running on this machine: it crashed or was killed. Break the lock with: "
                f"hs-japan unlock{hint}  (nothing was written)"
            )
        if held.stale():
            return LockHeld(
                f"another apply's lock is {held.describe()}: it probably crashed. Check, then "
                f"break the lock with: hs-japan unlock{hint}  (nothing was written)"
            )
        return LockHeld(
            f"another apply is running on this portal: lock {held.describe()}; "
            "wait for it to finish (nothing was written)"
        )

    def touch(self) -> None:
        """Extend the expiry when the last refresh is older than REFRESH_AFTER."""
        if self.info is None:
            return
        now = _now()
        if now - self._refreshed < REFRESH_AFTER:
            return
        info = LockInfo(self.owner, self.lock_id, self.info.since, now + self.ttl)
        body = PropertyGroupUpdate(label=info.label)
        self.client.call(
            "refresh the apply lock",
            partial(
                self._groups.update, LOCK_OBJECT, LOCK_GROUP, body, _request_timeout=REQUEST_TIMEOUT
            ),
        )
        self.info = info
        self._refreshed = now

    def seen(self, groups: Iterable[Any] | None, sent_at: float) -> None:
        """What a listing of the lock object's property groups, sent at ``sent_at``
        (``time.monotonic()``), showed: when it shows the lock group with our id (the
        apply's verification reads that listing anyway), :meth:`release` soon after need
        not read the lock again. Anything else (no such group, another holder, a label
        that does not parse) changes nothing: release reads the lock first."""
        for group in groups or ():
            if isinstance(group, dict) and group.get("name") == LOCK_GROUP:
                held = LockInfo.parse(str(group.get("label") or ""))
                if held is not None and held.lock_id == self.lock_id:
                    self._seen_ours = sent_at
                return

    def release(self) -> None:
        """Archive the lock group if it is still ours: as a read sent at most
        ``SEEN_FOR`` ago showed (:meth:`seen`), else as a read now shows. HubSpot has no
        conditional delete, so either way a read vouches for the archive that follows it;
        another apply's lock is archived only if, in between, ours was broken (``hs-japan
        unlock``, which refuses while this process runs on its host) and the other apply
        took the lock. Relying on the earlier read widens that window from one
        round trip to at most ``SEEN_FOR``."""
        if self.info is None:
            return
        with self.client.cleanup():  # even when the command's deadline stopped the apply
            seen = self._seen_ours
            if seen is not None and time.monotonic() - seen <= SEEN_FOR.total_seconds():
                break_lock(self.client)
            else:
                held = self.current()
                if held is not None and held.lock_id == self.lock_id:
                    break_lock(self.client)
        self.info = None
        self._seen_ours = None

    def __enter__(self) -> PortalLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_lock(client: PortalClient, group: str = LOCK_GROUP) -> LockInfo | None:
    try:
        group = client.call(
            "read the apply lock",
            partial(
                client.sdk.crm.properties.groups_api.get_by_name,
                LOCK_OBJECT,
                group,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )
    except PortalError as exc:
        if exc.status == 404:
            return None
        raise
    label = str(sdk_to_json(group).get("label") or "")
    return LockInfo.parse(label) or LockInfo("an unknown holder", "0", _now(), _now())


def break_lock(client: PortalClient, group: str = LOCK_GROUP) -> bool:
    """Archive the lock group; False when there was none. ``group=LEGACY_LOCK_GROUP``
    breaks the lock of an hs-japan release before 0.2."""
    try:
        client.call(
            "release the apply lock",
            partial(
                client.sdk.crm.properties.groups_api.archive,
                LOCK_OBJECT,
                group,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )
    except PortalError as exc:
        if exc.status == 404:
            return False
        raise
    return True
