"""The buying committee on each deal, from deal → contact association labels (pure).

A person's role differs per deal, so the roles live on the deal-contact association as
user-defined labels (blueprint ``association_labels``, e.g. 決裁者 ``jp_decision_maker`` and
推進者(チャンピオン) ``jp_champion``). HubSpot lists a label as ``{category, typeId, label}``
without the blueprint's internal name, so a typeId is matched to the blueprint by the label's
text in either language, or a former text (``renamed_from``), as ``plan`` finds labels.

- :func:`label_names`: typeId → blueprint label name, for one object pair.
- :func:`roles_by_deal`: deal id → per associated contact, its label names (``;``-joined,
  the shape :func:`hs_japan.audit.metrics.audit` reads).
- :func:`checked_stages`: the open stages where a deal must have a decision maker and a
  champion: those after the evaluation stage (``*evaluation`` key; without one, open stages
  of probability 0.5 or more).
- :func:`stakeholder_rows`: per stage, the deals in it, the average number of contacts with
  at least one committee label, and the share with a decision maker and with a champion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hs_japan.blueprint.model import Blueprint, Language, PipelineSpec

DECISION_MAKER = "jp_decision_maker"
CHAMPION = "jp_champion"
REQUIRED_ROLES = (DECISION_MAKER, CHAMPION)
USER_DEFINED = "USER_DEFINED"


def label_names(
    bp: Blueprint | None, from_obj: str, to_obj: str, listing: Iterable[Mapping[str, Any]]
) -> dict[int, str]:
    """typeId → the blueprint's name of the label with that text (user-defined labels of
    the pair only; a text the blueprint does not know is left out)."""
    texts: dict[str, str] = {}
    for spec, _ in bp.association_labels if bp is not None else ():
        if spec.absent or spec.label is None or (spec.from_, spec.to) != (from_obj, to_obj):
            continue
        for text in (spec.label.pick("ja"), spec.label.pick("en"), *spec.renamed_from):
            texts.setdefault(text.casefold(), spec.name)
    out: dict[int, str] = {}
    for item in listing:
        type_id = item.get("typeId")
        if item.get("category") != USER_DEFINED or not isinstance(type_id, int):
            continue
        name = texts.get(str(item.get("label") or "").casefold())
        if name is not None:
            out[type_id] = name
    return out


def type_ids(names: Mapping[int, str]) -> dict[str, int]:
    """Blueprint label name → typeId (the lowest when two texts match one name)."""
    out: dict[str, int] = {}
    for type_id in sorted(names):
        out.setdefault(names[type_id], type_id)
    return out


def roles_by_deal(
    links: Mapping[str, Iterable[Any]], names: Mapping[int, str]
) -> dict[str, list[str]]:
    """deal id → one entry per associated contact: its committee label names, ``;``-joined
    (empty for a contact associated without a label). ``links`` holds objects with
    ``type_ids`` (:class:`hs_japan.portal.associations.Link`)."""
    out: dict[str, list[str]] = {}
    for deal_id, targets in links.items():
        out[deal_id] = [
            ";".join(sorted({names[t] for t in link.type_ids if t in names})) for link in targets
        ]
    return out


def checked_stages(pipeline: PipelineSpec) -> list[str]:
    """The open stages where a deal needs a decision maker and a champion."""
    live = [s for s in pipeline.stages if not s.absent]
    open_keys = [s.key for s in live if s.probability not in (0.0, 1.0)]
    evaluation = next((i for i, k in enumerate(open_keys) if k.endswith("evaluation")), None)
    if evaluation is not None:
        return open_keys[evaluation + 1 :]
    return [
        s.key
        for s in live
        if s.key in open_keys and s.probability is not None and s.probability >= 0.5
    ]


def missing_roles(roles: Iterable[str]) -> list[str]:
    """The required roles (decision maker, champion) none of the deal's contacts has."""
    held = {r for entry in roles for r in entry.split(";") if r}
    return [role for role in REQUIRED_ROLES if role not in held]


@dataclass
class StakeholderRow:
    key: str
    label: str
    deals: int = 0
    labelled: int = 0  # contacts with at least one committee label, summed over the deals
    decision_maker: int = 0  # deals with a decision maker
    champion: int = 0  # deals with a champion

    @property
    def average(self) -> float | None:
        return self.labelled / self.deals if self.deals else None

    @property
    def decision_maker_share(self) -> float | None:
        return self.decision_maker / self.deals if self.deals else None

    @property
    def champion_share(self) -> float | None:
        return self.champion / self.deals if self.deals else None

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.key,
            "label": self.label,
            "deals": self.deals,
            "labelledContacts": self.labelled,
            "averageLabelledContacts": _round(self.average),
            "withDecisionMaker": self.decision_maker,
            "decisionMakerShare": _round(self.decision_maker_share),
            "withChampion": self.champion,
            "championShare": _round(self.champion_share),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def stakeholder_rows(
    deals: Iterable[Mapping[str, Any]],
    pipeline: PipelineSpec,
    roles: Mapping[str, list[str]],
    stage_label: Any,
) -> list[StakeholderRow]:
    """Per live stage except lost ones (pipeline order): the deals now in it and their
    committee. ``stage_label``: stage key → the label to show."""
    rows = {
        s.key: StakeholderRow(s.key, stage_label(s.key))
        for s in pipeline.stages
        if not s.absent and s.probability != 0.0
    }
    for deal in deals:
        props = deal.get("properties") or {}
        row = rows.get(str(props.get("dealstage") or ""))
        if row is None:
            continue
        entries = roles.get(str(deal.get("id")), [])
        row.deals += 1
        row.labelled += sum(1 for e in entries if e)
        held = {r for e in entries for r in e.split(";") if r}
        row.decision_maker += DECISION_MAKER in held
        row.champion += CHAMPION in held
    return list(rows.values())


# Who should be engaged by which stage: the blueprint's committee label -> the deal stage by
# whose end the person is known and met, and why (domain notes (a), [S#] sources). A design
# judgment like the stage criteria it follows; the audit's hard check is the decision maker
# and the champion past evaluation (checked_stages).
ENGAGE_BY: dict[str, tuple[str, dict[str, str]]] = {
    "jp_influencer": (
        "jp_discovery",
        {"ja": "購買関与者を把握 [S5]", "en": "buying roles mapped [S5]"},
    ),
    "jp_champion": (
        "jp_trust_building",
        {"ja": "出口基準: 社内推進者を特定 [S11]", "en": "exit: champion named [S11]"},
    ),
    "jp_technical_evaluator": (
        "jp_evaluation",
        {
            "ja": "利用部門と情シスの承認、セキュリティチェックシート [S19]",
            "en": "user department and IT accept; security checksheet [S19]",
        },
    ),
    "jp_ringi_drafter": (
        "jp_consensus",
        {
            "ja": "推進者が社内向け資料を起案 [S1][S22]",
            "en": "the champion drafts the case [S1][S22]",
        },
    ),
    "jp_decision_maker": (
        "jp_consensus",
        {
            "ja": "推進者経由で決裁者に説明済み(頭越しにしない) [S10][S11]",
            "en": "decision maker briefed through the champion, never over their head [S10][S11]",
        },
    ),
    "jp_ringi_approver": (
        "jp_ringi",
        {
            "ja": "稟議の回覧先(承認者) [S1][S3]",
            "en": "the ringi's reviewers and approvers [S1][S3]",
        },
    ),
    "jp_procurement": (
        "jp_vendor_registration",
        {
            "ja": "取引口座開設・与信 [S3][S20]",
            "en": "vendor account opening and credit check [S3][S20]",
        },
    ),
}


@dataclass(frozen=True)
class Engagement:
    name: str  # the label's blueprint name
    label: str  # its text in the language asked for
    stage: str  # the stage key by which to engage
    stage_label: str
    why: str


def engagement_plan(bp: Blueprint, pipeline: PipelineSpec, lang: str) -> list[Engagement]:
    """The deal → contact committee labels with the stage of ``pipeline`` by which each
    person should be engaged (pipeline order; labels without a known stage come last with
    an empty stage)."""
    language: Language = "en" if lang == "en" else "ja"
    order = {s.key: i for i, s in enumerate(pipeline.stages) if not s.absent}
    labels = {s.key: s.label.pick(language) if s.label else s.key for s in pipeline.stages}
    out = []
    for spec, _ in bp.association_labels:
        if spec.absent or spec.label is None or (spec.from_, spec.to) != ("deals", "contacts"):
            continue
        stage, why = ENGAGE_BY.get(spec.name, ("", {}))
        if stage not in order:
            stage = ""
        out.append(
            Engagement(
                spec.name,
                spec.label.pick(language),
                stage,
                labels.get(stage, ""),
                why.get(language, ""),
            )
        )
    return sorted(out, key=lambda e: order.get(e.stage, len(order)))
