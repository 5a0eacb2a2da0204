"""The apply policy without a server: every guard, its order, and its exact message.

``hs_japan.policy`` decides refuse / ask / go for apply, a fleet apply, migrate up and
unlock; the messages are the lines users and scripts see, so they are pinned here word
for word (the integration tests check the same lines through the CLI)."""

from __future__ import annotations

import itertools

import pytest

from hs_japan import policy
from hs_japan.plan.model import Action, Change, Plan, Risk
from hs_japan.policy import ApplyFlags, Verdict
from hs_japan.resources import Kind, PortalInfo

PORTAL = PortalInfo(portal_id=4242, account_type="SANDBOX", name="Tokyo")
SAFE = Change(Action.CREATE, Kind.PROPERTY, "deals/jp_a", None, {"label": "A"})
# destructive, but no record holds a value (counted: 0), so no data is lost
DESTROY = Change(
    Action.DELETE,
    Kind.PROPERTY,
    "deals/jp_old",
    {"label": "Old"},
    None,
    Risk.DESTRUCTIVE,
    records=0,
)
LOSE = Change(
    Action.DELETE,
    Kind.PROPERTY,
    "deals/jp_lost",
    {"label": "Lost"},
    None,
    Risk.DESTRUCTIVE,
    records=12,
)
LOSE_UNCOUNTED = Change(
    Action.REPLACE,
    Kind.PROPERTY,
    "contacts/jp_kana",
    {"type": "string"},
    {"type": "number"},
    Risk.DESTRUCTIVE,
    records=None,
)
BLOCKED = Change(
    Action.DELETE,
    Kind.STAGE,
    "deals/jp/lost",
    {"label": "Lost"},
    None,
    Risk.DESTRUCTIVE,
    records=3,
    blocked="3 deals are in this stage; move them first",
)


def plan_of(*changes: Change, portal: PortalInfo = PORTAL) -> Plan:
    return Plan(portal, "bp", "sha256:0", "ja", tuple(changes))


def test_the_fixture_changes_are_what_the_plan_model_says() -> None:
    # the policy reads the plan's own classification; these fixtures must exercise it
    p = plan_of(SAFE, DESTROY, LOSE, LOSE_UNCOUNTED, BLOCKED)
    assert p.blocked == (BLOCKED,)
    assert DESTROY not in p.data_loss
    assert LOSE in p.data_loss and LOSE_UNCOUNTED in p.data_loss
    assert p.destructive == (DESTROY, LOSE, LOSE_UNCOUNTED, BLOCKED)


# -- apply: production accounts ------------------------------------------------------


@pytest.mark.parametrize("account_type", ["SANDBOX", "DEVELOPER_TEST", "APP_DEVELOPER"])
def test_only_standard_accounts_need_a_confirmed_portal(account_type: str) -> None:
    assert policy.production(1, "x", account_type, True, ()) == policy.GO


def test_a_standard_account_is_refused_without_its_id() -> None:
    verdict = policy.production(4242, "Tokyo HQ", "STANDARD", True, (1, 2))
    assert verdict == Verdict(
        "refuse",
        "portal 4242 (Tokyo HQ) is a production (STANDARD) account: pass "
        "--confirm-portal 4242 to apply to it (nothing was written)",
    )
    assert verdict.refused
    assert "(unnamed)" in policy.production(7, "", "STANDARD", True, ()).message


def test_a_standard_account_goes_with_its_id_or_when_the_profile_allows() -> None:
    assert policy.production(4242, "x", "STANDARD", True, (4242,)) == policy.GO
    assert policy.production(4242, "x", "STANDARD", True, frozenset({1, 4242})) == policy.GO
    assert policy.production(4242, "x", "STANDARD", False, ()) == policy.GO


# -- apply: the plan's guards, in order ------------------------------------------------


def test_blocked_changes_are_refused_whatever_the_flags() -> None:
    everything = ApplyFlags(
        yes=True, allow_destroy=True, allow_data_loss=True, saved_plan=True, interactive=True
    )
    verdict = policy.apply_plan(plan_of(SAFE, BLOCKED), everything)
    assert verdict == Verdict(
        "refuse",
        "1 change(s) are blocked; nothing was written:\n"
        "  - stage deals/jp/lost: 3 deals are in this stage; move them first",
    )


def test_destructive_changes_need_allow_destroy() -> None:
    verdict = policy.apply_plan(plan_of(SAFE, DESTROY, LOSE), ApplyFlags(yes=True))
    assert verdict == Verdict(
        "refuse",
        "2 destructive change(s) need --allow-destroy; nothing was written: "
        "- deals/jp_old, - deals/jp_lost",
    )


def test_changes_losing_record_values_also_need_allow_data_loss() -> None:
    flags = ApplyFlags(yes=True, allow_destroy=True)
    verdict = policy.apply_plan(plan_of(DESTROY, LOSE, LOSE_UNCOUNTED), flags)
    assert verdict == Verdict(
        "refuse",
        "2 change(s) would lose values that records hold; review the counts in the plan "
        "and pass --allow-data-loss as well (nothing was written): "
        "deals/jp_lost (12 records), contacts/jp_kana (? records)",
    )
    # destructive without record values: --allow-destroy is enough
    assert policy.apply_plan(plan_of(DESTROY), flags) == policy.GO
    assert policy.apply_plan(
        plan_of(LOSE), ApplyFlags(allow_destroy=True, allow_data_loss=True)
    ).message.startswith("no terminal")


def test_confirmation_yes_a_saved_plan_or_the_terminal() -> None:
    p = plan_of(SAFE, SAFE)
    assert policy.apply_plan(p, ApplyFlags(yes=True)) == policy.GO
    assert policy.apply_plan(p, ApplyFlags(saved_plan=True)) == policy.GO
    assert policy.apply_plan(p, ApplyFlags()) == Verdict(
        "refuse",
        "no terminal to confirm on; review the plan and pass --yes (nothing was written)",
    )
    assert policy.apply_plan(p, ApplyFlags(interactive=True)) == Verdict(
        "ask", "cancelled; nothing was written", "Apply 2 changes to portal 4242 (SANDBOX)?"
    )
    one = policy.apply_plan(plan_of(SAFE), ApplyFlags(interactive=True))
    assert one.question == "Apply 1 change to portal 4242 (SANDBOX)?"


CHANGE_SETS = [(), (SAFE,), (DESTROY,), (LOSE,), (BLOCKED,), (SAFE, DESTROY, LOSE, BLOCKED)]


@pytest.mark.parametrize("changes", CHANGE_SETS)
def test_every_flag_combination_follows_the_rules(changes: tuple[Change, ...]) -> None:
    """Exhaustively: the verdict is the first guard that applies, in the documented order."""
    p = plan_of(*changes)
    for yes, destroy, loss, saved, tty in itertools.product([False, True], repeat=5):
        flags = ApplyFlags(
            yes=yes, allow_destroy=destroy, allow_data_loss=loss, saved_plan=saved, interactive=tty
        )
        verdict = policy.apply_plan(p, flags)
        if p.blocked:
            assert verdict.refused and "blocked" in verdict.message
        elif p.destructive and not destroy:
            assert verdict.refused and "--allow-destroy;" in verdict.message
        elif p.data_loss and not loss:
            assert verdict.refused and "--allow-data-loss" in verdict.message
        elif yes or saved:
            assert verdict == policy.GO
        elif not tty:
            assert verdict.refused and verdict.message.startswith("no terminal")
        else:
            assert verdict.action == "ask" and verdict.message == policy.CANCELLED
        # whatever it says, a refusal always tells the user nothing was written
        assert not verdict.refused or "nothing was written" in verdict.message


# -- a fleet apply -------------------------------------------------------------------------


def test_a_fleet_apply_never_asks() -> None:
    assert policy.fleet_apply(3, yes=True) == policy.GO
    assert policy.fleet_apply(3, yes=False) == Verdict(
        "refuse",
        "a fleet apply (3 portals) does not ask on the terminal: review each portal's plan "
        "(hs-japan plan with the same --portal options) and pass --yes (nothing was written)",
    )


# -- migrate up ----------------------------------------------------------------------------


def test_migrate_up_on_production_needs_the_portal_id_first() -> None:
    refused = policy.migrate_up(9, "STANDARD", True, None, yes=True, interactive=True)
    assert refused == Verdict(
        "refuse",
        "portal 9 is a production (STANDARD) account: pass --confirm-portal 9 "
        "(nothing was written)",
    )
    assert policy.migrate_up(9, "STANDARD", True, 8, yes=True, interactive=True).refused
    assert policy.migrate_up(9, "STANDARD", True, 9, yes=True, interactive=False) == policy.GO
    assert policy.migrate_up(9, "STANDARD", False, None, yes=True, interactive=False) == policy.GO


def test_migrate_up_asks_on_a_terminal_and_refuses_without_one() -> None:
    assert policy.migrate_up(9, "SANDBOX", True, None, yes=False, interactive=False) == Verdict(
        "refuse", "no terminal to confirm on; pass --yes"
    )
    assert policy.migrate_up(9, "SANDBOX", True, None, yes=False, interactive=True) == Verdict(
        "ask", "cancelled; nothing was written", "Run them? They move record data"
    )


# -- unlock --------------------------------------------------------------------------------


def test_unlock_never_breaks_a_running_apply_without_force() -> None:
    for yes, tty in itertools.product([False, True], repeat=2):
        verdict = policy.break_lock(running_here=True, force=False, yes=yes, interactive=tty)
        assert verdict.refused
        assert verdict.message.startswith("that apply is still running on this machine;")
    assert policy.break_lock(running_here=True, force=True, yes=True, interactive=False) == (
        policy.GO
    )


def test_unlock_confirms() -> None:
    assert policy.break_lock(False, False, yes=True, interactive=False) == policy.GO
    assert policy.break_lock(False, False, yes=False, interactive=False) == Verdict(
        "refuse", "no terminal to confirm on; pass --yes to break the lock"
    )
    assert policy.break_lock(False, False, yes=False, interactive=True) == Verdict(
        "ask",
        "cancelled; the lock is still held",
        "Break it? Only do this if that apply is not running",
    )


def test_counts_read_naturally() -> None:
    assert policy.count(1, "change") == "1 change"
    assert policy.count(0, "portal") == "0 portals"
    assert policy.count(8, "portal") == "8 portals"
