"""Saved plans (``plan --out FILE``): what was planned, against which portal and blueprint.

A saved plan never carries a token. ``apply --plan`` re-plans from the live portal and
applies only if the result is exactly the saved plan (see :func:`compare_saved`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hs_japan.errors import ConfigError
from hs_japan.plan.model import Change, Plan

FORMAT = "hs-japan-plan/1"


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
    path.write_text(
        json.dumps(plan_document(plan, fingerprints), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )


def load_saved(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read plan file: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not a plan file (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ConfigError(f"{path}: not an hs-japan plan file (format {FORMAT} expected)")
    return doc


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
