"""Versioned data migrations: ``migrations/NNNN_name.py`` files with ``upgrade(ctx)``.

Blueprints describe configuration; a change that must move data (renaming a property,
removing a stage that holds deals, remapping option values) is a migration. Applied
migrations are recorded **in the portal**, so every machine and every clone sees them: a
hidden contact property ``hsjapan_migrations`` (``hs_japan_migrations`` before 0.2) whose
options are the applied migration ids, each labelled with the file's sha256 and the time
it ran. (HubSpot has no key-value store; an enumeration property is the durable,
API-visible place closest to one, and plans ignore it because no blueprint names it.)

Every operation is resumable and idempotent: it works on "records still to do" found by
search (never by offsets), so a crash midway and a re-run give the same result. A dry
run counts what each operation would touch and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from hs_japan.errors import HsJapanError, PortalError
from hs_japan.portal.client import PortalClient
from hs_japan.portal.properties import (
    archive_property,
    create_property,
    get_property,
    set_property_options,
)
from hs_japan.portal.records import BATCH, search_page, update_batch
from hs_japan.reserved import LEGACY_MIGRATION_RECORD, MIGRATION_RECORD

RECORD_OBJECT = "contacts"
RECORD_PROPERTY = MIGRATION_RECORD
RECORD_GROUP = "contactinformation"
FILE_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.py$")


class MigrationError(HsJapanError):
    pass


@dataclass(frozen=True)
class Migration:
    id: str  # file stem, e.g. 0001_rename_budget
    path: Path
    checksum: str


@dataclass(frozen=True)
class Applied:
    id: str
    checksum: str
    at: str


def find_migrations(directory: Path) -> list[Migration]:
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        if not FILE_RE.match(path.name):
            raise MigrationError(
                f"{path}: migration files are named NNNN_lowercase_name.py (e.g. 0001_rename.py)"
            )
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        found.append(Migration(path.stem, path, digest))
    ids = [m.id[:4] for m in found]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise MigrationError(f"{directory}: two migrations share the number {', '.join(dupes)}")
    return found


def _is_ours(directory: Path) -> bool:
    """A ``migrations/`` folder is hs-japan's when it is empty of Python files or its
    migration files define ``upgrade(ctx)``; a web framework's folder of the same name
    (Django's ``0001_initial.py`` defines a ``Migration`` class) is not."""
    files = [p for p in sorted(directory.glob("*.py")) if not p.name.startswith("_")]
    if not files:
        return True
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if re.search(r"^def upgrade\(", text, re.MULTILINE):
            return True
    return False


def migrations_dir_for(blueprint: Path) -> Path | None:
    """hs-japan's ``migrations/`` in the blueprint directory or one of its two parents
    (the nearest one whose files are hs-japan migrations)."""
    base = blueprint if blueprint.is_dir() else blueprint.parent
    for candidate in (base, base.parent, base.parent.parent):
        folder = candidate / "migrations"
        if folder.is_dir() and _is_ours(folder):
            return folder
    return None


# -- the record in the portal --------------------------------------------------------------
def read_applied(client: PortalClient) -> list[Applied]:
    """The portal's record; a portal last written before 0.2 has it under the legacy name
    (read until the next record_applied moves it)."""
    prop = get_property(client, RECORD_OBJECT, RECORD_PROPERTY, "read applied migrations")
    if prop is None:
        prop = get_property(
            client, RECORD_OBJECT, LEGACY_MIGRATION_RECORD, "read applied migrations"
        )
    if prop is None:
        return []
    out = []
    for option in prop.get("options") or []:
        checksum, _, at = str(option.get("label", "")).partition(" @ ")
        out.append(Applied(str(option["value"]), checksum, at))
    return sorted(out, key=lambda a: a.id)


def record_applied(client: PortalClient, applied: list[Applied]) -> None:
    options = [
        {"label": f"{a.checksum} @ {a.at}", "value": a.id, "hidden": False, "displayOrder": i}
        for i, a in enumerate(sorted(applied, key=lambda a: a.id))
    ]
    try:
        set_property_options(
            client, RECORD_OBJECT, RECORD_PROPERTY, options, "record applied migrations"
        )
    except PortalError as exc:
        if exc.status != 404:
            raise
        create_property(
            client,
            RECORD_OBJECT,
            {
                "name": RECORD_PROPERTY,
                "label": "hs-japan applied migrations",
                "type": "enumeration",
                "fieldType": "checkbox",
                "groupName": RECORD_GROUP,
                "description": "Written by hs-japan migrate; do not edit.",
                "hidden": True,
                "options": options,
            },
            "create the migration record",
        )
        # the record now lives under the new name (written first, so nothing is lost):
        # archive the legacy record of a portal written before 0.2, if there is one
        archive_property(
            client, RECORD_OBJECT, LEGACY_MIGRATION_RECORD, "retire the legacy migration record"
        )


# -- operations ------------------------------------------------------------------------------
@dataclass
class Context:
    """What ``upgrade(ctx)`` receives. In a dry run, operations only count."""

    client: PortalClient
    dry_run: bool
    say: Callable[[str], None]
    counts: list[str] = field(default_factory=list)

    def _copy_until_done(
        self,
        obj: str,
        todo: list[tuple[str, str, list[str]]],
        props: list[str],
        change: Callable[[dict[str, Any]], dict[str, str]],
        what: str,
    ) -> int:
        """Apply ``change`` to every record matching ``todo``, a batch at a time, until
        none match (each update removes the record from ``todo``: resumable)."""
        page, total = search_page(self.client, obj, todo, props, BATCH)
        if self.dry_run:
            self.counts.append(f"{what}: {total} {obj} records")
            self.say(f"  would {what}: {total} {obj} records")
            return total
        done = 0
        while page:
            update_batch(
                self.client, obj, [(str(r["id"]), change(r.get("properties") or {})) for r in page]
            )
            done += len(page)
            page, _ = search_page(self.client, obj, todo, props, BATCH)
        self.say(f"  {what}: {done} {obj} records")
        return done

    def _get_property(self, obj: str, name: str) -> dict[str, Any] | None:
        return get_property(self.client, obj, name)

    def rename_property(self, obj: str, old: str, new: str, label: str | None = None) -> None:
        """Create ``new`` like ``old``, copy every value, then archive ``old``."""
        source = self._get_property(obj, old)
        target = self._get_property(obj, new)
        if source is None and target is not None:
            self.say(f"  rename {obj}/{old} → {new}: already done")
            return
        if source is None:
            raise MigrationError(f"rename_property: {obj}/{old} does not exist")
        if target is None and not self.dry_run:
            create_property(
                self.client,
                obj,
                {
                    "name": new,
                    "label": label or source["label"],
                    "type": source["type"],
                    "fieldType": source["fieldType"],
                    "groupName": source["groupName"],
                    "description": source.get("description") or "",
                    "options": source.get("options") or [],
                    "displayOrder": source.get("displayOrder"),
                },
            )
        todo: list[tuple[str, str, list[str]]] = [(old, "HAS_PROPERTY", [])]
        if target is not None or not self.dry_run:  # a dry run may precede the new property
            todo.append((new, "NOT_HAS_PROPERTY", []))
        self._copy_until_done(
            obj,
            todo,
            [old],
            lambda props: {new: str(props.get(old, ""))},
            f"copy {obj}.{old} → {new}",
        )
        self._report_flow_references(obj, old, new)
        if not self.dry_run:
            archive_property(self.client, obj, old)
            self.say(f"  archived {obj}/{old}")

    def _report_flow_references(self, obj: str, old: str, new: str) -> None:
        """Workflows made by hs-japan are compiled from the blueprint: a rule that names
        ``old`` is repointed by editing the rule and applying, not by patching HubSpot
        behind the blueprint's back. Name every such workflow so that step is not missed."""
        from hs_japan.portal.flows import read_managed_flows

        needle = f'"{old}"'
        for key, flow in sorted(read_managed_flows(self.client).items()):
            if needle in json.dumps(flow, ensure_ascii=False):
                self.say(
                    f"  ! workflow {key} names {obj}.{old}: rename it to {new} in the "
                    "blueprint's rule, then apply"
                )

    def move_deals(self, pipeline: str, from_stage: str, to_stage: str) -> None:
        """Move every deal in ``from_stage`` of ``pipeline`` to ``to_stage``."""
        self._copy_until_done(
            "deals",
            [("pipeline", "EQ", [pipeline]), ("dealstage", "EQ", [from_stage])],
            ["dealstage"],
            lambda _props: {"dealstage": to_stage},
            f"move deals {pipeline}/{from_stage} → {to_stage}",
        )

    def remap_options(self, obj: str, prop: str, mapping: dict[str, str]) -> None:
        """Records holding ``old`` get ``new`` instead, for each pair."""
        for old, new in sorted(mapping.items()):
            self._copy_until_done(
                obj,
                [(prop, "EQ", [old])],
                [prop],
                partial(_constant, {prop: new}),
                f"remap {obj}.{prop} {old} → {new}",
            )


def _constant(value: dict[str, str], _props: dict[str, Any]) -> dict[str, str]:
    return value


def _load(migration: Migration) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"hs_japan_migration_{migration.id}", migration.path
    )
    if spec is None or spec.loader is None:
        raise MigrationError(f"{migration.path}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise MigrationError(f"{migration.path}: {type(exc).__name__}: {exc}") from None
    if not callable(getattr(module, "upgrade", None)):
        raise MigrationError(f"{migration.path}: defines no upgrade(ctx) function")
    return module


@dataclass
class Status:
    applied: list[Applied]
    pending: list[Migration]
    changed: list[str]  # applied, but the file's checksum differs now
    unknown: list[str]  # applied in the portal, no file here


def status(client: PortalClient, migrations: list[Migration]) -> Status:
    applied = read_applied(client)
    done = {a.id: a for a in applied}
    files = {m.id: m for m in migrations}
    return Status(
        applied=applied,
        pending=[m for m in migrations if m.id not in done],
        changed=[m.id for m in migrations if m.id in done and done[m.id].checksum != m.checksum],
        unknown=[a.id for a in applied if a.id not in files],
    )


def run_pending(
    client: PortalClient, migrations: list[Migration], dry_run: bool, say: Callable[[str], None]
) -> list[str]:
    """Run every pending migration in order, recording each as it completes."""
    state = status(client, migrations)
    applied = list(state.applied)
    ran = []
    for migration in state.pending:
        module = _load(migration)
        say(f"{'dry run of' if dry_run else 'running'} {migration.id}")
        ctx = Context(client, dry_run, say)
        try:
            module.upgrade(ctx)
        except HsJapanError:
            raise
        except Exception as exc:
            raise MigrationError(
                f"{migration.id} failed: {type(exc).__name__}: {exc}; it is not recorded as "
                "applied, and every operation is safe to re-run"
            ) from None
        ran.append(migration.id)
        if not dry_run:
            at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            applied.append(Applied(migration.id, migration.checksum, at))
            record_applied(client, applied)
    return ran
