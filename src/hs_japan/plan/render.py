"""Render a plan as text (a reviewable diff), JSON or Markdown. Pure: returns strings."""

from __future__ import annotations

import json
from typing import Any

from hs_japan.flowdiff import in_words, nested_changes
from hs_japan.plan.model import Action, Change, Plan, Risk
from hs_japan.plan.planfile import plan_document
from hs_japan.resources import normalize_options


def _v(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _option_lines(
    before: list[dict[str, Any]] | None, after: list[dict[str, Any]] | None
) -> list[str]:
    old = {o["value"]: o for o in normalize_options(before or [])}
    new = {o["value"]: o for o in normalize_options(after or [])}
    lines = []
    for value in [*new, *(v for v in old if v not in new)]:
        a, b = old.get(value), new.get(value)
        if a is None and b is not None:
            hidden = " (hidden)" if b["hidden"] else ""
            lines.append(f"+ option {_v(value)}: label {_v(b['label'])}{hidden}")
        elif b is None and a is not None:
            lines.append(f"- option {_v(value)}: label {_v(a['label'])}")
        elif a != b and a is not None and b is not None:
            diffs = ", ".join(f"{k} {_v(a[k])} → {_v(b[k])}" for k in b if a.get(k) != b[k])
            lines.append(f"~ option {_v(value)}: {diffs}")
    return lines


def _attr_lines(change: Change) -> list[str]:
    lines: list[str] = []
    before = change.before or {}
    after = change.after or {}
    if change.action is Action.CREATE:
        for name, value in after.items():
            if name == "options":
                lines.append("options:")
                lines.extend("  " + line for line in _option_lines(None, value))
            elif name == "filters" and isinstance(value, list) and value:
                lines.append("filters:")
                lines.extend(f"  + {line}" for line in _filter_list(value))
            else:
                lines.append(f"{name}: {_v(value)}")
    elif change.action is Action.DELETE:
        label = before.get("label")
        if label is not None:
            lines.append(f"label: {_v(label)}")
    else:
        for name in after:
            old, new = before.get(name), after[name]
            if name == "options":
                lines.append("options:")
                lines.extend("  " + line for line in _option_lines(old, new))
            elif isinstance(old, dict | list) and isinstance(new, dict | list):
                # nested values (list filters, …) path by path, never as two JSON blobs
                lines.append(f"{name}:")
                lines.extend("  " + line for line in nested_changes(old, new, parent=name))
            elif name == "filters" and isinstance(new, list) and new:
                lines.append(f"filters: {_v(old)} → now:")
                lines.extend(f"  + {line}" for line in _filter_list(new))
            else:
                lines.append(f"{name}: {_v(old)} → {_v(new)}")
    return lines


def _filter_list(filters: list[Any]) -> list[str]:
    """A list's filters one per line: ``jp_icp_fit IS_ANY_OF ["a", "b"]``."""
    return [in_words(f) for f in filters]


def header(plan: Plan) -> str:
    p = plan.portal
    name = f' "{p.name}"' if p.name else ""
    digest = plan.blueprint_digest.split(":")[-1][:12]
    return (
        f"Portal {p.portal_id}{name} ({p.account_type}) · blueprint {plan.blueprint_root} "
        f"(sha256 {digest}) · labels: {plan.language}"
    )


def summary_line(plan: Plan) -> str:
    s = plan.summary
    if plan.empty:
        return "No changes. The portal matches the blueprint."
    text = (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['replace']} to replace."
    )
    n = len(plan.destructive)
    if n:
        text += f" {n} destructive change{'s' if n > 1 else ''} (apply needs --allow-destroy"
        text += ", and --allow-data-loss)." if plan.data_loss else ")."
    if plan.blocked:
        text += f" {len(plan.blocked)} blocked: apply will refuse until they are resolved."
    return text


def render_text(plan: Plan) -> str:
    out = [header(plan), ""]
    for change in plan.changes:
        flag = "  [destructive]" if change.risk is Risk.DESTRUCTIVE else ""
        if change.blocked:
            flag = "  [blocked]"
        out.append(f"{change.action.glyph} {change.kind.value} {change.key}{flag}")
        if change.details:
            out.extend("    " + line for line in change.details)
        else:
            out.extend("    " + line for line in _attr_lines(change))
        out.extend(f"    ! {reason}" for reason in change.reasons)
        if change.blocked:
            out.append(f"    ✗ {change.blocked}")
    if plan.changes:
        out.append("")
    out.extend(f"note: {n}" for n in plan.notes)
    out.append(summary_line(plan))
    return "\n".join(out) + "\n"


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), ensure_ascii=False, indent=2) + "\n"


def render_markdown(plan: Plan) -> str:
    out = ["### hs-japan plan", "", header(plan), "", f"**{summary_line(plan)}**", ""]
    if plan.changes:
        out += ["| | kind | key | risk |", "|---|---|---|---|"]
        out += [
            f"| `{c.action.glyph}` | {c.kind.value} | `{c.key}` | {c.risk.value} |"
            for c in plan.changes
        ]
        out += ["", "<details><summary>Attribute changes</summary>", "", "```diff"]
        for c in plan.changes:
            out.append(f"{c.action.glyph} {c.kind.value} {c.key}")
            out.extend("    " + line for line in (c.details or _attr_lines(c)))
        out += ["```", "", "</details>"]
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
