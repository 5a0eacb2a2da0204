"""``hs-japan export`` and ``hs-japan clone`` (clone = export, then apply, then the
migration record)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hs_japan.commands._common import Target
from hs_japan.errors import ConfigError
from hs_japan.ui import UI

if TYPE_CHECKING:  # imported where used: loading the CLI never imports the HubSpot SDK
    from hs_japan.portal.client import PortalClient


def read_dump(
    client: PortalClient, objects: tuple[str, ...], with_flows: bool, with_lists: bool = True
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


def _csv(value: str | None, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    if not value:
        return allowed
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise ConfigError(f"--{what}: unknown {', '.join(unknown)} (known: {', '.join(allowed)})")
    return items


@dataclass(frozen=True)
class ExportOptions:
    out: Path
    target: Target = field(default_factory=Target)
    objects: str | None = None  # comma-separated object types
    kinds: str | None = None  # comma-separated kinds
    include_hubspot_defined: bool = False
    force: bool = False


@dataclass
class Exported:
    """What an export wrote: counts per kind, and what it had to leave out."""

    portal_id: int
    counts: dict[str, int]
    skipped: list[str]


def run_export(opts: ExportOptions, ui: UI) -> Exported:
    """Write a portal's configuration as blueprint YAML into ``opts.out``."""
    from hs_japan.config import check_portal
    from hs_japan.exporter import KINDS, NOT_IN_HUBSPOT, export, write_export
    from hs_japan.portal.session import open_portal
    from hs_japan.resources import OBJECT_TYPES

    profile = opts.target.profile()
    chosen = _csv(opts.objects, OBJECT_TYPES, "objects")
    chosen_kinds = _csv(opts.kinds, KINDS, "kinds")
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
        include_hubspot_defined=opts.include_hubspot_defined,
    )
    try:
        write_export(result, opts.out, opts.force)
    except FileExistsError as exc:
        raise ConfigError(str(exc)) from None
    summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.counts.items())
    ui.echo(f"Exported portal {dump.portal_id} to {opts.out}: {summary}.")
    for line in result.skipped:
        ui.err(f"left out: {line}")
    ui.err(
        "not in HubSpot, so not exported: "
        + "; ".join(NOT_IN_HUBSPOT)
        + ". To carry them, apply the original blueprint to the target instead."
    )
    return Exported(int(dump.portal_id), dict(result.counts), list(result.skipped))


CLONE_INCOMPLETE = 3  # exit code: something of the source could not be copied


@dataclass(frozen=True)
class CloneOptions:
    source: str
    target: str
    out: Path | None = None  # keep the exported blueprint here
    yes: bool = False
    allow_destroy: bool = False
    confirm_portal: int | None = None
    config: Path | None = None
    language: str | None = None


def copy_migrations(opts: CloneOptions, ui: UI) -> None:
    """The target has the source's configuration: it has "run" its migrations too."""
    from hs_japan.migrate import read_applied, record_applied
    from hs_japan.portal.session import open_portal

    def profile(name: str) -> Any:
        return Target(name, opts.config, opts.language).profile()

    with open_portal(profile(opts.source)) as client:
        ran = read_applied(client)
    if ran:
        with open_portal(profile(opts.target)) as client:
            known = {a.id for a in read_applied(client)}
            record_applied(client, [*read_applied(client), *(a for a in ran if a.id not in known)])
        ui.echo(f"Recorded {len(ran)} applied migration(s) of '{opts.source}' on '{opts.target}'.")


def run_clone(opts: CloneOptions, ui: UI) -> int:
    """Export ``source``, apply it to ``target`` with apply's guards, verify, copy the
    migration record. Exit 0 complete, 3 when something could not be copied, else
    apply's exit code."""
    from hs_japan.commands.apply import ApplyOptions, run_apply

    if opts.source == opts.target:
        raise ConfigError("--from and --to name the same portal")
    tmp = None if opts.out is not None else tempfile.TemporaryDirectory(prefix="hs-japan-clone-")
    workdir = opts.out if opts.out is not None else Path(tmp.name if tmp else ".")
    exported: Exported | None = None
    try:
        if opts.out is None or not any(workdir.glob("*.y*ml")):
            exported = run_export(
                ExportOptions(out=workdir, target=Target(opts.source, opts.config, opts.language)),
                ui,
            )
        ui.echo(f"Applying the export of '{opts.source}' ({workdir}) to '{opts.target}':")
        code = run_apply(
            ApplyOptions(
                blueprint=workdir,
                portals=[opts.target],
                yes=opts.yes,
                allow_destroy=opts.allow_destroy,
                confirm_portals=() if opts.confirm_portal is None else (opts.confirm_portal,),
                config=opts.config,
                language=opts.language,
                verified_note="Verified: a fresh read of the target plans no changes for what "
                "was copied.",
            ),
            ui,
        )
        if code:
            return code
    finally:
        if tmp is not None:
            tmp.cleanup()
    copy_migrations(opts, ui)
    counts = exported.counts if exported else {}
    skipped = exported.skipped if exported else []
    if counts:
        copied = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
        ui.echo(f"Copied from '{opts.source}' to '{opts.target}': {copied or 'nothing'}.")
    if skipped:
        ui.err(
            f"Clone incomplete: {len(skipped)} item(s) of '{opts.source}' could not be copied "
            "(listed above as 'left out'); carry them by applying the original "
            f"blueprint to '{opts.target}'."
        )
        return CLONE_INCOMPLETE
    ui.echo(
        f"Clone complete: everything HubSpot holds of '{opts.source}''s managed configuration "
        f"is on '{opts.target}'. Blueprint-only content (expected days, funnel, patterns) "
        "is carried by applying the blueprint."
    )
    return 0
