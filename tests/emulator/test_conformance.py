"""Emulator responses validate against HubSpot's published OpenAPI files.

The specs live outside the package, in ``../shared/hubspot-api/openapi`` beside the
checkout (``tests.helpers.OPENAPI``): a missing file skips these tests on a developer's
machine and fails them under CI (``require_spec``). Each file is parsed once. Successful
responses go through openapi-core (path, status, headers, body schema); error bodies are
declared as ``*/*`` in the specs, so they are checked against the ``Error`` schema
directly.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_schema_validator import OAS30Validator

from tests.emulator.conftest import Api, deal_stage_trigger, enum_prop, flow, prop
from tests.helpers import OPENAPI, require_spec

SPEC_DIR = OPENAPI
HUBSPOT = "https://api.hubapi.com"
SPEC_FILES = (
    "account-info-v3.json",
    "associations-schema-v4.json",
    "crm-associations-v4.json",
    "crm-objects-v3.json",
    "crm-property-validations-v3.json",
    "automation-v4.json",
    "crm-limits-tracking-v3.json",
    "crm-lists-v3.json",
    "crm-owners-v3.json",
    "crm-pipelines-v3.json",
    "crm-properties-v3.json",
)


@pytest.fixture(autouse=True, scope="module")
def _specs_present() -> None:
    """Every file these tests read: skipped locally when one is missing, failed under CI."""
    for name in SPEC_FILES:
        require_spec(SPEC_DIR / name)


def _patch_artefacts(name: str, raw: dict[str, Any]) -> None:
    """Loosen what the generated specs get wrong about live HubSpot (in memory only).

    automation-v4: ``ApiSingleConnectionAction.fields`` is a Java ``Map<String, Object>``
    rendered as "every value is an object", yet HubSpot's action fields hold strings
    (``"delta": "1"``, NOTES §6.4). Associations: an association type's ``label`` is null
    for the unlabeled default type.
    """
    if name.startswith("automation-"):
        fields = raw["components"]["schemas"]["ApiSingleConnectionAction"]["properties"]["fields"]
        fields["additionalProperties"] = {}
    # associations: HubSpot lists the unlabeled default type with "label": null
    # (docs/hubspot-api.md §15.2), which the generated schemas do not allow
    for schema in ("AssociationSpecWithLabel",):
        found = raw["components"]["schemas"].get(schema, {}).get("properties", {}).get("label")
        if found is not None:
            found["nullable"] = True


@cache
def spec(name: str) -> tuple[OpenAPI, dict[str, Any]]:
    raw = json.loads((SPEC_DIR / name).read_text(encoding="utf-8"))
    _patch_artefacts(name, raw)
    return OpenAPI.from_dict(raw), raw


def check(spec_name: str, api: Api, method: str, path: str, body: Any = None, **kw: Any) -> int:
    """Send one request to the emulator and validate the response against the spec."""
    response = api.call(method, path, body, **kw)
    openapi, raw = spec(spec_name)
    if response.status_code >= 400:
        schema = {"$ref": "#/components/schemas/Error", "components": raw["components"]}
        errors = sorted(OAS30Validator(schema).iter_errors(response.json()), key=str)
        assert not errors, f"{method} {path} -> {response.status_code}: {errors[0].message}"
        assert response.headers["X-HubSpot-Correlation-Id"] == response.json()["correlationId"]
        return response.status_code
    if response.status_code == 204:
        # openapi-core wants a body wherever ``content`` is declared, even as ``{}``
        assert response.content == b""
        assert "204" in operation(raw, method, path)["responses"]
        return 204
    prepared = requests.Request(
        method,
        HUBSPOT + path,
        json=body,
        params=kw.get("params"),
        headers={"Authorization": f"Bearer {api.token}"},
    ).prepare()
    openapi.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(response))
    return response.status_code


def operation(raw: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The spec's operation for a concrete path (templates matched segment by segment)."""
    parts = path.split("/")
    for template, ops in raw["paths"].items():
        tparts = template.split("/")
        if len(tparts) == len(parts) and all(
            t.startswith("{") or t == p for t, p in zip(tparts, parts, strict=True)
        ):
            found = ops.get(method.lower())
            if found is not None:
                return dict(found)
    raise AssertionError(f"{method} {path} is not in the spec")


def test_properties_and_groups_conform(api: Api) -> None:
    s = "crm-properties-v3.json"
    base = "/crm/v3/properties/deals"
    assert check(s, api, "GET", base) == 200
    assert check(s, api, "GET", base, params={"archived": "true"}) == 200
    assert check(s, api, "POST", base, prop("jp_a")) == 201
    assert check(s, api, "POST", base, enum_prop("jp_e", ["x", "y"])) == 201
    assert check(s, api, "POST", base, prop("jp_a")) == 409
    assert check(s, api, "POST", base, prop("jp_b", fieldType="select")) == 400
    assert check(s, api, "GET", f"{base}/jp_a") == 200
    assert check(s, api, "PATCH", f"{base}/jp_a", {"label": "A"}) == 200
    assert check(s, api, "GET", f"{base}/nope") == 404
    assert check(s, api, "POST", f"{base}/batch/create", {"inputs": [prop("jp_c")]}) == 201
    mixed = {"inputs": [prop("jp_d"), prop("jp_c")]}
    assert check(s, api, "POST", f"{base}/batch/create", mixed) == 207
    read = {"archived": False, "dataSensitivity": "non_sensitive", "inputs": [{"name": "jp_a"}]}
    assert check(s, api, "POST", f"{base}/batch/read", read) == 200
    read["inputs"] = [{"name": "jp_a"}, {"name": "nope"}]
    assert check(s, api, "POST", f"{base}/batch/read", read) == 207
    assert check(s, api, "POST", f"{base}/batch/archive", {"inputs": [{"name": "jp_c"}]}) == 204
    assert check(s, api, "DELETE", f"{base}/jp_a") == 204
    groups = f"{base}/groups"
    assert check(s, api, "GET", groups) == 200
    assert check(s, api, "POST", groups, {"name": "jp_g", "label": "G", "displayOrder": 1}) == 201
    assert check(s, api, "GET", f"{groups}/jp_g") == 200
    assert check(s, api, "PATCH", f"{groups}/jp_g", {"label": "H"}) == 200
    assert check(s, api, "DELETE", f"{groups}/jp_g") == 204


def test_pipelines_and_stages_conform(api: Api) -> None:
    s = "crm-pipelines-v3.json"
    base = "/crm/v3/pipelines/deals"
    stage = {"label": "Open", "displayOrder": 0, "metadata": {"probability": "0.2"}}
    body = {"pipelineId": "jp_p", "label": "JP", "displayOrder": 1, "stages": [stage]}
    assert check(s, api, "GET", base) == 200
    assert check(s, api, "POST", base, body) == 201
    assert check(s, api, "GET", f"{base}/jp_p") == 200
    assert check(s, api, "PATCH", f"{base}/jp_p", {"label": "JP2"}) == 200
    assert check(s, api, "PUT", f"{base}/jp_p", {**body, "label": "JP3"}) == 200
    st = {"stageId": "jp_won", "label": "Won", "displayOrder": 1, "metadata": {"probability": 1}}
    assert check(s, api, "POST", f"{base}/jp_p/stages", st) == 201
    assert check(s, api, "GET", f"{base}/jp_p/stages") == 200
    assert check(s, api, "GET", f"{base}/jp_p/stages/jp_won") == 200
    patch = {"label": "Won!", "metadata": {"probability": "1.0"}}
    assert check(s, api, "PATCH", f"{base}/jp_p/stages/jp_won", patch) == 200
    assert check(s, api, "GET", f"{base}/jp_p/audit") == 200
    assert check(s, api, "GET", f"{base}/jp_p/stages/jp_won/audit") == 200
    assert check(s, api, "DELETE", f"{base}/jp_p/stages/jp_won") == 204
    bad_stage = {**stage, "metadata": {"probability": "0.25"}}
    bad = {**body, "label": "Bad", "pipelineId": "x", "stages": [bad_stage]}
    assert check(s, api, "POST", base, bad) == 400
    assert check(s, api, "DELETE", f"{base}/jp_p") == 204
    assert check(s, api, "GET", f"{base}/jp_p") == 404
    tickets = "/crm/v3/pipelines/tickets"
    assert check(s, api, "GET", tickets) == 200


def test_account_info_conforms(api: Api) -> None:
    s = "account-info-v3.json"
    assert check(s, api, "GET", "/account-info/v3/details") == 200
    assert check(s, api, "GET", "/account-info/v3/api-usage/daily/private-apps") == 200


def test_auth_and_scope_errors_conform(api: Api) -> None:
    s = "crm-properties-v3.json"
    bad = Api(api.server, "pat-local-not-a-token", api.portal_id)
    assert check(s, bad, "GET", "/crm/v3/properties/deals") == 401
    limited = api.server.create_portal(scopes=["oauth"])
    narrow = Api(api.server, str(limited["token"]), int(limited["portalId"]))
    assert check(s, narrow, "GET", "/crm/v3/properties/deals") == 403


def test_flows_conform(api: Api) -> None:
    s = "automation-v4.json"
    base = "/automation/v4/flows"
    assert check(s, api, "POST", base, flow()) == 201
    contact = flow(
        type="CONTACT_FLOW",
        objectTypeId="0-1",
        canEnrollFromSalesforce=False,
        suppressionListIds=[],
        unEnrollmentSetting={"type": "ALL", "flowIds": []},
        enrollmentCriteria={"type": "MANUAL", "shouldReEnroll": False},
        timeWindows=[{"day": "MONDAY", "startTime": {"hour": 9, "minute": 0}}],
        blockedDates=[{"dayOfMonth": 1, "month": "JANUARY"}],
    )
    assert check(s, api, "POST", base, contact) == 201
    listed = api.get(base).json()["results"]
    flow_id = listed[0]["id"]
    assert check(s, api, "GET", base) == 200
    assert check(s, api, "GET", base, params={"limit": "1"}) == 200
    assert check(s, api, "GET", f"{base}/{flow_id}") == 200
    put = flow(revisionId="1", isEnabled=True, enrollmentCriteria=deal_stage_trigger(["closedwon"]))
    assert check(s, api, "PUT", f"{base}/{flow_id}", put) == 200
    assert check(s, api, "PUT", f"{base}/{flow_id}", put) == 409
    body = {"inputs": [{"type": "FLOW_ID", "flowId": f["id"]} for f in listed]}
    assert check(s, api, "POST", f"{base}/batch/read", body) == 200
    body["inputs"].append({"type": "FLOW_ID", "flowId": "123"})
    assert check(s, api, "POST", f"{base}/batch/read", body) == 207
    no_type = {k: v for k, v in flow().items() if k != "type"}
    assert check(s, api, "POST", base, no_type) == 400
    assert check(s, api, "DELETE", f"{base}/{flow_id}") == 204
    assert check(s, api, "GET", f"{base}/{flow_id}") == 404


def test_owners_conform(api: Api) -> None:
    s = "crm-owners-v3.json"
    added = api.control("POST", "/owners", {"email": "c@example.jp", "teams": ["Tokyo"]}).json()
    assert check(s, api, "GET", "/crm/v3/owners") == 200
    assert check(s, api, "GET", "/crm/v3/owners", params={"limit": "1"}) == 200
    assert check(s, api, "GET", "/crm/v3/owners", params={"email": "c@example.jp"}) == 200
    assert check(s, api, "GET", f"/crm/v3/owners/{added['id']}") == 200
    by_user = {"idProperty": "userId"}
    assert check(s, api, "GET", f"/crm/v3/owners/{added['userId']}", params=by_user) == 200
    assert check(s, api, "GET", "/crm/v3/owners/1") == 404


def test_lists_conform(api: Api) -> None:
    s = "crm-lists-v3.json"
    api.post("/crm/v3/objects/companies", {"properties": {"name": "A", "industry": "software"}})
    root = {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranches": [],
                "filters": [
                    {
                        "filterType": "PROPERTY",
                        "property": "industry",
                        "operation": {
                            "operationType": "STRING",
                            "operator": "IS_EQUAL_TO",
                            "value": "software",
                        },
                    }
                ],
            }
        ],
    }
    body = {"name": "ICP", "objectTypeId": "0-2", "processingType": "DYNAMIC", "filterBranch": root}
    assert check(s, api, "POST", "/crm/v3/lists", body) == 200
    assert check(s, api, "POST", "/crm/v3/lists", body) == 409
    manual = {"name": "Manual", "objectTypeId": "0-1", "processingType": "MANUAL"}
    assert check(s, api, "POST", "/crm/v3/lists", manual) == 200
    list_id = api.post("/crm/v3/lists/search", {"offset": 0}).json()["lists"][0]["listId"]
    one = f"/crm/v3/lists/{list_id}"
    assert check(s, api, "GET", one) == 200
    assert check(s, api, "GET", one, params={"includeFilters": "true"}) == 200
    assert check(s, api, "GET", "/crm/v3/lists", params={"listIds": list_id}) == 200
    assert check(s, api, "GET", "/crm/v3/lists/object-type-id/0-2/name/ICP") == 200
    search = {"offset": 0, "count": 10, "additionalProperties": []}
    assert check(s, api, "POST", "/crm/v3/lists/search", search) == 200
    rename = {"listName": "ICP 2"}
    assert check(s, api, "PUT", f"{one}/update-list-name", params=rename) == 200
    assert check(s, api, "PUT", f"{one}/update-list-filters", {"filterBranch": root}) == 200
    assert check(s, api, "GET", f"{one}/memberships") == 200
    assert check(s, api, "DELETE", one) == 204
    assert check(s, api, "GET", one) == 404
    assert check(s, api, "PUT", f"{one}/restore") == 204


def test_limits_conform(api: Api) -> None:
    s = "crm-limits-tracking-v3.json"
    api.post("/crm/v3/properties/deals", prop("jp_a"))
    for path in (
        "pipelines",
        "custom-properties",
        "calculated-properties",
        "custom-object-types",
        "records",
    ):
        assert check(s, api, "GET", f"/crm/v3/limits/{path}") == 200


def test_association_labels_conform(api: Api) -> None:
    s = "associations-schema-v4.json"
    base = "/crm/associations/v4/deals/contacts/labels"
    assert check(s, api, "GET", base) == 200
    made = {"name": "jp_dm", "label": "決裁者"}
    assert check(s, api, "POST", base, made) == 200
    assert check(s, api, "POST", base, made) == 409
    assert check(s, api, "POST", base, {"label": "no name"}) == 400
    paired = {"name": "jp_intro", "label": "紹介元", "inverseLabel": "紹介先"}
    assert check(s, api, "POST", "/crm/associations/v4/companies/companies/labels", paired) == 200
    found = api.get(base).json()["results"]
    type_id = next(r["typeId"] for r in found if r["category"] == "USER_DEFINED")
    assert check(s, api, "GET", "/crm/associations/v4/contacts/deals/labels") == 200
    rename = {"associationTypeId": type_id, "label": "最終決裁者"}
    assert check(s, api, "PUT", base, rename) == 204
    assert check(s, api, "PUT", base, {"associationTypeId": 999_999, "label": "x"}) == 404
    # a record association with the label, read back in both directions
    deal = api.post(
        "/crm/v3/objects/deals",
        {
            "properties": {
                "dealname": "D",
                "pipeline": "default",
                "dealstage": "appointmentscheduled",
            }
        },
    ).json()["id"]
    contact = api.post("/crm/v3/objects/contacts", {"properties": {"email": "a@b.jp"}}).json()["id"]
    v4 = "crm-associations-v4.json"
    spec = [{"associationCategory": "USER_DEFINED", "associationTypeId": type_id}]
    one = f"/crm/v4/objects/deals/{deal}/associations/contacts/{contact}"
    assert check(v4, api, "PUT", one, spec) == 201
    assert check(v4, api, "GET", f"/crm/v4/objects/contacts/{contact}/associations/deals") == 200
    wrong = [{"associationCategory": "USER_DEFINED", "associationTypeId": 999_999}]
    assert check(v4, api, "PUT", one, wrong) == 400
    assert check(s, api, "DELETE", f"{base}/{type_id}") == 204
    assert check(s, api, "DELETE", f"{base}/{type_id}") == 404
    got = api.get(f"/crm/v4/objects/deals/{deal}/associations/contacts").json()["results"]
    assert all(t["category"] == "HUBSPOT_DEFINED" for t in got[0]["associationTypes"])


def test_property_validations_conform(api: Api) -> None:
    s = "crm-property-validations-v3.json"
    api.post("/crm/v3/properties/companies", prop("jp_corp_no", groupName="companyinformation"))
    base = "/crm/v3/property-validations/0-2"
    rule = f"{base}/jp_corp_no/rule-type/REGEX"
    assert check(s, api, "GET", base) == 200
    assert check(s, api, "GET", f"{base}/jp_corp_no") == 200
    assert check(s, api, "GET", rule) == 404
    assert check(s, api, "PUT", rule, {"ruleArguments": ["^[0-9]{13}$"]}) == 204
    assert check(s, api, "GET", rule) == 200
    assert check(s, api, "GET", base) == 200
    assert check(s, api, "PUT", rule, {"ruleArguments": ["("]}) == 400
    assert check(s, api, "PUT", f"{base}/nope/rule-type/REGEX", {"ruleArguments": ["x"]}) == 404
    number_rule = f"{base}/jp_corp_no/rule-type/MIN_NUMBER"
    assert check(s, api, "PUT", number_rule, {"ruleArguments": ["1"]}) == 400  # a text property
    assert (
        check(s, api, "PUT", f"{base}/jp_corp_no/rule-type/NOPE", {"ruleArguments": ["1"]}) == 400
    )
    # HubSpot refuses a record value that breaks the rule
    bad = api.post(
        "/crm/v3/objects/companies", {"properties": {"name": "A", "jp_corp_no": "123456789012"}}
    )
    assert bad.status_code == 400 and bad.json()["category"] == "VALIDATION_ERROR"
    assert bad.json()["message"].startswith("Property values were not valid")
    ok = api.post(
        "/crm/v3/objects/companies", {"properties": {"name": "A", "jp_corp_no": "1234567890123"}}
    )
    assert ok.status_code == 201
    # an empty argument list removes the rule (no DELETE is published)
    assert check(s, api, "PUT", rule, {"ruleArguments": []}) == 204
    assert check(s, api, "GET", rule) == 404
