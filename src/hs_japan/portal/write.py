"""Turn planned changes into HubSpot calls (one method per kind and action).

Rules followed here (docs/hubspot-api.md §4.4, §4.5, §5.4):
- pipelines and stages are written per stage (POST/PATCH/DELETE), never with a
  whole-pipeline PUT, so stage ids never churn;
- the delete-validation flags are always ``true`` so HubSpot refuses to delete a
  pipeline or stage that still holds records;
- a property PATCH with ``options`` sends the full desired list (it replaces);
- property creates go through the batch endpoint, 100 at a time;
- a create whose response was lost is found by re-reading before it is re-sent.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from hubspot.crm.pipelines import PipelinePatchInput, PipelineStagePatchInput
from hubspot.crm.properties import (
    BatchInputPropertyName,
    BatchReadInputPropertyName,
    PropertyGroupCreate,
    PropertyGroupUpdate,
    PropertyName,
)

from hs_japan.errors import ApplyFailed, HsJapanError, PortalError
from hs_japan.kinds.base import WriteContext
from hs_japan.kinds.pipelines import carried_stages
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import REQUEST_TIMEOUT, PortalClient
from hs_japan.portal.read import sdk_to_json

BATCH_SIZE = 100  # HubSpot's batch endpoints take at most 100 inputs

# Sent as the string "true": the SDK formats a Python bool into the query as "True"
# (seen in the contract tests), and HubSpot documents the lowercase JSON literal.
VALIDATE_FLAGS = {
    "validate_references_before_delete": "true",
    "validate_deal_stage_usages_before_delete": "true",
}

# the property fields hs-japan writes (PropertyCreate and PropertyUpdate in
# crm-properties-v3.json), sent as HubSpot's JSON
_PROPERTY_FIELDS = (
    "label",
    "type",
    "fieldType",
    "groupName",
    "description",
    "displayOrder",
    "hidden",
    "formField",
)


def _property_body(attrs: dict[str, Any]) -> dict[str, Any]:
    """A property's fields and options as HubSpot's JSON, fields left out when unset (as
    the SDK's serialiser leaves out None). Plain JSON, not SDK models: each model builds
    its own SDK Configuration, and the answers' dates are parsed one by one."""
    body = {api: attrs[api] for api in _PROPERTY_FIELDS if attrs.get(api) is not None}
    if "options" in attrs:
        body["options"] = [
            {
                "label": o["label"],
                "value": o["value"],
                "hidden": bool(o.get("hidden", False)),
                "description": o.get("description") or "",
                **({} if o.get("displayOrder") is None else {"displayOrder": o["displayOrder"]}),
            }
            for o in attrs["options"]
        ]
    return body


def _property_json(name: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """A PropertyCreate: the name, the fields, and ``hasUniqueValue`` (create-only)."""
    body = {"name": name, **_property_body(attrs)}
    if attrs.get("hasUniqueValue") is not None:
        body["hasUniqueValue"] = attrs["hasUniqueValue"]
    return body


def _gone_is_done(exc: PortalError) -> bool:
    """A delete answered 404 has reached its goal (e.g. a retried delete that had worked)."""
    return exc.status == 404


class PortalWriter:
    def __init__(self, client: PortalClient) -> None:
        self.client = client
        self.props = client.sdk.crm.properties
        self.pipes = client.sdk.crm.pipelines

    # -- property groups ---------------------------------------------------------------
    def create_group(self, obj: str, name: str, attrs: dict[str, Any]) -> None:
        body = PropertyGroupCreate(
            name=name, label=attrs.get("label", name), display_order=attrs.get("displayOrder", -1)
        )
        self.client.call(
            f"create property group {obj}/{name}",
            partial(self.props.groups_api.create, obj, body, _request_timeout=REQUEST_TIMEOUT),
            probe=lambda: self._find_group(obj, name),
            write=True,
        )

    def _find_group(self, obj: str, name: str) -> object | None:
        found = sdk_to_json(self.props.groups_api.get_all(obj, _request_timeout=REQUEST_TIMEOUT))
        return next((g for g in found.get("results", []) if g.get("name") == name), None)

    def update_group(self, obj: str, name: str, after: dict[str, Any]) -> None:
        body = PropertyGroupUpdate(
            label=after.get("label"), display_order=after.get("displayOrder")
        )
        self.client.call(
            f"update property group {obj}/{name}",
            partial(
                self.props.groups_api.update, obj, name, body, _request_timeout=REQUEST_TIMEOUT
            ),
        )

    def delete_group(self, obj: str, name: str) -> None:
        try:
            self.client.call(
                f"delete property group {obj}/{name}",
                partial(self.props.groups_api.archive, obj, name, _request_timeout=REQUEST_TIMEOUT),
            )
        except PortalError as exc:
            if not _gone_is_done(exc):
                raise

    # -- properties --------------------------------------------------------------------
    def create_properties(
        self,
        obj: str,
        items: Sequence[tuple[str, dict[str, Any]]],
        written: Callable[[list[str]], None] = lambda _names: None,
        sending: Callable[[list[str]], None] = lambda _names: None,
    ) -> None:
        """Create in batches of BATCH_SIZE; ``sending`` hears each batch before its request
        is sent (the journal's intents), ``written`` each batch that HubSpot took, so a
        failure later on never under-reports what is already in the portal.

        When a batch fails (an error, a partial 207, a lost answer, the command's
        deadline), the portal is re-read for that batch's names: ``written`` hears the ones
        it now holds, and the error is marked ``recounted`` so the report can say exactly
        what was written instead of "may have been". If the re-read fails too, the error
        is re-raised unmarked."""
        for start in range(0, len(items), BATCH_SIZE):
            chunk = list(items[start : start + BATCH_SIZE])
            sending([name for name, _ in chunk])
            try:
                self._create_property_batch(obj, chunk)
            except HsJapanError as exc:
                held = self._held_names(obj, [name for name, _ in chunk])
                if held is not None:
                    if held:
                        written([name for name, _ in chunk if name in held])
                    exc.recounted = True  # type: ignore[attr-defined]
                raise
            written([name for name, _ in chunk])

    def _held_names(self, obj: str, names: list[str]) -> set[str] | None:
        """Which of ``names`` the portal holds now (live, not archived); None when that
        cannot be read. Allowed a short grace past the command's deadline: telling the user
        what the portal holds is part of stopping."""
        try:
            with self.client.cleanup():
                read = self.client.call(
                    f"re-read {obj} properties after a failed batch",
                    partial(
                        self.props.batch_api.read,
                        obj,
                        BatchReadInputPropertyName(
                            archived=False, inputs=[PropertyName(name=n) for n in names]
                        ),
                        _request_timeout=REQUEST_TIMEOUT,
                    ),
                )
        except HsJapanError:
            return None
        found = sdk_to_json(read).get("results", [])
        if not isinstance(found, list):
            return None
        return {p["name"] for p in found if isinstance(p, dict) and p.get("name") in names}

    def _create_property_batch(self, obj: str, items: list[tuple[str, dict[str, Any]]]) -> None:
        pending = {name: attrs for name, attrs in items}

        path = f"/crm/v3/properties/{obj}/batch"

        def send() -> object:
            # plain JSON, not SDK models: each model builds its own SDK Configuration and
            # its answer's dates are parsed one by one (most of a big apply's CPU)
            inputs = [_property_json(name, attrs) for name, attrs in pending.items()]
            return self.client.request("POST", f"{path}/create", body={"inputs": inputs}).body

        def probe() -> object | None:
            # the previous attempt may have created some or all of them: keep only the rest
            read = self.client.request(
                "POST",
                f"{path}/read",
                body={
                    "archived": False,
                    "dataSensitivity": "non_sensitive",
                    "inputs": [{"name": n} for n in pending],
                },
            ).body
            for p in (read or {}).get("results", []):
                pending.pop(p.get("name"), None)
            return True if not pending else None

        names = ", ".join(pending)
        result = sdk_to_json(
            self.client.call(f"create {obj} properties ({names})", send, probe=probe, write=True)
        )
        errors = result.get("errors") if isinstance(result, dict) else None
        if errors:
            detail = "; ".join(str(e.get("message", e)) for e in errors)
            raise ApplyFailed(
                f"create {obj} properties: HubSpot rejected {len(errors)} of {len(items)}: {detail}"
            )

    def update_property(self, obj: str, name: str, after: dict[str, Any]) -> None:
        path = f"/crm/v3/properties/{obj}/{name}"
        self.client.call(
            f"update property {obj}/{name}",
            partial(self.client.request, "PATCH", path, body=_property_body(after)),
        )

    def delete_properties(self, obj: str, names: Sequence[str]) -> None:
        for start in range(0, len(names), BATCH_SIZE):
            chunk = names[start : start + BATCH_SIZE]
            body = BatchInputPropertyName(inputs=[PropertyName(name=n) for n in chunk])
            # batch archive answers 204 even for unknown or already archived names (§5.1),
            # so it is safe to repeat
            self.client.call(
                f"delete {obj} properties ({', '.join(chunk)})",
                partial(self.props.batch_api.archive, obj, body, _request_timeout=REQUEST_TIMEOUT),
            )

    # -- pipelines and stages ------------------------------------------------------------
    def _find_pipeline(self, obj: str, pipeline_id: str) -> object | None:
        found = sdk_to_json(self.pipes.pipelines_api.get_all(obj, _request_timeout=REQUEST_TIMEOUT))
        return next((p for p in found.get("results", []) if str(p.get("id")) == pipeline_id), None)

    def create_pipeline(
        self,
        obj: str,
        pipeline_id: str,
        attrs: dict[str, Any],
        stages: Sequence[tuple[str, dict[str, Any]]],
    ) -> None:
        # api_request: the SDK 12 PipelineInput model has no pipelineId/stageId
        # (docs/hubspot-api.md §13.1)
        body = {
            "pipelineId": pipeline_id,
            "label": attrs["label"],
            "displayOrder": attrs.get("displayOrder", 0),
            "stages": [
                {
                    "stageId": sid,
                    "label": s["label"],
                    "displayOrder": s["displayOrder"],
                    "metadata": s.get("metadata", {}),
                }
                for sid, s in stages
            ],
        }
        self.client.call(
            f"create pipeline {obj}/{pipeline_id}",
            lambda: self.client.request("POST", f"/crm/v3/pipelines/{obj}", body=body),
            probe=lambda: self._find_pipeline(obj, pipeline_id),
            write=True,
        )

    def update_pipeline(self, obj: str, pipeline_id: str, after: dict[str, Any]) -> None:
        body = PipelinePatchInput(label=after.get("label"), display_order=after.get("displayOrder"))
        self.client.call(
            f"update pipeline {obj}/{pipeline_id}",
            partial(
                self.pipes.pipelines_api.update,
                obj,
                pipeline_id,
                body,
                **VALIDATE_FLAGS,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )

    def delete_pipeline(self, obj: str, pipeline_id: str) -> None:
        try:
            self.client.call(
                f"delete pipeline {obj}/{pipeline_id}",
                partial(
                    self.pipes.pipelines_api.archive,
                    obj,
                    pipeline_id,
                    **VALIDATE_FLAGS,
                    _request_timeout=REQUEST_TIMEOUT,
                ),
            )
        except PortalError as exc:
            if not _gone_is_done(exc):
                raise

    def _find_stage(self, obj: str, pipeline_id: str, stage_id: str) -> object | None:
        found = sdk_to_json(
            self.pipes.pipeline_stages_api.get_all(
                obj, pipeline_id, _request_timeout=REQUEST_TIMEOUT
            )
        )
        return next((s for s in found.get("results", []) if str(s.get("id")) == stage_id), None)

    def create_stage(
        self, obj: str, pipeline_id: str, stage_id: str, attrs: dict[str, Any]
    ) -> None:
        body = {
            "stageId": stage_id,
            "label": attrs["label"],
            "displayOrder": attrs["displayOrder"],
            "metadata": attrs.get("metadata", {}),
        }
        self.client.call(
            f"create stage {obj}/{pipeline_id}/{stage_id}",
            lambda: self.client.request(
                "POST", f"/crm/v3/pipelines/{obj}/{pipeline_id}/stages", body=body
            ),
            probe=lambda: self._find_stage(obj, pipeline_id, stage_id),
            write=True,
        )

    def update_stage(
        self,
        obj: str,
        pipeline_id: str,
        stage_id: str,
        after: dict[str, Any],
        current_metadata: dict[str, str],
    ) -> None:
        # the spec marks metadata required even on PATCH (docs/hubspot-api.md §4.2): always
        # send it whole
        metadata = {k: v for k, v in current_metadata.items() if k != "isClosed"}
        metadata.update(after.get("metadata") or {})
        body = PipelineStagePatchInput(
            label=after.get("label"), display_order=after.get("displayOrder"), metadata=metadata
        )
        self.client.call(
            f"update stage {obj}/{pipeline_id}/{stage_id}",
            partial(
                self.pipes.pipeline_stages_api.update,
                obj,
                pipeline_id,
                stage_id,
                body,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )

    def delete_stage(self, obj: str, pipeline_id: str, stage_id: str) -> None:
        # api_request: the SDK's stage archive() cannot send validateReferencesBeforeDelete
        try:
            self.client.call(
                f"delete stage {obj}/{pipeline_id}/{stage_id}",
                lambda: self.client.request(
                    "DELETE",
                    f"/crm/v3/pipelines/{obj}/{pipeline_id}/stages/{stage_id}",
                    qs={"validateReferencesBeforeDelete": "true"},
                ),
            )
        except PortalError as exc:
            if not _gone_is_done(exc):
                raise


# -- the kinds' writers (kinds/properties.py, kinds/pipelines.py name them) -------------


def write_group(change: Change, ctx: WriteContext) -> None:
    writer: PortalWriter = ctx.writer
    obj, after = change.object_type, change.after or {}
    if change.action is Action.CREATE:
        writer.create_group(obj, change.name, after)
    elif change.action is Action.UPDATE:
        writer.update_group(obj, change.name, after)
    else:
        writer.delete_group(obj, change.name)


def write_property_batch(
    batch: list[Change],
    ctx: WriteContext,
    took: Callable[[list[Change]], None],
    sending: Callable[[list[Change]], None],
) -> None:
    """Property creates of one object, in batches of 100 (``sending`` hears each batch
    before its request, ``took`` once HubSpot took it)."""
    by_name = {c.name: c for c in batch}
    ctx.writer.create_properties(
        batch[0].object_type,
        [(c.name, c.after or {}) for c in batch],
        lambda names: took([by_name[n] for n in names]),
        lambda names: sending([by_name[n] for n in names]),
    )


def write_property(change: Change, ctx: WriteContext) -> None:
    writer: PortalWriter = ctx.writer
    obj, after = change.object_type, change.after or {}
    if change.action is Action.UPDATE:
        writer.update_property(obj, change.name, after)
    elif change.action is Action.DELETE:
        writer.delete_properties(obj, [change.name])
    elif change.action is Action.CREATE:
        writer.create_properties(obj, [(change.name, after)])
    else:  # REPLACE: create-only attributes changed
        current = ctx.actual.get(change.kind, change.key)
        attrs = {**(current.attrs if current else {}), **after}
        writer.delete_properties(obj, [change.name])
        try:
            writer.create_properties(obj, [(change.name, attrs)])
        except HsJapanError as exc:
            raise ApplyFailed(
                f"{exc} — the old property was archived; HubSpot may keep its name "
                "reserved in the recycle bin until it is purged (Settings → Properties "
                "→ Archived properties)"
            ) from None


def write_pipeline(change: Change, ctx: WriteContext) -> None:
    writer: PortalWriter = ctx.writer
    obj, after = change.object_type, change.after or {}
    if change.action is Action.CREATE:
        stages = [(c.name, c.after or {}) for c in carried_stages(change, ctx.changes)]
        writer.create_pipeline(obj, change.name, after, stages)
    elif change.action is Action.UPDATE:
        writer.update_pipeline(obj, change.name, after)
    else:
        writer.delete_pipeline(obj, change.name)


def write_stage(change: Change, ctx: WriteContext) -> None:
    writer: PortalWriter = ctx.writer
    obj, after = change.object_type, change.after or {}
    pipeline_id = change.key.split("/")[1]
    if change.action is Action.CREATE:
        writer.create_stage(obj, pipeline_id, change.name, after)
    elif change.action is Action.UPDATE:
        current = ctx.actual.get(change.kind, change.key)
        metadata = dict((current.attrs.get("metadata") or {}) if current else {})
        if "label" not in after:
            writer.update_stage(obj, pipeline_id, change.name, after, metadata)
            return
        # stage writes of one level run concurrently: relabels (which may move a sibling
        # to a temporary label first) take turns, and share the labels as they are live
        # now, so one never moves a sibling another has already given its final label
        with ctx.lock if ctx.lock is not None else contextlib.nullcontext():
            turn, live = ctx.scratch.setdefault("stage_relabels", (threading.Lock(), {}))
        with turn:
            _free_label(change, ctx, live)
            writer.update_stage(obj, pipeline_id, change.name, after, metadata)
            live[change.key] = after["label"]
    else:
        writer.delete_stage(obj, pipeline_id, change.name)


def _free_label(change: Change, ctx: WriteContext, labels: dict[str, str]) -> None:
    """Stage labels are unique within a pipeline: when the new label is still held by a
    sibling that this plan relabels too (two stages swapping labels), first move the
    sibling to a temporary label; its own change then gives it the final one."""
    label = (change.after or {}).get("label")
    if not label:
        return
    prefix = change.key.rsplit("/", 1)[0] + "/"
    for other in ctx.changes:
        if (
            other is change
            or other.kind is not change.kind
            or other.action is not Action.UPDATE
            or not other.key.startswith(prefix)
            or "label" not in (other.after or {})
        ):
            continue
        held = ctx.actual.get(other.kind, other.key)
        live = labels.get(other.key, held.attrs.get("label") if held else None)
        if held is None or live != label:
            continue
        _obj, pipeline_id, stage_id = other.key.split("/")
        temporary = f"{label} (hs-japan: moving to {(other.after or {})['label']})"[:255]
        ctx.writer.update_stage(
            change.object_type,
            pipeline_id,
            stage_id,
            {"label": temporary},
            dict(held.attrs.get("metadata") or {}),
        )
        labels[other.key] = temporary  # the live state now
