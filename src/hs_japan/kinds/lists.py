"""Kind ``list`` (pure): HubSpot lists v3, found by recorded id or by name, filters by
property type.

Key ``<objectType>/<blueprint list key>``; attrs ``name``, ``processingType``,
``filters`` (hs-japan's canonical filter form, ``lists.py``); the portal side also has
``listId`` and ``idRecorded`` (whether hs-japan's id map holds it: never diffed).

Round 1 searches the portal's lists for the blueprint's names (the profile's language,
the other language, ``renamed_from``) and lists the contact properties, among them the
hidden ``hsjapan_list_ids`` whose description maps list keys to the ids of the lists
hs-japan created or adopted (``reserved.LIST_IDS``); round 2 reads the lists found and
the lists recorded, with their filters (one batch GET). A list is matched by its
recorded id first, so a list renamed in the blueprint (no ``renamed_from`` needed) or
named in the other language is updated in place; then by name. Apply notes every list
it writes, and :meth:`ListHandler.finish` has the map written once, after the apply's
writes, with the lists found by name adopted too.

``processingType`` is fixed at creation, and HubSpot takes filter updates for DYNAMIC
lists only: either change is a replace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from hs_japan.blueprint.model import Blueprint, Language
from hs_japan.errors import Diagnostic
from hs_japan.kinds.base import (
    ExportContext,
    ExportSection,
    Facts,
    KindHandler,
    Read,
    Resolution,
    WriteContext,
    located,
)
from hs_japan.kinds.properties import listing as property_listing
from hs_japan.lists import (
    ID_WIDTH_GUESS,
    OBJECT_NAMES,
    OBJECT_TYPE_IDS,
    ListFilterError,
    ListIdMapError,
    canonical,
    compile_filter,
    decode_list_ids,
    encode_list_ids,
    from_branch,
)
from hs_japan.plan.model import Action, Change
from hs_japan.reserved import LIST_IDS, LIST_IDS_OBJECT
from hs_japan.resources import Kind, Resource, make_key, property_type

SEARCH = "hs_japan.portal.lists:search_list_ids_of"  # ids of the lists named so
GET = "hs_japan.portal.lists:get_lists_of"  # (objectTypeId, name folded) -> list JSON
BY_ID = "hs_japan.portal.lists:get_lists_by_id_of"  # listId -> list JSON
# the id property read by name: {"description": text | None, "lists": {listId: list JSON}}
RECORDED = "hs_japan.portal.lists:read_recorded_lists"
RECORD = "hs_japan.portal.lists:record_list_ids"  # writes the id map (the finisher)
SCRATCH = "list ids"  # WriteContext.scratch: {list key: id, or None once deleted}
IDS_AT = f"{LIST_IDS_OBJECT}/{LIST_IDS}"  # the id map's property, as a change key


def names(bp: Blueprint, language: Language) -> dict[str, tuple[str, str]]:
    """Resource key -> (objectTypeId, name in the profile's language) of each list."""
    out = {}
    for spec, _ in bp.lists:
        assert spec.name is not None
        out[make_key(spec.object, spec.key)] = (
            OBJECT_TYPE_IDS[spec.object],
            spec.name.pick(language),
        )
    return out


def aliases(bp: Blueprint, language: Language) -> dict[str, tuple[str, list[str]]]:
    """Resource key -> (objectTypeId, other names the list may have in the portal): its
    name in the other language, then the names it was renamed from."""
    out = {}
    other: Language = "en" if language == "ja" else "ja"
    for spec, _ in bp.lists:
        assert spec.name is not None
        former = [spec.name.pick(other), *spec.renamed_from]
        current = spec.name.pick(language)
        out[make_key(spec.object, spec.key)] = (
            OBJECT_TYPE_IDS[spec.object],
            [n for n in dict.fromkeys(former) if n.casefold() != current.casefold()],
        )
    return out


def _listed(facts: Facts) -> dict[str, Any] | None:
    """hs-japan's list-id property as the round-1 contact property listing shows it."""
    found = facts.get(property_listing(LIST_IDS_OBJECT)) or {}
    for prop in found.get("properties") or []:
        if isinstance(prop, dict) and prop.get("name") == LIST_IDS:
            return prop
    return None


def _reads(bp: Blueprint, language: Language, facts: Facts) -> tuple[Read | None, Read | None]:
    """Round 2: the lists the search found and the lists recorded for the blueprint's keys
    (one batch GET), and, when the contact listing does not show the id property (none
    yet, or a HubSpot listing that leaves hidden properties out: docs/hubspot-api.md §14),
    the read of that property by name (with the lists it records that the search did not
    find: a second request only then)."""
    found = tuple(dict.fromkeys(map(str, facts.get(search(bp, language)) or [])))
    keys = tuple(names(bp, language))
    if _listed(facts) is None:
        return (Read(BY_ID, found) if found else None), Read(RECORDED, (keys, found))
    ids, _ = decode_list_ids((_listed(facts) or {}).get("description"))
    wanted = tuple(dict.fromkeys([*found, *(ids[k] for k in keys if k in ids)]))
    return (Read(BY_ID, wanted) if wanted else None), None


def recorded_ids(
    bp: Blueprint, language: Language, facts: Facts
) -> tuple[dict[str, str], list[str]]:
    """The id map (from the contact listing, or read by name in round 2), and what in it
    is not hs-japan's encoding (left out)."""
    listed = _listed(facts)
    if listed is not None:
        return decode_list_ids(listed.get("description"))
    _, by_name = _reads(bp, language, facts)
    answer = facts.get(by_name) if by_name is not None else None
    return decode_list_ids((answer or {}).get("description"))


def record_exists(bp: Blueprint, language: Language, facts: Facts) -> bool | None:
    """Whether hs-japan's list-id property exists, as the plan read it: shown by the
    contact listing, or read by name in round 2 (None: not read)."""
    if _listed(facts) is not None:
        return True
    _, by_name = _reads(bp, language, facts)
    answer = facts.get(by_name) if by_name is not None else None
    exists = answer.get("exists") if isinstance(answer, dict) else None
    return exists if isinstance(exists, bool) else None


def _lists_by_id(bp: Blueprint, language: Language, facts: Facts) -> dict[str, Any]:
    """Every list round 2 read, by id."""
    out: dict[str, Any] = {}
    for read in _reads(bp, language, facts):
        answer = facts.get(read) if read is not None else None
        if read is not None and read.reader == RECORDED:
            answer = (answer or {}).get("lists")
        out.update(answer or {})
    return out


def search(bp: Blueprint, language: Language) -> Read:
    wanted = set(names(bp, language).values()) | {
        (otid, alias) for otid, more in aliases(bp, language).values() for alias in more
    }
    return Read(SEARCH, frozenset(wanted))


class ListHandler(KindHandler):
    kind = Kind.LIST
    noun = "list"
    order = 70
    rank = 2
    create_only = frozenset({"processingType"})  # lists v3 has no endpoint to change it
    writer = "hs_japan.portal.lists:write_list"

    finisher = RECORD

    def needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        if not bp.lists:
            return []
        # round 2 reads the lists found by name and by the id map, which the contact
        # properties hold: read with the listings, no extra trip
        return [property_listing(LIST_IDS_OBJECT), search(bp, language)]

    def late_needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        # the types of the properties the filters name (no followup depends on them)
        objects = dict.fromkeys(spec.object for spec, _ in bp.lists)
        return [property_listing(obj) for obj in objects]

    def followups(self, bp: Blueprint, language: Language, facts: Facts) -> Iterable[Read]:
        if not bp.lists:
            return []
        return [read for read in _reads(bp, language, facts) if read is not None]

    def observe(self, res: Resolution) -> None:
        if not res.bp.lists:
            return
        by_id: Mapping[str, Any] = _lists_by_id(res.bp, res.language, res.facts)
        found = {
            (str(lst.get("objectTypeId")), str(lst.get("name", "")).casefold()): lst
            for lst in by_id.values()
        }
        exists = record_exists(res.bp, res.language, res.facts)
        if exists is not None:  # the finisher writes the record without reading it first
            res.actual.snapshot.observed[IDS_AT] = exists
        recorded, problems = recorded_ids(res.bp, res.language, res.facts)
        if problems:
            res.notes.append(
                f"{LIST_IDS_OBJECT} property {LIST_IDS} (hs-japan's record of its list ids) "
                f"holds what hs-japan did not write: {'; '.join(problems)}. Those entries are "
                "ignored, their lists are found by name, and apply writes the record again"
            )
        wanted = names(res.bp, res.language)
        # a list recorded for one key is never another key's by name
        claimed = {
            recorded[key]: key
            for key, (otid, _) in wanted.items()
            if recorded.get(key) in by_id and str(by_id[recorded[key]].get("objectTypeId")) == otid
        }
        more = aliases(res.bp, res.language)
        for key, (object_type_id, name) in wanted.items():
            lst = by_id.get(recorded[key]) if claimed.get(recorded.get(key, "")) == key else None
            for candidate in [name, *more.get(key, (object_type_id, []))[1]]:
                if lst is None:  # renamed, or named in the other language: not recreated
                    lst = found.get((object_type_id, candidate.casefold()))
                    if lst is not None and claimed.get(str(lst.get("listId")), key) != key:
                        lst = None
            if lst is None:
                continue
            read_filters = (
                []
                if lst.get("processingType") == "MANUAL"
                else from_branch(lst.get("filterBranch"))
            )
            res.actual.snapshot.add(
                Resource(
                    self.kind,
                    key,
                    {
                        "name": lst.get("name", name),
                        "processingType": lst.get("processingType"),
                        "filters": read_filters
                        if read_filters is not None
                        else "(filters hs-japan does not write: they will be replaced)",
                        "listId": str(lst.get("listId")),
                        "idRecorded": recorded.get(key) == str(lst.get("listId")),
                    },
                    fingerprint=str(lst.get("updatedAt") or ""),
                )
            )

    def compile(self, res: Resolution) -> None:
        bp = res.bp
        wanted = names(bp, res.language)
        snaps = (res.desired.snapshot, res.actual.snapshot)
        for spec, origin in bp.lists:
            key = make_key(spec.object, spec.key)
            rid = (self.kind, key)
            res.desired.origins[rid] = origin
            if spec.absent:
                res.desired.tombstones.add(rid)
                continue
            filters = []
            obj = spec.object

            def prop_type(name: str, obj: str = obj) -> str | None:
                return property_type(snaps, obj, name)

            for i, flt in enumerate(spec.filters):
                try:
                    filters.append(compile_filter(flt, prop_type))
                except ListFilterError as exc:
                    where = bp.origin_of(origin, "filters", i)
                    res.problems.append(
                        Diagnostic(
                            where.file,
                            where.line,
                            f"lists[{origin.keypath[1]}].filters[{i}]",
                            f"{exc} for {spec.object}",
                        )
                    )
            attrs = {
                "name": wanted[key][1],
                "processingType": spec.processing,
                "filters": canonical(filters),
            }
            res.desired.snapshot.add(Resource(self.kind, key, attrs))
        res.problems.extend(self._map_fits(res))

    def _map_fits(self, res: Resolution) -> list[Diagnostic]:
        """The id map after apply must fit its budget: else the blueprint line of the first
        list that does not fit (ids of lists to create counted at their widest)."""
        recorded, _ = recorded_ids(res.bp, res.language, res.facts)
        after = {k: v for k, v in recorded.items() if (self.kind, k) not in res.desired.tombstones}
        for rid in res.desired.snapshot.resources:
            if rid[0] is not self.kind:
                continue
            have = res.actual.snapshot.get(*rid)
            after[rid[1]] = str(have.attrs["listId"]) if have else "9" * ID_WIDTH_GUESS
            try:
                encode_list_ids(after)
            except ListIdMapError as exc:
                return [
                    located(
                        res.desired,
                        rid,
                        "",
                        f"{exc}: hs-japan could not record this list's id "
                        f"({LIST_IDS_OBJECT} property {LIST_IDS}); manage fewer lists in "
                        "one portal",
                    )
                ]
        return []

    def finish(self, done: Sequence[Change], ctx: WriteContext) -> Change | None:
        """One write of the id map per apply: the ids the apply's list writes noted
        (created, kept), the lists of the blueprint found by name and not recorded yet
        (adopted: a portal written before the record existed), and the keys of the lists
        it deleted. None when the record already says all that."""
        with ctx.lock if ctx.lock is not None else nullcontext():
            noted = dict(ctx.scratch.get(SCRATCH) or {})
        for have in ctx.actual.of_kind(self.kind):
            if have.key not in noted and not have.attrs.get("idRecorded"):
                noted[have.key] = str(have.attrs["listId"])
        if not noted:
            return None
        record = {k: v for k, v in sorted(noted.items()) if v is not None}
        forget = sorted(k for k, v in noted.items() if v is None)
        after: dict[str, Any] = {"record": record, "forget": forget}
        if ctx.actual.observed.get(IDS_AT) is False:
            after["absent"] = True  # the plan saw none: created without a read first
        return Change(Action.UPDATE, self.kind, IDS_AT, None, after)

    def fixed_attrs(self, want: Resource) -> frozenset[str]:
        if want.attrs.get("processingType") != "DYNAMIC":
            return self.create_only | {"filters"}  # filter updates: DYNAMIC lists only
        return self.create_only

    def unchanged(self, changes: Sequence[Change], before: Resolution, fresh: Facts) -> bool:
        """The search finds no list the plan did not see, and every list change is a
        create (a changed list is planned again in full)."""
        if any(c.action is not Action.CREATE for c in changes):
            return False
        known = {str(r.attrs.get("listId")) for r in before.actual.snapshot.of_kind(self.kind)}
        ids = fresh.get(search(before.bp, before.language)) or []
        return set(ids) <= known

    # -- export ---------------------------------------------------------------------------
    export_as = "lists"
    export_position = 40

    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        return [ALL_LISTS]

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        made_lists = []
        for lst in ctx.facts.get(ALL_LISTS) or []:
            made, why = list_spec(lst, ctx.language)
            if made is None:
                ctx.skipped.append(f"list {lst.get('listId')} ({lst.get('name')}): {why}")
            elif made["object"] in ctx.objects:
                made_lists.append(made)
        taken: set[str] = set()
        for made in made_lists:  # keys are unique in a blueprint
            base, n = made["key"], 2
            while made["key"] in taken:
                made["key"] = f"{base}_{n}"[:100]
                n += 1
            taken.add(made["key"])
        if not made_lists:
            return []
        return [ExportSection("lists.yaml", {"lists": made_lists}, len(made_lists))]


ALL_LISTS = Read("hs_japan.portal.dump:all_lists_of")  # every list with filters (export)


def list_spec(lst: dict[str, Any], language: str) -> tuple[dict[str, Any] | None, str]:
    """A HubSpot list as a blueprint ``lists`` item, or (None, why not)."""
    obj = OBJECT_NAMES.get(str(lst.get("objectTypeId")))
    if obj is None:
        return None, f"object type {lst.get('objectTypeId')} is not supported"
    processing = str(lst.get("processingType") or "")
    if processing not in ("DYNAMIC", "MANUAL", "SNAPSHOT"):
        return None, f"processing type {processing or '?'} is not supported"
    name = str(lst.get("name") or "")
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    key = slug if re.fullmatch(r"[a-z][a-z0-9_]{0,99}", slug) else f"list_{lst.get('listId')}"
    item: dict[str, Any] = {
        "key": key,
        "object": obj,
        "name": {language: name},
        "processing": processing,
    }
    if processing == "MANUAL":
        return item, ""
    filters = from_branch(lst.get("filterBranch"))
    if not filters:
        return None, "its filters have a shape hs-japan does not write (nested or non-property)"
    out = []
    for f in filters:
        kind, operator, prop = f["operationType"], f["operator"], f["property"]
        if kind == "ALL_PROPERTY" and operator in ("IS_KNOWN", "IS_UNKNOWN"):
            out.append({"property": prop, "is_set": operator == "IS_KNOWN"})
        elif kind == "NUMBER_RANGED" and operator == "IS_BETWEEN":
            out.append({"property": prop, "gte": f["lowerBound"], "lte": f["upperBound"]})
        elif kind == "NUMBER" and operator == "IS_GREATER_THAN_OR_EQUAL_TO":
            out.append({"property": prop, "gte": f["value"]})
        elif kind == "NUMBER" and operator == "IS_LESS_THAN_OR_EQUAL_TO":
            out.append({"property": prop, "lte": f["value"]})
        elif kind in ("NUMBER", "STRING") and operator == "IS_EQUAL_TO":
            out.append({"property": prop, "equals": str(f["value"])})
        elif kind == "BOOL" and operator == "IS_EQUAL_TO":
            out.append({"property": prop, "equals": "true" if f["value"] else "false"})
        elif kind in ("ENUMERATION", "MULTISTRING") and operator in ("IS_ANY_OF", "IS_EQUAL_TO"):
            out.append({"property": prop, "in": list(f["values"])})
        else:
            return None, f"filter {prop} {kind} {operator} is not one hs-japan writes"
    item["filters"] = out
    return item, ""
