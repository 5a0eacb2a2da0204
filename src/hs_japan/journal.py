"""The apply journal: an append-only record of intended and completed writes.

One JSON-lines file per apply under ``<state home>/journal/<portalId>/``. Each line is
flushed and fsync'ed before the write it announces is sent, so after a crash (even
``kill -9``) the journal says what was about to happen and what was confirmed done.

Recovery does not trust the journal blindly: the next apply re-reads the portal and
plans again (every write is idempotent under re-planning: properties and pipelines are
found by their natural keys, and a create whose response was lost is found by a read
before it is re-sent). The journal tells the user what happened and which changes
were in doubt. It never holds a token: only resource keys, actions and attributes.

The changes of one request are journaled together: a batch create of up to 100
properties writes its intents with one fsync before the request and its completions
with one fsync after the answer (a 2,400-property apply made ~4,800 fsyncs, now ~50).
Recovery reads the lines as before: each change still has its own ``intent`` and
``done`` line, and an intent without its done is a change in doubt.

Deterministic crash points for the fault-matrix tests: ``HS_JAPAN_DIE_AFTER_INTENTS=N``
kills the process with SIGKILL right after the Nth intent is durable (its write never
sent; the rest of its request's intents are durable too); ``HS_JAPAN_DIE_BEFORE_DONE=N``
kills it when the Nth write has been answered but before its ``done`` line is written
(the write landed, the journal does not know; nor of the others of its request).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hs_japan.outfile import ReadProblem, read_regular_file
from hs_japan.plan.model import Change, Plan
from hs_japan.redact import may_need_redaction, redact


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _scrub(value: Any) -> Any:
    """``value`` with every string passed through :func:`redact` (before JSON encoding,
    so a masked token never breaks the line's JSON)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {_scrub(k) if isinstance(k, str) else k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _kill_point(variable: str) -> int | None:
    """The count at which a test asked this process to die (see the module docstring)."""
    try:
        count = int(os.environ.get(variable, ""))
    except ValueError:
        return None
    return count if count > 0 else None


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _change_ref(change: Change) -> dict[str, Any]:
    return {"kind": change.kind.value, "key": change.key, "action": change.action.value}


class Journal:
    def __init__(self, root: Path, portal_id: int) -> None:
        self.dir = root / str(portal_id)
        self.dir.mkdir(parents=True, exist_ok=True)
        name = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}.jsonl"
        self.path = self.dir / name
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held for the run
        self._intents = self._dones = 0
        self._die_after_intents = _kill_point("HS_JAPAN_DIE_AFTER_INTENTS")
        self._die_before_done = _kill_point("HS_JAPAN_DIE_BEFORE_DONE")

    def _write(self, event: str, **data: Any) -> None:
        self._write_all([(event, data)])

    def _write_all(self, events: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Append ``events`` (one line each) and make them durable with one fsync."""
        if not events:
            return
        at = _stamp()
        # an error body may echo the request's Authorization header: redact on write,
        # string by string (a masked token never breaks the line's JSON), when the line
        # has anything redact could change
        lines = []
        for event, data in events:
            record = {"at": at, "event": event, **data}
            line = json.dumps(record, ensure_ascii=False)
            if may_need_redaction(line):
                line = json.dumps(_scrub(record), ensure_ascii=False)
            lines.append(line + "\n")
        self._fh.write("".join(lines))
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def begin(self, plan: Plan) -> None:
        self._write(
            "begin",
            portalId=plan.portal.portal_id,
            accountType=plan.portal.account_type,
            blueprint=plan.blueprint_root,
            digest=plan.blueprint_digest,
            changes=[_change_ref(c) for c in plan.changes],
        )

    def intent(self, change: Change) -> None:
        self.intents([change])

    def done(self, change: Change) -> None:
        self.dones([change])

    def intents(self, changes: Sequence[Change]) -> None:
        """The intents of one request's changes (a batch create: up to 100), durable with
        one fsync before the request is sent."""
        self._write_all([("intent", {**_change_ref(c), "after": c.after}) for c in changes])
        before, self._intents = self._intents, self._intents + len(changes)
        if (
            self._die_after_intents is not None
            and before < self._die_after_intents <= self._intents
        ):
            _die()

    def dones(self, changes: Sequence[Change]) -> None:
        """The completions of one request's changes, with one fsync once it answered."""
        before, self._dones = self._dones, self._dones + len(changes)
        point = self._die_before_done
        if point is not None and before < point <= self._dones:
            _die()
        self._write_all([("done", _change_ref(c)) for c in changes])

    def recovered(self, previous: Path) -> None:
        self._write("recovers", previous=previous.name)

    def end(self, *, converged: bool | None, error: str | None = None) -> None:
        data: dict[str, Any] = {"converged": converged}
        if error:
            data["error"] = error
        self._write("end", **data)
        self.close()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


@dataclass(frozen=True)
class Interrupted:
    """A previous apply whose journal has no ``end`` line."""

    path: Path
    started: str
    planned: int
    done: int
    in_doubt: list[str]
    torn: int = 0  # bytes of a torn last line that were ignored

    def describe(self) -> str:
        doubt = f"; in doubt when it stopped: {', '.join(self.in_doubt)}" if self.in_doubt else ""
        torn = (
            f" (its last line was torn by the crash: {self.torn} bytes ignored)"
            if self.torn
            else ""
        )
        return (
            f"a previous apply (started {self.started}, journal {self.path}) stopped after "
            f"{self.done} of {self.planned} writes{doubt}{torn}. This plan comes from a fresh "
            "read of the portal, so it covers exactly what is left."
        )


MAX_JOURNAL_BYTES = 256 * 1024 * 1024


def read_journal(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The intact events of one journal and the number of bytes ignored after them.

    A crash can tear the last line anywhere, even inside a multi-byte UTF-8 character;
    each line is decoded on its own, so a torn tail never hides the lines before it.
    """
    try:
        raw = read_regular_file(path, MAX_JOURNAL_BYTES)
    except ReadProblem:
        return [], 0
    events: list[dict[str, Any]] = []
    offset = 0
    for line in raw.split(b"\n"):
        end = offset + len(line) + 1
        if line.strip():
            try:
                event = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                event = None
            if not isinstance(event, dict):
                # a line torn by the crash: everything before it is intact
                return events, max(len(raw) - offset, 0)
            events.append(event)
        offset = end
    return events, 0


def read_events(path: Path) -> list[dict[str, Any]]:
    return read_journal(path)[0]


def interrupted(root: Path, portal_id: int) -> list[Interrupted]:
    """Journals of earlier applies to this portal that never reached ``end``."""
    folder = root / str(portal_id)
    if not folder.is_dir():
        return []
    recovered = set()
    found = []
    for path in sorted(folder.glob("*.jsonl")):
        events, torn = read_journal(path)
        recovered |= {e.get("previous") for e in events if e.get("event") == "recovers"}
        if not events or any(e.get("event") == "end" for e in events):
            continue
        begin = events[0]
        done = {(str(e.get("kind")), str(e.get("key"))) for e in events if e.get("event") == "done"}
        intents = [
            (str(e.get("kind")), str(e.get("key"))) for e in events if e.get("event") == "intent"
        ]
        changes = begin.get("changes")
        found.append(
            Interrupted(
                path=path,
                started=str(begin.get("at", "?")),
                planned=len(changes) if isinstance(changes, list) else 0,
                done=len(done),
                in_doubt=[f"{k} {key}" for k, key in intents if (k, key) not in done],
                torn=torn,
            )
        )
    return [i for i in found if i.path.name not in recovered]
