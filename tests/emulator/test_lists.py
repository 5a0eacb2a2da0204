"""Lists v3 (NOTES §10): list definitions and DYNAMIC membership from CRM records."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.lists import (
    ApiException,
    ListCreateRequest,
    ListFilterUpdateRequest,
    ListSearchRequest,
)

from tests.emulator.conftest import Api

LISTS = "/crm/v3/lists"


def prop_filter(prop: str, operation: dict[str, Any]) -> dict[str, Any]:
    return {"filterType": "PROPERTY", "property": prop, "operation": operation}


def any_of(prop: str, *values: str) -> dict[str, Any]:
    return prop_filter(
        prop, {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": list(values)}
    )


def branch(*groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Root OR of AND branches, one per group of filters."""
    return {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {"filterBranchType": "AND", "filters": list(g), "filterBranches": []} for g in groups
        ],
    }


def make(api: Api, name: str, object_type_id: str = "0-2", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "objectTypeId": object_type_id,
        "processingType": "DYNAMIC",
    }
    body.update(over)
    r = api.post(LISTS, body)
    assert r.status_code == 200, r.text
    return dict(r.json()["list"])


def company(api: Api, **props: Any) -> str:
    r = api.post("/crm/v3/objects/companies", {"properties": props})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def members(api: Api, list_id: str, **params: Any) -> list[str]:
    r = api.get(f"{LISTS}/{list_id}/memberships", params=params)
    assert r.status_code == 200, r.text
    return [m["recordId"] for m in r.json()["results"]]


def icp(api: Api) -> dict[str, Any]:
    big = prop_filter(
        "numberofemployees",
        {"operationType": "NUMBER", "operator": "IS_GREATER_THAN_OR_EQUAL_TO", "value": 100},
    )
    software = prop_filter(
        "industry", {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "software"}
    )
    return make(api, "ICP", filterBranch=branch([big, software]))


def test_dynamic_membership_follows_the_records(api: Api) -> None:
    fit = company(api, name="Fit", industry="Software", numberofemployees=250)
    company(api, name="Small", industry="software", numberofemployees=20)
    company(api, name="Other", industry="food", numberofemployees=900)
    created = icp(api)
    assert created["listId"].isdigit() and created["listVersion"] == 1
    assert created["processingType"] == "DYNAMIC" and created["processingStatus"] == "COMPLETE"
    assert created["size"] == 1
    root = created["filterBranch"]
    assert root["filterBranchOperator"] == "OR"
    assert (
        root["filterBranches"][0]["filters"][0]["operation"]["includeObjectsWithNoValueSet"]
        is False
    )
    assert members(api, created["listId"]) == [fit]
    later = company(api, name="Later", industry="software", numberofemployees=100)
    assert members(api, created["listId"]) == [fit, later]
    api.patch(f"/crm/v3/objects/companies/{fit}", {"properties": {"numberofemployees": 5}})
    assert members(api, created["listId"]) == [later]
    api.delete(f"/crm/v3/objects/companies/{later}")
    assert members(api, created["listId"]) == []


def test_validation(api: Api) -> None:
    icp(api)
    dup = api.post(LISTS, {"name": "icp", "objectTypeId": "0-2", "processingType": "MANUAL"})
    assert dup.status_code == 409 and dup.json()["category"] == "CONFLICT"
    missing = api.post(LISTS, {"name": "X", "objectTypeId": "0-2"})
    assert missing.status_code == 400
    assert missing.json()["message"] == "required fields were not set: [processingType]"
    manual = {"name": "M", "objectTypeId": "0-1", "processingType": "MANUAL"}
    assert api.post(LISTS, {**manual, "filterBranch": branch([])}).status_code == 400
    assert api.post(LISTS, {**manual, "processingType": "DYNAMIC"}).status_code == 400
    assert api.post(LISTS, {**manual, "objectTypeId": "contacts"}).status_code == 400
    dynamic = {**manual, "processingType": "DYNAMIC"}
    and_root = {**branch([]), "filterBranchType": "AND"}
    assert api.post(LISTS, {**dynamic, "filterBranch": and_root}).status_code == 400
    filters_at_root = {**branch([]), "filters": [any_of("lifecyclestage", "lead")]}
    assert api.post(LISTS, {**dynamic, "filterBranch": filters_at_root}).status_code == 400
    unknown = api.post(LISTS, {**dynamic, "filterBranch": branch([any_of("shoe_size", "42")])})
    assert unknown.status_code == 400 and "shoe_size" in unknown.json()["message"]
    not_equal = prop_filter(
        "lifecyclestage",
        {"operationType": "ENUMERATION", "operator": "IS_NOT_EQUAL_TO", "values": ["lead"]},
    )
    assert api.post(LISTS, {**dynamic, "filterBranch": branch([not_equal])}).status_code == 400
    page_view = {"filterType": "PAGE_VIEW", "operator": "HAS_PAGEVIEW_EQ", "pageUrl": "https://x"}
    unsupported = api.post(LISTS, {**dynamic, "filterBranch": branch([page_view])})
    assert unsupported.status_code == 400 and "PAGE_VIEW" in unsupported.json()["message"]
    assert api.post(LISTS, manual).status_code == 200


def test_read_search_rename_and_refilter(api: Api) -> None:
    created = icp(api)
    list_id = created["listId"]
    plain = api.get(f"{LISTS}/{list_id}").json()["list"]
    assert "filterBranch" not in plain and plain["name"] == "ICP"
    with_filters = api.get(f"{LISTS}/{list_id}", params={"includeFilters": "true"}).json()["list"]
    assert with_filters["filterBranch"] == created["filterBranch"]
    by_name = api.get(f"{LISTS}/object-type-id/0-2/name/ICP").json()["list"]
    assert by_name["listId"] == list_id
    assert api.get(f"{LISTS}/object-type-id/0-1/name/ICP").status_code == 404
    for i in range(3):
        make(api, f"Manual {i}", "0-1", processingType="MANUAL")
    found = api.post(f"{LISTS}/search", {"offset": 0, "count": 2, "query": "manual"}).json()
    assert [x["name"] for x in found["lists"]] == ["Manual 0", "Manual 1"]
    assert found["hasMore"] is True and found["total"] == 3 and found["offset"] == 2
    rest = api.post(f"{LISTS}/search", {"offset": 2, "count": 2, "query": "manual"}).json()
    assert [x["name"] for x in rest["lists"]] == ["Manual 2"] and rest["hasMore"] is False
    dynamic = api.post(f"{LISTS}/search", {"offset": 0, "processingTypes": ["DYNAMIC"]}).json()
    assert [x["listId"] for x in dynamic["lists"]] == [list_id]
    assert dynamic["lists"][0]["additionalProperties"]["hs_list_size"] == "0"
    assert api.post(f"{LISTS}/search", {"offset": 0, "count": 501}).status_code == 400
    renamed = api.put(f"{LISTS}/{list_id}/update-list-name", params={"listName": "ICP v2"})
    assert renamed.status_code == 200
    assert renamed.json()["updatedList"]["name"] == "ICP v2"
    assert renamed.json()["updatedList"]["listVersion"] == 2
    clash = api.put(f"{LISTS}/{list_id}/update-list-name", params={"listName": "Manual 0"})
    assert clash.status_code == 409
    food = company(api, name="Food", industry="food")
    refiltered = api.put(
        f"{LISTS}/{list_id}/update-list-filters",
        {
            "filterBranch": branch(
                [
                    prop_filter(
                        "industry",
                        {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "food"},
                    )
                ]
            )
        },
    )
    assert refiltered.status_code == 200
    updated = refiltered.json()["updatedList"]
    assert updated["listVersion"] == 3 and updated["size"] == 1
    assert members(api, list_id) == [food]
    manual_id = found["lists"][0]["listId"]
    assert (
        api.put(
            f"{LISTS}/{manual_id}/update-list-filters", {"filterBranch": branch([])}
        ).status_code
        == 400
    )


def test_delete_and_restore(api: Api) -> None:
    list_id = icp(api)["listId"]
    assert api.put(f"{LISTS}/{list_id}/restore").status_code == 400  # not deleted
    assert api.delete(f"{LISTS}/{list_id}").status_code == 204
    assert api.get(f"{LISTS}/{list_id}").status_code == 404
    assert api.delete(f"{LISTS}/{list_id}").status_code == 404
    # the name is free while the list is deleted, and blocks the restore once taken
    reused = make(api, "ICP", processingType="MANUAL")
    assert api.put(f"{LISTS}/{list_id}/restore").status_code == 409
    api.delete(f"{LISTS}/{reused['listId']}")
    assert api.put(f"{LISTS}/{list_id}/restore").status_code == 204
    assert api.get(f"{LISTS}/{list_id}").json()["list"]["name"] == "ICP"


def test_membership_paging(api: Api) -> None:
    ids = [company(api, name=f"C{i}", industry="retail") for i in range(5)]
    retail = prop_filter(
        "industry", {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "retail"}
    )
    list_id = make(api, "Retail", filterBranch=branch([retail]))["listId"]
    first = api.get(f"{LISTS}/{list_id}/memberships", params={"limit": 2}).json()
    assert [m["recordId"] for m in first["results"]] == ids[:2] and first["total"] == 5
    assert first["results"][0]["membershipTimestamp"].endswith("Z")
    after = first["paging"]["next"]["after"]
    assert members(api, list_id, limit=2, after=after) == ids[2:4]
    assert members(api, list_id, limit=2, after=ids[3]) == ids[4:]
    last = api.get(f"{LISTS}/{list_id}/memberships", params={"after": ids[3]}).json()
    assert "paging" not in last
    assert len(members(api, list_id, limit=1000)) == 5  # capped at 250, not refused
    assert api.get(f"{LISTS}/{list_id}/memberships", params={"limit": 0}).status_code == 400


def test_look_alike_contacts_through_associations_and_in_list(api: Api) -> None:
    target = company(api, name="Target", industry="software", numberofemployees=300)
    company(api, name="Elsewhere", industry="food")
    contacts = []
    for email, company_id in (("a@target.jp", target), ("b@else.jp", None)):
        body: dict[str, Any] = {"properties": {"email": email, "lifecyclestage": "lead"}}
        if company_id:
            body["associations"] = [
                {
                    "to": {"id": company_id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
            ]
        contacts.append(api.post("/crm/v3/objects/contacts", body).json()["id"])
    icp_companies = icp(api)
    at_icp_company = {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filters": [any_of("lifecyclestage", "lead", "marketingqualifiedlead")],
                "filterBranches": [
                    {
                        "filterBranchType": "ASSOCIATION",
                        "objectTypeId": "0-2",
                        "operator": "IN_LIST",
                        "associationTypeId": 279,
                        "associationCategory": "HUBSPOT_DEFINED",
                        "filters": [
                            {
                                "filterType": "IN_LIST",
                                "listId": icp_companies["listId"],
                                "operator": "IN_LIST",
                            }
                        ],
                        "filterBranches": [],
                    }
                ],
            }
        ],
    }
    look_alike = make(api, "Contacts at ICP companies", "0-1", filterBranch=at_icp_company)
    assert members(api, look_alike["listId"]) == [contacts[0]]
    outside = branch(
        [{"filterType": "IN_LIST", "listId": look_alike["listId"], "operator": "NOT_IN_LIST"}]
    )
    rest = make(api, "Everyone else", "0-1", filterBranch=outside)
    assert members(api, rest["listId"]) == [contacts[1]]
    cycle = api.put(
        f"{LISTS}/{look_alike['listId']}/update-list-filters",
        {
            "filterBranch": branch(
                [{"filterType": "IN_LIST", "listId": rest["listId"], "operator": "IN_LIST"}]
            )
        },
    )
    assert cycle.status_code == 400
    wrong_type = branch(
        [{"filterType": "IN_LIST", "listId": icp_companies["listId"], "operator": "IN_LIST"}]
    )
    wrong = {"name": "Y", "objectTypeId": "0-1", "processingType": "DYNAMIC"}
    assert api.post(LISTS, {**wrong, "filterBranch": wrong_type}).status_code == 400
    missing = branch([{"filterType": "IN_LIST", "listId": "99999", "operator": "IN_LIST"}])
    assert (
        api.post(
            LISTS,
            {
                "name": "Z",
                "objectTypeId": "0-1",
                "processingType": "DYNAMIC",
                "filterBranch": missing,
            },
        ).status_code
        == 400
    )


def test_snapshot_and_manual_lists(api: Api) -> None:
    first = company(api, name="First", industry="retail")
    retail = prop_filter(
        "industry", {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "retail"}
    )
    snapshot = make(api, "Retail today", processingType="SNAPSHOT", filterBranch=branch([retail]))
    company(api, name="Second", industry="retail")
    assert members(api, snapshot["listId"]) == [first]  # evaluated once, at creation
    manual = make(api, "Hand picked", processingType="MANUAL")
    base = f"{LISTS}/{manual['listId']}/memberships"
    added = api.put(f"{base}/add", [first, "404404"]).json()
    assert added == {
        "recordsIdsAdded": [first],
        "recordIdsRemoved": [],
        "recordIdsMissing": ["404404"],
    }
    assert members(api, manual["listId"]) == [first]
    assert api.put(f"{base}/remove", [first]).json()["recordIdsRemoved"] == [first]
    assert members(api, manual["listId"]) == []
    assert api.put(f"{LISTS}/{snapshot['listId']}/memberships/add", [first]).status_code == 400


def test_lists_through_the_sdk(api: Api) -> None:
    company(api, name="SDK Co", industry="software", numberofemployees=150)
    lists = api.sdk().crm.lists
    created = lists.lists_api.create(
        ListCreateRequest(
            name="SDK ICP",
            object_type_id="0-2",
            processing_type="DYNAMIC",
            filter_branch=branch(
                [
                    prop_filter(
                        "industry",
                        {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "software"},
                    )
                ]
            ),
        )
    )
    list_id = created.list.list_id
    assert created.list.size == 1
    assert lists.lists_api.get_by_id(list_id).list.name == "SDK ICP"
    assert lists.lists_api.get_by_name("SDK ICP", "0-2").list.list_id == list_id
    found = lists.lists_api.do_search(ListSearchRequest(offset=0, count=10, query="sdk"))
    assert [x.list_id for x in found.lists] == [list_id]
    renamed = lists.lists_api.update_name(list_id, list_name="SDK ICP 2")
    assert renamed.updated_list.name == "SDK ICP 2"
    page = lists.memberships_api.get_page(list_id, limit=10)
    assert len(page.results) == 1
    updated = lists.lists_api.update_list_filters(
        list_id,
        ListFilterUpdateRequest(
            filter_branch=branch(
                [
                    prop_filter(
                        "industry",
                        {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "none"},
                    )
                ]
            )
        ),
    )
    assert updated.updated_list.size == 0
    lists.lists_api.remove(list_id)
    with pytest.raises(ApiException) as info:
        lists.lists_api.get_by_id(list_id)
    assert info.value.status == 404
    lists.lists_api.restore(list_id)
    assert lists.lists_api.get_by_id(list_id).list.list_version == 3
