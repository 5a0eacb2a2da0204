"""The impact of destructive changes on records (pure, with a fake record counter)."""

from __future__ import annotations

from hs_japan.errors import PortalError
from hs_japan.plan.impact import assess
from hs_japan.plan.model import Action, Change, Plan, Risk
from hs_japan.resources import Kind, PortalInfo

D = Risk.DESTRUCTIVE


def plan_of(changes: list[Change]) -> Plan:
    return Plan(PortalInfo(1, "SANDBOX", "p", "Asia/Tokyo"), "bp", "sha256:x", "ja", tuple(changes))


def counter(table: dict[tuple[str, str, str], int], calls: list[object]):  # type: ignore[no-untyped-def]
    def count(obj: str, filters: list[tuple[str, str, list[str]]]) -> int:
        calls.append((obj, filters))
        name, op, values = filters[0]
        return table.get((obj, name, op + ":" + ",".join(values)), 0)

    return count


def test_property_delete_counts_values_and_needs_data_loss_flag() -> None:
    calls: list[object] = []
    change = Change(Action.DELETE, Kind.PROPERTY, "deals/jp_x", {"label": "X"}, None, D)
    (out,) = assess([change], counter({("deals", "jp_x", "HAS_PROPERTY:"): 12}, calls))
    assert out.records == 12 and "12 deals records hold a value in jp_x" in out.reasons
    assert calls == [("deals", [("jp_x", "HAS_PROPERTY", [])])]
    assert plan_of([out]).data_loss == (out,)
    (empty,) = assess([change], counter({}, []))
    assert empty.records == 0 and plan_of([empty]).data_loss == ()


def test_removed_options_count_only_the_removed_values() -> None:
    before = {"options": [{"value": "a"}, {"value": "b"}, {"value": "c"}]}
    after = {"options": [{"value": "a"}]}
    change = Change(Action.UPDATE, Kind.PROPERTY, "deals/jp_e", before, after, D)
    calls: list[object] = []
    (out,) = assess([change], counter({("deals", "jp_e", "IN:b,c"): 3}, calls))
    assert out.records == 3 and calls == [("deals", [("jp_e", "IN", ["b", "c"])])]


def test_stage_or_pipeline_holding_records_is_blocked() -> None:
    stage = Change(Action.DELETE, Kind.STAGE, "deals/p1/s1", {"label": "S"}, None, D)
    pipe = Change(Action.DELETE, Kind.PIPELINE, "tickets/t1", {"label": "T"}, None, D)
    table = {("deals", "dealstage", "EQ:s1"): 2, ("tickets", "hs_pipeline", "EQ:t1"): 0}
    s, p = assess([stage, pipe], counter(table, []))
    assert s.blocked and "2 deals still sit in stage s1" in s.blocked and "move_deals" in s.blocked
    assert p.blocked is None and p.records == 0
    assert plan_of([s, p]).blocked == (s,)


def test_safe_changes_cost_no_calls_and_failures_are_conservative() -> None:
    calls: list[object] = []
    safe = Change(Action.UPDATE, Kind.PROPERTY, "deals/jp_x", {"label": "a"}, {"label": "b"})
    assert assess([safe], counter({}, calls)) == [safe] and calls == []

    def failing(obj: str, filters: list[tuple[str, str, list[str]]]) -> int:
        raise PortalError("the token lacks required scopes: crm.objects.deals.read", status=403)

    change = Change(Action.DELETE, Kind.PROPERTY, "deals/jp_x", {"label": "X"}, None, D)
    (out,) = assess([change], failing)
    assert out.records is None and "could not count" in out.reasons[-1]
    assert plan_of([out]).data_loss == (out,)  # unknown counts as losing data


def test_counts_survive_the_plan_file_round_trip() -> None:
    change = Change(
        Action.DELETE, Kind.STAGE, "deals/p/s", {"label": "S"}, None, D, records=4, blocked="x"
    )
    assert Change.from_json(change.to_json()) == change
