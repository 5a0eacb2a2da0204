"""Transport behaviours: auth, scopes, envelope, rate limits, faults, isolation, state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from hubspot_emulator import EmulatorServer
from tests.emulator.conftest import Api, prop

DEALS = "/crm/v3/properties/deals"


def test_missing_and_unknown_tokens_get_401_envelopes(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer pat-local-unknown"}):
        r = requests.get(api.url + DEALS, headers=headers, timeout=5)
        assert r.status_code == 401
        body = r.json()
        assert body["category"] == "INVALID_AUTHENTICATION" and body["status"] == "error"
        assert body["correlationId"] == r.headers["X-HubSpot-Correlation-Id"]


def test_missing_scopes_are_named(api: Api) -> None:
    created = api.server.create_portal(scopes=["oauth", "crm.schemas.contacts.read"])
    narrow = Api(api.server, str(created["token"]), int(created["portalId"]))
    assert narrow.get("/crm/v3/properties/contacts").status_code == 200
    r = narrow.get(DEALS)
    assert r.status_code == 403
    body = r.json()
    assert body["category"] == "MISSING_SCOPES"
    assert "crm.schemas.deals.read" in body["errors"][0]["context"]["requiredScopes"]
    assert narrow.post("/crm/v3/properties/contacts", prop("x")).status_code == 403


def test_portals_are_isolated_by_token(api: Api) -> None:
    other = api.server.create_portal()
    other_api = Api(api.server, str(other["token"]), int(other["portalId"]))
    assert api.post(DEALS, prop("jp_mine")).status_code == 201
    assert other_api.get(f"{DEALS}/jp_mine").status_code == 404
    assert other_api.post(DEALS, prop("jp_mine")).status_code == 201


def test_rate_limit_headers_and_ten_second_refusal(api: Api) -> None:
    first = api.get(DEALS)
    assert first.headers["X-HubSpot-RateLimit-Max"] == "190"
    assert first.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    remaining = int(first.headers["X-HubSpot-RateLimit-Remaining"])
    assert int(api.get(DEALS).headers["X-HubSpot-RateLimit-Remaining"]) == remaining - 1
    api.control("PUT", "/settings", {"rateLimits": {"perTenSeconds": 3}})
    statuses = [api.get(DEALS).status_code for _ in range(3)]
    assert 429 in statuses
    refused = api.get(DEALS)
    assert refused.status_code == 429
    body = refused.json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
    assert int(refused.headers["Retry-After"]) >= 1
    assert api.control("GET", "/requests").json()["rateLimited"] >= 2


def test_daily_limit(api: Api) -> None:
    api.control("PUT", "/settings", {"rateLimits": {"daily": 2}})
    codes = [api.get(DEALS).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert api.get(DEALS).json()["policyName"] == "DAILY"


def test_tiers_set_the_limits(emulator: EmulatorServer) -> None:
    starter = emulator.create_portal(tier="starter")
    r = Api(emulator, str(starter["token"]), int(starter["portalId"])).get(DEALS)
    assert r.headers["X-HubSpot-RateLimit-Max"] == "100"
    assert r.headers["X-HubSpot-RateLimit-Daily"] == "250000"


def test_status_faults_fire_for_their_first_matches_only(api: Api) -> None:
    api.control("PUT", "/faults", {"faults": [{"kind": "status", "status": 503, "times": 2}]})
    assert [api.get(DEALS).status_code for _ in range(3)] == [503, 503, 200]
    api.control(
        "PUT",
        "/faults",
        {"faults": [{"kind": "status", "status": 429, "method": "POST", "retryAfter": "2"}]},
    )
    r = api.post(DEALS, prop("jp_x"))
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    assert api.get(f"{DEALS}/jp_x").status_code == 404  # nothing was written


def test_lost_response_commits_the_write(api: Api) -> None:
    rule = {"kind": "lost_response", "method": "POST", "path": DEALS, "times": 1}
    api.control("PUT", "/faults", {"faults": [rule]})
    with pytest.raises(requests.ConnectionError):
        api.post(DEALS, prop("jp_lost"))
    assert api.get(f"{DEALS}/jp_lost").status_code == 200


def test_dropped_connection_writes_nothing(api: Api) -> None:
    api.control("PUT", "/faults", {"faults": [{"kind": "drop", "method": "POST", "times": 1}]})
    with pytest.raises(requests.ConnectionError):
        api.post(DEALS, prop("jp_drop"))
    assert api.get(f"{DEALS}/jp_drop").status_code == 404


def test_faults_are_deterministic_from_the_seed(emulator: EmulatorServer) -> None:
    def run() -> list[int]:
        created = emulator.create_portal()
        a = Api(emulator, str(created["token"]), int(created["portalId"]))
        rule = {"kind": "status", "status": 500, "probability": 0.5}
        a.control("PUT", "/faults", {"faults": [rule], "seed": 42})
        return [a.get(DEALS).status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert {200, 500} == set(first)


def test_request_log_and_counters_by_template(api: Api) -> None:
    api.get(DEALS)
    api.get(f"{DEALS}/dealname")
    api.get("/crm/v3/properties/contacts/email")
    log = api.control("GET", "/requests").json()
    assert [(r["method"], r["path"]) for r in log["results"]] == [
        ("GET", DEALS),
        ("GET", f"{DEALS}/dealname"),
        ("GET", "/crm/v3/properties/contacts/email"),
    ]
    assert log["counters"] == {
        "GET /crm/v3/properties/{objectType}": 1,
        "GET /crm/v3/properties/{objectType}/{propertyName}": 2,
    }
    assert all("token" not in str(r).lower() for r in log["results"])
    assert api.control("DELETE", "/requests").status_code == 204
    assert api.control("GET", "/requests").json()["results"] == []


def test_control_api_creates_portals_over_http(emulator: EmulatorServer) -> None:
    r = requests.post(
        f"{emulator.url}/_emulator/portals",
        json={"accountType": "STANDARD", "portalName": "Prod JP", "tier": "professional"},
        timeout=5,
    )
    assert r.status_code == 201
    created = r.json()
    a = Api(emulator, created["token"], created["portalId"])
    details = a.get("/account-info/v3/details").json()
    assert details["accountType"] == "STANDARD" and details["portalName"] == "Prod JP"
    assert details["timeZone"] == "Asia/Tokyo"
    bad = requests.post(f"{emulator.url}/_emulator/portals", json={"tier": "gold"}, timeout=5)
    assert bad.status_code == 400
    listed = requests.get(f"{emulator.url}/_emulator/portals", timeout=5).json()["results"]
    assert all("token" not in p for p in listed)


def test_reset_restores_the_seeded_portal(api: Api) -> None:
    api.post(DEALS, prop("jp_tmp"))
    assert api.control("POST", "/reset").status_code == 204
    assert api.get(f"{DEALS}/jp_tmp").status_code == 404
    assert api.get(f"{DEALS}/dealname").status_code == 200


def test_state_persists_in_the_data_dir(tmp_path: Path) -> None:
    with EmulatorServer(data_dir=tmp_path) as first:
        created = first.create_portal()
        Api(first, str(created["token"]), int(created["portalId"])).post(DEALS, prop("jp_p"))
    with EmulatorServer(data_dir=tmp_path) as second:
        again = Api(second, str(created["token"]), int(created["portalId"]))
        assert again.get(f"{DEALS}/jp_p").status_code == 200
    assert (tmp_path / "emulator.sqlite3").exists()


def test_only_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmulatorServer(host="0.0.0.0")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"port": 70000}, "port 70000 is out of range"),
        ({"port": -1}, "port -1 is out of range"),
        ({"latency_ms": -5}, "latency -5 ms is out of range"),
        ({"host": "127.0.0.2"}, "loopback"),
    ],
)
def test_impossible_server_options_are_refused(options: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        EmulatorServer(**options)


def test_ipv6_loopback_is_served() -> None:
    try:
        server = EmulatorServer(host="::1")
        server.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert server.url.startswith("http://[::1]:")
        assert requests.get(f"{server.url}/_emulator/health", timeout=5).status_code == 200
    finally:
        server.stop()


def test_unknown_paths_and_methods(api: Api) -> None:
    assert api.get("/crm/v3/nothing").status_code == 404
    assert api.call("PUT", DEALS).status_code == 405
