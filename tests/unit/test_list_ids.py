"""hs-japan's list-id map (pure): the compact encoding kept in a property description,
what a hand-edited description decodes to, the budget, and where the plan uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hs_japan.blueprint import load_blueprint
from hs_japan.errors import BlueprintError
from hs_japan.kinds import lists as list_kind
from hs_japan.kinds.base import Facts, WriteContext
from hs_japan.kinds.properties import listing as property_listing
from hs_japan.kinds.resolve import needs, resolve
from hs_japan.lists import (
    LIST_IDS_MAX_CHARS,
    ListIdMapError,
    decode_list_ids,
    encode_list_ids,
)
from hs_japan.plan.model import Action, Change
from hs_japan.reserved import LIST_IDS, RESERVED_PROPERTIES
from hs_japan.resources import Kind, PortalInfo, Resource, Snapshot
from tests.helpers import write_blueprint

INFO = PortalInfo(1, "STANDARD")


def test_the_map_is_compact_json_grouped_by_object_and_decodes_back() -> None:
    ids = {"deals/jp_big": "13", "contacts/jp_hot": "12", "contacts/jp_cold": "9"}
    text = encode_list_ids(ids)
    assert text == '{"contacts":{"jp_cold":9,"jp_hot":12},"deals":{"jp_big":13}}'
    assert decode_list_ids(text) == (ids, [])
    assert encode_list_ids({}) == "{}" and decode_list_ids("{}") == ({}, [])


@pytest.mark.parametrize("text", [None, "", "  \n"])
def test_no_description_is_an_empty_map(text: str | None) -> None:
    assert decode_list_ids(text) == ({}, [])


@pytest.mark.parametrize(
    ("text", "kept", "problem"),
    [
        ("not json{", {}, "it is not JSON"),
        ('["contacts"]', {}, "JSON list, not an object"),
        # leads are an object since the leads branch (lists.OBJECT_TYPE_IDS); meetings are not
        ('{"meetings":{"x":1},"contacts":{"a":2}}', {"contacts/a": "2"}, '"meetings" is not'),
        ('{"contacts":{"a":"twelve","b":3}}', {"contacts/b": "3"}, '"contacts/a" has no list id'),
        ('{"contacts":{"a":true,"b":null}}', {}, '"contacts/a" has no list id'),
        ('{"contacts":{"a":5},"deals":{"b":5}}', {}, '"deals/b" repeats the id of "contacts/a"'),
    ],
)
def test_what_hs_japan_did_not_write_is_left_out_and_named(
    text: str, kept: dict[str, str], problem: str
) -> None:
    ids, problems = decode_list_ids(text)
    assert ids == kept
    assert any(problem in p for p in problems), problems


def test_a_map_over_the_budget_is_refused_not_cut() -> None:
    many = {f"contacts/jp_list_{i:03d}": str(10_000_000 + i) for i in range(200)}
    with pytest.raises(ListIdMapError, match=f"over the {LIST_IDS_MAX_CHARS}"):
        encode_list_ids(many)
    # about a hundred lists of ordinary key length fit
    fits = dict(list(many.items())[:100])
    assert len(encode_list_ids(fits)) <= LIST_IDS_MAX_CHARS


def test_the_property_is_reserved_and_avoids_hubspots_prefix() -> None:
    assert LIST_IDS in RESERVED_PROPERTIES and not LIST_IDS.startswith("hs_")


LISTS = """
version: 1
lists:
  - {key: jp_a, object: deals, name: {ja: 大型案件}, filters: [{property: amount, gte: 1}]}
  - {key: jp_b, object: deals, name: {ja: 小型案件}, filters: [{property: amount, lte: 1}]}
"""
AMOUNT = {"name": "amount", "type": "number", "fieldType": "number", "hubspotDefined": True}


def facts(bp: Any, description: str | None) -> Facts:
    contacts: dict[str, Any] = {"groups": [], "properties": []}
    if description is not None:
        contacts["properties"].append({"name": LIST_IDS, "description": description})
    return Facts(
        INFO,
        {
            property_listing("deals"): {"groups": [], "properties": [AMOUNT]},
            property_listing("contacts"): contacts,
            list_kind.search(bp, "ja"): [],
        },
    )


def test_the_map_is_read_with_the_contact_properties_in_round_one(tmp_path: Path) -> None:
    bp = load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": LISTS}))
    # the lists are on deals; the contact listing is read for the map, in the same round
    assert property_listing("contacts") in needs(bp, "ja")
    # a recorded id is read in round 2 even when no list carries the blueprint's name
    fresh = facts(bp, '{"deals":{"jp_a":41}}')
    assert list_kind.ListHandler().followups(bp, "ja", fresh) == [
        list_kind.Read(list_kind.BY_ID, ("41",))
    ]


def test_a_map_that_would_not_fit_is_a_located_error(tmp_path: Path) -> None:
    bp = load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": LISTS}))
    # another blueprint's lists fill the map almost to the budget
    others: dict[str, str] = {}
    while len(encode_list_ids(others)) < LIST_IDS_MAX_CHARS - 30:
        others[f"contacts/other_{len(others):03d}"] = str(10**11 + len(others))
    with pytest.raises(BlueprintError) as err:
        resolve(bp, facts(bp, encode_list_ids(others)), "ja")
    message = str(err.value)
    assert "b.yaml:3" in message and "lists[0]" in message and LIST_IDS in message
    assert "manage fewer lists" in message
    # with room for both, the plan creates them
    assert resolve(bp, facts(bp, "{}"), "ja").desired.snapshot.get(Kind.LIST, "deals/jp_b")


def test_a_garbled_map_is_a_plan_note_and_planning_goes_on(tmp_path: Path) -> None:
    bp = load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": LISTS}))
    resolved = resolve(bp, facts(bp, "{oops"), "ja")
    (note,) = [n for n in resolved.notes if LIST_IDS in n]
    assert "it is not JSON" in note and "found by name" in note and "apply writes" in note


def test_finish_asks_for_one_map_write_from_what_the_list_writes_noted() -> None:
    handler = list_kind.ListHandler()
    recorded = Resource(Kind.LIST, "deals/jp_kept", {"listId": "7", "idRecorded": True})
    ctx = WriteContext(None, [], Snapshot({recorded.id: recorded}))
    done = [Change(Action.CREATE, Kind.LIST, "deals/jp_a", None, {})]
    assert handler.finish([], ctx) is None  # nothing noted, all recorded: nothing to write
    ctx.scratch[list_kind.SCRATCH] = {"deals/jp_a": "41", "deals/jp_old": None}
    change = handler.finish(done, ctx)
    assert change is not None and change.key == f"contacts/{LIST_IDS}"
    assert change.after == {"record": {"deals/jp_a": "41"}, "forget": ["deals/jp_old"]}
    assert json.dumps(change.after)  # journaled as JSON


def test_finish_adopts_the_lists_found_by_name_and_not_recorded() -> None:
    found = Resource(Kind.LIST, "deals/jp_named", {"listId": "8", "idRecorded": False})
    ctx = WriteContext(None, [], Snapshot({found.id: found}))
    change = list_kind.ListHandler().finish([], ctx)
    assert change is not None
    assert change.after == {"record": {"deals/jp_named": "8"}, "forget": []}


def test_doctor_knows_lists_need_the_contact_properties_scopes(tmp_path: Path) -> None:
    from hs_japan.doctor import required_probes

    bp = load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": LISTS}))  # deals lists
    probes = {p.key: p for p in required_probes(bp)}
    for key, scope in (
        ("schemas.read/contacts", "crm.schemas.contacts.read"),
        ("schemas.write/contacts", "crm.schemas.contacts.write"),
    ):
        assert probes[key].scope == scope and probes[key].required
        assert any(LIST_IDS in item for item in probes[key].needed_for)


def test_a_record_the_listing_does_not_show_is_read_by_name_in_round_two(tmp_path: Path) -> None:
    """HubSpot may leave hidden properties out of its listing (docs/hubspot-api.md §14):
    the record is then read by name in round 2, with the recorded lists the search did
    not find, and a list renamed without renamed_from is still found by its id."""
    bp = load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": LISTS}))
    round1 = facts(bp, None)  # the listing shows no record
    handler = list_kind.ListHandler()
    (by_name,) = handler.followups(bp, "ja", round1)  # the search found nothing
    assert by_name == list_kind.Read(list_kind.RECORDED, (("deals/jp_a", "deals/jp_b"), ()))
    held = {
        "listId": "41",
        "name": "昔の名前",  # renamed in the blueprint since
        "objectTypeId": "0-3",
        "processingType": "DYNAMIC",
        "filterBranch": None,
    }
    answer = {"description": '{"deals":{"jp_a":41}}', "lists": {"41": held}}
    resolved = resolve(bp, round1.merged({by_name: answer}), "ja")
    have = resolved.actual.snapshot.get(Kind.LIST, "deals/jp_a")
    assert have is not None and have.attrs["listId"] == "41" and have.attrs["idRecorded"]
    assert resolved.desired.snapshot.get(Kind.LIST, "deals/jp_a").attrs["name"] == "大型案件"
