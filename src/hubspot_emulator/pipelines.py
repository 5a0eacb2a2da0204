"""CRM Pipelines v3 and stages (docs/hubspot-api.md §4).

Rules enforced here: ids chosen by the caller (``pipelineId``/``stageId``, lowercase)
or generated as numeric strings; stage ids unique per object type; pipeline labels
unique per object type and stage labels unique per pipeline; stage metadata values are
strings, deals need ``probability`` 0.0–1.0 in 0.1 steps, tickets take ``ticketState``
OPEN/CLOSED, ``isClosed`` is computed (output-only) for deals and tickets; lead stages
(``leads``, Sales Hub Professional and up, refused below by leads.py) keep their metadata
as given; archived pipelines answer 404;
PATCH touches only the fields it names; PUT replaces the stage list; deletes with the
validate flags set are refused while records (or flows) use the pipeline or stage;
every write leaves an audit entry, listed newest first; creating beyond the tier's pipeline
limit is refused (limits_tracking.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hubspot_emulator.api import (
    ApiError,
    Request,
    Response,
    not_found,
    route,
    show,
    validation,
)
from hubspot_emulator.common import (
    PIPELINE_OBJECTS,
    object_type,
    schema_read_scopes,
    schema_write_scopes,
)
from hubspot_emulator.limits_tracking import check_pipeline_limit

BASE = "/crm/v3/pipelines/{objectType}"
PIPE = BASE + "/{pipelineId}"
STAGES = PIPE + "/stages"
STAGE = STAGES + "/{stageId}"

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,99}$")
TICKET_STATES = ("OPEN", "CLOSED")
MAX_STAGES = 100
MAX_LABEL = 255

# record properties holding the pipeline and stage of a record (docs/hubspot-api.md §3/§4.5)
RECORD_KEYS = {
    "deals": ("pipeline", "dealstage"),
    "tickets": ("hs_pipeline", "hs_pipeline_stage"),
    "leads": ("hs_pipeline", "hs_pipeline_stage"),
}


def _coll(obj: str) -> str:
    return f"pipeline:{obj}"


def _obj(request: Request) -> str:
    return object_type(request.params["objectType"], PIPELINE_OBJECTS)


def _sort_key(item: dict[str, Any]) -> tuple[int, str]:
    return (int(item.get("displayOrder", 0)), str(item.get("label", "")))


def _stage_out(stage: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stage.items() if not k.startswith("_")}


def _pipeline_out(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.startswith("_") and k != "stages"}
    active = [s for s in doc["stages"] if not s.get("archived")]
    out["stages"] = [_stage_out(s) for s in sorted(active, key=_sort_key)]
    return out


def _pipeline(request: Request, obj: str, pipeline_id: str) -> dict[str, Any]:
    doc = request.store.get(request.portal_id, _coll(obj), pipeline_id)
    if doc is None or doc.get("archived"):
        raise not_found(f"Unable to find pipeline {pipeline_id} for {obj}")
    return doc


def _stage(doc: dict[str, Any], stage_id: str) -> dict[str, Any]:
    stages: list[dict[str, Any]] = doc["stages"]
    for stage in stages:
        if stage["id"] == stage_id and not stage.get("archived"):
            return stage
    raise not_found(f"Unable to find stage {stage_id} in pipeline {doc['id']}")


def _save(request: Request, obj: str, doc: dict[str, Any]) -> None:
    request.store.put(request.portal_id, _coll(obj), doc["id"], doc)


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise validation(f"{where}.label is required", field_name=f"{where}.label")
    if len(value) > MAX_LABEL:
        raise validation(
            f"{where}.label is longer than {MAX_LABEL} characters", field_name=f"{where}.label"
        )
    return value


def _order(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise validation(
            f"{where}.displayOrder must be an integer", field_name=f"{where}.displayOrder"
        )
    return value


def _metadata(obj: str, value: Any, where: str) -> dict[str, str]:
    """Stage metadata as HubSpot stores it: every value a string (docs/hubspot-api.md §4.3)."""
    if not isinstance(value, dict):
        raise validation(f"{where}.metadata is required", field_name=f"{where}.metadata")
    out: dict[str, str] = {}
    for key, raw in value.items():
        if key == "isClosed":
            continue  # computed
        if isinstance(raw, bool):
            raw = str(raw).lower()
        if not isinstance(raw, str | int | float):
            raise validation(
                f"{where}.metadata.{key} must be a string", field_name=f"{where}.metadata.{key}"
            )
        out[str(key)] = str(raw)
    if obj == "deals":
        if "probability" not in out:
            raise validation(
                f"{where}.metadata.probability is required for deal stages",
                field_name=f"{where}.metadata.probability",
            )
        try:
            p = float(out["probability"])
        except ValueError:
            p = -1.0
        if not 0.0 <= p <= 1.0 or abs(p * 10 - round(p * 10)) > 1e-9:
            raise validation(
                f"{where}.metadata.probability must be between 0.0 and 1.0 in steps of 0.1 "
                f"(got {out['probability']})",
                field_name=f"{where}.metadata.probability",
            )
        p = round(p, 1)
        out["probability"] = str(p)
        out["isClosed"] = "true" if p in (0.0, 1.0) else "false"
    elif obj == "leads":
        # lead stages: metadata is free-form strings; no key is documented as required
        # and nothing is computed (docs/hubspot-api.md §15.5) [guess]
        pass
    else:
        state = out.get("ticketState")
        if state is not None and state not in TICKET_STATES:
            raise validation(
                f"{where}.metadata.ticketState must be OPEN or CLOSED (got {state})",
                field_name=f"{where}.metadata.ticketState",
            )
        out["isClosed"] = "true" if state == "CLOSED" else "false"
    return out


def _all_stage_ids(request: Request, obj: str) -> set[str]:
    return {s["id"] for p in request.store.all(request.portal_id, _coll(obj)) for s in p["stages"]}


def _new_stage(
    request: Request, obj: str, body: Any, where: str, taken: set[str], now: str
) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation(f"{where} must be an object", field_name=where)
    stage_id = body.get("stageId")
    if stage_id is None:
        stage_id = str(request.store.next_id(request.portal_id, "stage", start=1_000_001))
        while stage_id in taken:
            stage_id = str(request.store.next_id(request.portal_id, "stage"))
    elif not isinstance(stage_id, str) or not ID_RE.match(stage_id):
        raise validation(
            f"{where}.stageId '{show(stage_id)}' is invalid: "
            "lowercase letters, digits, '_' and '-'",
            field_name=f"{where}.stageId",
        )
    elif stage_id in taken:
        raise ApiError(409, "CONFLICT", f"A {obj} stage with id '{show(stage_id)}' already exists")
    taken.add(stage_id)
    return {
        "id": stage_id,
        "label": _label(body.get("label"), where),
        "displayOrder": _order(body.get("displayOrder"), where),
        "metadata": _metadata(obj, body.get("metadata"), where),
        "archived": False,
        "createdAt": now,
        "updatedAt": now,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def _unique_stage_labels(doc: dict[str, Any]) -> None:
    seen: set[str] = set()
    for stage in doc["stages"]:
        if stage.get("archived"):
            continue
        key = stage["label"].strip().casefold()
        if key in seen:
            raise validation(
                f"Stage labels must be unique within a pipeline: '{stage['label']}' is used twice",
                field_name="stages.label",
            )
        seen.add(key)
    if sum(1 for s in doc["stages"] if not s.get("archived")) > MAX_STAGES:
        raise validation(f"A pipeline may have at most {MAX_STAGES} stages", field_name="stages")


def _unique_pipeline_label(request: Request, obj: str, label: str, own_id: str | None) -> None:
    for other in request.store.all(request.portal_id, _coll(obj)):
        if other.get("archived") or other["id"] == own_id:
            continue
        if other["label"].strip().casefold() == label.strip().casefold():
            raise validation(
                f"A {obj} pipeline labelled '{show(label)}' already exists (id {other['id']})",
                field_name="label",
            )


def _audit(
    request: Request,
    obj: str,
    action: str,
    pipeline_id: str,
    stage: str | None,
    raw: dict[str, Any],
) -> None:
    seq = request.store.next_id(request.portal_id, f"audit:{obj}")
    request.store.put(
        request.portal_id,
        f"audit:{obj}",
        f"{seq:012d}",
        {
            "portalId": request.portal_id,
            "identifier": stage or pipeline_id,
            "action": action,
            "timestamp": request.store.now_iso(),
            "message": f"{action} {'stage' if stage else 'pipeline'} {stage or pipeline_id}",
            "rawObject": raw,
            "_pipeline": pipeline_id,
            "_stage": stage,
        },
    )


# -- usage (for the validate flags) ------------------------------------------------------------
def _usage(request: Request, obj: str, pipeline_id: str, stage_ids: set[str]) -> tuple[int, int]:
    """(records, flows) that use any of ``stage_ids`` (or the pipeline when empty)."""
    pipe_key, stage_key = RECORD_KEYS[obj]
    records = 0
    for rec in request.store.all(request.portal_id, f"record:{obj}"):
        if rec.get("archived"):
            continue
        props = rec.get("properties") or {}
        if stage_ids:
            records += props.get(stage_key) in stage_ids
        else:
            records += props.get(pipe_key) == pipeline_id
    flows = 0
    needles = stage_ids or {s["id"] for s in _all_pipeline_stages(request, obj, pipeline_id)}
    for flow in request.store.all(request.portal_id, "flow"):
        text = json.dumps([flow.get("enrollmentCriteria"), flow.get("actions")], ensure_ascii=False)
        if any(f'"{n}"' in text for n in needles):
            flows += 1
    return records, flows


def _all_pipeline_stages(request: Request, obj: str, pipeline_id: str) -> list[dict[str, Any]]:
    doc = request.store.get(request.portal_id, _coll(obj), pipeline_id)
    return [] if doc is None else [s for s in doc["stages"] if not s.get("archived")]


def _check_delete(request: Request, obj: str, pipeline_id: str, stage_ids: set[str]) -> None:
    records_flag = request.flag("validateDealStageUsagesBeforeDelete") if obj == "deals" else False
    refs_flag = request.flag("validateReferencesBeforeDelete")
    if not (records_flag or refs_flag):
        return  # v3 default: delete proceeds even when in use (docs/hubspot-api.md §4.5)
    records, flows = _usage(request, obj, pipeline_id, stage_ids)
    if obj != "deals" and refs_flag:
        records_flag = True
    problems = []
    if records_flag and records:
        problems.append(f"{records} {obj} records")
    if refs_flag and flows:
        problems.append(f"{flows} workflows")
    if problems:
        what = (
            f"stage(s) {', '.join(sorted(stage_ids))}" if stage_ids else f"pipeline {pipeline_id}"
        )
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            f"Cannot delete {what}: still used by {' and '.join(problems)}. Move them first.",
            sub_category="PipelineError.STAGE_IN_USE" if stage_ids else "PipelineError.IN_USE",
            context={"stageId": sorted(stage_ids)} if stage_ids else {"pipelineId": [pipeline_id]},
        )


# -- pipelines --------------------------------------------------------------------------------
@route("GET", BASE, scopes=schema_read_scopes, cached=True)
def list_pipelines(request: Request) -> Response:
    obj = _obj(request)
    docs = [d for d in request.store.all(request.portal_id, _coll(obj)) if not d.get("archived")]
    return Response(200, {"results": [_pipeline_out(d) for d in sorted(docs, key=_sort_key)]})


@route("GET", PIPE, scopes=schema_read_scopes)
def get_pipeline(request: Request) -> Response:
    obj = _obj(request)
    return Response(200, _pipeline_out(_pipeline(request, obj, request.params["pipelineId"])))


@route("POST", BASE, scopes=schema_write_scopes, write=True)
def create_pipeline(request: Request) -> Response:
    obj = _obj(request)
    body = request.json_object()
    label = _label(body.get("label"), "pipeline")
    order = _order(body.get("displayOrder"), "pipeline")
    stages_in = body.get("stages")
    if not isinstance(stages_in, list) or not stages_in:
        raise validation("stages is required and must not be empty", field_name="stages")
    pid = request.portal_id
    pipeline_id = body.get("pipelineId")
    existing_ids = {d["id"] for d in request.store.all(pid, _coll(obj))}
    if pipeline_id is None:
        pipeline_id = str(request.store.next_id(pid, "pipeline", start=700_001))
    elif not isinstance(pipeline_id, str) or not ID_RE.match(pipeline_id):
        raise validation(
            f"pipelineId '{show(pipeline_id)}' is invalid: lowercase letters, digits, '_' and '-'",
            field_name="pipelineId",
        )
    elif pipeline_id in existing_ids:
        raise ApiError(
            409, "CONFLICT", f"A {obj} pipeline with id '{show(pipeline_id)}' already exists"
        )
    _unique_pipeline_label(request, obj, label, None)
    check_pipeline_limit(request, obj)
    now = request.store.now_iso()
    taken = _all_stage_ids(request, obj)
    stages = [
        _new_stage(request, obj, s, f"stages[{i}]", taken, now) for i, s in enumerate(stages_in)
    ]
    doc = {
        "id": pipeline_id,
        "label": label,
        "displayOrder": order,
        "stages": stages,
        "archived": False,
        "createdAt": now,
        "updatedAt": now,
    }
    _unique_stage_labels(doc)
    _save(request, obj, doc)
    _audit(request, obj, "CREATE", pipeline_id, None, _pipeline_out(doc))
    return Response(201, _pipeline_out(doc), {"Location": f"/crm/v3/pipelines/{obj}/{pipeline_id}"})


@route("PATCH", PIPE, scopes=schema_write_scopes, write=True)
def update_pipeline(request: Request) -> Response:
    obj = _obj(request)
    pipeline_id = request.params["pipelineId"]
    body = request.json_object()
    for key in body:
        if key not in ("label", "displayOrder", "archived"):
            raise validation(f"Pipeline field '{show(key)}' cannot be patched", field_name=key)
    doc = request.store.get(request.portal_id, _coll(obj), pipeline_id)
    if doc is None:
        raise not_found(f"Unable to find pipeline {pipeline_id} for {obj}")
    if "archived" in body and body["archived"] is not False:
        raise validation(
            "archived may only be sent as false, to restore a pipeline", field_name="archived"
        )
    if doc.get("archived"):
        if body.get("archived") is not False:
            raise not_found(f"Unable to find pipeline {pipeline_id} for {obj}")
        doc["archived"] = False
        doc.pop("archivedAt", None)
    if "label" in body:
        doc["label"] = _label(body["label"], "pipeline")
        _unique_pipeline_label(request, obj, doc["label"], pipeline_id)
    if "displayOrder" in body:
        doc["displayOrder"] = _order(body["displayOrder"], "pipeline")
    doc["updatedAt"] = request.store.now_iso()
    _save(request, obj, doc)
    _audit(request, obj, "UPDATE", pipeline_id, None, body)
    return Response(200, _pipeline_out(doc))


@route("PUT", PIPE, scopes=schema_write_scopes, write=True)
def replace_pipeline(request: Request) -> Response:
    obj = _obj(request)
    pipeline_id = request.params["pipelineId"]
    doc = _pipeline(request, obj, pipeline_id)
    body = request.json_object()
    label = _label(body.get("label"), "pipeline")
    order = _order(body.get("displayOrder"), "pipeline")
    stages_in = body.get("stages")
    if not isinstance(stages_in, list) or not stages_in:
        raise validation("stages is required and must not be empty", field_name="stages")
    _unique_pipeline_label(request, obj, label, pipeline_id)
    now = request.store.now_iso()
    current = {s["id"]: s for s in doc["stages"] if not s.get("archived")}
    taken = _all_stage_ids(request, obj) - set(current)
    kept: list[dict[str, Any]] = []
    for i, item in enumerate(stages_in):
        where = f"stages[{i}]"
        sid = item.get("stageId") if isinstance(item, dict) else None
        if isinstance(sid, str) and sid in current:
            stage = dict(current[sid])
            stage.update(
                label=_label(item.get("label"), where),
                displayOrder=_order(item.get("displayOrder"), where),
                metadata=_metadata(obj, item.get("metadata"), where),
                updatedAt=now,
            )
            taken.add(sid)
            kept.append(stage)
        else:
            kept.append(_new_stage(request, obj, item, where, taken, now))
    removed = set(current) - {s["id"] for s in kept}
    if removed:
        _check_delete(request, obj, pipeline_id, removed)
    archived = [
        {**s, "archived": True, "archivedAt": now} if s["id"] in removed else s
        for s in doc["stages"]
        if s.get("archived") or s["id"] in removed
    ]
    doc.update(label=label, displayOrder=order, stages=kept + archived, updatedAt=now)
    _unique_stage_labels(doc)
    _save(request, obj, doc)
    _audit(request, obj, "UPDATE", pipeline_id, None, _pipeline_out(doc))
    return Response(200, _pipeline_out(doc))


@route("DELETE", PIPE, scopes=schema_write_scopes, write=True)
def archive_pipeline(request: Request) -> Response:
    obj = _obj(request)
    pipeline_id = request.params["pipelineId"]
    doc = _pipeline(request, obj, pipeline_id)
    active = [d for d in request.store.all(request.portal_id, _coll(obj)) if not d.get("archived")]
    if len(active) <= 1:
        raise validation(f"Cannot delete the only {obj} pipeline")
    _check_delete(request, obj, pipeline_id, set())
    now = request.store.now_iso()
    doc.update(archived=True, archivedAt=now, updatedAt=now)
    _save(request, obj, doc)
    _audit(request, obj, "DELETE", pipeline_id, None, {"id": pipeline_id})
    return Response(204)


@route("GET", PIPE + "/audit", scopes=schema_read_scopes)
def pipeline_audit(request: Request) -> Response:
    obj = _obj(request)
    pipeline_id = request.params["pipelineId"]
    _pipeline(request, obj, pipeline_id)
    entries = [
        {k: v for k, v in e.items() if not k.startswith("_")}
        for e in reversed(request.store.all(request.portal_id, f"audit:{obj}"))
        if e["_pipeline"] == pipeline_id
    ]
    return Response(200, {"results": entries})


# -- stages -----------------------------------------------------------------------------------
@route("GET", STAGES, scopes=schema_read_scopes)
def list_stages(request: Request) -> Response:
    obj = _obj(request)
    doc = _pipeline(request, obj, request.params["pipelineId"])
    return Response(200, {"results": _pipeline_out(doc)["stages"]})


@route("GET", STAGE, scopes=schema_read_scopes)
def get_stage(request: Request) -> Response:
    obj = _obj(request)
    doc = _pipeline(request, obj, request.params["pipelineId"])
    return Response(200, _stage_out(_stage(doc, request.params["stageId"])))


@route("POST", STAGES, scopes=schema_write_scopes, write=True)
def create_stage(request: Request) -> Response:
    obj = _obj(request)
    pipeline_id = request.params["pipelineId"]
    doc = _pipeline(request, obj, pipeline_id)
    now = request.store.now_iso()
    stage = _new_stage(
        request, obj, request.json_object(), "stage", _all_stage_ids(request, obj), now
    )
    doc["stages"].append(stage)
    doc["updatedAt"] = now
    _unique_stage_labels(doc)
    _save(request, obj, doc)
    _audit(request, obj, "CREATE", pipeline_id, stage["id"], _stage_out(stage))
    return Response(
        201,
        _stage_out(stage),
        {"Location": f"/crm/v3/pipelines/{obj}/{pipeline_id}/stages/{stage['id']}"},
    )


def _write_stage(request: Request, replace: bool) -> Response:
    obj = _obj(request)
    pipeline_id, stage_id = request.params["pipelineId"], request.params["stageId"]
    doc = _pipeline(request, obj, pipeline_id)
    stage = _stage(doc, stage_id)
    body = request.json_object()
    allowed = ("label", "displayOrder", "metadata", "archived")
    for key in body:
        if key not in allowed:
            raise validation(f"Stage field '{show(key)}' cannot be changed", field_name=key)
    if replace or "label" in body:
        stage["label"] = _label(body.get("label"), "stage")
    if replace or "displayOrder" in body:
        stage["displayOrder"] = _order(body.get("displayOrder"), "stage")
    if replace or "metadata" in body:
        # metadata is sent whole (the spec requires it even on PATCH, docs/hubspot-api.md §4.2)
        stage["metadata"] = _metadata(obj, body.get("metadata"), "stage")
    if body.get("archived") is True:
        raise validation("Use DELETE to archive a stage", field_name="archived")
    now = request.store.now_iso()
    stage["updatedAt"] = now
    doc["updatedAt"] = now
    _unique_stage_labels(doc)
    _save(request, obj, doc)
    _audit(request, obj, "UPDATE", pipeline_id, stage_id, body)
    return Response(200, _stage_out(stage))


@route("PATCH", STAGE, scopes=schema_write_scopes, write=True)
def update_stage(request: Request) -> Response:
    return _write_stage(request, replace=False)


@route("PUT", STAGE, scopes=schema_write_scopes, write=True)
def replace_stage(request: Request) -> Response:
    return _write_stage(request, replace=True)


@route("DELETE", STAGE, scopes=schema_write_scopes, write=True)
def archive_stage(request: Request) -> Response:
    obj = _obj(request)
    pipeline_id, stage_id = request.params["pipelineId"], request.params["stageId"]
    doc = _pipeline(request, obj, pipeline_id)
    stage = _stage(doc, stage_id)
    if sum(1 for s in doc["stages"] if not s.get("archived")) <= 1:
        raise validation(f"Cannot delete the last stage of pipeline {pipeline_id}")
    # stages take only validateReferencesBeforeDelete (docs/hubspot-api.md §4.1)
    if request.flag("validateReferencesBeforeDelete"):
        records, flows = _usage(request, obj, pipeline_id, {stage_id})
        if records or flows:
            parts = [f"{records} {obj} records"] * bool(records) + [f"{flows} workflows"] * bool(
                flows
            )
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                f"Cannot delete stage {stage_id}: still used by {' and '.join(parts)}. "
                "Move them first.",
                sub_category="PipelineError.STAGE_IN_USE",
                context={"stageId": [stage_id]},
            )
    now = request.store.now_iso()
    stage.update(archived=True, archivedAt=now, updatedAt=now)
    doc["updatedAt"] = now
    _save(request, obj, doc)
    _audit(request, obj, "DELETE", pipeline_id, stage_id, {"id": stage_id})
    return Response(204)


@route("GET", STAGE + "/audit", scopes=schema_read_scopes)
def stage_audit(request: Request) -> Response:
    obj = _obj(request)
    pipeline_id, stage_id = request.params["pipelineId"], request.params["stageId"]
    doc = _pipeline(request, obj, pipeline_id)
    if not any(s["id"] == stage_id for s in doc["stages"]):
        raise not_found(f"Unable to find stage {stage_id} in pipeline {pipeline_id}")
    entries = [
        {k: v for k, v in e.items() if not k.startswith("_")}
        for e in reversed(request.store.all(request.portal_id, f"audit:{obj}"))
        if e["_pipeline"] == pipeline_id and e["_stage"] == stage_id
    ]
    return Response(200, {"results": entries})
