"""Automation v4 flows in the emulator follow NOTES §6."""

from __future__ import annotations

import copy
from typing import Any

from hubspot_emulator import EmulatorServer
from tests.emulator.conftest import Api, deal_stage_trigger, flow

FLOWS = "/automation/v4/flows"


def make(api: Api, **over: Any) -> dict[str, Any]:
    r = api.post(FLOWS, flow(**over))
    assert r.status_code == 201, r.text
    return dict(r.json())


def error(r: Any) -> str:
    body = r.json()
    assert body["category"] in ("VALIDATION_ERROR", "CONFLICT", "FORBIDDEN", "OBJECT_NOT_FOUND")
    return str(body["message"])


def test_create_sets_server_fields(api: Api) -> None:
    r = api.post(FLOWS, flow())
    assert r.status_code == 201 and r.headers["Location"].endswith(r.json()["id"])
    created = r.json()
    assert created["id"].isdigit() and len(created["uuid"]) == 36
    assert created["revisionId"] == "1"
    assert created["nextAvailableActionId"] == "3"
    assert created["createdAt"] == created["updatedAt"] and created["createdAt"].endswith("Z")
    assert created["crmObjectCreationStatus"] == "COMPLETE"
    got = api.get(f"{FLOWS}/{created['id']}").json()
    assert got == created
    assert got["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0][
        "operation"
    ]["values"] == ["presentationscheduled"]


def test_missing_type_and_required_fields(api: Api) -> None:
    body = flow()
    del body["type"]
    r = api.post(FLOWS, body)
    assert r.status_code == 400
    assert error(r) == "required fields were not set: [type]"
    body = flow()
    del body["timeWindows"], body["dataSources"]
    assert error(api.post(FLOWS, body)) == (
        "required fields were not set: [dataSources, timeWindows]"
    )
    contact = flow(type="CONTACT_FLOW", objectTypeId="0-1", enrollmentCriteria=None)
    assert "canEnrollFromSalesforce, suppressionListIds" in error(api.post(FLOWS, contact))


def test_flow_type_must_match_the_object_type(api: Api) -> None:
    contact_on_deals = api.post(
        FLOWS, flow(type="CONTACT_FLOW", canEnrollFromSalesforce=False, suppressionListIds=[])
    )
    assert contact_on_deals.status_code == 400
    assert contact_on_deals.json()["errors"][0]["in"] == "objectTypeId"
    platform_on_contacts = api.post(FLOWS, flow(objectTypeId="0-1", enrollmentCriteria=None))
    assert platform_on_contacts.status_code == 400
    assert "objectTypeId" in error(platform_on_contacts)
    ok = api.post(
        FLOWS,
        flow(
            type="CONTACT_FLOW",
            objectTypeId="0-1",
            canEnrollFromSalesforce=False,
            suppressionListIds=[],
            enrollmentCriteria={"type": "MANUAL", "shouldReEnroll": False},
        ),
    )
    assert ok.status_code == 201, ok.text
    assert api.post(FLOWS, flow(flowType="BOT")).status_code == 400
    assert api.post(FLOWS, flow(objectTypeId="2-999")).status_code == 400


def test_action_graph_rules(api: Api) -> None:
    def with_actions(mutate: Any) -> int:
        body = flow()
        mutate(body["actions"])
        return int(api.post(FLOWS, body).status_code)

    assert with_actions(lambda a: a[1].update(actionId="1")) == 400  # duplicate id
    assert with_actions(lambda a: a[0].update(actionId=1)) == 400  # not a string
    assert with_actions(lambda a: a[0]["connection"].update(nextActionId="9")) == 400
    assert with_actions(lambda a: a[1].update(connection={})) == 400  # empty connection
    assert with_actions(lambda a: a[1].update(actionTypeId="0-999")) == 400
    assert with_actions(lambda a: a[1].update(actionTypeId="0-63809083")) == 201
    assert with_actions(lambda a: a[1].pop("fields")) == 400
    # a STANDARD edge back to action 1 is a cycle; a GOTO edge is allowed
    back = {"edgeType": "STANDARD", "nextActionId": "1"}
    assert with_actions(lambda a: a[1].update(connection=back)) == 400
    assert with_actions(lambda a: a[1].update(connection={**back, "edgeType": "GOTO"})) == 201
    assert api.post(FLOWS, flow(startActionId="7")).status_code == 400
    assert api.post(FLOWS, flow(startActionId=None)).status_code == 400


def test_branch_actions(api: Api) -> None:
    body = flow()
    body["actions"] = [
        {
            "type": "STATIC_BRANCH",
            "actionId": "1",
            "inputValue": {"type": "OBJECT_PROPERTY", "propertyName": "dealtype"},
            "staticBranches": [
                {
                    "branchValue": "newbusiness",
                    "connection": {"edgeType": "STANDARD", "nextActionId": "2"},
                }
            ],
            "defaultBranchName": "Other",
            "defaultBranch": {"edgeType": "STANDARD", "nextActionId": "3"},
        },
        {
            "type": "SINGLE_CONNECTION",
            "actionId": "2",
            "actionTypeId": "0-5",
            "actionTypeVersion": 0,
            "fields": {"property_name": "description", "value": {"type": "STATIC_VALUE"}},
        },
        {
            "type": "AB_TEST_BRANCH",
            "actionId": "3",
            "testBranches": [
                {"percentage": 50, "connection": {"edgeType": "GOTO", "nextActionId": "2"}}
            ],
        },
    ]
    created = api.post(FLOWS, body)
    assert created.status_code == 201, created.text
    assert created.json()["nextAvailableActionId"] == "4"
    body["actions"][0]["defaultBranch"] = {"edgeType": "STANDARD", "nextActionId": "4"}
    assert api.post(FLOWS, body).status_code == 400


def test_enrollment_criteria_types(api: Api) -> None:
    criteria = deal_stage_trigger(["closedwon"])
    del criteria["unEnrollObjectsNotMeetingCriteria"]
    r = api.post(FLOWS, flow(enrollmentCriteria=criteria))
    assert r.status_code == 400 and "unEnrollObjectsNotMeetingCriteria" in error(r)
    bad_root = deal_stage_trigger(["closedwon"])
    bad_root["listFilterBranch"]["filterBranchType"] = "AND"
    assert api.post(FLOWS, flow(enrollmentCriteria=bad_root)).status_code == 400
    not_equal = deal_stage_trigger(["closedwon"])
    op = not_equal["listFilterBranch"]["filterBranches"][0]["filters"][0]["operation"]
    op["operator"] = "IS_NOT_EQUAL_TO"
    r = api.post(FLOWS, flow(enrollmentCriteria=not_equal))
    assert r.status_code == 400 and "IS_NONE_OF" in error(r)
    assert api.post(FLOWS, flow(enrollmentCriteria={"type": "SOMETIMES"})).status_code == 400
    manual = {"type": "MANUAL", "shouldReEnroll": True}
    assert api.post(FLOWS, flow(enrollmentCriteria=manual)).status_code == 201
    event = {
        "type": "EVENT_BASED",
        "shouldReEnroll": False,
        "listMembershipFilterBranches": [],
        "eventFilterBranches": [
            {
                "filterBranchType": "UNIFIED_EVENTS",
                "eventTypeId": "4-1639801",
                "operator": "HAS_COMPLETED",
                "filters": [],
                "filterBranches": [],
            }
        ],
    }
    assert api.post(FLOWS, flow(enrollmentCriteria=event)).status_code == 201
    nested = copy.deepcopy(event)
    nested["eventFilterBranches"][0]["filterBranches"] = [
        copy.deepcopy(event)["eventFilterBranches"][0]
    ]
    assert api.post(FLOWS, flow(enrollmentCriteria=nested)).status_code == 400
    dataset = {"type": "DATASET", "shouldReEnroll": False}
    assert api.post(FLOWS, flow(enrollmentCriteria=dataset)).status_code == 400


def test_put_replaces_and_checks_the_revision(api: Api) -> None:
    created = make(api, description="Sent a proposal")
    path = f"{FLOWS}/{created['id']}"
    put = flow(revisionId="1", isEnabled=True, name="Renamed")
    for key in ("objectTypeId", "flowType", "dataSources"):
        del put[key]
    del put["customProperties"]["hs_japan_key"]
    r = api.put(path, put)
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["revisionId"] == "2" and updated["isEnabled"] is True
    assert updated["name"] == "Renamed" and updated["customProperties"] == {}
    assert "description" not in updated  # full replacement: what is left out is gone
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] > created["updatedAt"]
    assert updated["id"] == created["id"] and updated["uuid"] == created["uuid"]
    stale = api.put(path, put)  # still says revision 1
    assert stale.status_code == 409 and stale.json()["category"] == "CONFLICT"
    assert api.put(path, {**put, "revisionId": "2"}).json()["revisionId"] == "3"
    assert api.put(path, {**put, "revisionId": "3", "objectTypeId": "0-2"}).status_code == 400
    missing = {k: v for k, v in put.items() if k != "revisionId"}
    assert error(api.put(path, missing)) == "required fields were not set: [revisionId]"
    assert api.put(f"{FLOWS}/999", {**put, "revisionId": "3"}).status_code == 404


def test_list_pages_with_after_and_limit(api: Api) -> None:
    ids = [make(api, name=f"Flow {i}")["id"] for i in range(5)]
    first = api.get(FLOWS, params={"limit": 2}).json()
    assert [f["id"] for f in first["results"]] == ids[:2]
    assert set(first["results"][0]) <= {
        "id",
        "name",
        "isEnabled",
        "flowType",
        "objectTypeId",
        "revisionId",
        "createdAt",
        "updatedAt",
        "uuid",
    }
    after = first["paging"]["next"]["after"]
    assert "after=" in first["paging"]["next"]["link"]
    second = api.get(FLOWS, params={"limit": 2, "after": after}).json()
    assert [f["id"] for f in second["results"]] == ids[2:4]
    last = api.get(FLOWS, params={"limit": 2, "after": second["paging"]["next"]["after"]}).json()
    assert [f["id"] for f in last["results"]] == ids[4:] and "paging" not in last
    assert "paging" not in api.get(FLOWS).json()
    assert api.get(FLOWS, params={"limit": 0}).status_code == 400
    assert len(api.get(FLOWS, params={"limit": 1000}).json()["results"]) == 5  # capped at 100


def test_delete_and_batch_read(api: Api) -> None:
    a, b = make(api), make(api)
    read = api.post(
        f"{FLOWS}/batch/read",
        {
            "inputs": [
                {"type": "FLOW_ID", "flowId": a["id"]},
                {"type": "FLOW_ID", "flowId": b["id"]},
            ]
        },
    )
    assert read.status_code == 200 and [f["id"] for f in read.json()["results"]] == [
        a["id"],
        b["id"],
    ]
    assert api.delete(f"{FLOWS}/{a['id']}").status_code == 204
    assert api.get(f"{FLOWS}/{a['id']}").status_code == 404
    assert api.delete(f"{FLOWS}/{a['id']}").status_code == 404
    partial = api.post(
        f"{FLOWS}/batch/read",
        {
            "inputs": [
                {"type": "FLOW_ID", "flowId": a["id"]},
                {"type": "FLOW_ID", "flowId": b["id"]},
            ]
        },
    )
    assert partial.status_code == 207
    body = partial.json()
    assert body["numErrors"] == 1 and body["errors"][0]["context"]["flowId"] == [a["id"]]
    assert api.post(f"{FLOWS}/batch/read", {"inputs": [{"flowId": b["id"]}]}).status_code == 400


def test_professional_tier_and_automation_scope(emulator: EmulatorServer) -> None:
    starter = emulator.create_portal(tier="starter")
    low = Api(emulator, str(starter["token"]), int(starter["portalId"]))
    r = low.post(FLOWS, flow())
    assert r.status_code == 403 and r.json()["category"] == "FORBIDDEN"
    assert "Professional" in r.json()["message"]
    assert low.get(FLOWS).status_code == 403
    pro = emulator.create_portal(tier="professional")
    assert (
        Api(emulator, str(pro["token"]), int(pro["portalId"])).post(FLOWS, flow()).status_code
        == 201
    )
    narrow = emulator.create_portal(scopes=["oauth"])
    r = Api(emulator, str(narrow["token"]), int(narrow["portalId"])).get(FLOWS)
    assert r.status_code == 403 and r.json()["category"] == "MISSING_SCOPES"
    assert r.json()["errors"][0]["context"]["requiredScopes"] == ["automation"]


def test_flows_using_a_stage_block_its_deletion(api: Api) -> None:
    make(api)  # triggers on presentationscheduled
    r = api.delete(
        "/crm/v3/pipelines/deals/default/stages/presentationscheduled",
        params={"validateReferencesBeforeDelete": "true"},
    )
    assert r.status_code == 400 and "1 workflows" in r.json()["message"]


def test_read_modify_write_round_trip(api: Api) -> None:
    """The apply engine's pattern: GET the flow, change it, PUT the whole document back."""
    created = make(api)
    path = f"{FLOWS}/{created['id']}"
    current = api.get(path).json()
    current["isEnabled"] = True
    current["actions"][1]["fields"]["subject"] = "Call the customer"
    r = api.put(path, current)  # carries id, uuid, createdAt, objectTypeId … unchanged
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["revisionId"] == "2" and updated["isEnabled"] is True
    assert updated["actions"][1]["fields"]["subject"] == "Call the customer"
    assert updated["id"] == created["id"] and updated["uuid"] == created["uuid"]


def test_a_contact_flow_on_a_number_property_above_a_value(api: Api) -> None:
    """The Japan handoff's "first deal" trigger: a CONTACT_FLOW enrolling contacts whose
    num_associated_deals IS_GREATER_THAN 0 (a NUMBER operation: ``value`` is a number, as
    automation-v4.json PublicNumberPropertyOperation declares)."""
    criteria = deal_stage_trigger([])
    f = criteria["listFilterBranch"]["filterBranches"][0]["filters"][0]
    f["property"] = "num_associated_deals"
    f["operation"] = {
        "operationType": "NUMBER",
        "operator": "IS_GREATER_THAN",
        "value": 0,
        "includeObjectsWithNoValueSet": False,
    }
    contact = {
        "type": "CONTACT_FLOW",
        "objectTypeId": "0-1",
        "canEnrollFromSalesforce": False,
        "suppressionListIds": [],
        "enrollmentCriteria": criteria,
    }
    made = make(api, **contact)
    got = api.get(f"{FLOWS}/{made['id']}").json()
    op = got["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]
    assert op["operation"]["value"] == 0 and op["operation"]["operator"] == "IS_GREATER_THAN"
    as_text = copy.deepcopy(criteria)
    as_text["listFilterBranch"]["filterBranches"][0]["filters"][0]["operation"]["value"] = "0"
    r = api.post(FLOWS, flow(**{**contact, "enrollmentCriteria": as_text}))
    assert r.status_code == 400 and "value must be a number" in error(r)
    unknown_op = copy.deepcopy(criteria)
    unknown_op["listFilterBranch"]["filterBranches"][0]["filters"][0]["operation"]["operator"] = (
        "IS_ABOVE"
    )
    r = api.post(FLOWS, flow(**{**contact, "enrollmentCriteria": unknown_op}))
    assert r.status_code == 400 and "IS_GREATER_THAN" in error(r)
