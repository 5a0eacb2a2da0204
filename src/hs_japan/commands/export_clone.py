"""``hs-japan export`` and ``hs-japan clone``."""

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # imported where used: loading the CLI never imports the HubSpot SDK
    from hs_japan.portal.client import PortalClient


def read_dump(
    client: "PortalClient", objects: tuple[str, ...], with_flows: bool, with_lists: bool = True
) -> Any:
    """Everything export needs (``portal/dump.py``), as the exporter's PortalDump."""
    from hs_japan.exporter import PortalDump
    from hs_japan.portal.dump import read_raw_portal

    raw = read_raw_portal(client, objects, with_flows, with_lists)
    return PortalDump(
        portal_id=raw.info.portal_id,
        portal_name=raw.info.name,
        account_type=raw.info.account_type,
        time_zone=raw.info.time_zone,
        groups=raw.groups,
        properties=raw.properties,
        pipelines=raw.pipelines,
        flows=raw.flows,
        owners=raw.owners,
        lists=raw.lists,
        association_labels=raw.association_labels,
        validations=raw.validations,
    )


# what the last export in this process copied and left out (clone reports it)
_last_export: dict[str, Any] = {}


def _csv(value: str | None, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    from hs_japan.errors import ConfigError

    if not value:
        return allowed
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise ConfigError(f"--{what}: unknown {', '.join(unknown)} (known: {', '.join(allowed)})")
    return items


def register(app: typer.Typer) -> None:
    from hs_japan import cli
    from hs_japan.config import LOCAL, load_profile

    @app.command("export")
    def export_command(
        out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the blueprint.")],
        portal: cli.PortalOpt = LOCAL,
        objects: Annotated[
            str | None, typer.Option("--objects", help="Comma-separated object types.")
        ] = None,
        kinds: Annotated[
            str | None,
            typer.Option(
                "--kinds",
                help="Comma-separated: groups,properties,pipelines,lists,workflows,"
                "association_labels,validations.",
            ),
        ] = None,
        include_hubspot_defined: Annotated[
            bool, typer.Option("--include-hubspot-defined", help="Also HubSpot's own items.")
        ] = False,
        force: Annotated[bool, typer.Option("--force", help="Write into a non-empty dir.")] = False,
        config: cli.ConfigOpt = None,
        language: cli.LanguageOpt = None,
    ) -> None:
        """Write a portal's configuration as blueprint YAML (the format users write)."""

        def body() -> int:
            from hs_japan.config import check_portal
            from hs_japan.errors import ConfigError
            from hs_japan.exporter import KINDS, NOT_IN_HUBSPOT, export, write_export
            from hs_japan.portal.session import open_portal
            from hs_japan.resources import OBJECT_TYPES

            profile = load_profile(portal, config, language)
            chosen = _csv(objects, OBJECT_TYPES, "objects")
            chosen_kinds = _csv(kinds, KINDS, "kinds")
            with open_portal(profile) as client:
                info = client.get_account_details()
                check_portal(profile, int(info.get("portalId", 0)), str(info.get("accountType")))
                dump = read_dump(
                    client,
                    chosen,
                    bool({"workflows", "pipelines"} & set(chosen_kinds)),
                    "lists" in chosen_kinds,
                )
            result = export(
                dump,
                profile.language,
                objects=chosen,
                kinds=chosen_kinds,
                include_hubspot_defined=include_hubspot_defined,
            )
            try:
                write_export(result, out, force)
            except FileExistsError as exc:
                raise ConfigError(str(exc)) from None
            summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.counts.items())
            typer.echo(f"Exported portal {dump.portal_id} to {out}: {summary}.")
            for line in result.skipped:
                cli._err(f"left out: {line}")
            _last_export.clear()
            _last_export.update(counts=result.counts, skipped=list(result.skipped))
            cli._err(
                "not in HubSpot, so not exported: "
                + "; ".join(NOT_IN_HUBSPOT)
                + ". To carry them, apply the original blueprint to the target instead."
            )
            return 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)

    @app.command()
    def clone(
        source: Annotated[str, typer.Option("--from", help="Portal profile to copy from.")],
        target: Annotated[str, typer.Option("--to", help="Portal profile to copy to.")],
        out: Annotated[
            Path | None, typer.Option("--out", help="Keep the exported blueprint here.")
        ] = None,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
        allow_destroy: Annotated[
            bool,
            typer.Option("--allow-destroy", help="Allow deletes and replaces on the target."),
        ] = False,
        confirm_portal: Annotated[
            int | None,
            typer.Option(
                "--confirm-portal", help="Target portal id: required for a STANDARD account."
            ),
        ] = None,
        config: cli.ConfigOpt = None,
        language: cli.LanguageOpt = None,
    ) -> None:
        """Export one portal and apply it to another, with apply's guards; then verify.

        Reports what was copied and what could not be: a clone with something left out
        is never called complete (exit 3)."""
        if source == target:
            cli._fail("error: --from and --to name the same portal")
        tmp = None if out is not None else tempfile.TemporaryDirectory(prefix="hs-japan-clone-")
        workdir = out if out is not None else Path(tmp.name if tmp else ".")
        _last_export.clear()
        if out is None or not any(workdir.glob("*.y*ml")):
            export_command(
                out=workdir,
                portal=source,
                objects=None,
                kinds=None,
                include_hubspot_defined=False,
                force=False,
                config=config,
                language=language,
            )
        typer.echo(f"Applying the export of '{source}' ({workdir}) to '{target}':")
        cli._state["verified_note"] = (
            "Verified: a fresh read of the target plans no changes for what was copied."
        )
        try:
            cli.apply(
                blueprint=workdir,
                portal=[target],
                plan_file=None,
                yes=yes,
                allow_destroy=allow_destroy,
                allow_data_loss=False,
                confirm_portal=None if confirm_portal is None else [confirm_portal],
                config=config,
                language=language,
            )
        finally:
            cli._state.pop("verified_note", None)
            if tmp is not None:
                tmp.cleanup()

        def copy_migrations() -> int:
            # the target has the source's configuration: it has "run" its migrations too
            from hs_japan.migrate import read_applied, record_applied
            from hs_japan.portal.session import open_portal

            with open_portal(load_profile(source, config, language)) as client:
                ran = read_applied(client)
            if ran:
                with open_portal(load_profile(target, config, language)) as client:
                    known = {a.id for a in read_applied(client)}
                    record_applied(
                        client, [*read_applied(client), *(a for a in ran if a.id not in known)]
                    )
                typer.echo(f"Recorded {len(ran)} applied migration(s) of '{source}' on '{target}'.")
            return 0

        code = cli._guard(copy_migrations)
        if code:
            raise typer.Exit(code)
        counts = _last_export.get("counts") or {}
        skipped = list(_last_export.get("skipped") or [])
        if counts:
            copied = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
            typer.echo(f"Copied from '{source}' to '{target}': {copied or 'nothing'}.")
        if skipped:
            cli._err(
                f"Clone incomplete: {len(skipped)} item(s) of '{source}' could not be copied "
                "(listed above as 'left out'); carry them by applying the original "
                f"blueprint to '{target}'."
            )
            raise typer.Exit(3)
        typer.echo(
            f"Clone complete: everything HubSpot holds of '{source}''s managed configuration "
            f"is on '{target}'. Blueprint-only content (expected days, funnel, patterns) "
            "is carried by applying the blueprint."
        )
