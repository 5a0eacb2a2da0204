"""The desired state is a function of the blueprint and the portal only: compiled on any
two days (hypothesis picks them across three years), the Japan blueprint's workflows are
identical; the holiday calendar is whole years and year-less annual closings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import holidays
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from hs_japan import flowdiff
from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.compile import compile_blueprint
from hs_japan.blueprint.model import Blueprint, HolidayCalendarSpec
from hs_japan.engine import horizon_notes
from hs_japan.kinds import Facts, Read, Resolution, handler_for
from hs_japan.kinds.workflows import OWNERS
from hs_japan.resources import Kind, PortalInfo, PortalState, Snapshot
from hs_japan.rules import (
    blocked_dates,
    business_days_as_calendar_days,
    calendar_from_blocked,
    calendar_years,
)
from tests.helpers import DEFAULT_BLUEPRINT

BP = load_blueprint(DEFAULT_BLUEPRINT)
DAYS = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31))


def desired_workflows(bp: Blueprint, time_zone: str = "Asia/Tokyo") -> dict[str, Any]:
    desired = compile_blueprint(bp, "ja")
    info = PortalInfo(1, "STANDARD", time_zone=time_zone)
    owners = [{"email": "owner@example.com", "userId": 1}]
    res = Resolution(
        bp, "ja", Facts(info, {Read(OWNERS): owners}), desired, PortalState(info, Snapshot())
    )
    handler_for(Kind.WORKFLOW).compile(res)
    assert not res.problems
    return {r.key: r.attrs for r in desired.snapshot.of_kind(Kind.WORKFLOW)}


BASELINE = desired_workflows(BP)


@settings(max_examples=25, deadline=None)
@given(DAYS, st.sampled_from(["Asia/Tokyo", "America/New_York", "Europe/Berlin"]))
def test_the_compiled_workflows_do_not_depend_on_the_day(day: dt.date, tz: str) -> None:
    with freeze_time(day):
        assert dt.date.today() == day  # the clock really is moved
        compiled = desired_workflows(BP, tz)
    assert compiled == desired_workflows(BP, tz)  # the same as on the real day
    if tz == "Asia/Tokyo":
        assert compiled == BASELINE


@settings(max_examples=40, deadline=None)
@given(DAYS, DAYS)
def test_a_day_never_changes_blocked_dates(day_a: dt.date, day_b: dt.date) -> None:
    cal = BP.holiday_calendar
    with freeze_time(day_a):
        a = blocked_dates(cal)
    with freeze_time(day_b):
        b = blocked_dates(cal)
    assert a == b


def test_every_national_holiday_of_the_calendar_years_is_blocked() -> None:
    cal = HolidayCalendarSpec(through=2029)
    blocked = blocked_dates(cal)
    dated = {
        dt.date(d["year"], _month(d["month"]), d["dayOfMonth"]) for d in blocked if "year" in d
    }
    annual = {(_month(d["month"]), d["dayOfMonth"]) for d in blocked if "year" not in d}
    assert annual == {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
    for year in calendar_years(cal):
        for day in holidays.country_holidays("JP", years=year):
            assert day in dated or (day.month, day.day) in annual, day
    assert list(calendar_years(cal)) == [2027, 2028, 2029]
    assert min(d.year for d in dated) == 2027 and max(d.year for d in dated) == 2029


def test_the_calendar_round_trips_through_blocked_dates() -> None:
    cal = HolidayCalendarSpec(through=2030, extra_dates=["2029-04-10"])
    back = calendar_from_blocked(blocked_dates(cal))
    assert back is not None
    assert back["through"] == 2030 and back["extra_dates"] == ["2029-04-10"]
    assert blocked_dates(HolidayCalendarSpec.model_validate(back)) == blocked_dates(cal)


def test_the_horizon_is_a_note_twelve_months_ahead_never_a_change() -> None:
    assert horizon_notes(BP, dt.date(2028, 12, 31)) == []
    notes = horizon_notes(BP, dt.date(2029, 1, 2))
    assert len(notes) == 1 and "through: 2030" in notes[0] and "follow-up.yaml" in notes[0]
    with freeze_time("2029-06-01"):
        assert desired_workflows(BP) == BASELINE  # the note changes nothing


def test_business_days_compile_to_the_calendar_days_they_span() -> None:
    assert [business_days_as_calendar_days(n) for n in (1, 4, 5, 7, 10)] == [1, 4, 7, 9, 14]
    flows = BASELINE
    evaluation = flows["deals/rule_jp_stalled_evaluation_check"]
    delay = evaluation["actions"][0]
    assert delay["actionTypeId"] == "0-1"
    assert delay["fields"] == {"delta": "9", "time_unit": "DAYS"}  # 7 business days
    assert evaluation["enrollmentCriteria"]["unEnrollObjectsNotMeetingCriteria"] is True


def test_a_changed_calendar_is_described_in_words() -> None:
    old = blocked_dates(HolidayCalendarSpec(through=2029))
    new = blocked_dates(HolidayCalendarSpec(through=2030))
    line = flowdiff.describe_blocked(old, new)
    assert line.startswith("blockedDates: extend holiday calendar through 2030")
    assert "2027–2029 → 2028–2030" in line


def _month(name: str) -> int:
    from hs_japan.rules import MONTHS

    return MONTHS.index(name) + 1
