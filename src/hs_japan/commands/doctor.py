"""``hs-japan doctor``: a preflight that reports every problem at once (docs/doctor.md)."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class DoctorFormat(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    from hs_japan import cli
    from hs_japan.config import LOCAL

    @app.command()
    def doctor(
        blueprint: Annotated[
            Path | None,
            typer.Argument(help="Blueprint directory (or one YAML file); none: portal only."),
        ] = None,
        portal: cli.PortalOpt = LOCAL,
        output_format: Annotated[
            DoctorFormat, typer.Option("--format", "-f", help="Output format.")
        ] = DoctorFormat.text,
        config: cli.ConfigOpt = None,
        language: cli.LanguageOpt = None,
    ) -> None:
        """Check, without writing, that the token, subscription and portal allow the
        blueprint: every missing scope, tier, limit, owner and name problem at once.
        Exit 0 when ready, 1 otherwise."""

        def body() -> int:
            from hs_japan.blueprint import load_blueprint
            from hs_japan.blueprint.model import Blueprint
            from hs_japan.config import check_portal, load_profile
            from hs_japan.doctor import Finding, preflight, ready, render_json, render_text
            from hs_japan.errors import ConfigError
            from hs_japan.portal.probe import gather_facts
            from hs_japan.portal.session import open_portal

            bp = (
                load_blueprint(blueprint)
                if blueprint is not None
                else Blueprint(root="(no blueprint)", digest="", files=())
            )
            profile = load_profile(portal, config, language)
            with open_portal(profile) as client:
                facts = gather_facts(client, bp)
            findings = preflight(bp, profile.language, facts)
            if facts.portal_id is not None and facts.account_type is not None:
                try:
                    check_portal(profile, facts.portal_id, facts.account_type)
                except ConfigError as exc:
                    findings.insert(
                        0,
                        Finding(
                            "profile",
                            "error",
                            str(exc),
                            fixes=(f"use the token of the intended portal in profile '{portal}'",),
                        ),
                    )
            render = render_json if output_format is DoctorFormat.json else render_text
            typer.echo(render(bp, facts, findings), nl=False)
            return 0 if ready(findings) else 1

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)
