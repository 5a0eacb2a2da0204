"""Managed HubSpot lists (lists v3): blueprint filters ↔ HubSpot filter branches (pure).

A list is identified by its name (HubSpot keeps names unique per portal and returns no
custom properties, docs/hubspot-api.md §10): the blueprint's ``name`` in the profile's
language. Filters are ANDed property tests, written in HubSpot's list convention — a root
``OR`` branch holding one ``AND`` branch with the filters (docs/hubspot-api.md §6.5). Both
sides are reduced to the same canonical form (a sorted list of plain filter dicts) for the
diff, so a filter branch HubSpot echoes back with defaults filled in compares equal.
"""

from __future__ import annotations

from collections.abc import Callable
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
