"""Properties and groups in the emulator follow NOTES §5 (through raw HTTP and the SDK)."""

from __future__ import annotations

from hubspot.crm.properties import PropertyUpdate

from tests.emulator.conftest import Api, enum_prop, prop

DEALS = "/crm/v3/properties/deals"


def test_create_returns_201_with_location_and_full_shape(api: Api) -> None:
    r = api.post(DEALS, prop("jp_note", description="memo"))
    assert r.status_code == 201
    assert r.headers["Location"] == "/crm/v3/properties/deals/jp_note"
    body = r.json()
    assert body["name"] == "jp_note" and body["description"] == "memo"
    assert body["options"] == [] and body["archived"] is False
    assert body["createdAt"].endswith("Z") and body["modificationMetadata"]["archivable"]
    assert "hubspotDefined" not in body  # custom properties do not carry it
    assert api.get(f"{DEALS}/jp_note").json()["label"] == "Jp_Note"


def test_type_and_field_type_must_be_a_documented_pair(api: Api) -> None:
    r = api.post(DEALS, prop("jp_bad", type="number", fieldType="select"))
    assert r.status_code == 400
    body = r.json()
    assert body["category"] == "VALIDATION_ERROR" and body["errors"][0]["in"] == "fieldType"
    assert api.post(DEALS, prop("jp_when", type="datetime", fieldType="date")).status_code == 201


def test_enumerations_need_unique_options(api: Api) -> None:
    assert api.post(DEALS, prop("jp_e", type="enumeration", fieldType="select")).status_code == 400
    dup = api.post(DEALS, enum_prop("jp_e", ["a", "a"]))
    assert dup.status_code == 400 and "Duplicate option value 'a'" in dup.json()["message"]
    assert api.post(DEALS, enum_prop("jp_e", ["a", "b"])).status_code == 201


def test_bool_properties_get_yes_no_options(api: Api) -> None:
    r = api.post(DEALS, prop("jp_flag", type="bool", fieldType="booleancheckbox"))
    assert [o["value"] for o in r.json()["options"]] == ["true", "false"]


def test_group_must_exist_and_names_are_validated(api: Api) -> None:
    r = api.post(DEALS, prop("jp_x", groupName="nope"))
    assert r.status_code == 400 and r.json()["errors"][0]["in"] == "groupName"
    assert api.post(DEALS, prop("JP_Upper")).status_code == 400
    assert api.post(DEALS, prop("1starts_with_digit")).status_code == 400


def test_existing_and_archived_names_conflict_unless_reuse_is_enabled(api: Api) -> None:
    assert api.post(DEALS, prop("jp_once")).status_code == 201
    again = api.post(DEALS, prop("jp_once"))
    assert again.status_code == 409 and again.json()["category"] == "CONFLICT"
    assert api.delete(f"{DEALS}/jp_once").status_code == 204
    archived = api.post(DEALS, prop("jp_once"))
    assert archived.status_code == 409 and "recycle bin" in archived.json()["message"]
    api.control("PUT", "/settings", {"archivedNameReuse": True})
    assert api.post(DEALS, prop("jp_once")).status_code == 201


def test_archive_hides_and_archived_query_lists_only_archived(api: Api) -> None:
    api.post(DEALS, prop("jp_keep"))
    api.post(DEALS, prop("jp_gone"))
    assert api.delete(f"{DEALS}/jp_gone").status_code == 204
    assert api.get(f"{DEALS}/jp_gone").status_code == 404
    live = {p["name"] for p in api.get(DEALS).json()["results"]}
    archived = [p for p in api.get(DEALS, params={"archived": "true"}).json()["results"]]
    assert "jp_keep" in live and "jp_gone" not in live
    assert [p["name"] for p in archived] == ["jp_gone"]
    assert archived[0]["archived"] is True and archived[0]["archivedAt"]
    assert api.get(f"{DEALS}/jp_gone", params={"archived": "true"}).status_code == 200


def test_patch_replaces_the_whole_option_list(api: Api) -> None:
    api.post(DEALS, enum_prop("jp_e", ["a", "b", "c"]))
    sdk = api.sdk()
    body = PropertyUpdate(
        options=[{"label": "B", "value": "b", "displayOrder": 0, "hidden": False}]
    )
    sdk.crm.properties.core_api.update("deals", "jp_e", body)
    got = api.get(f"{DEALS}/jp_e").json()
    assert [o["value"] for o in got["options"]] == ["b"]
    before = got["updatedAt"]
    api.patch(f"{DEALS}/jp_e", {"label": "Renamed"})
    after = api.get(f"{DEALS}/jp_e").json()
    assert after["label"] == "Renamed" and after["updatedAt"] > before
    assert [o["value"] for o in after["options"]] == ["b"]  # untouched when not sent


def test_create_only_fields_cannot_be_patched(api: Api) -> None:
    api.post(DEALS, prop("jp_code"))
    for field, value in (("hasUniqueValue", True), ("name", "x"), ("dataSensitivity", "sensitive")):
        r = api.patch(f"{DEALS}/jp_code", {field: value})
        assert r.status_code == 400 and r.json()["errors"][0]["in"] == field


def test_hubspot_defined_properties_are_protected(api: Api) -> None:
    got = api.get(f"{DEALS}/dealname").json()
    assert got["hubspotDefined"] is True
    assert api.delete(f"{DEALS}/dealname").status_code == 400
    assert api.patch(f"{DEALS}/dealname", {"label": "Mine"}).status_code == 400
    # batch archive still answers 204 but leaves it in place
    assert api.post(f"{DEALS}/batch/archive", {"inputs": [{"name": "dealname"}]}).status_code == 204
    assert api.get(f"{DEALS}/dealname").status_code == 200


def test_batch_create_is_201_or_207_with_per_item_errors(api: Api) -> None:
    ok = api.post(f"{DEALS}/batch/create", {"inputs": [prop("jp_b1"), prop("jp_b2")]})
    assert ok.status_code == 201
    assert ok.json()["status"] == "COMPLETE" and len(ok.json()["results"]) == 2
    mixed = api.post(
        f"{DEALS}/batch/create", {"inputs": [prop("jp_b3"), prop("jp_b1"), prop("jp_b4", type="x")]}
    )
    assert mixed.status_code == 207
    body = mixed.json()
    assert [r["name"] for r in body["results"]] == ["jp_b3"]
    assert body["numErrors"] == 2
    assert {e["context"]["propertyName"][0] for e in body["errors"]} == {"jp_b1", "jp_b4"}
    too_many = api.post(f"{DEALS}/batch/create", {"inputs": [prop(f"p{i}") for i in range(101)]})
    assert too_many.status_code == 400


def test_batch_read_and_archive(api: Api) -> None:
    api.post(DEALS, prop("jp_r"))
    r = api.post(
        f"{DEALS}/batch/read",
        {"archived": False, "inputs": [{"name": "jp_r"}, {"name": "missing"}]},
    )
    assert r.status_code == 207
    assert [p["name"] for p in r.json()["results"]] == ["jp_r"]
    assert r.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    gone = api.post(f"{DEALS}/batch/archive", {"inputs": [{"name": "jp_r"}, {"name": "missing"}]})
    assert gone.status_code == 204 and gone.content == b""
    assert api.get(f"{DEALS}/jp_r").status_code == 404


def test_object_type_ids_are_aliases(api: Api) -> None:
    api.post("/crm/v3/properties/0-3", prop("jp_alias"))
    assert api.get(f"{DEALS}/jp_alias").status_code == 200
    assert api.get("/crm/v3/properties/unknowns").status_code == 400


def test_groups_crud_and_refusals(api: Api) -> None:
    groups = "/crm/v3/properties/deals/groups"
    r = api.post(groups, {"name": "jp_group", "label": "日本", "displayOrder": 3})
    assert r.status_code == 201 and r.json() == {
        "name": "jp_group",
        "label": "日本",
        "displayOrder": 3,
        "archived": False,
    }
    assert api.post(groups, {"name": "jp_group", "label": "again"}).status_code == 409
    assert api.patch(f"{groups}/jp_group", {"label": "Japan"}).json()["label"] == "Japan"
    api.post(DEALS, prop("jp_member", groupName="jp_group"))
    held = api.delete(f"{groups}/jp_group")
    assert held.status_code == 400 and "jp_member" in held.json()["message"]
    assert api.delete(f"{groups}/dealinformation").status_code == 400
    api.delete(f"{DEALS}/jp_member")
    assert api.delete(f"{groups}/jp_group").status_code == 204
    assert api.get(f"{groups}/jp_group").status_code == 404
    names = {g["name"] for g in api.get(groups).json()["results"]}
    assert names == {"dealinformation"}


def test_invalid_json_is_a_400_envelope(api: Api) -> None:
    r = api.call("POST", DEALS, data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
