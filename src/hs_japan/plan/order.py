"""Dependency order for applying changes (pure).

Groups before the properties that live in them; properties before pipelines (stage
criteria refer to them); pipelines before their stages; lists (their filters name
properties), then workflows (they name stages, properties and lists). Deletes run in the reverse
order, after every create and update, so nothing is removed while still referenced.
"""

from __future__ import annotations

from collections.abc import Iterable

from hs_japan.plan.model import Action, Change
from hs_japan.resources import Kind

_BUILD = (
    Kind.PROPERTY_GROUP,
    Kind.PROPERTY,
    Kind.PROPERTY_VALIDATION,  # rules of a property, once it exists
    Kind.ASSOCIATION_LABEL,
    Kind.PIPELINE,
    Kind.STAGE,
    Kind.LIST,
    Kind.FORM,  # kind hook: form (its fields name properties)
    Kind.WORKFLOW,
)


def phase(change: Change) -> int:
    """Builds (create/update/replace) first, then deletes in reverse dependency order."""
    idx = _BUILD.index(change.kind)
    if change.action is Action.DELETE:
        return len(_BUILD) + (len(_BUILD) - 1 - idx)
    return idx


def _position(change: Change) -> tuple[str, int, str]:
    """Within a phase: by key, except stages, which follow their pipeline's display order."""
    if change.kind is Kind.STAGE:
        attrs = change.after or change.before or {}
        order = attrs.get("displayOrder")
        return (change.key.rsplit("/", 1)[0], order if isinstance(order, int) else 0, change.key)
    return (change.key, 0, "")


def order_changes(changes: Iterable[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (phase(c), *_position(c)))
