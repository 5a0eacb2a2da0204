"""Property-based invariants of the pure diff (hypothesis).

For any desired and actual state: applying the planned changes to the actual state
yields a state that plans no further changes, never touches a resource the desired
state does not mention, and only deletes what is tombstoned.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hs_japan.blueprint.compile import DesiredState
from hs_japan.plan.diff import plan_changes
from hs_japan.plan.model import Action, Change
from hs_japan.plan.order import phase
from hs_japan.resources import Kind, Resource, Snapshot

NAMES = st.sampled_from(["jp_a", "jp_b", "jp_c", "jp_d", "jp_e"])
LABELS = st.sampled_from(["一", "二", "three", "four"])
OPTIONS = st.lists(
    st.fixed_dictionaries({"value": st.sampled_from(["x", "y", "z"]), "label": LABELS}),
    max_size=3,
    unique_by=lambda o: o["value"],
).map(
    lambda opts: [
        {**o, "description": "", "displayOrder": i, "hidden": False} for i, o in enumerate(opts)
    ]
)


@st.composite
def resources(draw: st.DrawFn, full: bool) -> Resource:
    kind = draw(st.sampled_from([Kind.PROPERTY_GROUP, Kind.PROPERTY]))
    key = f"{draw(st.sampled_from(['deals', 'contacts']))}/{draw(NAMES)}"
    attrs: dict[str, Any] = {}
    if full or draw(st.booleans()):
        attrs["label"] = draw(LABELS)
    if kind is Kind.PROPERTY:
        if full or draw(st.booleans()):
            attrs["options"] = draw(OPTIONS)
        if full or draw(st.booleans()):
            attrs["hasUniqueValue"] = draw(st.booleans())
        if full or draw(st.booleans()):
            attrs["hidden"] = draw(st.booleans())
    return Resource(kind, key, attrs)


def simulate(changes: list[Change], actual: Snapshot) -> Snapshot:
    out = Snapshot(dict(actual.resources))
    for c in changes:
        if c.action is Action.DELETE:
            del out.resources[(c.kind, c.key)]
        elif c.action is Action.CREATE:
            out.add(Resource(c.kind, c.key, dict(c.after or {})))
        else:
            current = out.resources[(c.kind, c.key)]
            out.add(Resource(c.kind, c.key, {**current.attrs, **(c.after or {})}))
    return out


@settings(max_examples=300, deadline=None)
@given(
    desired=st.lists(resources(full=False), max_size=8),
    actual=st.lists(resources(full=True), max_size=8),
    tombstones=st.lists(
        st.tuples(
            st.sampled_from([Kind.PROPERTY_GROUP, Kind.PROPERTY]),
            st.sampled_from(["deals/jp_a", "contacts/jp_e"]),
        ),
        max_size=2,
    ),
)
def test_apply_then_plan_is_empty(
    desired: list[Resource], actual: list[Resource], tombstones: list[tuple[Kind, str]]
) -> None:
    want = DesiredState(Snapshot())
    for r in desired:
        if (r.kind, r.key) not in tombstones:
            want.snapshot.add(r)
    want.tombstones = set(tombstones) - set(want.snapshot.resources)
    have = Snapshot()
    for r in actual:
        have.add(r)

    changes = plan_changes(want, have)
    after = simulate(changes, have)
    assert plan_changes(want, after) == []

    mentioned = set(want.snapshot.resources) | want.tombstones
    assert all((c.kind, c.key) in mentioned for c in changes)
    assert all((c.kind, c.key) in want.tombstones for c in changes if c.action is Action.DELETE)
    # unmanaged resources are byte-for-byte untouched
    for rid, res in have.resources.items():
        if rid not in mentioned:
            assert after.resources[rid] == res
    assert [phase(c) for c in changes] == sorted(phase(c) for c in changes)
