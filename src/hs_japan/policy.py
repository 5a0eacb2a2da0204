"""When may a command write? The guards of apply, migrate up and unlock, as pure decisions.

Given what is about to happen (the plan, the portal, the flags the user passed, whether
a terminal can answer a question), each function returns a :class:`Verdict`:

- ``refuse``: stop before anything is written, with the message the user sees;
- ``ask``: ask ``question`` on the terminal; a "no" refuses with ``message``;
- ``go``: write.

No I/O happens here (import-linter's "pure core" contract): the commands in
``hs_japan.commands`` act on the verdict. The messages are the exact lines users and
scripts see (docs/safety.md), so they are pinned by tests/unit/test_policy.py.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from hs_japan.plan.model import Plan

NO_TERMINAL = "no terminal to confirm on; review the plan and pass --yes (nothing was written)"
CANCELLED = "cancelled; nothing was written"


@dataclass(frozen=True)
class Verdict:
    action: Literal["refuse", "ask", "go"]
    message: str = ""  # refuse: why; ask: the refusal when the answer is no
    question: str = ""  # ask: the yes/no question

    @property
    def refused(self) -> bool:
        return self.action == "refuse"


GO = Verdict("go")


def refuse(message: str) -> Verdict:
    return Verdict("refuse", message)


def count(n: int, noun: str) -> str:
    """``1 change``, ``2 changes``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class ApplyFlags:
    """What the user said on the command line (and whether anyone can answer)."""

    yes: bool = False
    allow_destroy: bool = False
    allow_data_loss: bool = False
    confirmed_portals: frozenset[int] = frozenset()
    saved_plan: bool = False  # apply --plan: the plan was reviewed when it was saved
    interactive: bool = False  # a terminal on stdin can answer a question


def production(
    portal_id: int,
    portal_name: str,
    account_type: str,
    confirm_production: bool,
    confirmed: Collection[int],
) -> Verdict:
    """A STANDARD (production) account needs ``--confirm-portal <its id>`` to be applied
    to, unless its profile says ``confirm_production = false``."""
    if account_type == "STANDARD" and confirm_production and portal_id not in confirmed:
        return refuse(
            f"portal {portal_id} ({portal_name or 'unnamed'}) is a production "
            f"(STANDARD) account: pass --confirm-portal {portal_id} to apply to it "
            "(nothing was written)"
        )
    return GO


def apply_plan(plan: Plan, flags: ApplyFlags) -> Verdict:
    """May this (non-empty) plan be written? Blocked changes are refused whatever the
    flags; destructive ones need --allow-destroy, those losing record values
    --allow-data-loss as well; then the user confirms (--yes, a saved plan, or the
    terminal), in that order."""
    blocked = plan.blocked
    if blocked:
        return refuse(
            f"{len(blocked)} change(s) are blocked; nothing was written:\n"
            + "\n".join(f"  - {c.kind.value} {c.key}: {c.blocked}" for c in blocked)
        )
    destructive = plan.destructive
    if destructive and not flags.allow_destroy:
        return refuse(
            f"{len(destructive)} destructive change(s) need --allow-destroy; "
            "nothing was written: " + ", ".join(f"{c.action.glyph} {c.key}" for c in destructive)
        )
    losing = plan.data_loss
    if losing and not flags.allow_data_loss:
        return refuse(
            f"{len(losing)} change(s) would lose values that records hold; review the "
            "counts in the plan and pass --allow-data-loss as well (nothing was written): "
            + ", ".join(
                f"{c.key} ({'?' if c.records is None else c.records} records)" for c in losing
            )
        )
    if flags.yes or flags.saved_plan:
        return GO
    if not flags.interactive:
        return refuse(NO_TERMINAL)
    p = plan.portal
    return Verdict(
        "ask",
        CANCELLED,
        f"Apply {count(len(plan.changes), 'change')} to portal {p.portal_id} ({p.account_type})?",
    )


def fleet_apply(portals: int, yes: bool) -> Verdict:
    """A fleet apply never asks: each portal's plan is reviewed with ``plan`` first."""
    if yes:
        return GO
    return refuse(
        f"a fleet apply ({count(portals, 'portal')}) does not ask on the "
        "terminal: review each portal's plan (hs-japan plan with the same --portal "
        "options) and pass --yes (nothing was written)"
    )


def migrate_up(
    portal_id: int,
    account_type: str,
    confirm_production: bool,
    confirmed: int | None,
    yes: bool,
    interactive: bool,
) -> Verdict:
    """``migrate up`` moves record data: production needs --confirm-portal, then --yes
    or a terminal to say yes on."""
    if account_type == "STANDARD" and confirm_production and confirmed != portal_id:
        return refuse(
            f"portal {portal_id} is a production (STANDARD) account: pass "
            f"--confirm-portal {portal_id} (nothing was written)"
        )
    if yes:
        return GO
    if not interactive:
        return refuse("no terminal to confirm on; pass --yes")
    return Verdict("ask", CANCELLED, "Run them? They move record data")


def break_lock(running_here: bool, force: bool, yes: bool, interactive: bool) -> Verdict:
    """``unlock``: never break the lock of an apply still running on this machine
    (unless --force), and only with --yes or a terminal's yes."""
    if running_here and not force:
        return refuse(
            "that apply is still running on this machine; breaking its lock would let "
            "two applies write at once (duplicates). Wait for it, stop it, or pass "
            "--force if you are sure"
        )
    if yes:
        return GO
    if not interactive:
        return refuse("no terminal to confirm on; pass --yes to break the lock")
    return Verdict(
        "ask",
        "cancelled; the lock is still held",
        "Break it? Only do this if that apply is not running",
    )
