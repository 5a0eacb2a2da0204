"""Every command that talks to a portal ends within its total deadline (issue 17 item 1):
a portal that answers, but too slowly for the command to finish, stops the command in one
line naming the URL, the profile and what was being read or written; the apply lock is
still released, nothing is duplicated, and a later apply converges."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from hs_japan.portal import client as client_module
from hs_japan.portal.client import PortalClient
from tests.conftest import CliResult, PortalEnv, lift_limits, portal_flows
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]


def _settings(portal: PortalEnv, **body: object) -> None:
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings", json=body, timeout=5
    ).raise_for_status()


def _on(portal: PortalEnv) -> list[str]:
    return ["--portal", "test", "--config", str(portal.config)]


def _requests(portal: PortalEnv) -> list[dict[str, Any]]:
    got = requests.get(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/requests", timeout=5
    ).json()
    return list(got["results"] if isinstance(got, dict) else got)


def test_a_slow_portal_stops_apply_at_the_command_deadline_and_nothing_is_lost(
    portal: PortalEnv, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    lift_limits(portal)
    # every workflow create answers, but only after 6 s: no single call times out (its
    # own deadline is 90 s), yet the command's deadline of 4 s runs out under the lock
    slow = {"kind": "latency", "method": "POST", "path": "/automation/v4/flows"}
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults",
        json={"faults": [{**slow, "latencyMs": 6000}]},
        timeout=5,
    ).raise_for_status()
    monkeypatch.setenv("HS_JAPAN_DEADLINE", "4")
    started = time.monotonic()
    result = cli("apply", str(DEFAULT_BLUEPRINT), *_on(portal), "--yes")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.stdout + result.stderr
    assert elapsed < 4 + client_module.CLEANUP_GRACE, elapsed
    assert "Traceback" not in result.stderr
    line = next(
        ln for ln in result.stderr.splitlines() if "the command's deadline of 4 s ran out" in ln
    )
    assert portal.url in line and "profile 'test'" in line
    assert "workflow" in line and "the write may or may not have happened" in line
    # it stopped under the apply lock, and the lock was still released (the grace period)
    log = [(r["method"], r["path"]) for r in _requests(portal)]
    lock_path = "/crm/v3/properties/contacts/groups"
    assert ("POST", lock_path) in log
    assert any(m == "DELETE" and p.startswith(lock_path + "/") for m, p in log)

    # the slow creates were all sent before the apply gave up: they land within 6 s of it
    time.sleep(max(0.0, 6.5 - (time.monotonic() - started - elapsed)))
    monkeypatch.delenv("HS_JAPAN_DEADLINE")
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults",
        json={"faults": []},
        timeout=5,
    ).raise_for_status()
    again = cli("apply", str(DEFAULT_BLUEPRINT), *_on(portal), "--yes")
    assert again.exit_code == 0, again.stdout + again.stderr
    replan = cli("plan", str(DEFAULT_BLUEPRINT), *_on(portal), "--detailed-exitcode")
    assert replan.exit_code == 0, replan.stdout
    markers = Counter(
        (f.get("customProperties") or {}).get("hsjapan_key") for f in portal_flows(portal)
    )
    assert len(markers) >= 10 and max(markers.values()) == 1, markers  # none twice


def test_the_profile_deadline_is_used_and_checked(
    portal: PortalEnv, cli: Cli, tmp_path: Path
) -> None:
    # every answer takes 1 s: the plan's first round alone outlasts the deadline (at 400 ms
    # a plan of two or three dependent rounds could finish within it)
    _settings(portal, latencyMs=1000)
    text = portal.config.read_text()
    portal.config.write_text(text + "deadline = 1\n")
    started = time.monotonic()
    result = cli("plan", str(DEFAULT_BLUEPRINT), *_on(portal))
    assert result.exit_code == 1
    assert time.monotonic() - started < 1 + 5
    assert "the command's deadline of 1 s ran out" in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr

    portal.config.write_text(text + 'deadline = "soon"\n')
    bad = cli("plan", str(DEFAULT_BLUEPRINT), *_on(portal))
    assert bad.exit_code == 1
    assert f"{portal.config}: portals.test.deadline: must be a number of seconds" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("value", ["0", "-5", "ten", "nan", "1e12"])
def test_a_bad_hs_japan_deadline_is_one_line(
    value: str, portal: PortalEnv, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HS_JAPAN_DEADLINE", value)
    result = cli("plan", str(DEFAULT_BLUEPRINT), *_on(portal))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: HS_JAPAN_DEADLINE: must be a number of seconds between 1 and 604800"
    )


def test_the_command_deadline_cuts_a_call_short_and_then_refuses_more(portal: PortalEnv) -> None:
    _settings(portal, latencyMs=700)
    client = PortalClient(portal.url, portal.token, profile="test", command_deadline=1.0)
    client.deadline = 60.0  # the per-call deadline alone would wait much longer
    started = time.monotonic()
    first = client.get_account_details()  # 0.7 s: within the deadline
    assert first["portalId"] == portal.portal_id
    with pytest.raises(Exception, match=r"the command's deadline of 1 s ran out waiting for"):
        client.get_account_details()
    assert time.monotonic() - started < 2.5
    with pytest.raises(Exception, match=r"the command's deadline of 1 s ran out"):
        client.get_account_details()  # over: refused at once, nothing sent
    sent = client.requests_sent
    with client.cleanup(grace=5):
        assert client.get_account_details()["portalId"] == portal.portal_id
    assert client.requests_sent == sent + 1
    client.close()
