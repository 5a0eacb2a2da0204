"""Automation v4 flows (docs/hubspot-api.md §6), kept in collection ``flow`` with
``enrollmentCriteria`` and ``actions`` at top level (pipelines.py scans them for stage ids).

Rules: Professional or Enterprise portals only (403 otherwise); required fields per variant
for create and PUT ("required fields were not set: [type]"); ``CONTACT_FLOW`` only with
objectTypeId 0-1 and ``PLATFORM_FLOW`` never with it (a 400 that blames objectTypeId, as
HubSpot does); ``flowType`` enum; the action graph (unique string ``actionId``s, an existing
``startActionId``, every ``nextActionId`` existing, no ``connection: {}``, no cycle except
through GOTO edges); built-in ``actionTypeId``s of §6.4 only; enrollment criteria types of
§6.5 with their required fields and valid filter branches. Server-set: ``id`` (numeric
string), ``uuid``, ``revisionId`` ("1", bumped by each write), ``createdAt``/``updatedAt``,
``nextAvailableActionId``. PUT is a full replacement that must carry the current
``revisionId`` (409 ``CONFLICT`` otherwise, our guess) and cannot change ``objectTypeId``,
``flowType`` or ``dataSources``.
"""

from __future__ import annotations

import uuid
from typing import Any

from hubspot_emulator.api import (
    ApiError,
    Request,
    Response,
    conflict,
    js,
    not_found,
    route,
    show,
    validation,
)
from hubspot_emulator.common import TYPE_ID_NAMES, cursor_page, fixed
from hubspot_emulator.filters import normalize_branch
from hubspot_emulator.limits_tracking import at_least, best_hub_tier

COLL = "flow"
BASE = "/automation/v4/flows"
ONE = BASE + "/{flowId}"
_SCOPES = fixed("automation")

FLOW_TYPES = ("WORKFLOW", "ACTION_SET", "UNKNOWN")
VARIANTS = ("CONTACT_FLOW", "PLATFORM_FLOW")
# §6.4: the built-in action types the emulator knows
BUILTIN_ACTION_TYPES = {
    "0-1": "Delay for a set amount of time",
    "0-3": "Create task",
    "0-4": "Send marketing email",
    "0-5": "Set property value",
    "0-8": "Send internal email notification",
    "0-9": "Send in-app notification",
    # [guess: the id of "rotate record to owner" is not in the material reached]
    "0-11": "Rotate record to owner",
    "0-13": "Add to / remove from static list (legacy)",
    "0-35": "Delay until a date",
    "0-63809083": "Add to static list",
    "0-63863438": "Remove from static list",
}
CREATE_REQUIRED = (
    "actions",
    "blockedDates",
    "customProperties",
    "dataSources",
    "flowType",
    "isEnabled",
    "objectTypeId",
    "timeWindows",
    "type",
)
PUT_REQUIRED = (
    "actions",
    "blockedDates",
    "customProperties",
    "isEnabled",
    "revisionId",
    "timeWindows",
    "type",
)
CONTACT_REQUIRED = ("canEnrollFromSalesforce", "suppressionListIds")
COMMON_FIELDS = {
    "name",
    "description",
    "isEnabled",
    "startActionId",
    "actions",
    "enrollmentCriteria",
    "enrollmentSchedule",
    "timeWindows",
    "blockedDates",
    "customProperties",
}
CONTACT_FIELDS = {
    "canEnrollFromSalesforce",
    "suppressionListIds",
    "goalFilterBranch",
    "eventAnchor",
    "unEnrollmentSetting",
}
PLATFORM_FIELDS = {"suppressionFilterBranch"}
FIXED_FIELDS = ("objectTypeId", "flowType", "dataSources")
ACTION_REQUIRED: dict[str, tuple[str, ...]] = {
    "SINGLE_CONNECTION": ("actionTypeId", "actionTypeVersion", "fields"),
    "STATIC_BRANCH": ("inputValue", "staticBranches"),
    "LIST_BRANCH": ("listBranches",),
    "AB_TEST_BRANCH": ("testBranches",),
    "CUSTOM_CODE": ("inputFields", "outputFields", "runtime", "secretNames", "sourceCode"),
    "WEBHOOK": ("method", "queryParams", "webhookUrl"),
}
ENROLLMENT_REQUIRED: dict[str, tuple[str, ...]] = {
    "LIST_BASED": (
        "listFilterBranch",
        "reEnrollmentTriggersFilterBranches",
        "shouldReEnroll",
        "unEnrollObjectsNotMeetingCriteria",
    ),
    "EVENT_BASED": ("eventFilterBranches", "listMembershipFilterBranches", "shouldReEnroll"),
    "MANUAL": ("shouldReEnroll",),
    "DATASET": ("datasetId", "shouldReEnroll"),
}
SCHEDULE_TYPES = (
    "DAILY",
    "WEEKLY",
    "MONTHLY_SPECIFIC_DAYS",
    "MONTHLY_RELATIVE_DAYS",
    "YEARLY",
    "PROPERTY_BASED",
)
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
MONTHS = (
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
)
LISTING_FIELDS = (
    "id",
    "name",
    "isEnabled",
    "flowType",
    "objectTypeId",
    "revisionId",
    "createdAt",
    "updatedAt",
    "uuid",
)
WEBHOOK_METHODS = ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


def _required(missing: list[str], where: str = "") -> ApiError:
    prefix = f"{where}: " if where else ""
    return validation(
        f"{prefix}required fields were not set: [{', '.join(missing)}]",
        field_name=f"{where}.{missing[0]}" if where else missing[0],
        code="REQUIRED_FIELD",
    )


def _check_tier(request: Request) -> None:
    """Flows need Professional or Enterprise in some hub (docs/hubspot-api.md §6.1)."""
    tier = best_hub_tier(request.portal)
    if not at_least(tier, "professional"):
        raise ApiError(
            403,
            "FORBIDDEN",
            "Workflows (automation v4 flows) need a Professional or Enterprise subscription; "
            f"this portal is on the {tier} tier.",
            sub_category="FEATURE_NOT_AVAILABLE",
            context={"requiredTier": ["professional", "enterprise"], "tier": [tier]},
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- field validation ---------------------------------------------------------------------------
def _check_variant(variant: Any, object_type_id: Any) -> None:
    if variant not in VARIANTS:
        raise validation(
            f"type must be one of {', '.join(VARIANTS)} (got {js(variant)})", field_name="type"
        )
    if object_type_id not in TYPE_ID_NAMES:
        raise validation(
            f"Invalid objectTypeId '{show(object_type_id)}': expected one of "
            f"{', '.join(TYPE_ID_NAMES)}",
            field_name="objectTypeId",
        )
    if (variant == "CONTACT_FLOW") != (object_type_id == "0-1"):
        # HubSpot blames objectTypeId here, not the flow type (docs/hubspot-api.md §6.3)
        raise validation(
            f"Invalid objectTypeId '{show(object_type_id)}' for this flow: contact-based flows "
            "(CONTACT_FLOW) use objectTypeId 0-1 and every other object type needs a "
            "PLATFORM_FLOW",
            field_name="objectTypeId",
        )


def _check_common(body: dict[str, Any], variant: str) -> None:
    if not isinstance(body["isEnabled"], bool):
        raise validation("isEnabled must be a boolean", field_name="isEnabled")
    for key in ("name", "description", "startActionId"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise validation(f"{key} must be a string", field_name=key)
    custom = body["customProperties"]
    if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
        raise validation(
            "customProperties must map names to strings", field_name="customProperties"
        )
    windows = body["timeWindows"]
    if not isinstance(windows, list):
        raise validation("timeWindows must be a list", field_name="timeWindows")
    for i, window in enumerate(windows):
        where = f"timeWindows[{i}]"
        if not isinstance(window, dict) or window.get("day") not in DAYS:
            raise validation(f"{where}.day must be one of {', '.join(DAYS)}", field_name=where)
        for end in ("startTime", "endTime"):
            t = window.get(end)
            if t is None:
                continue
            ok = isinstance(t, dict) and _is_int(t.get("hour")) and _is_int(t.get("minute"))
            if not ok or not 0 <= t["hour"] <= 23 or not 0 <= t["minute"] <= 59:
                raise validation(
                    f"{where}.{end} must be {{hour: 0-23, minute: 0-59}}",
                    field_name=f"{where}.{end}",
                )
    dates = body["blockedDates"]
    if not isinstance(dates, list):
        raise validation("blockedDates must be a list", field_name="blockedDates")
    for i, date in enumerate(dates):
        where = f"blockedDates[{i}]"
        ok = (
            isinstance(date, dict)
            and _is_int(date.get("dayOfMonth"))
            and 1 <= date["dayOfMonth"] <= 31
            and date.get("month") in MONTHS
            and (date.get("year") is None or _is_int(date["year"]))
        )
        if not ok:
            raise validation(
                f"{where} must be {{dayOfMonth: 1-31, month: JANUARY…DECEMBER, year?}}",
                field_name=where,
            )
    if variant == "CONTACT_FLOW":
        if not isinstance(body["canEnrollFromSalesforce"], bool):
            raise validation(
                "canEnrollFromSalesforce must be a boolean", field_name="canEnrollFromSalesforce"
            )
        ids = body["suppressionListIds"]
        if not isinstance(ids, list) or not all(_is_int(i) for i in ids):
            raise validation(
                "suppressionListIds must be a list of integers", field_name="suppressionListIds"
            )
        setting = body.get("unEnrollmentSetting")
        if setting is not None and (
            not isinstance(setting, dict)
            or setting.get("type") not in ("ALL", "SELECTIVE")
            or not isinstance(setting.get("flowIds"), list)
        ):
            raise validation(
                "unEnrollmentSetting must be {type: ALL|SELECTIVE, flowIds: [...]}",
                field_name="unEnrollmentSetting",
            )
    schedule = body.get("enrollmentSchedule")
    if schedule is not None and (
        not isinstance(schedule, dict) or schedule.get("type") not in SCHEDULE_TYPES
    ):
        raise validation(
            f"enrollmentSchedule.type must be one of {', '.join(SCHEDULE_TYPES)}",
            field_name="enrollmentSchedule.type",
        )


def _connection(raw: Any, where: str) -> dict[str, Any]:
    if (
        not isinstance(raw, dict)
        or raw.get("edgeType") not in ("STANDARD", "GOTO")
        or not isinstance(raw.get("nextActionId"), str)
        or not raw["nextActionId"]
    ):
        raise validation(
            f"{where} must be {{edgeType: STANDARD|GOTO, nextActionId}}; leave connection out "
            "on the last action instead of sending an empty one",
            field_name=where,
        )
    return raw


def _check_actions(body: dict[str, Any], object_type_id: str) -> tuple[list[dict[str, Any]], str]:
    """Validate the action graph; returns the actions and ``nextAvailableActionId``."""
    actions = body["actions"]
    if not isinstance(actions, list):
        raise validation("actions must be a list", field_name="actions")
    ids: list[str] = []
    edges: list[tuple[str, str, str, str]] = []  # (from, to, edgeType, where)
    out: list[dict[str, Any]] = []
    for i, action in enumerate(actions):
        where = f"actions[{i}]"
        if not isinstance(action, dict):
            raise validation(f"{where} must be an object", field_name=where)
        atype = action.get("type")
        if atype not in ACTION_REQUIRED:
            raise validation(
                f"{where}.type must be one of {', '.join(ACTION_REQUIRED)} (got {js(atype)})",
                field_name=f"{where}.type",
            )
        action_id = action.get("actionId")
        if not isinstance(action_id, str) or not action_id:
            raise validation(f"{where}.actionId must be a string", field_name=f"{where}.actionId")
        if action_id in ids:
            raise validation(
                f"{where}: actionId '{show(action_id)}' is used twice",
                field_name=f"{where}.actionId",
            )
        ids.append(action_id)
        missing = [k for k in ACTION_REQUIRED[atype] if action.get(k) is None]
        if missing:
            raise _required(missing, where)
        conns: list[tuple[Any, str]] = []
        normalized = dict(action)
        if atype in ("SINGLE_CONNECTION", "CUSTOM_CODE", "WEBHOOK") and "connection" in action:
            conns.append((action["connection"], f"{where}.connection"))
        if atype == "SINGLE_CONNECTION":
            type_id = action["actionTypeId"]
            if type_id not in BUILTIN_ACTION_TYPES:
                raise validation(
                    f"{where}: unknown actionTypeId '{show(type_id)}'; built-in action types are "
                    f"{', '.join(BUILTIN_ACTION_TYPES)}",
                    field_name=f"{where}.actionTypeId",
                )
            if not _is_int(action["actionTypeVersion"]):
                raise validation(
                    f"{where}.actionTypeVersion must be an integer",
                    field_name=f"{where}.actionTypeVersion",
                )
            if not isinstance(action["fields"], dict):
                raise validation(f"{where}.fields must be an object", field_name=f"{where}.fields")
        elif atype == "STATIC_BRANCH":
            branches = action["staticBranches"]
            if not isinstance(branches, list):
                raise validation(f"{where}.staticBranches must be a list", field_name=where)
            for j, branch in enumerate(branches):
                at = f"{where}.staticBranches[{j}]"
                if not isinstance(branch, dict) or not isinstance(branch.get("branchValue"), str):
                    raise validation(f"{at}.branchValue is required", field_name=at)
                if "connection" in branch:
                    conns.append((branch["connection"], f"{at}.connection"))
        elif atype == "LIST_BRANCH":
            branches = action["listBranches"]
            if not isinstance(branches, list):
                raise validation(f"{where}.listBranches must be a list", field_name=where)
            normalized["listBranches"] = []
            for j, branch in enumerate(branches):
                at = f"{where}.listBranches[{j}]"
                if not isinstance(branch, dict):
                    raise validation(f"{at} must be an object", field_name=at)
                item = dict(branch)
                if branch.get("filterBranch") is not None:
                    item["filterBranch"] = normalize_branch(
                        branch["filterBranch"], f"{at}.filterBranch", object_type_id
                    )
                if "connection" in branch:
                    conns.append((branch["connection"], f"{at}.connection"))
                normalized["listBranches"].append(item)
        elif atype == "AB_TEST_BRANCH":
            branches = action["testBranches"]
            if not isinstance(branches, list):
                raise validation(f"{where}.testBranches must be a list", field_name=where)
            for j, branch in enumerate(branches):
                at = f"{where}.testBranches[{j}]"
                if not isinstance(branch, dict) or "connection" not in branch:
                    raise _required(["connection"], at)
                if branch.get("percentage") is not None and not _is_int(branch["percentage"]):
                    raise validation(f"{at}.percentage must be an integer", field_name=at)
                conns.append((branch["connection"], f"{at}.connection"))
        elif atype == "WEBHOOK" and action["method"] not in WEBHOOK_METHODS:
            raise validation(
                f"{where}.method must be one of {', '.join(WEBHOOK_METHODS)}",
                field_name=f"{where}.method",
            )
        if atype in ("STATIC_BRANCH", "LIST_BRANCH") and "defaultBranch" in action:
            conns.append((action["defaultBranch"], f"{where}.defaultBranch"))
        for raw, at in conns:
            conn = _connection(raw, at)
            edges.append((action_id, conn["nextActionId"], conn["edgeType"], at))
        out.append(normalized)
    known = set(ids)
    for _src, dst, _edge, at in edges:
        if dst not in known:
            raise validation(
                f"{at}.nextActionId '{show(dst)}' does not name an action of this flow",
                field_name=f"{at}.nextActionId",
            )
    start = body.get("startActionId")
    if ids and start is None:
        raise validation(
            "startActionId is required when the flow has actions", field_name="startActionId"
        )
    if start is not None and start not in known:
        raise validation(
            f"startActionId '{show(start)}' does not name an action of this flow",
            field_name="startActionId",
        )
    _no_cycles(ids, [(s, d) for s, d, edge, _at in edges if edge == "STANDARD"])
    numeric = [int(i) for i in ids if i.isdigit()]
    return out, str(max(numeric, default=0) + 1)


def _no_cycles(ids: list[str], edges: list[tuple[str, str]]) -> None:
    graph: dict[str, list[str]] = {i: [] for i in ids}
    for src, dst in edges:
        graph[src].append(dst)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in ids:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack[-1]
            if index < len(graph[node]):
                stack[-1] = (node, index + 1)
                nxt = graph[node][index]
                if state.get(nxt) == 1:
                    raise validation(
                        f"The actions form a cycle through action '{show(nxt)}'; "
                        "only GOTO edges may "
                        "point back",
                        field_name="actions",
                    )
                if not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                stack.pop()


def _check_enrollment(raw: Any, object_type_id: str) -> dict[str, Any]:
    where = "enrollmentCriteria"
    if not isinstance(raw, dict):
        raise validation(f"{where} must be an object", field_name=where)
    etype = raw.get("type")
    if etype not in ENROLLMENT_REQUIRED:
        raise validation(
            f"{where}.type must be one of {', '.join(ENROLLMENT_REQUIRED)} (got {js(etype)})",
            field_name=f"{where}.type",
        )
    missing = [k for k in ENROLLMENT_REQUIRED[etype] if raw.get(k) is None]
    if missing:
        raise _required(missing, where)
    out = dict(raw)
    for key in ("shouldReEnroll", "unEnrollObjectsNotMeetingCriteria"):
        if key in raw and not isinstance(raw[key], bool):
            raise validation(f"{where}.{key} must be a boolean", field_name=f"{where}.{key}")

    def branches(key: str) -> list[dict[str, Any]]:
        items = raw[key]
        if not isinstance(items, list):
            raise validation(f"{where}.{key} must be a list", field_name=f"{where}.{key}")
        return [
            normalize_branch(b, f"{where}.{key}[{i}]", object_type_id) for i, b in enumerate(items)
        ]

    if etype == "LIST_BASED":
        out["listFilterBranch"] = normalize_branch(
            raw["listFilterBranch"], f"{where}.listFilterBranch", object_type_id, list_root=True
        )
        out["reEnrollmentTriggersFilterBranches"] = branches("reEnrollmentTriggersFilterBranches")
    elif etype == "EVENT_BASED":
        events = branches("eventFilterBranches")
        for i, branch in enumerate(events):
            if branch["filterBranchType"] != "UNIFIED_EVENTS":
                raise validation(
                    f"{where}.eventFilterBranches[{i}] must be a UNIFIED_EVENTS branch",
                    field_name=f"{where}.eventFilterBranches[{i}].filterBranchType",
                )
        out["eventFilterBranches"] = events
        out["listMembershipFilterBranches"] = branches("listMembershipFilterBranches")
        if raw.get("refinementCriteria") is not None:
            out["refinementCriteria"] = normalize_branch(
                raw["refinementCriteria"], f"{where}.refinementCriteria", object_type_id
            )
    elif etype == "DATASET" and not _is_int(raw["datasetId"]):
        raise validation(f"{where}.datasetId must be an integer", field_name=f"{where}.datasetId")
    return out


def _build(body: dict[str, Any], variant: str, object_type_id: str) -> tuple[dict[str, Any], str]:
    """The validated, normalised client part of a flow and its nextAvailableActionId."""
    _check_common(body, variant)
    actions, next_id = _check_actions(body, object_type_id)
    allowed = COMMON_FIELDS | (CONTACT_FIELDS if variant == "CONTACT_FLOW" else PLATFORM_FIELDS)
    doc = {k: v for k, v in body.items() if k in allowed and v is not None}
    doc["actions"] = actions
    if body.get("enrollmentCriteria") is not None:
        doc["enrollmentCriteria"] = _check_enrollment(body["enrollmentCriteria"], object_type_id)
    for key in ("goalFilterBranch", "suppressionFilterBranch"):
        if key in doc:
            doc[key] = normalize_branch(doc[key], key, object_type_id)
    return doc, next_id


def _check_data_sources(value: Any) -> list[Any]:
    if not isinstance(value, list) or not all(
        isinstance(d, dict) and isinstance(d.get("type"), str) for d in value
    ):
        raise validation(
            "dataSources must be a list of {type, …} objects", field_name="dataSources"
        )
    return value


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def _find(request: Request, flow_id: str) -> dict[str, Any]:
    doc = request.store.get(request.portal_id, COLL, flow_id)
    if doc is None:
        raise not_found(f"Flow {flow_id} does not exist")
    return doc


# -- endpoints ----------------------------------------------------------------------------------
@route("GET", BASE, scopes=_SCOPES, cached=True)
def list_flows(request: Request) -> Response:
    _check_tier(request)
    flows = sorted(request.store.all(request.portal_id, COLL), key=lambda f: int(f["id"]))
    page, paging = cursor_page(request, flows, lambda f: int(f["id"]), default=100, maximum=100)
    body: dict[str, Any] = {"results": [{k: f[k] for k in LISTING_FIELDS if k in f} for f in page]}
    if paging:
        body["paging"] = paging
    return Response(200, body)


@route("POST", BASE, scopes=_SCOPES, write=True)
def create_flow(request: Request) -> Response:
    _check_tier(request)
    body = request.json_object()
    variant = body.get("type")
    required = CREATE_REQUIRED + (CONTACT_REQUIRED if variant == "CONTACT_FLOW" else ())
    missing = sorted(k for k in required if body.get(k) is None)
    if missing:
        raise _required(missing)
    object_type_id = body["objectTypeId"]
    _check_variant(variant, object_type_id)
    if body["flowType"] not in FLOW_TYPES:
        raise validation(
            f"flowType must be one of {', '.join(FLOW_TYPES)} (got {js(body['flowType'])})",
            field_name="flowType",
        )
    data_sources = _check_data_sources(body["dataSources"])
    client, next_id = _build(body, str(variant), str(object_type_id))
    now = request.store.now_iso()
    flow_id = str(request.store.next_id(request.portal_id, "flow", start=500_000_001))
    doc: dict[str, Any] = {
        "id": flow_id,
        "uuid": str(uuid.uuid4()),
        "type": variant,
        "objectTypeId": object_type_id,
        "flowType": body["flowType"],
        "dataSources": data_sources,
        "revisionId": "1",
        "crmObjectCreationStatus": "COMPLETE",
        "nextAvailableActionId": next_id,
        "createdAt": now,
        "updatedAt": now,
        **client,
    }
    request.store.put(request.portal_id, COLL, flow_id, doc)
    return Response(201, _public(doc), {"Location": f"{BASE}/{flow_id}"})


@route("GET", ONE, scopes=_SCOPES)
def get_flow(request: Request) -> Response:
    _check_tier(request)
    return Response(200, _public(_find(request, request.params["flowId"])))


@route("PUT", ONE, scopes=_SCOPES, write=True)
def replace_flow(request: Request) -> Response:
    _check_tier(request)
    current = _find(request, request.params["flowId"])
    body = request.json_object()
    variant = body.get("type")
    required = PUT_REQUIRED + (CONTACT_REQUIRED if variant == "CONTACT_FLOW" else ())
    missing = sorted(k for k in required if body.get(k) is None)
    if missing:
        raise _required(missing)
    _check_variant(variant, current["objectTypeId"])
    for key in FIXED_FIELDS:
        if key in body and body[key] != current.get(key):
            raise validation(
                f"{key} is fixed when a flow is created and cannot be changed by PUT",
                field_name=key,
            )
    if str(body["revisionId"]) != current["revisionId"]:
        raise conflict(
            f"revisionId {body['revisionId']} is not the current revision of flow "
            f"{current['id']} (current: {current['revisionId']}); read the flow and retry"
        )
    client, next_id = _build(body, str(variant), str(current["objectTypeId"]))
    doc = {k: current[k] for k in ("id", "uuid", "createdAt", "crmObjectCreationStatus")}
    doc.update({k: current[k] for k in FIXED_FIELDS})
    doc.update(
        type=variant,
        revisionId=str(int(current["revisionId"]) + 1),
        nextAvailableActionId=next_id,
        updatedAt=request.store.now_iso(),
        **client,
    )
    request.store.put(request.portal_id, COLL, current["id"], doc)
    return Response(200, _public(doc))


@route("DELETE", ONE, scopes=_SCOPES, write=True)
def delete_flow(request: Request) -> Response:
    _check_tier(request)
    flow_id = request.params["flowId"]
    if not flow_id.isdigit():
        raise validation(f"flowId must be an integer (got {js(flow_id)})", field_name="flowId")
    _find(request, flow_id)
    request.store.delete(request.portal_id, COLL, flow_id)
    return Response(204)


@route("POST", BASE + "/batch/read", scopes=_SCOPES)
def batch_read(request: Request) -> Response:
    _check_tier(request)
    inputs = request.json_object().get("inputs")
    if not isinstance(inputs, list):
        raise _required(["inputs"])
    started = request.store.now_iso()
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(inputs):
        if not isinstance(item, dict) or item.get("type") != "FLOW_ID" or not item.get("flowId"):
            raise validation(
                f"inputs[{i}] must be {{type: FLOW_ID, flowId}}", field_name=f"inputs[{i}]"
            )
        flow_id = str(item["flowId"])
        doc = request.store.get(request.portal_id, COLL, flow_id)
        if doc is None:
            message = f"Flow {flow_id} does not exist"
            errors.append(
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": message,
                    "context": {"flowId": [flow_id]},
                    "errors": [{"message": message}],
                    "links": {},
                }
            )
        else:
            results.append(_public(doc))
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": request.store.now_iso(),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return Response(207 if errors else 200, body)
