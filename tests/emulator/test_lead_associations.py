"""A lead is created with its contact (docs/hubspot-api.md §15.7: "Must be associated with an
existing contact", HubSpot's leads guide): the emulator refuses a lead create, single or
batch, without an association to a live contact, and accepts it with one; driven through
HubSpot's Python SDK (``crm.objects.leads``) over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hubspot.crm.objects.leads import (
    ApiException,
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectInputForCreate,
)

from tests.emulator.conftest import Api

OBJECTS = "/crm/v3/objects"


def _contact(api: Api, email: str) -> str:
    got = api.post(f"{OBJECTS}/contacts", {"properties": {"email": email}})
    assert got.status_code == 201, got.text
    return str(got.json()["id"])


def _with(to_id: str, type_id: int = 578) -> PublicAssociationsForObject:
    return PublicAssociationsForObject(
        to=PublicObjectId(id=to_id),
        types=[
            AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)
        ],
    )


def _props(name: str) -> dict[str, str]:
    return {
        "hs_lead_name": name,
        "hs_pipeline": "lead-pipeline-id",
        "hs_pipeline_stage": "new-stage-id",
    }


def _lead(name: str, associations: list[Any]) -> SimplePublicObjectInputForCreate:
    return SimplePublicObjectInputForCreate(properties=_props(name), associations=associations)


def _batch_lead(name: str, associations: list[Any]) -> SimplePublicObjectBatchInputForCreate:
    return SimplePublicObjectBatchInputForCreate(properties=_props(name), associations=associations)


def _refusal(exc: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    assert exc.value.status == 400
    body: dict[str, Any] = json.loads(exc.value.body)
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    return body


def test_a_lead_without_its_contact_is_refused_and_with_it_created(api: Api) -> None:
    leads = api.sdk().crm.objects.leads
    with pytest.raises(ApiException) as refused:
        leads.basic_api.create(_lead("山田 太郎", []))
    body = _refusal(refused)
    assert "association to an existing contact" in body["message"]
    assert body["errors"][0]["in"] == "associations"
    assert api.get(f"{OBJECTS}/leads").json()["results"] == []  # nothing was created

    # a company alone is not enough
    company = api.post(f"{OBJECTS}/companies", {"properties": {"name": "山田商事"}}).json()["id"]
    with pytest.raises(ApiException) as company_only:
        leads.basic_api.create(_lead("山田 太郎", [_with(company, 580)]))
    assert "association to an existing contact" in _refusal(company_only)["message"]

    # a contact that does not exist is refused as an invalid association
    with pytest.raises(ApiException) as missing:
        leads.basic_api.create(_lead("山田 太郎", [_with("999999")]))
    assert _refusal(missing)["errors"][0]["code"] == "INVALID_ASSOCIATION"

    contact = _contact(api, "taro@example.jp")
    created = leads.basic_api.create(_lead("山田 太郎", [_with(contact)]))
    assert created.properties["hs_lead_name"] == "山田 太郎"
    # the association exists in both directions
    got = api.get(f"/crm/v4/objects/leads/{created.id}/associations/contacts").json()
    assert [
        (str(r["toObjectId"]), [t["typeId"] for t in r["associationTypes"]]) for r in got["results"]
    ] == [(contact, [578])]
    back = api.get(f"/crm/v4/objects/contacts/{contact}/associations/leads").json()
    assert [
        (str(r["toObjectId"]), [t["typeId"] for t in r["associationTypes"]])
        for r in back["results"]
    ] == [(created.id, [579])]


def test_batch_create_refuses_any_lead_without_its_contact(api: Api) -> None:
    leads = api.sdk().crm.objects.leads
    contact = _contact(api, "hanako@example.jp")
    batch = BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[_batch_lead("佐藤 花子", [_with(contact)]), _batch_lead("鈴木 一郎", [])]
    )
    with pytest.raises(ApiException) as refused:
        leads.batch_api.create(batch)
    body = _refusal(refused)
    assert body["errors"][0]["in"] == "inputs[1].associations"
    assert api.get(f"{OBJECTS}/leads").json()["results"] == []  # all or nothing
    ok = BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[
            _batch_lead("佐藤 花子", [_with(contact)]),
            _batch_lead("鈴木 一郎", [_with(contact)]),
        ]
    )
    done = leads.batch_api.create(ok)
    assert sorted(r.properties["hs_lead_name"] for r in done.results) == ["佐藤 花子", "鈴木 一郎"]
