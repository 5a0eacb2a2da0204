"""Kinds ``pipeline`` and ``stage`` (pure): HubSpot's pipelines API serves both.

Keys ``<objectType>/<pipelineId>`` and ``<objectType>/<pipelineId>/<stageId>``; the ids
are chosen in the blueprint and sent on create. Read in round 1 from the object's
pipeline listing (stages included, no paging). The stages of a pipeline being created
travel in its POST (HubSpot requires one stage at least); deleting a pipeline deletes its
stages. A stage or pipeline still holding records is never deleted (the plan blocks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from hs_japan.blueprint.model import Blueprint, Condition, Language, StageSpec
from hs_japan.criteria_flows import KEY_PREFIX, criteria_from_flow
from hs_japan.errors import Diagnostic
from hs_japan.kinds.base import (
    Counter,
    ExportContext,
    ExportSection,
    KindHandler,
    Read,
    Resolution,
    located,
)
from hs_japan.kinds.properties import listing as property_listing
from hs_japan.plan.model import Action, Change
from hs_japan.reserved import marker_of
from hs_japan.resources import Kind, Resource, ResourceId, make_key, property_exists

LISTING = "hs_japan.portal.facts:pipeline_listing"  # the object's pipelines, with stages
EXPORT_LISTING = "hs_japan.portal.dump:pipelines_of"  # as LISTING, nulls dropped (export)
# hs-japan's flows in full (export: stage criteria here, follow-up rules in workflows.py)
MANAGED_FLOWS = Read("hs_japan.portal.dump:managed_flows_of")

# record properties holding the pipeline and stage (docs/hubspot-api.md §4.5)
PIPELINE_PROPS = {
    "deals": ("pipeline", "dealstage"),
    "tickets": ("hs_pipeline", "hs_pipeline_stage"),
    "leads": ("hs_pipeline", "hs_pipeline_stage"),  # §15.7
}


def listing(obj: str) -> Read:
    return Read(LISTING, obj)


def _fingerprint(d: Mapping[str, Any]) -> str:
    return str(d.get("updatedAt") or "")


def pipeline_resources(object_type: str, d: Mapping[str, Any]) -> Iterable[Resource]:
    pid = str(d["id"])
    yield Resource(
        Kind.PIPELINE,
        make_key(object_type, pid),
        {"label": d.get("label", ""), "displayOrder": d.get("displayOrder")},
        fingerprint=_fingerprint(d),
    )
    for st in d.get("stages") or []:
        if st.get("archived"):
            continue
        metadata = {str(k): str(v) for k, v in (st.get("metadata") or {}).items()}
        yield Resource(
            Kind.STAGE,
            make_key(object_type, pid, str(st["id"])),
            {
                "label": st.get("label", ""),
                "displayOrder": st.get("displayOrder"),
                "metadata": metadata,
            },
            fingerprint=_fingerprint(st),
        )


def _condition(cond: Condition) -> dict[str, Any]:
    """A criteria condition as plain data: {property, op: in|equals|is_set, value}."""
    if cond.in_ is not None:
        return {"property": cond.property, "op": "in", "value": list(cond.in_)}
    if cond.equals is not None:
        return {"property": cond.property, "op": "equals", "value": cond.equals}
    return {"property": cond.property, "op": "is_set", "value": bool(cond.is_set)}


def probability_str(value: float) -> str:
    """HubSpot's string form of a stage probability (``"0.2"``, ``"1.0"``)."""
    return str(round(float(value), 4))


def _stage_metadata(object_type: str, st: StageSpec) -> dict[str, str]:
    if object_type == "deals" and st.probability is not None:
        return {"probability": probability_str(st.probability)}
    if object_type == "tickets" and st.ticket_state is not None:
        return {"ticketState": st.ticket_state}
    return {}


def _pipelines(res: Resolution) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for read, value in res.facts.results.items():
        if read.reader == LISTING and isinstance(value, list):
            for pl in value:
                if not pl.get("archived"):
                    yield str(read.arg), pl


def carried_stages(change: Change, changes: Sequence[Change]) -> list[Change]:
    """The stage creates that travel in ``change``'s pipeline POST, in plan order."""
    return [
        c
        for c in changes
        if c.kind is Kind.STAGE and c.action is Action.CREATE and c.key.startswith(change.key + "/")
    ]


class PipelineHandler(KindHandler):
    kind = Kind.PIPELINE
    noun = "pipeline"
    order = 50
    rank = 1
    offline = True
    writer = "hs_japan.portal.write:write_pipeline"
    export_as = "pipelines"
    export_position = 30
    export_counts = ("stage_criteria",)

    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        # the stage criteria come back from hs-japan's stage-criteria workflows
        return [*(export_listing(obj) for obj in objects if obj in PIPELINE_PROPS), MANAGED_FLOWS]

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        criteria = export_criteria(ctx)
        pipes = [
            pipeline_item(pl, obj, ctx.language, criteria)
            for obj, found in export_pipelines(ctx)
            for pl in sorted(found, key=lambda p: str(p["id"]))
            if not pl.get("archived")
        ]
        if not pipes:
            return []
        n_criteria = sum(1 for pl in pipes for st in pl["stages"] if "entry" in st)
        return [
            ExportSection(
                "pipelines.yaml", {"pipelines": pipes}, len(pipes), {"stage_criteria": n_criteria}
            )
        ]

    def late_needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        objects = {pl.object for pl, _ in bp.pipelines}
        reads = [listing(obj) for obj in sorted(objects)]
        if any(
            (st.entry or st.exit or st.expected_days is not None) and not st.absent
            for pl, _ in bp.pipelines
            if not pl.absent
            for st in pl.stages
        ):
            # criteria name properties of those objects
            reads += [property_listing(obj) for obj in sorted(objects)]
        return reads

    def observe(self, res: Resolution) -> None:
        for obj, pl in _pipelines(res):
            for resource in pipeline_resources(obj, pl):
                if resource.kind is self.kind:
                    res.actual.snapshot.add(resource)

    def compile(self, res: Resolution) -> None:
        bp, language, state = res.bp, res.language, res.desired
        for pl, origin in bp.pipelines:
            attrs: dict[str, Any] = {"label": pl.label.pick(language)} if pl.label else {}
            if pl.display_order is not None:
                attrs["displayOrder"] = pl.display_order
            rid = (self.kind, make_key(pl.object, pl.id))
            state.origins[rid] = origin
            if pl.absent:
                state.tombstones.add(rid)
            else:
                state.snapshot.add(Resource(self.kind, rid[1], attrs))

    def check(self, res: Resolution) -> list[Diagnostic]:
        problems = []
        for want in sorted(res.desired.snapshot.of_kind(self.kind), key=lambda r: r.key):
            have = res.actual.snapshot.get(self.kind, want.key)
            if (have is not None and have.hubspot_defined) or "label" not in want.attrs:
                continue
            for other in res.actual.snapshot.of_kind(self.kind):
                if (
                    other.object_type == want.object_type
                    and other.key != want.key
                    and other.attrs.get("label") == want.attrs["label"]
                    and (self.kind, other.key) not in res.desired.tombstones
                ):
                    problems.append(
                        located(
                            res.desired,
                            want.id,
                            "label",
                            f"pipeline label '{want.attrs['label']}' is already "
                            f"used by pipeline '{other.name}' in the portal",
                        )
                    )
        return problems

    def assess(self, change: Change, count: Counter) -> Change:
        return _block_if_holding(change, count, "pipeline", 1, 0)


def _block_if_holding(change: Change, count: Counter, what: str, part: int, prop: int) -> Change:
    obj = change.object_type
    if change.action is not Action.DELETE or obj not in PIPELINE_PROPS:
        return change
    ident = change.key.split("/")[part]
    n = count(obj, [(PIPELINE_PROPS[obj][prop], "EQ", [ident])])
    if n == 0:
        return replace(change, records=0)
    blocked = (
        f"{n} {obj} still sit in {what} {ident}: move them first with a migration "
        f"(migrations/, operation move_deals) — a stage or pipeline holding records "
        "is never deleted"
    )
    return replace(change, records=n, blocked=blocked)


class StageHandler(KindHandler):
    kind = Kind.STAGE
    noun = "stage"
    order = 60
    rank = 2
    offline = True
    writer = "hs_japan.portal.write:write_stage"

    def late_needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        return [listing(pl.object) for pl, _ in bp.pipelines]

    def observe(self, res: Resolution) -> None:
        for obj, pl in _pipelines(res):
            for resource in pipeline_resources(obj, pl):
                if resource.kind is self.kind:
                    res.actual.snapshot.add(resource)

    def compile(self, res: Resolution) -> None:
        bp, language, state = res.bp, res.language, res.desired
        for pl, origin in bp.pipelines:
            if pl.absent:
                continue  # deleting a pipeline deletes its stages with it
            order = 0
            for i, st in enumerate(pl.stages):
                stage_origin = bp.origin_of(origin, "stages", i)
                key = make_key(pl.object, pl.id, st.key)
                stage_attrs: dict[str, Any] = {}
                if not st.absent:
                    stage_attrs = {
                        "label": st.label.pick(language) if st.label else "",
                        "displayOrder": order,
                        "metadata": _stage_metadata(pl.object, st),
                    }
                    order += 1
                    state.stage_criteria[key] = {
                        phase: {
                            "required_properties": list(c.required_properties),
                            "conditions": [_condition(cond) for cond in c.conditions],
                            "description": c.description.pick(language) if c.description else "",
                        }
                        for phase, c in (("entry", st.entry), ("exit", st.exit))
                        if c is not None
                    }
                    if st.expected_days is not None:
                        state.stage_criteria[key]["expected_days"] = list(st.expected_days)
                rid = (self.kind, key)
                state.origins[rid] = stage_origin
                if st.absent:
                    state.tombstones.add(rid)
                else:
                    state.snapshot.add(Resource(self.kind, key, stage_attrs))

    def check(self, res: Resolution) -> list[Diagnostic]:
        desired, actual = res.desired, res.actual.snapshot
        snaps = (desired.snapshot, actual)
        problems = []
        for want in sorted(desired.snapshot.of_kind(self.kind), key=lambda r: r.key):
            key = want.key
            have = actual.get(self.kind, key)
            if have is not None and have.hubspot_defined:
                continue
            obj, pipeline_id, stage_id = key.split("/")
            for other in actual.of_kind(self.kind):
                if (
                    other.object_type == obj
                    and other.name == stage_id
                    and other.pipeline_id != pipeline_id
                ):
                    problems.append(
                        located(
                            desired,
                            want.id,
                            "key",
                            f"stage id '{stage_id}' is already used by {obj} "
                            f"pipeline '{other.pipeline_id}'; stage ids are unique "
                            "per object type",
                        )
                    )
            for phase, criteria in desired.stage_criteria.get(key, {}).items():
                if not isinstance(criteria, dict):
                    continue  # expected_days
                for cond in criteria.get("conditions", []):
                    if not property_exists(
                        snaps, desired.tombstones, make_key(obj, cond["property"])
                    ):
                        problems.append(
                            located(
                                desired,
                                want.id,
                                f"{phase}.conditions",
                                f"unknown {obj} property '{cond['property']}'",
                            )
                        )
                for prop in criteria["required_properties"]:
                    if not property_exists(snaps, desired.tombstones, make_key(obj, prop)):
                        problems.append(
                            located(
                                desired,
                                want.id,
                                f"{phase}.required_properties",
                                f"unknown {obj} property '{prop}'",
                            )
                        )
        return problems

    def equal(self, name: str, desired: Any, actual: Any) -> bool:
        if name == "metadata":
            actual = actual or {}
            for k, v in desired.items():
                a = actual.get(k)
                if k == "probability":
                    try:
                        if a is None or abs(float(a) - float(v)) > 1e-9:
                            return False
                    except ValueError:
                        return False
                elif str(a) != str(v):
                    return False
            return True
        return super().equal(name, desired, actual)

    def deleted_with(self, have: Resource) -> ResourceId | None:
        return (Kind.PIPELINE, make_key(have.object_type, have.pipeline_id))

    def position(self, change: Change) -> tuple[str, int, str]:
        """Stages follow their pipeline's display order."""
        attrs = change.after or change.before or {}
        order = attrs.get("displayOrder")
        return (change.key.rsplit("/", 1)[0], order if isinstance(order, int) else 0, change.key)

    def assess(self, change: Change, count: Counter) -> Change:
        return _block_if_holding(change, count, "stage", 2, 1)

    def carried_by(self, change: Change, changes: Sequence[Change]) -> Change | None:
        if change.action is not Action.CREATE:
            return None
        pipeline = change.key.rsplit("/", 1)[0]
        return next(
            (
                c
                for c in changes
                if c.kind is Kind.PIPELINE and c.action is Action.CREATE and c.key == pipeline
            ),
            None,
        )


# -- export ----------------------------------------------------------------------------


def export_listing(obj: str) -> Read:
    """Export's read of an object's pipelines (shared with the workflows' export)."""
    return Read(EXPORT_LISTING, obj)


def export_pipelines(ctx: ExportContext) -> Iterable[tuple[str, list[dict[str, Any]]]]:
    """(object, its pipelines as read) for each exported pipeline object that was read."""
    for obj in ctx.objects:
        found = ctx.facts.get(export_listing(obj))
        if obj in PIPELINE_PROPS and isinstance(found, list):
            yield obj, found


def export_criteria(ctx: ExportContext) -> dict[str, tuple[dict[str, Any], bool]]:
    """Stage id -> (entry criteria, workflow enabled), from hs-japan's stage-criteria
    workflows; a workflow edited beyond the generated shape is reported as left out."""
    criteria: dict[str, tuple[dict[str, Any], bool]] = {}
    flows = ctx.facts.get(MANAGED_FLOWS) or []
    for flow in sorted(flows, key=lambda f: str(f.get("id"))):
        marker = marker_of(flow) or ""
        if not marker.startswith(KEY_PREFIX):
            continue
        got = criteria_from_flow(flow)
        if got is None:
            ctx.skipped.append(
                f"workflow {flow.get('id')} ({marker}): edited in HubSpot beyond the shape "
                "hs-japan generates; its stage criteria are not exported"
            )
            continue
        criteria[got[0]] = (got[1], bool(flow.get("isEnabled")))
    return criteria


def pipeline_item(
    pl: Mapping[str, Any],
    obj: str,
    language: str,
    criteria: Mapping[str, tuple[dict[str, Any], bool]] | None = None,
) -> dict[str, Any]:
    """A portal pipeline as a blueprint ``pipelines`` item (stages in display order, deal
    stages with the entry criteria their stage-criteria workflow checks)."""
    stages = []
    for st in sorted(pl.get("stages") or [], key=lambda s: (s.get("displayOrder", 0), s["id"])):
        if st.get("archived"):
            continue
        meta = st.get("metadata") or {}
        item: dict[str, Any] = {
            "key": str(st["id"]),
            "label": {language: str(st.get("label") or st["id"])},
        }
        if obj == "deals" and meta.get("probability") is not None:
            item["probability"] = float(meta["probability"])
        if obj == "tickets" and meta.get("ticketState"):
            item["ticket_state"] = meta["ticketState"]
        # stage-criteria workflows check deal stages (their trigger is dealstage)
        found = (criteria or {}).get(str(st["id"])) if obj == "deals" else None
        if found is not None:
            item["entry"] = found[0]
        stages.append(item)
    out: dict[str, Any] = {
        "object": obj,
        "id": str(pl["id"]),
        "label": {language: str(pl.get("label") or pl["id"])},
    }
    if isinstance(pl.get("displayOrder"), int):
        out["display_order"] = pl["displayOrder"]
    if obj == "deals":
        ids = {str(st["id"]) for st in pl.get("stages") or []}
        mine = [enabled for sid, (_c, enabled) in (criteria or {}).items() if sid in ids]
        # no stage-criteria workflows: none generated; else as the portal has them
        out["criteria_tasks"] = "off" if not mine else "enabled" if all(mine) else "disabled"
    out["stages"] = stages
    return out
