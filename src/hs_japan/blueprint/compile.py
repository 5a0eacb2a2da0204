"""Compile a :class:`Blueprint` into the desired :class:`Snapshot` (pure).

Only attributes the blueprint states are placed in ``attrs``: an attribute left out is
unmanaged and never diffed. Tombstones (``absent: true``) become delete intents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hs_japan.blueprint.model import (
    Blueprint,
    Condition,
    Language,
    Origin,
    PropertySpec,
    StageSpec,
)
from hs_japan.resources import Kind, Resource, ResourceId, Snapshot, make_key


@dataclass
class DesiredState:
    snapshot: Snapshot
    tombstones: set[ResourceId] = field(default_factory=set)
    origins: dict[ResourceId, Origin] = field(default_factory=dict)
    # stage criteria are blueprint-side data (checked by audits), not portal state
    stage_criteria: dict[str, dict[str, Any]] = field(default_factory=dict)
    # display-only words a change of this resource carries in the plan (never steers apply)
    explanations: dict[ResourceId, list[str]] = field(default_factory=dict)


def _condition(cond: Condition) -> dict[str, Any]:
    """A criteria condition as plain data: {property, op: in|equals|is_set, value}."""
    if cond.in_ is not None:
        return {"property": cond.property, "op": "in", "value": list(cond.in_)}
    if cond.equals is not None:
        return {"property": cond.property, "op": "equals", "value": cond.equals}
    return {"property": cond.property, "op": "is_set", "value": bool(cond.is_set)}


def probability_str(value: float) -> str:
    """HubSpot's string form of a stage probability (``"0.2"``, ``"1.0"``)."""
    return str(round(float(value), 4))


def _property_attrs(p: PropertySpec, lang: Language) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if p.label is not None:
        attrs["label"] = p.label.pick(lang)
    if p.type is not None:
        attrs["type"] = p.type
    if p.field_type is not None:
        attrs["fieldType"] = p.field_type
    if p.group is not None:
        attrs["groupName"] = p.group
    if p.description is not None:
        attrs["description"] = p.description.pick(lang)
    if p.options is not None:
        attrs["options"] = [
            {
                "value": o.value,
                "label": o.label.pick(lang),
                "description": o.description.pick(lang) if o.description else "",
                "displayOrder": o.display_order if o.display_order is not None else i,
                "hidden": o.hidden,
            }
            for i, o in enumerate(p.options)
        ]
    if p.display_order is not None:
        attrs["displayOrder"] = p.display_order
    if p.hidden is not None:
        attrs["hidden"] = p.hidden
    if p.form_field is not None:
        attrs["formField"] = p.form_field
    if p.unique is not None:
        attrs["hasUniqueValue"] = p.unique
    return attrs


def _stage_metadata(object_type: str, st: StageSpec) -> dict[str, str]:
    if object_type == "deals" and st.probability is not None:
        return {"probability": probability_str(st.probability)}
    if object_type == "tickets" and st.ticket_state is not None:
        return {"ticketState": st.ticket_state}
    return {}


def compile_blueprint(bp: Blueprint, language: Language = "ja") -> DesiredState:
    state = DesiredState(Snapshot())

    def put(resource: Resource, absent: bool, origin: Origin) -> None:
        state.origins[resource.id] = origin
        if absent:
            state.tombstones.add(resource.id)
        else:
            state.snapshot.add(resource)

    for g, origin in bp.property_groups:
        attrs: dict[str, Any] = {}
        if g.label is not None:
            attrs["label"] = g.label.pick(language)
        if g.display_order is not None:
            attrs["displayOrder"] = g.display_order
        put(Resource(Kind.PROPERTY_GROUP, make_key(g.object, g.name), attrs), g.absent, origin)

    for p, origin in bp.properties:
        put(
            Resource(Kind.PROPERTY, make_key(p.object, p.name), _property_attrs(p, language)),
            p.absent,
            origin,
        )

    for pl, origin in bp.pipelines:
        attrs = {"label": pl.label.pick(language)} if pl.label is not None else {}
        if pl.display_order is not None:
            attrs["displayOrder"] = pl.display_order
        put(Resource(Kind.PIPELINE, make_key(pl.object, pl.id), attrs), pl.absent, origin)
        if pl.absent:
            continue  # deleting a pipeline deletes its stages with it
        order = 0
        for i, st in enumerate(pl.stages):
            stage_origin = bp.origin_of(origin, "stages", i)
            key = make_key(pl.object, pl.id, st.key)
            stage_attrs: dict[str, Any] = {}
            if not st.absent:
                stage_attrs = {
                    "label": st.label.pick(language) if st.label else "",
                    "displayOrder": order,
                    "metadata": _stage_metadata(pl.object, st),
                }
                order += 1
                state.stage_criteria[key] = {
                    phase: {
                        "required_properties": list(c.required_properties),
                        "conditions": [_condition(cond) for cond in c.conditions],
                        "description": c.description.pick(language) if c.description else "",
                    }
                    for phase, c in (("entry", st.entry), ("exit", st.exit))
                    if c is not None
                }
                if st.expected_days is not None:
                    state.stage_criteria[key]["expected_days"] = list(st.expected_days)
            put(Resource(Kind.STAGE, key, stage_attrs), st.absent, stage_origin)
    return state
