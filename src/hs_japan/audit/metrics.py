"""Audit findings and report metrics from plain deal records (pure).

A deal is ``{"id": str, "properties": {name: str}}`` as HubSpot's CRM search returns it.
Stage times come from HubSpot's stage-calculated properties: the current
``hs_v2_date_entered_<stageId>`` / ``hs_v2_date_exited_<stageId>``, and, per record and
per property, the legacy ``hs_date_entered_<stageId>`` / ``hs_date_exited_<stageId>`` when
the v2 value is empty (docs/audit-report.md, "Stage timestamps").

Everything a person reads is labelled through a :class:`Vocabulary`; findings keep the
internal names for JSON.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hs_japan.audit.data_quality import QualityFinding
from hs_japan.audit.labels import Vocabulary
from hs_japan.audit.stakeholders import (
    StakeholderRow,
    checked_stages,
    missing_roles,
    stakeholder_rows,
)
from hs_japan.blueprint.model import Criteria, PipelineSpec

DAY = 86_400
STAMP_FAMILIES = ("hs_v2_date_{}_{}", "hs_date_{}_{}")  # current first, legacy fallback


def parse_time(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return dt.datetime.fromtimestamp(int(text) / 1000, tz=dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def stamp_names(stage_keys: Iterable[str]) -> list[str]:
    """Every stage-timestamp property to read: v2 and legacy, entered and exited."""
    return [
        family.format(event, key)
        for key in stage_keys
        for family in STAMP_FAMILIES
        for event in ("entered", "exited")
    ]


def stamp(props: dict[str, Any], event: str, stage_key: str) -> dt.datetime | None:
    """When the record entered (``event="entered"``) or exited the stage: the v2 value,
    or the legacy one when the v2 value is empty."""
    for family in STAMP_FAMILIES:
        value = props.get(family.format(event, stage_key))
        if value not in (None, ""):
            return parse_time(value)
    return None


def days_between(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / DAY


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[int(q * 100) - 1]


@dataclass(frozen=True)
class Unmet:
    """One criterion a deal does not meet, in internal names (``test``: empty, set, in,
    equals)."""

    property: str
    test: str
    values: tuple[str, ...] = ()
    current: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "property": self.property,
            "test": self.test,
            "values": list(self.values),
            "current": self.current,
        }

    def describe(self, vocab: Vocabulary) -> str:
        prop = vocab.prop(self.property)
        if self.test in ("empty", "set"):
            return vocab.t(f"unmet.{self.test}", prop=prop)
        text = vocab.t(
            f"unmet.{self.test}", prop=prop, values=vocab.options(self.property, list(self.values))
        )
        if self.current:
            text += vocab.t("unmet.now", value=vocab.option(self.property, self.current))
        return text


@dataclass(frozen=True)
class Finding:
    kind: str  # criteria | stalled | stakeholders
    deal_id: str
    deal_name: str
    owner: str
    stage: str  # the stage's internal key
    stage_label: str
    detail: str  # in the reader's language
    facts: dict[str, Any] = field(default_factory=dict)  # internal names, for JSON

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dealId": self.deal_id,
            "dealName": self.deal_name,
            "owner": self.owner,
            "stage": self.stage,
            "stageLabel": self.stage_label,
            "detail": self.detail,
            **self.facts,
        }


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    open_deals: int = 0
    drift: list[dict[str, Any]] = field(default_factory=list)
    quality: list[QualityFinding] = field(default_factory=list)  # bad values, any record

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)


def unmet(criteria: Criteria | None, props: dict[str, Any]) -> list[Unmet]:
    if criteria is None:
        return []
    out = [Unmet(p, "empty") for p in criteria.required_properties if not props.get(p)]
    empty = {u.property for u in out}
    for cond in criteria.conditions:
        value = str(props.get(cond.property) or "")
        if cond.is_set is not None:
            if bool(value) != cond.is_set:
                out.append(Unmet(cond.property, "empty" if cond.is_set else "set"))
            continue
        if cond.property in empty:
            continue  # already reported empty
        allowed = tuple(cond.in_) if cond.in_ is not None else (str(cond.equals),)
        values = set(value.split(";")) if value else set()
        if not values & set(allowed):
            test = "in" if cond.in_ is not None else "equals"
            out.append(Unmet(cond.property, test, tuple(sorted(allowed)), value))
    seen: dict[tuple[str, str], Unmet] = {}
    for u in out:
        seen.setdefault((u.property, u.test), u)
    return sorted(seen.values(), key=lambda u: (u.property, u.test))


def open_stage_keys(pipeline: PipelineSpec) -> list[str]:
    return [s.key for s in pipeline.stages if not s.absent and s.probability not in (0.0, 1.0)]


def audit(
    deals: list[dict[str, Any]],
    pipeline: PipelineSpec,
    roles_by_deal: dict[str, list[str]],
    owner_names: dict[str, str],
    now: dt.datetime,
    vocab: Vocabulary | None = None,
) -> AuditResult:
    """Criteria not met, time in stage past the expected maximum, missing stakeholders.

    ``roles_by_deal``: deal id → per associated contact, its buying-committee association
    label names, ``;``-joined (:func:`hs_japan.audit.stakeholders.roles_by_deal`). A deal in
    a stage past evaluation (:func:`hs_japan.audit.stakeholders.checked_stages`) without a
    decision maker (決裁者) or a champion (推進者) is one finding naming what is missing."""
    vocab = vocab or Vocabulary(None, pipeline, "ja")
    committee_stages = set(checked_stages(pipeline))
    live = [s for s in pipeline.stages if not s.absent]
    by_key = {s.key: i for i, s in enumerate(live)}
    open_keys = set(open_stage_keys(pipeline))
    result = AuditResult()
    for deal in deals:
        props = deal.get("properties") or {}
        stage_key = str(props.get("dealstage") or "")
        if stage_key not in open_keys:
            continue
        result.open_deals += 1
        stage = live[by_key[stage_key]]
        previous = live[by_key[stage_key] - 1] if by_key[stage_key] > 0 else None
        owner = owner_names.get(str(props.get("hubspot_owner_id") or ""), vocab.t("no_owner"))
        name = str(props.get("dealname") or deal["id"])
        stage_label = vocab.stage(stage_key)

        base = (str(deal["id"]), name, owner, stage_key, stage_label)

        missed = {
            (u.property, u.test): u
            for u in [
                *unmet(stage.entry, props),
                *unmet(previous.exit if previous else None, props),
            ]
        }
        if missed:
            items = [missed[k] for k in sorted(missed)]
            result.findings.append(
                Finding(
                    "criteria",
                    *base,
                    vocab.t("list.sep").join(u.describe(vocab) for u in items),
                    {"unmet": [u.to_json() for u in items]},
                )
            )
        entered = stamp(props, "entered", stage_key)
        if entered is not None and stage.expected_days is not None:
            days = days_between(entered, now)
            low, high = stage.expected_days
            if days > high:
                result.findings.append(
                    Finding(
                        "stalled",
                        *base,
                        vocab.t("stalled.detail", days=int(days), low=low, high=high),
                        {"daysInStage": int(days), "expectedDays": [low, high]},
                    )
                )
        if stage_key not in committee_stages:
            continue
        missing = missing_roles(roles_by_deal.get(str(deal["id"]), []))
        if missing:
            result.findings.append(
                Finding(
                    "stakeholders",
                    *base,
                    vocab.t("list.and").join(
                        vocab.t("stakeholders.none", role=vocab.association_label(role))
                        for role in missing
                    ),
                    {"missingRoles": missing},
                )
            )
    return result


# -- report ---------------------------------------------------------------------------------
@dataclass
class StageStats:
    key: str
    label: str
    entered: int
    advanced: int
    days: list[float]
    expected: tuple[int, int] | None
    weighted: float
    open_amount: float
    open_count: int

    @property
    def conversion(self) -> float | None:
        return self.advanced / self.entered if self.entered else None

    def quantile(self, q: float) -> float | None:
        return quantile(self.days, q)


@dataclass
class Period:
    """A calendar month (``key`` ``2025-04``) or fiscal quarter (``FY2025-Q1``)."""

    key: str
    label: str
    new: int = 0
    meetings: int = 0
    won: int = 0
    lost: int = 0
    won_amount: float = 0.0
    partial: bool = False  # the period is not over yet

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


@dataclass
class OwnerStats:
    owner_id: str
    name: str
    open_count: int = 0
    open_amount: float = 0.0
    weighted: float = 0.0
    won: int = 0
    lost: int = 0
    won_amount: float = 0.0
    cycle_won: list[float] = field(default_factory=list)

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


@dataclass
class Mix:
    key: str  # internal value ("" when not set)
    label: str
    deals: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0


@dataclass
class Report:
    language: str
    pipeline_label: str
    stages: list[StageStats]
    months: list[Period]
    quarters: list[Period]
    fiscal_years: list[Period]
    owners: list[OwnerStats]
    sources: list[Mix]
    ringi_mix: list[Mix]
    budget_mix: list[Mix]
    won: int
    lost: int
    won_amount: float
    cycle_won: list[float]
    cycle_lost: list[float]
    weighted_total: float
    open_amount: float
    open_count: int
    # the buying committee per stage (deal → contact association labels)
    stakeholders: list[StakeholderRow] = field(default_factory=list)

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None

    # the months dicts earlier callers used
    @property
    def new_deals_by_month(self) -> dict[str, int]:
        return {p.key: p.new for p in self.months}

    @property
    def meetings_by_month(self) -> dict[str, int]:
        return {p.key: p.meetings for p in self.months}


def fiscal_year(t: dt.datetime) -> int:
    """Japan's April–March fiscal year, named by the year it starts (2025年度 = FY2025)."""
    return t.year if t.month >= 4 else t.year - 1


def fiscal_quarter(t: dt.datetime) -> tuple[int, int]:
    return fiscal_year(t), (t.month - 4) % 12 // 3 + 1


def _closed(
    props: dict[str, Any], won_keys: list[str], lost_keys: list[str]
) -> tuple[str, dt.datetime] | None:
    """("won"|"lost", when) for a closed deal: the stage it is in, entered when."""
    stage = str(props.get("dealstage") or "")
    for outcome, keys in (("won", won_keys), ("lost", lost_keys)):
        if stage in keys:
            at = stamp(props, "entered", stage)
            if at is not None:
                return outcome, at
    return None


def _mix(
    deals: list[dict[str, Any]],
    value_of: Any,
    label_of: Any,
    outcome_of: Any,
    order: list[str],
) -> list[Mix]:
    rows: dict[str, Mix] = {}
    for d in deals:
        value = value_of(d)
        row = rows.setdefault(value, Mix(value, label_of(value)))
        row.deals += 1
        outcome = outcome_of(d)
        if outcome == "won":
            row.won += 1
        elif outcome == "lost":
            row.lost += 1
        else:
            row.open += 1

    def rank(m: Mix) -> tuple[int, int, str]:
        return (0 if m.key else 1, order.index(m.key) if m.key in order else len(order), m.key)

    return sorted(rows.values(), key=rank)


# meeting outcomes that mean the meeting did not take place (a rescheduled meeting is
# replaced by a new one, which is counted instead)
NOT_HELD = frozenset({"CANCELED", "NO_SHOW", "RESCHEDULED"})
MEETING_PROPERTIES = ["hs_timestamp", "hs_meeting_outcome"]


def report_window(now: dt.datetime) -> dt.datetime:
    """The start of the report's first calendar month (twelve months ending with now's)."""
    index = now.year * 12 + now.month - 1 - 11
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


def held_meeting_time(meeting: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
    """When a meeting engagement took place (``hs_timestamp``), or None when it does not
    count: no time, still in the future, or an outcome in :data:`NOT_HELD`."""
    props = meeting.get("properties") or {}
    at = parse_time(props.get("hs_timestamp"))
    if at is None or at > now:
        return None
    if str(props.get("hs_meeting_outcome") or "").upper() in NOT_HELD:
        return None
    return at


def report(
    deals: list[dict[str, Any]],
    pipeline: PipelineSpec,
    vocab: Vocabulary,
    now: dt.datetime,
    owner_names: dict[str, str] | None = None,
    sources: dict[str, str] | None = None,
    meetings: list[dict[str, Any]] | None = None,
    roles: dict[str, list[str]] | None = None,
) -> Report:
    """Conversion, time in stage, weighted pipeline, win rate and sales cycle, per owner,
    per calendar month and April–March fiscal quarter, lead-source, ringi and budget mix.

    ``sources``: deal id → lead source value (``jp_first_touch`` of the deal's first
    contact). ``meetings``: meeting engagements ``{id, properties, deals: [deal ids]}``;
    a meeting counts in the month of its ``hs_timestamp`` when it is associated with at
    least one of ``deals`` and :func:`held_meeting_time` keeps it (once, however many of
    the pipeline's deals it names). ``roles``: deal id → its contacts' committee labels
    (:func:`hs_japan.audit.stakeholders.roles_by_deal`), for the stakeholders per stage.
    """
    owner_names = owner_names or {}
    sources = sources or {}
    meetings = meetings or []
    live = [s for s in pipeline.stages if not s.absent]
    order = [s.key for s in live]
    won_keys = [s.key for s in live if s.probability == 1.0]
    lost_keys = [s.key for s in live if s.probability == 0.0]
    probability = {s.key: float(s.probability or 0) for s in live}
    stats = []
    for i, stage in enumerate(live):
        if stage.key in won_keys or stage.key in lost_keys:
            continue
        # advancing = entering any later stage except a lost one
        later = [s.key for s in live[i + 1 :] if s.probability != 0.0]
        entered = advanced = 0
        days: list[float] = []
        weighted = open_amount = 0.0
        open_count = 0
        for deal in deals:
            props = deal.get("properties") or {}
            start = stamp(props, "entered", stage.key)
            if start is None:
                continue
            entered += 1
            if any(stamp(props, "entered", k) for k in later):
                advanced += 1
            exited = stamp(props, "exited", stage.key)
            leaves = [
                t
                for k in order
                if k != stage.key and (t := stamp(props, "entered", k)) and t > start
            ]
            end = exited if exited is not None and exited >= start else min(leaves, default=None)
            if end is not None:
                days.append(days_between(start, end))
            if props.get("dealstage") == stage.key:
                amount = float(props.get("amount") or 0)
                open_amount += amount
                open_count += 1
                weighted += amount * probability[stage.key]
        stats.append(
            StageStats(
                stage.key,
                vocab.stage(stage.key),
                entered,
                advanced,
                sorted(days),
                (stage.expected_days[0], stage.expected_days[1]) if stage.expected_days else None,
                weighted,
                open_amount,
                open_count,
            )
        )

    # calendar months: the last twelve, oldest first; fiscal quarters and years over them
    months: dict[str, Period] = {}
    for k in range(11, -1, -1):
        index = now.year * 12 + now.month - 1 - k
        key = f"{index // 12:04d}-{index % 12 + 1:02d}"
        months[key] = Period(key, key, partial=k == 0)
    first_month = dt.datetime(
        int(next(iter(months))[:4]), int(next(iter(months))[5:]), 1, tzinfo=dt.UTC
    )
    quarters: dict[str, Period] = {}
    years: dict[str, Period] = {}
    probe = first_month
    while probe <= now:
        fy, q = fiscal_quarter(probe)
        qkey = f"FY{fy}-Q{q}"
        quarters.setdefault(qkey, Period(qkey, _quarter_label(vocab, fy, q)))
        years.setdefault(f"FY{fy}", Period(f"FY{fy}", _year_label(vocab, fy)))
        probe = (probe + dt.timedelta(days=32)).replace(day=1)
    current_fy, current_q = fiscal_quarter(now)
    quarters[f"FY{current_fy}-Q{current_q}"].partial = True
    years[f"FY{current_fy}"].partial = True

    def buckets(t: dt.datetime) -> list[Period]:
        fy, q = fiscal_quarter(t)
        found = [
            months.get(t.strftime("%Y-%m")),
            quarters.get(f"FY{fy}-Q{q}"),
            years.get(f"FY{fy}"),
        ]
        return [p for p in found if p is not None]

    deal_ids = {str(d.get("id")) for d in deals}
    for meeting in meetings:
        if not deal_ids & {str(i) for i in meeting.get("deals") or []}:
            continue
        held = held_meeting_time(meeting, now)
        if held is not None:
            for p in buckets(held):
                p.meetings += 1
    owners: dict[str, OwnerStats] = {}
    won = lost = 0
    won_amount = 0.0
    cycle_won: list[float] = []
    cycle_lost: list[float] = []
    outcome_by_deal: dict[str, str] = {}
    for deal in deals:
        props = deal.get("properties") or {}
        owner_id = str(props.get("hubspot_owner_id") or "")
        owner = owners.setdefault(
            owner_id, OwnerStats(owner_id, owner_names.get(owner_id) or vocab.t("no_owner"))
        )
        amount = float(props.get("amount") or 0)
        created = parse_time(props.get("createdate"))
        if created is not None:
            for p in buckets(created):
                p.new += 1
        current = str(props.get("dealstage") or "")
        if current in probability and current not in won_keys and current not in lost_keys:
            owner.open_count += 1
            owner.open_amount += amount
            owner.weighted += amount * probability[current]
        closed = _closed(props, won_keys, lost_keys)
        if closed is None:
            continue
        result, at = closed
        outcome_by_deal[str(deal["id"])] = result
        cycle = days_between(created, at) if created is not None else None
        if result == "won":
            won += 1
            won_amount += amount
            owner.won += 1
            owner.won_amount += amount
            if cycle is not None:
                cycle_won.append(cycle)
                owner.cycle_won.append(cycle)
        else:
            lost += 1
            owner.lost += 1
            if cycle is not None:
                cycle_lost.append(cycle)
        for p in buckets(at):
            if result == "won":
                p.won += 1
                p.won_amount += amount
            else:
                p.lost += 1

    open_deals = [
        d
        for d in deals
        if (d.get("properties") or {}).get("dealstage") in probability
        and (d.get("properties") or {}).get("dealstage") not in (*won_keys, *lost_keys)
    ]

    def outcome(d: dict[str, Any]) -> str:
        return outcome_by_deal.get(str(d["id"]), "open")

    def option_order(name: str, obj: str = "deals") -> list[str]:
        spec = vocab.props.get((obj, name))
        return [o.value for o in (spec.options or [])] if spec else []

    def prop_mix(name: str) -> list[Mix]:
        return _mix(
            open_deals,
            lambda d: str((d.get("properties") or {}).get(name) or ""),
            lambda v: vocab.option(name, v),
            outcome,
            option_order(name),
        )

    source_mix = _mix(
        deals,
        lambda d: sources.get(str(d["id"]), ""),
        lambda v: vocab.option("jp_first_touch", v, "contacts"),
        outcome,
        option_order("jp_first_touch", "contacts"),
    )
    return Report(
        language=vocab.language,
        pipeline_label=vocab.pipeline_label(),
        stages=stats,
        months=list(months.values()),
        quarters=list(quarters.values()),
        fiscal_years=list(years.values()),
        owners=sorted(owners.values(), key=lambda o: (-o.weighted - o.won_amount, o.name)),
        sources=source_mix,
        ringi_mix=prop_mix("jp_ringi_status"),
        budget_mix=prop_mix("jp_budget_status"),
        won=won,
        lost=lost,
        won_amount=won_amount,
        cycle_won=sorted(cycle_won),
        cycle_lost=sorted(cycle_lost),
        weighted_total=sum(s.weighted for s in stats),
        open_amount=sum(s.open_amount for s in stats),
        open_count=sum(s.open_count for s in stats),
        stakeholders=stakeholder_rows(deals, pipeline, roles or {}, vocab.stage),
    )


def _quarter_label(vocab: Vocabulary, fy: int, q: int) -> str:
    return f"{fy}年度 Q{q}" if vocab.language == "ja" else f"FY{fy} Q{q}"


def _year_label(vocab: Vocabulary, fy: int) -> str:
    if vocab.language == "ja":
        return f"{fy}年度（{fy}年4月–{fy + 1}年3月）"
    return f"FY{fy} (Apr {fy}–Mar {fy + 1})"


def owner_groups(findings: list[Finding]) -> dict[str, dict[str, list[Finding]]]:
    grouped: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in findings:
        grouped[f.owner][f.stage].append(f)
    return grouped
