"""What several commands share: the portal target, connecting to it, error lines, fleets.

Nothing here imports the HubSpot SDK at import time (offline commands stay light): the
portal code is imported by the functions that open a portal.
"""

from __future__ import annotations

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


def preflight(bp: Blueprint, client: PortalClient, language: Any, what: str) -> None:
    """doctor's checks (docs/doctor.md): refuse with its whole report when not ready."""
    from hs_japan.doctor import refuse_unless_ready
    from hs_japan.portal.probe import gather_facts

    refuse_unless_ready(bp, language, gather_facts(client, bp), what)


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
) -> list[tuple[str, BufferedUI, Outcome]]:
    """Run ``one`` for every portal concurrently (a thread each); print each portal's
    block whole, in the order the portals were given, as soon as it and those before it
    are done. A portal's error ends that portal only (its block says why)."""
    from concurrent.futures import ThreadPoolExecutor

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

    pool = ThreadPoolExecutor(max_workers=len(portals), thread_name_prefix="portal")
    done: list[tuple[str, BufferedUI, Outcome]] = []
    try:
        futures = [(name, pool.submit(run, name)) for name in portals]
        for name, future in futures:
            out, outcome = future.result()
            if print_blocks:
                ui.echo(f"=== portal '{name}' ===")
                out.flush(ui)
                ui.echo("")
            done.append((name, out, outcome))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return done


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
