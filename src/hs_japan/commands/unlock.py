"""``hs-japan unlock``: show a portal's apply lock and break it (never a running apply's)."""

from __future__ import annotations

from dataclasses import dataclass

from hs_japan import policy
from hs_japan.commands._common import Target, connect
from hs_japan.errors import ApplyRefused
from hs_japan.reserved import LEGACY_LOCK_GROUP, LOCK_GROUP
from hs_japan.ui import UI


@dataclass(frozen=True)
class UnlockOptions:
    target: Target
    yes: bool = False
    force: bool = False


def run_unlock(opts: UnlockOptions, ui: UI) -> int:
    from hs_japan.portal.lock import break_lock, read_lock

    with connect(opts.target.profile()) as (client, info):
        group = LOCK_GROUP
        held = read_lock(client)
        if held is None:  # an apply lock taken by hs-japan before 0.2 (hs_ prefix)
            held = read_lock(client, LEGACY_LOCK_GROUP)
            group = LEGACY_LOCK_GROUP
        if held is None:
            ui.echo(f"Portal {info.portal_id} has no apply lock.")
            return 0
        ui.echo(f"Portal {info.portal_id}: apply lock {held.describe()}.")
        verdict = policy.break_lock(
            held.holder_is_running_here(), opts.force, opts.yes, ui.interactive()
        )
        if verdict.refused:
            raise ApplyRefused(verdict.message)
        if verdict.action == "ask" and not ui.confirm(verdict.question):
            raise ApplyRefused(verdict.message)
        break_lock(client, group)
        ui.echo("Lock broken.")
    return 0
