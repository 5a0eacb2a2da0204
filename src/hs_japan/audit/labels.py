"""What a person reads in ``audit`` and ``report``: property labels, option labels and stage
names in the reader's language (from the blueprint), headings in that language, and text
columns aligned by display width (East Asian wide and fullwidth characters take two
columns). Internal names appear only in JSON output.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from hs_japan.blueprint.model import AssociationLabelSpec, Blueprint, PipelineSpec, PropertySpec

Language = Literal["ja", "en"]

# HubSpot-defined properties the audit and report may name (the blueprint does not
# define them); labels as HubSpot shows them in each language's UI.
HUBSPOT_LABELS: dict[str, tuple[str, str]] = {
    "dealname": ("取引名", "Deal name"),
    "amount": ("金額", "Amount"),
    "closedate": ("完了予定日", "Close date"),
    "dealstage": ("取引ステージ", "Deal stage"),
    "pipeline": ("パイプライン", "Pipeline"),
    "hubspot_owner_id": ("取引担当者", "Deal owner"),
    "createdate": ("作成日", "Create date"),
    "dealtype": ("取引タイプ", "Deal type"),
    "description": ("取引の説明", "Deal description"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    # audit
    "audit.title": ("パイプライン監査", "Pipeline audit"),
    "audit.header": (
        "ポータル {portal} · パイプライン「{pipeline}」 · 進行中の取引 {open} 件",
        "Portal {portal} · pipeline {pipeline} · {open} open deals",
    ),
    "kind.criteria": ("基準未達", "Criteria not met"),
    "kind.stalled": ("停滞", "Stalled"),
    "kind.stakeholders": ("関係者不足", "Missing stakeholders"),
    "col.kind": ("種別", "Finding"),
    "col.deal": ("取引", "Deal"),
    "col.detail": ("内容", "Detail"),
    "col.link": ("リンク", "Link"),
    "unmet.empty": ("「{prop}」が未入力", "{prop} is empty"),
    "unmet.set": ("「{prop}」は空であるべき", "{prop} should be empty"),
    "unmet.in": ("「{prop}」が {values} のいずれでもない", "{prop} is not one of {values}"),
    "unmet.equals": ("「{prop}」が「{values}」ではない", "{prop} is not {values}"),
    "unmet.now": ("（現在: {value}）", " (now: {value})"),
    "stalled.detail": (
        "このステージに {days} 日（想定 {low}–{high} 日）",
        "{days} days in stage (expected {low}–{high})",
    ),
    "stakeholders.none": ("「{role}」がいない", "no {role}"),
    "stakeholders.label_missing": (
        "（ポータルに関連付けラベル「{role}」がない: apply してください）",
        " (the portal has no association label {role}: apply the blueprint)",
    ),
    "kind.data_quality": ("データ品質", "Data quality"),
    "quality.title": ("データ品質", "Data quality"),
    "quality.detail": ("{prop}「{value}」: {problem}", "{prop} '{value}' {problem}"),
    "quality.digits": ("13桁の数字ではありません", "is not 13 digits"),
    "quality.check_digit": (
        "検査用数字(先頭の1桁)が合いません(入力ミスの可能性)",
        "has a wrong check digit (a digit was mistyped)",
    ),
    "quality.kana": ("全角カタカナではありません", "is not in full-width katakana"),
    "quality.pattern": ("形式 {pattern} に合いません", "does not match {pattern}"),
    "col.object": ("オブジェクト", "Object"),
    "col.record": ("レコード", "Record"),
    "obj.companies": ("会社", "Company"),
    "obj.contacts": ("コンタクト", "Contact"),
    "obj.deals": ("取引", "Deal"),
    "obj.tickets": ("チケット", "Ticket"),
    "list.sep": ("、", ", "),
    "list.and": ("・", " and "),
    "audit.summary": (
        "指摘: 基準未達 {criteria} 件、停滞 {stalled} 件、関係者不足 {stakeholders} 件、"
        "データ品質 {quality} 件。設定の差分: {drift} 件。",
        "Findings: {criteria} criteria not met, {stalled} stalled, {stakeholders} missing "
        "stakeholders, {quality} data quality; configuration drift: {drift} change(s).",
    ),
    "audit.drift": ("設定の差分", "Configuration drift"),
    "no_owner": ("（担当者なし）", "(no owner)"),
    "none": ("（未設定）", "(not set)"),
    "yes": ("はい", "Yes"),
    "no": ("いいえ", "No"),
    "action.create": ("追加", "create"),
    "action.update": ("変更", "update"),
    "action.delete": ("削除", "delete"),
    "action.replace": ("作り直し", "replace"),
    "res.property": ("プロパティ", "property"),
    "res.property_group": ("プロパティグループ", "property group"),
    "res.pipeline": ("パイプライン", "pipeline"),
    "res.stage": ("ステージ", "stage"),
    "res.list": ("リスト", "list"),
    "res.workflow": ("ワークフロー", "workflow"),
}


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (W) and fullwidth (F) characters take two,
    combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` display columns (with an ellipsis when cut)."""
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out += ch
        used += w
    return out + "…"


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` display columns (``>``: right-aligned)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if align == ">" else text + fill


def table(headers: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    """Rows aligned in columns by display width; ``align`` gives ``<``/``>`` per column
    (left by default)."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        widths = [max(w, display_width(cell)) for w, cell in zip(widths, row, strict=True)]
    aligns = [align[i] if i < len(align) else "<" for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            pad(c, w, a) for c, w, a in zip(cells, widths, aligns, strict=True)
        ).rstrip()

    return [line(headers), *(line(r) for r in rows)]


class Vocabulary:
    """Labels in one language for what the blueprint defines."""

    def __init__(self, bp: Blueprint | None, pipeline: PipelineSpec, language: str) -> None:
        self.language: Language = "en" if language == "en" else "ja"
        self.pipeline = pipeline
        self.props: dict[tuple[str, str], PropertySpec] = {}
        for spec, _ in bp.properties if bp is not None else ():
            if not spec.absent:
                self.props[(spec.object, spec.name)] = spec
        self.labels: dict[tuple[str, str, str], AssociationLabelSpec] = {}
        for label, _ in bp.association_labels if bp is not None else ():
            if not label.absent:
                self.labels[(label.from_, label.to, label.name)] = label

    def t(self, key: str, **values: Any) -> str:
        ja, en = MESSAGES[key]
        return (ja if self.language == "ja" else en).format(**values)

    def prop(self, name: str, obj: str = "deals") -> str:
        spec = self.props.get((obj, name))
        if spec is not None and spec.label is not None:
            return spec.label.pick(self.language)
        if name in HUBSPOT_LABELS:
            return HUBSPOT_LABELS[name][0 if self.language == "ja" else 1]
        return name

    def option(self, name: str, value: Any, obj: str = "deals") -> str:
        """The label of a stored value (``a;b`` for multiple checkboxes)."""
        text = "" if value is None else str(value)
        if not text:
            return self.t("none")
        spec = self.props.get((obj, name))
        if spec is not None and spec.type == "bool":
            return self.t("yes") if text.lower() == "true" else self.t("no")
        labels = (
            {o.value: o.label.pick(self.language) for o in (spec.options or [])} if spec else {}
        )
        if not labels:
            return text
        return self.t("list.sep").join(labels.get(v, v) for v in text.split(";"))

    def options(self, name: str, values: list[str], obj: str = "deals") -> str:
        """Several values, each as its label, in the order the property lists them."""
        spec = self.props.get((obj, name))
        order = [o.value for o in (spec.options or [])] if spec else []
        ranked = sorted(values, key=lambda v: (order.index(v) if v in order else len(order), v))
        return self.t("list.sep").join(self.option(name, v, obj) for v in ranked)

    def association_label(
        self, name: str, from_obj: str = "deals", to_obj: str = "contacts"
    ) -> str:
        """The text of the blueprint's association label ``name`` (the name itself when the
        blueprint has no such label)."""
        spec = self.labels.get((from_obj, to_obj, name))
        return spec.label.pick(self.language) if spec is not None and spec.label else name

    def stage(self, key: str) -> str:
        for st in self.pipeline.stages:
            if st.key == key:
                return st.label.pick(self.language) if st.label else key
        return key

    def pipeline_label(self) -> str:
        pl = self.pipeline
        return pl.label.pick(self.language) if pl.label else pl.id
