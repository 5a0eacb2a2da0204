"""Stage criteria that do something: one workflow per deal stage that opens a task for
the deal owner when a deal sits in the stage without meeting its criteria (pure).

For stage *S*, the criteria checked are S's entry criteria plus the exit criteria of the
stage before it (leaving a stage means its exit criteria should hold). The flow is
LIST_BASED: a deal enrols when it is in *S* and any criterion is unmet (root OR of AND
branches ``dealstage = S AND <criterion unmet>``, docs/hubspot-api.md §6.5); it re-enrols
when it enters the stage again. The single action is HubSpot's "create task" (``0-3``,
docs/hubspot-api.md §6.4) assigned to the record owner and associated with the deal.

HubSpot cannot block a stage change through its API (conditional stage properties are
UI-only), so this, the audit and the playbook checklist are how criteria are enforced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hs_japan.blueprint.model import Blueprint, Language, PipelineSpec, StageSpec
from hs_japan.reserved import MARKER
from hs_japan.resources import make_key

KEY_PREFIX = "criteria_"
# HubSpot-defined association type for task → deal used in task actions
# (docs/hubspot-api.md §6.4 [obs])
TASK_TO_DEAL = 216

PropType = Callable[[str], str | None]

# labels of the HubSpot-defined deal properties criteria may name (HubSpot's UI wording);
# blueprint properties take their labels from the blueprint
_HUBSPOT_LABELS: dict[str, dict[str, str]] = {
    "amount": {"ja": "金額", "en": "Amount"},
    "closedate": {"ja": "完了予定日", "en": "Close date"},
    "dealname": {"ja": "取引名", "en": "Deal name"},
    "dealtype": {"ja": "取引タイプ", "en": "Deal type"},
    "description": {"ja": "取引の説明", "en": "Deal description"},
    "hubspot_owner_id": {"ja": "取引担当者", "en": "Deal owner"},
    "hs_priority": {"ja": "優先度", "en": "Priority"},
}
_BOOL_WORDS = {"true": {"ja": "はい", "en": "Yes"}, "false": {"ja": "いいえ", "en": "No"}}


class Labels:
    """Property and option labels (ja/en) of the deal properties a blueprint defines, for
    the words of a task body: people read labels, never internal names."""

    def __init__(self, bp: Blueprint | None = None) -> None:
        self._props: dict[str, Any] = {}
        if bp is not None:
            for spec, _ in bp.properties:
                if spec.object == "deals" and not spec.absent:
                    self._props[spec.name] = spec

    def prop(self, name: str) -> dict[str, str]:
        spec = self._props.get(name)
        if spec is not None and spec.label is not None:
            return {lang: spec.label.pick(lang) for lang in ("ja", "en")}
        return _HUBSPOT_LABELS.get(name, {"ja": name, "en": name})

    def values(self, name: str, values: list[str]) -> dict[str, list[str]]:
        """The options' labels in the property's option order (so the words do not depend
        on the order a condition lists its values in, and read as the picklist does)."""
        spec = self._props.get(name)
        options = list(spec.options or []) if spec is not None else []
        rank = {
            o.value: (o.display_order if o.display_order is not None else i, i)
            for i, o in enumerate(options)
        }
        ordered = sorted(values, key=lambda v: (rank.get(v, (len(options), len(options))), v))
        found = {o.value: o for o in options}
        out: dict[str, list[str]] = {"ja": [], "en": []}
        for value in ordered:
            for lang in ("ja", "en"):
                option = found.get(value)
                if option is not None:
                    out[lang].append(option.label.pick(lang))
                elif value in _BOOL_WORDS and spec is not None and spec.type == "bool":
                    out[lang].append(_BOOL_WORDS[value][lang])
                else:
                    out[lang].append(value)
        return out


def _not_in_words(prop: dict[str, str], shown: dict[str, list[str]]) -> dict[str, str]:
    ja = "、".join(f"「{v}」" for v in shown["ja"])
    en = ", ".join(f'"{v}"' for v in shown["en"])
    if len(shown["ja"]) == 1:
        return {"ja": f"「{prop['ja']}」が{ja}ではない", "en": f"{prop['en']} is not {en}"}
    return {
        "ja": f"「{prop['ja']}」が{ja}のいずれでもない",
        "en": f"{prop['en']} is not one of {en}",
    }


@dataclass(frozen=True)
class Unmet:
    """One criterion as (property, the HubSpot filter that matches records failing it)."""

    property: str
    words: dict[str, str]  # ja/en text for the task body
    operation: dict[str, Any]


def _text(value: Any, language: Language) -> str:
    return value.pick(language) if value is not None else ""


def _unmet_filters(
    stage: StageSpec, previous: StageSpec | None, prop_type: PropType, labels: Labels
) -> list[Unmet]:
    found: list[Unmet] = []
    sources = [(stage.entry, "entry"), (previous.exit if previous else None, "exit")]
    for criteria, _phase in sources:
        if criteria is None:
            continue
        for prop in criteria.required_properties:
            name = labels.prop(prop)
            found.append(
                Unmet(
                    prop,
                    {"ja": f"「{name['ja']}」が未入力", "en": f"{name['en']} is empty"},
                    {"operationType": "ALL_PROPERTY", "operator": "IS_UNKNOWN"},
                )
            )
        for cond in criteria.conditions:
            ptype = prop_type(cond.property)
            if cond.is_set is not None:
                op = "IS_UNKNOWN" if cond.is_set else "IS_KNOWN"
                name = labels.prop(cond.property)
                found.append(
                    Unmet(
                        cond.property,
                        {
                            "ja": f"「{name['ja']}」が{'未入力' if cond.is_set else '入力済み'}",
                            "en": f"{name['en']} is {'empty' if cond.is_set else 'set'}",
                        },
                        {"operationType": "ALL_PROPERTY", "operator": op},
                    )
                )
                continue
            values = list(cond.in_) if cond.in_ is not None else [str(cond.equals)]
            words = _not_in_words(labels.prop(cond.property), labels.values(cond.property, values))
            if ptype == "bool":
                operation: dict[str, Any] = {
                    "operationType": "BOOL",
                    "operator": "IS_NOT_EQUAL_TO",
                    "value": values[0] == "true",
                }
            elif ptype in ("string", "phone_number") and len(values) == 1:
                operation = {
                    "operationType": "STRING",
                    "operator": "IS_NOT_EQUAL_TO",
                    "value": values[0],
                }
            else:  # enumeration (the common case); IS_NOT_EQUAL_TO is refused there (§6.5)
                operation = {
                    "operationType": "ENUMERATION",
                    "operator": "IS_NONE_OF",
                    "values": sorted(values),
                }
            found.append(Unmet(cond.property, words, operation))
    unique: list[Unmet] = []
    for u in found:  # the same check from entry and the previous exit counts once
        if all((u.property, u.operation) != (v.property, v.operation) for v in unique):
            unique.append(u)
    return unique


def _branch(filters: list[dict[str, Any]], branch_type: str) -> dict[str, Any]:
    return {
        "filterBranchType": branch_type,
        "filterBranchOperator": branch_type,
        "filterBranches": [],
        "filters": filters,
    }


def _property_filter(prop: str, operation: dict[str, Any], with_empty: bool) -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": prop,
        "operation": {**operation, "includeObjectsWithNoValueSet": with_empty},
    }


def stage_flow(
    pipeline: PipelineSpec,
    index: int,
    language: Language,
    prop_type: PropType,
    enabled: bool,
    labels: Labels | None = None,
) -> tuple[str, dict[str, Any]] | None:
    """The criteria workflow of ``pipeline.stages[index]``, or None when nothing to check.

    ``labels`` gives the task body its property and option labels (``Labels(bp)``)."""
    live = [s for s in pipeline.stages if not s.absent]
    stage = pipeline.stages[index]
    if stage.absent:
        return None
    position = live.index(stage)
    previous = live[position - 1] if position > 0 else None
    unmet = _unmet_filters(stage, previous, prop_type, labels or Labels())
    if not unmet:
        return None
    in_stage = _property_filter(
        "dealstage",
        {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": [stage.key]},
        False,
    )
    root = _branch([], "OR")
    root["filterBranches"] = [
        _branch(
            [
                in_stage,
                # a record with no value fails "is one of"/"is set" tests too
                _property_filter(
                    u.property,
                    u.operation,
                    u.operation["operator"] != "IS_KNOWN"
                    and u.operation["operationType"] != "ALL_PROPERTY",
                ),
            ],
            "AND",
        )
        for u in unmet
    ]
    label = _text(stage.label, language) or stage.key
    pipeline_label = _text(pipeline.label, language) or pipeline.id
    checks = "\n".join(f"- {u.words[language]}" for u in unmet)
    description = _text(stage.entry.description if stage.entry else None, language)
    if language == "ja":
        name = f"[hs-japan] {pipeline_label} / {label}: ステージ基準の確認"
        subject = f"ステージ基準を確認: {label}"
        body = f"この商談は「{label}」に入りましたが、次の基準を満たしていません:\n{checks}"
        if description:
            body += f"\n\n入口基準: {description}"
    else:
        name = f"[hs-japan] {pipeline_label} / {label}: stage criteria check"
        subject = f"Check stage criteria: {label}"
        body = f"This deal entered '{label}' without meeting:\n{checks}"
        if description:
            body += f"\n\nEntry criteria: {description}"
    key = f"{KEY_PREFIX}{pipeline.id}_{stage.key}"
    flow = {
        "type": "PLATFORM_FLOW",
        "objectTypeId": "0-3",
        "flowType": "WORKFLOW",
        "name": name[:255],
        "description": f"Generated by hs-japan from the stage criteria of {pipeline.id}/"
        f"{stage.key}; edit the blueprint, not this workflow.",
        "isEnabled": enabled,
        "startActionId": "1",
        "actions": [
            {
                "type": "SINGLE_CONNECTION",
                "actionId": "1",
                "actionTypeId": "0-3",
                "actionTypeVersion": 0,
                "fields": {
                    "task_type": "TODO",  # HubSpot enum value (TODO|CALL|EMAIL), not a marker
                    "subject": subject[:255],
                    "body": body,
                    "priority": "HIGH",
                    "associations": [
                        {
                            "target": {
                                "associationCategory": "HUBSPOT_DEFINED",
                                "associationTypeId": TASK_TO_DEAL,
                            },
                            "value": {"type": "ENROLLED_OBJECT"},
                        }
                    ],
                    "use_explicit_associations": "true",
                    "owner_assignment": {
                        "type": "CUSTOM",
                        "value": {"type": "OBJECT_PROPERTY", "propertyName": "hubspot_owner_id"},
                    },
                },
            }
        ],
        "enrollmentCriteria": {
            "type": "LIST_BASED",
            "shouldReEnroll": True,
            "unEnrollObjectsNotMeetingCriteria": True,
            "listFilterBranch": root,
            "reEnrollmentTriggersFilterBranches": [],
        },
        "timeWindows": [],
        "blockedDates": [],
        "customProperties": {MARKER: key},
        "dataSources": [],
    }
    return key, flow


def criteria_flows(
    bp: Blueprint, language: Language, prop_type: PropType
) -> dict[str, dict[str, Any]]:
    """Every deal stage's criteria workflow, keyed ``deals/<flow key>``."""
    out: dict[str, dict[str, Any]] = {}
    labels = Labels(bp)
    for pipeline, _ in bp.pipelines:
        if pipeline.object != "deals" or pipeline.absent or pipeline.criteria_tasks == "off":
            continue
        for i in range(len(pipeline.stages)):
            made = stage_flow(
                pipeline, i, language, prop_type, pipeline.criteria_tasks == "enabled", labels
            )
            if made is not None:
                key, flow = made
                out[make_key("deals", key)] = flow
    return out


# -- back: a stage-criteria workflow as the criteria it checks (export) ----------------


def _unmet(branch: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(property, operation) of one ``dealstage = S AND <criterion unmet>`` branch."""
    filters = branch.get("filters") or []
    if len(filters) != 2 or filters[0].get("property") != "dealstage":
        return None
    f = filters[1]
    return str(f.get("property")), dict(f.get("operation") or {})


def criteria_from_flow(flow: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The stage criteria a stage-criteria workflow checks, as blueprint ``entry`` criteria
    of its stage: (stage id, criteria). Checks keep their order, so the workflow generated
    from them is the same one. None when the flow does not have the generated shape."""
    root = (flow.get("enrollmentCriteria") or {}).get("listFilterBranch") or {}
    branches = root.get("filterBranches") or []
    actions = flow.get("actions") or []
    if not branches or len(actions) != 1:
        return None
    body = str((actions[0].get("fields") or {}).get("body") or "")
    description = None
    for marker in ("\n\n入口基準: ", "\n\nEntry criteria: "):
        if marker in body:
            body, description = body.split(marker, 1)
    stage = None
    conditions: list[dict[str, Any]] = []
    for branch in branches:
        found = _unmet(branch)
        if found is None:
            return None
        values_in_stage = (branch["filters"][0].get("operation") or {}).get("values") or []
        stage = str(values_in_stage[0]) if values_in_stage else None
        prop, op = found
        kind, operator = op.get("operationType"), op.get("operator")
        if kind == "ALL_PROPERTY" and operator in ("IS_UNKNOWN", "IS_KNOWN"):
            conditions.append({"property": prop, "is_set": operator == "IS_UNKNOWN"})
        elif kind == "BOOL" and operator == "IS_NOT_EQUAL_TO":
            conditions.append({"property": prop, "equals": "true" if op.get("value") else "false"})
        elif kind == "STRING" and operator == "IS_NOT_EQUAL_TO":
            conditions.append({"property": prop, "equals": str(op.get("value"))})
        elif kind == "ENUMERATION" and operator == "IS_NONE_OF":
            # the task body lists option labels in the property's option order, whatever
            # order the blueprint wrote them in: sorted values generate the same workflow
            conditions.append({"property": prop, "in": [str(v) for v in op.get("values") or []]})
        else:
            return None
    if stage is None:
        return None
    criteria: dict[str, Any] = {"conditions": conditions}
    if description:
        criteria["description"] = description
    return stage, criteria
