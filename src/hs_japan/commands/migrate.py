"""``hs-japan migrate status|up``: versioned data migrations, recorded in the portal."""

import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    # command modules import the portal, engine and SDK code in the commands themselves:
    # loading the CLI (and offline commands) never imports the HubSpot SDK
    from hs_japan import cli
    from hs_japan.config import LOCAL, check_portal, load_profile

    migrate_app = typer.Typer(
        help="Versioned data migrations (migrations/NNNN_name.py).", no_args_is_help=True
    )
    app.add_typer(migrate_app, name="migrate")
    DirOpt = Annotated[Path, typer.Option("--dir", help="Directory of NNNN_name.py migrations.")]

    @migrate_app.command("status")
    def status_command(
        portal: cli.PortalOpt = LOCAL,
        directory: DirOpt = Path("migrations"),
        config: cli.ConfigOpt = None,
    ) -> None:
        """Which migrations this portal has run (recorded in the portal) and which are pending."""

        def body() -> int:
            from hs_japan.migrate import find_migrations, status
            from hs_japan.portal.read import portal_info
            from hs_japan.portal.session import open_portal

            migrations = find_migrations(directory)
            profile = load_profile(portal, config, None)
            with open_portal(profile) as client:
                info = portal_info(client.get_account_details())
                check_portal(profile, info.portal_id, info.account_type)
                state = status(client, migrations)
            typer.echo(
                f"Portal {info.portal_id} ({info.account_type}): {len(state.applied)} applied, "
                f"{len(state.pending)} pending"
            )
            for a in state.applied:
                typer.echo(f"  applied  {a.id}  sha256 {a.checksum[:12]}  at {a.at}")
            for m in state.pending:
                typer.echo(f"  pending  {m.id}")
            for mid in state.changed:
                cli._err(f"warning: {mid} changed since it was applied (checksum differs)")
            for mid in state.unknown:
                cli._err(f"note: {mid} was applied to this portal but is not in {directory}")
            return 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)

    @migrate_app.command("up")
    def up_command(
        portal: cli.PortalOpt = LOCAL,
        directory: DirOpt = Path("migrations"),
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Count what would change; write nothing.")
        ] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
        confirm_portal: Annotated[
            int | None,
            typer.Option("--confirm-portal", help="Portal id: required for a STANDARD account."),
        ] = None,
        config: cli.ConfigOpt = None,
    ) -> None:
        """Run the pending migrations in order (resumable; each is recorded when done)."""

        def body() -> int:
            from hs_japan.errors import ApplyRefused
            from hs_japan.migrate import find_migrations, run_pending, status
            from hs_japan.portal.lock import PortalLock
            from hs_japan.portal.read import portal_info
            from hs_japan.portal.session import open_portal

            migrations = find_migrations(directory)
            profile = load_profile(portal, config, None)
            with open_portal(profile) as client:
                info = portal_info(client.get_account_details())
                check_portal(profile, info.portal_id, info.account_type)
                pending = status(client, migrations).pending
                if not pending:
                    typer.echo(f"Portal {info.portal_id}: no pending migrations.")
                    return 0
                typer.echo(
                    f"Portal {info.portal_id} ({info.account_type}): "
                    f"{len(pending)} pending: {', '.join(m.id for m in pending)}"
                )
                if dry_run:
                    run_pending(client, migrations, True, typer.echo)
                    return 0
                if (
                    info.account_type == "STANDARD"
                    and profile.confirm_production
                    and confirm_portal != info.portal_id
                ):
                    raise ApplyRefused(
                        f"portal {info.portal_id} is a production (STANDARD) account: pass "
                        f"--confirm-portal {info.portal_id} (nothing was written)"
                    )
                if not yes:
                    if not sys.stdin.isatty():
                        raise ApplyRefused("no terminal to confirm on; pass --yes")
                    if not typer.confirm("Run them? They move record data"):
                        raise ApplyRefused("cancelled; nothing was written")
                with PortalLock(client, portal_hint=portal):
                    ran = run_pending(client, migrations, False, typer.echo)
            typer.echo(f"Applied {len(ran)} migration(s); recorded in the portal.")
            return 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)
