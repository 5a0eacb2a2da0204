"""audit on a seeded portal: HubSpot's current stage stamps (hs_v2_date_*) with the legacy
ones as a per-record fallback, labels in the reader's language, display-width columns, and
drift that does not depend on the language the audit is read in.

Every expected number is computed here from the emulator's store."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hubspot.crm.properties import PropertyUpdate

from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv, on
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]
BP = str(DEFAULT_BLUEPRINT)
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
ALL_STAGES = [*OPEN, "jp_closed_won", "jp_closed_lost"]
MAX_DAYS = dict(zip(OPEN, [28, 42, 56, 84, 84, 56, 28, 56, 42], strict=True))
INTERNAL = re.compile(r"jp_|_fy|next_fy|this_fy|hs_date|hs_v2")


def t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def entered(props: dict[str, str], stage: str) -> str | None:
    """The rule written out: the v2 stamp, or the legacy one when v2 is empty."""
    return props.get(f"hs_v2_date_entered_{stage}") or props.get(f"hs_date_entered_{stage}")


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


@pytest.fixture
def seeded(cli: Cli, portal: PortalEnv, emulator: EmulatorServer) -> list[dict[str, Any]]:
    requests.put(
        f"{portal.url}/_emulator/portals/{portal.portal_id}/settings",
        json={"rateLimits": {"perTenSeconds": 10_000}, "recordBodies": True},
        timeout=5,
    )
    assert cli("apply", BP, *on(portal), "--yes").exit_code == 0
    seed = cli("emulator", "seed", BP, *on(portal), "--deals", "120", "--seed", "5")
    assert seed.exit_code == 0, seed.stderr
    return deals_of(emulator, portal)


def deals_of(emulator: EmulatorServer, portal: PortalEnv) -> list[dict[str, Any]]:
    return [
        r
        for r in emulator.store.all(portal.portal_id, "record:deals")
        if r["properties"].get("pipeline") == "jp_enterprise"
    ]


def stalled_from(deals: list[dict[str, Any]]) -> set[str]:
    now = dt.datetime.now(dt.UTC)
    out = set()
    for d in deals:
        p = d["properties"]
        stage = p["dealstage"]
        if stage not in OPEN:
            continue
        stamp = entered(p, stage)
        if stamp and (now - t(stamp)).total_seconds() / 86400 > MAX_DAYS[stage]:
            out.add(d["id"])
    return out


def test_v2_stamps_win_and_legacy_is_the_fallback(
    cli: Cli, portal: PortalEnv, emulator: EmulatorServer, seeded: list[dict[str, Any]]
) -> None:
    """A third of the deals get v2 stamps 40 days earlier than their legacy ones (so
    v2 must be read, or they would not be stalled), a third carry v2 stamps only, the rest
    legacy only (the emulator until it maintains v2 itself)."""
    open_deals = [d for d in seeded if d["properties"]["dealstage"] in OPEN]
    assert len(open_deals) > 30
    for i, deal in enumerate(open_deals):
        props = dict(deal["properties"])
        if i % 3 == 2:
            continue  # legacy only
        for stage in ALL_STAGES:
            legacy = props.get(f"hs_date_entered_{stage}")
            if legacy is None:
                continue
            shifted = (t(legacy) - dt.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            props[f"hs_v2_date_entered_{stage}"] = shifted
            if i % 3 == 1:
                del props[f"hs_date_entered_{stage}"]  # v2 only
        emulator.store.put(
            portal.portal_id, "record:deals", deal["id"], {**deal, "properties": props}
        )
    deals = deals_of(emulator, portal)
    expected = stalled_from(deals)
    legacy_only = stalled_from(
        [
            {**d, "properties": {k: v for k, v in d["properties"].items() if "hs_v2_" not in k}}
            for d in deals
        ]
    )
    assert expected != legacy_only  # the v2 values change the answer
    emulator.store.clear_requests(portal.portal_id)
    result = cli("audit", BP, *on(portal), "--format", "json")
    assert result.exit_code == 2, result.stderr
    data = json.loads(result.stdout)
    got = {f["dealId"] for f in data["findings"] if f["kind"] == "stalled"}
    assert got == expected
    # one read: both families named once each, no property twice, no extra calls
    log = emulator.store.requests(portal.portal_id)
    searches = [r for r in log if r["path"].endswith("/deals/search")]
    assert len(searches) == 1  # 120 deals: one page
    names = searches[0]["body"]["properties"]
    assert len(names) == len(set(names))
    for stage in ALL_STAGES:
        for family in ("hs_v2_date_entered_", "hs_v2_date_exited_", "hs_date_entered_"):
            assert family + stage in names
    contact_reads = [r for r in log if r["path"] == "/crm/v3/objects/contacts/batch/read"]
    # record associations (the plan's reads of association label definitions aside)
    assoc_reads = [
        r for r in log if "associations" in r["path"] and not r["path"].endswith("/labels")
    ]
    links = emulator.store.all(portal.portal_id, "assoc:deals:contacts")
    contacts = {a["toId"] for a in links if a["fromId"] in {d["id"] for d in deals}}
    assert len(assoc_reads) == 1
    assert len(contact_reads) == -(-len(contacts) // 100)


def test_audit_reads_in_english_on_a_japanese_portal_without_false_drift(
    cli: Cli, portal: PortalEnv, emulator: EmulatorServer, seeded: list[dict[str, Any]]
) -> None:
    ja = cli("audit", BP, *on(portal))
    en = cli("audit", BP, *on(portal), "--language", "en")
    en_json = json.loads(cli("audit", BP, *on(portal), "--language", "en", "-f", "json").stdout)
    assert ja.exit_code == en.exit_code == 2, en.stderr  # findings, not drift
    assert en_json["drift"] == []
    assert "configuration drift: 0 change(s)" in en.stdout
    assert "設定の差分: 0 件" in ja.stdout
    assert en.stdout.startswith("Pipeline audit") and ja.stdout.startswith("パイプライン監査")
    for out in (ja.stdout, en.stdout):
        visible = re.sub(r"https://\S+", "", out)
        assert not INTERNAL.search(visible), INTERNAL.search(visible)
    # stage names and option labels from the blueprint, in each language
    assert "稟議中" in ja.stdout and "Ringi" in en.stdout
    criteria = [f for f in en_json["findings"] if f["kind"] == "criteria"]
    assert criteria and all(f["unmet"] for f in criteria)  # internal names stay in JSON
    budget = [u for f in criteria for u in f["unmet"] if u["property"] == "jp_budget_status"]
    if budget:
        assert "Budget status" in en.stdout


def test_real_drift_is_found_in_either_language(
    cli: Cli, portal: PortalEnv, seeded: list[dict[str, Any]]
) -> None:
    portal.sdk().crm.properties.core_api.update(
        "deals", "jp_budget_status", PropertyUpdate(label="手で変えたラベル")
    )
    for lang in ("ja", "en"):
        data = json.loads(cli("audit", BP, *on(portal), "--language", lang, "-f", "json").stdout)
        assert [d["key"] for d in data["drift"]] == ["deals/jp_budget_status"], lang
        assert data["drift"][0]["attributes"] == ["label"]
    text = cli("audit", BP, *on(portal), "--language", "en").stdout
    assert 'property "Budget status"' in text


def test_text_columns_align_by_display_width(
    cli: Cli, portal: PortalEnv, seeded: list[dict[str, Any]]
) -> None:
    for lang in ("ja", "en"):
        lines = cli("audit", BP, *on(portal), "--language", lang).stdout.splitlines()
        blocks: list[list[str]] = []
        for line in lines:
            if "https://" in line:
                if not blocks or not blocks[-1]:
                    blocks.append([])
                blocks[-1].append(line)
            elif blocks and blocks[-1]:
                blocks.append([])
        checked = 0
        for block in filter(None, blocks):
            starts = {width(line[: line.index("https://")]) for line in block}
            assert len(starts) == 1, block
            checked += 1
        assert checked > 3
