"""Applies by dependency level (issue 14): what may run concurrently, and what may not."""

from __future__ import annotations

from hs_japan.apply import dependency_levels
from hs_japan.plan.model import Action, Change
from hs_japan.resources import Kind


def change(action: Action, kind: Kind, key: str) -> Change:
    return Change(action, kind, key, None if action is Action.CREATE else {}, {})


def test_levels_follow_dependencies_and_keep_deletes_last_in_order() -> None:
    changes = [
        change(Action.CREATE, Kind.PROPERTY_GROUP, "deals/g"),
        change(Action.CREATE, Kind.PROPERTY, "deals/p1"),
        change(Action.UPDATE, Kind.PROPERTY, "contacts/p2"),
        change(Action.CREATE, Kind.PIPELINE, "deals/pl"),
        change(Action.CREATE, Kind.STAGE, "deals/pl/s1"),
        change(Action.CREATE, Kind.LIST, "contacts/l"),
        change(Action.CREATE, Kind.WORKFLOW, "deals/w1"),
        change(Action.CREATE, Kind.WORKFLOW, "deals/w2"),
        change(Action.DELETE, Kind.STAGE, "deals/old/s9"),
        change(Action.DELETE, Kind.PROPERTY, "deals/gone"),
    ]
    levels = [[c.key for c in level] for level in dependency_levels(changes)]
    assert levels == [
        ["deals/g"],
        ["deals/p1", "contacts/p2", "deals/pl"],
        ["deals/pl/s1", "contacts/l"],
        ["deals/w1", "deals/w2"],
        ["deals/old/s9"],
        ["deals/gone"],
    ]
    assert sorted(c.key for level in dependency_levels(changes) for c in level) == sorted(
        c.key for c in changes
    )
