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
import unicodedata
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


# family names and given names with their katakana readings (family name first, S25)
SURNAMES = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
]
GIVEN_NAMES = [
    ("健一", "ケンイチ"),
    ("誠", "マコト"),
    ("大輔", "ダイスケ"),
    ("直樹", "ナオキ"),
    ("裕子", "ユウコ"),
    ("美咲", "ミサキ"),
    ("浩二", "コウジ"),
    ("恵", "メグミ"),
    ("翔太", "ショウタ"),
    ("由美", "ユミ"),
    ("拓也", "タクヤ"),
    ("明美", "アケミ"),
]
# how a kana reading goes wrong in practice: typed in hiragana, half-width katakana from an
# old system, or romaji from a business card app
HIRAGANA_OFFSET = 0x30A1 - 0x3041
HALF_WIDTH = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン",
        "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ",
        strict=True,
    ),
    **{"\u3099": "ﾞ", "\u309a": "ﾟ", "ー": "ｰ"},
)
BAD_KANA_SHARE = 0.04  # of contacts with a reading


def spoil_kana(kana: str, how: int) -> str:
    """A katakana reading as people mistype it: 0 hiragana, 1 half-width, 2 romaji-ish."""
    if how == 0:
        return "".join(chr(ord(c) - HIRAGANA_OFFSET) if "ァ" <= c <= "ヶ" else c for c in kana)
    if how == 1:  # voiced marks split off (ダ -> ﾀﾞ), as half-width kana writes them
        split = unicodedata.normalize("NFD", kana)
        return "".join(HALF_WIDTH.get(c, c) for c in split)
    return "Yamada"


def person(rng: random.Random) -> dict[str, str]:
    """A contact's name and katakana readings; a few readings are mistyped (the audit finds
    them), a few contacts have none."""
    (family, family_kana), (given, given_kana) = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
    out = {"lastname": family, "firstname": given}
    if rng.random() < 0.1:
        return out  # no reading recorded
    if rng.random() < BAD_KANA_SHARE:
        family_kana = spoil_kana(family_kana, rng.randrange(3))
    out["jp_last_name_kana"] = family_kana
    out["jp_first_name_kana"] = given_kana
    return out


# buying role on the contact -> the committee labels of the deal-contact association
# (associations.yaml); a technical user is often left unlabelled
ROLE_LABELS = {
    "champion": ["jp_champion"],
    "approver": ["jp_decision_maker"],
    "user": ["jp_technical_evaluator"],
    "budget_holder": ["jp_ringi_approver"],
    "purchaser": ["jp_procurement"],
}


def committee_labels(role: list[str], rng: random.Random) -> list[str]:
    out = [name for r in role for name in ROLE_LABELS.get(r, [])]
    if "champion" in role and rng.random() < 0.5:
        out.append("jp_ringi_drafter")  # the champion often drafts the ringi
    if "user" in role and rng.random() < 0.3:
        out = []  # associated, not labelled
    return out


def mature(labels: list[list[str]], stage: str, open_keys: list[str], rng: random.Random) -> None:
    """The committee is mapped as the deal moves (domain notes (a): roles mapped in discovery,
    the decision maker met through the champion at consensus): before consensus a decision
    maker is often not yet known; from consensus on, most deals have one, some still not (the
    audit's findings)."""
    consensus = next((i for i, k in enumerate(open_keys) if k.endswith("consensus")), None)
    late = stage not in open_keys or (consensus is not None and open_keys.index(stage) >= consensus)
    has = any("jp_decision_maker" in entry for entry in labels)
    if not late and has and rng.random() < 0.6:
        for entry in labels:
            if "jp_decision_maker" in entry:
                entry.remove("jp_decision_maker")
    elif late and not has and rng.random() < 0.6 and labels:
        labels[-1].append("jp_decision_maker")


def generate(pipeline: PipelineSpec, deals: int, seed: int, now: dt.datetime) -> SeedData:
    rng = random.Random(seed)
    touch_rng = random.Random(seed * 7919 + 1)  # lead sources, apart from the deal stream
    name_rng = random.Random(seed * 6007 + 11)  # names, kana and committee labels, apart too
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
        labels = []
        roles = list(ROLE_SETS)
        rng.shuffle(roles)
        for k, role in enumerate(roles[: rng.randint(1, 3)]):
            contact = {"jp_buying_role": ";".join(role), **person(name_rng)}
            if k == 0 and touch_rng.random() < 0.9:  # the deal's lead source; some unknown
                contact["jp_first_touch"] = touch_rng.choice(FIRST_TOUCH)
            data.contacts.append({"properties": contact})
            contact_ids.append(len(data.contacts) - 1)
            labels.append(committee_labels(role, name_rng))
        mature(labels, props["dealstage"], [s.key for s in open_stages], name_rng)
        data.deals.append({"properties": props, "contacts": contact_ids, "labels": labels})
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


# company names and their katakana readings (without the legal form)
COMPANY_STEMS = [
    ("東和精機", "トウワセイキ"),
    ("北斗電子", "ホクトデンシ"),
    ("三笠物流", "ミカサブツリュウ"),
    ("青葉製薬", "アオバセイヤク"),
    ("大和システム", "ヤマトシステム"),
    ("若葉食品", "ワカバショクヒン"),
    ("清水建設工業", "シミズケンセツコウギョウ"),
    ("日進化学", "ニッシンカガク"),
    ("富士見商事", "フジミショウジ"),
    ("光陽テクノ", "コウヨウテクノ"),
    ("旭ソリューションズ", "アサヒソリューションズ"),
    ("東邦エネルギー", "トウホウエネルギー"),
    ("中央精工", "チュウオウセイコウ"),
    ("みなと銀行", "ミナトギンコウ"),
    ("朝日リース", "アサヒリース"),
    ("桜井工業", "サクライコウギョウ"),
    ("丸の内データ", "マルノウチデータ"),
    ("関西ロジスティクス", "カンサイロジスティクス"),
    ("昭和樹脂", "ショウワジュシ"),
    ("新星ネットワークス", "シンセイネットワークス"),
    ("平和製作所", "ヘイワセイサクショ"),
    ("千代田メディカル", "チヨダメディカル"),
    ("瀬戸内造船", "セトウチゾウセン"),
    ("北陸電機", "ホクリクデンキ"),
    ("湘南ホテルズ", "ショウナンホテルズ"),
    ("八重洲キャピタル", "ヤエスキャピタル"),
    ("名古屋精密", "ナゴヤセイミツ"),
    ("札幌フーズ", "サッポロフーズ"),
    ("博多マテリアル", "ハカタマテリアル"),
    ("仙台インフラ", "センダイインフラ"),
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


def corporate_number(rng: random.Random) -> str:
    """A valid 法人番号: a 12-digit base and the National Tax Agency's check digit in
    front (9 − Σ Pn·Qn mod 9, Qn = 1 for odd n and 2 for even n counted from the last
    digit of the base)."""
    base = f"{rng.randrange(10**11, 10**12):012d}"
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


def mistype(number: str, rng: random.Random) -> str:
    """``number`` with one digit of its base changed so its check digit no longer fits (a
    change of a digit by 9 keeps the sum mod 9: never 0 <-> 9)."""
    at = rng.randrange(1, 13)
    old = int(number[at])
    new = (old + rng.choice([1, 2, 3, 4])) % 10
    if (new - old) % 9 == 0:
        new = (new + 1) % 10
    return number[:at] + str(new) + number[at + 1 :]


def add_companies(data: SeedData, seed: int) -> None:
    """Companies behind the deals (a separate random stream: the deals do not change):
    legal name and form, prefecture, industry, size band and ICP fit, some marked as
    look-alikes of an ideal customer, so the ICP and spider lists have members."""
    rng = random.Random(seed * 104729 + 3)
    quality = random.Random(seed * 7727 + 13)  # corporate numbers and kana, apart again
    for i, (stem, kana) in enumerate(COMPANY_STEMS):
        props = {
            "name": stem,
            "domain": f"example-{i + 1:02d}.co.jp",
            "jp_legal_name": f"株式会社{stem}",
            "jp_legal_form": "kabushiki_kaisha",
            "jp_prefecture": rng.choice(PREFECTURES),
            "jp_industry": rng.choice(INDUSTRIES),
            "jp_employee_band": rng.choice(BANDS),
            "jp_icp_fit": rng.choice(FITS),
            "jp_company_kana": kana,
            "jp_corporate_number": corporate_number(quality),
        }
        data.companies.append({"properties": props})
    # the data-quality problems the audit must find, at fixed places so every seed shows
    # each: a 12-digit number (imported before the validation rule), a mistyped digit, a
    # reading in hiragana
    spoilt = data.companies
    spoilt[3]["properties"]["jp_corporate_number"] = spoilt[3]["properties"]["jp_corporate_number"][
        1:
    ]
    spoilt[7]["properties"]["jp_corporate_number"] = mistype(
        spoilt[7]["properties"]["jp_corporate_number"], quality
    )
    spoilt[11]["properties"]["jp_company_kana"] = spoil_kana(
        spoilt[11]["properties"]["jp_company_kana"], 0
    )
    spoilt[19]["properties"]["jp_corporate_number"] = mistype(
        spoilt[19]["properties"]["jp_corporate_number"], quality
    )
    ideal = [
        c["properties"]["name"] for c in data.companies if c["properties"]["jp_icp_fit"] == "a"
    ]
    for company in data.companies:
        props = company["properties"]
        if ideal and props["jp_icp_fit"] in ("a", "b") and rng.random() < 0.4:
            others = [n for n in ideal if n != props["name"]]
            if others:
                props["jp_lookalike_of"] = rng.choice(others)
                props["jp_spider_status"] = rng.choice(["to_contact", "to_contact", "contacted"])
    for deal in data.deals:
        deal["company"] = rng.randrange(len(data.companies))
