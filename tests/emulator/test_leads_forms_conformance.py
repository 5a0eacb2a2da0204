"""Leads and forms in the emulator: responses validate against crm-leads-v3.json,
crm-pipelines-v3.json, crm-properties-v3.json and marketing-forms-v3.json; leads are refused
below Sales Hub Professional; a form field must name a live property."""

from __future__ import annotations

from typing import Any

import pytest

from hubspot_emulator import EmulatorServer
from tests.emulator.conftest import Api
from tests.emulator.test_conformance import SPEC_DIR, check
from tests.helpers import require_spec

FILES = (
    "crm-leads-v3.json",
    "crm-pipelines-v3.json",
    "crm-properties-v3.json",
    "marketing-forms-v3.json",
)


@pytest.fixture(autouse=True, scope="module")
def _specs_present() -> None:
    for name in FILES:
        require_spec(SPEC_DIR / name)


def to_contact(contact_id: str, type_id: int = 578) -> dict[str, Any]:
    """A lead create's association to its contact (the leads guide's type 578)."""
    return {
        "to": {"id": contact_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def form_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "formType": "hubspot",
        "name": "お問い合わせ",
        "archived": False,
        "fieldGroups": [
            {
                "groupType": "default_group",
                "richTextType": "text",
                "fields": [
                    {
                        "objectTypeId": "0-1",
                        "name": "lastname",
                        "label": "姓",
                        "required": True,
                        "hidden": False,
                        "fieldType": "single_line_text",
                    },
                    {
                        "objectTypeId": "0-1",
                        "name": "email",
                        "label": "メール",
                        "required": True,
                        "hidden": False,
                        "fieldType": "email",
                    },
                ],
            },
            {
                "groupType": "default_group",
                "richTextType": "text",
                "fields": [
                    {
                        "objectTypeId": "0-1",
                        "name": "lifecyclestage",
                        "label": "段階",
                        "required": False,
                        "hidden": True,
                        "fieldType": "dropdown",
                        "options": [{"label": "Lead", "value": "lead", "displayOrder": 0}],
                        "defaultValues": ["lead"],
                    }
                ],
            },
        ],
        "configuration": {"language": "ja", "lifecycleStages": []},
        "displayOptions": {"submitButtonText": "送信", "cssClass": "hsjapan-form-x"},
        "legalConsentOptions": {"type": "none"},
    }
    body.update(over)
    return body


def test_forms_conform(api: Api) -> None:
    s = "marketing-forms-v3.json"
    assert check(s, api, "POST", "/marketing/v3/forms", form_body()) == 201
    form_id = api.get("/marketing/v3/forms").json()["results"][0]["id"]
    assert check(s, api, "GET", "/marketing/v3/forms") == 200
    assert check(s, api, "GET", f"/marketing/v3/forms/{form_id}") == 200
    assert check(s, api, "PUT", f"/marketing/v3/forms/{form_id}", form_body(name="改名")) == 200
    assert check(s, api, "PATCH", f"/marketing/v3/forms/{form_id}", {"name": "再改名"}) == 200
    got = api.get(f"/marketing/v3/forms/{form_id}").json()
    assert got["name"] == "再改名" and got["displayOptions"]["cssClass"] == "hsjapan-form-x"
    # a field naming no property of its object, a bad enum, a missing part: 400s
    bad = form_body()
    bad["fieldGroups"][0]["fields"][0]["name"] = "no_such_property"
    assert check(s, api, "POST", "/marketing/v3/forms", bad) == 400
    assert check(s, api, "POST", "/marketing/v3/forms", form_body(formType="other")) == 400
    missing = form_body()
    del missing["legalConsentOptions"]
    assert check(s, api, "POST", "/marketing/v3/forms", missing) == 400
    # an option that is not an option of the property
    wrong = form_body()
    wrong["fieldGroups"][1]["fields"][0]["options"][0]["value"] = "nope"
    assert check(s, api, "POST", "/marketing/v3/forms", wrong) == 400
    assert check(s, api, "DELETE", f"/marketing/v3/forms/{form_id}") == 204
    assert check(s, api, "GET", f"/marketing/v3/forms/{form_id}") == 404
    assert api.get(f"/marketing/v3/forms/{form_id}?archived=true").json()["archived"] is True
    assert api.get("/marketing/v3/forms").json()["results"] == []


def test_leads_pipelines_properties_records_conform(api: Api) -> None:
    p = "crm-pipelines-v3.json"
    assert check(p, api, "GET", "/crm/v3/pipelines/leads") == 200
    default = api.get("/crm/v3/pipelines/0-136").json()["results"][0]
    assert default["id"] == "lead-pipeline-id"
    assert [s["id"] for s in default["stages"]] == [
        "new-stage-id",
        "attempting-stage-id",
        "connected-stage-id",
        "qualified-stage-id",
        "unqualified-stage-id",
    ]
    body = {
        "pipelineId": "jp_prospecting",
        "label": "新規開拓",
        "displayOrder": 1,
        "stages": [
            {"stageId": "jp_new", "label": "新規", "displayOrder": 0, "metadata": {}},
            {"stageId": "jp_out", "label": "対象外", "displayOrder": 1, "metadata": {}},
        ],
    }
    assert check(p, api, "POST", "/crm/v3/pipelines/leads", body) == 201
    got = api.get("/crm/v3/pipelines/leads/jp_prospecting").json()
    assert got["stages"][0]["metadata"] == {}  # no deal probability, no ticket state
    pr = "crm-properties-v3.json"
    assert check(pr, api, "GET", "/crm/v3/properties/leads") == 200
    reason = {
        "name": "jp_disqualification_reason",
        "label": "対象外の理由",
        "type": "enumeration",
        "fieldType": "select",
        "groupName": "leadinformation",
        "options": [{"label": "予算なし", "value": "no_budget", "displayOrder": 0}],
    }
    assert check(pr, api, "POST", "/crm/v3/properties/leads", reason) == 201
    contact = api.post("/crm/v3/objects/contacts", {"properties": {"email": "t@example.jp"}})
    lead = {
        "properties": {
            "hs_lead_name": "山田 太郎",
            "hs_pipeline": "jp_prospecting",
            "hs_pipeline_stage": "jp_out",
            "jp_disqualification_reason": "no_budget",
        },
        "associations": [to_contact(contact.json()["id"])],
    }
    assert check("crm-leads-v3.json", api, "POST", "/crm/v3/objects/leads", lead) == 201
    wrong = {
        "properties": {"hs_lead_name": "x", "hs_pipeline_stage": "jp_nope"},
        "associations": lead["associations"],
    }
    assert check("crm-leads-v3.json", api, "POST", "/crm/v3/objects/leads", wrong) == 400
    assert check("crm-leads-v3.json", api, "GET", "/crm/v3/objects/leads") == 200


def test_leads_refused_below_sales_professional(emulator: EmulatorServer) -> None:
    created = emulator.create_portal(hubs={"sales": "starter"})
    api = Api(emulator, str(created["token"]), int(created["portalId"]))
    for path in ("/crm/v3/pipelines/leads", "/crm/v3/properties/0-136", "/crm/v3/objects/leads"):
        got = api.get(path)
        assert got.status_code == 403, path
        assert got.json()["subCategory"] == "FEATURE_NOT_AVAILABLE"
        assert "Sales Hub Professional" in got.json()["message"]
    assert api.get("/crm/v3/pipelines/deals").status_code == 200
    # forms are on every tier
    assert api.get("/marketing/v3/forms").status_code == 200
