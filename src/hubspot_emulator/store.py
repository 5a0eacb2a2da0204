"""Emulator state: portals and JSON documents in SQLite.

One table of portals (id, token, account type, tier, scopes, settings) and one generic
document table keyed by ``(portal, collection, key)``. Collections are named by the
resource modules (``prop:deals``, ``pipeline:tickets``, ``flow``, ``record:deals`` …).
Insertion order is kept (``ON CONFLICT DO UPDATE`` keeps the rowid), which is the order
HubSpot's list endpoints return things in.

``path=None`` keeps everything in memory; otherwise the file persists across runs (the
CLI's local portal). Access is serialised by one re-entrant lock: each request runs as
one transaction, so a request is all-or-nothing like HubSpot's single-object writes.

This module is part of the emulator, an implementation of HubSpot's documented
behaviour that is deliberately independent of the engine (it imports nothing from
``hs_japan`` outside ``hubspot_emulator``).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS portals (
    id INTEGER PRIMARY KEY,
    token TEXT UNIQUE NOT NULL,
    account_type TEXT NOT NULL,
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    scopes TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    hubs TEXT
);
CREATE TABLE IF NOT EXISTS docs (
    portal_id INTEGER NOT NULL,
    coll TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (portal_id, coll, key)
);
CREATE TABLE IF NOT EXISTS counters (
    portal_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (portal_id, name)
);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    portal_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    method TEXT NOT NULL,
    template TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    correlation_id TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS requests_by_portal ON requests (portal_id, seq);
"""

FIRST_PORTAL_ID = 50_000_001
LOG_BATCH = 256  # request-log rows held at most before they are written


class Store:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        target = str(path) if path is not None else ":memory:"
        self.db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self.lock = threading.RLock()
        if path is not None:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        # state files written before the request detail column existed
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(requests)")}
        if "detail" not in columns:
            self.db.execute("ALTER TABLE requests ADD COLUMN detail TEXT")
        portal_columns = {row[1] for row in self.db.execute("PRAGMA table_info(portals)")}
        if "hubs" not in portal_columns:  # state files written before hubs existed
            self.db.execute("ALTER TABLE portals ADD COLUMN hubs TEXT")
        self._last_ms = 0
        self._depth = 0
        # what has changed since: every write bumps its portal's generation (or all of
        # them); ``version`` adds SQLite's data_version, which moves when another process
        # commits to the same file
        self._generation = 0
        self._generations: dict[int, int] = {}
        # request-log rows not written yet: they go into the next transaction that commits
        # (every request has one), or are written before the log is read or cleared, so a
        # request costs no commit of its own
        self._log: list[tuple[Any, ...]] = []

    def close(self) -> None:
        with self.lock:
            self._write_log()
            self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside are committed together, or none of them (re-entrant)."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self.db.execute("BEGIN")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self.db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._flush_log()
                self.db.execute("COMMIT")

    def _flush_log(self) -> None:
        """Inside a transaction: the pending request-log rows, inserted."""
        if self._log:
            rows, self._log = self._log, []
            self.db.executemany(
                "INSERT INTO requests (portal_id, at, method, template, path, status, "
                "correlation_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _write_log(self) -> None:
        """The pending request-log rows, committed now (before the log is read)."""
        with self.transaction():
            pass  # the commit writes them

    def _changed(self, portal_id: int | None) -> None:
        if portal_id is None:
            self._generation += 1
        else:
            self._generations[portal_id] = self._generations.get(portal_id, 0) + 1

    def version(self, portal_id: int) -> tuple[int, int, int]:
        """Changes whenever anything the portal's answers are computed from may have
        changed (a write here, by this process or by another on the same file). Call it
        under ``lock``, in the transaction whose reads it vouches for."""
        with self.lock:
            (data_version,) = self.db.execute("PRAGMA data_version").fetchone()
            return self._generation, self._generations.get(portal_id, 0), int(data_version)

    # -- time --------------------------------------------------------------------------
    def now_ms(self) -> int:
        """Wall-clock milliseconds, strictly increasing, so ``updatedAt`` changes on every write."""
        with self.lock:
            ms = max(int(time.time() * 1000), self._last_ms + 1)
            self._last_ms = ms
            return ms

    def now_iso(self) -> str:
        return iso(self.now_ms())

    # -- portals -----------------------------------------------------------------------
    def create_portal(
        self,
        account_type: str,
        name: str,
        tier: str,
        scopes: list[str] | None,
        hubs: dict[str, str | None] | None = None,
    ) -> dict[str, Any]:
        with self.transaction():
            self._changed(None)
            row = self.db.execute("SELECT MAX(id) FROM portals").fetchone()
            portal_id = max(FIRST_PORTAL_ID, (row[0] or 0) + 1)
            # recognisably a local token; never valid at HubSpot
            token = f"pat-local-{secrets.token_hex(16)}"
            self.db.execute(
                "INSERT INTO portals (id, token, account_type, name, tier, scopes, settings, "
                "created_at, hubs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    portal_id,
                    token,
                    account_type,
                    name,
                    tier,
                    json.dumps(scopes),
                    json.dumps({}),
                    self.now_ms(),
                    None if hubs is None else json.dumps(hubs),
                ),
            )
        return {"portalId": portal_id, "token": token}

    def _portal_row(self, row: tuple[Any, ...] | None) -> dict[str, Any] | None:
        if row is None:
            return None
        return {
            "portalId": row[0],
            "token": row[1],
            "accountType": row[2],
            "portalName": row[3],
            "tier": row[4],
            "scopes": json.loads(row[5]),
            "settings": json.loads(row[6]),
            "createdAt": row[7],
            "hubs": json.loads(row[8]) if len(row) > 8 and row[8] else None,
        }

    def portal_by_token(self, token: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT * FROM portals WHERE token = ?", (token,)).fetchone()
        return self._portal_row(row)

    def portal(self, portal_id: int) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT * FROM portals WHERE id = ?", (portal_id,)).fetchone()
        return self._portal_row(row)

    def portals(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT * FROM portals ORDER BY id").fetchall()
        return [p for p in (self._portal_row(r) for r in rows) if p is not None]

    def update_settings(self, portal_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        with self.transaction():
            self._changed(portal_id)
            portal = self.portal(portal_id)
            assert portal is not None
            settings = {**portal["settings"], **changes}
            self.db.execute(
                "UPDATE portals SET settings = ? WHERE id = ?", (json.dumps(settings), portal_id)
            )
        return settings

    def reset_portal(self, portal_id: int) -> None:
        with self.transaction():
            self._changed(portal_id)
            self._flush_log()  # deleted with the rest
            for table in ("docs", "counters", "requests"):
                self.db.execute(f"DELETE FROM {table} WHERE portal_id = ?", (portal_id,))

    def reset_all(self) -> None:
        with self.transaction():
            self._changed(None)
            self._flush_log()  # deleted with the rest
            for table in ("portals", "docs", "counters", "requests"):
                self.db.execute(f"DELETE FROM {table}")

    # -- documents ---------------------------------------------------------------------
    def get(self, portal_id: int, coll: str, key: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT body FROM docs WHERE portal_id = ? AND coll = ? AND key = ?",
                (portal_id, coll, key),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, portal_id: int, coll: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute(
                "SELECT body FROM docs WHERE portal_id = ? AND coll = ? ORDER BY rowid",
                (portal_id, coll),
            ).fetchall()
        if not rows:
            return []
        # one JSON array parsed at once: about twice as fast as one json.loads per
        # document on a catalogue of thousands (every body is a JSON object)
        parsed: list[dict[str, Any]] = json.loads("[" + ",".join(r[0] for r in rows) + "]")
        return parsed

    def extract(self, portal_id: int, coll: str, fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """Top-level ``fields`` of every document in ``coll`` (insertion order), read by
        SQLite without decoding the bodies in Python: JSON true/false come back as 1/0,
        a missing field or null as None, strings and numbers as they are. For counting over
        big collections (limits usage) where the whole documents are not needed."""
        for name in fields:
            if not name.replace("_", "").isalnum():
                raise ValueError(f"not a plain field name: {name!r}")
        columns = ", ".join(f"json_extract(body, '$.{name}')" for name in fields)
        with self.lock:
            rows = self.db.execute(
                f"SELECT {columns} FROM docs WHERE portal_id = ? AND coll = ? ORDER BY rowid",
                (portal_id, coll),
            ).fetchall()
        return [tuple(r) for r in rows]

    def count(self, portal_id: int, coll: str) -> int:
        with self.lock:
            row = self.db.execute(
                "SELECT COUNT(*) FROM docs WHERE portal_id = ? AND coll = ?", (portal_id, coll)
            ).fetchone()
        return int(row[0])

    def put(self, portal_id: int, coll: str, key: str, body: dict[str, Any]) -> None:
        with self.transaction():
            self._changed(portal_id)
            self.db.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?) ON CONFLICT (portal_id, coll, key) "
                "DO UPDATE SET body = excluded.body",
                (portal_id, coll, key, json.dumps(body, ensure_ascii=False)),
            )

    def delete(self, portal_id: int, coll: str, key: str) -> bool:
        with self.transaction():
            self._changed(portal_id)
            cur = self.db.execute(
                "DELETE FROM docs WHERE portal_id = ? AND coll = ? AND key = ?",
                (portal_id, coll, key),
            )
        return cur.rowcount > 0

    def next_id(self, portal_id: int, name: str, start: int = 1) -> int:
        with self.transaction():
            self._changed(portal_id)
            row = self.db.execute(
                "SELECT value FROM counters WHERE portal_id = ? AND name = ?", (portal_id, name)
            ).fetchone()
            value = start if row is None else int(row[0]) + 1
            self.db.execute(
                "INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT (portal_id, name) "
                "DO UPDATE SET value = excluded.value",
                (portal_id, name, value),
            )
        return value

    # -- request log -------------------------------------------------------------------
    def log_request(
        self,
        portal_id: int,
        method: str,
        template: str,
        path: str,
        status: int,
        cid: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """``detail`` (query and JSON body) is kept only when the portal asked for it
        (setting ``recordBodies``), for request-conformance tests. The row is written with
        the next transaction, or before the log is read (``requests``); another process
        reading the same file sees it then."""
        row = (
            portal_id,
            iso(int(time.time() * 1000)),
            method,
            template,
            path,
            status,
            cid,
            None if detail is None else json.dumps(detail, ensure_ascii=False),
        )
        with self.lock:
            self._log.append(row)
            if len(self._log) >= LOG_BATCH:
                self._write_log()

    def requests(self, portal_id: int) -> list[dict[str, Any]]:
        with self.lock:
            self._write_log()
            rows = self.db.execute(
                "SELECT at, method, template, path, status, correlation_id, detail "
                "FROM requests WHERE portal_id = ? ORDER BY seq",
                (portal_id,),
            ).fetchall()
        out = []
        for r in rows:
            entry: dict[str, Any] = {
                "at": r[0],
                "method": r[1],
                "template": r[2],
                "path": r[3],
                "status": r[4],
                "correlationId": r[5],
            }
            if r[6] is not None:
                entry.update(json.loads(r[6]))
            out.append(entry)
        return out

    def clear_requests(self, portal_id: int) -> None:
        with self.transaction():
            self._flush_log()  # rows logged before the clear are cleared with the rest
            self.db.execute("DELETE FROM requests WHERE portal_id = ?", (portal_id,))


def iso(ms: int) -> str:
    """HubSpot's timestamp format: ISO-8601 UTC with milliseconds and ``Z``."""
    stamp = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
