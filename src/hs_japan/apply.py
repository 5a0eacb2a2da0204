"""Execute a plan against a portal: dependency order, batches, progress, then verify.

Apply writes only what the plan lists. Property creates of one object type are sent
in batches; the stages of a pipeline being created travel in the pipeline's own POST
(HubSpot requires at least one stage at creation). Everything else is one call per
change. ``verify`` is done by the caller re-reading the portal and planning again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from hs_japan import flowdiff
from hs_japan.errors import ApplyFailed, HsJapanError
from hs_japan.lists import OBJECT_TYPE_IDS, filter_branch
from hs_japan.plan.model import Action, Change
from hs_japan.portal.flows import FlowWriter
from hs_japan.portal.lists import ListWriter
from hs_japan.portal.write import PortalWriter
from hs_japan.resources import Kind, Snapshot, make_key


@dataclass
class ApplyReport:
    done: list[Change] = field(default_factory=list)


def _describe(change: Change) -> str:
    return f"{change.action.glyph} {change.kind.value} {change.key}"


@dataclass
class ApplyHooks:
    """Called around every write: the journal records intents and completions, the lock
    is refreshed. ``intent`` runs (and is durable) before the request is sent."""

    intent: Callable[[Change], None] = lambda _: None
    done: Callable[[Change], None] = lambda _: None
    tick: Callable[[], None] = lambda: None


def apply_changes(
    changes: Sequence[Change],
    writer: PortalWriter,
    actual: Snapshot,
    progress: Callable[[str], None] = lambda _: None,
    hooks: ApplyHooks | None = None,
) -> ApplyReport:
    """Write ``changes`` (already in dependency order) and report what was done.

    On the first failure, raise :class:`ApplyFailed` naming what was written before it,
    so the user knows the portal's state; a re-run plans only what is left.
    """
    hooks = hooks or ApplyHooks()
    report = ApplyReport()

    def finished(change: Change, note: str = "done") -> None:
        hooks.done(change)
        report.done.append(change)
        progress(f"  {_describe(change)}  {note}")

    new_pipelines = {
        c.key for c in changes if c.kind is Kind.PIPELINE and c.action is Action.CREATE
    }
    in_flight: list[Change] = []  # a property batch being sent: some may be written
    labels: dict[str, str] = {}  # stage labels as written so far (key -> label)

    def _took(batch: list[Change], names: list[str]) -> None:
        by_name = {c.name: c for c in batch}
        for name in names:
            finished(by_name[name])
            in_flight.remove(by_name[name])

    i = 0
    try:
        while i < len(changes):
            change = changes[i]
            obj = change.object_type
            if change.kind is Kind.PROPERTY and change.action is Action.CREATE:
                batch = [change]
                while i + len(batch) < len(changes):
                    nxt = changes[i + len(batch)]
                    if (
                        nxt.kind is Kind.PROPERTY
                        and nxt.action is Action.CREATE
                        and nxt.object_type == obj
                    ):
                        batch.append(nxt)
                    else:
                        break
                hooks.tick()
                for c in batch:
                    hooks.intent(c)
                in_flight[:] = batch
                writer.create_properties(
                    obj, [(c.name, c.after or {}) for c in batch], partial(_took, batch)
                )
                in_flight.clear()
                i += len(batch)
                continue
            if (
                change.kind is Kind.STAGE
                and change.action is Action.CREATE
                and make_key(obj, change.key.split("/")[1]) in new_pipelines
            ):
                finished(change, "done (with its pipeline)")  # written with its pipeline
                i += 1
                continue
            hooks.tick()
            hooks.intent(change)
            if change.kind is Kind.PIPELINE and change.action is Action.CREATE:
                for c in changes:  # its stages travel in the same POST
                    if c.kind is Kind.STAGE and c.key.startswith(change.key + "/"):
                        hooks.intent(c)
            _apply_one(change, changes, writer, actual, labels)
            finished(change)
            i += 1
    except HsJapanError as exc:
        written = len(report.done)
        maybe = (
            f"; {len(in_flight)} more in the failing batch may have been written too"
            if len(in_flight) > 1
            else ""
        )
        raise ApplyFailed(
            f"apply stopped at {_describe(in_flight[0] if in_flight else changes[i])}: {exc}\n"
            f"{written} of {len(changes)} changes were written before it{maybe}; fix the "
            "cause and run plan again to see what is left"
        ) from None
    return report


def _apply_one(
    change: Change,
    changes: Sequence[Change],
    writer: PortalWriter,
    actual: Snapshot,
    labels: dict[str, str] | None = None,
) -> None:
    obj = change.object_type
    after = change.after or {}
    if change.kind is Kind.PROPERTY_GROUP:
        if change.action is Action.CREATE:
            writer.create_group(obj, change.name, after)
        elif change.action is Action.UPDATE:
            writer.update_group(obj, change.name, after)
        else:
            writer.delete_group(obj, change.name)
    elif change.kind is Kind.PROPERTY:
        if change.action is Action.UPDATE:
            writer.update_property(obj, change.name, after)
        elif change.action is Action.DELETE:
            writer.delete_properties(obj, [change.name])
        else:  # REPLACE: create-only attributes changed
            current = actual.get(Kind.PROPERTY, change.key)
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
    elif change.kind is Kind.PIPELINE:
        if change.action is Action.CREATE:
            stages = [
                (c.name, c.after or {})
                for c in changes
                if c.kind is Kind.STAGE
                and c.action is Action.CREATE
                and c.key.startswith(change.key + "/")
            ]
            writer.create_pipeline(obj, change.name, after, stages)
        elif change.action is Action.UPDATE:
            writer.update_pipeline(obj, change.name, after)
        else:
            writer.delete_pipeline(obj, change.name)
    elif change.kind is Kind.LIST:
        _apply_list(change, writer, actual)
    elif change.kind is Kind.WORKFLOW:
        _apply_workflow(change, writer, actual)
    elif change.kind is Kind.STAGE:
        pipeline_id = change.key.split("/")[1]
        if change.action is Action.CREATE:
            writer.create_stage(obj, pipeline_id, change.name, after)
        elif change.action is Action.UPDATE:
            current = actual.get(Kind.STAGE, change.key)
            metadata = dict((current.attrs.get("metadata") or {}) if current else {})
            labels = {} if labels is None else labels
            _free_label(change, changes, writer, actual, labels)
            writer.update_stage(obj, pipeline_id, change.name, after, metadata)
            if "label" in after:
                labels[change.key] = str(after["label"])
        else:
            writer.delete_stage(obj, pipeline_id, change.name)


def _free_label(
    change: Change,
    changes: Sequence[Change],
    writer: PortalWriter,
    actual: Snapshot,
    labels: dict[str, str],
) -> None:
    """Stage labels are unique within a pipeline: when the new label is still held by a
    sibling that this plan relabels too (two stages swapping labels), first move the
    sibling to a temporary label; its own change then gives it the final one."""
    label = (change.after or {}).get("label")
    if not label:
        return
    prefix = change.key.rsplit("/", 1)[0] + "/"
    for other in changes:
        if (
            other is change
            or other.kind is not Kind.STAGE
            or other.action is not Action.UPDATE
            or not other.key.startswith(prefix)
            or "label" not in (other.after or {})
        ):
            continue
        held = actual.get(Kind.STAGE, other.key)
        live = labels.get(other.key, held.attrs.get("label") if held else None)
        if held is None or live != label:
            continue
        _obj, pipeline_id, stage_id = other.key.split("/")
        temporary = f"{label} (hs-japan: moving to {(other.after or {})['label']})"[:255]
        writer.update_stage(
            change.object_type,
            pipeline_id,
            stage_id,
            {"label": temporary},
            dict(held.attrs.get("metadata") or {}),
        )
        labels[other.key] = temporary  # the live state now


def _apply_list(change: Change, writer: PortalWriter, actual: Snapshot) -> None:
    lists = ListWriter(writer.client)
    current = actual.get(Kind.LIST, change.key)
    attrs = {**(current.attrs if current else {}), **(change.after or {})}
    object_type_id = OBJECT_TYPE_IDS[change.object_type]
    name = str(attrs.get("name") or (change.before or {}).get("name"))
    if change.action in (Action.DELETE, Action.REPLACE) and current is not None:
        lists.delete(str(current.attrs["listId"]), name)
    if change.action in (Action.CREATE, Action.REPLACE):
        lists.create(
            object_type_id, name, str(attrs["processingType"]), filter_branch(attrs["filters"])
        )
    elif change.action is Action.UPDATE and current is not None:
        list_id = str(current.attrs["listId"])
        if name != current.attrs.get("name"):
            lists.rename(list_id, str(current.attrs.get("name")), name)
        if "filters" in (change.after or {}) and attrs.get("processingType") == "DYNAMIC":
            lists.update_filters(list_id, name, filter_branch(attrs["filters"]))


def _apply_workflow(change: Change, writer: PortalWriter, actual: Snapshot) -> None:
    flows = FlowWriter(writer.client)
    marker = change.key.split("/", 1)[1]
    current = actual.get(Kind.WORKFLOW, change.key)
    if change.action is Action.DELETE:
        if current is not None:
            flows.delete(marker, str(current.attrs["_flowId"]))
        return
    base = {k: v for k, v in (current.attrs if current else {}).items() if not k.startswith("_")}
    wanted = {**base, **(change.after or {})}
    if change.action is Action.CREATE or current is None:
        flows.create(marker, wanted, enable=bool(wanted.get("isEnabled")))
        return
    flows.put(
        marker,
        {"id": current.attrs["_flowId"], "revisionId": current.attrs["_revisionId"]},
        wanted,
        same=lambda want, now: flowdiff.canonical(want) == flowdiff.canonical(now),
    )
