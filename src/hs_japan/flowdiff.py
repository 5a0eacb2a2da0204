"""Workflow comparison for plans (pure): a canonical form, and changes told in words.

Server-set fields (ids, revision, timestamps, ``nextAvailableActionId``) are dropped, and
defaults HubSpot fills in when it stores a flow (``filterBranchOperator``, empty
``filters``/``filterBranches``, ``includeObjectsWithNoValueSet: false``) are filled in on
both sides, so a flow read back from HubSpot equals the flow that was sent.
"""

from __future__ import annotations

import json
from typing import Any

from hs_japan.resources import FLOW_SERVER_FIELDS as SERVER_FIELDS

_TASK_WORDS = {
    "0-1": "delay",
    "0-3": "create task",
    "0-5": "set property",
    "0-8": "internal email",
    "0-9": "in-app notification",
}


def _branch(branch: Any) -> Any:
    if not isinstance(branch, dict) or "filterBranchType" not in branch:
        return branch
    out = dict(branch)
    out.setdefault("filterBranchOperator", out["filterBranchType"])
    out["filterBranches"] = [_branch(b) for b in out.get("filterBranches") or []]
    filters = []
    for f in out.get("filters") or []:
        f = dict(f)
        if isinstance(f.get("operation"), dict):
            op = dict(f["operation"])
            op.setdefault("includeObjectsWithNoValueSet", False)
            if isinstance(op.get("values"), list):
                op["values"] = sorted(str(v) for v in op["values"])
            f["operation"] = op
        filters.append(f)
    out["filters"] = filters
    return out


def canonical(flow: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in flow.items() if k not in SERVER_FIELDS}
    criteria = out.get("enrollmentCriteria")
    if isinstance(criteria, dict):
        criteria = dict(criteria)
        for key in ("listFilterBranch",):
            if key in criteria:
                criteria[key] = _branch(criteria[key])
        for key in (
            "reEnrollmentTriggersFilterBranches",
            "eventFilterBranches",
            "listMembershipFilterBranches",
        ):
            if isinstance(criteria.get(key), list):
                criteria[key] = [_branch(b) for b in criteria[key]]
        out["enrollmentCriteria"] = criteria
    out.setdefault("description", "")
    result: dict[str, Any] = json.loads(json.dumps(out, sort_keys=True))  # plain, ordered
    return result


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "…"


# -- nested changes, path by path ------------------------------------------------------------
MAX_NESTED_LINES = 40
# list items are paired by the first of these fields that names each item once
_ITEM_KEYS = (("property", "operator"), ("property",), ("actionId",), ("name",), ("value",))
_SEGMENT_WORDS = {"filterBranches": "branch", "filters": "filter", "actions": "step"}


def _v(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _item_key(item: Any, fields: tuple[str, ...]) -> tuple[Any, ...] | None:
    if not isinstance(item, dict) or any(f not in item for f in fields):
        return None
    return tuple(json.dumps(item[f], sort_keys=True) for f in fields)


def _pairing(before: list[Any], after: list[Any]) -> tuple[str, ...] | None:
    """The fields that pair the items of two lists of objects, or None (by position)."""
    for fields in _ITEM_KEYS:
        keys_a = [_item_key(x, fields) for x in before]
        keys_b = [_item_key(x, fields) for x in after]
        if None in keys_a or None in keys_b:
            continue
        if len(set(keys_a)) == len(keys_a) and len(set(keys_b)) == len(keys_b):
            return fields
    return None


def _filter_words(item: dict[str, Any]) -> str:
    """A property filter in one line: ``jp_icp_fit IS_ANY_OF ["a", "b"]``."""
    op = item.get("operation") if isinstance(item.get("operation"), dict) else item
    assert isinstance(op, dict)
    parts = [str(item.get("property")), str(op.get("operator", ""))]
    for field in ("value", "values", "lowerBound", "upperBound"):
        if field in op:
            parts.append(_v(op[field]))
    if op.get("includeObjectsWithNoValueSet"):
        parts.append("(or no value)")
    return " ".join(p for p in parts if p)


def _segment(parent: str, item: Any, index: int, fields: tuple[str, ...] | None) -> str:
    word = _SEGMENT_WORDS.get(parent)
    if fields and isinstance(item, dict):
        shown = " ".join(str(item[f]) for f in fields)
        return f"{word} {shown}" if word else f"[{shown}]"
    return f"{word} {index + 1}" if word else f"[{index + 1}]"


def _join(path: str, segment: str) -> str:
    return f"{path} › {segment}" if path else segment


def in_words(value: Any) -> str:
    """A whole added or removed value in words (filters and branches), else as JSON."""
    if isinstance(value, dict) and "property" in value:
        return _filter_words(value)
    if isinstance(value, dict) and "filterBranchType" in value:
        parts = [_filter_words(f) for f in value.get("filters") or [] if isinstance(f, dict)]
        parts += [f"({in_words(b)})" for b in value.get("filterBranches") or []]
        joiner = f" {value['filterBranchType']} "
        return f"{value['filterBranchType']} branch: " + (joiner.join(parts) or "no filters")
    return _v(value)


def _nested(path: str, before: Any, after: Any, out: list[str], parent: str = "") -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            sub = _join(path, str(key))
            if key not in after:
                out.append(f"{sub}: removed (was {in_words(before[key])})")
            elif key not in before:
                out.append(f"{sub}: added {in_words(after[key])}")
            elif key in _SEGMENT_WORDS and isinstance(before[key], list):
                # "branch 2 › filter x", not "filterBranches › branch 2 › filters › filter x"
                _nested(path, before[key], after[key], out, parent=str(key))
            else:
                _nested(sub, before[key], after[key], out)
        return
    if isinstance(before, list) and isinstance(after, list):
        if all(not isinstance(x, dict | list) for x in [*before, *after]):
            added = [x for x in after if x not in before]
            removed = [x for x in before if x not in after]
            if added or removed:
                words = [f"+ {_v(x)}" for x in added] + [f"- {_v(x)}" for x in removed]
                out.append(f"{path or parent or 'values'}: {', '.join(words)}")
            else:
                out.append(f"{path or parent or 'values'}: order {_v(before)} → {_v(after)}")
            return
        fields = _pairing(before, after)
        if fields is None:
            for i in range(max(len(before), len(after))):
                sub = _join(path, _segment(parent, None, i, None))
                if i >= len(after):
                    out.append(f"{sub}: removed (was {in_words(before[i])})")
                elif i >= len(before):
                    out.append(f"{sub}: added {in_words(after[i])}")
                else:
                    _nested(sub, before[i], after[i], out)
            return
        old = {_item_key(x, fields): x for x in before}
        new = {_item_key(x, fields): x for x in after}
        for i, item in enumerate(before):
            key = _item_key(item, fields)
            sub = _join(path, _segment(parent, item, i, fields))
            if key not in new:
                out.append(f"{sub}: removed (was {in_words(item)})")
            else:
                _nested(sub, item, new[key], out)
        for i, item in enumerate(after):
            if _item_key(item, fields) not in old:
                sub = _join(path, _segment(parent, item, i, fields))
                out.append(f"{sub}: added {in_words(item)}")
        return
    out.append(f"{path or 'value'}: {in_words(before)} → {in_words(after)}")


def nested_changes(before: Any, after: Any, path: str = "", parent: str = "") -> list[str]:
    """What changed between two JSON values, one line per changed path, e.g.
    ``listFilterBranch › branch 2 › filter jp_ringi_status IS_NONE_OF › operation › values:
    + "approved"``. Objects are compared key by key; lists of objects pair their items by
    a field that names each once (``property``, ``actionId``, …), else by position; lists
    of plain values say what was added and removed. At most MAX_NESTED_LINES lines."""
    out: list[str] = []
    _nested(path, before, after, out, parent)
    if len(out) > MAX_NESTED_LINES:
        extra = len(out) - MAX_NESTED_LINES + 1
        out = [*out[: MAX_NESTED_LINES - 1], f"… and {extra} more changed paths"]
    return out


def _step(action: dict[str, Any]) -> str:
    kind = _TASK_WORDS.get(str(action.get("actionTypeId")), str(action.get("actionTypeId")))
    return f"step {action.get('actionId')} ({kind})"


def describe_blocked(before: list[Any], after: list[Any]) -> str:
    """A change of ``blockedDates`` in words: the holiday calendar's years and the annual
    closings, e.g. "extend holiday calendar through 2030 (+17 dates, -16 past)"."""

    def years(dates: list[Any]) -> list[int]:
        return sorted({int(d["year"]) for d in dates if isinstance(d, dict) and d.get("year")})

    def key(d: Any) -> str:
        return json.dumps(d, sort_keys=True)

    old, new = {key(d) for d in before}, {key(d) for d in after}
    added, removed = len(new - old), len(old - new)
    ya, yb = years(before), years(after)
    if yb and (not ya or yb[-1] > ya[-1]):
        what = f"extend holiday calendar through {yb[-1]}"
    elif not after:
        what = "stop skipping holidays"
    elif not before:
        what = f"skip holidays through {yb[-1]}" if yb else "skip the annual closings"
    else:
        what = "change the holiday calendar"
    span = f"{ya[0]}–{ya[-1]}" if ya else "none"
    span_b = f"{yb[0]}–{yb[-1]}" if yb else "none"
    return f"blockedDates: {what} (holiday years {span} → {span_b}; +{added}, -{removed} dates)"


def describe(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Action-level changes in words, e.g. ``step 1 (delay): delta "3" → "2"``."""
    lines: list[str] = []
    if before is None:
        state = "enabled" if after.get("isEnabled") else "disabled"
        lines.append(f"new workflow, {state}: {after.get('name', '')}")
        for action in after.get("actions", []):
            fields = action.get("fields") or {}
            what = f": {_short(fields['subject'])}" if "subject" in fields else ""
            if str(action.get("actionTypeId")) == "0-1":
                what = f": {fields.get('delta')} {str(fields.get('time_unit', '')).lower()}"
            lines.append(f"{_step(action)}{what}")
            body = str(fields.get("body") or "")
            lines.extend(f"  {line.strip()}" for line in body.splitlines() if line.startswith("- "))
        return lines
    a, b = canonical(before), canonical(after)
    if a.get("isEnabled") != b.get("isEnabled"):
        lines.append(f"enabled: {a.get('isEnabled')} → {b.get('isEnabled')}")
    for field in ("name", "description", "timeWindows"):
        if a.get(field) != b.get(field):
            lines.extend(_value_lines(f"{field}:", a.get(field), b.get(field)))
    if a.get("blockedDates") != b.get("blockedDates"):
        lines.append(describe_blocked(a.get("blockedDates") or [], b.get("blockedDates") or []))
    if a.get("enrollmentCriteria") != b.get("enrollmentCriteria"):
        lines.append("trigger (enrollment criteria) changed:")
        lines.extend(
            f"  {line}"
            for line in nested_changes(a.get("enrollmentCriteria"), b.get("enrollmentCriteria"))
        )
    old = {x.get("actionId"): x for x in a.get("actions", [])}
    new = {x.get("actionId"): x for x in b.get("actions", [])}
    for action_id in sorted(set(old) | set(new), key=lambda x: (len(str(x)), str(x))):
        o, n = old.get(action_id), new.get(action_id)
        if o is None and n is not None:
            lines.append(f"{_step(n)}: added")
        elif n is None and o is not None:
            lines.append(f"{_step(o)}: removed")
        elif o != n and o is not None and n is not None:
            of, nf = o.get("fields") or {}, n.get("fields") or {}
            if str(n.get("actionTypeId")) == "0-1" and of != nf:
                unit_a = str(of.get("time_unit", "")).lower()
                unit_b = str(nf.get("time_unit", "")).lower()
                lines.append(f"{_step(n)}: {of.get('delta')} {unit_a} → {nf.get('delta')} {unit_b}")
                of, nf = {}, {}
            for key in sorted(set(of) | set(nf)):
                if of.get(key) != nf.get(key):
                    lines.extend(_value_lines(f"{_step(n)}: {key}", of.get(key), nf.get(key)))
            for key in sorted((set(o) | set(n)) - {"fields"}):
                if o.get(key) != n.get(key):
                    lines.extend(_value_lines(f"{_step(n)}: {key}", o.get(key), n.get(key)))
    rest = sorted(
        k
        for k in set(a) | set(b)
        if k
        not in (
            "isEnabled",
            "name",
            "description",
            "timeWindows",
            "blockedDates",
            "enrollmentCriteria",
            "actions",
        )
        and a.get(k) != b.get(k)
    )
    for k in rest:
        lines.extend(_value_lines(f"{k}:", a.get(k), b.get(k)))
    return lines


def _value_lines(what: str, before: Any, after: Any) -> list[str]:
    """``what: "a" → "b"`` for plain values; nested values path by path under ``what``."""
    head = what if what.endswith(":") else f"{what}:"
    if isinstance(before, dict | list) and isinstance(after, dict | list):
        return [head, *(f"  {line}" for line in nested_changes(before, after))]
    if isinstance(before, str) and isinstance(after, str) and "\n" in before + after:
        return [head, *(f"  {line}" for line in text_changes(before, after))]
    return [f"{what} {_short(before)} → {_short(after)}"]


def text_changes(before: str, after: str) -> list[str]:
    """Lines of a multi-line text (a task body) removed and added, in order."""
    import difflib

    out = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith(("- ", "+ ")):
            what = "line removed" if line[0] == "-" else "line added"
            out.append(f"{what}: {_v(line[2:])}")
    return out[:MAX_NESTED_LINES]
