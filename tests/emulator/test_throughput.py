"""The emulator under load: limits still counted exactly when a batch create no longer
recounts the catalogue per input, latency served concurrently, no Nagle delay on
keep-alive connections, and a 100-input batch create that stays fast on a big portal."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import requests

from hubspot_emulator import EmulatorServer
from tests.emulator.conftest import Api, prop

PROPS = "/crm/v3/properties/deals"


def portal(emulator: EmulatorServer, tier: str) -> Api:
    created = emulator.create_portal(tier=tier)
    return Api(emulator, str(created["token"]), int(created["portalId"]))


def calc(name: str) -> dict[str, Any]:
    return prop(name, type="number", fieldType="calculation_equation", calculationFormula="1")


def error_names(body: dict[str, Any]) -> dict[str, str]:
    return {e["context"]["propertyName"][0]: e["message"] for e in body.get("errors", [])}


def test_batch_create_counts_its_own_inputs_against_the_custom_property_limit(
    emulator: EmulatorServer,
) -> None:
    api = portal(emulator, "free")  # 10 custom properties per object
    for i in range(7):
        assert api.post(PROPS, prop(f"jp_before_{i}")).status_code == 201
    assert api.delete(f"{PROPS}/jp_before_0").status_code == 204  # archived: not counted
    inputs = [
        prop("jp_a"),
        prop("jp_bad", type="nonsense"),  # refused on its own: takes no place
        prop("jp_b"),
        prop("jp_c"),
        prop("jp_a"),  # twice in the batch
        prop("jp_d"),
        prop("jp_e"),
    ]
    res = api.post(f"{PROPS}/batch/create", {"inputs": inputs})
    assert res.status_code == 207
    body = res.json()
    assert [r["name"] for r in body["results"]] == ["jp_a", "jp_b", "jp_c", "jp_d"]
    errors = error_names(body)
    assert set(errors) == {"jp_bad", "jp_a", "jp_e"}
    assert "limit of 10 custom deals properties" in errors["jp_e"]
    usage = api.get("/crm/v3/limits/custom-properties").json()
    deals = next(b for b in usage["byObjectType"] if b["objectTypeId"] == "0-3")
    assert deals["usage"] == 10
    # the next request counts from the stored state again
    again = api.post(PROPS, prop("jp_f"))
    assert again.status_code == 400 and "limit of 10" in again.json()["message"]


def test_batch_create_counts_calculated_properties_across_objects(
    emulator: EmulatorServer,
) -> None:
    api = portal(emulator, "professional")  # 5 calculated properties in the portal
    company = calc("jp_company_calc")
    company["groupName"] = "companyinformation"
    assert api.post("/crm/v3/properties/companies", company).status_code == 201
    inputs = [calc(f"jp_calc_{i}") for i in range(4)] + [prop("jp_plain"), calc("jp_calc_4")]
    res = api.post(f"{PROPS}/batch/create", {"inputs": inputs})
    assert res.status_code == 207
    body = res.json()
    created = [r["name"] for r in body["results"]]
    assert created == ["jp_calc_0", "jp_calc_1", "jp_calc_2", "jp_calc_3", "jp_plain"]
    assert "limit of 5 calculated properties" in error_names(body)["jp_calc_4"]


def test_batch_create_counts_unique_value_properties(api: Api) -> None:
    assert api.post(PROPS, prop("jp_unique_0", hasUniqueValue=True)).status_code == 201
    inputs = [prop(f"jp_unique_{i}", hasUniqueValue=True) for i in range(1, 12)]
    inputs.insert(3, prop("jp_unique_bad", hasUniqueValue=True, fieldType="select"))
    res = api.post(f"{PROPS}/batch/create", {"inputs": inputs})
    assert res.status_code == 207
    body = res.json()
    assert [r["name"] for r in body["results"]] == [f"jp_unique_{i}" for i in range(1, 10)]
    errors = error_names(body)
    assert set(errors) == {"jp_unique_bad", "jp_unique_10", "jp_unique_11"}
    assert "At most 10 unique-value properties" in errors["jp_unique_11"]


def test_a_100_input_batch_create_stays_fast_on_a_big_portal(api: Api) -> None:
    """Each input used to recount (and decode) every stored property: a batch on a portal
    of 1,000 properties took seconds. The bound is loose (a shared, loaded machine)."""
    timings = []
    for batch in range(9):
        inputs = [prop(f"jp_big_{batch}_{i}") for i in range(100)]
        started = time.perf_counter()
        res = api.post(f"{PROPS}/batch/create", {"inputs": inputs})
        timings.append(time.perf_counter() - started)
        assert res.status_code == 201 and len(res.json()["results"]) == 100
    assert len(api.get(PROPS).json()["results"]) > 900
    assert timings[-1] < 1.0, timings


def test_latency_is_served_concurrently(api: Api) -> None:
    """Eight requests at once (an apply writes up to eight) wait out their latency
    together: the sleep holds no store lock. Serially they would take 8 × 0.4 s."""
    assert api.control("PATCH", "/settings", {"latencyMs": 400}).status_code == 200
    statuses: list[int] = []

    def write(i: int) -> None:
        statuses.append(api.post(PROPS, prop(f"jp_parallel_{i}")).status_code)

    def read(_: int) -> None:
        statuses.append(api.get(PROPS).status_code)

    threads = [threading.Thread(target=write if i % 2 else read, args=(i,)) for i in range(8)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    assert sorted(statuses) == [200] * 4 + [201] * 4
    assert 0.4 <= elapsed < 1.6, elapsed


def test_keep_alive_answers_are_not_held_back_by_nagle(api: Api) -> None:
    """Headers and body are two writes; without TCP_NODELAY the body waited for the
    client's delayed ACK (about 40 ms a request on Linux)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api.token}"
    timings = []
    for _ in range(21):
        started = time.perf_counter()
        assert session.get(f"{api.url}/account-info/v3/details", timeout=10).status_code == 200
        timings.append(time.perf_counter() - started)
    session.close()
    assert statistics.median(timings) < 0.03, timings
