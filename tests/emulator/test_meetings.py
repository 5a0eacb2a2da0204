"""Meetings (object type 0-47) through the generic CRM object endpoints: HubSpot's meeting
properties, ``hs_timestamp`` required on create, the outcome options, scopes
``crm.objects.meetings.read``/``write``, and HubSpot-defined associations to deals, contacts
and companies in both directions (212/211, 200/199, 188/187). Responses validate against
crm-objects-v3.json and crm-associations-v4.json."""

from __future__ import annotations

from typing import Any

from hubspot.crm.objects import PublicObjectSearchRequest, SimplePublicObjectInputForCreate

from tests.emulator.conftest import Api
from tests.emulator.test_conformance import check

OBJECTS = "/crm/v3/objects"
START = "2026-04-07T01:00:00.000Z"  # 10:00 JST
END = "2026-04-07T02:00:00.000Z"


def _deal(api: Api) -> str:
    body = {"properties": {"dealname": "D", "pipeline": "default", "dealstage": "closedwon"}}
    r = api.post(f"{OBJECTS}/deals", body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _to(record_id: str, type_id: int) -> dict[str, Any]:
    spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
    return {"to": {"id": record_id}, "types": [spec]}


def _meeting(**over: Any) -> dict[str, Any]:
    props = {
        "hs_timestamp": START,
        "hs_meeting_title": "初回面談",
        "hs_meeting_body": "課題ヒアリング",
        "hs_meeting_start_time": START,
        "hs_meeting_end_time": END,
        "hs_meeting_outcome": "COMPLETED",
    }
    props.update(over)
    return {"properties": props}


def test_meeting_crud_and_batch_conform(api: Api) -> None:
    s = "crm-objects-v3.json"
    base = f"{OBJECTS}/meetings"
    made = api.post(base, _meeting())
    assert made.status_code == 201, made.text
    assert check(s, api, "POST", base, _meeting()) == 201
    mid = made.json()["id"]
    props = made.json()["properties"]
    assert props["hs_timestamp"] == "2026-04-07T01:00:00.000Z"
    assert props["hs_object_id"] == mid
    assert props["hs_createdate"] and props["hs_lastmodifieddate"]
    assert check(s, api, "GET", base) == 200
    assert check(s, api, "GET", f"{base}/{mid}", params={"properties": "hs_meeting_title"}) == 200
    got = api.get(f"{base}/{mid}").json()["properties"]
    assert set(got) == {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"}
    assert check(s, api, "PATCH", f"{base}/{mid}", {"properties": {"hs_meeting_title": "x"}}) == 200
    batch = {"inputs": [_meeting(), _meeting(hs_meeting_outcome="CANCELED")]}
    assert check(s, api, "POST", f"{base}/batch/create", batch) == 201
    read = {
        "inputs": [{"id": mid}],
        "properties": ["hs_meeting_outcome"],
        "propertiesWithHistory": [],
    }
    assert check(s, api, "POST", f"{base}/batch/read", read) == 200
    update = {"inputs": [{"id": mid, "properties": {"hs_meeting_outcome": "NO_SHOW"}}]}
    assert check(s, api, "POST", f"{base}/batch/update", update) == 200
    search = {
        "filterGroups": [
            {"filters": [{"propertyName": "hs_timestamp", "operator": "GTE", "value": START}]}
        ],
        "properties": ["hs_timestamp", "hs_meeting_outcome"],
        "limit": 100,
    }
    assert check(s, api, "POST", f"{base}/search", search) == 200
    found = api.post(f"{base}/search", search).json()
    assert found["total"] == 4
    assert check(s, api, "DELETE", f"{base}/{mid}") == 204
    assert check(s, api, "GET", f"{base}/{mid}") == 404
    assert check(s, api, "POST", f"{base}/batch/archive", {"inputs": [{"id": "1"}]}) == 204
    assert api.post(f"{base}/search", search).json()["total"] == 3


def test_hs_timestamp_is_required_and_defaults_to_the_start_time(api: Api) -> None:
    base = f"{OBJECTS}/meetings"
    r = api.post(base, {"properties": {"hs_meeting_title": "no time"}})
    assert r.status_code == 400
    assert r.json()["errors"][0]["in"] == "hs_timestamp"
    assert check("crm-objects-v3.json", api, "POST", base, {"properties": {}}) == 400
    r = api.post(base, {"properties": {"hs_meeting_start_time": START}})
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["hs_timestamp"] == "2026-04-07T01:00:00.000Z"


def test_meeting_values_are_validated(api: Api) -> None:
    base = f"{OBJECTS}/meetings"
    bad = api.post(base, _meeting(hs_meeting_outcome="DONE"))
    assert bad.status_code == 400
    assert "SCHEDULED, COMPLETED, RESCHEDULED, NO_SHOW, CANCELED" in bad.json()["message"]
    assert api.post(base, _meeting(hs_timestamp="tomorrow")).status_code == 400
    assert api.post(base, _meeting(jp_unknown="x")).status_code == 400
    assert api.post(base, _meeting(hubspot_owner_id="999")).status_code == 400
    owner = api.get("/crm/v3/owners").json()["results"][0]["id"]
    assert api.post(base, _meeting(hubspot_owner_id=owner)).status_code == 201
    # the server keeps its own dates
    ro = api.post(base, _meeting(hs_createdate=START))
    assert ro.status_code == 400 and ro.json()["errors"][0]["code"] == "READ_ONLY_VALUE"


def test_meetings_are_a_record_type_only(api: Api) -> None:
    # schema, lists and pipelines stay with contacts, companies, deals and tickets
    assert api.get("/crm/v3/properties/meetings").status_code == 400
    assert api.get("/crm/v3/pipelines/meetings").status_code == 400
    body = {"name": "m", "objectTypeId": "0-47", "processingType": "MANUAL"}
    assert api.post("/crm/v3/lists", body).status_code == 400
    labels = api.get("/crm/associations/v4/meetings/deals/labels")
    assert labels.status_code == 400
    # the object type id and the singular name are accepted on the records path
    made = api.post(f"{OBJECTS}/0-47", _meeting()).json()["id"]
    assert api.get(f"{OBJECTS}/meeting/{made}").status_code == 200
    limits = api.get("/crm/v3/limits/records").json()
    assert "0-47" not in str(limits)


def test_meeting_scopes(api: Api) -> None:
    only_deals = api.server.create_portal(scopes=["crm.objects.deals.read"])
    narrow = Api(api.server, str(only_deals["token"]), int(only_deals["portalId"]))
    r = narrow.get(f"{OBJECTS}/meetings")
    assert r.status_code == 403
    assert r.json()["errors"][0]["context"]["requiredScopes"] == [
        "crm.objects.meetings.read",
        "crm.objects.meetings.write",
    ]
    readers = api.server.create_portal(scopes=["crm.objects.meetings.read"])
    reader = Api(api.server, str(readers["token"]), int(readers["portalId"]))
    assert reader.get(f"{OBJECTS}/meetings").status_code == 200
    denied = reader.post(f"{OBJECTS}/meetings", _meeting())
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["context"]["requiredScopes"] == ["crm.objects.meetings.write"]


def test_meeting_associations_both_ways(api: Api) -> None:
    v4 = "crm-associations-v4.json"
    deal = _deal(api)
    contact = api.post(f"{OBJECTS}/contacts", {"properties": {"email": "m@x.jp"}}).json()["id"]
    company = api.post(f"{OBJECTS}/companies", {"properties": {"name": "X"}}).json()["id"]
    body = _meeting()
    body["associations"] = [_to(deal, 212), _to(contact, 200)]
    meeting = api.post(f"{OBJECTS}/meetings", body).json()["id"]
    one = f"/crm/v4/objects/meetings/{meeting}/associations/default/companies/{company}"
    assert check(v4, api, "PUT", one) == 200
    made = api.put(one).json()["results"]
    assert [r["associationSpec"]["associationTypeId"] for r in made] == [188, 187]
    expect = {
        ("meetings", meeting, "deals"): (deal, 212),
        ("meetings", meeting, "contacts"): (contact, 200),
        ("meetings", meeting, "companies"): (company, 188),
        ("deals", deal, "meetings"): (meeting, 211),
        ("contacts", contact, "meetings"): (meeting, 199),
        ("companies", company, "meetings"): (meeting, 187),
    }
    for (src, sid, dst), (tid, type_id) in expect.items():
        path = f"/crm/v4/objects/{src}/{sid}/associations/{dst}"
        assert check(v4, api, "GET", path) == 200
        got = api.get(path).json()["results"]
        assert got == [
            {
                "toObjectId": tid,
                "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}
                ],
            }
        ]
    batch = "/crm/v4/associations/deals/meetings/batch/read"
    assert check(v4, api, "POST", batch, {"inputs": [{"id": deal}]}) == 200
    v3 = api.get(f"{OBJECTS}/deals/{deal}", params={"associations": "meetings"}).json()
    assert v3["associations"]["meetings"]["results"] == [
        {"id": meeting, "type": "deal_to_meeting_event"}
    ]
    v3m = api.get(f"{OBJECTS}/meetings/{meeting}", params={"associations": "deals,contacts"})
    assert v3m.json()["associations"]["contacts"]["results"] == [
        {"id": contact, "type": "meeting_event_to_contact"}
    ]
    # a deal cannot be associated to a meeting with the meeting's own direction id
    wrong = _meeting()
    wrong["associations"] = [_to(deal, 211)]
    assert api.post(f"{OBJECTS}/meetings", wrong).status_code == 400


def test_meetings_through_the_python_sdk(api: Api) -> None:
    client = api.sdk()
    created = client.crm.objects.basic_api.create(
        "meetings",
        SimplePublicObjectInputForCreate(
            properties={"hs_timestamp": START, "hs_meeting_outcome": "SCHEDULED"}, associations=[]
        ),
    )
    api.control("PUT", "/settings", {"rateLimits": {"searchPerSecond": 1000}})
    found = client.crm.objects.search_api.do_search(
        "meetings",
        PublicObjectSearchRequest(
            filter_groups=[
                {
                    "filters": [
                        {
                            "propertyName": "hs_meeting_outcome",
                            "operator": "EQ",
                            "value": "SCHEDULED",
                        }
                    ]
                }
            ],
            properties=["hs_timestamp"],
            limit=10,
        ),
    )
    assert [r.id for r in found.results] == [created.id]
