"""The request log's rows are written with the next transaction (no commit of their own):
nothing logged is lost, reordered or kept past a clear or a reset."""

from __future__ import annotations

from pathlib import Path

from hubspot_emulator import EmulatorServer
from hubspot_emulator.store import LOG_BATCH, Store
from tests.emulator.conftest import Api

GROUPS = "/crm/v3/properties/deals/groups"


def _log(api: Api) -> list[tuple[str, str, int]]:
    return [(r["method"], r["path"], r["status"]) for r in api.server.requests(api.portal_id)]


def test_every_request_is_logged_in_order_errors_included(api: Api) -> None:
    assert api.get(GROUPS).status_code == 200
    assert api.post(GROUPS, {"name": "bad name!", "label": "x"}).status_code == 400
    assert api.get(f"{GROUPS}/jp_none").status_code == 404  # a rolled-back transaction
    assert _log(api) == [
        ("GET", GROUPS, 200),
        ("POST", GROUPS, 400),
        ("GET", f"{GROUPS}/jp_none", 404),
    ]


def test_a_clear_and_a_reset_take_the_rows_not_yet_written(api: Api) -> None:
    api.get(GROUPS)
    assert api.control("DELETE", "/requests").status_code in (200, 204)
    assert _log(api) == []
    api.get(GROUPS)
    assert api.control("POST", "/reset").status_code in (200, 204)
    assert _log(api) == []


def test_rows_reach_the_file_for_another_process_and_never_pile_up(tmp_path: Path) -> None:
    """A request's row is written with the next request's transaction; a request refused
    before any work (a 429 once the portal's 190 calls per 10 s are used) has none, so its
    rows wait, at most LOG_BATCH of them."""
    total = 2 * LOG_BATCH + 10
    with EmulatorServer(tmp_path) as server:
        created = server.create_portal(account_type="SANDBOX", portal_name="log")
        api = Api(server, str(created["token"]), int(created["portalId"]))
        other = Store(tmp_path / "emulator.sqlite3")  # another process's view of the file
        api.get(GROUPS)
        api.get(GROUPS)
        assert len(other.requests(api.portal_id)) >= 1
        statuses = {api.get(GROUPS).status_code for _ in range(total - 2)}
        assert statuses == {200, 429}  # both kinds of request are in the run
        assert len(other.requests(api.portal_id)) >= total - LOG_BATCH
        assert len(_log(api)) == total
        other.close()
    assert len(Store(tmp_path / "emulator.sqlite3").requests(api.portal_id)) == total
