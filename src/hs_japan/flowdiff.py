"""Workflow comparison for plans (pure): a canonical form, and changes told in words.

Server-set fields (ids, revision, timestamps, ``nextAvailableActionId``) are dropped, and
defaults HubSpot fills in when it stores a flow (``filterBranchOperator``, empty
``filters``/``filterBranches``, ``includeObjectsWithNoValueSet: false``) are filled in on
both sides, so a flow read back from HubSpot equals the flow that was sent.
"""

from __future__ import annotations

import json
from typing import Any

from hs_japan.portal.flows import SERVER_FIELDS

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
            lines.append(f"{field}: {_short(a.get(field))} → {_short(b.get(field))}")
    if a.get("blockedDates") != b.get("blockedDates"):
        lines.append(describe_blocked(a.get("blockedDates") or [], b.get("blockedDates") or []))
    if a.get("enrollmentCriteria") != b.get("enrollmentCriteria"):
        lines.append(
            "trigger (enrollment criteria) changed: "
            f"{_short(a.get('enrollmentCriteria'))} → "
            f"{_short(b.get('enrollmentCriteria'))}"
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
                    lines.append(f"{_step(n)}: {key} {_short(of.get(key))} → {_short(nf.get(key))}")
            for key in sorted((set(o) | set(n)) - {"fields"}):
                if o.get(key) != n.get(key):
                    lines.append(f"{_step(n)}: {key} {_short(o.get(key))} → {_short(n.get(key))}")
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
    lines.extend(f"{k}: {_short(a.get(k))} → {_short(b.get(k))}" for k in rest)
    return lines
