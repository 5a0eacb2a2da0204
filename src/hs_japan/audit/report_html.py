"""The report as terminal tables and as a self-contained HTML page with inline SVG
charts (no scripts, no fonts or styles fetched: it opens offline)."""

from __future__ import annotations

import datetime as dt
from html import escape

from hs_japan.audit.metrics import Report

FONT = "'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', sans-serif"


def _fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _yen(value: float) -> str:
    return f"¥{value:,.0f}"


def render_text(rep: Report, portal_id: int, pipeline_id: str, deals: int) -> str:
    out = [f"Portal {portal_id} · pipeline {pipeline_id} · {deals} deals", ""]
    out.append(
        f"{'stage':<28} {'entered':>7} {'→next':>6} {'conv':>6} {'median d':>9} "
        f"{'p25–p75 d':>11} {'expected':>9} {'open':>5} {'weighted':>14}"
    )
    for s in rep.stages:
        conv = "—" if s.conversion is None else f"{s.conversion:.0%}"
        spread = f"{_fmt(s.quantile(0.25))}–{_fmt(s.quantile(0.75))}" if s.days else "—"
        expected = f"{s.expected[0]}–{s.expected[1]}" if s.expected else "—"
        out.append(
            f"{s.label[:28]:<28} {s.entered:>7} {s.advanced:>6} {conv:>6} "
            f"{_fmt(s.quantile(0.5), 1):>9} {spread:>11} {expected:>9} {s.open_count:>5} "
            f"{_yen(s.weighted):>14}"
        )
    out += [
        "",
        f"Weighted pipeline (open deals, amount × stage probability): {_yen(rep.weighted_total)}",
        "",
    ]
    out.append("month     new deals  meetings*")
    for month, n in rep.new_deals_by_month.items():
        out.append(f"{month}  {n:>9}  {rep.meetings_by_month.get(month, 0):>9}")
    out.append("* meetings = deals entering the first stage (first meeting) that month")
    out += [
        "",
        "ringi status (open deals): " + ", ".join(f"{k} {v}" for k, v in rep.ringi_mix.items()),
        "budget status (open deals): " + ", ".join(f"{k} {v}" for k, v in rep.budget_mix.items()),
        "",
    ]
    return "\n".join(out)


def _bars(
    title: str, items: list[tuple[str, float]], fmt: str = "{:.0f}", colour: str = "#5597de"
) -> str:
    width, row = 760, 24
    height = 40 + row * len(items)
    top = max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" font-family="{FONT}">',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = 30 + i * row
        bar = int(440 * value / top)
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(label[:22])}</text>')
        parts.append(
            f'<rect class="bar" x="200" y="{y + 3}" width="{bar}" height="16" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{206 + bar}" y="{y + 15}" font-size="12">{escape(fmt.format(value))}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _time_in_stage(rep: Report) -> str:
    """Median and p25–p75 of time in stage against the expected range (grey band)."""
    rows = [s for s in rep.stages if s.days or s.expected]
    top = (
        max(
            [*(max(s.days) for s in rows if s.days), *(s.expected[1] for s in rows if s.expected)],
            default=1,
        )
        or 1
    )
    width, row = 760, 26
    scale = 440 / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{40 + row * len(rows)}" font-family="{FONT}">',
        '<text x="0" y="18" font-size="15" font-weight="bold">'
        "Time in stage (days): median, p25–p75, expected range</text>",
    ]
    for i, s in enumerate(rows):
        y = 30 + i * row
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(s.label[:22])}</text>')
        if s.expected:
            parts.append(
                f'<rect x="{200 + s.expected[0] * scale:.1f}" y="{y + 2}" '
                f'width="{(s.expected[1] - s.expected[0]) * scale:.1f}" height="18" '
                f'fill="#e3e8ee"/>'
            )
        p25, p50, p75 = s.quantile(0.25), s.quantile(0.5), s.quantile(0.75)
        if p25 is not None and p75 is not None and p50 is not None:
            parts.append(
                f'<rect class="bar" x="{200 + p25 * scale:.1f}" y="{y + 6}" '
                f'width="{max((p75 - p25) * scale, 2):.1f}" height="10" fill="#5597de"/>'
            )
            parts.append(
                f'<rect x="{200 + p50 * scale - 1:.1f}" y="{y + 2}" width="3" '
                f'height="18" fill="#1b2a41"/>'
            )
            parts.append(f'<text x="{650}" y="{y + 15}" font-size="12">{p50:.0f} d</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def render_html(rep: Report, portal_id: int, pipeline_id: str, deals: int, now: dt.datetime) -> str:
    conv = _bars(
        "Stage-to-stage conversion (%)",
        [(s.label, 100 * (s.conversion or 0)) for s in rep.stages],
        "{:.0f}%",
    )
    weighted = _bars(
        "Weighted pipeline by stage (¥)",
        [(s.label, s.weighted) for s in rep.stages],
        "¥{:,.0f}",
        "#6fa8e4",
    )
    new = _bars("New deals per month", list(rep.new_deals_by_month.items()), colour="#89b9ea")
    meetings = _bars(
        "Meetings per month (deals entering the first stage)",
        list(rep.meetings_by_month.items()),
        colour="#a3c9ef",
    )
    ringi = _bars("Ringi status (open deals)", list(rep.ringi_mix.items()), colour="#bcd8f4")
    budget = _bars("Budget status (open deals)", list(rep.budget_mix.items()), colour="#d4e6f8")
    rows = "\n".join(
        f"<tr><td>{escape(s.label)}</td><td>{s.entered}</td><td>{s.advanced}</td>"
        f"<td>{'—' if s.conversion is None else f'{s.conversion:.0%}'}</td>"
        f"<td>{_fmt(s.quantile(0.5), 1)}</td>"
        f"<td>{(str(s.expected[0]) + '–' + str(s.expected[1])) if s.expected else '—'}</td>"
        f"<td>{s.open_count}</td><td>{_yen(s.weighted)}</td></tr>"
        for s in rep.stages
    )
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<title>hs-japan pipeline report — portal {portal_id}</title>
<style>
body {{ font-family: {FONT}; margin: 24px; color: #1b2a41; }}
table {{ border-collapse: collapse; margin: 12px 0 24px; }}
td, th {{ border: 1px solid #c9d3de; padding: 4px 8px; font-size: 13px; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
section {{ margin-bottom: 28px; }}
</style></head><body>
<h1>Pipeline report</h1>
<p>Portal {portal_id} · pipeline <code>{escape(pipeline_id)}</code> · {deals} deals ·
generated {now.strftime("%Y-%m-%d %H:%M UTC")} by hs-japan report.
Weighted pipeline: <strong>{_yen(rep.weighted_total)}</strong>.</p>
<table><tr><th>Stage</th><th>Entered</th><th>Advanced</th><th>Conversion</th>
<th>Median days</th><th>Expected days</th><th>Open</th><th>Weighted</th></tr>
{rows}
</table>
<section>{conv}</section>
<section>{_time_in_stage(rep)}</section>
<section>{weighted}</section>
<section>{new}</section>
<section>{meetings}</section>
<section>{ringi}</section>
<section>{budget}</section>
</body></html>
"""
