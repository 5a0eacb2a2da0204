"""The desired state of a :class:`Blueprint` (pure).

Only attributes the blueprint states are placed in ``attrs``: an attribute left out is
unmanaged and never diffed. Tombstones (``absent: true``) become delete intents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hs_japan.blueprint.model import Blueprint, Language, Origin
from hs_japan.resources import PortalInfo, PortalState, ResourceId, Snapshot


@dataclass
class DesiredState:
    snapshot: Snapshot
    tombstones: set[ResourceId] = field(default_factory=set)
    origins: dict[ResourceId, Origin] = field(default_factory=dict)
    # stage criteria are blueprint-side data (checked by audits), not portal state
    stage_criteria: dict[str, dict[str, Any]] = field(default_factory=dict)
    # display-only words a change of this resource carries in the plan (never steers apply)
    explanations: dict[ResourceId, list[str]] = field(default_factory=dict)


def compile_blueprint(bp: Blueprint, language: Language = "ja") -> DesiredState:
    """The desired state of the kinds compiled without any portal fact (groups,
    properties, pipelines, stages): what ``validate`` and the audits compare. Each kind's
    handler compiles its own section (``kinds/``); ``engine.make_plan`` resolves every
    kind, portal facts included (``kinds/resolve.py``)."""
    from hs_japan.kinds import handlers
    from hs_japan.kinds.base import Facts, Resolution

    info = PortalInfo(portal_id=0, account_type="UNKNOWN")
    res = Resolution(
        bp, language, Facts(info), DesiredState(Snapshot()), PortalState(info, Snapshot())
    )
    for handler in handlers():
        if handler.offline:
            handler.compile(res)
    return res.desired
