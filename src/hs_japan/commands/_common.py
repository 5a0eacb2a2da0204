"""What several commands share: the portal target, connecting to it, error lines, fleets.

Nothing here imports the HubSpot SDK at import time (offline commands stay light): the
portal code is imported by the functions that open a portal.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hs_japan.config import LOCAL
from hs_japan.errors import ApplyRefused, BlueprintError, ConfigError, HsJapanError
from hs_japan.policy import count
from hs_japan.redact import redact
from hs_japan.ui import UI, BufferedUI

if TYPE_CHECKING:
    from hs_japan.blueprint.model import Blueprint
    from hs_japan.config import Profile
    from hs_japan.portal.client import PortalClient
    from hs_japan.resources import PortalInfo


@dataclass(frozen=True)
class Target:
    """The portal options every portal command takes: ``--portal``, ``--config`` and
    (where it applies) ``--language``."""

    portal: str = LOCAL
    config: Path | None = None
    language: str | None = None

    def profile(self) -> Profile:
        from hs_japan.config import load_profile

        return load_profile(self.portal, self.config, self.language)


@contextmanager
def connect(profile: Profile) -> Iterator[tuple[PortalClient, PortalInfo]]:
    """Open the profile's portal and vet it (pinned portal id, account type) before
    anything else is read or written."""
    from hs_japan.config import check_portal
    from hs_japan.portal.read import portal_info
    from hs_japan.portal.session import open_portal

    with open_portal(profile) as client:
        info = portal_info(client.get_account_details())
        check_portal(profile, info.portal_id, info.account_type)
        yield client, info


def guard_for(profile: Profile) -> Callable[[PortalInfo], None]:
    from hs_japan.config import check_portal

    return lambda info: check_portal(profile, info.portal_id, info.account_type)


def preflight(
    bp: Blueprint,
    client: PortalClient,
    language: Any,
    what: str,
    vetted: Callable[[], PortalInfo] | None = None,
) -> None:
    """doctor's checks (docs/doctor.md): refuse with its whole report when not ready.
    ``vetted``: the account details, once the caller's guard approved the portal
    (``portal.probe.gather_facts``)."""
    from hs_japan.doctor import refuse_unless_ready
    from hs_japan.portal.probe import gather_facts

    refuse_unless_ready(bp, language, gather_facts(client, bp, vetted), what)


def error_line(exc: BaseException) -> tuple[str, int]:
    """The one-line message (tokens masked) and exit code an error gives."""
    if isinstance(exc, BlueprintError):  # already file:line: field: message, one per line
        return redact(str(exc)), exc.exit_code
    if isinstance(exc, HsJapanError):
        return redact(f"error: {exc}"), exc.exit_code
    return (
        redact(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)"),
        1,
    )


# -- fleets: one command, several portals ----------------------------------------------


def portal_names(given: list[str] | None) -> list[str]:
    names = list(given or [LOCAL])
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"--portal {', '.join(twice)} given more than once")
    return names


@dataclass
class Outcome:
    """One portal's result, for a fleet's summary table."""

    code: int
    changes: int | None = None
    portal_id: int | None = None
    result: str = ""


def run_fleet(
    portals: list[str],
    one: Callable[[str, UI], Outcome],
    ui: UI,
    print_blocks: bool = True,
    processes: bool | None = None,
) -> list[tuple[str, BufferedUI, Outcome]]:
    """Run ``one`` for every portal concurrently; print each portal's block whole, in
    the order the portals were given, as soon as it and those before it are done. A
    portal's error ends that portal only (its block says why).

    Each portal runs in a child process of its own (``fork``, where the OS has it;
    ``processes=False`` or no ``fork``: a thread each). A portal's work is mostly
    Python (SDK models, planning, journaling) under one GIL, so threads made eight
    portals take as long as their CPU time added up; forked children share the loaded
    blueprint and the imported modules and use every core. Each child has its own
    client, pacer, lock and journal, as a thread had; its output comes back as its
    block."""
    if processes is None:
        processes = hasattr(os, "fork") and len(portals) > 1

    def run(name: str) -> tuple[BufferedUI, Outcome]:
        out = BufferedUI(debug=ui.debug)
        try:
            return out, one(name, out)
        except Exception as exc:
            if ui.debug:
                out.err(redact(traceback.format_exc()).rstrip())
            message, code = error_line(exc)
            out.err(message)
            refused = isinstance(exc, ApplyRefused)
            return out, Outcome(code or 1, result="refused" if refused else "error")

    done: list[tuple[str, BufferedUI, Outcome]] = []

    def finished(name: str, out: BufferedUI, outcome: Outcome) -> None:
        if print_blocks:
            ui.echo(f"=== portal '{name}' ===")
            out.flush(ui)
            ui.echo("")
        done.append((name, out, outcome))

    if processes:
        preload()
        gc.freeze()  # the parent's objects stay put: children share their pages
        try:
            children = [(name, _fork(name, run, ui.debug)) for name in portals]
        finally:
            gc.unfreeze()
        try:
            for name, child in children:
                finished(name, *child.result())
        finally:
            for _, child in children:
                child.stop()
        return done
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=len(portals), thread_name_prefix="portal")
    try:
        futures = [(name, pool.submit(run, name)) for name in portals]
        for name, future in futures:
            finished(name, *future.result())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return done


# What a portal's plan or apply imports on the way (the portal side, the SDK's API
# modules apply writes with, the journal; and the holiday calendar of workflow rules,
# see ``preload``): imported once in the
# parent before the fleet forks, so each child starts with them instead of importing
# them again (half a second of CPU per portal). A name that no longer exists is skipped.
PRELOAD = (
    "hs_japan.engine",
    "hs_japan.apply",
    "hs_japan.journal",
    "hs_japan.doctor",
    "hs_japan.migrate",
    "hs_japan.plan.render",
    "hs_japan.plan.planfile",
    "hs_japan.portal.session",
    "hs_japan.portal.client",
    "hs_japan.portal.read",
    "hs_japan.portal.write",
    "hs_japan.portal.lock",
    "hs_japan.portal.probe",
    "hs_japan.portal.flows",
    "hs_japan.portal.lists",
    "hs_japan.portal.association_labels",
    "hs_japan.portal.validations",
    "hs_japan.portal.properties",
    "hubspot.discovery.crm.lists.discovery",
    "hubspot.discovery.crm.objects.discovery",
    "hubspot.discovery.crm.pipelines.discovery",
    "hubspot.discovery.crm.properties.discovery",
    "tomllib",
    "netrc",
    "shlex",
    "_strptime",
)


def preload() -> None:
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from hs_japan.rules import holiday_calendar_class

    holiday_calendar_class("JP")  # Japan's module alone, not the library's every country


@dataclass
class _Child:
    """A forked portal run: its pid and the pipe its (block, outcome) comes back on."""

    pid: int
    fd: int
    reaped: bool = False

    def result(self) -> tuple[BufferedUI, Outcome]:
        with os.fdopen(self.fd, "rb") as pipe:
            data = pipe.read()
        self.fd = -1
        _, status = os.waitpid(self.pid, 0)
        self.reaped = True
        try:
            parts, outcome = pickle.loads(data)
        except Exception:  # the child died before it could answer (killed, out of memory)
            code = os.waitstatus_to_exitcode(status)
            out = BufferedUI()
            out.err(f"error: the process for this portal ended unexpectedly (exit {code})")
            return out, Outcome(1, result="error")
        out = BufferedUI()
        out.parts = parts
        return out, outcome

    def stop(self) -> None:
        """After an interruption: end a child still running and reap it."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if not self.reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
            self.reaped = True


def _fork(name: str, run: Callable[[str], tuple[BufferedUI, Outcome]], debug: bool) -> _Child:
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # nothing buffered before the fork is written twice
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_fd)
        return _Child(pid, read_fd)
    # the child: run this portal, send back its block and outcome, and leave without
    # running the parent's exit handlers or flushing its buffers
    status = 0
    try:
        os.close(read_fd)
        try:
            out, outcome = run(name)
        except BaseException as exc:  # Ctrl-C, SystemExit: still answer the parent
            out = BufferedUI(debug=debug)
            message, code = (
                ("interrupted", 130) if isinstance(exc, KeyboardInterrupt) else (error_line(exc))
            )
            out.err(message)
            outcome = Outcome(code, result="error")
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(pickle.dumps((out.parts, outcome)))
    except BaseException:
        status = 70
    finally:
        os._exit(status)


def summary(done: list[tuple[str, BufferedUI, Outcome]]) -> str:
    rows = [("portal", "portal id", "changes", "result")] + [
        (
            name,
            "-" if o.portal_id is None else str(o.portal_id),
            "-" if o.changes is None else str(o.changes),
            o.result,
        )
        for name, _, o in done
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"Fleet: {count(len(done), 'portal')}"] + [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]
    return "\n".join(lines) + "\n"
