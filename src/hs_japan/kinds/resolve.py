"""Resolve: blueprint + portal facts -> desired state and actual snapshot (pure).

``needs``, ``late_needs`` and ``followups`` say what to read (round 1, round 1 or 2,
round 2: every kind's reads, each once); ``portal.facts.read_facts`` reads them;
:func:`resolve` turns the blueprint and the facts into the desired state and the portal
as read, with no client at all, so any plan — lists and workflows included — can be
made in a unit test from hand-built facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hs_japan.blueprint.compile import DesiredState
from hs_japan.blueprint.model import Blueprint, Language
from hs_japan.errors import BlueprintError, PortalError
from hs_japan.kinds import handlers
from hs_japan.kinds.base import Facts, Read, Resolution
from hs_japan.plan.diff import references
from hs_japan.resources import PortalState, Snapshot


def needs(bp: Blueprint, language: Language) -> list[Read]:
    """Round 1: the listings some kind's followups depend on, each once, in a stable order."""
    return list(dict.fromkeys(r for h in handlers() for r in h.needs(bp, language)))


def late_needs(
    bp: Blueprint, language: Language, early: Iterable[Read] | None = None
) -> list[Read]:
    """The other listings the blueprint needs (no followup depends on them: they may wait
    for round 2), each once, none of :func:`needs` (``early``, when already known)."""
    early = set(needs(bp, language) if early is None else early)
    return [
        r
        for r in dict.fromkeys(r for h in handlers() for r in h.late_needs(bp, language))
        if r not in early
    ]


def followups(bp: Blueprint, language: Language, facts: Facts) -> list[Read]:
    """Round 2: what round 1 showed is needed."""
    return list(dict.fromkeys(r for h in handlers() for r in h.followups(bp, language, facts)))


@dataclass(frozen=True)
class Resolved:
    """What resolve made: ``desired`` (the blueprint against this portal), ``actual``
    (the portal as read), plan ``notes``, and the ``resolution`` they came from (its
    blueprint, language and facts: ``engine.still_current`` observes fresh reads the same
    way). Nothing here holds a client."""

    desired: DesiredState
    actual: PortalState
    notes: tuple[str, ...]
    resolution: Resolution


def resolve(bp: Blueprint, facts: Facts, language: Language) -> Resolved:
    """The desired state and the actual snapshot, from the blueprint and the facts only.

    Every kind observes the portal first, then every kind compiles in build order (a kind
    may use what earlier kinds compiled); blueprint errors are raised all at once
    (:class:`BlueprintError`), then references that cannot be planned against this portal.
    """
    res = Resolution(
        bp, language, facts, DesiredState(Snapshot()), PortalState(facts.info, Snapshot())
    )
    for handler in handlers():
        try:
            handler.observe(res)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # not HubSpot's shape
            raise PortalError(
                f"read {handler.kind.value.replace('_', ' ')}s: the portal's answer lacks "
                f"HubSpot's fields ({type(exc).__name__}: {exc}); is the profile's base_url "
                "HubSpot's API? nothing was compared or written"
            ) from None
    for handler in handlers():
        handler.compile(res)
    if res.problems:
        raise BlueprintError(res.problems)
    problems = references(res)  # with the blueprint: a check may point into an item
    if problems:
        raise BlueprintError(problems)
    return Resolved(res.desired, res.actual, tuple(res.notes), res)
