"""Kind ``association_label``: user-defined association labels (associations v4), pure.

Key ``<fromObject>/<toObject>/<name>``; attrs ``label`` and, when the blueprint states
one, ``inverseLabel`` (the label of the other direction). HubSpot lists a pair's labels
as ``{category, typeId, label}`` without the internal ``name`` (associations-schema-v4.json
``AssociationSpecWithLabel``), so a label is found by its text: the profile's language,
then the other language, then ``renamed_from`` (renamed in place, never created twice).
Only ``USER_DEFINED`` labels are considered; HubSpot's own (``Primary``, unlabeled) are
never touched.

The other direction of a label is the ``USER_DEFINED`` label of the reverse pair whose
typeId is adjacent to the label's own (:func:`partners`; the ids of a new label are
consecutive in the emulator's model, unconfirmed for HubSpot, docs/hubspot-api.md §14).
Only its text is used, and only to show and export ``inverseLabel``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hs_japan.blueprint.compile import DesiredState
from hs_japan.blueprint.model import AssociationLabelSpec, Blueprint, Language
from hs_japan.kinds.base import ExportContext, ExportSection, KindHandler, Read, Resolution
from hs_japan.resources import (
    OBJECT_TYPES,
    TIER_GATED_OBJECTS,
    Kind,
    PortalState,
    Resource,
    make_key,
)

USER_DEFINED = "USER_DEFINED"
Pair = tuple[str, str]
Listing = list[dict[str, Any]]


def key_of(spec: AssociationLabelSpec) -> str:
    return make_key(spec.from_, spec.to, spec.name)


def pairs_of(bp: Blueprint) -> set[Pair]:
    """The (from, to) listings the plan reads: each label's pair, and its reverse when the
    blueprint states an ``inverse_label`` (only the reverse listing shows the other
    direction's text; a label without one never compares it, so the read is saved)."""
    out: set[Pair] = set()
    for spec, _ in bp.association_labels:
        out.add((spec.from_, spec.to))
        if spec.inverse_label is not None:
            out.add((spec.to, spec.from_))
    return out


# the pairs a tier-gated object has associations (and labels) for: a lead belongs to a
# contact (and may name a company) [docs: leads guide; the pairs beyond these are not
# documented, so export does not read them] (docs/hubspot-api.md §15.7)
GATED_PAIRS: dict[str, tuple[Pair, ...]] = {
    "leads": (
        ("leads", "contacts"),
        ("contacts", "leads"),
        ("leads", "companies"),
        ("companies", "leads"),
    ),
}


def all_pairs(objects: Iterable[str] = OBJECT_TYPES) -> list[Pair]:
    """Every ordered pair among the ungated ``objects`` (export reads them all)."""
    objs = [o for o in OBJECT_TYPES if o in set(objects)]
    return [(a, b) for a in objs for b in objs]


def gated_pairs(obj: str, objects: Iterable[str]) -> frozenset[Pair]:
    """The pairs of a tier-gated ``obj`` whose other object is among ``objects``."""
    wanted = set(objects)
    return frozenset(p for p in GATED_PAIRS.get(obj, ()) if p[0] in wanted and p[1] in wanted)


def export_pairs(objects: Iterable[str]) -> list[Pair]:
    """The pairs export writes, in a fixed order: the ungated ones, then each gated
    object's."""
    objs = list(objects)
    extra = [
        p
        for obj in TIER_GATED_OBJECTS
        if obj in objs
        for p in GATED_PAIRS.get(obj, ())
        if p in gated_pairs(obj, objs)
    ]
    return [*all_pairs(objs), *extra]


def user_labels(listing: Listing) -> Listing:
    return [
        item
        for item in listing
        if item.get("category") == USER_DEFINED and isinstance(item.get("typeId"), int)
    ]


def _names(spec: AssociationLabelSpec, language: Language) -> list[str]:
    assert spec.label is not None
    other: Language = "en" if language == "ja" else "ja"
    return list(
        dict.fromkeys([spec.label.pick(language), spec.label.pick(other), *spec.renamed_from])
    )


def partners(forward: Listing, reverse: Listing, same: bool) -> dict[int, int]:
    """typeId -> the typeId of the other direction of the same label, by adjacency: two
    consecutive ids, one in each direction's listing (one listing for a same-object pair);
    a label without a partner is symmetric."""
    side = {item["typeId"]: "f" for item in user_labels(forward)}
    if not same:
        side.update({item["typeId"]: "r" for item in user_labels(reverse)})
    ids = sorted(side)
    out: dict[int, int] = {}
    i = 0
    while i < len(ids):
        here = ids[i]
        nxt = ids[i + 1] if i + 1 < len(ids) else None
        if nxt == here + 1 and (same or side[here] != side[nxt]):
            out[here], out[nxt] = nxt, here
            i += 2
        else:
            i += 1
    return out


def inverse_of(
    type_id: int, forward: Listing, reverse: Listing, same: bool
) -> dict[str, Any] | None:
    partner = partners(forward, reverse, same).get(type_id)
    if partner is None:
        return None
    return next((i for i in user_labels(reverse) if i["typeId"] == partner), None)


def add_desired(bp: Blueprint, language: Language, desired: DesiredState) -> None:
    """Desired labels (and tombstones)."""
    for spec, origin in bp.association_labels:
        key = key_of(spec)
        rid = (Kind.ASSOCIATION_LABEL, key)
        desired.origins[rid] = origin
        assert spec.label is not None
        if spec.absent:
            desired.tombstones.add(rid)
        else:
            attrs: dict[str, Any] = {"label": spec.label.pick(language)}
            if spec.inverse_label is not None:
                attrs["inverseLabel"] = spec.inverse_label.pick(language)
            desired.snapshot.add(Resource(Kind.ASSOCIATION_LABEL, key, attrs))


def add_actual(
    bp: Blueprint, language: Language, state: PortalState, found: dict[Pair, Listing]
) -> None:
    """The portal's labels the blueprint's labels match, by text."""
    claimed: set[tuple[Pair, int]] = set()
    for spec, _origin in bp.association_labels:
        key = key_of(spec)
        pair = (spec.from_, spec.to)
        listing = user_labels(found.get(pair, []))
        hit = None
        for name in _names(spec, language):
            hit = next(
                (
                    item
                    for item in listing
                    if str(item.get("label") or "").casefold() == name.casefold()
                    and (pair, item["typeId"]) not in claimed
                ),
                None,
            )
            if hit is not None:
                break
        if hit is None:
            continue
        claimed.add((pair, hit["typeId"]))
        actual: dict[str, Any] = {"label": str(hit.get("label") or ""), "typeId": hit["typeId"]}
        inverse = inverse_of(
            hit["typeId"],
            found.get(pair, []),
            found.get((spec.to, spec.from_), []),
            spec.from_ == spec.to,
        )
        if inverse is not None:
            actual["inverseLabel"] = str(inverse.get("label") or "")
            actual["inverseTypeId"] = inverse["typeId"]
        elif spec.from_ == spec.to:
            actual["inverseLabel"] = actual["label"]  # one symmetric label
        state.snapshot.add(Resource(Kind.ASSOCIATION_LABEL, key, actual))


def export_items(
    found: dict[Pair, Listing], objects: tuple[str, ...], language: str
) -> list[dict[str, Any]]:
    """The portal's user-defined labels as ``association_labels`` items.

    Each label appears in both directions' listings; it is written once, from the side
    with the lower typeId, with the other side as ``inverse_label`` when its text differs.
    """
    import re

    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    for a, b in export_pairs(objects):
        forward, reverse = found.get((a, b), []), found.get((b, a), [])
        paired = partners(forward, reverse, a == b)
        for item in sorted(user_labels(forward), key=lambda i: i["typeId"]):
            if paired.get(item["typeId"], item["typeId"]) < item["typeId"]:
                continue  # the other side of a label written from its lower typeId
            text = str(item.get("label") or "")
            slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
            name = (
                slug if re.fullmatch(r"[a-z][a-z0-9_]{0,99}", slug) else f"label_{item['typeId']}"
            )
            base, n = name, 2
            while make_key(a, b, name) in taken:
                name = f"{base}_{n}"[:100]
                n += 1
            taken.add(make_key(a, b, name))
            made: dict[str, Any] = {"from": a, "to": b, "name": name, "label": {language: text}}
            inverse = inverse_of(item["typeId"], forward, reverse, a == b)
            if inverse is not None and str(inverse.get("label") or "") != text:
                made["inverse_label"] = {language: str(inverse.get("label") or "")}
            out.append(made)
    return out


READ = "hs_japan.portal.association_labels:read_labels_of"  # (from, to) -> listing
# export's read of a tier-gated object's pairs: (obj, pairs) -> listings, or Refused
GATED_READ = "hs_japan.portal.dump:association_labels_of"


class AssociationLabelHandler(KindHandler):
    kind = Kind.ASSOCIATION_LABEL
    noun = "association label"
    order = 40
    rank = 0  # depends on nothing: written with the property groups
    writer = "hs_japan.portal.association_labels:write_association_label"
    export_as = "association_labels"
    export_position = 60

    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        pairs = all_pairs(objects)
        # a gated object's pairs are read on their own: a portal without the object
        # refuses them (Refused), and the other labels are exported all the same
        gated = [
            Read(GATED_READ, (obj, gated_pairs(obj, objects)))
            for obj in TIER_GATED_OBJECTS
            if obj in objects and gated_pairs(obj, objects)
        ]
        return [*([Read(READ, frozenset(pairs))] if pairs else []), *gated]

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        pairs = all_pairs(ctx.objects)
        found: dict[Pair, Listing] = dict(
            ctx.facts.get(Read(READ, frozenset(pairs))) or {} if pairs else {}
        )
        for obj in TIER_GATED_OBJECTS:
            gated = gated_pairs(obj, ctx.objects)
            listings = ctx.facts.get(Read(GATED_READ, (obj, gated))) if gated else None
            if isinstance(listings, dict):
                found.update(listings)
        labels = export_items(found, ctx.objects, ctx.language)
        if not labels:
            return []
        return [ExportSection("associations.yaml", {"association_labels": labels}, len(labels))]

    def needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        pairs = pairs_of(bp)
        return [Read(READ, frozenset(pairs))] if pairs else []

    def observe(self, res: Resolution) -> None:
        pairs = pairs_of(res.bp)
        if pairs:
            add_actual(
                res.bp, res.language, res.actual, res.facts.get(Read(READ, frozenset(pairs))) or {}
            )

    def compile(self, res: Resolution) -> None:
        add_desired(res.bp, res.language, res.desired)
