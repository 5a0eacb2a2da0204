"""Preflight checks: can this blueprint be applied to this portal, and if not, why not.

The API, for ``hs-japan doctor`` and for plan/apply to call before any write::

    from hs_japan.doctor import preflight, ready
    from hs_japan.portal.probe import gather_facts

    facts = gather_facts(client, bp)             # impure: concurrent read-only probes
    findings = preflight(bp, language, facts)    # pure: list[Finding], grouped by category
    if not ready(findings): ...                  # any finding with severity "error"

- :func:`required_probes` (pure) says which portal reads the blueprint needs and, for each,
  the scope hs-japan asks for and the blueprint items that need it ("needed for").
- ``gather_facts`` (``portal/probe.py``) issues those reads at once and records every
  ``403 MISSING_SCOPES`` (with ``errors[].context.requiredScopes``) instead of stopping at
  the first, plus what the portal tells about its subscription: account details, the limits
  API (``/crm/v3/limits/pipelines``, ``/custom-properties``) and whether workflows answer.
- :func:`preflight` (pure) turns :class:`Facts` into :class:`Finding` values: missing scopes
  by name, what the tier lacks, limit usage against what the blueprint adds, unknown owner
  emails, reserved names. Every finding says how to fix it and, where the blueprint can,
  how to switch the part off.

Nothing here writes to the portal. The write-scope probes are requests HubSpot must refuse
before doing anything (a property group or list without a name): the scope check answers
first (403), otherwise validation does (400).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hs_japan.blueprint.model import Blueprint, Language, Origin
from hs_japan.criteria_flows import stage_flow
from hs_japan.errors import HsJapanError
from hs_japan.reserved import (
    LEGACY_LOCK_GROUP,
    LIST_IDS,
    LIST_IDS_OBJECT,
    LOCK_GROUP,
    RESERVED_PROPERTY_ROLES,
)

Severity = Literal["error", "warning"]
Category = Literal["profile", "scope", "tier", "limit", "owner", "name"]
CATEGORY_TITLES: dict[str, str] = {
    "profile": "Portal profile",
    "scope": "Scopes the token lacks",
    "tier": "Subscription",
    "limit": "Limits",
    "owner": "Owners",
    "name": "Reserved names",
}
HUBSPOT_PREFIX = "hs_"
# [docs] HubSpot Sales Hub deal pipelines per account: Free 1, Starter 2, Professional 15,
# Enterprise 100 (the emulator uses the same numbers); used only to name a likely tier
PIPELINE_LIMIT_TIERS = {1: "free", 2: "starter", 15: "professional", 100: "enterprise"}
WORKFLOW_TIERS = "Professional or Enterprise"
# the leads object (and its pipelines) needs Sales Hub Professional or Enterprise
# (crm-leads-v3.json tier block; docs/hubspot-api.md §15.5)
LEADS = "leads"


# -- what the blueprint needs ---------------------------------------------------------------------
@dataclass(frozen=True)
class Probe:
    """One read (or refused write) that tells whether the token may do something.

    ``key`` names the probe (``schemas.read/deals``, ``lists.write``, ``owner/a@b.jp``…);
    ``scope`` is the scope hs-japan asks for; ``needed_for`` the blueprint items needing it.
    """

    key: str
    scope: str
    needed_for: tuple[str, ...]
    required: bool = True  # False: without it hs-japan still works, with less safety


def _schema_scope(obj: str, rw: str) -> str:
    if obj == LEADS:  # lead properties and pipelines take the object scopes (no schemas scope)
        return f"crm.objects.leads.{rw}"
    return f"crm.schemas.{obj}.{rw}"


def _add(needs: dict[str, tuple[str, list[str], bool]], key: str, scope: str, item: str) -> None:
    entry = needs.setdefault(key, (scope, [], True))
    if item not in entry[1]:
        entry[1].append(item)


def criteria_pipelines(bp: Blueprint, language: Language) -> list[str]:
    """Deal pipelines whose stage criteria compile to task workflows (``criteria_tasks``)."""
    out = []
    for spec, _ in bp.pipelines:
        if spec.object != "deals" or spec.absent or spec.criteria_tasks == "off":
            continue
        if any(
            stage_flow(spec, i, language, lambda _name: None, True) is not None
            for i in range(len(spec.stages))
        ):
            out.append(f"{spec.object}/{spec.id}")
    return out


def notify_emails(bp: Blueprint) -> dict[str, list[str]]:
    """Owner emails named by follow-up rule notify steps -> the rules naming them."""
    out: dict[str, list[str]] = {}
    for rule, _ in bp.follow_up_rules:
        if rule.absent:
            continue
        for step in rule.steps:
            if step.notify is None:
                continue
            for email in step.notify.users:
                rules = out.setdefault(email.casefold(), [])
                if rule.key not in rules:
                    rules.append(rule.key)
    return out


def required_probes(bp: Blueprint, language: Language = "en") -> list[Probe]:
    """Every read gather_facts makes for this blueprint, with its scope and purpose."""
    needs: dict[str, tuple[str, list[str], bool]] = {}
    _add(needs, "account", "oauth", "account details (portal id, account type)")
    tombstoned: set[str] = set()
    for g, _ in bp.property_groups:
        item = f"property group {g.object}/{g.name}"
        _add(needs, f"schemas.read/{g.object}", _schema_scope(g.object, "read"), item)
        _add(needs, f"schemas.write/{g.object}", _schema_scope(g.object, "write"), item)
        if g.absent:
            tombstoned.add(g.object)
    for p, _ in bp.properties:
        item = f"property {p.object}/{p.name}"
        _add(needs, f"schemas.read/{p.object}", _schema_scope(p.object, "read"), item)
        _add(needs, f"schemas.write/{p.object}", _schema_scope(p.object, "write"), item)
        if p.absent or p.options:
            # removing a property or an option: the plan counts the records holding values
            _add(needs, f"records/{p.object}", f"crm.objects.{p.object}.read", item)
        if p.absent:
            tombstoned.add(p.object)
    for pipe, _ in bp.pipelines:
        item = f"pipeline {pipe.object}/{pipe.id}"
        _add(needs, f"pipelines/{pipe.object}", _schema_scope(pipe.object, "read"), item)
        _add(needs, f"schemas.write/{pipe.object}", _schema_scope(pipe.object, "write"), item)
        # deleting a stage or pipeline: the plan counts the records still in it
        _add(needs, f"records/{pipe.object}", f"crm.objects.{pipe.object}.read", item)
        if pipe.absent or any(s.absent for s in pipe.stages):
            tombstoned.add(pipe.object)
    for lst, _ in bp.lists:
        item = f"list {lst.key}"
        _add(needs, f"schemas.read/{lst.object}", _schema_scope(lst.object, "read"), item)
        _add(needs, "lists.read", "crm.lists.read", item)
        _add(needs, "lists.write", "crm.lists.write", item)
        # the ids of hs-japan's lists are recorded in a hidden contact property (reserved.py)
        ids = f"{item} (its id is kept in {LIST_IDS_OBJECT} property {LIST_IDS})"
        _add(needs, f"schemas.read/{LIST_IDS_OBJECT}", _schema_scope(LIST_IDS_OBJECT, "read"), ids)
        _add(
            needs, f"schemas.write/{LIST_IDS_OBJECT}", _schema_scope(LIST_IDS_OBJECT, "write"), ids
        )
    for rule, _ in bp.follow_up_rules:
        item = f"follow-up rule {rule.key}"
        _add(needs, f"schemas.read/{rule.object}", _schema_scope(rule.object, "read"), item)
        if rule.trigger.stage_entered:
            obj = rule.object if rule.object == LEADS else "deals"
            _add(needs, f"pipelines/{obj}", _schema_scope(obj, "read"), item)
        _add(needs, "automation", "automation", item)
    for pipe_key in criteria_pipelines(bp, language):
        _add(needs, "automation", "automation", f"stage-criteria tasks of pipeline {pipe_key}")
    for email, rules in notify_emails(bp).items():
        for key in rules:
            _add(needs, f"owner/{email}", "crm.objects.owners.read", f"follow-up rule {key}")
    if any(k.startswith("pipelines/") for k in needs):
        _add(needs, "limits/pipelines", "", "pipeline limits")
    if any(k.startswith("schemas.write/") for k in needs) and bp.properties:
        _add(needs, "limits/custom-properties", "", "custom property limits")
    return [
        Probe(key, scope, tuple(items), required=_required(key, tombstoned))
        for key, (scope, items, _req) in needs.items()
    ]


def _required(key: str, tombstoned: set[str]) -> bool:
    """Record reads only count records for the plan: needed when the blueprint deletes
    something of that object; otherwise a missing scope is a warning."""
    return not key.startswith("records/") or _obj(key) in tombstoned


def _obj(key: str) -> str:
    return key.split("/", 1)[1] if "/" in key else ""


# -- what the portal told ------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbeOutcome:
    """How one probe went: ``ok``; or refused for a scope (``required_scopes``, any one of
    which would do, as HubSpot lists them); or refused otherwise (``refused``: the message,
    e.g. a feature the subscription lacks)."""

    ok: bool
    required_scopes: tuple[str, ...] = ()
    refused: str | None = None
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Usage:
    usage: int
    limit: int


@dataclass(frozen=True)
class Facts:
    """What gather_facts learned; every field is optional knowledge (None: not learned)."""

    probes: Mapping[str, ProbeOutcome]
    portal_id: int | None = None
    account_type: str | None = None
    portal_name: str | None = None
    properties: Mapping[str, frozenset[str]] = field(default_factory=dict)  # object -> names
    pipelines: Mapping[str, frozenset[str]] = field(default_factory=dict)  # object -> ids
    pipeline_limits: Mapping[str, Usage] = field(default_factory=dict)
    property_limits: Mapping[str, Usage] = field(default_factory=dict)
    owners: Mapping[str, bool] = field(default_factory=dict)  # email casefolded -> exists
    workflows: bool | None = None  # the flows API answered (True) / refused for the tier
    workflow_tier: str | None = None  # the tier a refusal named, when it did

    def tier(self) -> dict[str, Any]:
        """The subscription as far as it can be learned (sales/service from pipeline
        limits, workflows from the flows API)."""
        deals = self.pipeline_limits.get("deals")
        tickets = self.pipeline_limits.get("tickets")
        return {
            "sales": PIPELINE_LIMIT_TIERS.get(deals.limit) if deals else None,
            "service": PIPELINE_LIMIT_TIERS.get(tickets.limit) if tickets else None,
            "workflows": self.workflows,
            "workflowsRefusedOnTier": self.workflow_tier,
        }


# -- findings ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    category: Category
    severity: Severity
    message: str
    needed_for: tuple[str, ...] = ()
    fixes: tuple[str, ...] = ()  # the first fixes the portal; later ones switch parts off
    where: tuple[str, ...] = ()  # file:line of the blueprint items concerned

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def ready(findings: Iterable[Finding]) -> bool:
    return not any(f.severity == "error" for f in findings)


def _where(origin: Origin) -> str:
    return f"{origin.file}:{origin.line}"


def _switch_off_for(item: str) -> str | None:
    """How the blueprint can do without ``item`` (a needed-for line)."""
    kind, _, name = item.partition(" ")
    if item.startswith("stage-criteria tasks of pipeline "):
        key = item.rsplit(" ", 1)[1]
        return f"set `criteria_tasks: off` on pipeline {key}"
    if item.startswith("follow-up rule "):
        return (
            "remove the follow-up rules from the blueprint (`enabled: false` still creates "
            "the workflow switched off, `absent: true` still reads workflows to delete it)"
        )
    if kind == "list":
        return "remove the lists from the blueprint (`absent: true` still reads and deletes lists)"
    if kind == "pipeline":
        return f"drop pipeline {name} from the blueprint"
    return None


def _scope_findings(probes: list[Probe], facts: Facts) -> list[Finding]:
    # chosen scope -> (needed for, alternatives HubSpot named, required)
    missing: dict[str, tuple[list[str], set[str], bool]] = {}
    for probe in probes:
        outcome = facts.probes.get(probe.key)
        if outcome is None or outcome.ok or not outcome.required_scopes:
            continue
        named = outcome.required_scopes
        scope = probe.scope if probe.scope in named or not named else named[0]
        if not probe.scope and probe.key.startswith("limits/"):
            continue  # limits readable with any CRM scope; other probes name what lacks
        items, alternatives, required = missing.setdefault(scope, ([], set(), False))
        items.extend(i for i in probe.needed_for if i not in items)
        alternatives.update(s for s in named if s != scope)
        missing[scope] = (items, alternatives, required or probe.required)
    records_scopes = {p.scope for p in probes if p.key.startswith("records/")}
    out = []
    for scope, (items, alternatives, required) in sorted(missing.items()):
        shown = items[:6] + ([f"… {len(items) - 6} more"] if len(items) > 6 else [])
        message = f"missing scope {scope} (needed for: {', '.join(shown)})"
        if alternatives:
            message += f"; HubSpot also accepts: {', '.join(sorted(alternatives))}"
        fixes = [f"add {scope} to the private app's scopes and use its new token"]
        if scope in records_scopes:
            fixes.append(
                "without it the plan cannot count the records a destructive change touches; "
                "such changes then need --allow-data-loss"
            )
        offs = [_switch_off_for(item) for item in items]
        if required and all(offs):  # only when the blueprint can do without every item
            for off in offs:
                if f"or switch off: {off}" not in fixes:
                    fixes.append(f"or switch off: {off}")
        out.append(
            Finding(
                "scope",
                "error" if required else "warning",
                message,
                tuple(items),
                tuple(fixes),
            )
        )
    return out


def _tier_findings(bp: Blueprint, language: Language, facts: Facts) -> list[Finding]:
    if facts.workflows is not False:
        return []
    tier = f" (this portal: {facts.workflow_tier})" if facts.workflow_tier else ""
    out = []
    rules = [(r, o) for r, o in bp.follow_up_rules]
    if rules:
        out.append(
            Finding(
                "tier",
                "error",
                f"follow-up rules compile to workflows, which need a {WORKFLOW_TIERS} "
                f"subscription{tier}",
                tuple(f"follow-up rule {r.key}" for r, _ in rules),
                (
                    "upgrade the hub to Professional or Enterprise",
                    "or switch off: remove the follow-up rules from the blueprint "
                    "(`enabled: false` and `absent: true` still need the workflows API)",
                ),
                tuple(_where(o) for _, o in rules),
            )
        )
    pipes = criteria_pipelines(bp, language)
    if pipes:
        origins = {f"{p.object}/{p.id}": o for p, o in bp.pipelines}
        out.append(
            Finding(
                "tier",
                "error",
                f"stage-criteria tasks are workflows, which need a {WORKFLOW_TIERS} "
                f"subscription{tier}",
                tuple(f"stage-criteria tasks of pipeline {p}" for p in pipes),
                (
                    "upgrade the hub to Professional or Enterprise",
                    *(f"or switch off: set `criteria_tasks: off` on pipeline {p}" for p in pipes),
                ),
                tuple(_where(origins[p]) for p in pipes if p in origins),
            )
        )
    return out


def _leads_findings(bp: Blueprint, facts: Facts) -> list[Finding]:
    """One finding when the portal refuses the leads object (Sales Hub below Professional):
    everything the blueprint has on leads, and how to switch it off."""
    refused = [
        o.refused
        for key, o in sorted(facts.probes.items())
        if key.endswith("/" + LEADS) and not o.ok and o.refused is not None
    ]
    if not refused:
        return []
    items: list[tuple[str, Origin]] = [
        *((f"pipeline leads/{p.id}", o) for p, o in bp.pipelines if p.object == LEADS),
        *((f"property leads/{p.name}", o) for p, o in bp.properties if p.object == LEADS),
        *(
            (f"property group leads/{g.name}", o)
            for g, o in bp.property_groups
            if g.object == LEADS
        ),
        *((f"follow-up rule {r.key}", o) for r, o in bp.follow_up_rules if r.object == LEADS),
    ]
    files = sorted({o.file for _, o in items})
    return [
        Finding(
            "tier",
            "error",
            "the leads prospecting pipeline needs Sales Hub Professional or Enterprise; this "
            f"portal refuses the leads object ({refused[0]})",
            tuple(i for i, _ in items),
            (
                "upgrade Sales Hub to Professional or Enterprise",
                "or switch off: remove "
                + (", ".join(files) if files else "the leads items")
                + " from the blueprint (the lead pipeline, lead properties and lead rules)",
            ),
            tuple(_where(o) for _, o in items),
        )
    ]


HUB_FOR_PIPELINES = {
    "deals": "more deal pipelines need Sales Hub Starter or higher",
    "tickets": "ticket pipelines beyond the default one need Service Hub Starter or higher",
}


def _limit_findings(bp: Blueprint, facts: Facts) -> list[Finding]:
    out = []
    for obj, usage in sorted(facts.pipeline_limits.items()):
        existing = facts.pipelines.get(obj)
        new = [
            (p, o)
            for p, o in bp.pipelines
            if p.object == obj and not p.absent and (existing is None or p.id not in existing)
        ]
        if not new or usage.usage + len(new) <= usage.limit:
            continue
        names = [f"{p.object}/{p.id}" for p, _ in new]
        tier = PIPELINE_LIMIT_TIERS.get(usage.limit)
        hub = HUB_FOR_PIPELINES.get(obj, "")
        out.append(
            Finding(
                "limit",
                "error",
                f"{obj} pipelines: {usage.usage} used + {len(new)} new > limit {usage.limit}"
                + (f" ({hub}; this limit looks like {tier})" if tier and hub else ""),
                tuple(f"pipeline {n}" for n in names),
                (
                    "upgrade the subscription, or delete unused pipelines in HubSpot",
                    *(f"or switch off: drop pipeline {n} from the blueprint" for n in names),
                ),
                tuple(_where(o) for _, o in new),
            )
        )
    for obj, usage in sorted(facts.property_limits.items()):
        existing = facts.properties.get(obj)
        new_props = [
            (p, o)
            for p, o in bp.properties
            if p.object == obj and not p.absent and (existing is None or p.name not in existing)
        ]
        if not new_props or usage.usage + len(new_props) <= usage.limit:
            continue
        out.append(
            Finding(
                "limit",
                "error",
                f"{obj} custom properties: {usage.usage} used + {len(new_props)} new > "
                f"limit {usage.limit}",
                tuple(f"property {p.object}/{p.name}" for p, _ in new_props),
                (
                    "upgrade the subscription, or archive unused custom properties in HubSpot",
                    f"or switch off: drop some {obj} properties from the blueprint",
                ),
                tuple(_where(o) for _, o in new_props),
            )
        )
    return out


def _owner_findings(bp: Blueprint, facts: Facts) -> list[Finding]:
    out = []
    origins = {r.key: o for r, o in bp.follow_up_rules}
    for email, rules in sorted(notify_emails(bp).items()):
        if facts.owners.get(email) is not False:
            continue  # exists, or unknown (the scope finding says why)
        out.append(
            Finding(
                "owner",
                "error",
                f"no HubSpot user with email {email} in this portal (notified by "
                f"{', '.join(f'follow-up rule {r}' for r in rules)})",
                tuple(f"follow-up rule {r}" for r in rules),
                (
                    f"add {email} as a user of the portal, or correct the email in the blueprint",
                    *(f"or switch off: set `absent: true` on follow-up rule {r}" for r in rules),
                ),
                tuple(_where(origins[r]) for r in rules if r in origins),
            )
        )
    return out


def _name_findings(bp: Blueprint) -> list[Finding]:
    lock = "hs-japan's own apply lock (a property group)"
    own = {
        LOCK_GROUP: lock,
        LEGACY_LOCK_GROUP: lock,
        **{name: f"{role} (a property)" for name, role in RESERVED_PROPERTY_ROLES.items()},
    }
    named: list[tuple[str, str, Origin]] = []
    named += [(f"property group {g.object}/{g.name}", g.name, o) for g, o in bp.property_groups]
    named += [(f"property {p.object}/{p.name}", p.name, o) for p, o in bp.properties]
    for pipe, o in bp.pipelines:
        named.append((f"pipeline {pipe.object}/{pipe.id}", pipe.id, o))
        named += [
            (f"stage {pipe.object}/{pipe.id}/{s.key}", s.key, bp.origin_of(o, "stages", i))
            for i, s in enumerate(pipe.stages)
        ]
    out = []
    for item, name, origin in named:
        if name in own:
            message = f"{item}: the name {name} is {own[name]}"
        elif name.startswith(HUBSPOT_PREFIX):
            message = f"{item}: names starting with {HUBSPOT_PREFIX} are HubSpot's own"
        else:
            continue
        out.append(
            Finding(
                "name",
                "error",
                message,
                (item,),
                (f"rename it in the blueprint (e.g. jp_{name.removeprefix(HUBSPOT_PREFIX)})",),
                (_where(origin),),
            )
        )
    return out


def preflight(bp: Blueprint, language: Language, facts: Facts) -> list[Finding]:
    """Every problem applying ``bp`` to the portal described by ``facts`` would meet (pure).

    Order: scopes, subscription, limits, owners, names; each finding names the blueprint
    items concerned and how to fix or switch them off. ``ready(findings)`` is the verdict.
    """
    probes = required_probes(bp, language)
    return [
        *_scope_findings(probes, facts),
        *_tier_findings(bp, language, facts),
        *_leads_findings(bp, facts),
        *_limit_findings(bp, facts),
        *_owner_findings(bp, facts),
        *_name_findings(bp),
    ]


# -- rendering -----------------------------------------------------------------------------------
def _tier_line(facts: Facts) -> str:
    tier = facts.tier()
    parts = []
    for hub, obj in (("sales", "deals"), ("service", "tickets")):
        usage = facts.pipeline_limits.get(obj)
        if usage is not None:
            guess = f"looks like {tier[hub]}" if tier[hub] else "unknown"
            parts.append(f"{hub} {guess} ({obj} pipeline limit {usage.limit})")
    if facts.workflows is True:
        parts.append("workflows available (Professional or Enterprise)")
    elif facts.workflows is False:
        parts.append(
            "workflows not available" + (f" ({facts.workflow_tier})" if facts.workflow_tier else "")
        )
    else:
        parts.append("workflows unknown (the token lacks the automation scope)")
    return "; ".join(parts)


def render_text(bp: Blueprint, facts: Facts, findings: list[Finding]) -> str:
    portal = (
        f'Portal {facts.portal_id} "{facts.portal_name or ""}" ({facts.account_type})'
        if facts.portal_id is not None
        else "Portal (account details not readable)"
    )
    lines = [f"{portal} · blueprint {bp.root}", f"Subscription: {_tier_line(facts)}"]
    for category, title in CATEGORY_TITLES.items():
        group = [f for f in findings if f.category == category]
        if not group:
            continue
        lines.append("")
        lines.append(f"{title} ({len(group)})")
        for f in group:
            mark = "✗" if f.severity == "error" else "!"
            lines.append(f"  {mark} {f.message}")
            if f.needed_for and f.category not in ("scope", "name"):  # already in the message
                shown = ", ".join(f.needed_for[:6]) + (" …" if len(f.needed_for) > 6 else "")
                lines.append(f"      for: {shown}")
            if f.where:
                lines.append(
                    f"      at {', '.join(f.where[:4])}" + (" …" if len(f.where) > 4 else "")
                )
            for fix in f.fixes:
                lines.append(f"      → {fix}")
    lines.append("")
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if errors:
        lines.append(
            f"Not ready: {errors} problem(s)"
            + (f", {warnings} warning(s)" if warnings else "")
            + ". Fix them, or switch the parts off as shown, then run doctor again."
        )
    else:
        lines.append(
            "Ready: the token, the subscription and the portal allow this blueprint"
            + (f" ({warnings} warning(s))." if warnings else ".")
        )
    return "\n".join(lines) + "\n"


def render_json(bp: Blueprint, facts: Facts, findings: list[Finding]) -> str:
    doc = {
        "ready": ready(findings),
        "blueprint": bp.root,
        "portal": {
            "portalId": facts.portal_id,
            "accountType": facts.account_type,
            "name": facts.portal_name,
        },
        "tier": facts.tier(),
        "limits": {
            "pipelines": {o: asdict(u) for o, u in sorted(facts.pipeline_limits.items())},
            "customProperties": {o: asdict(u) for o, u in sorted(facts.property_limits.items())},
        },
        "findings": [f.to_json() for f in findings],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


class NotReady(HsJapanError):
    """plan/apply refused up front: the preflight found problems (nothing was written).
    ``str()`` is the doctor report."""


def refuse_unless_ready(bp: Blueprint, language: Language, facts: Facts, what: str) -> None:
    """Raise :class:`NotReady` with the doctor report when the portal cannot take ``bp``."""
    findings = preflight(bp, language, facts)
    if ready(findings):
        return
    raise NotReady(
        f"{what} refused before any write: this portal cannot take the blueprint as it is.\n"
        + render_text(bp, facts, findings).rstrip("\n")
    )
