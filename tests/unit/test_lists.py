"""Blueprint list filters ↔ HubSpot filter branches (pure)."""

from __future__ import annotations

import pytest

from hs_japan.blueprint.model import ListFilter
from hs_japan.lists import ListFilterError, canonical, compile_filter, filter_branch, from_branch

TYPES = {"fit": "enumeration", "size": "number", "flag": "bool", "note": "string"}


def f(**kw: object) -> ListFilter:
    return ListFilter.model_validate(kw)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (
            f(property="fit", **{"in": ["b", "a"]}),
            {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["a", "b"]},
        ),
        (
            f(property="size", gte=300.0),
            {"operationType": "NUMBER", "operator": "IS_GREATER_THAN_OR_EQUAL_TO", "value": 300},
        ),
        (
            f(property="size", gte=10.0, lte=20.5),
            {
                "operationType": "NUMBER_RANGED",
                "operator": "IS_BETWEEN",
                "lowerBound": 10,
                "upperBound": 20.5,
            },
        ),
        (
            f(property="flag", equals="true"),
            {"operationType": "BOOL", "operator": "IS_EQUAL_TO", "value": True},
        ),
        (
            f(property="note", equals="x"),
            {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "x"},
        ),
        (
            f(property="note", is_set=False),
            {"operationType": "ALL_PROPERTY", "operator": "IS_UNKNOWN"},
        ),
    ],
)
def test_filters_compile_by_property_type(flt: ListFilter, expected: dict[str, object]) -> None:
    assert compile_filter(flt, TYPES.get) == {"property": flt.property, **expected}


def test_round_trip_through_a_hubspot_branch() -> None:
    filters = canonical(
        [
            compile_filter(f(property="fit", **{"in": ["a", "b"]}), TYPES.get),
            compile_filter(f(property="size", gte=10.0, lte=20.0), TYPES.get),
            compile_filter(f(property="note", is_set=True), TYPES.get),
        ]
    )
    branch = filter_branch(filters)
    assert branch["filterBranchType"] == "OR" and branch["filters"] == []
    assert [b["filterBranchType"] for b in branch["filterBranches"]] == ["AND"]
    assert from_branch(branch) == filters


def test_shapes_hs_japan_does_not_write_are_not_read_as_managed() -> None:
    two_and = {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {"filterBranchType": "AND", "filters": [], "filterBranches": []},
            {"filterBranchType": "AND", "filters": [], "filterBranches": []},
        ],
    }
    assert from_branch(two_and) is None
    in_list = filter_branch([])
    in_list["filterBranches"][0]["filters"] = [{"filterType": "IN_LIST", "listId": "1"}]
    assert from_branch(in_list) is None


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        (f(property="missing", equals="x"), "unknown property 'missing'"),
        (f(property="fit", gte=1.0), "gte/lte need a number property"),
        (f(property="flag", equals="yes"), "yes/no property"),
        (f(property="size", equals="many"), "number property"),
    ],
)
def test_impossible_filters_are_explained(flt: ListFilter, message: str) -> None:
    with pytest.raises(ListFilterError, match=message):
        compile_filter(flt, TYPES.get)
