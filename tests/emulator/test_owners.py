"""Owners v3 (NOTES §7): the seeded owner, the control API's add, filters and paging."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.owners import ApiException

from tests.emulator.conftest import Api

OWNERS = "/crm/v3/owners"


def add(api: Api, email: str, **over: Any) -> dict[str, Any]:
    r = api.control("POST", "/owners", {"email": email, "firstName": "Hanako", **over})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_every_portal_has_one_owner(api: Api) -> None:
    owners = api.get(OWNERS).json()
    assert "paging" not in owners
    [seeded] = owners["results"]
    assert seeded["email"] == "owner@example.com" and seeded["type"] == "PERSON"
    assert seeded["id"].isdigit() and isinstance(seeded["userId"], int)
    assert seeded["id"] != str(seeded["userId"])  # owner id and user id are different numbers
    assert seeded["teams"][0]["primary"] is True and seeded["archived"] is False


def test_control_add_email_filter_and_id_property(api: Api) -> None:
    added = add(api, "hanako@example.jp", lastName="Sato", teams=["Tokyo", "Osaka"])
    assert [t["name"] for t in added["teams"]] == ["Tokyo", "Osaka"]
    assert [t["primary"] for t in added["teams"]] == [True, False]
    found = api.get(OWNERS, params={"email": "HANAKO@example.jp"}).json()["results"]
    assert [o["id"] for o in found] == [added["id"]]
    assert api.get(f"{OWNERS}/{added['id']}").json()["lastName"] == "Sato"
    by_user = api.get(f"{OWNERS}/{added['userId']}", params={"idProperty": "userId"})
    assert by_user.json()["id"] == added["id"]
    assert api.get(f"{OWNERS}/{added['userId']}").status_code == 404  # not an owner id
    assert api.get(f"{OWNERS}/{added['id']}", params={"idProperty": "email"}).status_code == 400
    assert api.control("POST", "/owners", {"email": "hanako@example.jp"}).status_code == 409
    assert api.control("POST", "/owners", {"email": "not-an-email"}).status_code == 400


def test_archived_owners_are_listed_separately(api: Api) -> None:
    gone = add(api, "gone@example.jp")
    assert api.control("DELETE", f"/owners/{gone['id']}").status_code == 200
    active = {o["id"] for o in api.get(OWNERS).json()["results"]}
    archived = api.get(OWNERS, params={"archived": "true"}).json()["results"]
    assert gone["id"] not in active and [o["id"] for o in archived] == [gone["id"]]
    assert api.get(f"{OWNERS}/{gone['id']}").status_code == 404
    assert api.get(f"{OWNERS}/{gone['id']}", params={"archived": "true"}).status_code == 200


def test_paging(api: Api) -> None:
    for i in range(4):
        add(api, f"rep{i}@example.jp")
    first = api.get(OWNERS, params={"limit": 3}).json()
    assert len(first["results"]) == 3
    cursor = first["paging"]["next"]["after"]
    rest = api.get(OWNERS, params={"limit": 3, "after": cursor}).json()
    assert len(rest["results"]) == 2 and "paging" not in rest
    ids = [o["id"] for o in first["results"] + rest["results"]]
    assert len(set(ids)) == 5


def test_owners_through_the_sdk(api: Api) -> None:
    added = add(api, "sdk@example.jp", lastName="Suzuki")
    owners = api.sdk().crm.owners.owners_api
    page = owners.get_page(email="sdk@example.jp")
    assert [o.id for o in page.results] == [added["id"]]
    assert page.results[0].user_id == added["userId"]
    one = owners.get_by_id(int(added["id"]))
    assert one.last_name == "Suzuki" and one.teams == []
    with pytest.raises(ApiException) as info:
        owners.get_by_id(1)
    assert info.value.status == 404


def test_scope(api: Api) -> None:
    created = api.server.create_portal(scopes=["oauth"])
    narrow = Api(api.server, str(created["token"]), int(created["portalId"]))
    r = narrow.get(OWNERS)
    assert r.status_code == 403
    assert "crm.objects.owners.read" in r.json()["errors"][0]["context"]["requiredScopes"]
    ok = api.server.create_portal(scopes=["crm.objects.owners.read"])
    assert Api(api.server, str(ok["token"]), int(ok["portalId"])).get(OWNERS).status_code == 200
