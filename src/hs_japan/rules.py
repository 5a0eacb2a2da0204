"""Follow-up rules compiled to HubSpot automation v4 flows, and back (pure).

A rule is one flow (docs/hubspot-api.md §6.3–6.5): ``CONTACT_FLOW`` for contacts, ``PLATFORM_FLOW``
otherwise; a LIST_BASED trigger (a deal entering a stage is an ENUMERATION filter on
``dealstage``; a property taking a value is a filter on that property; a number property
above a value, ``property_greater_than``, a ``NUMBER IS_GREATER_THAN`` filter, e.g. a
contact's first deal: ``num_associated_deals`` > 0); steps chained as
SINGLE_CONNECTION actions with string ids, the last without a ``connection``; business
hours as ``timeWindows`` and the blueprint's holiday calendar as ``blockedDates``: the
annual closings (12/29–1/3) without a year, which HubSpot repeats every year, and
Japanese public holidays (the maintained ``holidays`` library) for the calendar's whole
years. Nothing depends on today's date (docs/time-invariance.md). The flow carries
``customProperties.hsjapan_key = rule_<key>`` so it is found by key, never by name.

References stay symbolic in the blueprint and are resolved per portal when planning:
stage keys (they are the stage ids hs-japan creates), property names (must exist in the
blueprint or the portal) and owner emails (→ HubSpot user ids for notifications). A
reference that does not resolve is a located error naming the rule and the missing thing.

HubSpot's delay action (``0-1``) counts calendar time and has no business-day unit
(docs/hubspot-api.md). ``business_days: N`` is compiled to the calendar days that N
business days span in a week without holidays (N + 2 per whole five), with the rule's
business hours as time windows, so a wait that ends on a weekend, a blocked date or
outside hours runs at the next business window. Holidays *inside* the wait are not
skipped; the plan and the playbook say so (``business_day_note``). [design judgment]
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import importlib.util
import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hs_japan.blueprint.model import (
    HOLIDAY_SPAN_YEARS,
    WORKDAYS,
    BusinessHours,
    DelaySpec,
    FollowUpRuleSpec,
    HolidayCalendarSpec,
    Language,
    StepSpec,
)
from hs_japan.lists import OBJECT_TYPE_IDS
from hs_japan.reserved import MARKER, marker_of

MARKER_PREFIX = "rule_"
# HubSpot-defined association types task → record used by "create task" actions
# [obs: 216 for deals in public scripts; the others from HubSpot's association table;
# leads: guess, unconfirmed (docs/hubspot-api.md §14)]
TASK_ASSOCIATION = {"contacts": 204, "companies": 192, "deals": 216, "tickets": 230, "leads": 646}
# the record property holding the stage, per pipeline object (docs/hubspot-api.md §4.5, §15.5)
STAGE_PROPERTY = {"deals": "dealstage", "leads": "hs_pipeline_stage"}
# HubSpot-defined properties the handoff rules name: every portal has them (HubSpot's default
# contact properties), so a rule may name them before the portal's properties are read
HUBSPOT_DEFINED_TYPES = {
    ("contacts", "lifecyclestage"): "enumeration",
    ("contacts", "hubspot_owner_id"): "enumeration",
    ("contacts", "notes_last_contacted"): "datetime",
    ("contacts", "hs_lead_status"): "enumeration",
    # HubSpot counts a contact's deals itself (read-only, calculated) (docs/hubspot-api.md §15.9)
    ("contacts", "num_associated_deals"): "number",
    ("leads", "hubspot_owner_id"): "enumeration",
    ("leads", "hs_pipeline_stage"): "enumeration",
}


def prop_type_of(ctx: RuleContext, obj: str, name: str) -> str | None:
    """A property's type: the blueprint's or the portal's, else HubSpot's own."""
    return ctx.prop_type(obj, name) or HUBSPOT_DEFINED_TYPES.get((obj, name))


def _known_type(rule: FollowUpRuleSpec, ctx: RuleContext, name: str, field: str) -> str:
    """The type of the rule object's property ``name``, or a located error at ``field``."""
    ptype = prop_type_of(ctx, rule.object, name)
    if ptype is None:
        raise RuleError(field, f"rule '{rule.key}': unknown {rule.object} property '{name}'")
    return ptype


# "rotate record to owner" (docs/hubspot-api.md §15.8) [guess: id and fields unconfirmed]
ROTATE_ACTION = "0-11"
MONTHS = (
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
)
JST = ZoneInfo("Asia/Tokyo")
# JST business hours are converted to the portal's time zone on this fixed day (standard
# time in the northern hemisphere), never on today's date, so the desired windows do not
# move when a portal's time zone changes to or from daylight saving time
REFERENCE_DAY = dt.date(2025, 1, 15)
ALL_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class RuleError(ValueError):
    """A reference in a rule that does not resolve; ``field`` is the YAML path in it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class RuleContext:
    """What a rule needs from the blueprint and the portal to become a flow."""

    language: Language
    stages: dict[str, set[str]]  # deal pipeline id -> stage keys (blueprint and portal)
    prop_type: Callable[[str, str], str | None]  # (object, property) -> HubSpot type
    owner_user_id: Callable[[str], int | None]  # email -> HubSpot user id
    calendar: HolidayCalendarSpec = dataclasses.field(default_factory=HolidayCalendarSpec)
    portal_time_zone: str = "Asia/Tokyo"
    # lead pipeline id -> stage keys (blueprint and portal)
    lead_stages: dict[str, set[str]] = dataclasses.field(default_factory=dict)


def calendar_years(calendar: HolidayCalendarSpec) -> range:
    """The whole years whose national holidays are written (ending with ``through``)."""
    return range(calendar.through - HOLIDAY_SPAN_YEARS + 1, calendar.through + 1)


def blocked_dates(calendar: HolidayCalendarSpec) -> list[dict[str, Any]]:
    """The calendar as HubSpot ``blockedDates``: annual closings without a year (repeated
    every year), then dated holidays of the calendar's years that are not annual closings.
    A pure function of the calendar: the same on every day it is computed."""
    annual = sorted({(int(md[:2]), int(md[3:])) for md in calendar.annual_closings})
    out: list[dict[str, Any]] = [{"dayOfMonth": d, "month": MONTHS[m - 1]} for m, d in annual]
    days: set[dt.date] = set()
    for year in calendar_years(calendar):
        days |= national_holidays(calendar.country, year)
    days |= {dt.date.fromisoformat(extra) for extra in calendar.extra_dates}
    out.extend(
        {"dayOfMonth": d.day, "month": MONTHS[d.month - 1], "year": d.year}
        for d in sorted(days)
        if (d.month, d.day) not in annual
    )
    return out


@functools.cache
def national_holidays(country: str, year: int) -> frozenset[dt.date]:
    """The country's public holidays in ``year`` (the ``holidays`` library; observed days
    included, as ``holidays.country_holidays`` gives them). Computed once per process."""
    return frozenset(holiday_calendar_class(country)(years=year))


@functools.cache
def holiday_calendar_class(country: str) -> Any:
    """The ``holidays`` calendar class of ``country``, imported when a calendar is compiled.

    ``holidays.country_holidays`` (and ``holidays.countries.japan``) import the package
    ``holidays.countries``, which imports every one of the library's ~250 countries:
    150–250 ms of a plan's CPU (issue 14) for the one calendar blueprints use (``country``
    is ``JP``). So the country's own module is loaded from its file, under its own name
    (a later import of ``holidays.countries`` finds it in ``sys.modules`` and reuses it);
    when it is not where holidays 0.109 keeps it, the library's own lookup is used."""
    import holidays

    modules = {"JP": ("holidays.countries.japan", "Japan")}
    module_name, class_name = modules.get(country, ("", ""))
    module = sys.modules.get(module_name) if module_name else None
    if module is None and module_name:
        path = Path(holidays.__file__).parent / "countries" / f"{module_name.rsplit('.')[-1]}.py"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is not None and spec.loader is not None and path.is_file():
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[module_name]
                raise
    found = getattr(module, class_name, None) if module is not None else None
    if found is not None:
        return found
    return lambda years: holidays.country_holidays(country, years=years)


def calendar_from_blocked(blocked: list[Any]) -> dict[str, Any] | None:
    """A holiday calendar back from ``blockedDates`` written by :func:`blocked_dates`
    (for export); None when there are none."""
    if not blocked:
        return None
    annual, years = [], set()
    dated: set[dt.date] = set()
    for b in blocked:
        if not isinstance(b, dict) or b.get("month") not in MONTHS:
            continue
        month = MONTHS.index(str(b["month"])) + 1
        day = int(b.get("dayOfMonth") or 0)
        if b.get("year") is None:
            annual.append(f"{month:02d}-{day:02d}")
        else:
            with contextlib.suppress(ValueError):
                dated.add(dt.date(int(b["year"]), month, day))
                years.add(int(b["year"]))
    calendar: dict[str, Any] = {"key": "jp", "country": "JP"}
    if years:
        calendar["through"] = max(years)
    calendar["annual_closings"] = sorted(annual)
    spec = HolidayCalendarSpec(
        through=int(calendar.get("through", HolidayCalendarSpec().through)),
        annual_closings=sorted(annual),
    )
    known = {
        dt.date(int(b["year"]), MONTHS.index(b["month"]) + 1, int(b["dayOfMonth"]))
        for b in blocked_dates(spec)
        if "year" in b
    }
    extra = sorted(d.isoformat() for d in dated - known)
    if extra:
        calendar["extra_dates"] = extra
    return calendar


def horizon_note(calendar: HolidayCalendarSpec, today: dt.date, where: str) -> str | None:
    """A plan note when fewer than twelve months of holidays remain (display only: the
    desired state itself never depends on ``today``)."""
    end = dt.date(calendar.through, 12, 31)
    if today + dt.timedelta(days=365) <= end:
        return None
    return (
        f"the holiday calendar '{calendar.key}' covers national holidays through "
        f"{calendar.through}-12-31; set holiday_calendars[].through: {calendar.through + 1} "
        f"in {where} and apply (one reviewed update per follow-up workflow: "
        f"'extend holiday calendar through {calendar.through + 1}')"
    )


def time_windows(hours: BusinessHours, portal_tz: str) -> list[dict[str, Any]]:
    """Business hours given in JST, as the portal's wall-clock time windows."""

    def convert(hhmm: str) -> dict[str, int]:
        h, m = (int(x) for x in hhmm.split(":"))
        at = dt.datetime.combine(REFERENCE_DAY, dt.time(h, m), tzinfo=JST)
        local = at.astimezone(ZoneInfo(portal_tz))
        return {"hour": local.hour, "minute": local.minute}

    return [
        {"day": day, "startTime": convert(hours.start), "endTime": convert(hours.end)}
        for day in hours.days
    ]


def business_days_as_calendar_days(days: int) -> int:
    """N business days as the calendar days they span in a week without holidays."""
    return days + 2 * (days // 5)


def business_day_note(days: int, language: Language) -> str:
    """What a business-day wait means in HubSpot, in words for plans and the playbook."""
    calendar_days = business_days_as_calendar_days(days)
    if language == "ja":
        return (
            f"{days}営業日 → HubSpotでは{calendar_days}日(暦日)の待機。終了が休日・営業時間外なら"
            "次の営業時間に実行。待機中の祝日は数えない(祝日を挟むと営業日では短くなる)"
        )
    return (
        f"{days} business day(s) → a {calendar_days}-calendar-day wait in HubSpot; if it ends "
        "on a closed day or outside business hours the step runs at the next business window; "
        "holidays inside the wait are not skipped"
    )


def _delay_fields(delay: DelaySpec) -> tuple[str, str]:
    if delay.minutes is not None:
        return str(delay.minutes), "MINUTES"
    if delay.hours is not None:
        return str(delay.hours), "HOURS"
    assert delay.days is not None
    days = business_days_as_calendar_days(delay.days) if delay.business_days else delay.days
    return str(days), "DAYS"


def _filter(prop: str, values: list[str], ptype: str | None) -> dict[str, Any]:
    if ptype == "enumeration" or ptype is None:
        operation: dict[str, Any] = {
            "operationType": "ENUMERATION",
            "operator": "IS_ANY_OF",
            "values": sorted(values),
        }
    elif ptype == "bool":
        operation = {
            "operationType": "BOOL",
            "operator": "IS_EQUAL_TO",
            "value": values[0] == "true",
        }
    elif len(values) == 1:
        operation = {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": values[0]}
    else:
        operation = {
            "operationType": "MULTISTRING",
            "operator": "IS_EQUAL_TO",
            "values": sorted(values),
        }
    operation["includeObjectsWithNoValueSet"] = False
    return {"filterType": "PROPERTY", "property": prop, "operation": operation}


def _branch(filters: list[dict[str, Any]]) -> dict[str, Any]:
    return _branches([filters])


def _branches(ands: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """An OR of AND branches (the trigger ``qualified``: one branch per combination)."""
    return {
        "filterBranchType": "OR",
        "filterBranchOperator": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranchOperator": "AND",
                "filterBranches": [],
                "filters": filters,
            }
            for filters in ands
        ],
    }


def qualified_branches(rule: FollowUpRuleSpec, ctx: RuleContext) -> list[list[dict[str, Any]]]:
    """ "At least N of these checkbox values ticked" as AND branches, one per combination of
    N values (``CONTAINS_ALL``), each with the rule's ``when`` condition (e.g. the lead
    source): HubSpot's list filters have no count operator (docs/hubspot-api.md §15.9)."""
    q = rule.trigger.qualified
    assert q is not None
    _known_type(rule, ctx, q.property, "trigger.qualified.property")
    when = None
    if q.when is not None:
        wtype = _known_type(rule, ctx, q.when.property, "trigger.qualified.when.property")
        values = list(q.when.in_) if q.when.in_ is not None else [str(q.when.equals)]
        when = _filter(q.when.property, values, wtype)
    out = []
    # in sorted order: the flow does not depend on how the blueprint lists the values
    for combo in itertools.combinations(sorted(q.of), q.at_least):
        ticked = {
            "filterType": "PROPERTY",
            "property": q.property,
            "operation": {
                "operationType": "ENUMERATION",
                "operator": "CONTAINS_ALL",
                "values": sorted(combo),
                "includeObjectsWithNoValueSet": False,
            },
        }
        out.append([ticked, *([when] if when else [])])
    return out


def _number(value: float) -> int | float:
    """A JSON number as written: 0, not 0.0 (the flow compares equal after a read-back)."""
    return int(value) if float(value).is_integer() else value


def greater_than_filter(rule: FollowUpRuleSpec, ctx: RuleContext) -> dict[str, Any]:
    """The trigger ``property_greater_than`` as a ``NUMBER IS_GREATER_THAN`` filter
    (automation-v4.json ``PublicNumberPropertyOperation``: ``value`` is a number)."""
    gt = rule.trigger.property_greater_than
    assert gt is not None
    ptype = _known_type(rule, ctx, gt.property, "trigger.property_greater_than.property")
    if ptype != "number":
        raise RuleError(
            "trigger.property_greater_than.property",
            f"rule '{rule.key}': property_greater_than needs a number property; "
            f"'{gt.property}' is {ptype}",
        )
    return {
        "filterType": "PROPERTY",
        "property": gt.property,
        "operation": {
            "operationType": "NUMBER",
            "operator": "IS_GREATER_THAN",
            "value": _number(gt.value),
            "includeObjectsWithNoValueSet": False,
        },
    }


def _user_ids(
    emails: Sequence[str], field: str, rule: FollowUpRuleSpec, ctx: RuleContext
) -> list[str]:
    """The HubSpot user ids of ``emails`` (owners named in a rule), each one found or a
    located error naming the email."""
    ids = []
    for j, email in enumerate(emails):
        user_id = ctx.owner_user_id(email)
        if user_id is None:
            raise RuleError(
                f"{field}[{j}]",
                f"rule '{rule.key}': no HubSpot user with email {email} in this portal",
            )
        ids.append(str(user_id))
    return ids


def _action(step: StepSpec, index: int, rule: FollowUpRuleSpec, ctx: RuleContext) -> dict[str, Any]:
    where = f"steps[{index}]"
    lang = ctx.language
    if step.delay is not None:
        delta, unit = _delay_fields(step.delay)
        return {"actionTypeId": "0-1", "fields": {"delta": delta, "time_unit": unit}}
    if step.task is not None:
        task = step.task
        fields: dict[str, Any] = {
            "task_type": task.type,
            "subject": task.subject.pick(lang)[:255],
            "body": task.body.pick(lang) if task.body else "",
            "priority": task.priority,
            "associations": [
                {
                    "target": {
                        "associationCategory": "HUBSPOT_DEFINED",
                        "associationTypeId": TASK_ASSOCIATION[rule.object],
                    },
                    "value": {"type": "ENROLLED_OBJECT"},
                }
            ],
            "use_explicit_associations": "true",
            "owner_assignment": {
                "type": "CUSTOM",
                "value": {"type": "OBJECT_PROPERTY", "propertyName": "hubspot_owner_id"},
            },
        }
        if task.due_in is not None:
            delta, unit = _delay_fields(task.due_in)
            # ApiTimeDelay requires daysOfWeek (docs/hubspot-api.md §6.4): business days
            # fall due on weekdays only
            days = WORKDAYS if task.due_in.business_days else ALL_DAYS
            fields["due_time"] = {"delta": delta, "timeUnit": unit, "daysOfWeek": list(days)}
        return {"actionTypeId": "0-3", "fields": fields}
    if step.set_property is not None:
        prop = step.set_property.property
        _known_type(rule, ctx, prop, f"{where}.set_property.property")
        return {
            "actionTypeId": "0-5",
            "fields": {
                "property_name": prop,
                "value": {"type": "STATIC_VALUE", "staticValue": step.set_property.value},
            },
        }
    if step.rotate_owner is not None:
        owners = step.rotate_owner.owners
        return {
            "actionTypeId": ROTATE_ACTION,
            "fields": {
                "user_ids": _user_ids(owners, f"{where}.rotate_owner.owners", rule, ctx),
                "target_property": "hubspot_owner_id",
                "overwrite_current_owner": "true" if step.rotate_owner.overwrite else "false",
            },
        }
    assert step.notify is not None
    return {
        "actionTypeId": "0-9",
        "fields": {
            "user_ids": _user_ids(step.notify.users, f"{where}.notify.users", rule, ctx),
            "delivery_method": "APP",
            "subject": step.notify.subject.pick(lang)[:255],
            "body": step.notify.body.pick(lang) if step.notify.body else "",
        },
    }


def compile_rule(rule: FollowUpRuleSpec, ctx: RuleContext) -> dict[str, Any]:
    """The v4 flow for ``rule``; raises :class:`RuleError` for an unresolved reference."""
    trigger = rule.trigger
    branches: list[list[dict[str, Any]]] | None = None
    if trigger.stage_entered is not None:
        ref = trigger.stage_entered
        if rule.object not in STAGE_PROPERTY:
            raise RuleError(
                "trigger.stage_entered",
                f"rule '{rule.key}': stage_entered is for deal and lead rules "
                "(object: deals or leads)",
            )
        stages = ctx.stages if rule.object == "deals" else ctx.lead_stages
        singular = "deal" if rule.object == "deals" else "lead"
        if ref.pipeline not in stages:
            raise RuleError(
                "trigger.stage_entered.pipeline",
                f"rule '{rule.key}': no {singular} pipeline '{ref.pipeline}'",
            )
        if ref.stage not in stages[ref.pipeline]:
            raise RuleError(
                "trigger.stage_entered.stage",
                f"rule '{rule.key}': no stage '{ref.stage}' in pipeline '{ref.pipeline}'",
            )
        enrol = _filter(STAGE_PROPERTY[rule.object], [ref.stage], "enumeration")
    elif trigger.qualified is not None:
        branches = qualified_branches(rule, ctx)
        enrol = {}
    elif trigger.property_greater_than is not None:
        enrol = greater_than_filter(rule, ctx)
    else:
        cond = trigger.property_equals
        assert cond is not None
        ptype = _known_type(rule, ctx, cond.property, "trigger.property_equals.property")
        values = list(cond.in_) if cond.in_ is not None else [str(cond.equals)]
        enrol = _filter(cond.property, values, ptype)
    unset = []
    for j, name in enumerate(trigger.unset):
        _known_type(rule, ctx, name, f"trigger.unset[{j}]")
        unset.append(
            {
                "filterType": "PROPERTY",
                "property": name,
                "operation": {
                    "operationType": "ALL_PROPERTY",
                    "operator": "IS_UNKNOWN",
                    # required by the v4 schema (PublicAllPropertyTypesOperation)
                    "includeObjectsWithNoValueSet": True,
                },
            }
        )
    branches = [[enrol, *unset]] if branches is None else [[*b, *unset] for b in branches]
    actions = []
    for i, step in enumerate(rule.steps):
        body = _action(step, i, rule, ctx)
        action: dict[str, Any] = {
            "type": "SINGLE_CONNECTION",
            "actionId": str(i + 1),
            "actionTypeVersion": 0,
            **body,
        }
        if i + 1 < len(rule.steps):
            action["connection"] = {"edgeType": "STANDARD", "nextActionId": str(i + 2)}
        actions.append(action)
    hours = rule.business_hours
    if hours is None and any(s.delay and s.delay.business_days for s in rule.steps):
        hours = BusinessHours(days=list(WORKDAYS))  # business days need business hours
    flow: dict[str, Any] = {
        "type": "CONTACT_FLOW" if rule.object == "contacts" else "PLATFORM_FLOW",
        "objectTypeId": OBJECT_TYPE_IDS[rule.object],
        "flowType": "WORKFLOW",
        "name": f"[hs-japan] {rule.name.pick(ctx.language)}"[:255],
        "description": f"Generated by hs-japan from follow-up rule {rule.key}; edit the "
        "blueprint, not this workflow.",
        "isEnabled": rule.enabled,
        "startActionId": "1",
        "actions": actions,
        "enrollmentCriteria": {
            "type": "LIST_BASED",
            "shouldReEnroll": rule.re_enroll,
            "unEnrollObjectsNotMeetingCriteria": rule.unenroll_when_unmet,
            "listFilterBranch": _branch([enrol]) if branches is None else _branches(branches),
            "reEnrollmentTriggersFilterBranches": [],
        },
        "timeWindows": time_windows(hours, ctx.portal_time_zone) if hours else [],
        "blockedDates": blocked_dates(ctx.calendar) if rule.skip_holidays else [],
        "customProperties": {MARKER: MARKER_PREFIX + rule.key},
        "dataSources": [],
    }
    if rule.object == "contacts":
        flow["canEnrollFromSalesforce"] = False
        flow["suppressionListIds"] = []
    return flow


class DecompileError(ValueError):
    """A flow that cannot be expressed as a follow-up rule (reported, never guessed)."""


def decompile_flow(
    flow: dict[str, Any],
    owner_email: Callable[[int], str | None],
    pipeline_of_stage: Callable[[str], str | None],
    portal_time_zone: str = "Asia/Tokyo",
    lead_pipeline_of_stage: Callable[[str], str | None] = lambda _stage: None,
) -> dict[str, Any]:
    """A flow made by hs-japan back into blueprint rule syntax (plain data, for export).
    ``pipeline_of_stage`` finds a deal stage's pipeline, ``lead_pipeline_of_stage`` a lead
    stage's (stage ids are unique per object type only).

    ``business_days`` is not recovered: with business hours it compiles to the same flow
    as plain days, so the exported rule plans no change."""
    marker = marker_of(flow) or ""
    if not marker.startswith(MARKER_PREFIX):
        raise DecompileError("not a follow-up rule made by hs-japan (no rule_ marker)")
    objects = {v: k for k, v in OBJECT_TYPE_IDS.items()}
    obj = objects.get(str(flow.get("objectTypeId")))
    if obj is None:
        raise DecompileError(f"object type {flow.get('objectTypeId')} is not supported")
    criteria = flow.get("enrollmentCriteria") or {}
    if criteria.get("type") != "LIST_BASED":
        raise DecompileError(f"enrollment type {criteria.get('type')} is not supported")
    branches = (criteria.get("listFilterBranch") or {}).get("filterBranches") or []
    qualified = _qualified_back(branches) if len(branches) > 1 else None
    if qualified is not None:  # the trigger "qualified": one branch per combination
        branches = [{"filters": [{}, *qualified[1]]}]
    unset = (
        [
            str(x.get("property"))
            for x in (branches[0].get("filters") or [])[1:]
            if (x.get("operation") or {}).get("operator") == "IS_UNKNOWN"
        ]
        if len(branches) == 1
        else []
    )
    if len(branches) != 1 or len(branches[0].get("filters") or []) != 1 + len(unset):
        raise DecompileError("the trigger has more than one condition")
    f = branches[0]["filters"][0]
    op = f.get("operation") or {}
    raw: list[Any] = list(op.get("values") or []) if "values" in op else [op.get("value")]
    values = ["true" if v is True else "false" if v is False else str(v) for v in raw]
    if op.get("operationType") == "NUMBER":
        if op.get("operator") != "IS_GREATER_THAN" or not isinstance(op.get("value"), int | float):
            raise DecompileError(
                f"the number trigger {op.get('operator')} is not a follow-up rule trigger"
            )
        trigger: dict[str, Any] = {
            "property_greater_than": {"property": f.get("property"), "value": op["value"]}
        }
    elif obj in STAGE_PROPERTY and f.get("property") == STAGE_PROPERTY[obj]:
        pipeline = (pipeline_of_stage if obj == "deals" else lead_pipeline_of_stage)(values[0])
        if pipeline is None:
            raise DecompileError(f"stage {values[0]} is in no pipeline of this portal")
        trigger = {"stage_entered": {"pipeline": pipeline, "stage": values[0]}}
    else:
        trigger = {"property_equals": {"property": f.get("property"), "in": values}}
    if qualified is not None:
        trigger = {"qualified": qualified[0]}
    if unset:
        trigger["unset"] = unset
    steps: list[dict[str, Any]] = []
    by_id = {str(a.get("actionId")): a for a in flow.get("actions") or []}
    current: str | None = str(flow.get("startActionId"))
    seen: set[str] = set()
    while current:
        if current in seen or current not in by_id:
            raise DecompileError(f"the action graph is not a simple chain (at {current})")
        seen.add(current)
        action = by_id[current]
        if action.get("type") != "SINGLE_CONNECTION":
            raise DecompileError(f"action {current} is a {action.get('type')}")
        fields = action.get("fields") or {}
        kind = str(action.get("actionTypeId"))
        if kind == "0-1":
            unit = {"MINUTES": "minutes", "HOURS": "hours", "DAYS": "days"}.get(
                str(fields.get("time_unit"))
            )
            if unit is None:
                raise DecompileError(f"delay unit {fields.get('time_unit')} is not supported")
            steps.append({"delay": {unit: int(fields.get("delta", 0))}})
        elif kind == "0-3":
            task: dict[str, Any] = {
                "type": fields.get("task_type", "TODO"),
                "subject": fields.get("subject", ""),
                "priority": fields.get("priority", "MEDIUM"),
            }
            if fields.get("body"):
                task["body"] = fields["body"]
            due = fields.get("due_time")
            if isinstance(due, dict):
                unit = {"MINUTES": "minutes", "HOURS": "hours", "DAYS": "days"}[due["timeUnit"]]
                task["due_in"] = _due_back(unit, int(due["delta"]), due.get("daysOfWeek"))
            steps.append({"task": task})
        elif kind == "0-5":
            value = fields.get("value") or {}
            steps.append(
                {
                    "set_property": {
                        "property": fields.get("property_name"),
                        "value": value.get("staticValue"),
                    }
                }
            )
        elif kind == ROTATE_ACTION:
            rotate_emails = []
            for uid in fields.get("user_ids") or []:
                email = owner_email(int(uid))
                if email is None:
                    raise DecompileError(f"user {uid} has no owner email to refer to")
                rotate_emails.append(email)
            rotate: dict[str, Any] = {"owners": rotate_emails}
            if str(fields.get("overwrite_current_owner")) == "true":
                rotate["overwrite"] = True
            steps.append({"rotate_owner": rotate})
        elif kind == "0-9":
            emails = []
            for uid in fields.get("user_ids") or []:
                email = owner_email(int(uid))
                if email is None:
                    raise DecompileError(f"user {uid} has no owner email to refer to")
                emails.append(email)
            notify: dict[str, Any] = {"users": emails, "subject": fields.get("subject", "")}
            if fields.get("body"):
                notify["body"] = fields["body"]
            steps.append({"notify": notify})
        else:
            raise DecompileError(f"action type {kind} is not a follow-up rule step")
        current = (action.get("connection") or {}).get("nextActionId") or None
        current = str(current) if current else None
    if len(seen) != len(by_id):
        raise DecompileError("some actions are not reachable from the start")
    name = str(flow.get("name", ""))
    hours = _hours_back(flow.get("timeWindows") or [], portal_time_zone)
    rule: dict[str, Any] = {
        "key": marker[len(MARKER_PREFIX) :],
        "name": name.removeprefix("[hs-japan] "),
        "object": obj,
        "enabled": bool(flow.get("isEnabled")),
        "trigger": trigger,
        "steps": steps,
        "skip_holidays": bool(flow.get("blockedDates")),
        "re_enroll": bool(criteria.get("shouldReEnroll")),
        "unenroll_when_unmet": bool(criteria.get("unEnrollObjectsNotMeetingCriteria")),
    }
    if hours is not None:
        rule["business_hours"] = hours
    return rule


def _qualified_back(
    branches: list[dict[str, Any]],
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The trigger ``qualified`` back from its branches (one per combination of ticked
    values, each with the same other filters): the trigger, with ``when`` from the first
    other filter, and the filters left (``unset``); None when the branches are not such a
    set."""
    firsts, rests = [], []
    for b in branches:
        filters = b.get("filters") or []
        if not filters:
            return None
        op = filters[0].get("operation") or {}
        if op.get("operator") != "CONTAINS_ALL":
            return None
        firsts.append((str(filters[0].get("property")), tuple(op.get("values") or [])))
        rests.append(filters[1:])
    prop = firsts[0][0]
    size = len(firsts[0][1])
    values = sorted({v for _, combo in firsts for v in combo})
    if (
        any(p != prop or len(c) != size for p, c in firsts)
        or any(r != rests[0] for r in rests)
        or {tuple(sorted(c)) for _, c in firsts} != set(itertools.combinations(values, size))
    ):
        return None
    qualified: dict[str, Any] = {"property": prop, "of": values, "at_least": size}
    rest = list(rests[0])
    if rest and (rest[0].get("operation") or {}).get("operator") != "IS_UNKNOWN":
        when = rest.pop(0)
        op = when.get("operation") or {}
        raw = list(op.get("values") or []) if "values" in op else [op.get("value")]
        qualified["when"] = {"property": when.get("property"), "in": [str(v) for v in raw]}
    return qualified, rest


def _due_back(unit: str, delta: int, days: Any) -> dict[str, Any]:
    """A task's due time back as ``due_in`` (business days when due on weekdays only)."""
    if unit == "days" and list(days or []) == list(WORKDAYS):
        for n in range(1, delta + 1):
            if business_days_as_calendar_days(n) == delta:
                return {"days": n, "business_days": True}
    return {unit: delta}


def _hours_back(windows: list[Any], portal_tz: str) -> dict[str, Any] | None:
    """Uniform time windows in the portal's time zone, as JST business hours."""
    if not windows:
        return None
    spans = {
        (
            int((w.get("startTime") or {}).get("hour", 0)),
            int((w.get("startTime") or {}).get("minute", 0)),
            int((w.get("endTime") or {}).get("hour", 0)),
            int((w.get("endTime") or {}).get("minute", 0)),
        )
        for w in windows
    }
    if len(spans) != 1:
        raise DecompileError("the time windows differ between days")
    sh, sm, eh, em = spans.pop()

    def jst(hour: int, minute: int) -> str:
        at = dt.datetime.combine(REFERENCE_DAY, dt.time(hour, minute), tzinfo=ZoneInfo(portal_tz))
        local = at.astimezone(JST)
        return f"{local.hour:02d}:{local.minute:02d}"

    return {"days": [w["day"] for w in windows], "start": jst(sh, sm), "end": jst(eh, em)}
