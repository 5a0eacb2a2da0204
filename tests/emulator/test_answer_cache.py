"""The emulator keeps the encoded answers of its big listings (``Answers``) and must never
serve one that differs from what it would compute now: after a write by this server, a
write by another server on the same state file, a setting change, or a portal reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubspot_emulator import EmulatorServer
from tests.emulator.conftest import Api, prop

DEALS = "/crm/v3/properties/deals"


def _names(api: Api, path: str = DEALS) -> set[str]:
    r = api.get(path)
    assert r.status_code == 200, r.text
    return {p["name"] for p in r.json()["results"]}


def test_a_listing_is_answered_again_from_the_cache_until_the_portal_changes(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[object] = []
    put = api.server.answers.put
    monkeypatch.setattr(api.server.answers, "put", lambda *a: computed.append(a[0]) or put(*a))
    first = api.get(DEALS)
    again = api.get(DEALS)
    assert len(computed) == 1  # the second answer came from the cache …
    assert again.content == first.content  # … byte for byte the same
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert api.post(DEALS, prop("jp_new")).status_code == 201
    assert "jp_new" in _names(api)
    assert len(computed) == 2  # the write made the next read compute its answer
    assert api.delete(f"{DEALS}/jp_new").status_code == 204
    assert "jp_new" not in _names(api)
    assert "jp_new" in _names(api, DEALS + "?archived=true")  # the query is part of the key


def test_answers_follow_writes_by_another_server_on_the_same_state_file(
    tmp_path: Path,
) -> None:
    with EmulatorServer(tmp_path) as one, EmulatorServer(tmp_path) as other:
        created = one.create_portal(account_type="SANDBOX", portal_name="shared")
        api_one = Api(one, str(created["token"]), int(created["portalId"]))
        api_other = Api(other, str(created["token"]), int(created["portalId"]))
        before = _names(api_one)
        assert "jp_elsewhere" not in before
        assert api_other.post(DEALS, prop("jp_elsewhere")).status_code == 201
        assert _names(api_one) == before | {"jp_elsewhere"}


def test_a_portal_reset_and_a_tier_are_seen_at_once(api: Api, emulator: EmulatorServer) -> None:
    assert api.post(DEALS, prop("jp_gone")).status_code == 201
    assert "jp_gone" in _names(api)
    assert api.control("POST", "/reset").status_code in (200, 204)
    assert "jp_gone" not in _names(api)
    flows = api.get("/automation/v4/flows")
    assert flows.status_code == 200
    starter = emulator.create_portal(account_type="SANDBOX", portal_name="s", tier="starter")
    low = Api(emulator, str(starter["token"]), int(starter["portalId"]))
    assert low.get("/automation/v4/flows").status_code == 403  # not another portal's answer
