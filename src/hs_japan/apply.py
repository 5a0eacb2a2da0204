"""Execute a plan against a portal: dependency order, batches, progress, then verify.

Apply writes only what the plan lists, by dependency level: the writes of one level
run concurrently under the client's pacer. Each change is written by the function its
kind's handler names in ``portal/`` (``kinds/base.py``): changes sharing a batch key go
together (property creates of one object type, 100 a call); a change carried by another
(the stages of a pipeline being created, in the pipeline's POST: HubSpot requires at
least one stage at creation) is written by it. Nothing here names a kind. ``verify``
is done by the caller re-reading the portal and planning again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hs_japan.errors import ApplyFailed, HsJapanError
from hs_japan.kinds import WriteContext, handler_for, handlers
from hs_japan.kinds.base import KindHandler
from hs_japan.plan.model import Action, Change
from hs_japan.portal.facts import load_function
from hs_japan.resources import Snapshot

if TYPE_CHECKING:
    from hs_japan.portal.write import PortalWriter


@dataclass
class ApplyReport:
    done: list[Change] = field(default_factory=list)


def _describe(change: Change) -> str:
    return f"{change.action.glyph} {change.kind.value} {change.key}"


@dataclass
class ApplyHooks:
    """Called around every write: the journal records intents and completions, the lock
    is refreshed. ``intent`` runs (and is durable) before the request is sent.
    ``intents``/``dones``, when given, take the changes of one request at once (a batch
    create: the journal makes them durable with one fsync); else ``intent``/``done``
    hear them one by one."""

    intent: Callable[[Change], None] = lambda _: None
    done: Callable[[Change], None] = lambda _: None
    tick: Callable[[], None] = lambda: None
    intents: Callable[[Sequence[Change]], None] | None = None
    dones: Callable[[Sequence[Change]], None] | None = None

    def intent_all(self, changes: Sequence[Change]) -> None:
        if self.intents is not None:
            self.intents(changes)
        else:
            for c in changes:
                self.intent(c)

    def done_all(self, changes: Sequence[Change]) -> None:
        if self.dones is not None:
            self.dones(changes)
        else:
            for c in changes:
                self.done(c)


# a write task: sends its request(s) and returns the rest of its change's write, if any
# (a request that needs the first one's answer), to be sent as a task of its own
Rest = Callable[[], None]
Task = Callable[[], Rest | None]


# writes of one dependency level in flight at once (under the pacer): the client's pool
WRITE_CONCURRENCY = 16


def dependency_levels(changes: Sequence[Change]) -> list[list[Change]]:
    """``changes`` (in dependency order) as levels whose writes do not depend on each
    other. Creates and updates of the ranked kinds share a level by rank; every other
    change (deletes, kinds without a ``rank``) keeps its place, one level per run of
    its kind, after them — so an unknown kind is never written before what precedes it."""
    ranked: dict[int, list[Change]] = {}
    rest: list[list[Change]] = []
    tail = False  # once an unranked change is seen, keep the remaining order as it is
    for change in changes:
        rank = handler_for(change.kind).rank
        if not tail and rank is not None and change.action is not Action.DELETE:
            ranked.setdefault(rank, []).append(change)
            continue
        tail = True
        if rest and rest[-1][0].kind is change.kind and rest[-1][0].action is change.action:
            rest[-1].append(change)
        else:
            rest.append([change])
    return [ranked[r] for r in sorted(ranked)] + rest


def apply_changes(
    changes: Sequence[Change],
    writer: PortalWriter,
    actual: Snapshot,
    progress: Callable[[str], None] = lambda _: None,
    hooks: ApplyHooks | None = None,
    max_workers: int = WRITE_CONCURRENCY,
) -> ApplyReport:
    """Write ``changes`` (already in dependency order) and report what was done.

    Writes run by dependency level: those of one level concurrently (at most
    ``max_workers``, all through the client's pacer), each journaled (``hooks.intent``)
    before its request and marked done after its answer. On the first failure the level's
    other writes finish, no later level starts, and :class:`ApplyFailed` names what was
    written, so the user knows the portal's state; a re-run plans only what is left.
    """
    hooks = hooks or ApplyHooks()
    report = ApplyReport()
    lock = threading.RLock()  # journal, progress and report: one writer at a time

    def finished(change: Change, note: str = "done") -> None:
        finished_all([change], note)

    def finished_all(changes: Sequence[Change], note: str = "done") -> None:
        with lock:
            hooks.done_all(changes)
            report.done.extend(changes)
            for change in changes:
                progress(f"  {_describe(change)}  {note}")

    def intent(change: Change) -> None:
        intent_all([change])

    def intent_all(changes: Sequence[Change]) -> None:
        with lock:
            hooks.intent_all(changes)

    ctx = WriteContext(writer, changes, actual, lock=lock)
    # changes written by another change's write (a new pipeline's stages), by carrier
    carrier_of: dict[int, Change] = {}
    carried: dict[int, list[Change]] = {}
    for c in changes:
        carrier = handler_for(c.kind).carried_by(c, changes)
        if carrier is not None:
            carrier_of[id(c)] = carrier
            carried.setdefault(id(carrier), []).append(c)

    def batch_task(batch: list[Change]) -> Task:
        # announced (journaled) for the request being sent, not yet taken: may be written
        in_flight: list[Change] = []
        write = load_function(handler_for(batch[0].kind).batch_writer)

        def _sending(chunk: list[Change]) -> None:
            intent_all(chunk)  # one request's intents: durable before it is sent
            in_flight.extend(chunk)

        def _took(done: list[Change]) -> None:
            finished_all(done)
            taken = {id(c) for c in done}
            in_flight[:] = [c for c in in_flight if id(c) not in taken]

        def run() -> None:
            try:
                write(batch, ctx, _took, _sending)
            except HsJapanError as exc:
                # recounted: the portal was re-read, so what is left in flight was not written
                unknown = 1 if getattr(exc, "recounted", False) else len(in_flight)
                raise _Failed(in_flight[0] if in_flight else batch[0], exc, unknown) from exc

        return run

    def one_task(change: Change) -> Task:
        write = load_function(handler_for(change.kind).writer)

        def run() -> Rest | None:
            # the change and those that travel in the same request
            intent_all([change, *carried.get(id(change), [])])
            try:
                rest = write(change, ctx)
            except HsJapanError as exc:
                raise _Failed(change, exc, 1) from exc
            if not callable(rest):
                finished(change)
                return None

            def then() -> None:  # e.g. a workflow's enabling PUT, once its create answered
                try:
                    rest()
                except HsJapanError as exc:
                    raise _Failed(change, exc, 1) from exc
                finished(change)

            return then

        return run

    def finish_one(handler: KindHandler) -> str:
        """One kind's bookkeeping write after its writes (the list-id map), journaled;
        after a failure too, for what was written. The error, or ''."""
        done = [c for c in report.done if c.kind is handler.kind]
        extra = handler.finish(done, ctx)
        if extra is None:
            return ""
        intent(extra)
        try:
            load_function(handler.finisher)(extra, ctx)
        except HsJapanError as exc:
            return f"{_describe(extra)}: {exc}"
        with lock:
            hooks.done(extra)
            progress(f"  {_describe(extra)}  done")
        return ""

    def finish() -> str:
        """Every kind's bookkeeping, after every level (so the journal's last "done" is the
        last write, which the kill -9 recovery relies on): the errors, or ''."""
        errors = [finish_one(h) for h in handlers() if h.finisher]
        return "; ".join(e for e in errors if e)

    levels = dependency_levels(changes)
    for number, level in enumerate(levels, start=1):
        kinds = sorted({c.kind.value.replace("_", " ") for c in level})
        progress(f"step {number}/{len(levels)}: {len(level)} × {', '.join(kinds)}")
        tasks: list[Task] = []
        batches: dict[tuple[str, str], list[Change]] = {}
        for change in level:
            handler = handler_for(change.kind)
            batch = handler.batch_key(change) if handler.batch_writer else None
            carrier = carrier_of.get(id(change))
            if batch is not None:
                batches.setdefault((change.kind.value, batch), []).append(change)
            elif carrier is not None:
                finished(change, f"done (with its {carrier.kind.value})")  # in its request
            else:
                tasks.append(one_task(change))
        tasks = [batch_task(batch) for batch in batches.values()] + tasks
        if not tasks:
            continue
        hooks.tick()
        failures = _run_level(tasks, max_workers)
        if failures:
            first = failures[0]
            unrecorded = finish()
            written = len(report.done)
            maybe = (
                f"; {first.in_flight} more in the failing batch may have been written too"
                if first.in_flight > 1
                else ""
            )
            raise ApplyFailed(
                f"apply stopped at {_describe(first.change)}: {first.error}\n"
                f"{written} of {len(changes)} changes were written before it{maybe}; fix the "
                "cause and run plan again to see what is left"
                + (f"\nalso failed: {unrecorded}" if unrecorded else "")
            ) from None
    unrecorded = finish()
    if unrecorded:
        raise ApplyFailed(
            f"apply wrote all {len(changes)} changes, then stopped at {unrecorded}\n"
            "fix the cause and run apply again: it plans what is left and writes it"
        )
    return report


def _run_level(tasks: Sequence[Task], max_workers: int) -> list[_Failed]:
    """Run one level's tasks, at most ``max_workers`` at once; a task's rest (its second
    request) is queued as soon as the task returns it, not after the level's other first
    requests (20 workflows on 16 slots: creates and enables in 3 rounds, not 4). The
    failures, in the order of the tasks. After a failure the level's other tasks (and
    their rests) still finish; run one at a time, the level stops at the failure."""
    failures: list[tuple[int, _Failed]] = []
    if len(tasks) == 1 or max_workers <= 1:
        for i, task in enumerate(tasks):
            try:
                rest = task()
                if rest is not None:
                    rest()
            except _Failed as failed:
                failures.append((i, failed))
                break
        return [f for _i, f in failures]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(tasks))) as pool:
        running: dict[Future[Rest | None], int] = {
            pool.submit(task): i for i, task in enumerate(tasks)
        }
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                i = running.pop(future)
                try:
                    rest = future.result()
                except _Failed as failed:
                    failures.append((i, failed))
                    continue
                if rest is not None:
                    running[pool.submit(_no_rest(rest))] = i
    return [f for _i, f in sorted(failures, key=lambda item: item[0])]


def _no_rest(rest: Rest) -> Task:
    def run() -> None:
        rest()

    return run


class _Failed(Exception):
    def __init__(self, change: Change, error: HsJapanError, in_flight: int) -> None:
        super().__init__(str(error))
        self.change = change
        self.error = error
        self.in_flight = in_flight
