"""Eighteen realistic months of Japan enterprise deals, deterministic from a seed (pure).

Deals start over the last 540 days (a Japan enterprise cycle is 6–12 months, so a year
of starts would show almost no wins) in the first stage of the pipeline and move forward
with a time in each stage drawn around the blueprint's ``expected_days`` (some beyond
the maximum: stalled), some are lost on the way (10 % per stage), those that reach the
last open stage are won. Deal properties follow the stage (ringi status once the formal
quote is out, budget status from discovery on) except for a share of deals that skip
criteria on purpose; each deal gets one to three contacts with buying roles (the first
with a lead source, ``jp_first_touch``, for nine deals in ten), some deals without a
champion or a decision-maker. The audit and report tests compare their numbers
with values computed straight from this data.

Meetings (HubSpot meeting engagements, drawn from their own random stream so the deals do
not change): a first meeting (初回面談) on the day the deal entered the first stage, then a
meeting around each later open stage it entered (three in four) and, now and then, a second
one during a long stay; each on a weekday in Japan business hours (10:00–16:30 JST, 30 or 60
minutes). Past meetings are COMPLETED except for a few NO_SHOW, CANCELED and RESCHEDULED
ones (a rescheduled meeting is followed by its replacement a few days later); an open deal
may have its next meeting booked in the future (SCHEDULED). A few meetings concern a
contact and no deal (an information exchange). Each meeting names its deal (or none) and
the deal's contacts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from hs_japan.blueprint.model import PipelineSpec


@dataclass
class SeedData:
    owners: list[dict[str, str]]
    deals: list[dict[str, Any]]  # {"properties": {...}, "contacts": [index, ...]}
    contacts: list[dict[str, Any]]  # {"properties": {...}}
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # {"properties": {...}}; each deal names one ("company": index), its contacts work there
    companies: list[dict[str, Any]] = field(default_factory=list)
    # {"properties": {...}, "deal": index | None, "contacts": [index, ...], "_owner": str}
    meetings: list[dict[str, Any]] = field(default_factory=list)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


OWNERS = [
    {"email": "sato@example.jp", "firstName": "Hanako", "lastName": "Sato"},
    {"email": "suzuki@example.jp", "firstName": "Taro", "lastName": "Suzuki"},
    {"email": "tanaka@example.jp", "firstName": "Yui", "lastName": "Tanaka"},
]
FIRST_TOUCH = ["seminar", "referral", "trade_show", "shiryo_seikyu", "demo_request", "outbound"]
ROLE_SETS = [["champion"], ["approver"], ["user"], ["budget_holder"], ["purchaser"]]


def generate(pipeline: PipelineSpec, deals: int, seed: int, now: dt.datetime) -> SeedData:
    rng = random.Random(seed)
    touch_rng = random.Random(seed * 7919 + 1)  # lead sources, apart from the deal stream
    live = [s for s in pipeline.stages if not s.absent]
    open_stages = [s for s in live if s.probability not in (0.0, 1.0)]
    won = next(s for s in live if s.probability == 1.0)
    lost = next(s for s in live if s.probability == 0.0)
    data = SeedData(owners=[dict(o) for o in OWNERS], deals=[], contacts=[], now=now)
    for n in range(deals):
        created = now - dt.timedelta(days=rng.uniform(0, 540), hours=rng.uniform(0, 23))
        props: dict[str, str] = {
            "dealname": f"案件 {n + 1:04d}",
            "pipeline": pipeline.id,
            "amount": str(rng.randrange(1_000_000, 30_000_000, 100_000)),
            "createdate": _iso(created),
            "_owner": str(n % len(OWNERS)),
        }
        at = created
        current = open_stages[0]
        props[f"hs_date_entered_{current.key}"] = _iso(at)
        for i, stage in enumerate(open_stages):
            current = stage
            low, high = stage.expected_days or [7, 28]
            stay = rng.uniform(low, high * 1.2)
            leave = at + dt.timedelta(days=stay)
            if leave > now:
                break  # still here
            at = leave
            if rng.random() < 0.10:
                current = lost
            elif i + 1 < len(open_stages):
                current = open_stages[i + 1]
            else:
                current = won
            props[f"hs_date_entered_{current.key}"] = _iso(at)
            if current in (won, lost):
                break
        props["dealstage"] = current.key
        reached = {s.key for s in live if f"hs_date_entered_{s.key}" in props}
        skip = rng.random() < 0.2  # a deal whose rep skipped the criteria
        if reached - {open_stages[0].key} and not skip:
            props["jp_target_fy"] = f"FY{now.year + rng.choice([0, 1])}"
        if {"jp_discovery", "jp_rough_quote"} & reached and not skip:
            props["jp_budget_status"] = rng.choice(["this_fy", "reallocated", "next_fy_requested"])
            props["jp_approval_level"] = rng.choice(["bucho", "honbucho", "yakuin"])
        elif rng.random() < 0.3:
            props["jp_budget_status"] = rng.choice(["next_fy_planned", "none"])
        if {"jp_rough_quote", "jp_evaluation"} & reached and not skip:
            props["jp_champion_named"] = "true"
            props["jp_trust_assets"] = "company_profile;case_study"
        if {"jp_ringi", "jp_vendor_registration", won.key} & reached and not skip:
            props["jp_ringi_status"] = (
                "approved" if {"jp_vendor_registration", won.key} & reached else "circulating"
            )
        elif "jp_formal_quote" in reached and not skip:
            props["jp_ringi_status"] = "supporting"
        contact_ids = []
        roles = list(ROLE_SETS)
        rng.shuffle(roles)
        for k, role in enumerate(roles[: rng.randint(1, 3)]):
            contact = {
                "firstname": f"担当{len(data.contacts)}",
                "lastname": "山田",
                "jp_buying_role": ";".join(role),
            }
            if k == 0 and touch_rng.random() < 0.9:  # the deal's lead source; some unknown
                contact["jp_first_touch"] = touch_rng.choice(FIRST_TOUCH)
            data.contacts.append({"properties": contact})
            contact_ids.append(len(data.contacts) - 1)
        data.deals.append({"properties": props, "contacts": contact_ids})
    add_companies(data, seed)
    add_meetings(data, pipeline, seed)
    return data


JST = dt.timezone(dt.timedelta(hours=9))
MEETING_TITLES = [
    "初回面談",
    "課題ヒアリング",
    "概算見積のご説明",
    "評価・デモ",
    "正式見積のご説明",
    "稟議フォロー",
    "取引先登録のご案内",
]


def business_slot(rng: random.Random, day: dt.datetime) -> dt.datetime:
    """A weekday time between 10:00 and 16:30 JST on ``day`` (or the next weekday), in UTC."""
    local = day.astimezone(JST)
    while local.weekday() >= 5:  # Saturday, Sunday
        local += dt.timedelta(days=1)
    hour = rng.choice([10, 10, 11, 13, 14, 14, 15, 16])
    minute = rng.choice([0, 30])
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(dt.UTC)


def _meeting(
    rng: random.Random, at: dt.datetime, now: dt.datetime, title: str, outcome: str | None = None
) -> dict[str, str]:
    length = dt.timedelta(minutes=rng.choice([30, 60, 60]))
    if outcome is None:
        if at > now:
            outcome = "SCHEDULED"
        else:
            roll = rng.random()
            outcome = (
                "NO_SHOW"
                if roll < 0.03
                else "CANCELED"
                if roll < 0.08
                else "RESCHEDULED"
                if roll < 0.12
                else "COMPLETED"
            )
    return {
        "hs_timestamp": _iso(at),
        "hs_meeting_start_time": _iso(at),
        "hs_meeting_end_time": _iso(at + length),
        "hs_meeting_title": title,
        "hs_meeting_outcome": outcome,
        "createdate": _iso(min(at, now) - dt.timedelta(days=rng.randint(1, 10))),
    }


def add_meetings(data: SeedData, pipeline: PipelineSpec, seed: int) -> None:
    """Meeting engagements for the deals (module docstring), from their own random stream."""
    rng = random.Random(seed * 15485863 + 5)
    now = data.now
    live = [s for s in pipeline.stages if not s.absent]
    open_keys = [s.key for s in live if s.probability not in (0.0, 1.0)]
    for n, deal in enumerate(data.deals):
        props = deal["properties"]
        entries = [
            (i, parse)
            for i, key in enumerate(open_keys)
            if (parse := _parse(props.get(f"hs_date_entered_{key}"))) is not None
        ]
        last_entry = max((t for _i, t in entries), default=None)
        for i, entered in entries:
            if i > 0 and rng.random() >= 0.75:
                continue
            title = MEETING_TITLES[min(i, len(MEETING_TITLES) - 1)]
            at = business_slot(rng, entered + dt.timedelta(days=0 if i == 0 else rng.randint(0, 5)))
            planned = [at]
            nxt = next((t for j, t in entries if j == i + 1), None)
            if nxt is not None and (nxt - entered).days > 40 and rng.random() < 0.5:
                planned.append(business_slot(rng, entered + (nxt - entered) / 2))
            for when in planned:
                meeting = _meeting(rng, when, now, title)
                data.meetings.append(
                    {"properties": meeting, "deal": n, "contacts": list(deal["contacts"])}
                )
                if meeting["hs_meeting_outcome"] == "RESCHEDULED":
                    again = business_slot(rng, when + dt.timedelta(days=rng.randint(2, 9)))
                    data.meetings.append(
                        {
                            "properties": _meeting(rng, again, now, title),
                            "deal": n,
                            "contacts": list(deal["contacts"]),
                        }
                    )
        current = props.get("dealstage")
        if current in open_keys and last_entry is not None and rng.random() < 0.4:
            # the next meeting is already booked
            ahead = business_slot(rng, now + dt.timedelta(days=rng.randint(1, 21)))
            title = MEETING_TITLES[min(open_keys.index(current) + 1, len(MEETING_TITLES) - 1)]
            data.meetings.append(
                {
                    "properties": _meeting(rng, ahead, now, title, "SCHEDULED"),
                    "deal": n,
                    "contacts": list(deal["contacts"]),
                }
            )
        if rng.random() < 0.05 and deal["contacts"]:
            # an information exchange with a contact, about no deal
            at = business_slot(rng, now - dt.timedelta(days=rng.uniform(1, 360)))
            data.meetings.append(
                {
                    "properties": _meeting(rng, at, now, "情報交換", "COMPLETED"),
                    "deal": None,
                    "contacts": [deal["contacts"][0]],
                }
            )
    for m in data.meetings:
        m["_owner"] = (
            data.deals[m["deal"]]["properties"]["_owner"] if m["deal"] is not None else "0"
        )


def _parse(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=dt.UTC)


COMPANY_STEMS = [
    "東和精機",
    "北斗電子",
    "三笠物流",
    "青葉製薬",
    "大和システム",
    "若葉食品",
    "清水建設工業",
    "日進化学",
    "富士見商事",
    "光陽テクノ",
    "旭ソリューションズ",
    "東邦エネルギー",
    "中央精工",
    "みなと銀行",
    "朝日リース",
    "桜井工業",
    "丸の内データ",
    "関西ロジスティクス",
    "昭和樹脂",
    "新星ネットワークス",
    "平和製作所",
    "千代田メディカル",
    "瀬戸内造船",
    "北陸電機",
    "湘南ホテルズ",
    "八重洲キャピタル",
    "名古屋精密",
    "札幌フーズ",
    "博多マテリアル",
    "仙台インフラ",
]
INDUSTRIES = [
    "manufacturing",
    "information_communications",
    "finance_insurance",
    "medical_welfare",
    "transport_postal",
    "wholesale_retail",
    "construction",
    "real_estate_leasing",
]
PREFECTURES = ["13", "13", "13", "14", "27", "23", "01", "40", "04", "11"]
BANDS = ["100_299", "300_999", "300_999", "1000_4999", "1000_4999", "5000_plus", "under_100"]
FITS = ["a", "a", "b", "b", "b", "c", "out"]


def add_companies(data: SeedData, seed: int) -> None:
    """Companies behind the deals (a separate random stream: the deals do not change):
    legal name and form, prefecture, industry, size band and ICP fit, some marked as
    look-alikes of an ideal customer, so the ICP and spider lists have members."""
    rng = random.Random(seed * 104729 + 3)
    for i, stem in enumerate(COMPANY_STEMS):
        props = {
            "name": stem,
            "domain": f"example-{i + 1:02d}.co.jp",
            "jp_legal_name": f"株式会社{stem}",
            "jp_legal_form": "kabushiki_kaisha",
            "jp_prefecture": rng.choice(PREFECTURES),
            "jp_industry": rng.choice(INDUSTRIES),
            "jp_employee_band": rng.choice(BANDS),
            "jp_icp_fit": rng.choice(FITS),
        }
        data.companies.append({"properties": props})
    ideal = [
        c["properties"]["name"] for c in data.companies if c["properties"]["jp_icp_fit"] == "a"
    ]
    for company in data.companies:
        props = company["properties"]
        if ideal and props["jp_icp_fit"] in ("a", "b") and rng.random() < 0.4:
            others = [n for n in ideal if n != props["name"]]
            if others:
                props["jp_lookalike_of"] = rng.choice(others)
    for deal in data.deals:
        deal["company"] = rng.randrange(len(data.companies))
