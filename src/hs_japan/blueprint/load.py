"""Load a blueprint directory (or a single file) into one validated :class:`Blueprint`.

Every problem is collected and raised together as a :class:`BlueprintError`, each one
located as ``file:line: field: message``.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hs_japan.blueprint.check import check_blueprint
from hs_japan.blueprint.model import (
    AssociationLabelSpec,
    Blueprint,
    FollowUpRuleSpec,
    FormSpec,
    FunnelStageSpec,
    HolidayCalendarSpec,
    ListSpec,
    Origin,
    PipelineSpec,
    PropertyGroupSpec,
    PropertySpec,
    PropertyValidationSpec,
)
from hs_japan.blueprint.yamlsrc import (
    YamlDoc,
    bool_word_hint,
    dotted,
    parse_yaml,
    read_source,
)
from hs_japan.errors import BlueprintError, Diagnostic

SUFFIXES = (".yaml", ".yml")
MAX_FILES = 500
# HubSpot's cap on stages per pipeline (docs/hubspot-api.md §4.6; the emulator enforces the same)
MAX_STAGES = 100


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def find_blueprint_files(root: Path) -> list[Path]:
    """YAML files under ``root`` in a stable order; refuses loops, emptiness and non-dirs."""
    display = _display(root)
    if not root.exists():
        raise BlueprintError([Diagnostic(display, 0, "", "no such file or directory")])
    if root.is_file():
        if root.suffix not in SUFFIXES:
            raise BlueprintError([Diagnostic(display, 0, "", "not a .yaml/.yml file")])
        return [root]
    files: list[Path] = []
    seen_dirs: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            raise BlueprintError(
                [
                    Diagnostic(
                        _display(Path(dirpath)),
                        0,
                        "",
                        "symlink loop: this directory was already visited as " + real,
                    )
                ]
            )
        seen_dirs.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in dirnames:
            if name.endswith(SUFFIXES):
                raise BlueprintError(
                    [
                        Diagnostic(
                            _display(Path(dirpath) / name),
                            0,
                            "",
                            "is a directory, not a YAML file (rename it or move it out of "
                            "the blueprint)",
                        )
                    ]
                )
        for name in sorted(filenames):
            if name.startswith(".") or not name.endswith(SUFFIXES):
                continue
            path = Path(dirpath) / name
            if not path.exists():
                raise BlueprintError(
                    [Diagnostic(_display(path), 0, "", "broken symlink or unreadable file")]
                )
            files.append(path)
            if len(files) > MAX_FILES:
                raise BlueprintError(
                    [Diagnostic(display, 0, "", f"more than {MAX_FILES} YAML files")]
                )
    if not files:
        raise BlueprintError(
            [Diagnostic(display, 0, "", "no blueprint files (*.yaml, *.yml) found")]
        )
    return files


def _pydantic_diagnostics(
    doc: YamlDoc, exc: ValidationError, prefix: tuple[str | int, ...]
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for err in exc.errors():
        loc: tuple[str | int, ...] = prefix + tuple(
            p
            for p in err["loc"]
            # pydantic adds tags for union members and validator names; keep data keys only
            if isinstance(p, int)
            or (isinstance(p, str) and not p.startswith(("function-", "str", "Text")))
        )
        if not isinstance(err.get("input"), str):
            found = doc.bool_word_at(loc)  # an unquoted yes/no/on/off where text belongs
            if found is not None and err["type"] not in ("extra_forbidden", "missing"):
                out.append(
                    Diagnostic(
                        doc.file, doc.line_of(found[0]), dotted(found[0]), bool_word_hint(found[1])
                    )
                )
                continue
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif err["type"] == "literal_error":
            msg = msg.replace("Input should be", "must be")
        elif err["type"] == "string_pattern_mismatch":
            msg = (
                "invalid internal name: use lowercase letters, digits and _ , "
                "starting with a letter"
            )
        out.append(Diagnostic(doc.file, doc.line_of(loc), dotted(loc), msg))
    return out


SECTIONS: dict[str, type[BaseModel]] = {
    "property_groups": PropertyGroupSpec,
    "properties": PropertySpec,
    "pipelines": PipelineSpec,
    "lists": ListSpec,
    "funnel": FunnelStageSpec,
    "follow_up_rules": FollowUpRuleSpec,
    "holiday_calendars": HolidayCalendarSpec,
    "association_labels": AssociationLabelSpec,
    "property_validations": PropertyValidationSpec,
    "forms": FormSpec,
}


def _items(doc: YamlDoc, diagnostics: list[Diagnostic]) -> Iterator[tuple[str, Any, Origin]]:
    """Validate each item on its own, so one bad item does not hide the others' errors."""
    data: dict[str, Any] = doc.data
    for key, value in data.items():
        if key == "version":
            if value != 1:
                diagnostics.append(
                    Diagnostic(
                        doc.file,
                        doc.line_of(("version",)),
                        "version",
                        "unsupported blueprint version (this hs-japan reads version 1)",
                    )
                )
            continue
        model = SECTIONS.get(key)
        if model is None:
            diagnostics.append(
                Diagnostic(
                    doc.file,
                    doc.line_of((key,)),
                    str(key),
                    "unknown section (known: version, " + ", ".join(SECTIONS) + ")",
                )
            )
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            diagnostics.append(
                Diagnostic(doc.file, doc.line_of((key,)), key, "must be a list of items (- ...)")
            )
            continue
        for i, raw in enumerate(value):
            try:
                item = model.model_validate(raw)
            except ValidationError as exc:
                diagnostics.extend(_pydantic_diagnostics(doc, exc, (key, i)))
                continue
            yield key, item, Origin(file=doc.file, line=doc.line_of((key, i)), keypath=(key, i))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a blueprint is built: loading creates
    tens of thousands of containers and no garbage cycles, so the collections it would
    trigger (each traversing every object alive, the imported modules' included) find
    nothing; about 15 % of loading a 2,400-property blueprint. Restored afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_blueprint(root: Path) -> Blueprint:
    """Read, validate and merge every YAML file under ``root``."""
    with _no_cyclic_gc():
        return _load_blueprint(root)


def _load_blueprint(root: Path) -> Blueprint:
    files = find_blueprint_files(root)
    diagnostics: list[Diagnostic] = []
    digest = hashlib.sha256()
    merged: dict[str, list[tuple[Any, Origin]]] = {section: [] for section in SECTIONS}
    docs: list[YamlDoc] = []
    base = root if root.is_dir() else root.parent
    for path in files:
        display = _display(path)
        rel = path.relative_to(base).as_posix() if path.is_relative_to(base) else display
        raw, errs = read_source(path, display)  # never blocks: FIFOs, devices are refused
        if raw is None:
            diagnostics.extend(errs)
            continue
        digest.update(rel.encode() + b"\0" + raw + b"\0")
        doc, errs = parse_yaml(raw, display)
        diagnostics.extend(errs)
        if doc is None:
            continue
        if doc.data is None:  # an empty file (or only comments) contributes nothing
            continue
        if not isinstance(doc.data, dict):
            diagnostics.append(
                Diagnostic(
                    display,
                    doc.line_of(()),
                    "",
                    "a blueprint file must be a mapping of sections (" + ", ".join(SECTIONS) + ")",
                )
            )
            continue
        docs.append(doc)
        for section, item, origin in _items(doc, diagnostics):
            merged[section].append((item, origin))
    blueprint = Blueprint(
        root=_display(root),
        digest="sha256:" + digest.hexdigest(),
        files=tuple(_display(p) for p in files),
        **{section: tuple(items) for section, items in merged.items()},
        line_maps={d.file: d.lines for d in docs},
    )
    # cross-item rules run on the items that parsed, so all errors show at once
    diagnostics.extend(check_blueprint(blueprint, {d.file: d for d in docs}))
    diagnostics.extend(_more_checks(blueprint, {d.file: d for d in docs}))
    if diagnostics:
        raise BlueprintError(diagnostics)
    return blueprint


def _more_checks(bp: Blueprint, docs: dict[str, YamlDoc]) -> list[Diagnostic]:
    """Cross-item rules not in ``check.py``: HubSpot's stage cap per pipeline."""
    out: list[Diagnostic] = []

    def at(origin: Origin, sub: tuple[str | int, ...], message: str) -> None:
        path = (*origin.keypath, *sub)
        doc = docs.get(origin.file)
        line = doc.line_of(path) if doc else origin.line
        out.append(Diagnostic(origin.file, line, dotted(path), message))

    for pl, origin in bp.pipelines:
        live = [s for s in pl.stages if not s.absent]
        if len(live) > MAX_STAGES:
            at(
                origin,
                ("stages",),
                f"{len(live)} stages; HubSpot allows at most {MAX_STAGES} stages per pipeline",
            )
    return out
