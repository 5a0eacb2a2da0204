"""Kind ``list`` (pure): HubSpot lists v3, found by name, filters by property type.

Key ``<objectType>/<blueprint list key>``; attrs ``name``, ``processingType`` and
``filters`` (hs-japan's canonical filter form, ``lists.py``). Round 1 searches the
portal's lists for the blueprint's names (the profile's language, the other language,
``renamed_from``), round 2 reads the lists found with their filters (one batch GET).
``processingType`` is fixed at creation, and HubSpot takes filter updates for DYNAMIC
lists only: either change is a replace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hs_japan.blueprint.model import Blueprint, Language
from hs_japan.errors import Diagnostic
from hs_japan.kinds.base import Facts, KindHandler, Read, Resolution
from hs_japan.kinds.properties import listing as property_listing
from hs_japan.lists import OBJECT_TYPE_IDS, ListFilterError, canonical, compile_filter, from_branch
from hs_japan.plan.model import Action, Change
from hs_japan.resources import Kind, Resource, make_key, property_type

SEARCH = "hs_japan.portal.lists:search_list_ids_of"  # ids of the lists named so
GET = "hs_japan.portal.lists:get_lists_of"  # (objectTypeId, name folded) -> list JSON


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

    def needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        if not bp.lists:
            return []
        return [*(property_listing(spec.object) for spec, _ in bp.lists), search(bp, language)]

    def followups(self, bp: Blueprint, language: Language, facts: Facts) -> Iterable[Read]:
        ids = facts.get(search(bp, language)) if bp.lists else None
        return [Read(GET, tuple(ids))] if ids else []

    def observe(self, res: Resolution) -> None:
        if not res.bp.lists:
            return
        ids = res.facts.get(search(res.bp, res.language)) or []
        found: Mapping[tuple[str, str], Any] = res.facts.get(Read(GET, tuple(ids))) or {}
        more = aliases(res.bp, res.language)
        for key, (object_type_id, name) in names(res.bp, res.language).items():
            lst = found.get((object_type_id, name.casefold()))
            for alias in more.get(key, (object_type_id, []))[1]:
                if lst is None:  # renamed, or named in the other language: not recreated
                    lst = found.get((object_type_id, alias.casefold()))
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
