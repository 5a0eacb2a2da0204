"""Execute a plan against a portal: dependency order, batches, progress, then verify.

Apply writes only what the plan lists, by dependency level: the writes of one level
run concurrently under the client's pacer. Property creates of one object type are sent
in batches; the stages of a pipeline being created travel in the pipeline's own POST
(HubSpot requires at least one stage at creation). Everything else is one call per
change. ``verify`` is done by the caller re-reading the portal and planning again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

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


# build phase: a kind's writes depend only on kinds of a lower rank (groups before their
# properties, properties before the lists and workflows that name them, pipelines before
# their stages, stages before the workflows that filter on them)
_BUILD_RANK = {
    Kind.PROPERTY_GROUP: 0,
    Kind.PROPERTY: 1,
    Kind.PIPELINE: 1,
    Kind.STAGE: 2,
    Kind.LIST: 2,
    Kind.WORKFLOW: 3,
}
WRITE_CONCURRENCY = 8  # writes of one dependency level in flight at once (under the pacer)


def dependency_levels(changes: Sequence[Change]) -> list[list[Change]]:
    """``changes`` (in dependency order) as levels whose writes do not depend on each
    other. Creates and updates of the ranked kinds share a level by rank; every other
    change (deletes, kinds without a rank) keeps its place, one level per run of its
    kind, after them — so an unknown kind is never written before what precedes it."""
    ranked: dict[int, list[Change]] = {}
    rest: list[list[Change]] = []
    tail = False  # once an unranked change is seen, keep the remaining order as it is
    for change in changes:
        rank = _BUILD_RANK.get(change.kind)
        if not tail and rank is not None and change.action is not Action.DELETE:
            ranked.setdefault(rank, []).append(change)
            continue
        tail = True
        if rest and rest[-1][0].kind is change.kind and rest[-1][0].action is change.action:
            rest[-1].append(change)
        else:
            rest.append([change])
    return [ranked[r] for r in sorted(ranked)] + rest


def apply_changes(
    changes: Sequence[Change],
    writer: PortalWriter,
    actual: Snapshot,
    progress: Callable[[str], None] = lambda _: None,
    hooks: ApplyHooks | None = None,
    max_workers: int = WRITE_CONCURRENCY,
) -> ApplyReport:
    """Write ``changes`` (already in dependency order) and report what was done.

    Writes run by dependency level: those of one level concurrently (at most
    ``max_workers``, all through the client's pacer), each journaled (``hooks.intent``)
    before its request and marked done after its answer. On the first failure the level's
    other writes finish, no later level starts, and :class:`ApplyFailed` names what was
    written, so the user knows the portal's state; a re-run plans only what is left.
    """
    hooks = hooks or ApplyHooks()
    report = ApplyReport()
    lock = threading.RLock()  # journal, progress and report: one writer at a time

    def finished(change: Change, note: str = "done") -> None:
        with lock:
            hooks.done(change)
            report.done.append(change)
            progress(f"  {_describe(change)}  {note}")

    def intent(change: Change) -> None:
        with lock:
            hooks.intent(change)

    new_pipelines = {
        c.key for c in changes if c.kind is Kind.PIPELINE and c.action is Action.CREATE
    }

    def batch_task(obj: str, batch: list[Change]) -> Callable[[], None]:
        in_flight = list(batch)  # a property batch being sent: some may be written

        def _took(names: list[str]) -> None:
            by_name = {c.name: c for c in batch}
            for name in names:
                finished(by_name[name])
                in_flight.remove(by_name[name])

        def run() -> None:
            for c in batch:
                intent(c)
            try:
                writer.create_properties(obj, [(c.name, c.after or {}) for c in batch], _took)
            except HsJapanError as exc:
                # recounted: the portal was re-read, so what is left in flight was not written
                unknown = 1 if getattr(exc, "recounted", False) else len(in_flight)
                raise _Failed(in_flight[0] if in_flight else batch[0], exc, unknown) from exc

        return run

    def one_task(change: Change) -> Callable[[], None]:
        def run() -> None:
            intent(change)
            if change.kind is Kind.PIPELINE and change.action is Action.CREATE:
                for c in changes:  # its stages travel in the same POST
                    if c.kind is Kind.STAGE and c.key.startswith(change.key + "/"):
                        intent(c)
            try:
                _apply_one(change, changes, writer, actual)
            except HsJapanError as exc:
                raise _Failed(change, exc, 1) from exc
            finished(change)

        return run

    levels = dependency_levels(changes)
    for number, level in enumerate(levels, start=1):
        kinds = sorted({c.kind.value.replace("_", " ") for c in level})
        progress(f"step {number}/{len(levels)}: {len(level)} × {', '.join(kinds)}")
        tasks: list[Callable[[], None]] = []
        batches: dict[str, list[Change]] = {}
        for change in level:
            obj = change.object_type
            if change.kind is Kind.PROPERTY and change.action is Action.CREATE:
                batches.setdefault(obj, []).append(change)
            elif (
                change.kind is Kind.STAGE
                and change.action is Action.CREATE
                and make_key(obj, change.key.split("/")[1]) in new_pipelines
            ):
                finished(change, "done (with its pipeline)")  # written with its pipeline
            else:
                tasks.append(one_task(change))
        tasks = [batch_task(obj, batch) for obj, batch in batches.items()] + tasks
        if not tasks:
            continue
        hooks.tick()
        failures: list[_Failed] = []
        if len(tasks) == 1 or max_workers <= 1:
            for task in tasks:
                try:
                    task()
                except _Failed as failed:
                    failures.append(failed)
                    break
        else:
            with ThreadPoolExecutor(max_workers=min(max_workers, len(tasks))) as pool:
                for future in [pool.submit(task) for task in tasks]:
                    try:
                        future.result()
                    except _Failed as failed:
                        failures.append(failed)
        if failures:
            first = failures[0]
            written = len(report.done)
            maybe = (
                f"; {first.in_flight} more in the failing batch may have been written too"
                if first.in_flight > 1
                else ""
            )
            raise ApplyFailed(
                f"apply stopped at {_describe(first.change)}: {first.error}\n"
                f"{written} of {len(changes)} changes were written before it{maybe}; fix the "
                "cause and run plan again to see what is left"
            ) from None
    return report


class _Failed(Exception):
    def __init__(self, change: Change, error: HsJapanError, in_flight: int) -> None:
        super().__init__(str(error))
        self.change = change
        self.error = error
        self.in_flight = in_flight


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
    elif change.kind is Kind.PROPERTY_VALIDATION:
        _apply_validation(change, writer)
    elif change.kind is Kind.ASSOCIATION_LABEL:
        _apply_association_label(change, writer, actual)
    elif change.kind is Kind.FORM:  # kind hook: form
        from hs_japan.kinds.base import WriteContext
        from hs_japan.portal.forms import write_form

        write_form(change, WriteContext(writer, changes, actual))
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


def _apply_validation(change: Change, writer: PortalWriter) -> None:
    from hs_japan.portal.validations import ValidationWriter

    obj, prop, rule_type = change.key.split("/")
    rules = ValidationWriter(writer.client)
    if change.action is Action.DELETE:
        rules.remove(obj, prop, rule_type)
    else:  # a PUT sets the whole rule of that type
        rules.put(obj, prop, rule_type, change.after or {})


def _apply_association_label(change: Change, writer: PortalWriter, actual: Snapshot) -> None:
    from hs_japan.portal.association_labels import AssociationLabelWriter

    from_obj, to_obj, name = change.key.split("/")
    labels = AssociationLabelWriter(writer.client)
    current = actual.get(Kind.ASSOCIATION_LABEL, change.key)
    attrs = {**(current.attrs if current else {}), **(change.after or {})}
    inverse = (change.after or {}).get("inverseLabel")
    if change.action is Action.DELETE:
        if current is not None:
            labels.delete(from_obj, to_obj, int(current.attrs["typeId"]), str(attrs["label"]))
    elif change.action is Action.CREATE or current is None:
        labels.create(from_obj, to_obj, name, str(attrs["label"]), inverse)
    else:
        labels.update(from_obj, to_obj, int(current.attrs["typeId"]), str(attrs["label"]), inverse)
