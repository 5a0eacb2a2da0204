"""Audit and report on a seeded portal: every number equals one computed here, straight
from the emulator's store (not through the engine), and the HTML report renders offline."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from hs_japan.emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]
BP = str(DEFAULT_BLUEPRINT)
CHROMIUM = shutil.which("chromium")
OPEN = [
    "jp_first_meeting",
    "jp_discovery",
    "jp_trust_building",
    "jp_rough_quote",
    "jp_evaluation",
    "jp_consensus",
    "jp_formal_quote",
    "jp_ringi",
    "jp_vendor_registration",
]
PROB = dict(zip(OPEN, [0.1, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.9], strict=True))
MAX_DAYS = dict(zip(OPEN, [28, 42, 56, 84, 84, 56, 28, 56, 42], strict=True))


def on(portal: PortalEnv) -> tuple[str, ...]:
    return ("--portal", portal.name, "--config", str(portal.config))


def t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def unmet(stage: str, p: dict[str, str]) -> bool:
    """The Japan pipeline's entry criteria of ``stage`` plus the previous stage's exit
    criteria, written out by hand from pipeline-deals.yaml."""
    checks = {
        "jp_discovery": [not p.get("jp_target_fy")],
        "jp_trust_building": [not p.get("jp_budget_status"), not p.get("jp_approval_level")],
        "jp_rough_quote": [
            not p.get("jp_champion_named"),
            not p.get("jp_trust_assets"),
            p.get("jp_champion_named") != "true",
        ],
        "jp_evaluation": [
            p.get("jp_budget_status") not in ("this_fy", "reallocated", "next_fy_requested")
        ],
        "jp_ringi": [
            not p.get("jp_ringi_status"),
            p.get("jp_ringi_status") not in ("circulating", "approved"),
        ],
        "jp_vendor_registration": [p.get("jp_ringi_status") != "approved"],
    }
    return any(checks.get(stage, []))


@pytest.fixture
def seeded(cli: Cli, portal: PortalEnv, emulator: EmulatorServer) -> list[dict[str, Any]]:
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}},
        timeout=5,
    )
    assert cli("apply", BP, *on(portal), "--yes").exit_code == 0
    seed = cli("emulator", "seed", BP, *on(portal), "--deals", "150", "--seed", "3")
    assert seed.exit_code == 0, seed.stderr
    assert "150 deals" in seed.stdout
    return [
        r
        for r in emulator.store.all(portal.portal_id, "record:deals")
        if r["properties"].get("pipeline") == "jp_enterprise"
    ]


def test_audit_numbers_match_the_data(
    cli: Cli, portal: PortalEnv, emulator: EmulatorServer, seeded: list[dict[str, Any]]
) -> None:
    now = dt.datetime.now(dt.UTC)
    open_deals = [d for d in seeded if d["properties"]["dealstage"] in OPEN]
    stalled = sum(
        1
        for d in open_deals
        if (
            now - t(d["properties"][f"hs_date_entered_{d['properties']['dealstage']}"])
        ).total_seconds()
        / 86400
        > MAX_DAYS[d["properties"]["dealstage"]]
    )
    criteria = sum(1 for d in open_deals if unmet(d["properties"]["dealstage"], d["properties"]))
    contacts = {
        r["id"]: r["properties"] for r in emulator.store.all(portal.portal_id, "record:contacts")
    }
    links = emulator.store.all(portal.portal_id, "assoc:deals:contacts")
    assert links
    result = cli("audit", BP, *on(portal), "--format", "json")
    assert result.exit_code == 2, result.stderr  # findings
    data = json.loads(result.stdout)
    assert data["openDeals"] == len(open_deals)
    assert data["counts"]["stalled"] == stalled and stalled > 0
    assert data["counts"]["criteria"] == criteria and criteria > 0
    assert data["drift"] == []
    by_deal: dict[str, set[str]] = {}
    for deal in open_deals:
        by_deal[deal["id"]] = set()
    for a in links:
        if a["fromId"] in by_deal:
            by_deal[a["fromId"]] |= set(contacts[a["toId"]].get("jp_buying_role", "").split(";"))
    missing = sum(
        1 for roles in by_deal.values() if "approver" not in roles or "champion" not in roles
    )
    assert data["counts"]["stakeholders"] == missing
    link = data["findings"][0]["link"]
    assert link.startswith(f"https://app.hubspot.com/contacts/{portal.portal_id}/record/0-3/")


def test_report_numbers_match_the_data(
    cli: Cli, portal: PortalEnv, seeded: list[dict[str, Any]], tmp_path: Path
) -> None:
    html = tmp_path / "report.html"
    result = cli("report", BP, *on(portal), "--out", str(html))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    entered = Counter(s for d in seeded for s in OPEN if f"hs_date_entered_{s}" in d["properties"])
    weighted = sum(
        float(d["properties"].get("amount", 0)) * PROB[d["properties"]["dealstage"]]
        for d in seeded
        if d["properties"]["dealstage"] in OPEN
    )
    assert f"¥{weighted:,.0f}" in result.stdout
    first_row = next(line for line in lines if line.startswith("初回面談"))
    assert first_row.split()[1] == str(entered["jp_first_meeting"]) == "150"
    ringi_row = next(line for line in lines if line.startswith("稟議中"))
    assert ringi_row.split()[1] == str(entered["jp_ringi"])
    months = Counter(t(d["properties"]["createdate"]).strftime("%Y-%m") for d in seeded)
    now = dt.datetime.now(dt.UTC)
    this_month = now.strftime("%Y-%m")
    row = next(line for line in lines if line.startswith(this_month))
    assert row.split()[1] == str(months.get(this_month, 0))
    text = html.read_text(encoding="utf-8")
    assert "<script" not in text and "http" not in text.replace(
        "http://www.w3.org/2000/svg", ""
    ).replace("https://app.hubspot.com", "")
    if CHROMIUM:
        shot = tmp_path / "report.png"
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--proxy-server=127.0.0.1:9",
                "--window-size=900,1600",
                f"--screenshot={shot}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=90,
        )
        assert shot.stat().st_size > 20_000  # tables and bars, not an empty page
