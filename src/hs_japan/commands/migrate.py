"""``hs-japan migrate status|up``: versioned data migrations, recorded in the portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hs_japan import policy
from hs_japan.commands._common import Target, connect
from hs_japan.errors import ApplyRefused
from hs_japan.ui import UI


@dataclass(frozen=True)
class MigrateOptions:
    target: Target = field(default_factory=Target)
    directory: Path = Path("migrations")
    dry_run: bool = False
    yes: bool = False
    confirm_portal: int | None = None


def run_status(opts: MigrateOptions, ui: UI) -> int:
    """Which migrations this portal has run (recorded in the portal) and which are pending."""
    from hs_japan.migrate import find_migrations, status

    migrations = find_migrations(opts.directory)
    with connect(opts.target.profile()) as (client, info):
        state = status(client, migrations)
    ui.echo(
        f"Portal {info.portal_id} ({info.account_type}): {len(state.applied)} applied, "
        f"{len(state.pending)} pending"
    )
    for a in state.applied:
        ui.echo(f"  applied  {a.id}  sha256 {a.checksum[:12]}  at {a.at}")
    for m in state.pending:
        ui.echo(f"  pending  {m.id}")
    for mid in state.changed:
        ui.err(f"warning: {mid} changed since it was applied (checksum differs)")
    for mid in state.unknown:
        ui.err(f"note: {mid} was applied to this portal but is not in {opts.directory}")
    return 0


def run_up(opts: MigrateOptions, ui: UI) -> int:
    """Run the pending migrations in order (resumable; each is recorded when done)."""
    from hs_japan.migrate import find_migrations, run_pending, status
    from hs_japan.portal.lock import PortalLock

    migrations = find_migrations(opts.directory)
    profile = opts.target.profile()
    with connect(profile) as (client, info):
        pending = status(client, migrations).pending
        if not pending:
            ui.echo(f"Portal {info.portal_id}: no pending migrations.")
            return 0
        ui.echo(
            f"Portal {info.portal_id} ({info.account_type}): "
            f"{len(pending)} pending: {', '.join(m.id for m in pending)}"
        )
        if opts.dry_run:
            run_pending(client, migrations, True, ui.echo)
            return 0
        verdict = policy.migrate_up(
            info.portal_id,
            info.account_type,
            profile.confirm_production,
            opts.confirm_portal,
            opts.yes,
            ui.interactive(),
        )
        if verdict.refused:
            raise ApplyRefused(verdict.message)
        if verdict.action == "ask" and not ui.confirm(verdict.question):
            raise ApplyRefused(verdict.message)
        with PortalLock(client, portal_hint=opts.target.portal):
            ran = run_pending(client, migrations, False, ui.echo)
    ui.echo(f"Applied {len(ran)} migration(s); recorded in the portal.")
    return 0
