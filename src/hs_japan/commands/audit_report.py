"""``hs-japan audit``, ``hs-japan report`` and ``hs-japan emulator seed``."""

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer

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


def read_deal_data(
    client: Any, pipeline: Any
) -> tuple[list[Any], dict[str, list[str]], dict[str, str]]:
    """One pass: deals of the pipeline (search), their contacts (associations batch read),
    the contacts' buying roles (batch read) and owner names."""
    from hs_japan.portal.owners import read_owners
    from hs_japan.portal.records import associated_ids, read_batch, search_all

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
    for st in pipeline.stages:
        names.add(f"hs_date_entered_{st.key}")
        for crit in (st.entry, st.exit):
            if crit:
                names |= set(crit.required_properties) | {c.property for c in crit.conditions}
    deals = search_all(client, "deals", [("pipeline", "EQ", [pipeline.id])], sorted(names))
    links = associated_ids(client, "deals", "contacts", [str(d["id"]) for d in deals])
    contact_ids = sorted({c for ids in links.values() for c in ids})
    contacts = read_batch(client, "contacts", contact_ids, ["jp_buying_role"])
    roles = {
        deal_id: [str(contacts.get(c, {}).get("jp_buying_role") or "") for c in ids]
        for deal_id, ids in links.items()
    }
    owners = {
        str(
            o["id"]
        ): f"{o.get('firstName', '')} {o.get('lastName', '')} <{o.get('email', '')}>".strip()
        for o in read_owners(client)
    }
    return deals, roles, owners


def register(app: typer.Typer) -> None:
    from hs_japan import cli
    from hs_japan.audit.metrics import audit, report
    from hs_japan.audit.report_html import render_html, render_text
    from hs_japan.blueprint import load_blueprint
    from hs_japan.config import LOCAL, check_portal, load_profile
    from hs_japan.engine import make_plan
    from hs_japan.portal.read import portal_info
    from hs_japan.portal.session import open_portal

    PipelineOpt = Annotated[
        str | None, typer.Option("--pipeline", help="Deal pipeline id (default: the first).")
    ]

    @app.command("audit")
    def audit_command(
        blueprint: cli.BlueprintDir,
        portal: cli.PortalOpt = LOCAL,
        pipeline_id: PipelineOpt = None,
        output_format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
        config: cli.ConfigOpt = None,
        language: cli.LanguageOpt = None,
    ) -> None:
        """Deals missing their stage criteria, stalled past the expected time, without a
        decision-maker or champion; and configuration drift. Exit 2 when anything is found."""

        def body() -> int:
            bp = load_blueprint(blueprint)
            profile = load_profile(portal, config, language)
            pipeline = _pipeline(bp, pipeline_id)
            with open_portal(profile) as client:
                info = portal_info(client.get_account_details())
                check_portal(profile, info.portal_id, info.account_type)
                deals, roles, owners = read_deal_data(client, pipeline)
                plan = make_plan(bp, client, profile.language, info=info)
            result = audit(deals, pipeline, roles, owners, dt.datetime.now(dt.UTC))
            result.drift = [f"{c.action.glyph} {c.kind.value} {c.key}" for c in plan.plan.changes]
            link = f"https://app.hubspot.com/contacts/{info.portal_id}/record/0-3/"
            if output_format == "json":
                typer.echo(
                    json.dumps(
                        {
                            "portalId": info.portal_id,
                            "openDeals": result.open_deals,
                            "counts": {
                                k: result.count(k) for k in ("criteria", "stalled", "stakeholders")
                            },
                            "drift": result.drift,
                            "findings": [
                                {**f.__dict__, "link": link + f.deal_id} for f in result.findings
                            ],
                        },
                        ensure_ascii=False,
                        indent=2,
                    )
                )
            else:
                typer.echo(
                    f"Portal {info.portal_id} · pipeline {pipeline.id} · "
                    f"{result.open_deals} open deals"
                )
                grouped: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
                for f in result.findings:
                    grouped[f.owner][f.stage].append(f)
                for owner in sorted(grouped):
                    typer.echo(f"\n{owner}")
                    for stage in sorted(grouped[owner]):
                        items = grouped[owner][stage]
                        typer.echo(f"  {stage} ({len(items)})")
                        for f in items:
                            typer.echo(
                                f"    [{f.kind}] {f.deal_name}: {f.detail}  {link}{f.deal_id}"
                            )
                typer.echo("")
                typer.echo(
                    f"Findings: {result.count('criteria')} criteria not met, "
                    f"{result.count('stalled')} stalled, {result.count('stakeholders')} missing "
                    f"stakeholders; configuration drift: {len(result.drift)} change(s)."
                )
                for line in result.drift:
                    typer.echo(f"  drift: {line}")
            return STATUS_FINDINGS if result.findings or result.drift else 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)

    @app.command("report")
    def report_command(
        blueprint: cli.BlueprintDir,
        portal: cli.PortalOpt = LOCAL,
        pipeline_id: PipelineOpt = None,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="HTML report file.")] = None,
        config: cli.ConfigOpt = None,
        language: cli.LanguageOpt = None,
    ) -> None:
        """Leading indicators: stage conversion, time in stage against the expected ranges,
        weighted pipeline, new deals and meetings per month, ringi and budget mix."""

        def body() -> int:
            bp = load_blueprint(blueprint)
            profile = load_profile(portal, config, language)
            pipeline = _pipeline(bp, pipeline_id)
            with open_portal(profile) as client:
                info = portal_info(client.get_account_details())
                check_portal(profile, info.portal_id, info.account_type)
                deals, _roles, _owners = read_deal_data(client, pipeline)
            now = dt.datetime.now(dt.UTC)
            rep = report(deals, pipeline, profile.language, now)
            typer.echo(render_text(rep, info.portal_id, pipeline.id, len(deals)), nl=False)
            if out is not None:
                out.write_text(
                    render_html(rep, info.portal_id, pipeline.id, len(deals), now), encoding="utf-8"
                )
                typer.echo(f"Wrote {out} (self-contained; opens offline).")
            return 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)

    @cli.emulator_app.command("seed")
    def seed_command(
        blueprint: cli.BlueprintDir,
        portal: cli.PortalOpt = LOCAL,
        pipeline_id: PipelineOpt = None,
        deals: Annotated[int, typer.Option("--deals", min=1, max=5000)] = 200,
        seed: Annotated[int, typer.Option("--seed")] = 7,
        config: cli.ConfigOpt = None,
    ) -> None:
        """Fill an emulator portal with a year of Japan enterprise deals (apply first)."""
        from hs_japan.audit.seed import generate
        from hs_japan.errors import ConfigError
        from hs_japan.portal.emulator_control import Control

        def body() -> int:
            bp = load_blueprint(blueprint)
            profile = load_profile(portal, config, None)
            pipeline = _pipeline(bp, pipeline_id)
            with open_portal(profile) as client:
                info = portal_info(client.get_account_details())
                found = client.sdk.crm.pipelines.pipelines_api.get_all("deals").results
                if pipeline.id not in {p.id for p in found}:
                    raise ConfigError(
                        f"portal {info.portal_id} has no pipeline {pipeline.id}: apply the "
                        "blueprint first"
                    )
                data = generate(pipeline, deals, seed, dt.datetime.now(dt.UTC))
                control = Control(client.base_url, info.portal_id)
                owner_ids = [str(control.post("/owners", o)["id"]) for o in data.owners]
                made = []
                for start in range(0, len(data.contacts), 500):
                    chunk = data.contacts[start : start + 500]
                    made += control.post("/records/contacts", {"inputs": chunk})["results"]
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
                                    ],
                                }
                                for c in d["contacts"]
                            ],
                        }
                    )
                for start in range(0, len(inputs), 500):
                    control.post("/records/deals", {"inputs": inputs[start : start + 500]})
            typer.echo(
                f"Seeded portal {info.portal_id}: {len(inputs)} deals, {len(made)} "
                f"contacts, {len(owner_ids)} owners (seed {seed})."
            )
            return 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)
