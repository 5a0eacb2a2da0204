"""Truth after a failed property batch (issue 17 item 4): the portal is re-read for the
batch's names, and the apply report counts what the portal now holds instead of saying
"may have been written"."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import requests

from tests.conftest import CliResult, PortalEnv, lift_limits
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]
CREATE = "/crm/v3/properties/deals/batch/create"
READ = "/crm/v3/properties/deals/batch/read"


def _faults(portal: PortalEnv, rules: list[dict[str, object]]) -> None:
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/faults",
        json={"faults": rules},
        timeout=5,
    ).raise_for_status()


def _deal_properties(portal: PortalEnv) -> set[str]:
    got = requests.get(
        f"{portal.url}/crm/v3/properties/deals",
        headers={"Authorization": f"Bearer {portal.token}"},
        timeout=5,
    ).json()["results"]
    return {p["name"] for p in got if p["name"].startswith("jp_")}


def test_a_batch_written_but_unheard_is_counted_as_written(
    portal: PortalEnv, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hs_japan.portal.client.SLEEP", lambda _s: None)
    lift_limits(portal)
    # the deals batch is committed but its answer is lost, and every re-read the retry
    # policy makes (attempts 2..6) fails: the call gives up; the recount afterwards works
    _faults(
        portal,
        [
            {"kind": "lost_response", "method": "POST", "path": CREATE, "times": 1},
            {"kind": "status", "status": 503, "method": "POST", "path": READ, "times": 5},
        ],
    )
    on = ["--portal", "test", "--config", str(portal.config)]
    result = cli("apply", str(DEFAULT_BLUEPRINT), *on, "--yes")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    held = _deal_properties(portal)
    assert len(held) >= 5  # the lost batch really is in the portal
    assert "may have been written" not in result.stderr
    found = re.search(r"(\d+) of (\d+) changes were written before it", result.stderr)
    assert found, result.stderr
    # every deals property the portal holds is counted (with what earlier levels wrote)
    assert int(found.group(1)) >= len(held)
    journal_free = cli("plan", str(DEFAULT_BLUEPRINT), *on)
    assert not any(f"+ property deals/{name}" in journal_free.stdout for name in held)


def test_when_the_recount_fails_too_the_report_says_may_have_been(
    portal: PortalEnv, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hs_japan.portal.client.SLEEP", lambda _s: None)
    lift_limits(portal)
    _faults(
        portal,
        [
            {"kind": "lost_response", "method": "POST", "path": CREATE, "times": 1},
            {"kind": "status", "status": 503, "method": "POST", "path": READ},
        ],
    )
    on = ["--portal", "test", "--config", str(portal.config)]
    result = cli("apply", str(DEFAULT_BLUEPRINT), *on, "--yes")
    assert result.exit_code == 1
    assert "more in the failing batch may have been written too" in result.stderr
