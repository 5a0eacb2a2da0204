"""The CRM object store: validation against property definitions, pipelines and owners,
server-maintained properties, batch endpoints, search, associations and seeding."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.deals import ApiException as DealsApiException
from hubspot.crm.objects import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchReadInputSimplePublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from tests.emulator.conftest import Api, enum_prop

OBJECTS = "/crm/v3/objects"


def create(api: Api, obj: str, **props: Any) -> dict[str, Any]:
    r = api.post(f"{OBJECTS}/{obj}", {"properties": props})
    assert r.status_code == 201, r.text
    return dict(r.json())


def owner_id(api: Api) -> str:
    return str(api.get("/crm/v3/owners").json()["results"][0]["id"])


def unlimited_search(api: Api) -> None:
    api.control("PUT", "/settings", {"rateLimits": {"searchPerSecond": 1000}})


def test_create_and_read_a_contact(api: Api) -> None:
    r = api.post(f"{OBJECTS}/contacts", {"properties": {"email": "a@example.jp", "firstname": "A"}})
    assert r.status_code == 201 and r.headers["Location"].endswith(r.json()["id"])
    created = r.json()
    props = created["properties"]
    assert props["hs_object_id"] == created["id"] and created["id"].isdigit()
    assert props["createdate"] == created["createdAt"] == props["lastmodifieddate"]
    assert created["archived"] is False
    got = api.get(f"{OBJECTS}/contacts/{created['id']}").json()
    assert got["properties"]["email"] == "a@example.jp"
    assert got["properties"]["lastname"] is None  # default output property without a value
    assert set(got["properties"]) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    picked = api.get(
        f"{OBJECTS}/contacts/{created['id']}", params={"properties": "firstname,jobtitle,nope"}
    ).json()["properties"]
    assert picked["firstname"] == "A" and picked["jobtitle"] is None and "nope" not in picked
    assert "email" not in picked
    by_email = api.get(f"{OBJECTS}/contacts/A@example.jp", params={"idProperty": "email"})
    assert by_email.json()["id"] == created["id"]
    assert api.get(f"{OBJECTS}/contacts/999999").status_code == 404
    assert api.get(f"{OBJECTS}/widgets").status_code == 400


def test_values_are_validated_against_definitions(api: Api) -> None:
    r = api.post(f"{OBJECTS}/contacts", {"properties": {"shoe_size": "42", "firstname": "B"}})
    assert r.status_code == 400
    body = r.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    detail = json.loads(body["message"].split(": ", 1)[1])
    assert detail == [
        {
            "isValid": False,
            "message": 'Property "shoe_size" does not exist',
            "error": "PROPERTY_DOESNT_EXIST",
            "name": "shoe_size",
        }
    ]
    assert body["errors"][0]["in"] == "shoe_size"
    bad_option = api.post(f"{OBJECTS}/contacts", {"properties": {"lifecyclestage": "vip"}})
    assert bad_option.status_code == 400
    assert bad_option.json()["errors"][0]["code"] == "INVALID_OPTION"
    assert "subscriber" in bad_option.json()["message"]
    ok = create(api, "contacts", lifecyclestage="customer")
    assert ok["properties"]["lifecyclestage"] == "customer"
    number = api.post(f"{OBJECTS}/companies", {"properties": {"annualrevenue": "1,000"}})
    assert number.status_code == 400 and number.json()["errors"][0]["code"] == "INVALID_NUMBER"
    company = create(api, "companies", name="Acme", annualrevenue=1200000)
    assert company["properties"]["annualrevenue"] == "1200000"
    read_only = api.post(f"{OBJECTS}/companies", {"properties": {"hs_object_id": "5"}})
    assert read_only.json()["errors"][0]["code"] == "READ_ONLY_VALUE"
    deal = create(api, "deals", dealname="D", dealstage="qualifiedtobuy", closedate="2026-03-31")
    assert deal["properties"]["closedate"] == "2026-03-31T00:00:00.000Z"


def test_custom_enumeration_and_checkbox_values(api: Api) -> None:
    r = api.post("/crm/v3/properties/deals", enum_prop("jp_region", ["kanto", "kansai"]))
    assert r.status_code == 201
    multi = {**enum_prop("jp_channels", ["web", "event", "partner"]), "fieldType": "checkbox"}
    assert api.post("/crm/v3/properties/deals", multi).status_code == 201
    deal = create(
        api, "deals", dealstage="qualifiedtobuy", jp_region="kanto", jp_channels="web;event"
    )
    assert deal["properties"]["jp_channels"] == "web;event"
    bad = api.post(
        f"{OBJECTS}/deals", {"properties": {"dealstage": "qualifiedtobuy", "jp_region": "web;x"}}
    )
    assert bad.status_code == 400


def test_deal_stage_must_belong_to_the_pipeline(api: Api) -> None:
    stage = {
        "stageId": "jp_open",
        "label": "Open",
        "displayOrder": 0,
        "metadata": {"probability": 0.1},
    }
    api.post(
        "/crm/v3/pipelines/deals",
        {"pipelineId": "jp", "label": "Japan", "displayOrder": 1, "stages": [stage]},
    )
    defaulted = create(api, "deals", dealname="D", dealstage="appointmentscheduled")
    assert defaulted["properties"]["pipeline"] == "default"
    wrong = api.post(
        f"{OBJECTS}/deals", {"properties": {"dealstage": "appointmentscheduled", "pipeline": "jp"}}
    )
    assert wrong.status_code == 400
    assert 'not a stage of deals pipeline "jp"' in wrong.json()["errors"][0]["message"]
    unknown = api.post(f"{OBJECTS}/deals", {"properties": {"dealstage": "x", "pipeline": "nope"}})
    assert unknown.status_code == 400
    assert api.post(f"{OBJECTS}/deals", {"properties": {"dealname": "no stage"}}).status_code == 400
    moved = api.patch(
        f"{OBJECTS}/deals/{defaulted['id']}",
        {"properties": {"pipeline": "jp", "dealstage": "jp_open"}},
    )
    assert moved.status_code == 200
    # the stage alone cannot leave the deal's pipeline
    stray = api.patch(
        f"{OBJECTS}/deals/{defaulted['id']}", {"properties": {"dealstage": "closedwon"}}
    )
    assert stray.status_code == 400
    ticket = create(api, "tickets", subject="Help", hs_pipeline_stage="1")
    assert ticket["properties"]["hs_pipeline"] == "0"
    assert (
        api.post(
            f"{OBJECTS}/tickets", {"properties": {"hs_pipeline_stage": "closedwon"}}
        ).status_code
        == 400
    )


def test_owner_must_exist(api: Api) -> None:
    owner = owner_id(api)
    deal = create(api, "deals", dealstage="qualifiedtobuy", hubspot_owner_id=owner)
    assert deal["properties"]["hubspot_owner_id"] == owner
    r = api.post(
        f"{OBJECTS}/deals", {"properties": {"dealstage": "qualifiedtobuy", "hubspot_owner_id": "1"}}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "INVALID_OWNER_ID"
    added = api.control("POST", "/owners", {"email": "rep@example.jp"}).json()
    api.control("DELETE", f"/owners/{added['id']}")
    archived = api.patch(
        f"{OBJECTS}/deals/{deal['id']}", {"properties": {"hubspot_owner_id": added["id"]}}
    )
    assert archived.status_code == 400


def test_stage_changes_stamp_entered_and_exited(api: Api) -> None:
    deal = create(api, "deals", dealname="D", dealstage="qualifiedtobuy")
    props = deal["properties"]
    assert props["hs_date_entered_qualifiedtobuy"] == props["createdate"]
    path = f"{OBJECTS}/deals/{deal['id']}"
    moved = api.patch(path, {"properties": {"dealstage": "contractsent"}}).json()["properties"]
    assert moved["hs_date_exited_qualifiedtobuy"] == moved["hs_lastmodifieddate"]
    assert moved["hs_date_entered_contractsent"] == moved["hs_lastmodifieddate"]
    assert moved["hs_lastmodifieddate"] > props["hs_lastmodifieddate"]
    renamed = api.patch(path, {"properties": {"dealname": "D2"}}).json()["properties"]
    assert renamed["hs_date_entered_contractsent"] == moved["hs_date_entered_contractsent"]
    wanted = "hs_date_entered_contractsent,hs_date_exited_qualifiedtobuy"
    got = api.get(path, params={"properties": wanted}).json()["properties"]
    assert got["hs_date_entered_contractsent"] == moved["hs_date_entered_contractsent"]
    direct = api.patch(path, {"properties": {"hs_date_entered_closedwon": "2020-01-01"}})
    assert direct.status_code == 400 and direct.json()["errors"][0]["code"] == "READ_ONLY_VALUE"


def test_emails_are_unique(api: Api) -> None:
    first = create(api, "contacts", email="dup@example.jp")
    r = api.post(f"{OBJECTS}/contacts", {"properties": {"email": "DUP@example.jp"}})
    assert r.status_code == 409 and r.json()["message"] == (
        f"Contact already exists. Existing ID: {first['id']}"
    )
    other = create(api, "contacts", email="other@example.jp")
    clash = api.patch(
        f"{OBJECTS}/contacts/{other['id']}", {"properties": {"email": "dup@example.jp"}}
    )
    assert clash.status_code == 409
    api.delete(f"{OBJECTS}/contacts/{first['id']}")
    assert create(api, "contacts", email="dup@example.jp")["id"] != first["id"]


def test_list_paging_archive_and_createdate(api: Api) -> None:
    ids = [create(api, "companies", name=f"C{i}")["id"] for i in range(3)]
    page = api.get(f"{OBJECTS}/companies", params={"limit": 2}).json()
    assert [c["id"] for c in page["results"]] == ids[:2]
    rest = api.get(
        f"{OBJECTS}/companies", params={"limit": 2, "after": page["paging"]["next"]["after"]}
    ).json()
    assert [c["id"] for c in rest["results"]] == ids[2:] and "paging" not in rest
    assert api.delete(f"{OBJECTS}/companies/{ids[0]}").status_code == 204
    assert api.delete(f"{OBJECTS}/companies/{ids[0]}").status_code == 204  # idempotent
    assert api.get(f"{OBJECTS}/companies/{ids[0]}").status_code == 404
    archived = api.get(f"{OBJECTS}/companies", params={"archived": "true"}).json()["results"]
    assert [c["id"] for c in archived] == [ids[0]] and archived[0]["archived"] is True
    assert api.patch(f"{OBJECTS}/companies/{ids[0]}", {"properties": {}}).status_code == 404
    backdated = create(api, "companies", name="Old", createdate="2024-04-01T09:00:00+09:00")
    assert backdated["createdAt"] == "2024-04-01T00:00:00.000Z"
    cleared = api.patch(f"{OBJECTS}/companies/{ids[1]}", {"properties": {"name": ""}}).json()
    assert "name" not in cleared["properties"]


def test_batch_endpoints(api: Api) -> None:
    base = f"{OBJECTS}/contacts/batch"
    made = api.post(
        f"{base}/create",
        {"inputs": [{"properties": {"email": f"b{i}@example.jp"}} for i in range(3)]},
    )
    assert made.status_code == 201 and made.json()["status"] == "COMPLETE"
    ids = [r["id"] for r in made.json()["results"]]
    # all or nothing: one bad input, nothing created
    bad = api.post(
        f"{base}/create",
        {"inputs": [{"properties": {"email": "new@example.jp"}}, {"properties": {"x": "1"}}]},
    )
    assert bad.status_code == 400
    found = api.post(f"{OBJECTS}/contacts/search", {"query": "new@example.jp"}).json()
    assert found["total"] == 0
    read = api.post(f"{base}/read", {"inputs": [{"id": i} for i in ids], "properties": ["email"]})
    assert read.status_code == 200
    assert [r["properties"]["email"] for r in read.json()["results"]] == [
        "b0@example.jp",
        "b1@example.jp",
        "b2@example.jp",
    ]
    partial = api.post(f"{base}/read", {"inputs": [{"id": ids[0]}, {"id": "424242"}]})
    assert partial.status_code == 207
    assert partial.json()["errors"][0]["context"] == {"ids": ["424242"]}
    updated = api.post(
        f"{base}/update",
        {"inputs": [{"id": ids[0], "properties": {"firstname": "Ichiro"}}, {"id": "424242"}]},
    )
    assert updated.status_code == 207
    assert updated.json()["results"][0]["properties"]["firstname"] == "Ichiro"
    assert api.post(f"{base}/archive", {"inputs": [{"id": ids[1]}]}).status_code == 204
    assert api.get(f"{OBJECTS}/contacts/{ids[1]}").status_code == 404
    too_many = {"inputs": [{"properties": {}} for _ in range(101)]}
    assert api.post(f"{base}/create", too_many).status_code == 400


def search(api: Api, obj: str, *filters: dict[str, Any], **body: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"filterGroups": [{"filters": list(filters)}] if filters else []}
    payload.update(body)
    r = api.post(f"{OBJECTS}/{obj}/search", payload)
    assert r.status_code == 200, r.text
    return dict(r.json())


def names(result: dict[str, Any]) -> list[str]:
    return [r["properties"]["name"] for r in result["results"]]


def test_search_operators(api: Api) -> None:
    unlimited_search(api)
    for name, employees, industry, domain in (
        ("Sakura Foods", 120, "food", "sakura.co.jp"),
        ("Fuji Motors", 5000, "automotive", "fuji-motors.jp"),
        ("Kaze Labs", 12, "software", None),
    ):
        props = {"name": name, "numberofemployees": employees, "industry": industry}
        if domain:
            props["domain"] = domain
        create(api, "companies", **props)

    def f(prop: str, op: str, **kw: Any) -> dict[str, Any]:
        return {"propertyName": prop, "operator": op, **kw}

    def q(*filters: dict[str, Any]) -> set[str]:
        return set(names(search(api, "companies", *filters, properties=["name"])))

    assert q(f("industry", "EQ", value="FOOD")) == {"Sakura Foods"}
    assert q(f("industry", "NEQ", value="food")) == {"Fuji Motors", "Kaze Labs"}
    assert q(f("industry", "IN", values=["food", "software"])) == {"Sakura Foods", "Kaze Labs"}
    assert q(f("industry", "NOT_IN", values=["food", "software"])) == {"Fuji Motors"}
    assert q(f("domain", "HAS_PROPERTY")) == {"Sakura Foods", "Fuji Motors"}
    assert q(f("domain", "NOT_HAS_PROPERTY")) == {"Kaze Labs"}
    assert q(f("numberofemployees", "GT", value="120")) == {"Fuji Motors"}
    assert q(f("numberofemployees", "GTE", value="120")) == {"Sakura Foods", "Fuji Motors"}
    assert q(f("numberofemployees", "LT", value="120")) == {"Kaze Labs"}
    assert q(f("numberofemployees", "LTE", value="120")) == {"Sakura Foods", "Kaze Labs"}
    # numeric, not lexicographic: "5000" > "120" > "12"
    between = f("numberofemployees", "BETWEEN", value="100", highValue="6000")
    assert q(between) == {"Sakura Foods", "Fuji Motors"}
    assert q(f("name", "CONTAINS_TOKEN", value="motors")) == {"Fuji Motors"}
    assert q(f("domain", "CONTAINS_TOKEN", value="*.co.jp")) == {"Sakura Foods"}
    # filters in a group are ANDed, groups are ORed
    both = search(
        api,
        "companies",
        filterGroups=[
            {
                "filters": [
                    f("industry", "EQ", value="food"),
                    f("numberofemployees", "GT", value="1"),
                ]
            },
            {"filters": [f("name", "EQ", value="Kaze Labs")]},
        ],
    )
    assert set(names(both)) == {"Sakura Foods", "Kaze Labs"} and both["total"] == 2
    created_after = f("createdate", "GTE", value="2000-01-01T00:00:00Z")
    assert len(q(created_after)) == 3
    assert (
        api.post(
            f"{OBJECTS}/companies/search",
            {"filterGroups": [{"filters": [f("nope", "EQ", value="1")]}]},
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"{OBJECTS}/companies/search",
            {"filterGroups": [{"filters": [f("name", "LIKE", value="x")]}]},
        ).status_code
        == 400
    )


def test_search_sorting_paging_and_limits(api: Api) -> None:
    unlimited_search(api)
    for i, size in enumerate([30, 10, 20, 50, 40]):
        create(api, "companies", name=f"Co{i}", numberofemployees=size)
    desc = {"propertyName": "numberofemployees", "direction": "DESCENDING"}
    first = search(api, "companies", sorts=[desc], limit=2, properties=["name"])
    assert first["total"] == 5 and names(first) == ["Co3", "Co4"]
    second = search(api, "companies", sorts=[desc], limit=2, after=first["paging"]["next"]["after"])
    assert names(second) == ["Co0", "Co2"]
    last = search(api, "companies", sorts=[desc], limit=2, after=second["paging"]["next"]["after"])
    assert names(last) == ["Co1"] and "paging" not in last
    ascending = search(api, "companies", sorts=["numberofemployees"], limit=1)
    assert names(ascending) == ["Co1"]
    assert api.post(f"{OBJECTS}/companies/search", {"limit": 201}).status_code == 400
    assert api.post(f"{OBJECTS}/companies/search", {"after": "10000"}).status_code == 400
    assert search(api, "companies", query="co4")["total"] == 1


def test_search_has_its_own_per_second_limit(api: Api) -> None:
    statuses = []
    for _ in range(8):
        r = api.post(f"{OBJECTS}/contacts/search", {})
        statuses.append(r.status_code)
        assert "X-HubSpot-RateLimit-Max" not in r.headers  # search sends no rate-limit headers
    assert 429 in statuses and statuses[0] == 200
    refused = api.post(f"{OBJECTS}/contacts/search", {})
    assert refused.status_code == 429
    assert refused.json()["policyName"] == "SECONDLY" and refused.headers["Retry-After"] == "1"
    # other endpoints are not affected
    assert api.get(f"{OBJECTS}/contacts").status_code == 200


def test_associations(api: Api) -> None:
    company = create(api, "companies", name="Acme")
    contact = api.post(
        f"{OBJECTS}/contacts",
        {
            "properties": {"email": "c@example.jp"},
            "associations": [
                {
                    "to": {"id": company["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
            ],
        },
    ).json()
    deal = create(api, "deals", dealname="D", dealstage="qualifiedtobuy")
    v4 = f"/crm/v4/objects/deals/{deal['id']}/associations"
    made = api.put(f"{v4}/default/companies/{company['id']}")
    assert made.status_code == 200
    spec = made.json()["results"][0]["associationSpec"]
    assert spec == {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341}
    listed = api.get(f"{v4}/companies").json()["results"]
    assert listed == [
        {
            "toObjectId": str(company["id"]),  # a string, as the v4 spec says
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 341, "label": None}],
        }
    ]
    reverse = api.get(f"/crm/v4/objects/companies/{company['id']}/associations/deals").json()
    assert reverse["results"][0]["associationTypes"][0]["typeId"] == 342
    batch = api.post(
        "/crm/v4/associations/companies/contacts/batch/read",
        {"inputs": [{"id": company["id"]}]},
    ).json()
    assert batch["results"][0]["to"][0]["toObjectId"] == str(contact["id"])
    assert batch["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 280
    empty = api.post(
        "/crm/v4/associations/deals/contacts/batch/read", {"inputs": [{"id": deal["id"]}]}
    )
    assert empty.status_code == 207
    v3 = api.get(f"{OBJECTS}/contacts/{contact['id']}", params={"associations": "companies"})
    assert v3.json()["associations"]["companies"]["results"] == [
        {"id": company["id"], "type": "contact_to_company_unlabeled"}
    ]
    assert api.put(f"{v4}/default/companies/999999").status_code == 404
    bad_type = api.post(
        f"{OBJECTS}/contacts",
        {
            "properties": {},
            "associations": [
                {
                    "to": {"id": company["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341}],
                }
            ],
        },
    )
    assert bad_type.status_code == 400
    assert api.delete(f"{v4}/companies/{company['id']}").status_code == 204
    assert api.get(f"{v4}/companies").json()["results"] == []


def test_control_seeding_keeps_backdated_stamps(api: Api) -> None:
    seeded = api.control(
        "POST",
        "/records/deals",
        {
            "inputs": [
                {
                    "properties": {
                        "dealname": "Last year",
                        "dealstage": "closedwon",
                        "amount": "1000000",
                        "createdate": "2025-04-01T00:00:00Z",
                        "hs_date_entered_closedwon": "2025-06-30T00:00:00Z",
                        "hs_date_exited_contractsent": "2025-06-30T00:00:00Z",
                    }
                },
                {
                    "properties": {
                        "dealname": "Spring",
                        "dealstage": "qualifiedtobuy",
                        "createdate": "1743465600000",
                    }
                },
            ]
        },
    )
    assert seeded.status_code == 201, seeded.text
    first, second = seeded.json()["results"]
    assert first["createdAt"] == "2025-04-01T00:00:00.000Z"
    assert first["properties"]["pipeline"] == "default"
    assert first["properties"]["hs_date_entered_closedwon"] == "2025-06-30T00:00:00.000Z"
    assert second["properties"]["hs_date_entered_qualifiedtobuy"] == "2025-04-01T00:00:00.000Z"
    read = api.get(
        f"{OBJECTS}/deals/{first['id']}", params={"properties": "hs_date_entered_closedwon"}
    ).json()
    assert read["properties"]["hs_date_entered_closedwon"] == "2025-06-30T00:00:00.000Z"
    invalid = api.control(
        "POST", "/records/deals", {"inputs": [{"properties": {"dealstage": "nope"}}]}
    )
    assert invalid.status_code == 400
    assert len(api.get(f"{OBJECTS}/deals").json()["results"]) == 2


def test_records_through_the_sdk(api: Api) -> None:
    unlimited_search(api)
    sdk = api.sdk()
    deals = sdk.crm.deals.basic_api
    created = deals.create(
        SimplePublicObjectInputForCreate(
            properties={"dealname": "SDK deal", "dealstage": "qualifiedtobuy", "amount": "500"}
        )
    )
    assert created.properties["pipeline"] == "default"
    updated = deals.update(
        created.id, SimplePublicObjectInput(properties={"dealstage": "closedwon"})
    )
    assert "hs_date_entered_closedwon" in updated.properties
    got = deals.get_by_id(created.id, properties=["amount", "dealname"])
    assert got.properties["amount"] == "500"
    with pytest.raises(DealsApiException) as info:
        deals.create(SimplePublicObjectInputForCreate(properties={"dealstage": "nope"}))
    assert info.value.status == 400
    objects = sdk.crm.objects
    batch = objects.batch_api.create(
        "companies",
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                SimplePublicObjectInputForCreate(properties={"name": "Tokyo KK", "industry": "it"}),
                SimplePublicObjectInputForCreate(properties={"name": "Osaka KK", "industry": "it"}),
            ]
        ),
    )
    assert len(batch.results) == 2
    read = objects.batch_api.read(
        "companies",
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": r.id} for r in batch.results], properties=["name"]
        ),
    )
    assert sorted(r.properties["name"] for r in read.results) == ["Osaka KK", "Tokyo KK"]
    found = objects.search_api.do_search(
        "companies",
        PublicObjectSearchRequest(
            filter_groups=[
                {
                    "filters": [
                        {"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "tokyo"}
                    ]
                }
            ],
            properties=["name"],
            limit=10,
        ),
    )
    assert found.total == 1 and found.results[0].properties["name"] == "Tokyo KK"
    company_id = batch.results[0].id
    assoc = sdk.crm.associations.v4
    assoc.basic_api.create_default("deals", created.id, "companies", company_id)
    page = assoc.basic_api.get_page("deals", created.id, "companies")
    assert [str(r.to_object_id) for r in page.results] == [company_id]
    both = assoc.batch_api.get_page(
        "companies",
        "deals",
        BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": company_id}]),
    )
    assert str(both.results[0].to[0].to_object_id) == created.id
    listed = objects.basic_api.get_page("companies", limit=1)
    assert len(listed.results) == 1 and listed.paging.next.after
    objects.basic_api.archive("companies", company_id)
    assert api.get(f"{OBJECTS}/companies/{company_id}").status_code == 404


def test_api_created_deals_hold_their_stage(api: Api) -> None:
    stages = [
        {"stageId": "jp_a", "label": "A", "displayOrder": 0, "metadata": {"probability": 0.2}},
        {"stageId": "jp_b", "label": "B", "displayOrder": 1, "metadata": {"probability": 1.0}},
    ]
    api.post(
        "/crm/v3/pipelines/deals",
        {"pipelineId": "jp", "label": "Japan", "displayOrder": 1, "stages": stages},
    )
    deal = create(api, "deals", dealname="D", pipeline="jp", dealstage="jp_a")
    flags = {"validateReferencesBeforeDelete": "true"}
    refused = api.delete("/crm/v3/pipelines/deals/jp/stages/jp_a", params=flags)
    assert refused.status_code == 400 and "1 deals records" in refused.json()["message"]
    api.delete(f"{OBJECTS}/deals/{deal['id']}")  # archived records no longer hold the stage
    assert api.delete("/crm/v3/pipelines/deals/jp/stages/jp_a", params=flags).status_code == 204


def test_a_freed_email_can_be_taken_in_the_same_batch(api: Api) -> None:
    a = create(api, "contacts", email="one@example.jp")
    b = create(api, "contacts", email="two@example.jp")
    swapped = api.post(
        f"{OBJECTS}/contacts/batch/update",
        {
            "inputs": [
                {"id": a["id"], "properties": {"email": "three@example.jp"}},
                {"id": b["id"], "properties": {"email": "one@example.jp"}},
            ]
        },
    )
    assert swapped.status_code == 200, swapped.text
    clash = api.post(
        f"{OBJECTS}/contacts/batch/update",
        {"inputs": [{"id": a["id"], "properties": {"email": "one@example.jp"}}]},
    )
    assert clash.status_code == 409
