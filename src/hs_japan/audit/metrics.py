"""Audit findings and report metrics from plain deal records (pure).

A deal is ``{"id": str, "properties": {name: str}}`` as HubSpot's CRM search returns it;
time in stage comes from HubSpot's ``hs_date_entered_<stageId>`` stamps.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hs_japan.blueprint.model import Criteria, PipelineSpec

DAY = 86_400


def parse_time(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return dt.datetime.fromtimestamp(int(text) / 1000, tz=dt.UTC)
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def days_between(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / DAY


@dataclass(frozen=True)
class Finding:
    kind: str  # criteria | stalled | stakeholders
    deal_id: str
    deal_name: str
    owner: str
    stage: str
    detail: str


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    open_deals: int = 0
    drift: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)


def _unmet(criteria: Criteria | None, props: dict[str, Any]) -> list[str]:
    if criteria is None:
        return []
    out = [p for p in criteria.required_properties if not props.get(p)]
    for cond in criteria.conditions:
        value = props.get(cond.property) or ""
        if cond.is_set is not None:
            if bool(value) != cond.is_set:
                out.append(f"{cond.property} {'empty' if cond.is_set else 'set'}")
        else:
            allowed = set(cond.in_) if cond.in_ is not None else {str(cond.equals)}
            values = set(str(value).split(";")) if value else set()
            if not values & allowed:
                out.append(f"{cond.property} not in {sorted(allowed)}")
    return sorted(set(out))


def open_stage_keys(pipeline: PipelineSpec) -> list[str]:
    return [s.key for s in pipeline.stages if not s.absent and s.probability not in (0.0, 1.0)]


def audit(
    deals: list[dict[str, Any]],
    pipeline: PipelineSpec,
    roles_by_deal: dict[str, list[str]],
    owner_names: dict[str, str],
    now: dt.datetime,
) -> AuditResult:
    """Criteria not met, time in stage past the expected maximum, missing stakeholders."""
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
        owner = owner_names.get(str(props.get("hubspot_owner_id") or ""), "(no owner)")
        name = str(props.get("dealname") or deal["id"])
        unmet = sorted(
            set(_unmet(stage.entry, props))
            | set(_unmet(previous.exit if previous else None, props))
        )
        if unmet:
            result.findings.append(
                Finding("criteria", str(deal["id"]), name, owner, stage_key, ", ".join(unmet))
            )
        entered = parse_time(props.get(f"hs_date_entered_{stage_key}"))
        if entered is not None and stage.expected_days is not None:
            days = days_between(entered, now)
            if days > stage.expected_days[1]:
                result.findings.append(
                    Finding(
                        "stalled",
                        str(deal["id"]),
                        name,
                        owner,
                        stage_key,
                        f"{int(days)} days in stage (expected {stage.expected_days[0]}–"
                        f"{stage.expected_days[1]})",
                    )
                )
        roles = {r for role in roles_by_deal.get(str(deal["id"]), []) for r in role.split(";")}
        missing = [
            label
            for role, label in (("approver", "decision-maker"), ("champion", "champion"))
            if role not in roles
        ]
        if missing:
            result.findings.append(
                Finding(
                    "stakeholders",
                    str(deal["id"]),
                    name,
                    owner,
                    stage_key,
                    "no " + " and no ".join(missing),
                )
            )
    return result


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
        if not self.days:
            return None
        if len(self.days) == 1:
            return self.days[0]
        return statistics.quantiles(self.days, n=100, method="inclusive")[int(q * 100) - 1]


@dataclass
class Report:
    stages: list[StageStats]
    new_deals_by_month: dict[str, int]
    meetings_by_month: dict[str, int]
    ringi_mix: dict[str, int]
    budget_mix: dict[str, int]
    weighted_total: float


def report(
    deals: list[dict[str, Any]], pipeline: PipelineSpec, language: str, now: dt.datetime
) -> Report:
    live = [s for s in pipeline.stages if not s.absent]
    order = [s.key for s in live]
    won_lost = {s.key for s in live if s.probability in (0.0, 1.0)}
    stats = []
    for i, stage in enumerate(live):
        if stage.key in won_lost:
            continue
        # advancing = entering any later stage except a lost one
        later = [s.key for s in live[i + 1 :] if s.probability != 0.0]
        entered = advanced = 0
        days: list[float] = []
        weighted = open_amount = 0.0
        open_count = 0
        for deal in deals:
            props = deal.get("properties") or {}
            start = parse_time(props.get(f"hs_date_entered_{stage.key}"))
            if start is None:
                continue
            entered += 1
            nexts = [t for k in later if (t := parse_time(props.get(f"hs_date_entered_{k}")))]
            if nexts:
                advanced += 1
            leaves = [
                t
                for k in order
                if k != stage.key
                and (t := parse_time(props.get(f"hs_date_entered_{k}")))
                and t > start
            ]
            if leaves:
                days.append(days_between(start, min(leaves)))
            if props.get("dealstage") == stage.key:
                amount = float(props.get("amount") or 0)
                open_amount += amount
                open_count += 1
                weighted += amount * float(stage.probability or 0)
        label = stage.label.pick(language) if stage.label else stage.key  # type: ignore[arg-type]
        stats.append(
            StageStats(
                stage.key,
                label,
                entered,
                advanced,
                sorted(days),
                tuple(stage.expected_days) if stage.expected_days else None,  # type: ignore[arg-type]
                weighted,
                open_amount,
                open_count,
            )
        )
    months = []
    for k in range(11, -1, -1):  # the last twelve calendar months, oldest first
        index = now.year * 12 + now.month - 1 - k
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    new_by_month = Counter(
        t.strftime("%Y-%m")
        for d in deals
        if (t := parse_time((d.get("properties") or {}).get("createdate")))
    )
    first = order[0] if order else ""
    meetings = Counter(
        t.strftime("%Y-%m")
        for d in deals
        if (t := parse_time((d.get("properties") or {}).get(f"hs_date_entered_{first}")))
    )
    open_deals = [d for d in deals if (d.get("properties") or {}).get("dealstage") not in won_lost]
    ringi = Counter(
        str((d.get("properties") or {}).get("jp_ringi_status") or "(none)") for d in open_deals
    )
    budget = Counter(
        str((d.get("properties") or {}).get("jp_budget_status") or "(none)") for d in open_deals
    )
    return Report(
        stages=stats,
        new_deals_by_month={m: new_by_month.get(m, 0) for m in months},
        meetings_by_month={m: meetings.get(m, 0) for m in months},
        ringi_mix=dict(sorted(ringi.items())),
        budget_mix=dict(sorted(budget.items())),
        weighted_total=sum(s.weighted for s in stats),
    )
