"""Data quality of the values already in the portal (pure).

HubSpot enforces a property's validation rules on new writes only (docs/hubspot-api.md
§15.1): records imported or written before the rule existed keep bad values, and a 13-digit
rule cannot see a mistyped digit. The audit therefore checks every record value of a
property the blueprint gives a ``pattern``:

- 法人番号 (``jp_corporate_number``): 13 digits, and the National Tax Agency's check digit
  (:func:`hs_japan.jp_checks.corporate_number_problem`);
- フリガナ (a property whose pattern is a katakana class, e.g. ``jp_last_name_kana``,
  ``jp_company_kana``): the blueprint's pattern and :func:`hs_japan.jp_checks.kana_problem`;
- any other pattern: the value must match it.

A finding names the record (object, id, name), the property and what is wrong with its
value, in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hs_japan.audit.labels import Vocabulary
from hs_japan.blueprint.model import Blueprint
from hs_japan.jp_checks import corporate_number_problem, kana_problem

CORPORATE_NUMBER = "jp_corporate_number"
# the properties that name a record, per object (HubSpot-defined)
NAME_PROPERTIES: dict[str, tuple[str, ...]] = {
    "companies": ("name", "domain"),
    "contacts": ("lastname", "firstname", "email"),
    "deals": ("dealname",),
    "tickets": ("subject",),
}
# HubSpot's object type ids, for record links (app.hubspot.com/contacts/<portal>/record/<id>/)
OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "tickets": "0-5"}


@dataclass(frozen=True)
class Check:
    object: str
    property: str
    kind: str  # corporate_number | kana | pattern
    pattern: str


def checks_of(bp: Blueprint) -> list[Check]:
    """One check per blueprint property with a ``pattern`` (blueprint order)."""
    out = []
    for spec, _ in bp.properties:
        if spec.absent or not spec.pattern:
            continue
        if spec.name == CORPORATE_NUMBER:
            kind = "corporate_number"
        elif "ァ" in spec.pattern or "kana" in spec.name:
            kind = "kana"
        else:
            kind = "pattern"
        out.append(Check(spec.object, spec.name, kind, spec.pattern))
    return out


def problem_of(check: Check, value: str) -> str | None:
    """Why ``value`` is bad for ``check`` (a message key of :mod:`hs_japan.audit.labels`),
    or None. An empty value is no problem (the property is optional)."""
    if not value.strip():
        return None
    if check.kind == "corporate_number":
        problem = corporate_number_problem(value)
        if problem is None:
            return None
        return "quality.digits" if "13 digits" in problem else "quality.check_digit"
    try:
        matches = re.search(check.pattern, value)  # a regex rule: the pattern's anchors decide
    except re.error:
        matches = None  # load refuses patterns Python cannot compile; be safe anyway
    if check.kind == "kana":
        return "quality.kana" if matches is None or kana_problem(value) else None
    return "quality.pattern" if matches is None else None


@dataclass(frozen=True)
class QualityFinding:
    object: str
    record_id: str
    record_name: str
    property: str
    value: str
    problem: str  # quality.digits | quality.check_digit | quality.kana | quality.pattern
    detail: str  # in the reader's language

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "data_quality",
            "object": self.object,
            "recordId": self.record_id,
            "recordName": self.record_name,
            "property": self.property,
            "value": self.value,
            "problem": self.problem.removeprefix("quality."),
            "detail": self.detail,
        }


def record_name(obj: str, props: Mapping[str, Any], record_id: str) -> str:
    """How a person recognises the record: company name, 姓 名 (family name first), …"""
    values = [str(props.get(p) or "").strip() for p in NAME_PROPERTIES.get(obj, ())]
    if obj == "contacts":
        person = " ".join(v for v in values[:2] if v)
        return person or values[2] or record_id
    return next((v for v in values if v), record_id)


def quality_findings(
    records: Mapping[str, Iterable[Mapping[str, Any]]],
    checks: list[Check],
    vocab: Vocabulary,
) -> list[QualityFinding]:
    """Every bad value among ``records`` (object → records as search returns them), in
    object, record id and property order."""
    by_object: dict[str, list[Check]] = {}
    for c in checks:
        by_object.setdefault(c.object, []).append(c)
    out = []
    for obj, wanted in by_object.items():
        for rec in sorted(records.get(obj, ()), key=lambda r: _id_order(str(r.get("id")))):
            props = rec.get("properties") or {}
            rid = str(rec.get("id"))
            for check in wanted:
                value = str(props.get(check.property) or "")
                problem = problem_of(check, value)
                if problem is None:
                    continue
                detail = vocab.t(
                    "quality.detail",
                    prop=vocab.prop(check.property, obj),
                    value=value if len(value) <= 40 else value[:39] + "…",
                    problem=vocab.t(problem, pattern=check.pattern),
                )
                out.append(
                    QualityFinding(
                        obj,
                        rid,
                        record_name(obj, props, rid),
                        check.property,
                        value,
                        problem,
                        detail,
                    )
                )
    return out


def read_plan(checks: list[Check]) -> dict[str, tuple[list[str], list[str]]]:
    """object → (the checked properties: a record is read when it has any of them, the
    properties to read: checked ones and the record's name)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for c in checks:
        having, _ = out.setdefault(c.object, ([], []))
        if c.property not in having:
            having.append(c.property)
    return {
        obj: (having, [*having, *NAME_PROPERTIES.get(obj, ())]) for obj, (having, _) in out.items()
    }


def _id_order(record_id: str) -> tuple[int, str]:
    return (int(record_id), "") if record_id.isdigit() else (1 << 62, record_id)
