"""The ``hs-japan`` command line: a thin typer layer over :mod:`hs_japan.commands`.

Each command parses its options into the command's options dataclass, calls the plain
function (``run_*(options, ui)``) through :func:`_run`, and turns the exit code it
returns into the process's. :func:`_run` is the one place errors become output: every
error a user can cause is printed as one line per problem on stderr with its exit code
(1 unless the error says otherwise) and no traceback (``--debug`` shows tracebacks and
HTTP retries).

Start-up is part of the interface (issue 14: ``validate`` ≤ 0.35 s): this module imports
typer and nothing heavy; each command imports its module when it runs, so ``validate``
never loads the portal, the engine or the HubSpot SDK (tests/unit/test_lazy_imports.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hs_japan import __version__
from hs_japan.defaults import DEFAULT_CONFIG, LOCAL

if TYPE_CHECKING:
    from hs_japan.commands._common import Target

app = typer.Typer(
    name="hs-japan",
    help="HubSpot configuration as code for B2B teams selling in Japan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
emulator_app = typer.Typer(help="The local HubSpot portal emulator.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")
portal_app = typer.Typer(
    help="Named portals on a running emulator (hs-japan emulator serve).",
    no_args_is_help=True,
)
emulator_app.add_typer(portal_app, name="portal")
migrate_app = typer.Typer(
    help="Versioned data migrations (migrations/NNNN_name.py).", no_args_is_help=True
)
app.add_typer(migrate_app, name="migrate")

_state: dict[str, bool] = {"debug": False}


class TerminalUI:
    """The commands' UI on a terminal: stdout, stderr, and questions on stdin."""

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug

    def echo(self, message: str = "", nl: bool = True) -> None:
        typer.echo(message, nl=nl)

    def err(self, message: str) -> None:
        typer.echo(message, err=True)

    def interactive(self) -> bool:
        return sys.stdin.isatty()

    def confirm(self, question: str) -> bool:
        return bool(typer.confirm(question))


def _ui() -> TerminalUI:
    return TerminalUI(debug=_state["debug"])


def _run(command: Callable[[], int | None]) -> None:
    """Run a command; map its exit code and errors to the process's (the only place).

    HsJapanError → its message (a BlueprintError: every ``file:line: field: message``),
    exit code ``exc.exit_code``; Ctrl-C → "interrupted", 130; anything else → one
    "internal error" line, 1. Tokens are masked; ``--debug`` adds the traceback."""
    try:
        code = command()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    except (BrokenPipeError, typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        from hs_japan.commands._common import error_line

        if _state["debug"]:
            import traceback

            from hs_japan.redact import redact

            typer.echo(redact(traceback.format_exc()).rstrip(), err=True)
        message, status = error_line(exc)
        typer.echo(message, err=True)
        raise typer.Exit(status) from None
    if code:
        raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hs-japan {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show tracebacks and an HTTP request log (tokens masked)."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    _state["debug"] = debug
    if debug:
        import logging

        from hs_japan.redact import install_log_redaction

        # hs_japan's own request log and urllib3's request lines ("GET /path" status);
        # never the SDK's http.client debug mode, which prints request headers
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(levelname)s %(name)s: %(message)s",
            force=True,
        )
        logging.getLogger("hs_japan").setLevel(logging.DEBUG)
        logging.getLogger("urllib3").setLevel(logging.DEBUG)
        install_log_redaction()


# -- the options several commands share --------------------------------------------------
BlueprintDir = Annotated[Path, typer.Argument(help="Blueprint directory (or one YAML file).")]
PortalOpt = Annotated[
    str,
    typer.Option(
        "--portal",
        "-p",
        help="Portal profile from hs-japan.toml; 'local' is the embedded emulator.",
    ),
]
PortalsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--portal",
        "-p",
        help="Portal profile from hs-japan.toml ('local' is the embedded emulator; the "
        "default). Give it more than once to roll out to a fleet: the portals run "
        "concurrently, each with its own client, lock and journal.",
    ),
]
LanguageOpt = Annotated[
    str | None,
    typer.Option("--language", help="Label language to write (ja|en); overrides the profile."),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Profile file (default: ./hs-japan.toml).")
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _target(portal: str, config: Path | None, language: str | None = None) -> Target:
    from hs_japan.commands._common import Target

    return Target(portal, config, language)


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class DoctorFormat(StrEnum):
    text = "text"
    json = "json"


# -- validate, plan, apply, unlock ---------------------------------------------------------
@app.command()
def validate(blueprint: BlueprintDir) -> None:
    """Check a blueprint offline; print every error as file:line: field: message."""
    from hs_japan.commands.validate import run_validate

    _run(lambda: run_validate(blueprint, _ui()))


@app.command()
def plan(
    blueprint: BlueprintDir,
    portal: PortalsOpt = None,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="Output format.")
    ] = Format.text,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Save the plan for 'apply --plan' (with --format json, print only a summary).",
        ),
    ] = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode", help="Exit 0 when there are no changes, 2 when there are."
        ),
    ] = False,
    config: ConfigOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Read the portal and show what apply would change (nothing is written)."""
    from hs_japan.commands.plan import PlanOptions, run_plan

    opts = PlanOptions(
        blueprint, portal, output_format.value, out, detailed_exitcode, config, language
    )
    _run(lambda: run_plan(opts, _ui()))


@app.command()
def apply(
    blueprint: BlueprintDir,
    portal: PortalsOpt = None,
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan", help="Apply a saved plan; refused if the portal or blueprint moved on."
        ),
    ] = None,
    yes: YesOpt = False,
    allow_destroy: Annotated[
        bool, typer.Option("--allow-destroy", help="Allow deletes, replaces and option removals.")
    ] = False,
    allow_data_loss: Annotated[
        bool,
        typer.Option(
            "--allow-data-loss",
            help="Also allow destructive changes that drop values records hold.",
        ),
    ] = False,
    confirm_portal: Annotated[
        list[int] | None,
        typer.Option(
            "--confirm-portal",
            help="Portal id: required to apply to a STANDARD (production) account "
            "(once per production portal of a fleet).",
        ),
    ] = None,
    config: ConfigOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Plan, confirm, write the changes in dependency order, then verify convergence."""
    from hs_japan.commands.apply import ApplyOptions, run_apply

    opts = ApplyOptions(
        blueprint,
        portal,
        plan_file,
        yes=yes,
        allow_destroy=allow_destroy,
        allow_data_loss=allow_data_loss,
        confirm_portals=tuple(confirm_portal or ()),
        config=config,
        language=language,
    )
    _run(lambda: run_apply(opts, _ui()))


@app.command()
def unlock(
    portal: PortalOpt = LOCAL,
    yes: YesOpt = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Break it even if its apply still runs on this machine."),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Show the portal's apply lock and break it (only when no apply is running)."""
    from hs_japan.commands.unlock import UnlockOptions, run_unlock

    opts = UnlockOptions(_target(portal, config), yes=yes, force=force)
    _run(lambda: run_unlock(opts, _ui()))


# -- the emulator: serve, portal create --------------------------------------------------
@emulator_app.command("serve")
def emulator_serve(
    host: Annotated[str, typer.Option(help="Loopback address to bind.")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(envvar="HS_JAPAN_EMULATOR_PORT", help="Port (0 picks a free one)."),
    ] = 8765,
    data: Annotated[Path, typer.Option(help="State directory (SQLite).")] = Path(
        ".hs-japan/emulator"
    ),
    latency_ms: Annotated[
        int,
        typer.Option("--latency-ms", help="Added to every HubSpot API response (ms, 0 or more)."),
    ] = 0,
    fault_seed: Annotated[
        int, typer.Option("--fault-seed", help="Seed for probabilistic faults (reproducible).")
    ] = 0,
    rate_limits: Annotated[
        bool,
        typer.Option(
            "--rate-limits/--no-rate-limits", help="Enforce HubSpot's per-tier rate limits."
        ),
    ] = True,
) -> None:
    """Serve the local HubSpot portal emulator in the foreground until Ctrl-C.

    Portals, faults and limits are managed through the control API under /_emulator/
    (see docs/emulator.md).
    """
    from hs_japan.commands.emulator_portal import ServeOptions, run_serve

    opts = ServeOptions(host, port, data, latency_ms, fault_seed, rate_limits)
    _run(lambda: run_serve(opts))


@portal_app.command("create")
def create(
    name: Annotated[
        str, typer.Argument(help="Profile name, e.g. sandbox; --portal NAME then uses it.")
    ],
    url: Annotated[
        str,
        typer.Option(
            "--url",
            envvar="HS_JAPAN_EMULATOR_URL",
            help="The running emulator (hs-japan emulator serve).",
        ),
    ] = "http://127.0.0.1:8765",  # commands.emulator_portal.DEFAULT_URL
    account_type: Annotated[
        str, typer.Option("--account-type", help="SANDBOX, STANDARD, DEVELOPER_TEST, …")
    ] = "SANDBOX",
    tier: Annotated[
        str, typer.Option("--tier", help="free, starter, professional, enterprise, api_add_on.")
    ] = "enterprise",
    language: Annotated[
        str, typer.Option("--language", help="Label language the profile writes (ja|en).")
    ] = "ja",
    config: Annotated[
        Path, typer.Option("--config", help="Profile file to write (default: ./hs-japan.toml).")
    ] = DEFAULT_CONFIG,
) -> None:
    """Create a portal on a running emulator and write its profile to hs-japan.toml.

    Prints the export line for its token on stdout (everything else goes to stderr), so
    eval "$(hs-japan emulator portal create sandbox)" sets it in the current shell.
    """
    from hs_japan.commands.emulator_portal import CreateOptions, run_create

    opts = CreateOptions(name, url, account_type, tier, language, config)
    _run(lambda: run_create(opts, _ui()))


# -- export, clone ---------------------------------------------------------------------
@app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the blueprint.")],
    portal: PortalOpt = LOCAL,
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
    config: ConfigOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Write a portal's configuration as blueprint YAML (the format users write)."""
    from hs_japan.commands.export_clone import ExportOptions, run_export

    opts = ExportOptions(
        out, _target(portal, config, language), objects, kinds, include_hubspot_defined, force
    )

    def export() -> int:
        run_export(opts, _ui())
        return 0

    _run(export)


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
        typer.Option("--confirm-portal", help="Target portal id: required for a STANDARD account."),
    ] = None,
    config: ConfigOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Export one portal and apply it to another, with apply's guards; then verify.

    Reports what was copied and what could not be: a clone with something left out
    is never called complete (exit 3)."""
    from hs_japan.commands.export_clone import CloneOptions, run_clone

    opts = CloneOptions(source, target, out, yes, allow_destroy, confirm_portal, config, language)
    _run(lambda: run_clone(opts, _ui()))


# -- migrate status | up ---------------------------------------------------------------
DirOpt = Annotated[Path, typer.Option("--dir", help="Directory of NNNN_name.py migrations.")]


@migrate_app.command("status")
def migrate_status(
    portal: PortalOpt = LOCAL,
    directory: DirOpt = Path("migrations"),
    config: ConfigOpt = None,
) -> None:
    """Which migrations this portal has run (recorded in the portal) and which are pending."""
    from hs_japan.commands.migrate import MigrateOptions, run_status

    opts = MigrateOptions(_target(portal, config), directory)
    _run(lambda: run_status(opts, _ui()))


@migrate_app.command("up")
def migrate_up(
    portal: PortalOpt = LOCAL,
    directory: DirOpt = Path("migrations"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would change; write nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    confirm_portal: Annotated[
        int | None,
        typer.Option("--confirm-portal", help="Portal id: required for a STANDARD account."),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Run the pending migrations in order (resumable; each is recorded when done)."""
    from hs_japan.commands.migrate import MigrateOptions, run_up

    opts = MigrateOptions(_target(portal, config), directory, dry_run, yes, confirm_portal)
    _run(lambda: run_up(opts, _ui()))


# -- design documents: docs, graph, schema, init ----------------------------------------
DesignLanguageOpt = Annotated[str, typer.Option("--language", help="ja or en.")]


@app.command()
def docs(
    blueprint: BlueprintDir,
    out: Annotated[Path, typer.Option("--out", "-o", help="Markdown file to write.")],
    language: DesignLanguageOpt = "ja",
) -> None:
    """Write the playbook: funnel stages, stage criteria, rules, KPIs, UI checklist."""
    from hs_japan.commands.design import run_docs

    _run(lambda: run_docs(blueprint, out, language, _ui()))


@app.command()
def graph(
    blueprint: BlueprintDir,
    out: Annotated[Path, typer.Option("--out", "-o", help="SVG file to write.")],
    language: DesignLanguageOpt = "ja",
) -> None:
    """Draw the funnel and the deal pipeline as an SVG that opens in a browser."""
    from hs_japan.commands.design import run_graph

    _run(lambda: run_graph(blueprint, out, language, _ui()))


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (default: stdout).")] = None,
) -> None:
    """Print the JSON Schema of blueprint files (for editor validation/completion)."""
    from hs_japan.commands.design import run_schema, schema_text

    if out is None:
        typer.echo(schema_text(), nl=False)
        return
    _run(lambda: run_schema(out, _ui()))


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="New configuration repository.")],
    template: Annotated[
        str, typer.Option("--template", help="Blueprint template to start from.")
    ] = "japan-enterprise",
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty dir.")] = False,
    package: Annotated[
        str | None,
        typer.Option(
            "--package",
            help="What CI installs (a pinned git URL or a wheel path); default: a wheel "
            "of this hs-japan vendored into the repository.",
        ),
    ] = None,
) -> None:
    """Scaffold a configuration repo: blueprint, profiles, .gitignore, CI example."""
    from hs_japan.commands.design import run_init

    _run(lambda: run_init(directory, template, force, package, _ui()))


# -- audit, report, emulator seed --------------------------------------------------------
PipelineOpt = Annotated[
    str | None, typer.Option("--pipeline", help="Deal pipeline id (default: the first).")
]
ReaderLanguageOpt = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="Language to read the output in (ja|en; default: the profile's). Labels "
        "only: drift is always judged against what apply writes.",
    ),
]


@app.command("audit")
def audit_command(
    blueprint: BlueprintDir,
    portal: PortalOpt = LOCAL,
    pipeline_id: PipelineOpt = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    config: ConfigOpt = None,
    language: ReaderLanguageOpt = None,
) -> None:
    """Deals missing their stage criteria, stalled past the expected time, without a
    decision-maker or champion; and configuration drift. Exit 2 when anything is found."""
    from hs_japan.commands.audit_report import AuditOptions, run_audit

    opts = AuditOptions(blueprint, _target(portal, config, language), pipeline_id, output_format)
    _run(lambda: run_audit(opts, _ui()))


@app.command("report")
def report_command(
    blueprint: BlueprintDir,
    portal: PortalOpt = LOCAL,
    pipeline_id: PipelineOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="HTML report file.")] = None,
    config: ConfigOpt = None,
    language: ReaderLanguageOpt = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Leading indicators: stage conversion, time in stage against the expected ranges,
    weighted pipeline, win rate and sales cycle, per owner, per month and fiscal
    quarter, lead sources, ringi and budget mix."""
    from hs_japan.commands.audit_report import AuditOptions, run_report

    opts = AuditOptions(
        blueprint, _target(portal, config, language), pipeline_id, output_format, out=out
    )
    _run(lambda: run_report(opts, _ui()))


@emulator_app.command("seed")
def seed_command(
    blueprint: BlueprintDir,
    portal: PortalOpt = LOCAL,
    pipeline_id: PipelineOpt = None,
    deals: Annotated[
        int, typer.Option("--deals", min=1, max=5000, help="How many deals to make.")
    ] = 200,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")
    ] = 7,
    config: ConfigOpt = None,
) -> None:
    """Fill an emulator portal with 18 months of Japan enterprise deals (apply first)."""
    from hs_japan.commands.audit_report import SeedOptions, run_seed

    opts = SeedOptions(blueprint, _target(portal, config), pipeline_id, deals, seed)
    _run(lambda: run_seed(opts, _ui()))


# -- doctor ------------------------------------------------------------------------------
@app.command()
def doctor(
    blueprint: Annotated[
        Path | None,
        typer.Argument(help="Blueprint directory (or one YAML file); none: portal only."),
    ] = None,
    portal: PortalOpt = LOCAL,
    output_format: Annotated[
        DoctorFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DoctorFormat.text,
    config: ConfigOpt = None,
    language: LanguageOpt = None,
) -> None:
    """Check, without writing, that the token, subscription and portal allow the
    blueprint: every missing scope, tier, limit, owner and name problem at once.
    Exit 0 when ready, 1 otherwise."""
    from hs_japan.commands.doctor import DoctorOptions, run_doctor

    opts = DoctorOptions(blueprint, _target(portal, config, language), output_format.value)
    _run(lambda: run_doctor(opts, _ui()))


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # output piped into head & co.: stop quietly, like other tools
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    main()
