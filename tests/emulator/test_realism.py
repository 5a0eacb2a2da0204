"""The emulator looks like HubSpot to a third-party client: default property catalogue,
sensitive data, stage calculated properties, 201 labelled associations, 405 with Allow,
JSON (never Python reprs) in messages, and per-portal hubs."""

from __future__ import annotations

import re
import time
from typing import Any

from hubspot_emulator import EmulatorServer
from tests.emulator.conftest import Api, prop

PROPS = "/crm/v3/properties"
REPR = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|\{'|\['|'\]|'\}")


def _names(api: Api, obj: str, **query: str) -> dict[str, dict[str, Any]]:
    resp = api.get(f"{PROPS}/{obj}", params=query)
    assert resp.status_code == 200, resp.text
    return {p["name"]: p for p in resp.json()["results"]}


def test_default_property_catalogue_per_object(api: Api) -> None:
    expected = {
        "contacts": {
            "email",
            "firstname",
            "lastname",
            "phone",
            "lifecyclestage",
            "jobtitle",
            "hs_lead_status",
            "hubspot_owner_id",
            "createdate",
            "hs_object_id",
            "city",
            "country",
            "notes_last_updated",
            "lastmodifieddate",
        },
        "companies": {
            "name",
            "domain",
            "industry",
            "city",
            "country",
            "numberofemployees",
            "annualrevenue",
            "num_associated_contacts",
            "hs_lastmodifieddate",
        },
        "deals": {
            "dealname",
            "amount",
            "dealstage",
            "pipeline",
            "closedate",
            "hubspot_owner_id",
            "num_associated_contacts",
            "hs_is_closed_won",
        },
        "tickets": {
            "subject",
            "content",
            "hs_pipeline",
            "hs_pipeline_stage",
            "hs_ticket_priority",
            "createdate",
            "notes_last_updated",
        },
    }
    for obj, names in expected.items():
        props = _names(api, obj)
        assert names <= set(props), names - set(props)
        defaults = [p for p in props.values() if p["hubspotDefined"]]
        assert len(defaults) >= 60
        for p in defaults:
            assert p["modificationMetadata"]["archivable"] is False
            assert p["modificationMetadata"]["readOnlyDefinition"] is True
            assert p["groupName"].endswith("information")
    created = _names(api, "contacts")["createdate"]
    assert created["type"] == "datetime" and created["modificationMetadata"]["readOnlyValue"]
    assert _names(api, "deals")["amount"]["modificationMetadata"]["readOnlyValue"] is False


def test_portal_creation_stays_fast(emulator: EmulatorServer) -> None:
    emulator.create_portal()
    start = time.perf_counter()
    for _ in range(5):
        emulator.create_portal()
    assert (time.perf_counter() - start) / 5 < 0.05


def test_read_only_catalogue_values_are_refused_on_write(api: Api) -> None:
    resp = api.post(
        "/crm/v3/objects/deals",
        {
            "properties": {
                "dealname": "x",
                "dealstage": "appointmentscheduled",
                "hs_is_closed_won": "true",
            }
        },
    )
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["code"] == "READ_ONLY_VALUE"
    ok = api.post(
        "/crm/v3/objects/contacts",
        {
            "properties": {
                "email": "a@example.jp",
                "hs_lead_status": "NEW",
                "createdate": "2025-01-01",
            }
        },
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["properties"]["createdate"] == "2025-01-01T00:00:00.000Z"


def test_sensitive_properties_listing_and_scopes(emulator: EmulatorServer, api: Api) -> None:
    body = prop("passport_number", groupName="contactinformation", dataSensitivity="sensitive")
    created = api.post(f"{PROPS}/contacts", body)
    assert created.status_code == 201, created.text
    assert "passport_number" not in _names(api, "contacts")
    sensitive = _names(api, "contacts", dataSensitivity="sensitive")
    assert set(sensitive) == {"passport_number"}
    assert _names(api, "contacts", dataSensitivity="highly_sensitive") == {}
    bad = api.get(f"{PROPS}/contacts", params={"dataSensitivity": "secret"})
    assert bad.status_code == 400
    # a token without the sensitive write scope
    limited = emulator.create_portal(scopes=["crm.schemas.contacts.write"])
    other = Api(emulator, str(limited["token"]), int(limited["portalId"]))
    refused = other.post(f"{PROPS}/contacts", body)
    assert refused.status_code == 403 and refused.json()["category"] == "MISSING_SCOPES"
    needed = refused.json()["errors"][0]["context"]["requiredScopes"]
    assert needed == ["crm.objects.contacts.sensitive.write.v2"]
    tickets = other.post(f"{PROPS}/tickets", {**body, "groupName": "ticketinformation"})
    assert tickets.status_code == 403
    # Sensitive Data needs an Enterprise subscription
    pro = emulator.create_portal(tier="professional")
    pro_api = Api(emulator, str(pro["token"]), int(pro["portalId"]))
    assert pro_api.post(f"{PROPS}/contacts", body).status_code == 403


def test_stage_properties_are_maintained_and_defined(api: Api) -> None:
    deal = api.post(
        "/crm/v3/objects/deals",
        {"properties": {"dealname": "Renewal", "dealstage": "appointmentscheduled"}},
    ).json()
    first = deal["properties"]
    assert first["hs_v2_date_entered_appointmentscheduled"] == first["createdate"]
    time.sleep(0.01)
    moved = api.patch(
        f"/crm/v3/objects/deals/{deal['id']}", {"properties": {"dealstage": "qualifiedtobuy"}}
    ).json()["properties"]
    assert (
        moved["hs_v2_date_exited_appointmentscheduled"]
        == moved["hs_date_exited_appointmentscheduled"]
    )
    assert moved["hs_v2_date_entered_qualifiedtobuy"] == moved["hs_date_entered_qualifiedtobuy"]
    assert int(moved["hs_v2_latest_time_in_appointmentscheduled"]) >= 10
    assert (
        moved["hs_v2_cumulative_time_in_appointmentscheduled"]
        == moved["hs_v2_latest_time_in_appointmentscheduled"]
    )
    # back and forth: the cumulative time adds up
    api.patch(
        f"/crm/v3/objects/deals/{deal['id']}", {"properties": {"dealstage": "appointmentscheduled"}}
    )
    time.sleep(0.01)
    again = api.patch(
        f"/crm/v3/objects/deals/{deal['id']}", {"properties": {"dealstage": "closedwon"}}
    ).json()["properties"]
    assert int(again["hs_v2_cumulative_time_in_appointmentscheduled"]) > int(
        again["hs_v2_latest_time_in_appointmentscheduled"]
    )
    wanted = ",".join(
        [
            "hs_v2_date_entered_closedwon",
            "hs_v2_latest_time_in_qualifiedtobuy",
            "hs_v2_date_exited_contractsent",
        ]
    )
    read = api.get(f"/crm/v3/objects/deals/{deal['id']}", params={"properties": wanted}).json()
    assert (
        read["properties"]["hs_v2_date_entered_closedwon"] == again["hs_v2_date_entered_closedwon"]
    )
    assert read["properties"]["hs_v2_date_exited_contractsent"] is None
    found = api.post(
        "/crm/v3/objects/deals/search",
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_v2_date_entered_closedwon", "operator": "HAS_PROPERTY"}
                    ]
                }
            ],
            "properties": ["hs_v2_date_entered_closedwon"],
        },
    ).json()
    assert found["total"] == 1
    # defined for every stage of every pipeline, read-only and HubSpot-defined
    props = _names(api, "deals")
    for stage in ("appointmentscheduled", "closedlost"):
        for prefix in (
            "hs_v2_date_entered_",
            "hs_v2_date_exited_",
            "hs_v2_latest_time_in_",
            "hs_v2_cumulative_time_in_",
            "hs_date_entered_",
            "hs_date_exited_",
        ):
            p = props[prefix + stage]
            assert p["hubspotDefined"] and p["modificationMetadata"]["readOnlyValue"]
    assert "hs_v2_date_entered_4" in _names(api, "tickets")
    one = api.get(f"{PROPS}/deals/hs_v2_date_entered_closedwon")
    assert one.status_code == 200 and one.json()["type"] == "datetime"
    assert api.delete(f"{PROPS}/deals/hs_v2_date_entered_closedwon").status_code == 400
    refused = api.patch(
        f"/crm/v3/objects/deals/{deal['id']}",
        {"properties": {"hs_v2_date_entered_closedwon": "2020-01-01"}},
    )
    assert refused.status_code == 400


def test_ticket_stage_properties(api: Api) -> None:
    ticket = api.post(
        "/crm/v3/objects/tickets", {"properties": {"subject": "Broken", "hs_pipeline_stage": "1"}}
    ).json()
    moved = api.patch(
        f"/crm/v3/objects/tickets/{ticket['id']}", {"properties": {"hs_pipeline_stage": "4"}}
    ).json()["properties"]
    assert moved["hs_v2_date_exited_1"] and moved["hs_v2_date_entered_4"]


def test_labelled_association_put_answers_201(api: Api) -> None:
    deal = api.post(
        "/crm/v3/objects/deals",
        {"properties": {"dealname": "A", "dealstage": "appointmentscheduled"}},
    ).json()["id"]
    company = api.post("/crm/v3/objects/companies", {"properties": {"name": "C"}}).json()["id"]
    resp = api.put(
        f"/crm/v4/objects/deals/{deal}/associations/companies/{company}",
        [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}],
    )
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].endswith(f"/associations/companies/{company}")
    assert resp.json()["toObjectId"] == str(company)


def test_unserved_methods_answer_405_with_allow(api: Api) -> None:
    resp = api.put(f"{PROPS}/deals")
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "GET, POST"
    assert resp.json()["category"] == "VALIDATION_ERROR" and resp.json()["correlationId"]
    assert api.call("PUT", f"{PROPS}/deals/groups").headers["Allow"] == "GET, POST"
    one = api.post("/crm/v3/pipelines/deals/default")
    assert one.status_code == 405 and one.headers["Allow"] == "GET, PUT, PATCH, DELETE"
    missing = api.get("/crm/v3/nothing/here")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"


def test_error_messages_never_show_python_reprs(api: Api) -> None:
    bad: list[tuple[str, str, Any]] = [
        ("POST", f"{PROPS}/deals", {**prop("x"), "name": None}),
        ("POST", f"{PROPS}/deals", prop("x", type=True)),
        ("POST", f"{PROPS}/deals", prop("x", fieldType=["text"])),
        ("POST", f"{PROPS}/deals", prop("x", groupName={"a": 1})),
        ("POST", f"{PROPS}/deals", {**prop("x"), "name": ["x"]}),
        ("POST", f"{PROPS}/deals", prop("x", dataSensitivity=False)),
        ("POST", f"{PROPS}/deals/groups", {"name": None, "label": "L"}),
        ("POST", "/crm/v3/pipelines/deals", {"label": None, "displayOrder": True, "stages": None}),
        (
            "POST",
            "/crm/v3/pipelines/deals",
            {
                "label": "P",
                "displayOrder": 0,
                "stages": [
                    {
                        "label": "S",
                        "displayOrder": 0,
                        "stageId": False,
                        "metadata": {"probability": None},
                    }
                ],
            },
        ),
        ("POST", "/crm/v3/objects/deals", {"properties": {"dealname": None, "amount": [1]}}),
        ("POST", "/crm/v3/objects/deals", {"properties": {"dealstage": {"a": 1}}}),
        ("POST", "/crm/v3/objects/deals/search", {"limit": True}),
        ("POST", "/crm/v3/objects/deals/search", {"after": None, "limit": None}),
        (
            "POST",
            "/crm/v3/objects/deals/search",
            {"filterGroups": [{"filters": [{"propertyName": None, "operator": "EQ", "value": 1}]}]},
        ),
        (
            "POST",
            "/crm/v3/objects/deals/search",
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "amount", "operator": None, "value": 1}]}
                ]
            },
        ),
        ("POST", "/crm/v3/objects/deals/search", {"sorts": [{"propertyName": None}]}),
        ("GET", "/crm/v3/objects/deals?limit=abc", None),
        ("GET", "/crm/v3/objects/deals?after=x", None),
        ("POST", "/automation/v4/flows", {"type": None, "objectTypeId": True}),
        ("POST", "/automation/v4/flows", {"type": "PLATFORM_FLOW", "objectTypeId": ["0-3"]}),
        ("POST", "/crm/v3/lists", {"name": None, "objectTypeId": None, "processingType": False}),
        (
            "POST",
            "/crm/v3/lists",
            {
                "name": "L",
                "objectTypeId": "0-3",
                "processingType": "DYNAMIC",
                "filterBranch": {"filterBranchType": None},
            },
        ),
        ("PUT", "/crm/v4/objects/deals/1/associations/companies/2", [{"associationTypeId": None}]),
        ("GET", f"{PROPS}/deals?dataSensitivity=secret", None),
    ]
    for method, path, body in bad:
        resp = api.call(method, path, body)
        assert 400 <= resp.status_code < 500, (path, resp.status_code)
        text = resp.text
        assert not REPR.search(text.replace("\\u", "")), (path, body, text)
