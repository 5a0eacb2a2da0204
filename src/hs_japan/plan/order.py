"""Dependency order for applying changes (pure).

Each kind's handler states its place (``order``): groups before the properties that live
in them; properties (and their validation rules) before pipelines (stage criteria refer
to them); pipelines before their stages; lists (their filters name properties), then
workflows (they name stages, properties and lists). Deletes run in the reverse order,
after every create and update, so nothing is removed while still referenced.
"""

from __future__ import annotations

from collections.abc import Iterable

from hs_japan.kinds import handler_for, handlers
from hs_japan.plan.model import Action, Change


def phase(change: Change) -> int:
    """Builds (create/update/replace) first, then deletes in reverse dependency order."""
    build = [h.kind for h in handlers()]
    idx = build.index(change.kind)
    if change.action is Action.DELETE:
        return len(build) + (len(build) - 1 - idx)
    return idx


def order_changes(changes: Iterable[Change]) -> list[Change]:
    build = {h.kind: i for i, h in enumerate(handlers())}
    n = len(build)

    def key(c: Change) -> tuple[int, str, int, str]:
        idx = build[c.kind]
        ph = n + (n - 1 - idx) if c.action is Action.DELETE else idx
        return (ph, *handler_for(c.kind).position(c))

    return sorted(changes, key=key)
