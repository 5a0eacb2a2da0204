"""Limits tracking (``/crm/v3/limits/…``): usage from the portal's state, limits by tier."""

from __future__ import annotations

from typing import Any

from hubspot_emulator import EmulatorServer
from tests.emulator.conftest import Api, prop

LIMITS = "/crm/v3/limits"


def by_type(body: dict[str, Any], key: str = "byObjectType") -> dict[str, dict[str, Any]]:
    return {item["objectTypeId"]: item for item in body[key]}


def pipeline(label: str) -> dict[str, Any]:
    stage = {"label": "Open", "displayOrder": 0, "metadata": {"probability": "0.5"}}
    return {"label": label, "displayOrder": 1, "stages": [stage]}


def test_pipeline_usage_follows_state(api: Api) -> None:
    before = by_type(api.get(f"{LIMITS}/pipelines").json(), "hubspotDefinedObjectTypes")
    assert before["0-3"]["usage"] == 1 and before["0-5"]["usage"] == 1
    assert before["0-3"]["limit"] == 100  # enterprise
    assert before["0-3"]["singularLabel"] == "Deal" and before["0-3"]["percentage"] == 1.0
    created = api.post("/crm/v3/pipelines/deals", pipeline("Japan")).json()
    after = by_type(api.get(f"{LIMITS}/pipelines").json(), "hubspotDefinedObjectTypes")
    assert after["0-3"]["usage"] == 2
    api.delete(f"/crm/v3/pipelines/deals/{created['id']}")
    again = api.get(f"{LIMITS}/pipelines").json()
    assert by_type(again, "hubspotDefinedObjectTypes")["0-3"]["usage"] == 1
    assert again["customObjectTypes"]["overallUsage"] == 0


def test_custom_and_calculated_property_usage(api: Api) -> None:
    start = api.get(f"{LIMITS}/custom-properties").json()
    assert start["overallUsage"] == 0  # HubSpot-defined properties do not count
    api.post("/crm/v3/properties/deals", prop("jp_a"))
    api.post("/crm/v3/properties/deals", prop("jp_b"))
    api.post(
        "/crm/v3/properties/deals",
        prop(
            "jp_calc",
            type="number",
            fieldType="calculation_equation",
            calculationFormula="amount * 2",
        ),
    )
    custom = api.get(f"{LIMITS}/custom-properties").json()
    assert by_type(custom)["0-3"]["usage"] == 3 and custom["overallUsage"] == 3
    # one entry per object with a schema: contacts, companies, deals, tickets, leads
    assert custom["overallLimit"] == 5 * by_type(custom)["0-3"]["limit"]
    calculated = api.get(f"{LIMITS}/calculated-properties").json()
    assert calculated["overallUsage"] == 1 and calculated["overallLimit"] == 200
    assert by_type(calculated)["0-3"]["usage"] == 1
    api.delete("/crm/v3/properties/deals/jp_a")
    assert api.get(f"{LIMITS}/custom-properties").json()["overallUsage"] == 2


def test_record_usage_and_custom_object_types(api: Api) -> None:
    api.control("POST", "/records/companies", {"inputs": [{"properties": {"name": "Acme"}}]})
    records = by_type(api.get(f"{LIMITS}/records").json(), "hubspotDefinedObjectTypes")
    assert records["0-2"]["usage"] == 1 and records["0-1"]["usage"] == 0
    assert api.get(f"{LIMITS}/custom-object-types").json() == {
        "limit": 10,
        "usage": 0,
        "percentage": 0.0,
    }


def test_limits_by_tier_are_enforced(emulator: EmulatorServer) -> None:
    free = emulator.create_portal(tier="free")
    api = Api(emulator, str(free["token"]), int(free["portalId"]))
    limits = by_type(api.get(f"{LIMITS}/pipelines").json(), "hubspotDefinedObjectTypes")
    assert limits["0-3"] == {**limits["0-3"], "limit": 1, "usage": 1, "percentage": 100.0}
    refused = api.post("/crm/v3/pipelines/deals", pipeline("Second"))
    assert refused.status_code == 400 and "limit of 1 deals pipelines" in refused.json()["message"]
    for i in range(10):
        assert api.post("/crm/v3/properties/deals", prop(f"jp_{i}")).status_code == 201
    over = api.post("/crm/v3/properties/deals", prop("jp_eleven"))
    assert over.status_code == 400 and "custom deals properties" in over.json()["message"]
    assert api.post("/crm/v3/properties/contacts", prop("jp_c", groupName="contactinformation"))
    calc = prop(
        "jp_calc",
        type="number",
        fieldType="calculation_equation",
        calculationFormula="1",
        groupName="companyinformation",
    )
    refused_calc = api.post("/crm/v3/properties/companies", calc)
    assert refused_calc.status_code == 400 and "calculated" in refused_calc.json()["message"]
    assert api.get(f"{LIMITS}/custom-object-types").json()["limit"] == 0
    pro = emulator.create_portal(tier="professional")
    pro_api = Api(emulator, str(pro["token"]), int(pro["portalId"]))
    assert pro_api.get(f"{LIMITS}/calculated-properties").json()["overallLimit"] == 5
