"""``hs-japan audit``, ``hs-japan report`` and ``hs-japan emulator seed``."""

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hs_japan.commands._common import Target
from hs_japan.ui import UI

STATUS_FINDINGS = 2  # audit exit code when it found something (0: clean, 1: error)


def _pipeline(bp: Any, pipeline_id: str | None) -> Any:
    from hs_japan.errors import ConfigError

    deals = [pl for pl, _ in bp.pipelines if pl.object == "deals" and not pl.absent]
    for pl in deals:
        if pipeline_id is None or pl.id == pipeline_id:
            return pl
    raise ConfigError(
        f"--pipeline: no deal pipeline {pipeline_id!r} in the blueprint "
        f"(known: {', '.join(p.id for p in deals) or 'none'})"
    )


@dataclass
class DealData:
    deals: list[dict[str, Any]]
    # deal id -> per associated contact, its buying-committee association labels
    # (blueprint names, ";"-joined; audit/stakeholders.py)
    roles: dict[str, list[str]]
    sources: dict[str, str]  # deal id -> lead source (first touch of its first contact)
    owners: dict[str, str]  # owner id -> "First Last <email>"
    owner_names: dict[str, str]  # owner id -> "First Last" (or the email)


def deal_property_names(pipeline: Any) -> list[str]:
    """Every deal property the audit and report read, each once: stage timestamps in both
    families (``hs_v2_date_*`` current, ``hs_date_*`` legacy fallback)."""
    from hs_japan.audit.metrics import stamp_names

    names = {
        "dealname",
        "dealstage",
        "pipeline",
        "amount",
        "hubspot_owner_id",
        "createdate",
        "jp_ringi_status",
        "jp_budget_status",
    }
    names |= set(stamp_names(st.key for st in pipeline.stages))
    for st in pipeline.stages:
        for crit in (st.entry, st.exit):
            if crit:
                names |= set(crit.required_properties) | {c.property for c in crit.conditions}
    return sorted(names)


def read_deal_data(client: Any, pipeline: Any, bp: Any = None) -> DealData:
    """One pass: deals of the pipeline (search), their contacts with the association
    labels on each deal-contact pair (associations v4 batch read, and the pair's label
    definitions to match typeIds to the blueprint's labels), the contacts' first touch
    (batch read) and owner names."""
    from hs_japan.audit.stakeholders import label_names, roles_by_deal
    from hs_japan.portal.association_labels import read_labels
    from hs_japan.portal.associations import associated_links
    from hs_japan.portal.owners import read_owners
    from hs_japan.portal.records import read_batch, search_all

    deals = search_all(
        client, "deals", [("pipeline", "EQ", [pipeline.id])], deal_property_names(pipeline)
    )
    typed = associated_links(client, "deals", "contacts", [str(d["id"]) for d in deals])
    links = {deal_id: [link.to_id for link in found] for deal_id, found in typed.items()}
    wanted = bp is not None and any(
        (a.from_, a.to) == ("deals", "contacts") for a, _ in bp.association_labels
    )
    definitions = read_labels(client, [("deals", "contacts")]) if deals and wanted else {}
    names = label_names(bp, "deals", "contacts", definitions.get(("deals", "contacts"), []))
    roles = roles_by_deal(typed, names)
    contact_ids = sorted({c for ids in links.values() for c in ids})
    contacts = read_batch(client, "contacts", contact_ids, ["jp_first_touch"])
    sources: dict[str, str] = {}
    for deal_id, ids in links.items():
        touched = [
            c for c in sorted(ids, key=_id_order) if contacts.get(c, {}).get("jp_first_touch")
        ]
        if touched:
            sources[deal_id] = str(contacts[touched[0]]["jp_first_touch"])
    owners: dict[str, str] = {}
    owner_names: dict[str, str] = {}
    for o in read_owners(client):
        name = f"{o.get('firstName') or ''} {o.get('lastName') or ''}".strip()
        email = str(o.get("email") or "")
        owners[str(o["id"])] = f"{name} <{email}>".strip() if name else email
        owner_names[str(o["id"])] = name or email
    return DealData(deals, roles, sources, owners, owner_names)


def read_quality_records(client: Any, bp: Any) -> dict[str, list[dict[str, Any]]]:
    """object -> the records with a value in a property the data-quality audit checks
    (audit/data_quality.py), with those values and the record's name."""
    from hs_japan.audit.data_quality import checks_of, read_plan
    from hs_japan.portal.quality import records_having

    return {
        obj: records_having(client, obj, having, properties)
        for obj, (having, properties) in read_plan(checks_of(bp)).items()
    }


def audit_quality(result: Any, bp: Any, records: dict[str, Any], vocab: Any) -> None:
    """Fill ``result.quality`` with the bad values among ``records``."""
    from hs_japan.audit.data_quality import checks_of, quality_findings

    result.quality = quality_findings(records, checks_of(bp), vocab)


def quality_json(result: Any, portal_id: int) -> list[dict[str, Any]]:
    from hs_japan.audit.data_quality import OBJECT_TYPE_IDS

    return [
        {
            **f.to_json(),
            "link": f"https://app.hubspot.com/contacts/{portal_id}/record/"
            f"{OBJECT_TYPE_IDS[f.object]}/{f.record_id}",
        }
        for f in result.quality
    ]


def read_meetings(
    client: Any, deals: list[dict[str, Any]], now: dt.datetime
) -> list[dict[str, Any]]:
    """Meeting engagements of the report window, with the deals they are associated with.

    One pass, fewest calls: the meetings whose ``hs_timestamp`` lies between the first day of
    the report's first month and now (CRM search, 200 per page), then their deals through the
    associations v4 batch read (1,000 meetings per call). Meetings of other pipelines' deals
    or of no deal come back too and are left out by :func:`hs_japan.audit.metrics.report`.
    """
    from hs_japan.audit.metrics import MEETING_PROPERTIES, report_window
    from hs_japan.portal.records import associated_ids, search_time_range

    if not deals:
        return []
    start_ms = int(report_window(now).timestamp() * 1000)
    end_ms = int(now.timestamp() * 1000)
    found = search_time_range(
        client, "meetings", "hs_timestamp", start_ms, end_ms, MEETING_PROPERTIES
    )
    links = associated_ids(client, "meetings", "deals", [str(m["id"]) for m in found])
    return [{**m, "deals": links.get(str(m["id"]), [])} for m in found]


def _id_order(record_id: str) -> tuple[int, str]:
    return (int(record_id), "") if record_id.isdigit() else (1 << 62, record_id)


def drift_changes(bp: Any, result: Any, applied_language: str) -> list[Any]:
    """The plan's changes that are real drift, whatever language the portal was applied in.

    The plan was made in the profile's language (the one ``apply`` writes). A property,
    group, pipeline or stage whose portal labels are the blueprint's labels in the *other*
    language is not drift: for those, the plan is made again without reading anything
    (same portal snapshot) in the other language, and the change with fewer differing
    attributes is kept; no change in either language means no drift.
    """
    from hs_japan.blueprint.compile import compile_blueprint
    from hs_japan.plan.diff import plan_changes
    from hs_japan.resources import Kind

    other = "en" if applied_language == "ja" else "ja"
    pure = {Kind.PROPERTY_GROUP, Kind.PROPERTY, Kind.PIPELINE, Kind.STAGE}
    alternative = {
        (c.kind, c.key): c
        for c in plan_changes(compile_blueprint(bp, other), result.state.snapshot)  # type: ignore[arg-type]
    }
    out = []
    for change in result.plan.changes:
        if change.kind not in pure:
            out.append(change)
            continue
        alt = alternative.get((change.kind, change.key))
        if alt is None:
            continue  # matches the blueprint in the other language: not drift
        size = len(change.after or change.before or {})
        out.append(alt if len(alt.after or alt.before or {}) < size else change)
    return out


def describe_change(change: Any, vocab: Any) -> dict[str, Any]:
    """A plan change for people (``text``) and for JSON (internal names)."""
    parts = change.key.split("/")
    attrs = change.after or change.before or {}
    label = ""
    kind = change.kind.value
    if kind == "property":
        label = vocab.prop(parts[-1], parts[0])
    elif kind == "stage" and len(parts) == 3 and parts[1] == vocab.pipeline.id:
        label = vocab.stage(parts[2])
    elif kind == "pipeline" and parts[-1] == vocab.pipeline.id:
        label = vocab.pipeline_label()
    if not label or label == parts[-1]:
        label = str(attrs.get("label") or attrs.get("name") or parts[-1])
    text = (
        f"{change.action.glyph} {vocab.t('action.' + change.action.value)} "
        f"{vocab.t('res.' + kind)}「{label}」"
        if vocab.language == "ja"
        else f"{change.action.glyph} {vocab.t('action.' + change.action.value)} "
        f'{vocab.t("res." + kind)} "{label}"'
    )
    return {
        "action": change.action.value,
        "kind": kind,
        "key": change.key,
        "label": label,
        "attributes": sorted((change.after or {}).keys() | (change.before or {}).keys())
        if change.action.value == "update"
        else [],
        "text": text,
    }


def render_audit_text(result: Any, vocab: Any, portal_id: int, link: str) -> str:
    from hs_japan.audit.labels import table

    out = [
        vocab.t("audit.title"),
        vocab.t(
            "audit.header",
            portal=portal_id,
            pipeline=vocab.pipeline_label(),
            open=result.open_deals,
        ),
    ]
    stage_order = {st.key: i for i, st in enumerate(vocab.pipeline.stages)}
    grouped: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for f in result.findings:
        grouped[f.owner][f.stage].append(f)
    for owner in sorted(grouped):
        count = sum(len(v) for v in grouped[owner].values())
        out += ["", f"{owner} ({count})"]
        for stage in sorted(grouped[owner], key=lambda k: stage_order.get(k, len(stage_order))):
            items = grouped[owner][stage]
            out.append(f"  {vocab.stage(stage)} ({len(items)})")
            rows = [
                [vocab.t(f"kind.{f.kind}"), f.deal_name, f.detail, link + f.deal_id] for f in items
            ]
            headers = [vocab.t(k) for k in ("col.kind", "col.deal", "col.detail", "col.link")]
            out += ["    " + line for line in table(headers, rows)]
    out += render_quality_text(result, vocab, portal_id)
    out.append("")
    out.append(
        vocab.t(
            "audit.summary",
            criteria=result.count("criteria"),
            stalled=result.count("stalled"),
            stakeholders=result.count("stakeholders"),
            quality=len(result.quality),
            drift=len(result.drift),
        )
    )
    if result.drift:
        out.append(vocab.t("audit.drift") + ":")
        out += [f"  {d['text']}" for d in result.drift]
    return "\n".join(out) + "\n"


def render_quality_text(result: Any, vocab: Any, portal_id: int) -> list[str]:
    """The data-quality findings as a table per object (none: no lines)."""
    from hs_japan.audit.labels import table

    if not result.quality:
        return []
    out = ["", f"{vocab.t('quality.title')} ({len(result.quality)})"]
    rows = [
        [
            vocab.t(f"obj.{f['object']}"),
            f"{f['recordName']} ({f['recordId']})",
            f["detail"],
            f["link"],
        ]
        for f in quality_json(result, portal_id)
    ]
    headers = [vocab.t(k) for k in ("col.object", "col.record", "col.detail", "col.link")]
    out += ["  " + line for line in table(headers, rows)]
    return out


def committee_type_ids(client: Any, bp: Any) -> dict[str, int]:
    """The portal's typeIds of the blueprint's deal → contact labels, by label name."""
    from hs_japan.audit.stakeholders import label_names, type_ids
    from hs_japan.portal.association_labels import read_labels

    listing = read_labels(client, [("deals", "contacts")])[("deals", "contacts")]
    return type_ids(label_names(bp, "deals", "contacts", listing))


def _to(record_id: str, type_id: int) -> list[dict[str, Any]]:
    """One HubSpot-defined association, in the record-create shape."""
    return [
        {
            "to": {"id": record_id},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
        }
    ]


@dataclass(frozen=True)
class AuditOptions:
    blueprint: Path
    target: Target = field(default_factory=Target)  # its language: the output's
    pipeline_id: str | None = None
    output_format: str = "text"  # text | json
    out: Path | None = None  # report: the HTML file


def run_audit(opts: AuditOptions, ui: UI) -> int:
    """Deals missing their stage criteria, stalled past the expected time, without a
    decision-maker or champion; and configuration drift. Exit 2 when anything is found."""
    from hs_japan.audit.labels import Vocabulary
    from hs_japan.audit.metrics import audit
    from hs_japan.blueprint import load_blueprint
    from hs_japan.config import check_portal, load_profile
    from hs_japan.engine import make_plan
    from hs_japan.errors import ConfigError
    from hs_japan.portal.read import portal_info
    from hs_japan.portal.session import open_portal

    portal, config, language = opts.target.portal, opts.target.config, opts.target.language
    output_format = opts.output_format
    if output_format not in ("text", "json"):
        raise ConfigError(f"--format: 'text' or 'json', not {output_format!r}")
    bp = load_blueprint(opts.blueprint)
    profile = load_profile(portal, config, language)
    applied = load_profile(portal, config, None).language  # what apply writes
    pipeline = _pipeline(bp, opts.pipeline_id)
    vocab = Vocabulary(bp, pipeline, profile.language)
    with open_portal(profile) as client:
        info = portal_info(client.get_account_details())
        check_portal(profile, info.portal_id, info.account_type)
        data = read_deal_data(client, pipeline, bp)
        quality = read_quality_records(client, bp)
        plan = make_plan(bp, client, applied, info=info)
    result = audit(data.deals, pipeline, data.roles, data.owners, dt.datetime.now(dt.UTC), vocab)
    audit_quality(result, bp, quality, vocab)
    result.drift = [describe_change(c, vocab) for c in drift_changes(bp, plan, applied)]
    link = f"https://app.hubspot.com/contacts/{info.portal_id}/record/0-3/"
    if output_format == "json":
        ui.echo(
            json.dumps(
                {
                    "portalId": info.portal_id,
                    "pipeline": pipeline.id,
                    "language": vocab.language,
                    "openDeals": result.open_deals,
                    "counts": {
                        **{k: result.count(k) for k in ("criteria", "stalled", "stakeholders")},
                        "dataQuality": len(result.quality),
                    },
                    "drift": result.drift,
                    "findings": [
                        {**f.to_json(), "link": link + f.deal_id} for f in result.findings
                    ],
                    "dataQuality": quality_json(result, info.portal_id),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        ui.echo(render_audit_text(result, vocab, info.portal_id, link), nl=False)
    return STATUS_FINDINGS if result.findings or result.drift or result.quality else 0


def run_report(opts: AuditOptions, ui: UI) -> int:
    """Leading indicators: stage conversion, time in stage against the expected ranges,
    weighted pipeline, win rate and sales cycle, per owner, per month and fiscal
    quarter, lead sources, ringi and budget mix."""
    from hs_japan.audit.labels import Vocabulary
    from hs_japan.audit.metrics import report
    from hs_japan.audit.report_html import render_html, render_text
    from hs_japan.blueprint import load_blueprint
    from hs_japan.config import check_portal
    from hs_japan.errors import ConfigError
    from hs_japan.outfile import check_writable, write_atomic
    from hs_japan.portal.read import portal_info
    from hs_japan.portal.session import open_portal

    out = opts.out
    output_format = opts.output_format
    if output_format not in ("text", "json"):
        raise ConfigError(f"--format: 'text' or 'json', not {output_format!r}")
    if out is not None:
        check_writable(out, "--out")  # before any read: a directory, missing folder
    bp = load_blueprint(opts.blueprint)
    profile = opts.target.profile()
    pipeline = _pipeline(bp, opts.pipeline_id)
    vocab = Vocabulary(bp, pipeline, profile.language)
    with open_portal(profile) as client:
        info = portal_info(client.get_account_details())
        check_portal(profile, info.portal_id, info.account_type)
        data = read_deal_data(client, pipeline, bp)
        now = dt.datetime.now(dt.UTC)
        meetings = read_meetings(client, data.deals, now)
    rep = report(
        data.deals, pipeline, vocab, now, data.owner_names, data.sources, meetings, data.roles
    )
    if output_format == "json":
        from hs_japan.audit.report_html import report_json

        body = report_json(rep, info.portal_id, len(data.deals))
        ui.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        ui.echo(render_text(rep, info.portal_id, len(data.deals)), nl=False)
    if out is not None:
        write_atomic(out, render_html(rep, info.portal_id, len(data.deals), now), "--out")
        wrote = (
            "{out} を書き出しました（単体で開けます）。"
            if vocab.language == "ja"
            else "Wrote {out} (self-contained; opens offline)."
        ).format(out=out)
        if output_format == "json":
            ui.err(wrote)  # stdout stays one JSON document
        else:
            ui.echo(wrote)
    return 0


@dataclass(frozen=True)
class SeedOptions:
    blueprint: Path
    target: Target = field(default_factory=Target)
    pipeline_id: str | None = None
    deals: int = 200
    seed: int = 7


def run_seed(opts: SeedOptions, ui: UI) -> int:
    """Fill an emulator portal with 18 months of Japan enterprise deals (apply first)."""
    from hs_japan.audit.seed import generate
    from hs_japan.blueprint import load_blueprint
    from hs_japan.errors import ConfigError
    from hs_japan.portal.dump import pipeline_ids
    from hs_japan.portal.emulator_control import Control
    from hs_japan.portal.read import portal_info
    from hs_japan.portal.session import open_portal

    deals, seed = opts.deals, opts.seed
    bp = load_blueprint(opts.blueprint)
    profile = opts.target.profile()
    pipeline = _pipeline(bp, opts.pipeline_id)
    with open_portal(profile) as client:
        info = portal_info(client.get_account_details())
        if pipeline.id not in pipeline_ids(client, "deals"):
            raise ConfigError(
                f"portal {info.portal_id} has no pipeline {pipeline.id}: apply the blueprint first"
            )
        data = generate(pipeline, deals, seed, dt.datetime.now(dt.UTC))
        control = Control(client.base_url, info.portal_id)
        owner_ids = [str(control.post("/owners", o)["id"]) for o in data.owners]
        # only what this blueprint defines (plus HubSpot's own name and domain)
        known = {p.name for p, _ in bp.properties if p.object == "companies"}
        companies = control.post(
            "/records/companies",
            {
                "inputs": [
                    {
                        "properties": {
                            k: v
                            for k, v in c["properties"].items()
                            if k in known or k in ("name", "domain")
                        }
                    }
                    for c in data.companies
                ]
            },
        )["results"]
        company_of: dict[int, str] = {}  # contact index -> company id
        for d in data.deals:
            for c in d["contacts"]:
                company_of[c] = str(companies[d["company"]]["id"])
        made = []
        for start in range(0, len(data.contacts), 500):
            chunk = [
                {**contact, "associations": _to(company_of[start + k], 279)}
                for k, contact in enumerate(data.contacts[start : start + 500])
            ]
            made += control.post("/records/contacts", {"inputs": chunk})["results"]
        committee = committee_type_ids(client, bp)
        inputs = []
        for d in data.deals:
            props = dict(d["properties"])
            props["hubspot_owner_id"] = owner_ids[int(props.pop("_owner"))]
            inputs.append(
                {
                    "properties": props,
                    "associations": [
                        {
                            "to": {"id": made[c]["id"]},
                            "types": [
                                {
                                    "associationCategory": "HUBSPOT_DEFINED",
                                    "associationTypeId": 3,
                                }
                            ]
                            + [
                                {
                                    "associationCategory": "USER_DEFINED",
                                    "associationTypeId": committee[name],
                                }
                                for name in labels
                                if name in committee
                            ],
                        }
                        for c, labels in zip(d["contacts"], d["labels"], strict=True)
                    ]
                    + _to(str(companies[d["company"]]["id"]), 341),
                }
            )
        deal_ids: list[str] = []
        for start in range(0, len(inputs), 500):
            page = control.post("/records/deals", {"inputs": inputs[start : start + 500]})
            deal_ids += [str(r["id"]) for r in page["results"]]
        # meeting engagements: to the deal (212), its contacts (200) and company (188)
        meetings = []
        for m in data.meetings:
            links = [_to(str(made[c]["id"]), 200)[0] for c in m["contacts"]]
            if m["deal"] is not None:
                deal = data.deals[m["deal"]]
                links += _to(deal_ids[m["deal"]], 212)
                links += _to(str(companies[deal["company"]]["id"]), 188)
            meetings.append(
                {
                    "properties": {
                        **m["properties"],
                        "hubspot_owner_id": owner_ids[int(m["_owner"])],
                    },
                    "associations": links,
                }
            )
        for start in range(0, len(meetings), 500):
            control.post("/records/meetings", {"inputs": meetings[start : start + 500]})
    ui.echo(
        f"Seeded portal {info.portal_id}: {len(inputs)} deals, {len(made)} "
        f"contacts, {len(companies)} companies, {len(meetings)} meetings, "
        f"{len(owner_ids)} owners (seed {seed})."
    )
    return 0
