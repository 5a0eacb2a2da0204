"""Export a portal's configuration as blueprint YAML (the same format users write).

Export is generic over the kind registry (``kinds/``): every handler with an ``export_as``
name says what it reads (``export_reads``, ``export_followups``: one or two rounds, read
concurrently by ``portal/facts.read_facts``) and turns the answers into its blueprint
files (``export``); this module only picks the handlers, collects their files, counts and
left-out items, and writes the YAML. No kind is named here.

What the handlers export: custom property groups and properties (HubSpot-defined ones
only on request), every pipeline with its stages (leads too, where the portal has them),
the stage criteria that hs-japan's stage-criteria workflows check (decompiled from those
workflows), lists whose filters hs-japan can write, workflows made from hs-japan
follow-up rules (decompiled back into rules) and the holiday calendar they skip,
user-defined association labels, property validation rules and forms. Left out and
reported: workflows hs-japan did not make, lists of shapes hs-japan does not write, an
object the portal's subscription lacks (leads below Sales Hub Professional answer 403),
what HubSpot has no place for (``NOT_IN_HUBSPOT``: expected days in stage, the funnel
design, property patterns, exit criteria as such — they come back as the next stage's
entry criteria, which generates the same workflows), and hs-japan's own apply-lock group.

References are symbolic: rules name stages by key and people by owner email, never by
portal ids. Labels are written as ``{<language>: …}`` in the chosen language. The
output is deterministic (sorted), so exporting twice gives identical files, and planning
the export against the same portal plans no change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from hs_japan.kinds import handlers
from hs_japan.kinds.base import ExportContext, Facts, KindHandler, Read, Refused
from hs_japan.resources import EXPORT_OBJECT_TYPES

# blueprint content HubSpot cannot hold: carried only by applying the blueprint itself
NOT_IN_HUBSPOT = (
    "stage expected_days (time-in-stage ranges used by audit and report)",
    "the funnel section (design notes for the playbook)",
    "property patterns and length/number bounds as such (exported as the validation "
    "rules they are applied as, in validations.yaml)",
    "stage criteria descriptions beyond the entry text, and which criteria were exit "
    "criteria (exported as the next stage's entry criteria: the same workflows)",
)


@dataclass
class ExportResult:
    files: dict[str, str]  # file name -> YAML text
    skipped: list[str]  # what was left out, and why
    counts: dict[str, int]


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def export_handlers(kinds: Sequence[str] | None = None) -> list[KindHandler]:
    """The handlers that export (all, or those named in ``kinds``), in export order."""
    chosen = [h for h in handlers() if h.export_as and (kinds is None or h.export_as in kinds)]
    return sorted(chosen, key=lambda h: h.export_position)


def export_kinds() -> tuple[str, ...]:
    """The names ``--kinds`` takes (``groups``, ``properties``, …), in export order."""
    return tuple(h.export_as for h in export_handlers())


def export_reads(objects: Sequence[str], kinds: Sequence[str] | None = None) -> list[Read]:
    """Round 1 of an export: every chosen handler's reads, each once."""
    return list(dict.fromkeys(r for h in export_handlers(kinds) for r in h.export_reads(objects)))


def export_followups(
    objects: Sequence[str], kinds: Sequence[str] | None, facts: Facts
) -> list[Read]:
    """Round 2 of an export: what round 1 showed the chosen handlers need."""
    return list(
        dict.fromkeys(r for h in export_handlers(kinds) for r in h.export_followups(objects, facts))
    )


def refused_objects(facts: Facts) -> dict[str, str]:
    """Object -> why the portal refused reading it (its subscription lacks it)."""
    out: dict[str, str] = {}
    for value in facts.results.values():
        if isinstance(value, Refused):
            out.setdefault(value.obj, value.reason)
    return out


def export(
    facts: Facts,
    language: str,
    *,
    objects: tuple[str, ...] = EXPORT_OBJECT_TYPES,
    kinds: tuple[str, ...] | None = None,
    include_hubspot_defined: bool = False,
    now: dt.datetime | None = None,
) -> ExportResult:
    """The blueprint files of ``facts`` (the answers of :func:`export_reads` and
    :func:`export_followups` for the same ``objects`` and ``kinds``)."""
    info = facts.info
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Exported by hs-japan from portal {info.portal_id} ({info.name}, "
        f"{info.account_type}) on {stamp}.\n# Labels are in '{language}'. Edit freely: this "
        "is an ordinary blueprint.\n"
    )
    refused = refused_objects(facts)
    skipped = [
        f"{obj}: the portal refuses the {obj} object ({why}); its property groups, "
        "properties, pipelines and rules are not exported"
        for obj, why in refused.items()
        if obj in objects
    ]
    ctx = ExportContext(
        facts,
        tuple(o for o in objects if o not in refused),
        language,
        include_hubspot_defined,
        skipped,
    )
    every = export_handlers()
    counts = {h.export_as: 0 for h in every}
    counts.update({name: 0 for h in every for name in h.export_counts})
    files: dict[str, str] = {}
    for handler in export_handlers(kinds):
        for section in handler.export(ctx):
            body = yaml.dump(
                {"version": 1, **section.doc},
                Dumper=_Dumper,
                allow_unicode=True,
                sort_keys=False,
                width=100,
            )
            files[section.file] = header + body
            counts[handler.export_as] += section.count
            for name, n in section.extra.items():
                counts[name] = counts.get(name, 0) + n
    return ExportResult(files, ctx.skipped, counts)


def write_export(result: ExportResult, out: Path, force: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    existing = sorted(p.name for p in out.glob("*.y*ml"))
    if existing and not force:
        raise FileExistsError(
            f"{out} already holds blueprint files ({', '.join(existing[:3])}); "
            "choose an empty directory or pass --force"
        )
    for name, text in result.files.items():
        (out / name).write_text(text, encoding="utf-8")
