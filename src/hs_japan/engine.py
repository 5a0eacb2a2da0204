"""Plan and apply, orchestrated: blueprint → read portal → diff → (write → verify).

The pieces are pure (compile, diff, order) or confined to ``portal/``; this module only
wires them in the documented order so that the CLI stays free of logic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from hs_japan import flowdiff
from hs_japan.apply import ApplyHooks, ApplyReport, apply_changes
from hs_japan.blueprint.compile import DesiredState, compile_blueprint
from hs_japan.blueprint.model import Blueprint, Language, Origin
from hs_japan.criteria_flows import KEY_PREFIX, criteria_flows
from hs_japan.errors import BlueprintError, Diagnostic
from hs_japan.kinds import association_label, property_validation
from hs_japan.kinds.base import Facts, Resolution
from hs_japan.kinds.form import HANDLER as FORM_HANDLER  # kind hook: form
from hs_japan.kinds.form import READ as FORM_READ
from hs_japan.lists import (
    OBJECT_NAMES,
    OBJECT_TYPE_IDS,
    ListFilterError,
    canonical,
    compile_filter,
    from_branch,
)
from hs_japan.plan.diff import check_references, plan_changes
from hs_japan.plan.impact import assess
from hs_japan.plan.model import Action, Change, Plan
from hs_japan.portal.association_labels import read_labels
from hs_japan.portal.client import PortalClient
from hs_japan.portal.flows import list_flow_ids, read_flows
from hs_japan.portal.forms import read_forms
from hs_japan.portal.lists import get_lists, search_list_ids
from hs_japan.portal.owners import read_owners
from hs_japan.portal.read import (
    portal_info,
    read_archived_property_names,
    read_flow_revisions,
    read_portal,
)
from hs_japan.portal.records import count_records
from hs_japan.portal.validations import read_rules
from hs_japan.portal.write import PortalWriter
from hs_japan.resources import Kind, PortalInfo, PortalState, Resource, make_key
from hs_japan.rules import (
    MARKER_PREFIX,
    RuleContext,
    RuleError,
    business_day_note,
    compile_rule,
    horizon_note,
)


@dataclass
class PlanResult:
    plan: Plan
    state: PortalState
    desired: DesiredState
    # every flow id the plan saw in the portal (a later targeted read compares them)
    flow_ids: tuple[str, ...] = ()

    @property
    def fingerprints(self) -> dict[str, str]:
        """``updatedAt`` of every managed object the plan read (for stale-plan checks).

        Only resources the blueprint names (or tombstones): an edit to something the
        blueprint does not manage cannot make a saved plan wrong.
        """
        managed = set(self.desired.snapshot.resources) | self.desired.tombstones
        return {
            f"{kind.value}:{key}": r.fingerprint
            for (kind, key), r in sorted(self.state.snapshot.resources.items())
            if (kind, key) in managed and r.fingerprint
        }


def kinds_to_read(desired: DesiredState) -> tuple[set[str], set[str]]:
    """Object types whose properties/groups, and whose pipelines, the plan must read."""
    ids = set(desired.snapshot.resources) | desired.tombstones
    pipeline_objects = {
        key.split("/", 1)[0] for kind, key in ids if kind in (Kind.PIPELINE, Kind.STAGE)
    }
    property_objects = {
        key.split("/", 1)[0]
        for kind, key in ids
        if kind in (Kind.PROPERTY, Kind.PROPERTY_GROUP, Kind.LIST)
    }
    if any(desired.stage_criteria.values()):
        property_objects |= pipeline_objects  # criteria name properties of those objects
    return property_objects, pipeline_objects


# the account details being read in the same round trip as the listings
_NOT_READ_YET = PortalInfo(portal_id=0, account_type="UNKNOWN", name="", time_zone="")


def make_plan(
    bp: Blueprint,
    client: PortalClient,
    language: Language,
    guard: Callable[[PortalInfo], None] | None = None,
    info: PortalInfo | None = None,
    today: dt.date | None = None,
) -> PlanResult:
    """Read what the blueprint touches and diff it. ``guard`` vets the portal first.

    The desired state depends on the blueprint and the portal only; ``today`` is used for
    one display-only note (the holiday calendar's horizon)."""
    desired = compile_blueprint(bp, language)
    problems = property_validation.add_desired(bp, desired)
    if problems:
        raise BlueprintError(problems)
    property_objects, pipeline_objects = kinds_to_read(desired)
    rule_objects = property_validation.objects_of(desired)
    property_objects |= rule_objects  # a rule's property type is checked
    label_pairs = association_label.pairs_of(bp)
    property_objects |= {spec.object for spec, _ in bp.lists}
    property_objects |= {rule.object for rule, _ in bp.follow_up_rules}
    pipeline_objects |= {
        rule.object if rule.object == "leads" else "deals"  # kind hook: leads
        for rule, _ in bp.follow_up_rules
        if rule.trigger.stage_entered
    }
    property_objects |= {f.object for spec, _ in bp.forms for f in spec.fields}  # kind hook: form
    list_names = _list_names(bp, language)
    list_aliases = _list_aliases(bp, language)
    # whether workflows are generated does not depend on portal data (their content may)
    wants_flows = bool(criteria_flows(bp, language, _prop_type(desired, None, "deals"))) or bool(
        bp.follow_up_rules
    )
    wants_owners = any(
        step.notify or step.rotate_owner  # kind hook: leads (owner rotation)
        for rule, _ in bp.follow_up_rules
        if not rule.absent
        for step in rule.steps
    )
    # round trip 1: account details together with every list call (properties, groups,
    # pipelines, lists, flows, owners); all reads, so the guard vets the portal from the
    # details before anything is compared (and long before anything is written)
    with ThreadPoolExecutor(max_workers=8) as pool:
        f_info = None if info is not None else pool.submit(client.get_account_details)
        f_state = pool.submit(
            read_portal, client, property_objects, pipeline_objects, info or _NOT_READ_YET
        )
        f_lists = (
            pool.submit(
                search_list_ids,
                client,
                set(list_names.values())
                | {(otid, alias) for otid, names in list_aliases.values() for alias in names},
            )
            if bp.lists
            else None
        )
        f_flows = pool.submit(list_flow_ids, client) if wants_flows else None
        f_owners = pool.submit(read_owners, client) if wants_owners else None
        f_rules = pool.submit(read_rules, client, rule_objects) if rule_objects else None
        f_labels = pool.submit(read_labels, client, label_pairs) if label_pairs else None
        f_forms = pool.submit(read_forms, client) if bp.forms else None  # kind hook: form
        if f_info is not None:
            info = portal_info(f_info.result())
        assert info is not None
        if guard is not None:
            guard(info)
        state = f_state.result()
        state.info = info
        property_validation.add_actual(state, f_rules.result() if f_rules else {})
        association_label.add(bp, language, desired, state, f_labels.result() if f_labels else {})
        owners = f_owners.result() if f_owners else []
        found_forms = f_forms.result() if f_forms else None  # kind hook: form
        list_ids = f_lists.result() if f_lists else []
        flow_ids = f_flows.result() if f_flows else []
    # round trip 2: what the first round showed is needed, at once: the recycle bin where
    # properties are about to be created, list filters, and flows in full
    creating = {
        res.object_type
        for res in desired.snapshot.of_kind(Kind.PROPERTY)
        if state.snapshot.get(Kind.PROPERTY, res.key) is None
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        f_arch = pool.submit(read_archived_property_names, client, creating) if creating else None
        f_full_lists = pool.submit(get_lists, client, list_ids) if list_ids else None
        f_full_flows = pool.submit(read_flows, client, flow_ids) if flow_ids else None
        if f_arch:
            state.archived_properties.update(f_arch.result())
        found_lists = f_full_lists.result() if f_full_lists else {}
        found_flows = f_full_flows.result() if f_full_flows else {}
    if bp.lists:
        problems = add_lists(bp, language, desired, state, list_names, found_lists, list_aliases)
        if problems:
            raise BlueprintError(problems)
    notes: list[str] = []
    if wants_flows:
        notes, problems = add_workflows(bp, language, desired, state, found_flows, owners)
        if problems:
            raise BlueprintError(problems)
    if found_forms is not None:  # kind hook: form
        form_res = Resolution(
            bp, language, Facts(state.info, {FORM_READ: found_forms}), desired, state
        )
        FORM_HANDLER.observe(form_res)
        FORM_HANDLER.compile(form_res)
        problems = FORM_HANDLER.check(form_res)
        if problems:
            raise BlueprintError(problems)
    changes = [
        describe_workflow(c, state, desired.explanations.get((c.kind, c.key), []))
        for c in plan_changes(desired, state.snapshot)
    ]
    problems = check_references(desired, state) + property_validation.check(desired, state)
    if problems:
        raise BlueprintError(problems)
    # what destructive changes would do to records (one search per destructive change)
    changes = assess(changes, partial(count_records, client))
    notes.extend(pending_migration_notes(client, bp))
    notes.extend(horizon_notes(bp, today or dt.date.today()))
    plan = Plan(
        portal=state.info,
        blueprint_root=bp.root,
        blueprint_digest=bp.digest,
        language=language,
        changes=tuple(changes),
        notes=tuple(notes),
    )
    return PlanResult(plan, state, desired, tuple(flow_ids))


@dataclass
class ApplyOutcome:
    report: ApplyReport
    after: PlanResult

    @property
    def converged(self) -> bool:
        return self.after.plan.empty


def apply_plan(
    result: PlanResult,
    bp: Blueprint,
    client: PortalClient,
    language: Language,
    progress: Callable[[str], None],
    hooks: ApplyHooks | None = None,
) -> ApplyOutcome:
    writer = PortalWriter(client)
    report = apply_changes(result.plan.changes, writer, result.state.snapshot, progress, hooks)
    # verify: a fresh read must plan nothing
    after = make_plan(bp, client, language, info=result.plan.portal)
    return ApplyOutcome(report, after)


# kinds whose state one round of listings shows exactly (attributes and revisions)
_RECHECKED = frozenset(
    {Kind.PROPERTY_GROUP, Kind.PROPERTY, Kind.PIPELINE, Kind.STAGE, Kind.WORKFLOW, Kind.LIST}
)


def still_current(result: PlanResult, client: PortalClient) -> bool:
    """Whether what the plan changes is still as the plan read it, from targeted reads in
    one round trip: the listings of the object types and kinds the plan touches, the
    flows listing (ids and revisions) and the list search. Once the apply lock is held no
    other apply can move the portal on, so when this holds the plan stands and is not
    made again; when anything differs (an apply that ran in between, an edit in HubSpot),
    or the plan has kinds or destructive changes (record counts) these reads cannot vouch
    for, the caller plans again in full."""
    changes = result.plan.changes
    if any(c.kind not in _RECHECKED for c in changes) or result.plan.destructive:
        return False
    by_kind = {c.kind for c in changes}
    prop_objs = {c.object_type for c in changes if c.kind in (Kind.PROPERTY_GROUP, Kind.PROPERTY)}
    pipe_objs = {c.object_type for c in changes if c.kind in (Kind.PIPELINE, Kind.STAGE)}
    list_names = {
        (OBJECT_TYPE_IDS[c.object_type], str(n))
        for c in changes
        if c.kind is Kind.LIST
        for n in ((c.after or {}).get("name"), (c.before or {}).get("name"))
        if n
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        f_state = pool.submit(read_portal, client, prop_objs, pipe_objs, result.plan.portal)
        f_flows = pool.submit(read_flow_revisions, client) if Kind.WORKFLOW in by_kind else None
        f_lists = pool.submit(search_list_ids, client, list_names) if list_names else None
        fresh = f_state.result().snapshot
        flows = f_flows.result() if f_flows else {}
        list_ids = f_lists.result() if f_lists else []
    before = result.state.snapshot
    for c in changes:
        old, new = before.get(c.kind, c.key), fresh.get(c.kind, c.key)
        if c.kind in (Kind.WORKFLOW, Kind.LIST):
            continue
        if (old is None) != (new is None):
            return False
        if (
            old is not None
            and new is not None
            and (old.attrs != new.attrs or old.fingerprint != new.fingerprint)
        ):
            return False
    if Kind.WORKFLOW in by_kind:
        seen = {
            str(r.attrs.get("_flowId")): str(r.attrs.get("_revisionId"))
            for r in before.of_kind(Kind.WORKFLOW)
        }
        if set(flows) != set(result.flow_ids):
            return False  # a flow was created or deleted in between
        if any(flows.get(fid) != rev for fid, rev in seen.items()):
            return False
    if list_names:
        known = {str(r.attrs.get("listId")) for r in before.of_kind(Kind.LIST)}
        if not set(list_ids) <= known or any(
            c.action is not Action.CREATE for c in changes if c.kind is Kind.LIST
        ):
            return False
    return True


def _list_names(bp: Blueprint, language: Language) -> dict[str, tuple[str, str]]:
    """Resource key -> (objectTypeId, name in the profile's language) of each list."""
    out = {}
    for spec, _ in bp.lists:
        assert spec.name is not None
        out[make_key(spec.object, spec.key)] = (
            OBJECT_TYPE_IDS[spec.object],
            spec.name.pick(language),
        )
    return out


def _list_aliases(bp: Blueprint, language: Language) -> dict[str, tuple[str, list[str]]]:
    """Resource key -> (objectTypeId, other names the list may have in the portal): its
    name in the other language, then the names it was renamed from."""
    out = {}
    other: Language = "en" if language == "ja" else "ja"
    for spec, _ in bp.lists:
        assert spec.name is not None
        names = [spec.name.pick(other), *spec.renamed_from]
        current = spec.name.pick(language)
        out[make_key(spec.object, spec.key)] = (
            OBJECT_TYPE_IDS[spec.object],
            [n for n in dict.fromkeys(names) if n.casefold() != current.casefold()],
        )
    return out


def add_lists(
    bp: Blueprint,
    language: Language,
    desired: DesiredState,
    state: PortalState,
    names: dict[str, tuple[str, str]],
    found: dict[tuple[str, str], Any],
    aliases: dict[str, tuple[str, list[str]]] | None = None,
) -> list[Diagnostic]:
    """Compile the blueprint's lists (filters need the properties' types, known only once
    the portal is read) and add the managed lists found in the portal, by name."""
    problems: list[Diagnostic] = []
    for spec, origin in bp.lists:
        key = make_key(spec.object, spec.key)
        rid = (Kind.LIST, key)
        desired.origins[rid] = origin
        if spec.absent:
            desired.tombstones.add(rid)
            continue
        filters = []
        for i, flt in enumerate(spec.filters):
            try:
                filters.append(compile_filter(flt, _prop_type(desired, state, spec.object)))
            except ListFilterError as exc:
                where = bp.origin_of(origin, "filters", i)
                problems.append(
                    Diagnostic(
                        where.file,
                        where.line,
                        f"lists[{origin.keypath[1]}].filters[{i}]",
                        f"{exc} for {spec.object}",
                    )
                )
        attrs = {
            "name": names[key][1],
            "processingType": spec.processing,
            "filters": canonical(filters),
        }
        desired.snapshot.add(Resource(Kind.LIST, key, attrs))
    if problems:
        return problems
    for key, (object_type_id, name) in names.items():
        lst = found.get((object_type_id, name.casefold()))
        for alias in (aliases or {}).get(key, (object_type_id, []))[1]:
            if lst is None:  # renamed, or named in the other language: renamed, not recreated
                lst = found.get((object_type_id, alias.casefold()))
        if lst is None:
            continue
        read_filters = (
            [] if lst.get("processingType") == "MANUAL" else from_branch(lst.get("filterBranch"))
        )
        state.snapshot.add(
            Resource(
                Kind.LIST,
                key,
                {
                    "name": lst.get("name", name),
                    "processingType": lst.get("processingType"),
                    "filters": read_filters
                    if read_filters is not None
                    else "(filters hs-japan does not write: they will be replaced)",
                    "listId": str(lst.get("listId")),
                },
                fingerprint=str(lst.get("updatedAt") or ""),
            )
        )
    return []


def _prop_type(
    desired: DesiredState, state: PortalState | None, obj: str
) -> Callable[[str], str | None]:
    def lookup(name: str) -> str | None:
        key = make_key(obj, name)
        res = desired.snapshot.get(Kind.PROPERTY, key)
        if res is None and state is not None:
            res = state.snapshot.get(Kind.PROPERTY, key)
        return None if res is None else res.attrs.get("type")

    return lookup


def add_workflows(
    bp: Blueprint,
    language: Language,
    desired: DesiredState,
    state: PortalState,
    found: dict[str, dict[str, Any]],
    owners: list[dict[str, Any]],
) -> tuple[list[str], list[Diagnostic]]:
    """Desired workflows (stage-criteria tasks and follow-up rules) and hs-japan's flows
    found in the portal. Returns plan notes (orphaned flows) and unresolved references.

    The portal's flows are read only when the blueprint has workflows: a blueprint
    without any costs no extra call.
    """
    wanted = criteria_flows(bp, language, _prop_type(desired, state, "deals"))
    for key, flow in wanted.items():
        desired.snapshot.add(Resource(Kind.WORKFLOW, key, flowdiff.canonical(flow)))
        # errors about a generated workflow point at the pipeline it comes from
        desired.origins[(Kind.WORKFLOW, key)] = _criteria_origin(bp, key.split("/", 1)[1])
    stages: dict[str, set[str]] = {}
    lead_stages: dict[str, set[str]] = {}  # kind hook: leads
    for snap in (state.snapshot, desired.snapshot):
        for res in snap.of_kind(Kind.STAGE):
            if res.object_type == "deals":
                stages.setdefault(res.pipeline_id, set()).add(res.name)
            elif res.object_type == "leads":
                lead_stages.setdefault(res.pipeline_id, set()).add(res.name)
    by_email = {
        str(o.get("email", "")).casefold(): o.get("userId") for o in owners if o.get("email")
    }
    ctx = RuleContext(
        language=language,
        stages=stages,
        prop_type=lambda obj, name: _prop_type(desired, state, obj)(name),
        owner_user_id=lambda email: by_email.get(email.casefold()),
        calendar=bp.holiday_calendar,
        portal_time_zone=state.info.time_zone or "Asia/Tokyo",
        lead_stages=lead_stages,
    )
    problems: list[Diagnostic] = []
    for rule, origin in bp.follow_up_rules:
        key = make_key(rule.object, MARKER_PREFIX + rule.key)
        rid = (Kind.WORKFLOW, key)
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
            problems.append(Diagnostic(where.file, where.line, path, str(exc)))
            continue
        wanted[key] = flow
        desired.snapshot.add(Resource(Kind.WORKFLOW, key, flowdiff.canonical(flow)))
        waits = [
            delay.days
            for step in rule.steps
            for delay in (step.delay, step.task.due_in if step.task else None)
            if delay is not None and delay.business_days and delay.days
        ]
        if waits:
            desired.explanations[rid] = [business_day_note(n, language) for n in waits]
    notes = []
    tombstoned = {k for kind, k in desired.tombstones if kind is Kind.WORKFLOW}
    for marker, flow in found.items():
        obj = OBJECT_NAMES.get(str(flow.get("objectTypeId")), "contacts")
        key = make_key(obj, marker)
        state.flows[key] = flow
        attrs = {
            **flowdiff.canonical(flow),
            "_flowId": str(flow.get("id")),
            "_revisionId": str(flow.get("revisionId")),
        }
        state.snapshot.add(
            Resource(Kind.WORKFLOW, key, attrs, fingerprint=str(flow.get("updatedAt") or ""))
        )
        if key not in wanted and key not in tombstoned and marker.startswith(KEY_PREFIX):
            # a stage-criteria workflow whose stage, criteria or pipeline is gone: it was
            # generated, so it goes with its source (a destructive change: --allow-destroy),
            # rather than stay enabled and filter on what no longer exists
            desired.tombstones.add((Kind.WORKFLOW, key))
            desired.origins[(Kind.WORKFLOW, key)] = _criteria_origin(bp, marker)
        elif key not in wanted and key not in tombstoned:
            notes.append(
                f"workflow {key} (id {flow.get('id')}) carries the hs-japan marker but the "
                "blueprint no longer generates it; it is left as it is — mark it absent to "
                "delete it, or delete it in HubSpot"
            )
    return notes, problems


def _criteria_origin(bp: Blueprint, marker: str) -> Origin:
    """The pipeline a stage-criteria workflow comes from (else the first pipeline)."""
    for pl, origin in bp.pipelines:
        if marker.startswith(f"{KEY_PREFIX}{pl.id}_"):
            return origin
    for _pl, origin in bp.pipelines:
        return origin
    return Origin(file=bp.root, line=1, keypath=("pipelines",))


def horizon_notes(bp: Blueprint, today: dt.date) -> list[str]:
    """The plan's reminder to extend the holiday calendar (never a change by itself)."""
    if not any(rule.skip_holidays and not rule.absent for rule, _ in bp.follow_up_rules):
        return []
    where = bp.holiday_calendars[0][1].file if bp.holiday_calendars else bp.root
    note = horizon_note(bp.holiday_calendar, today, where)
    return [note] if note else []


def describe_workflow(change: Change, state: PortalState, explain: Sequence[str] = ()) -> Change:
    if change.kind is not Kind.WORKFLOW:
        return change
    current = state.snapshot.get(Kind.WORKFLOW, change.key)
    full = {**(current.attrs if current else {}), **(change.after or {})}
    details = flowdiff.describe(dict(current.attrs) if current else None, full)
    reasons = (*change.reasons, *explain)
    if full.get("isEnabled") and not (current and current.attrs.get("isEnabled")):
        reasons = (*reasons, "enabling enrols every record that meets its trigger now")
    return dataclasses.replace(change, details=tuple(details), reasons=reasons)


def pending_migration_notes(client: PortalClient, bp: Blueprint) -> list[str]:
    """A note when the blueprint's migrations/ holds migrations this portal has not run
    (one read, and only when there are migration files)."""
    from pathlib import Path

    from hs_japan.migrate import MigrationError, find_migrations, migrations_dir_for, status

    directory = migrations_dir_for(Path(bp.root))
    try:
        migrations = find_migrations(directory) if directory else []
    except MigrationError as exc:  # the plan still stands; say what is wrong with the folder
        return [f"migrations not checked: {exc}"]
    if not migrations:
        return []
    pending = status(client, migrations).pending
    if not pending:
        return []
    return [
        f"{len(pending)} migration(s) in {directory} have not run on this portal: "
        f"{', '.join(m.id for m in pending)} — run: hs-japan migrate up --dir {directory}"
    ]
