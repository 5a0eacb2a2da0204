"""The report as terminal tables and as a self-contained HTML page with inline SVG charts
(no scripts, no fonts or styles fetched: it opens offline).

Every chart is full width (``viewBox`` scaled to the page), with labelled axes and a
legend; every label is in the reader's language (stage names, option labels, headings).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from html import escape

from hs_japan.audit.labels import display_width, table, truncate
from hs_japan.audit.metrics import Mix, Period, Report, quantile

FONT = "'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', 'Meiryo', sans-serif"
W = 1200  # SVG user units across; the chart is drawn at the page's full width
BLUE, TEAL, ORANGE, GREY, RED, BAND, INK = (
    "#2f6fd0",
    "#1d9a94",
    "#f08a24",
    "#9aa5b1",
    "#d64545",
    "#dfe6ee",
    "#1b2a41",
)

TEXT: dict[str, tuple[str, str]] = {
    "title": ("パイプラインレポート", "Pipeline report"),
    "subtitle": (
        "ポータル {portal} · パイプライン「{pipeline}」 · 取引 {deals} 件 · "
        "{when} 作成（hs-japan report）",
        "Portal {portal} · pipeline {pipeline} · {deals} deals · generated {when} by hs-japan "
        "report",
    ),
    "kpi.weighted": ("加重パイプライン", "Weighted pipeline"),
    "kpi.open": ("進行中の取引", "Open deals"),
    "kpi.win_rate": ("受注率", "Win rate"),
    "kpi.cycle": ("受注までの日数（中央値）", "Days to win (median)"),
    "kpi.won": ("受注金額", "Won amount"),
    "kpi.open_detail": ("{count} 件 · {amount}", "{count} deals · {amount}"),
    "kpi.win_detail": ("受注 {won} 件 / 失注 {lost} 件", "{won} won / {lost} lost"),
    "kpi.cycle_detail": (
        "作成から受注まで（p25–p75: {low}–{high} 日）",
        "created → won (p25–p75: {low}–{high} days)",
    ),
    "kpi.won_detail": ("受注 {won} 件", "{won} deals won"),
    "h.funnel": ("ステージ別の転換", "Stage-to-stage conversion"),
    "h.time": ("ステージ滞留日数", "Time in stage"),
    "h.weighted": ("ステージ別の加重パイプライン", "Weighted pipeline by stage"),
    "h.cycle": ("受注率と営業サイクル", "Win rate and sales cycle"),
    "h.owners": ("担当者別", "By owner"),
    "h.months": (
        "月別（暦月）と年度（4月–3月）",
        "By month (calendar) and fiscal year (April–March)",
    ),
    "h.sources": ("リードソース（初回接点）", "Lead sources (first touch)"),
    "h.stakeholders": (
        "ステージ別の関係者（購買関与者マップ）",
        "Stakeholders per deal by stage (buying committee)",
    ),
    "c.labelled": ("ラベル付きの関係者（取引あたり平均）", "Labelled contacts per deal (avg)"),
    "c.decision_maker": ("決裁者あり", "With a decision maker"),
    "c.champion": ("推進者あり", "With a champion"),
    "l.labelled": ("ラベル付きの関係者（平均）", "Labelled contacts (average)"),
    "axis.people": ("人数（取引あたり）", "People per deal"),
    "chart.stakeholders": (
        "ステージ別 取引あたりのラベル付き関係者数（現在その段階にある取引）",
        "Labelled contacts per deal, by the stage the deal is in now",
    ),
    "note.stakeholders": (
        "関係者 = 取引とコンタクトの関連付けに、購買関与者のラベル（決裁者・推進者(チャンピオン)・"
        "稟議起案者など）が1つ以上あるコンタクト。割合はそのステージにある取引のうち、"
        "決裁者・推進者のラベルが付いた関係者がいる取引の割合。",
        "Labelled contact = a contact whose association with the deal carries at least one "
        "buying-committee label (decision maker, champion, ringi drafter, …). Shares are of "
        "the deals now in the stage that have a contact labelled decision maker or champion.",
    ),
    "h.ringi": ("稟議状況（進行中の取引）", "Ringi status (open deals)"),
    "h.budget": ("予算状況（進行中の取引）", "Budget status (open deals)"),
    "c.stage": ("ステージ", "Stage"),
    "c.entered": ("到達", "Entered"),
    "c.advanced": ("次へ進んだ", "Advanced"),
    "c.conversion": ("転換率", "Conversion"),
    "c.median": ("中央値（日）", "Median days"),
    "c.spread": ("p25–p75（日）", "p25–p75 days"),
    "c.expected": ("想定（日）", "Expected days"),
    "c.open": ("進行中", "Open"),
    "c.open_amount": ("進行中の金額", "Open amount"),
    "c.weighted": ("加重金額", "Weighted"),
    "c.owner": ("担当者", "Owner"),
    "c.won": ("受注", "Won"),
    "c.lost": ("失注", "Lost"),
    "c.win_rate": ("受注率", "Win rate"),
    "c.won_amount": ("受注金額", "Won amount"),
    "c.cycle": ("受注まで（中央値・日）", "Days to win (median)"),
    "c.month": ("月", "Month"),
    "c.quarter": ("年度・四半期", "Fiscal quarter"),
    "c.year": ("年度", "Fiscal year"),
    "c.new": ("新規取引", "New deals"),
    "c.meetings": ("面談*", "Meetings*"),
    "c.source": ("初回接点", "First touch"),
    "c.deals": ("取引", "Deals"),
    "c.value": ("値", "Value"),
    "c.outcome": ("結果", "Outcome"),
    "c.closed": ("完了した取引", "Closed deals"),
    "c.p25": ("p25（日）", "p25 days"),
    "c.p75": ("p75（日）", "p75 days"),
    "axis.deals": ("取引数", "Deals"),
    "axis.count": ("件数（取引・面談）", "Count (deals, meetings)"),
    "axis.days": ("日数", "Days"),
    "axis.yen": ("金額（円）", "Amount (¥)"),
    "axis.cycle": ("作成から完了までの日数", "Days from created to closed"),
    "l.entered": ("ステージに到達", "Entered the stage"),
    "l.advanced": ("次のステージへ進んだ", "Advanced to a later stage"),
    "l.expected": ("想定範囲", "Expected range"),
    "l.spread": ("p25–p75", "p25–p75"),
    "l.median": ("中央値", "Median"),
    "l.open_amount": ("進行中の金額", "Open amount"),
    "l.weighted": ("加重金額（金額 × 確度）", "Weighted (amount × probability)"),
    "l.won": ("受注", "Won"),
    "l.lost": ("失注", "Lost"),
    "l.open": ("進行中", "Open"),
    "l.new": ("新規取引", "New deals"),
    "l.meetings": ("実施した面談*", "Meetings held*"),
    "l.won_amount": ("受注金額", "Won amount"),
    "l.deals": ("進行中の取引", "Open deals"),
    "chart.funnel": ("ステージ到達数と転換", "Deals entering each stage and advancing"),
    "chart.time": (
        "ステージ滞留日数: 中央値・p25–p75・想定範囲",
        "Days in stage: median, p25–p75, expected range",
    ),
    "chart.weighted": ("ステージ別 進行中の金額と加重金額", "Open and weighted amount by stage"),
    "chart.cycle": (
        "営業サイクル: 作成から受注・失注までの日数",
        "Sales cycle: days from created to won or lost",
    ),
    "chart.owners": (
        "担当者別 加重パイプラインと受注金額",
        "Weighted pipeline and won amount by owner",
    ),
    "chart.months": (
        "月別 新規取引・実施した面談・受注",
        "New deals, meetings held and wins per month",
    ),
    "chart.quarters": (
        "年度四半期別 受注金額（4月–3月）",
        "Won amount per fiscal quarter (April–March)",
    ),
    "chart.sources": ("初回接点別の取引と結果", "Deals by first touch and outcome"),
    "chart.ringi": ("稟議状況別 進行中の取引", "Open deals by ringi status"),
    "chart.budget": ("予算状況別 進行中の取引", "Open deals by budget status"),
    "note.meetings": (
        "* 面談 = HubSpot の面談（ミーティング）アクティビティのうち、このパイプラインの取引に"
        "関連付けられ、活動日がその月のもの。キャンセル・無断欠席・日程変更と"
        "記録された面談と、これからの面談は数えません。新規取引（作成日）とは別の数です。",
        "* meetings = HubSpot meeting engagements associated with a deal of this pipeline, "
        "counted in the month of their activity date; meetings recorded as "
        "canceled, no-show or rescheduled, and meetings still ahead, are not counted. A "
        "separate count from new deals (create date).",
    ),
    "note.partial": ("（途中）", " (to date)"),
    "note.fy": ("{fy}年度", "FY{fy}"),
    "note.win_rate": (
        "受注率 = 受注 ÷（受注 + 失注）、完了した取引のみ。"
        "営業サイクル = 作成日から受注・失注ステージに入った日まで。",
        "Win rate = won ÷ (won + lost), closed deals only. Sales cycle = create date to the day "
        "the deal entered the won or lost stage.",
    ),
    "text.weighted": (
        "加重パイプライン（進行中の取引、金額 × ステージ確度）: {amount}",
        "Weighted pipeline (open deals, amount × stage probability): {amount}",
    ),
    "text.win": (
        "受注率: {rate}（受注 {won} 件 / 失注 {lost} 件）· 受注までの日数 中央値 {median}"
        "（p25–p75 {low}–{high}）· 受注金額 {amount}",
        "Win rate: {rate} ({won} won / {lost} lost) · days to win median {median} (p25–p75 "
        "{low}–{high}) · won amount {amount}",
    ),
}


class _T:
    def __init__(self, language: str) -> None:
        self.ja = language != "en"

    def __call__(self, key: str, **values: object) -> str:
        ja, en = TEXT[key]
        return (ja if self.ja else en).format(**values)


def _fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _yen(value: float) -> str:
    return f"¥{value:,.0f}"


def _yen_short(value: float, ja: bool) -> str:
    """Axis ticks: 1.2億 / 3,000万 in Japanese, ¥12M / ¥300K in English."""
    if value == 0:
        return "0"
    if ja:
        if abs(value) >= 1e8:
            return f"{value / 1e8:,.1f}".rstrip("0").rstrip(".") + "億"
        if abs(value) >= 1e4:
            return f"{value / 1e4:,.0f}万"
        return f"{value:,.0f}"
    if abs(value) >= 1e6:
        return "¥" + f"{value / 1e6:,.1f}".rstrip("0").rstrip(".") + "M"
    if abs(value) >= 1e3:
        return f"¥{value / 1e3:,.0f}K"
    return f"¥{value:,.0f}"


def _rate(m: Mix) -> float | None:
    return m.won / (m.won + m.lost) if m.won + m.lost else None


def _period_label(p: Period, t: _T) -> str:
    return p.label + (t("note.partial") if p.partial else "")


# -- terminal ---------------------------------------------------------------------------------
def render_text(rep: Report, portal_id: int, deals: int) -> str:
    t = _T(rep.language)
    out = [
        t("title"),
        t(
            "subtitle",
            portal=portal_id,
            pipeline=rep.pipeline_label,
            deals=deals,
            when=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        ),
        "",
    ]
    rows = []
    for s in rep.stages:
        spread = f"{_fmt(s.quantile(0.25))}–{_fmt(s.quantile(0.75))}" if s.days else "—"
        expected = f"{s.expected[0]}–{s.expected[1]}" if s.expected else "—"
        rows.append(
            [
                truncate(s.label, 24),
                str(s.entered),
                str(s.advanced),
                _pct(s.conversion),
                _fmt(s.quantile(0.5), 1),
                spread,
                expected,
                str(s.open_count),
                _yen(s.weighted),
            ]
        )
    heads = ["c.stage", "c.entered", "c.advanced", "c.conversion", "c.median", "c.spread"]
    heads += ["c.expected", "c.open", "c.weighted"]
    out += table([t(h) for h in heads], rows, "<>>>>>>>>")
    out += ["", t("text.weighted", amount=_yen(rep.weighted_total))]
    out.append(
        t(
            "text.win",
            rate=_pct(rep.win_rate),
            won=rep.won,
            lost=rep.lost,
            median=_fmt(quantile(rep.cycle_won, 0.5)),
            low=_fmt(quantile(rep.cycle_won, 0.25)),
            high=_fmt(quantile(rep.cycle_won, 0.75)),
            amount=_yen(rep.won_amount),
        )
    )
    out += ["", t("h.owners")]
    out += table(
        [t(h) for h in ("c.owner", "c.open", "c.weighted", "c.won", "c.lost", "c.win_rate")]
        + [t("c.won_amount"), t("c.cycle")],
        [
            [
                o.name,
                str(o.open_count),
                _yen(o.weighted),
                str(o.won),
                str(o.lost),
                _pct(o.win_rate),
                _yen(o.won_amount),
                _fmt(quantile(o.cycle_won, 0.5)),
            ]
            for o in rep.owners
        ],
        "<>>>>>>>",
    )
    out += ["", t("h.months")]
    period_heads = [t(h) for h in ("c.new", "c.meetings", "c.won", "c.lost", "c.won_amount")]

    def period_rows(periods: list[Period], label: Callable[[Period], str]) -> list[list[str]]:
        return [
            [label(p), str(p.new), str(p.meetings), str(p.won), str(p.lost), _yen(p.won_amount)]
            for p in periods
        ]

    out += table([t("c.month"), *period_heads], period_rows(rep.months, lambda p: p.key), "<>>>>>")
    out.append("")
    out += table(
        [t("c.quarter"), *period_heads],
        period_rows(rep.quarters, lambda p: _period_label(p, t)),
        "<>>>>>",
    )
    out.append("")
    out += table(
        [t("c.year"), *period_heads],
        period_rows(rep.fiscal_years, lambda p: _period_label(p, t)),
        "<>>>>>",
    )
    out.append(t("note.meetings"))
    out += ["", t("h.sources")]
    out += table(
        [t("c.source"), t("c.deals"), t("c.open"), t("c.won"), t("c.lost"), t("c.win_rate")],
        [
            [m.label, str(m.deals), str(m.open), str(m.won), str(m.lost), _pct(_rate(m))]
            for m in rep.sources
        ],
        "<>>>>>",
    )
    for head, mix in (("h.ringi", rep.ringi_mix), ("h.budget", rep.budget_mix)):
        out += ["", t(head)]
        out += table([t("c.value"), t("c.deals")], [[m.label, str(m.deals)] for m in mix], "<>")
    if rep.stakeholders:
        out += ["", t("h.stakeholders")]
        out += table(_stakeholder_heads(t), _stakeholder_rows(rep), "<>>>>")
        out.append(t("note.stakeholders"))
    return "\n".join(out) + "\n"


def _stakeholder_heads(t: _T) -> list[str]:
    return [t(h) for h in ("c.stage", "c.deals", "c.labelled", "c.decision_maker", "c.champion")]


def _stakeholder_rows(rep: Report) -> list[list[str]]:
    return [
        [
            truncate(r.label, 24),
            str(r.deals),
            _fmt(r.average, 1) if r.average is not None else "—",
            _pct(r.decision_maker_share),
            _pct(r.champion_share),
        ]
        for r in rep.stakeholders
    ]


def _stakeholders_html(rep: Report, t: _T) -> str:
    if not rep.stakeholders:
        return ""
    chart = _hbars(
        t("chart.stakeholders"),
        [r.label for r in rep.stakeholders],
        [(t("l.labelled"), BLUE, [r.average or 0.0 for r in rep.stakeholders])],
        lambda v: f"{v:.1f}",
        lambda v: f"{v:g}",
        t("axis.people"),
        cls="stakeholders",
    )
    return (
        f"<section><h2>{escape(t('h.stakeholders'))}</h2>\n{chart}\n"
        f"{_html_table(_stakeholder_heads(t), _stakeholder_rows(rep))}\n"
        f'<p class="note">{escape(t("note.stakeholders"))}</p>\n</section>'
    )


# -- SVG ------------------------------------------------------------------------------------
def _text_px(text: str, size: float) -> float:
    """Rough rendered width: half an em per column, a full em per wide character."""
    return display_width(text) * size * 0.56


def _nice_ticks(top: float, count: int = 5) -> list[float]:
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if raw < 1:
        step = 1.0
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _open(title: str, height: float, cls: str) -> list[str]:
    return [
        f'<svg class="chart {cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} '
        f'{height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="{escape(title)}" font-family="{FONT}" font-size="13" fill="{INK}">',
        f'<text class="chart-title" x="0" y="22" font-size="17" font-weight="bold">'
        f"{escape(title)}</text>",
    ]


def _legend(items: list[tuple[str, str, str]], y: float = 44) -> str:
    """``items``: (label, colour, shape: box|line|band)."""
    parts = ['<g class="legend">']
    x = 0.0
    for label, colour, shape in items:
        if shape == "line":
            parts.append(
                f'<rect x="{x + 6:.0f}" y="{y - 11}" width="3" height="14" fill="{colour}"/>'
            )
        else:
            parts.append(
                f'<rect x="{x:.0f}" y="{y - 10}" width="14" height="12" fill="{colour}" '
                f'rx="{0 if shape == "band" else 2}"/>'
            )
        parts.append(f'<text x="{x + 20:.0f}" y="{y}">{escape(label)}</text>')
        x += 20 + _text_px(label, 13) + 28
    parts.append("</g>")
    return "".join(parts)


def _x_axis(
    left: float,
    right: float,
    y: float,
    ticks: list[float],
    top: float,
    fmt: Callable[[float], str],
    title: str,
    grid_top: float,
) -> str:
    scale = (right - left) / (ticks[-1] or 1)
    parts = ['<g class="axis x-axis">']
    for v in ticks:
        x = left + v * scale
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{grid_top:.0f}" x2="{x:.1f}" y2="{y:.0f}" '
            'stroke="#e8edf2"/>'
        )
        parts.append(
            f'<line x1="{x:.1f}" y1="{y:.0f}" x2="{x:.1f}" y2="{y + 5:.0f}" stroke="{INK}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{y + 19:.0f}" text-anchor="middle" font-size="12">'
            f"{escape(fmt(v))}</text>"
        )
    parts.append(
        f'<line class="axis-line" x1="{left:.0f}" y1="{y:.0f}" x2="{right:.0f}" y2="{y:.0f}" '
        f'stroke="{INK}"/>'
    )
    parts.append(
        f'<text class="axis-title" x="{(left + right) / 2:.0f}" y="{y + 38:.0f}" '
        f'text-anchor="middle" font-size="12">{escape(title)}</text>'
    )
    parts.append("</g>")
    return "".join(parts)


def _hbars(
    title: str,
    categories: list[str],
    series: list[tuple[str, str, list[float]]],
    fmt: Callable[[float], str],
    axis_fmt: Callable[[float], str],
    axis_title: str,
    stacked: bool = False,
    cls: str = "hbars",
) -> str:
    """Horizontal bars per category: grouped (one bar per series) or stacked."""
    left = min(max([_text_px(c, 13) for c in categories] + [80]) + 16, 380)
    right = W - 110
    top = 62
    bar = 16 if stacked or len(series) == 1 else 13
    row = (bar if stacked else bar * len(series)) + 12
    bottom = top + row * max(len(categories), 1)
    if stacked:
        peak = max([sum(vals) for vals in zip(*(s[2] for s in series), strict=True)] + [0])
    else:
        peak = max([v for s in series for v in s[2]] + [0])
    ticks = _nice_ticks(peak)
    scale = (right - left) / (ticks[-1] or 1)
    parts = _open(title, bottom + 50, cls)
    parts.append(_legend([(name, colour, "box") for name, colour, _ in series]))
    parts.append(_x_axis(left, right, bottom, ticks, peak, axis_fmt, axis_title, top - 6))
    parts.append('<g class="axis y-axis">')
    parts.append(
        f'<line class="axis-line" x1="{left:.0f}" y1="{top - 6}" x2="{left:.0f}" '
        f'y2="{bottom:.0f}" stroke="{INK}"/>'
    )
    for i, cat in enumerate(categories):
        y = top + i * row + (row - 12) / 2
        parts.append(
            f'<text x="{left - 8:.0f}" y="{y + 5:.0f}" text-anchor="end">{escape(cat)}</text>'
        )
    parts.append("</g>")
    for i, cat in enumerate(categories):
        y0 = top + i * row
        x = left
        for k, (name, colour, values) in enumerate(series):
            value = values[i]
            width = value * scale
            y = y0 if stacked else y0 + k * bar
            tip = f"{cat} · {name}: {fmt(value)}"
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.0f}" width="{width:.1f}" '
                f'height="{bar - 2}" fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
            if not stacked:
                parts.append(
                    f'<text class="value" x="{x + width + 5:.1f}" y="{y + bar - 4:.0f}" '
                    f'font-size="11">{escape(fmt(value))}</text>'
                )
            else:
                x += width
        if stacked:
            total = sum(s[2][i] for s in series)
            parts.append(
                f'<text class="value" x="{x + 5:.1f}" y="{y0 + bar - 4:.0f}" font-size="11">'
                f"{escape(fmt(total))}</text>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


def _columns(
    title: str,
    categories: list[str],
    series: list[tuple[str, str, list[float]]],
    axis_fmt: Callable[[float], str],
    axis_title: str,
    fmt: Callable[[float], str],
    separators: list[tuple[int, str]] | None = None,
    cls: str = "columns",
) -> str:
    """Vertical grouped columns with a y axis; ``separators``: (category index, label) —
    a dashed line before that category (fiscal-year starts)."""
    left, right, top, plot = 84, W - 10, 74, 260
    bottom = top + plot
    peak = max([v for s in series for v in s[2]] + [0])
    ticks = _nice_ticks(peak)
    scale = plot / (ticks[-1] or 1)
    slot = (right - left) / max(len(categories), 1)
    bar = min(26, (slot - 12) / max(len(series), 1))
    parts = _open(title, bottom + 62, cls)
    parts.append(_legend([(name, colour, "box") for name, colour, _ in series]))
    parts.append('<g class="axis y-axis">')
    for v in ticks:
        y = bottom - v * scale
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
            'stroke="#e8edf2"/>'
        )
        parts.append(
            f'<line x1="{left - 5}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="{INK}"/>'
        )
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">'
            f"{escape(axis_fmt(v))}</text>"
        )
    parts.append(
        f'<line class="axis-line" x1="{left}" y1="{top - 6}" x2="{left}" y2="{bottom}" '
        f'stroke="{INK}"/>'
    )
    parts.append(
        f'<text class="axis-title" x="14" y="{top + plot / 2:.0f}" font-size="12" '
        f'text-anchor="middle" transform="rotate(-90 14 {top + plot / 2:.0f})">'
        f"{escape(axis_title)}</text>"
    )
    parts.append("</g>")
    parts.append('<g class="axis x-axis">')
    parts.append(
        f'<line class="axis-line" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" '
        f'stroke="{INK}"/>'
    )
    for i, cat in enumerate(categories):
        cx = left + slot * (i + 0.5)
        parts.append(
            f'<text x="{cx:.1f}" y="{bottom + 18}" text-anchor="middle" font-size="12">'
            f"{escape(cat)}</text>"
        )
    parts.append("</g>")
    for index, label in separators or []:
        x = left + slot * index
        parts.append(
            f'<g class="separator"><line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" '
            f'y2="{bottom + 30}" stroke="{GREY}" stroke-dasharray="4 3"/>'
            f'<text x="{x + 4:.1f}" y="{bottom + 40}" font-size="12" fill="#5b6b7c">'
            f"{escape(label)} →</text></g>"
        )
    for i, cat in enumerate(categories):
        x0 = left + slot * i + (slot - bar * len(series)) / 2
        for k, (name, colour, values) in enumerate(series):
            h = values[i] * scale
            parts.append(
                f'<rect class="bar" x="{x0 + k * bar:.1f}" y="{bottom - h:.1f}" '
                f'width="{bar - 2:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(f'{cat} · {name}: {fmt(values[i])}')}</title></rect>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


def _time_in_stage(rep: Report, t: _T) -> str:
    """Median and p25–p75 of time in stage against the expected range (grey band)."""
    rows = [s for s in rep.stages if s.days or s.expected]
    peak = max(
        [*(s.quantile(0.75) or 0 for s in rows), *(s.expected[1] for s in rows if s.expected)],
        default=1,
    )
    ticks = _nice_ticks(peak)
    left = min(max([_text_px(s.label, 13) for s in rows] + [80]) + 16, 380)
    right, top, row = W - 110, 62, 28
    bottom = top + row * max(len(rows), 1)
    scale = (right - left) / (ticks[-1] or 1)
    parts = _open(t("chart.time"), bottom + 50, "time-in-stage")
    parts.append(
        _legend(
            [
                (t("l.expected"), BAND, "band"),
                (t("l.spread"), BLUE, "box"),
                (t("l.median"), INK, "line"),
            ]
        )
    )
    parts.append(
        _x_axis(left, right, bottom, ticks, peak, lambda v: f"{v:.0f}", t("axis.days"), top - 6)
    )
    parts.append('<g class="axis y-axis">')
    parts.append(
        f'<line class="axis-line" x1="{left:.0f}" y1="{top - 6}" x2="{left:.0f}" '
        f'y2="{bottom}" stroke="{INK}"/>'
    )
    for i, s in enumerate(rows):
        parts.append(
            f'<text x="{left - 8:.0f}" y="{top + i * row + 17}" text-anchor="end">'
            f"{escape(s.label)}</text>"
        )
    parts.append("</g>")
    for i, s in enumerate(rows):
        y = top + i * row
        if s.expected:
            parts.append(
                f'<rect class="band" x="{left + s.expected[0] * scale:.1f}" y="{y + 2}" '
                f'width="{max((s.expected[1] - s.expected[0]) * scale, 1):.1f}" height="22" '
                f'fill="{BAND}"/>'
            )
        p25, p50, p75 = s.quantile(0.25), s.quantile(0.5), s.quantile(0.75)
        if p25 is not None and p75 is not None and p50 is not None:
            parts.append(
                f'<rect class="bar" x="{left + p25 * scale:.1f}" y="{y + 8}" '
                f'width="{max((p75 - p25) * scale, 2):.1f}" height="10" fill="{BLUE}">'
                f"<title>{escape(f'{s.label}: {p25:.0f}–{p75:.0f}')}</title></rect>"
            )
            parts.append(
                f'<rect class="median" x="{left + p50 * scale - 1.5:.1f}" y="{y + 2}" '
                f'width="3" height="22" fill="{INK}"/>'
            )
            end = left + max(p75, s.expected[1] if s.expected else 0) * scale
            parts.append(
                f'<text class="value" x="{end + 6:.1f}" y="{y + 17}" font-size="11">'
                f"{escape(t('l.median'))} {p50:.0f}</text>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


def _cycle_histogram(rep: Report, t: _T) -> str:
    top = max([*rep.cycle_won, *rep.cycle_lost, 30.0])
    width = 30
    edges = list(range(0, int(top // width + 1) * width + 1, width))
    cats = [f"{a}–{b}" for a, b in itertools.pairwise(edges)]

    def counts(values: list[float]) -> list[float]:
        out = [0.0] * len(cats)
        for v in values:
            out[min(int(v // width), len(cats) - 1)] += 1
        return out

    return _columns(
        t("chart.cycle"),
        cats,
        [(t("l.won"), TEAL, counts(rep.cycle_won)), (t("l.lost"), RED, counts(rep.cycle_lost))],
        lambda v: f"{v:.0f}",
        t("axis.deals"),
        lambda v: f"{v:.0f}",
        cls="cycle",
    ).replace("</svg>", _x_caption(t("axis.cycle")) + "</svg>")


def _x_caption(text: str) -> str:
    return (
        f'<text class="axis-title" x="{(84 + W - 10) / 2:.0f}" y="{74 + 260 + 52}" '
        f'text-anchor="middle" font-size="12">{escape(text)}</text>'
    )


def _mix_chart(title: str, mix: list[Mix], t: _T, cls: str, outcomes: bool) -> str:
    cats = [m.label for m in mix]
    if outcomes:
        series = [
            (t("l.won"), TEAL, [float(m.won) for m in mix]),
            (t("l.open"), BLUE, [float(m.open) for m in mix]),
            (t("l.lost"), RED, [float(m.lost) for m in mix]),
        ]
    else:
        series = [(t("l.deals"), BLUE, [float(m.deals) for m in mix])]
    return _hbars(
        title,
        cats,
        series,
        lambda v: f"{v:.0f}",
        lambda v: f"{v:.0f}",
        t("axis.deals"),
        stacked=outcomes,
        cls=cls,
    )


def _html_table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def render_html(rep: Report, portal_id: int, deals: int, now: dt.datetime) -> str:
    t = _T(rep.language)
    ja = t.ja
    yen_axis = lambda v: _yen_short(v, ja)  # noqa: E731
    count = lambda v: f"{v:.0f}"  # noqa: E731
    funnel = _hbars(
        t("chart.funnel"),
        [s.label for s in rep.stages],
        [
            (t("l.entered"), BLUE, [float(s.entered) for s in rep.stages]),
            (t("l.advanced"), TEAL, [float(s.advanced) for s in rep.stages]),
        ],
        count,
        count,
        t("axis.deals"),
        cls="funnel",
    )
    stage_rows = [
        [
            s.label,
            str(s.entered),
            str(s.advanced),
            _pct(s.conversion),
            _fmt(s.quantile(0.5), 1),
            f"{_fmt(s.quantile(0.25))}–{_fmt(s.quantile(0.75))}" if s.days else "—",
            f"{s.expected[0]}–{s.expected[1]}" if s.expected else "—",
            str(s.open_count),
            _yen(s.open_amount),
            _yen(s.weighted),
        ]
        for s in rep.stages
    ]
    stage_table = _html_table(
        [
            t(h)
            for h in (
                "c.stage",
                "c.entered",
                "c.advanced",
                "c.conversion",
                "c.median",
                "c.spread",
                "c.expected",
                "c.open",
                "c.open_amount",
                "c.weighted",
            )
        ],
        stage_rows,
    )
    weighted = _hbars(
        t("chart.weighted"),
        [s.label for s in rep.stages],
        [
            (t("l.open_amount"), GREY, [s.open_amount for s in rep.stages]),
            (t("l.weighted"), BLUE, [s.weighted for s in rep.stages]),
        ],
        _yen,
        yen_axis,
        t("axis.yen"),
        cls="weighted",
    )
    owners = _hbars(
        t("chart.owners"),
        [o.name for o in rep.owners],
        [
            (t("l.weighted"), BLUE, [o.weighted for o in rep.owners]),
            (t("l.won_amount"), TEAL, [o.won_amount for o in rep.owners]),
        ],
        _yen,
        yen_axis,
        t("axis.yen"),
        cls="owners",
    )
    owner_table = _html_table(
        [
            t(h)
            for h in (
                "c.owner",
                "c.open",
                "c.open_amount",
                "c.weighted",
                "c.won",
                "c.lost",
                "c.win_rate",
                "c.won_amount",
                "c.cycle",
            )
        ],
        [
            [
                o.name,
                str(o.open_count),
                _yen(o.open_amount),
                _yen(o.weighted),
                str(o.won),
                str(o.lost),
                _pct(o.win_rate),
                _yen(o.won_amount),
                _fmt(quantile(o.cycle_won, 0.5)),
            ]
            for o in rep.owners
        ],
    )
    separators = []
    for i, p in enumerate(rep.months):  # fiscal years start in April
        year, month = int(p.key[:4]), int(p.key[5:])
        if month == 4 or i == 0:
            separators.append((i, t("note.fy", fy=year if month >= 4 else year - 1)))
    months = _columns(
        t("chart.months"),
        [p.key for p in rep.months],
        [
            (t("l.new"), BLUE, [float(p.new) for p in rep.months]),
            (t("l.meetings"), ORANGE, [float(p.meetings) for p in rep.months]),
            (t("l.won"), TEAL, [float(p.won) for p in rep.months]),
        ],
        count,
        t("axis.count"),
        count,
        separators,
        cls="months",
    )
    quarters = _columns(
        t("chart.quarters"),
        [_period_label(p, t) for p in rep.quarters],
        [(t("l.won_amount"), TEAL, [p.won_amount for p in rep.quarters])],
        yen_axis,
        t("axis.yen"),
        _yen,
        cls="quarters",
    )
    period_heads = [t(h) for h in ("c.new", "c.meetings", "c.won", "c.lost", "c.win_rate")]
    period_heads.append(t("c.won_amount"))

    def period_row(label: str, p: Period) -> list[str]:
        return [
            label,
            str(p.new),
            str(p.meetings),
            str(p.won),
            str(p.lost),
            _pct(p.win_rate),
            _yen(p.won_amount),
        ]

    fy_table = _html_table(
        [t("c.quarter"), *period_heads],
        [period_row(_period_label(p, t), p) for p in rep.quarters]
        + [period_row(_period_label(p, t), p) for p in rep.fiscal_years],
    )
    month_table = _html_table(
        [t("c.month"), *period_heads], [period_row(p.key, p) for p in rep.months]
    )
    sources = _mix_chart(t("chart.sources"), rep.sources, t, "sources", outcomes=True)

    source_table = _html_table(
        [t("c.source"), t("c.deals"), t("c.won"), t("c.open"), t("c.lost"), t("c.win_rate")],
        [
            [m.label, str(m.deals), str(m.won), str(m.open), str(m.lost), _pct(_rate(m))]
            for m in rep.sources
        ],
    )

    def mix_table(mix: list[Mix]) -> str:
        return _html_table([t("c.value"), t("c.deals")], [[m.label, str(m.deals)] for m in mix])

    ringi = _mix_chart(t("chart.ringi"), rep.ringi_mix, t, "ringi", outcomes=False)
    budget = _mix_chart(t("chart.budget"), rep.budget_mix, t, "budget", outcomes=False)
    p25, p50, p75 = (quantile(rep.cycle_won, q) for q in (0.25, 0.5, 0.75))
    kpis = [
        (t("kpi.weighted"), _yen(rep.weighted_total), ""),
        (
            t("kpi.open"),
            str(rep.open_count),
            t("kpi.open_detail", count=rep.open_count, amount=_yen(rep.open_amount)),
        ),
        (t("kpi.win_rate"), _pct(rep.win_rate), t("kpi.win_detail", won=rep.won, lost=rep.lost)),
        (t("kpi.cycle"), _fmt(p50), t("kpi.cycle_detail", low=_fmt(p25), high=_fmt(p75))),
        (t("kpi.won"), _yen(rep.won_amount), t("kpi.won_detail", won=rep.won)),
    ]
    kpi_html = "\n".join(
        f'<div class="kpi"><div class="kpi-label">{escape(a)}</div>'
        f'<div class="kpi-value">{escape(b)}</div><div class="kpi-detail">{escape(c)}</div></div>'
        for a, b, c in kpis
    )
    cycle_table = _html_table(
        [t("c.outcome"), t("c.closed"), t("c.p25"), t("c.median"), t("c.p75")],
        [
            [
                t("l.won"),
                str(rep.won),
                _fmt(quantile(rep.cycle_won, 0.25)),
                _fmt(quantile(rep.cycle_won, 0.5)),
                _fmt(quantile(rep.cycle_won, 0.75)),
            ],
            [
                t("l.lost"),
                str(rep.lost),
                _fmt(quantile(rep.cycle_lost, 0.25)),
                _fmt(quantile(rep.cycle_lost, 0.5)),
                _fmt(quantile(rep.cycle_lost, 0.75)),
            ],
        ],
    )
    subtitle = t(
        "subtitle",
        portal=portal_id,
        pipeline=rep.pipeline_label,
        deals=deals,
        when=now.strftime("%Y-%m-%d %H:%M UTC"),
    )
    return f"""<!doctype html>
<html lang="{"ja" if ja else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t("title"))} — {portal_id}</title>
<style>
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT}; margin: 0; padding: 24px 32px; color: {INK}; background: #fff; }}
h1 {{ font-size: 26px; margin: 0 0 4px; }}
h2 {{ font-size: 20px; margin: 0 0 12px; padding-top: 8px; border-top: 2px solid #e3e8ee; }}
.subtitle {{ color: #5b6b7c; margin: 0 0 20px; font-size: 14px; }}
.kpis {{ display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; margin-bottom: 28px; }}
.kpi {{ border: 1px solid #d5dde6; border-radius: 8px; padding: 12px 16px; }}
.kpi-label {{ font-size: 13px; color: #5b6b7c; }}
.kpi-value {{ font-size: 26px; font-weight: bold; margin: 4px 0; }}
.kpi-detail {{ font-size: 12px; color: #5b6b7c; }}
section {{ margin-bottom: 36px; }}
svg.chart {{ display: block; width: 100%; height: auto; margin: 8px 0 12px; }}
table {{ border-collapse: collapse; margin: 8px 0 12px; width: 100%; }}
td, th {{ border: 1px solid #d5dde6; padding: 5px 10px; font-size: 13px; text-align: right;
  white-space: nowrap; }}
th {{ background: #f3f6f9; }}
td:first-child, th:first-child {{ text-align: left; }}
.note {{ font-size: 12px; color: #5b6b7c; }}
.two {{ display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }}
</style></head><body>
<h1>{escape(t("title"))}</h1>
<p class="subtitle">{escape(subtitle)}</p>
<div class="kpis">
{kpi_html}
</div>
<section><h2>{escape(t("h.funnel"))}</h2>
{funnel}
{stage_table}
</section>
<section><h2>{escape(t("h.time"))}</h2>
{_time_in_stage(rep, t)}
</section>
<section><h2>{escape(t("h.weighted"))}</h2>
{weighted}
</section>
<section><h2>{escape(t("h.cycle"))}</h2>
{_cycle_histogram(rep, t)}
{cycle_table}
<p class="note">{escape(t("note.win_rate"))}</p>
</section>
<section><h2>{escape(t("h.owners"))}</h2>
{owners}
{owner_table}
</section>
<section><h2>{escape(t("h.months"))}</h2>
{months}
{month_table}
{quarters}
{fy_table}
<p class="note">{escape(t("note.meetings"))}</p>
</section>
<section><h2>{escape(t("h.sources"))}</h2>
{sources}
{source_table}
</section>
<section><h2>{escape(t("h.ringi"))}</h2>
{ringi}
{mix_table(rep.ringi_mix)}
</section>
<section><h2>{escape(t("h.budget"))}</h2>
{budget}
{mix_table(rep.budget_mix)}
</section>
{_stakeholders_html(rep, t)}
</body></html>
"""


def report_json(rep: Report, portal_id: int, deals: int) -> dict[str, object]:
    """The report's numbers for machines (``hs-japan report --format json``): internal
    stage keys and option values beside the reader's labels."""

    def mix(rows: list[Mix]) -> list[dict[str, object]]:
        return [
            {"value": m.key, "label": m.label, "deals": m.deals, "open": m.open, "won": m.won}
            | {"lost": m.lost}
            for m in rows
        ]

    def period(p: Period) -> dict[str, object]:
        return {
            "period": p.key,
            "label": p.label,
            "new": p.new,
            "meetings": p.meetings,
            "won": p.won,
            "lost": p.lost,
            "wonAmount": p.won_amount,
            "partial": p.partial,
        }

    return {
        "portalId": portal_id,
        "pipeline": rep.pipeline_label,
        "language": rep.language,
        "deals": deals,
        "weightedPipeline": rep.weighted_total,
        "openDeals": rep.open_count,
        "openAmount": rep.open_amount,
        "won": rep.won,
        "lost": rep.lost,
        "winRate": rep.win_rate,
        "wonAmount": rep.won_amount,
        "daysToWinMedian": quantile(rep.cycle_won, 0.5),
        "stages": [
            {
                "stage": s.key,
                "label": s.label,
                "entered": s.entered,
                "advanced": s.advanced,
                "conversion": s.conversion,
                "medianDays": s.quantile(0.5),
                "expectedDays": list(s.expected) if s.expected else None,
                "open": s.open_count,
                "weighted": s.weighted,
            }
            for s in rep.stages
        ],
        "stakeholders": [r.to_json() for r in rep.stakeholders],
        "months": [period(p) for p in rep.months],
        "fiscalQuarters": [period(p) for p in rep.quarters],
        "sources": mix(rep.sources),
        "ringiStatus": mix(rep.ringi_mix),
        "budgetStatus": mix(rep.budget_mix),
    }
