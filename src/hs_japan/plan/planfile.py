"""Saved plans (``plan --out FILE``): what was planned, against which portal and blueprint.

A saved plan never carries a token. ``apply --plan`` re-plans from the live portal and
applies only if the result is exactly the saved plan (see :func:`compare_saved`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hs_japan.errors import ConfigError
from hs_japan.outfile import ReadProblem, check_writable, read_regular_file, write_atomic
from hs_japan.plan.model import Change, Plan

FORMAT = "hs-japan-plan/1"
MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan of every object of a large portal is a few MB


def plan_document(plan: Plan, fingerprints: dict[str, str] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "portal": {
            "portalId": plan.portal.portal_id,
            "accountType": plan.portal.account_type,
            "name": plan.portal.name,
        },
        "blueprint": {
            "root": plan.blueprint_root,
            "digest": plan.blueprint_digest,
            "language": plan.language,
        },
        "changes": [c.to_json() for c in plan.changes],
        "summary": plan.summary,
        "notes": list(plan.notes),
    }
    if fingerprints is not None:
        doc["fingerprints"] = dict(sorted(fingerprints.items()))
    return doc


def save_plan(path: Path, plan: Plan, fingerprints: dict[str, str]) -> None:
    """Write the plan all-or-nothing (temp file, then rename): never a half-written plan."""
    text = json.dumps(plan_document(plan, fingerprints), ensure_ascii=False, indent=2) + "\n"
    write_atomic(path, text, "plan file")


def load_saved(path: Path) -> dict[str, Any]:
    """A saved plan, checked for shape; each problem is one line naming the file and field."""
    try:
        raw = read_regular_file(path, MAX_PLAN_BYTES)
    except ReadProblem as exc:
        raise ConfigError(f"{path}: cannot read plan file: {exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a plan file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        hint = " — truncated?" if exc.pos >= len(raw.rstrip()) else ""
        raise ConfigError(
            f"{path}:{exc.lineno}: not a plan file (invalid JSON: {exc.msg}{hint})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not a plan file (invalid JSON: {exc})") from None
    if not isinstance(doc, dict):
        raise ConfigError(
            f"{path}: not an hs-japan plan file (a JSON object is expected, "
            f"found {_json_type(doc)}); make it again with: hs-japan plan ... --out {path}"
        )
    if doc.get("format") != FORMAT:
        raise ConfigError(f"{path}: not an hs-japan plan file (format {FORMAT} expected)")
    problem = _shape_problem(doc)
    if problem:
        raise ConfigError(
            f"{path}: damaged plan file: {problem}; make it again with: hs-japan plan ... "
            f"--out {path}"
        )
    return doc


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _shape_problem(doc: dict[str, Any]) -> str | None:
    """What is wrong with a parsed plan document (None when it has the expected shape)."""
    import hs_japan.kinds  # noqa: F401  (registers every built-in kind: a saved plan's
    # kinds are checked against them, and a kind is defined by its handler module)

    portal = doc.get("portal")
    if not isinstance(portal, dict):
        return f"portal: must be an object, found {_json_type(portal)}"
    pid = portal.get("portalId")
    if not isinstance(pid, int) or isinstance(pid, bool):
        return f"portal.portalId: must be a number, found {_json_type(pid)}"
    blueprint = doc.get("blueprint")
    if not isinstance(blueprint, dict):
        return f"blueprint: must be an object, found {_json_type(blueprint)}"
    for key in ("digest", "language"):
        if not isinstance(blueprint.get(key), str):
            return f"blueprint.{key}: must be a string, found {_json_type(blueprint.get(key))}"
    changes = doc.get("changes")
    if not isinstance(changes, list):
        return f"changes: must be a list, found {_json_type(changes)}"
    for i, change in enumerate(changes):
        if not isinstance(change, dict):
            return f"changes[{i}]: must be an object, found {_json_type(change)}"
        for key in ("action", "kind", "key"):
            if not isinstance(change.get(key), str):
                return f"changes[{i}].{key}: must be a string, found {_json_type(change.get(key))}"
        for key in ("before", "after"):
            if change.get(key) is not None and not isinstance(change[key], dict):
                return f"changes[{i}].{key}: must be an object or null"
        for key in ("reasons", "details"):
            if not isinstance(change.get(key, []), list):
                return f"changes[{i}].{key}: must be a list"
        try:
            Change.from_json(change)
        except (ValueError, TypeError, KeyError) as exc:
            return f"changes[{i}]: {exc}"
    fingerprints = doc.get("fingerprints")
    if fingerprints is not None:
        if not isinstance(fingerprints, dict):
            return f"fingerprints: must be an object, found {_json_type(fingerprints)}"
        for key, value in fingerprints.items():
            if not isinstance(value, str):
                return f"fingerprints.{key}: must be a string, found {_json_type(value)}"
    return None


def compare_saved(
    saved: dict[str, Any], fresh: Plan, fingerprints: dict[str, str] | None = None
) -> list[str]:
    """Reasons the saved plan no longer describes what apply would do (empty: same).

    Two checks: the fresh plan must equal the saved one change for change, and every
    object the saved plan read must still carry the same fingerprint (``updatedAt``), so
    an edit in the portal that happens to leave the plan unchanged is still reported.
    """
    reasons: list[str] = []
    portal = saved.get("portal", {})
    if portal.get("portalId") != fresh.portal.portal_id:
        reasons.append(
            f"the plan was made for portal {portal.get('portalId')}, "
            f"this token is for portal {fresh.portal.portal_id}"
        )
        return reasons
    if saved.get("blueprint", {}).get("digest") != fresh.blueprint_digest:
        reasons.append("the blueprint files changed since the plan was made")
    if saved.get("blueprint", {}).get("language") != fresh.language:
        reasons.append("the label language differs from the saved plan's")
    old = {(c["kind"], c["key"]): Change.from_json(c) for c in saved.get("changes", [])}
    new = {(c.kind.value, c.key): c for c in fresh.changes}
    for rid in sorted(set(old) | set(new)):
        a, b = old.get(rid), new.get(rid)
        label = f"{rid[0]} {rid[1]}"
        if a is None:
            reasons.append(f"{label}: now needs a change the saved plan does not have")
        elif b is None:
            reasons.append(f"{label}: no longer needs the saved change (portal moved on)")
        elif (a.action, a.before, a.after) != (b.action, b.before, b.after):
            reasons.append(f"{label}: the portal changed since the plan was made")
    if fingerprints is not None:
        now = fingerprints
        flagged = {f"{kind}:{key}" for kind, key in set(old) | set(new)}
        for rid, before in sorted((saved.get("fingerprints") or {}).items()):
            kind, _, key = rid.partition(":")
            if rid in flagged and rid not in now:
                continue
            after = now.get(rid)
            if after is None:
                reasons.append(f"{kind} {key}: deleted in the portal since the plan was made")
            elif after != before:
                reasons.append(
                    f"{kind} {key}: edited in the portal since the plan was made "
                    f"(updatedAt {before} → {after})"
                )
    return reasons


def check_plan_target(path: Path) -> None:
    """Fail before any portal read when ``plan --out`` cannot be written (a directory, a
    missing folder, no permission): one line naming the path."""
    check_writable(path, "plan file")
