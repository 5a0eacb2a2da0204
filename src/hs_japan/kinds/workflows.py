"""Kind ``workflow`` (pure): automation v4 flows hs-japan generates — one task flow per
deal stage with criteria (``criteria_flows.py``) and one per follow-up rule (``rules.py``).

Key ``<objectType>/<marker>``; attrs are the flow in canonical form (``flowdiff.py``),
the actual side also ``_flowId`` and ``_revisionId``. hs-japan's flows are found by
their ``customProperties.hsjapan_key`` marker: round 1 lists every flow's id and revision
(the listing has no markers), round 2 reads them in full (batch read). A generated flow
whose source is gone is deleted with it; a rule flow the blueprint no longer has is left
alone, with a note.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from hs_japan import flowdiff
from hs_japan.blueprint.compile import DesiredState, compile_blueprint
from hs_japan.blueprint.model import Blueprint, Language, Origin
from hs_japan.criteria_flows import KEY_PREFIX, criteria_flows
from hs_japan.errors import Diagnostic
from hs_japan.kinds.base import ExportContext, ExportSection, Facts, KindHandler, Read, Resolution
from hs_japan.kinds.pipelines import MANAGED_FLOWS, export_pipelines
from hs_japan.kinds.pipelines import export_listing as pipeline_export_listing
from hs_japan.kinds.pipelines import listing as pipeline_listing
from hs_japan.kinds.properties import listing as property_listing
from hs_japan.lists import OBJECT_NAMES
from hs_japan.plan.model import Change
from hs_japan.reserved import marker_of
from hs_japan.resources import Kind, PortalState, Resource, make_key, property_type, stage_ids
from hs_japan.rules import (
    MARKER_PREFIX,
    STAGE_PROPERTY,
    DecompileError,
    RuleContext,
    RuleError,
    business_day_note,
    calendar_from_blocked,
    compile_rule,
    decompile_flow,
)

REVISIONS = "hs_japan.portal.read:read_flow_revisions_of"  # flow id -> revision id
FLOWS = "hs_japan.portal.flows:read_flows_of"  # marker -> full flow (hs-japan's only)
OWNERS = "hs_japan.portal.owners:read_owners_of"  # HubSpot owners (email -> user id)
LISTING = Read(REVISIONS)


def wants_flows(bp: Blueprint, language: Language) -> bool:
    """Whether the blueprint generates workflows (does not depend on portal data; their
    content may)."""
    if bp.follow_up_rules:
        return True
    desired = compile_blueprint(bp, language)
    return bool(
        criteria_flows(bp, language, lambda name: property_type((desired.snapshot,), "deals", name))
    )


def criteria_origin(bp: Blueprint, marker: str) -> Origin:
    """The pipeline a stage-criteria workflow comes from (else the first pipeline)."""
    for pl, origin in bp.pipelines:
        if marker.startswith(f"{KEY_PREFIX}{pl.id}_"):
            return origin
    for _pl, origin in bp.pipelines:
        return origin
    return Origin(file=bp.root, line=1, keypath=("pipelines",))


def _found(res: Resolution) -> dict[str, dict[str, Any]]:
    ids = res.facts.get(LISTING)
    if not ids:
        return {}
    found: dict[str, dict[str, Any]] = res.facts.get(Read(FLOWS, tuple(ids))) or {}
    return found


class WorkflowHandler(KindHandler):
    kind = Kind.WORKFLOW
    noun = "workflow"
    order = 80
    rank = 3
    writer = "hs_japan.portal.flows:write_workflow"
    export_as = "workflows"
    export_position = 50

    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        # rules name stages by key: the pipelines of the objects with stage-entered rules
        staged = [pipeline_export_listing(obj) for obj in objects if obj in STAGE_PROPERTY]
        return [MANAGED_FLOWS, *staged]

    def export_followups(self, objects: Sequence[str], facts: Facts) -> Iterable[Read]:
        # rules name people by owner email
        return [Read(OWNERS)] if facts.get(MANAGED_FLOWS) else []

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        """hs-japan's follow-up-rule workflows decompiled back into rules (the stage
        criteria workflows are exported as their pipelines' criteria), with the holiday
        calendar they skip."""
        flows: list[dict[str, Any]] = ctx.facts.get(MANAGED_FLOWS) or []
        owners = ctx.facts.get(Read(OWNERS)) or []
        emails = {
            int(o["userId"]): str(o["email"])
            for o in owners
            if o.get("userId") is not None and o.get("email")
        }
        stage_pipeline: dict[str, dict[str, str]] = {}
        for obj, found in export_pipelines(ctx):
            stage_pipeline[obj] = {
                str(st["id"]): str(pl["id"]) for pl in found for st in pl.get("stages") or []
            }
        language = ctx.language
        rules = []
        for flow in sorted(flows, key=lambda f: str(f.get("id"))):
            marker = marker_of(flow) or ""
            if marker.startswith(KEY_PREFIX):
                continue  # exported as the stage criteria it was generated from
            on = OBJECT_NAMES.get(str(flow.get("objectTypeId")))
            if on is not None and on not in ctx.objects:
                continue  # a rule on an object not exported (its stages were not read)
            try:
                rule = decompile_flow(
                    flow,
                    emails.get,
                    stage_pipeline.get("deals", {}).get,
                    ctx.facts.info.time_zone or "Asia/Tokyo",
                    lead_pipeline_of_stage=stage_pipeline.get("leads", {}).get,
                )
            except DecompileError as exc:
                ctx.skipped.append(f"workflow {flow.get('id')} ({flow.get('name')}): {exc}")
                continue
            rule["name"] = {language: str(rule["name"])}
            for step in rule["steps"]:
                for kind in ("task", "notify"):
                    if kind in step:
                        for part in ("subject", "body"):
                            if part in step[kind]:
                                step[kind][part] = {language: str(step[kind][part])}
            rules.append(rule)
        if not rules:
            return []
        calendars = [
            cal
            for flow in flows
            if (marker_of(flow) or "").startswith(MARKER_PREFIX)
            for cal in [calendar_from_blocked(flow.get("blockedDates") or [])]
            if cal is not None
        ]
        doc: dict[str, Any] = {"follow_up_rules": rules}
        if calendars:
            # every rule skips the same calendar: the one with the furthest horizon
            doc["holiday_calendars"] = [max(calendars, key=lambda c: c.get("through", 0))]
        return [ExportSection("follow-up.yaml", doc, len(rules))]

    def needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        reads = [property_listing(rule.object) for rule, _ in bp.follow_up_rules]
        # a stage-entered rule names stages of its object's pipelines (deals or leads)
        staged = {
            rule.object if rule.object in STAGE_PROPERTY else "deals"
            for rule, _ in bp.follow_up_rules
            if rule.trigger.stage_entered
        }
        reads += [pipeline_listing(obj) for obj in sorted(staged)]
        if wants_flows(bp, language):
            reads.append(LISTING)
        if any(
            step.notify or step.rotate_owner
            for rule, _ in bp.follow_up_rules
            if not rule.absent
            for step in rule.steps
        ):
            reads.append(Read(OWNERS))
        return reads

    def followups(self, bp: Blueprint, language: Language, facts: Facts) -> Iterable[Read]:
        ids = facts.get(LISTING)
        return [Read(FLOWS, tuple(ids))] if ids else []

    def observe(self, res: Resolution) -> None:
        for marker, flow in _found(res).items():
            obj = OBJECT_NAMES.get(str(flow.get("objectTypeId")), "contacts")
            key = make_key(obj, marker)
            res.actual.flows[key] = flow
            attrs = {
                **flowdiff.canonical(flow),
                "_flowId": str(flow.get("id")),
                "_revisionId": str(flow.get("revisionId")),
            }
            res.actual.snapshot.add(
                Resource(self.kind, key, attrs, fingerprint=str(flow.get("updatedAt") or ""))
            )

    def compile(self, res: Resolution) -> None:
        bp, language, desired, state = res.bp, res.language, res.desired, res.actual
        snaps = (desired.snapshot, state.snapshot)
        wanted = criteria_flows(bp, language, lambda name: property_type(snaps, "deals", name))
        for key, flow in wanted.items():
            desired.snapshot.add(Resource(self.kind, key, flowdiff.canonical(flow)))
            # errors about a generated workflow point at the pipeline it comes from
            desired.origins[(self.kind, key)] = criteria_origin(bp, key.split("/", 1)[1])
        owners = res.facts.get(Read(OWNERS)) or []
        by_email = {
            str(o.get("email", "")).casefold(): o.get("userId") for o in owners if o.get("email")
        }
        ctx = RuleContext(
            language=language,
            stages=stage_ids((state.snapshot, desired.snapshot), "deals"),
            prop_type=lambda obj, name: property_type(snaps, obj, name),
            owner_user_id=lambda email: by_email.get(email.casefold()),
            calendar=bp.holiday_calendar,
            portal_time_zone=state.info.time_zone or "Asia/Tokyo",
            lead_stages=stage_ids((state.snapshot, desired.snapshot), "leads"),
        )
        for rule, origin in bp.follow_up_rules:
            key = make_key(rule.object, MARKER_PREFIX + rule.key)
            rid = (self.kind, key)
            desired.origins[rid] = origin
            if rule.absent:
                desired.tombstones.add(rid)
                continue
            try:
                flow = compile_rule(rule, ctx)
            except RuleError as exc:
                parts = exc.field.replace("[", ".").replace("]", "").split(".")
                where = bp.origin_of(origin, *(int(p) if p.isdigit() else p for p in parts))
                path = f"follow_up_rules[{origin.keypath[1]}].{exc.field}"
                res.problems.append(Diagnostic(where.file, where.line, path, str(exc)))
                continue
            wanted[key] = flow
            desired.snapshot.add(Resource(self.kind, key, flowdiff.canonical(flow)))
            waits = [
                delay.days
                for step in rule.steps
                for delay in (step.delay, step.task.due_in if step.task else None)
                if delay is not None and delay.business_days and delay.days
            ]
            if waits:
                desired.explanations[rid] = [business_day_note(n, language) for n in waits]
        tombstoned = {k for kind, k in desired.tombstones if kind is self.kind}
        # a rule now on another object (the handoff's opportunity rule moved from deals to
        # contacts): HubSpot cannot change a flow's objectTypeId, so its old flow goes and
        # the new one is created (one marker, one flow: read_flows refuses two)
        moved = {
            MARKER_PREFIX + rule.key: (rule, origin)
            for rule, origin in bp.follow_up_rules
            if not rule.absent and make_key(rule.object, MARKER_PREFIX + rule.key) in wanted
        }
        for marker, flow in _found(res).items():
            obj = OBJECT_NAMES.get(str(flow.get("objectTypeId")), "contacts")
            key = make_key(obj, marker)
            if key not in wanted and key not in tombstoned and marker in moved:
                rule, origin = moved[marker]
                desired.tombstones.add((self.kind, key))
                desired.origins[(self.kind, key)] = origin
                res.notes.append(
                    f"rule '{rule.key}' now enrols {rule.object}, not {obj}: its {obj} "
                    f"workflow (id {flow.get('id')}) is deleted and a {rule.object} workflow "
                    "created (HubSpot cannot change a workflow's object)"
                )
            elif key not in wanted and key not in tombstoned and marker.startswith(KEY_PREFIX):
                # a stage-criteria workflow whose stage, criteria or pipeline is gone: it
                # was generated, so it goes with its source (a destructive change:
                # --allow-destroy), rather than stay enabled and filter on what is gone
                desired.tombstones.add((self.kind, key))
                desired.origins[(self.kind, key)] = criteria_origin(bp, marker)
            elif key not in wanted and key not in tombstoned:
                res.notes.append(
                    f"workflow {key} (id {flow.get('id')}) carries the hs-japan marker but the "
                    "blueprint no longer generates it; it is left as it is — mark it absent to "
                    "delete it, or delete it in HubSpot"
                )

    def describe(self, change: Change, desired: DesiredState, actual: PortalState) -> Change:
        current = actual.snapshot.get(self.kind, change.key)
        full = {**(current.attrs if current else {}), **(change.after or {})}
        details = flowdiff.describe(dict(current.attrs) if current else None, full)
        explain = desired.explanations.get((change.kind, change.key), [])
        reasons = (*change.reasons, *explain)
        if full.get("isEnabled") and not (current and current.attrs.get("isEnabled")):
            reasons = (*reasons, "enabling enrols every record that meets its trigger now")
        return dataclasses.replace(change, details=tuple(details), reasons=reasons)

    def unchanged(self, changes: Sequence[Change], before: Resolution, fresh: Facts) -> bool:
        """No flow was created or deleted in between, and the plan's flows kept the
        revision it read (from the flows listing: one round trip)."""
        flows: dict[str, str] = fresh.get(LISTING) or {}
        if set(flows) != set(before.facts.get(LISTING) or {}):
            return False
        seen = {
            str(r.attrs.get("_flowId")): str(r.attrs.get("_revisionId"))
            for r in before.actual.snapshot.of_kind(self.kind)
        }
        return all(flows.get(fid) == rev for fid, rev in seen.items())
