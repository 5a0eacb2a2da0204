"""Time passes: a portal applied on one day plans no change on any later (or earlier) day
— the day after a holiday, New Year, two years on — and generated workflows follow
their source out of the blueprint. The whole process runs with the clock moved
(time-machine patches the C-level clock, so the SDK's types stay real)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import time_machine

from tests.conftest import CliResult, PortalEnv, lift_limits, on
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]

# days after a holiday or the year-end closing, New Year, the horizon's edge
LATER = [
    "2026-12-28",
    "2027-01-04",
    "2027-01-12",
    "2027-05-06",
    "2027-09-24",
    "2027-12-30",
    "2028-01-04",
    "2028-03-21",
    "2028-05-08",
    "2028-11-24",
]


def at(day: str, cli: Cli, *args: str) -> CliResult:
    with time_machine.travel(dt.datetime.fromisoformat(f"{day}T10:00:00+09:00"), tick=True):
        assert dt.date.today() == dt.date.fromisoformat(day)
        return cli(*args)


def test_applied_once_plans_nothing_on_any_later_day(cli: Cli, portal: PortalEnv) -> None:
    lift_limits(portal)
    bp = str(DEFAULT_BLUEPRINT)
    applied = at("2026-12-27", cli, "apply", bp, *on(portal), "--yes")  # eve of the closing
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    for day in LATER:
        plan = at(day, cli, "plan", bp, *on(portal), "--detailed-exitcode")
        assert plan.exit_code == 0, f"{day}: {plan.stdout}{plan.stderr}"
        assert "holiday calendar" not in plan.stdout  # > 12 months of holidays left


def test_applied_later_plans_nothing_on_an_earlier_day(cli: Cli, portal: PortalEnv) -> None:
    lift_limits(portal)
    bp = str(DEFAULT_BLUEPRINT)
    assert at("2028-05-08", cli, "apply", bp, *on(portal), "--yes").exit_code == 0
    for day in ("2026-11-29", "2027-01-01", "2027-05-06"):
        plan = at(day, cli, "plan", bp, *on(portal), "--detailed-exitcode")
        assert plan.exit_code == 0, f"{day}: {plan.stdout}{plan.stderr}"


def test_a_short_horizon_is_a_note_and_extending_it_one_explained_update(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    lift_limits(portal)
    bp = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp)
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    late = at("2029-02-01", cli, "plan", str(bp), *on(portal), "--detailed-exitcode")
    assert late.exit_code == 0, late.stdout  # a reminder, not a change
    assert "through: 2030" in late.stdout and "holiday calendar" in late.stdout
    follow_up = bp / "follow-up.yaml"
    follow_up.write_text(
        follow_up.read_text(encoding="utf-8").replace("through: 2029", "through: 2030"),
        encoding="utf-8",
    )
    extended = cli("plan", str(bp), *on(portal), "--detailed-exitcode")
    assert extended.exit_code == 2
    # one per rule that skips holidays: follow-up.yaml's 8, the lead cadence and the SLA
    assert extended.stdout.count("extend holiday calendar through 2030") == 10
    assert "10 to update" in extended.stdout and "to create" in extended.stdout


def test_removed_stage_criteria_take_their_workflow_with_them(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    lift_limits(portal)
    bp = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp)
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    pipeline = bp / "pipeline-deals.yaml"
    text = pipeline.read_text(encoding="utf-8")
    assert "criteria_tasks" not in text
    pipeline.write_text(
        text.replace("id: jp_enterprise\n", 'id: jp_enterprise\n    criteria_tasks: "off"\n', 1),
        encoding="utf-8",
    )
    plan = cli("plan", str(bp), *on(portal), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.stdout + plan.stderr
    assert plan.stdout.count("- workflow deals/criteria_jp_enterprise_") == 6
    assert "--allow-destroy" in plan.stdout
    assert cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
