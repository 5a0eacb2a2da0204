"""The ``hs-japan`` command line: parse arguments, call one core function, render.

Every error a user can cause is printed as one line per problem on stderr with exit
code 1 and no traceback (``--debug`` shows tracebacks and HTTP retries).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from hs_japan import __version__
from hs_japan.commands import register_all
from hs_japan.commands.emulator_portal import portal_app
from hs_japan.config import LOCAL, Profile, check_portal, load_profile, state_home
from hs_japan.errors import (
    ApplyRefused,
    BlueprintError,
    ConfigError,
    HsJapanError,
    PortalError,
)
from hs_japan.redact import install_log_redaction, redact
from hs_japan.reserved import LEGACY_LOCK_GROUP, LOCK_GROUP

if TYPE_CHECKING:  # imported where used: offline commands never import the HubSpot SDK
    from hs_japan.blueprint.model import Blueprint
    from hs_japan.engine import PlanResult
    from hs_japan.portal.client import PortalClient
    from hs_japan.portal.lock import PortalLock
    from hs_japan.resources import PortalInfo

app = typer.Typer(
    name="hs-japan",
    help="HubSpot configuration as code for B2B teams selling in Japan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
emulator_app = typer.Typer(help="The local HubSpot portal emulator.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")
emulator_app.add_typer(portal_app, name="portal")

_state: dict[str, object] = {"debug": False}
T = TypeVar("T")


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _count(n: int, noun: str) -> str:
    """``1 change``, ``2 changes``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str, code: int = 1) -> NoReturn:
    _err(message)
    raise typer.Exit(code)


def _guard(fn: Callable[[], T]) -> T:
    """Run a command body; turn errors into one-line messages and exit code 1."""
    try:
        return fn()
    except BlueprintError as exc:  # already file:line: field: message, one per line
        _debug_traceback()
        _fail(redact(str(exc)), exc.exit_code)
    except HsJapanError as exc:
        _debug_traceback()
        _fail(redact(f"error: {exc}"), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        raise
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        _debug_traceback()
        _fail(
            redact(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)")
        )


def _debug_traceback() -> None:
    """With --debug, the traceback of the error being handled (tokens masked)."""
    if _state["debug"]:
        _err(redact(traceback.format_exc()).rstrip())


def _guard_for(profile: Profile) -> Callable[[PortalInfo], None]:
    return lambda info: check_portal(profile, info.portal_id, info.account_type)


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


BlueprintDir = Annotated[Path, typer.Argument(help="Blueprint directory (or one YAML file).")]
PortalOpt = Annotated[
    str,
    typer.Option(
        "--portal",
        "-p",
        help="Portal profile from hs-japan.toml; 'local' is the embedded emulator.",
    ),
]
LanguageOpt = Annotated[
    str | None,
    typer.Option("--language", help="Label language to write (ja|en); overrides the profile."),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Profile file (default: ./hs-japan.toml).")
]


@app.command()
def validate(blueprint: BlueprintDir) -> None:
    """Check a blueprint offline; print every error as file:line: field: message."""

    def body() -> None:
        from hs_japan.blueprint import load_blueprint

        bp = load_blueprint(blueprint)
        parts = [
            (len(bp.property_groups), "property group", "property groups"),
            (len(bp.properties), "property", "properties"),
            (len(bp.pipelines), "pipeline", "pipelines"),
            (len(bp.lists), "list", "lists"),
            (len(bp.follow_up_rules), "follow-up rule", "follow-up rules"),
            (len(bp.association_labels), "association label", "association labels"),
            (len(bp.property_validations), "property validation", "property validations"),
        ]
        counts = ", ".join(
            f"{n} {one if n == 1 else many}" for n, one, many in parts if n or one == "property"
        )
        typer.echo(f"{bp.root}: valid ({len(bp.files)} files; {counts})")

    _guard(body)


def _preflight(bp: Blueprint, client: PortalClient, language: Any, what: str) -> None:
    """doctor's checks (docs/doctor.md): refuse with its whole report when not ready."""
    from hs_japan.doctor import refuse_unless_ready
    from hs_japan.portal.probe import gather_facts

    refuse_unless_ready(bp, language, gather_facts(client, bp), what)


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


def _portal_names(given: list[str] | None) -> list[str]:
    names = list(given or [LOCAL])
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        _fail(f"error: --portal {', '.join(twice)} given more than once")
    return names


class _Out:
    """Where one portal's output goes: straight to the terminal (one portal), or into a
    block printed whole once the portal is done (a fleet: no interleaved lines)."""

    def __init__(self, buffered: bool = False) -> None:
        self.parts: list[tuple[str, bool]] | None = [] if buffered else None

    def echo(self, message: str = "", nl: bool = True) -> None:
        if self.parts is None:
            typer.echo(message, nl=nl)
        else:
            self.parts.append((message + ("\n" if nl else ""), False))

    def err(self, message: str) -> None:
        if self.parts is None:
            _err(message)
        else:
            self.parts.append((message + "\n", True))

    def stdout(self) -> str:
        return "".join(text for text, is_err in self.parts or () if not is_err)

    def flush(self, stderr_only: bool = False) -> None:
        for text, is_err in self.parts or ():
            if is_err or not stderr_only:
                typer.echo(text, nl=False, err=is_err)


@dataclass
class _Outcome:
    """One portal's result, for a fleet's summary table."""

    code: int
    changes: int | None = None
    portal_id: int | None = None
    result: str = ""


def _error_line(exc: BaseException) -> tuple[str, int]:
    """The one-line message and exit code _guard gives an error (a fleet's portals)."""
    if isinstance(exc, BlueprintError):
        return redact(str(exc)), exc.exit_code
    if isinstance(exc, HsJapanError):
        return redact(f"error: {exc}"), exc.exit_code
    return (
        redact(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)"),
        1,
    )


def _run_fleet(
    portals: list[str], one: Callable[[str, _Out], _Outcome], print_blocks: bool = True
) -> list[tuple[str, _Out, _Outcome]]:
    """Run ``one`` for every portal concurrently (a thread each); print each portal's
    block whole, in the order the portals were given, as soon as it and those before it
    are done."""
    from concurrent.futures import ThreadPoolExecutor

    def run(name: str) -> tuple[_Out, _Outcome]:
        out = _Out(buffered=True)
        try:
            return out, one(name, out)
        except Exception as exc:
            if _state["debug"]:
                out.err(redact(traceback.format_exc()).rstrip())
            message, code = _error_line(exc)
            out.err(message)
            refused = isinstance(exc, ApplyRefused)
            return out, _Outcome(code or 1, result="refused" if refused else "error")

    pool = ThreadPoolExecutor(max_workers=len(portals), thread_name_prefix="portal")
    done: list[tuple[str, _Out, _Outcome]] = []
    try:
        futures = [(name, pool.submit(run, name)) for name in portals]
        for name, future in futures:
            out, outcome = future.result()
            if print_blocks:
                typer.echo(f"=== portal '{name}' ===")
                out.flush()
                typer.echo("")
            done.append((name, out, outcome))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return done


def _summary(done: list[tuple[str, _Out, _Outcome]]) -> str:
    rows = [("portal", "portal id", "changes", "result")] + [
        (
            name,
            "-" if o.portal_id is None else str(o.portal_id),
            "-" if o.changes is None else str(o.changes),
            o.result,
        )
        for name, _, o in done
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"Fleet: {_count(len(done), 'portal')}"] + [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]
    return "\n".join(lines) + "\n"


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
    portals = _portal_names(portal)

    def plan_one(name: str, bp: Blueprint, o: _Out) -> _Outcome:
        from hs_japan.engine import make_plan
        from hs_japan.plan.planfile import save_plan
        from hs_japan.plan.render import RENDERERS, summary_line
        from hs_japan.portal.session import open_portal

        profile = load_profile(name, config, language)
        with open_portal(profile) as client:
            try:
                result = make_plan(bp, client, profile.language, _guard_for(profile))
            except PortalError as exc:
                if exc.status != 403:
                    raise
                # a scope or subscription refusal: say everything at once (doctor's report)
                _preflight(bp, client, profile.language, "plan")
                raise
        changed = not result.plan.empty
        outcome = _Outcome(
            2 if detailed_exitcode and changed else 0,
            len(result.plan.changes),
            result.plan.portal.portal_id,
            "changes" if changed else "no changes",
        )
        if out is not None and output_format is Format.json:
            # the file is the JSON: the terminal gets one line, not thousands
            save_plan(out, result.plan, result.fingerprints)
            o.echo(
                f"{summary_line(result.plan)} Saved to {out}; apply it with: "
                f"hs-japan apply {blueprint} --portal {name} --plan {out}"
            )
            return outcome
        o.echo(RENDERERS[output_format.value](result.plan), nl=False)
        if out is not None:
            save_plan(out, result.plan, result.fingerprints)
            o.err(
                f"Saved plan to {out}; apply it with: hs-japan apply {blueprint} "
                f"--portal {name} --plan {out}"
            )
        return outcome

    def body() -> int:
        from hs_japan.blueprint import load_blueprint
        from hs_japan.plan.planfile import check_plan_target

        if out is not None:
            check_plan_target(out)  # before any read: a directory, missing folder, read-only
        bp = load_blueprint(blueprint)
        return plan_one(portals[0], bp, _Out()).code

    def fleet() -> int:
        import json

        from hs_japan.blueprint import load_blueprint

        if out is not None:
            raise ConfigError(
                "--out saves the plan of one portal: give a single --portal to save a plan"
            )
        bp = load_blueprint(blueprint)  # once: a broken blueprint fails before any read
        as_json = output_format is Format.json
        done = _run_fleet(portals, lambda name, o: plan_one(name, bp, o), not as_json)
        if as_json:  # one JSON document: each portal's plan (null on error) and the summary
            for _, o, _ in done:
                o.flush(stderr_only=True)
            typer.echo(
                json.dumps(
                    {
                        "portals": [
                            {
                                "profile": name,
                                "portalId": oc.portal_id,
                                "changes": oc.changes,
                                "result": oc.result,
                                "plan": json.loads(o.stdout()) if o.stdout().strip() else None,
                            }
                            for name, o, oc in done
                        ]
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            typer.echo(_summary(done), nl=False)
        if any(oc.result in ("error", "refused") for _, _, oc in done):
            return 1
        return 2 if detailed_exitcode and any(oc.changes for _, _, oc in done) else 0

    code = _guard(body if len(portals) == 1 else fleet)
    if code:
        raise typer.Exit(code)


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
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
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

    from hs_japan.apply import ApplyHooks
    from hs_japan.blueprint import load_blueprint
    from hs_japan.engine import apply_plan, make_plan, still_current
    from hs_japan.journal import Journal, interrupted
    from hs_japan.plan.planfile import compare_saved, load_saved
    from hs_japan.plan.render import render_text
    from hs_japan.portal.lock import PortalLock
    from hs_japan.portal.read import portal_info
    from hs_japan.portal.session import open_portal

    portals = _portal_names(portal)
    confirmed = set(confirm_portal or ())

    def apply_one(name: str, bp: Blueprint, saved: dict[str, Any] | None, o: _Out) -> _Outcome:
        profile = load_profile(name, config, language)
        with open_portal(profile) as client:
            # vet the portal before anything is written to it, even the lock
            info = portal_info(client.get_account_details())
            check_portal(profile, info.portal_id, info.account_type)
            if (
                info.account_type == "STANDARD"
                and profile.confirm_production
                and info.portal_id not in confirmed
            ):
                raise ApplyRefused(
                    f"portal {info.portal_id} ({info.name or 'unnamed'}) is a production "
                    f"(STANDARD) account: pass --confirm-portal {info.portal_id} to apply to it "
                    "(nothing was written)"
                )
            # every scope, tier and limit problem at once, before anything is written
            _preflight(bp, client, profile.language, "apply")
            # a first, read-only plan: a blueprint that references something the portal
            # lacks, or a portal that already matches, never touches the lock
            first = make_plan(bp, client, profile.language, info=info)
            if first.plan.empty and saved is None:
                o.echo(render_text(first.plan), nl=False)
                return _Outcome(0, 0, info.portal_id, "no changes")
            if saved is not None:  # a stale saved plan is refused before the lock is taken
                _refuse_stale(saved, first)
            with PortalLock(client, portal_hint=name) as lock:
                # re-planned under the lock: what is shown and confirmed is what is applied
                return _apply_locked(bp, profile, client, info, saved, lock, first, o)

    def _refuse_stale(saved: dict[str, Any], planned: Any) -> None:
        reasons = compare_saved(saved, planned.plan, planned.fingerprints)
        if reasons:
            raise ApplyRefused(
                f"the saved plan {plan_file} is stale; nothing was written:\n"
                + "\n".join(f"  - {r}" for r in reasons)
                + "\nrun plan again and review the new plan"
            )

    def _apply_locked(
        bp: Blueprint,
        profile: Profile,
        client: PortalClient,
        info: PortalInfo,
        saved: dict[str, Any] | None,
        lock: PortalLock,
        first: PlanResult,
        o: _Out,
    ) -> _Outcome:
        # under the lock: when targeted reads show the portal as the first plan read it,
        # that plan is what is shown and applied; else (or for a saved plan) plan again
        if saved is None and still_current(first, client):
            result = first
        else:
            result = make_plan(bp, client, profile.language, info=info)
        p = result.plan.portal
        if saved is not None:  # again under the lock: the portal may have moved meanwhile
            _refuse_stale(saved, result)
        journal_root = state_home() / "journal"
        previous = interrupted(journal_root, p.portal_id)
        for prev in previous:
            o.err(f"note: {prev.describe()}")
        o.echo(render_text(result.plan), nl=False)
        if result.plan.empty:
            return _Outcome(0, 0, p.portal_id, "no changes")
        blocked = result.plan.blocked
        if blocked:
            raise ApplyRefused(
                f"{len(blocked)} change(s) are blocked; nothing was written:\n"
                + "\n".join(f"  - {c.kind.value} {c.key}: {c.blocked}" for c in blocked)
            )
        destructive = result.plan.destructive
        if destructive and not allow_destroy:
            raise ApplyRefused(
                f"{len(destructive)} destructive change(s) need --allow-destroy; "
                "nothing was written: "
                + ", ".join(f"{c.action.glyph} {c.key}" for c in destructive)
            )
        losing = result.plan.data_loss
        if losing and not allow_data_loss:
            raise ApplyRefused(
                f"{len(losing)} change(s) would lose values that records hold; review the "
                "counts in the plan and pass --allow-data-loss as well (nothing was written): "
                + ", ".join(
                    f"{c.key} ({'?' if c.records is None else c.records} records)" for c in losing
                )
            )
        if not yes and saved is None:
            if not sys.stdin.isatty():
                raise ApplyRefused(
                    "no terminal to confirm on; review the plan and pass "
                    "--yes (nothing was written)"
                )
            if not typer.confirm(
                f"Apply {_count(len(result.plan.changes), 'change')} to portal "
                f"{p.portal_id} ({p.account_type})?"
            ):
                raise ApplyRefused("cancelled; nothing was written")
        journal = Journal(journal_root, p.portal_id)
        journal.begin(result.plan)
        for prev in previous:
            journal.recovered(prev.path)
        hooks = ApplyHooks(intent=journal.intent, done=journal.done, tick=lock.touch)
        o.echo("Applying:")
        try:
            outcome = apply_plan(result, bp, client, profile.language, o.echo, hooks)
        except BaseException as exc:
            journal.end(converged=None, error=f"{type(exc).__name__}: {exc}")
            raise
        journal.end(converged=outcome.converged)
        o.echo(f"Applied {_count(len(outcome.report.done), 'change')}.")
        applied = len(outcome.report.done)
        if outcome.converged:
            o.echo(
                str(
                    _state.get("verified_note")
                    or "Verified: a fresh read of the portal plans no changes (converged)."
                )
            )
            return _Outcome(0, applied, p.portal_id, "applied, converged")
        o.err("Not converged: the portal still differs after apply:")
        o.err(render_text(outcome.after.plan))
        return _Outcome(1, applied, p.portal_id, "not converged")

    def body() -> int:
        bp = load_blueprint(blueprint)
        load_profile(portals[0], config, language)  # a profile error before the plan file's
        saved = load_saved(plan_file) if plan_file else None
        return apply_one(portals[0], bp, saved, _Out()).code

    def fleet() -> int:
        if plan_file is not None:
            raise ConfigError("--plan applies the saved plan of one portal: give a single --portal")
        if not yes:
            raise ApplyRefused(
                f"a fleet apply ({_count(len(portals), 'portal')}) does not ask on the "
                "terminal: review each portal's plan (hs-japan plan with the same --portal "
                "options) and pass --yes (nothing was written)"
            )
        bp = load_blueprint(blueprint)  # once: a broken blueprint fails before any read
        done = _run_fleet(portals, lambda name, o: apply_one(name, bp, None, o))
        typer.echo(_summary(done), nl=False)
        return 1 if any(oc.code for _, _, oc in done) else 0

    code = _guard(body if len(portals) == 1 else fleet)
    if code:
        raise typer.Exit(code)


@app.command()
def unlock(
    portal: PortalOpt = LOCAL,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Break it even if its apply still runs on this machine."),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Show the portal's apply lock and break it (only when no apply is running)."""

    def body() -> int:
        from hs_japan.portal.lock import break_lock, read_lock
        from hs_japan.portal.read import portal_info
        from hs_japan.portal.session import open_portal

        profile = load_profile(portal, config, None)
        with open_portal(profile) as client:
            info = portal_info(client.get_account_details())
            check_portal(profile, info.portal_id, info.account_type)
            group = LOCK_GROUP
            held = read_lock(client)
            if held is None:  # an apply lock taken by hs-japan before 0.2 (hs_ prefix)
                held = read_lock(client, LEGACY_LOCK_GROUP)
                group = LEGACY_LOCK_GROUP
            if held is None:
                typer.echo(f"Portal {info.portal_id} has no apply lock.")
                return 0
            typer.echo(f"Portal {info.portal_id}: apply lock {held.describe()}.")
            if held.holder_is_running_here() and not force:
                raise ApplyRefused(
                    "that apply is still running on this machine; breaking its lock would let "
                    "two applies write at once (duplicates). Wait for it, stop it, or pass "
                    "--force if you are sure"
                )
            if not yes:
                if not sys.stdin.isatty():
                    raise ApplyRefused("no terminal to confirm on; pass --yes to break the lock")
                if not typer.confirm("Break it? Only do this if that apply is not running"):
                    raise ApplyRefused("cancelled; the lock is still held")
            break_lock(client, group)
            typer.echo("Lock broken.")
        return 0

    code = _guard(body)
    if code:
        raise typer.Exit(code)


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

    def body() -> None:
        from hubspot_emulator import serve
        from hubspot_emulator.server import check_options

        try:  # out-of-range flags: one line, before anything is created
            check_options(host, port, latency_ms)
            data.mkdir(parents=True, exist_ok=True)
        except ValueError as exc:
            raise HsJapanError(str(exc)) from None
        except OSError as exc:
            raise HsJapanError(
                f"cannot use {data} as the state directory: {exc.strerror}"
            ) from None
        try:
            serve(
                host,
                port,
                data,
                latency_ms=latency_ms,
                seed=fault_seed,
                rate_limits=rate_limits,
            )
        except ValueError as exc:
            raise HsJapanError(str(exc)) from None
        except OSError as exc:
            raise HsJapanError(f"cannot serve on {host}:{port}: {exc.strerror}") from None

    _guard(body)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # output piped into head & co.: stop quietly, like other tools
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


register_all(app)  # export, clone, migrate, audit, report, … (hs_japan/commands/)


if __name__ == "__main__":
    main()
