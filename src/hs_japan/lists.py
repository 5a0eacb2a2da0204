"""Managed HubSpot lists (lists v3): blueprint filters ↔ HubSpot filter branches (pure).

A list is identified first by the id hs-japan recorded for its key when it created or
adopted it (the id map, below: HubSpot keeps no custom field on a list it returns,
docs/hubspot-api.md §10.1), then by its name (unique per portal): the blueprint's ``name``
in the profile's language, the other language, or ``renamed_from``. Filters are ANDed
property tests, written in HubSpot's list convention — a root ``OR`` branch holding one
``AND`` branch with the filters (docs/hubspot-api.md §6.5). Both sides are reduced to the
same canonical form (a sorted list of plain filter dicts) for the diff, so a filter
branch HubSpot echoes back with defaults filled in compares equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from hs_japan.blueprint.model import ListFilter

OBJECT_TYPE_IDS = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tickets": "0-5",
    "leads": "0-136",  # HubSpot's lead object (docs/hubspot-api.md §15.5)
}
OBJECT_NAMES = {v: k for k, v in OBJECT_TYPE_IDS.items()}

PropType = Callable[[str], str | None]  # property name -> HubSpot type (None: unknown)


class ListFilterError(ValueError):
    """A blueprint filter that cannot be expressed for the property's type."""


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def compile_filter(flt: ListFilter, prop_type: PropType) -> dict[str, Any]:
    """One blueprint filter as a canonical HubSpot property filter."""
    prop = flt.property
    if flt.is_set is not None:
        return {
            "property": prop,
            "operationType": "ALL_PROPERTY",
            "operator": "IS_KNOWN" if flt.is_set else "IS_UNKNOWN",
        }
    ptype = prop_type(prop)
    if ptype is None:
        raise ListFilterError(f"unknown property '{prop}'")
    if flt.gte is not None or flt.lte is not None:
        if ptype != "number":
            raise ListFilterError(f"gte/lte need a number property; '{prop}' is {ptype}")
        if flt.gte is not None and flt.lte is not None:
            return {
                "property": prop,
                "operationType": "NUMBER_RANGED",
                "operator": "IS_BETWEEN",
                "lowerBound": _number(flt.gte),
                "upperBound": _number(flt.lte),
            }
        op = "IS_GREATER_THAN_OR_EQUAL_TO" if flt.gte is not None else "IS_LESS_THAN_OR_EQUAL_TO"
        bound = flt.gte if flt.gte is not None else flt.lte
        assert bound is not None
        return {
            "property": prop,
            "operationType": "NUMBER",
            "operator": op,
            "value": _number(bound),
        }
    values = list(flt.in_) if flt.in_ is not None else [str(flt.equals)]
    if ptype == "enumeration":
        return {
            "property": prop,
            "operationType": "ENUMERATION",
            "operator": "IS_ANY_OF",
            "values": sorted(values),
        }
    if ptype == "bool":
        if len(values) != 1 or values[0] not in ("true", "false"):
            raise ListFilterError(f'\'{prop}\' is a yes/no property: use equals: "true" or "false"')
        return {
            "property": prop,
            "operationType": "BOOL",
            "operator": "IS_EQUAL_TO",
            "value": values[0] == "true",
        }
    if ptype == "number":
        try:
            number = float(values[0])
        except ValueError:
            raise ListFilterError(f"'{prop}' is a number property: {values[0]!r}") from None
        if len(values) != 1:
            raise ListFilterError(f"'{prop}' is a number property: use equals, gte or lte")
        return {
            "property": prop,
            "operationType": "NUMBER",
            "operator": "IS_EQUAL_TO",
            "value": _number(number),
        }
    if len(values) == 1:
        return {
            "property": prop,
            "operationType": "STRING",
            "operator": "IS_EQUAL_TO",
            "value": values[0],
        }
    return {
        "property": prop,
        "operationType": "MULTISTRING",
        "operator": "IS_EQUAL_TO",
        "values": sorted(values),
    }


def canonical(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        filters,
        key=lambda f: (f["property"], f["operationType"], f["operator"], repr(sorted(f.items()))),
    )


def filter_branch(filters: list[dict[str, Any]]) -> dict[str, Any]:
    """HubSpot's list convention: root OR → one AND branch holding the property filters."""
    return {
        "filterBranchType": "OR",
        "filterBranchOperator": "OR",
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranchOperator": "AND",
                "filterBranches": [],
                "filters": [
                    {
                        "filterType": "PROPERTY",
                        "property": f["property"],
                        "operation": {
                            "operationType": f["operationType"],
                            "operator": f["operator"],
                            "includeObjectsWithNoValueSet": False,
                            **{
                                k: v
                                for k, v in f.items()
                                if k not in ("property", "operationType", "operator")
                            },
                        },
                    }
                    for f in filters
                ],
            }
        ],
        "filters": [],
    }


_OPERATION_FIELDS = ("value", "values", "lowerBound", "upperBound")


def _read_value(operation_type: Any, value: Any) -> Any:
    """A filter value as HubSpot sent it, in canonical form. The SDK's generated models
    type some of these as strings (a NUMBER ``value`` comes back as ``"300"``)."""
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    if operation_type in ("NUMBER", "NUMBER_RANGED"):
        try:
            return _number(float(value))
        except (TypeError, ValueError):
            return value
    if operation_type == "BOOL" and isinstance(value, str):
        return value.strip().lower() == "true"
    return value


def from_branch(branch: Any) -> list[dict[str, Any]] | None:
    """The canonical filters of a HubSpot filter branch, or None when the branch has a
    shape hs-japan does not write (several AND branches, non-property filters, …): such
    a list is reported as different, never silently rewritten."""
    if not isinstance(branch, dict) or branch.get("filterBranchType") != "OR":
        return None
    children = branch.get("filterBranches") or []
    if branch.get("filters") or len(children) != 1:
        return None
    child = children[0]
    if child.get("filterBranchType") != "AND" or child.get("filterBranches"):
        return None
    out = []
    for f in child.get("filters") or []:
        op = f.get("operation") or {}
        if f.get("filterType") != "PROPERTY" or op.get("includeObjectsWithNoValueSet"):
            return None
        item: dict[str, Any] = {
            "property": f.get("property"),
            "operationType": op.get("operationType"),
            "operator": op.get("operator"),
        }
        for key in _OPERATION_FIELDS:
            if key in op:
                item[key] = _read_value(item["operationType"], op[key])
        out.append(item)
    return canonical(out)


# -- the id map: {"<objectType>/<list key>": "<listId>"} in a property description --------

# hs-japan's budget for the map's text. HubSpot documents no limit for a property's
# description; 3,000 characters is the smallest text bound it documents for property
# metadata (an option's label + value + description), so the map stays under it
# (docs/hubspot-api.md §10.1; about 120 lists at 25 characters a list).
LIST_IDS_MAX_CHARS = 3000
# the width the budget check assumes for a list id not known yet (a list to be created)
ID_WIDTH_GUESS = 12


class ListIdMapError(ValueError):
    """The id map would not fit the property description's budget."""


def encode_list_ids(ids: Mapping[str, str]) -> str:
    """The map as compact JSON, grouped by object type, keys sorted, numeric ids as
    numbers: ``{"contacts":{"jp_hot":12},"deals":{"jp_big":13}}``. Raises
    :class:`ListIdMapError` when the text would exceed :data:`LIST_IDS_MAX_CHARS`."""
    grouped: dict[str, dict[str, int | str]] = {}
    for key, list_id in sorted(ids.items()):
        obj, _, name = key.partition("/")
        grouped.setdefault(obj, {})[name] = int(list_id) if list_id.isdigit() else list_id
    text = json.dumps(grouped, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if len(text) > LIST_IDS_MAX_CHARS:
        raise ListIdMapError(
            f"the list-id map of {len(ids)} lists is {len(text)} characters, over the "
            f"{LIST_IDS_MAX_CHARS} hs-japan keeps in a property description"
        )
    return text


def decode_list_ids(text: str | None) -> tuple[dict[str, str], list[str]]:
    """The map in ``text`` (``"<objectType>/<list key>" -> listId``) and what in it was
    not hs-japan's encoding (each problem once, in words; those entries are left out).
    An empty or missing description is an empty map."""
    if not text or not text.strip():
        return {}, []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, [f"it is not JSON ({exc.msg} at character {exc.pos})"]
    if not isinstance(data, dict):
        return {}, [f"it is JSON {type(data).__name__}, not an object of object types"]
    ids: dict[str, str] = {}
    problems: list[str] = []
    owner: dict[str, str] = {}
    for obj, entries in data.items():
        if obj not in OBJECT_TYPE_IDS or not isinstance(entries, dict):
            problems.append(f"entry {json.dumps(obj, ensure_ascii=False)} is not an object type")
            continue
        for name, list_id in entries.items():
            key = f"{obj}/{name}"
            shown = json.dumps(key, ensure_ascii=False)
            if isinstance(list_id, bool) or not isinstance(list_id, int | str):
                problems.append(f"{shown} has no list id")
                continue
            value = str(list_id)
            if not value.isdigit():
                problems.append(f"{shown} has no list id")
            elif value in owner:
                problems.append(f"{shown} repeats the id of {json.dumps(owner[value])}")
                ids.pop(owner[value], None)
            else:
                owner[value] = key
                ids[key] = value
    return ids, problems
