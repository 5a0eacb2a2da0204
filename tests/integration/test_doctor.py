"""hs-japan doctor over real HTTP against the emulator: every problem in one run, no writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hs_japan.reserved import LOCK_GROUP, MIGRATION_RECORD
from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv
from tests.helpers import DEFAULT_BLUEPRINT, write_blueprint

Cli = Callable[..., CliResult]

NOTIFY = """
version: 1
property_groups:
  - {object: contacts, name: jp_doc_group, label: Doc}
properties:
  - object: contacts
    name: jp_doc_touch
    label: Touch
    type: enumeration
    field_type: select
    group: jp_doc_group
    options:
      - {value: demo, label: Demo}
follow_up_rules:
  - key: jp_doc_notify
    name: Notify
    object: contacts
    trigger:
      property_equals: {property: jp_doc_touch, in: [demo]}
    steps:
      - notify:
          users: [owner@example.com, nobody@example.jp]
          subject: New demo
"""


def use_portal(
    emulator: EmulatorServer,
    env: PortalEnv,
    monkeypatch: pytest.MonkeyPatch,
    *,
    tier: str = "enterprise",
    scopes: list[str] | None = None,
) -> int:
    created = emulator.create_portal(tier=tier, scopes=scopes)
    monkeypatch.setenv(env.token_env, str(created["token"]))
    return int(created["portalId"])


def doctor(cli: Cli, env: PortalEnv, blueprint: Path, *extra: str) -> CliResult:
    return cli("doctor", str(blueprint), "--portal", "test", "--config", str(env.config), *extra)


def test_three_scopes_every_missing_scope_named_in_one_run(
    cli: Cli, emulator: EmulatorServer, portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    granted = ["oauth", "crm.schemas.deals.read", "crm.lists.read"]
    pid = use_portal(emulator, portal, monkeypatch, scopes=granted)
    result = doctor(cli, portal, DEFAULT_BLUEPRINT)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for scope in (
        "automation",
        "crm.lists.write",
        "crm.schemas.companies.read",
        "crm.schemas.companies.write",
        "crm.schemas.contacts.read",
        "crm.schemas.contacts.write",
        "crm.schemas.deals.write",
        "crm.schemas.tickets.read",
        "crm.schemas.tickets.write",
        # record reads only let the plan count what a destructive change touches: warnings
        "crm.objects.deals.read",
        "crm.objects.companies.read",
    ):
        assert f"missing scope {scope} (needed for: " in result.stdout, scope
    for scope in granted:
        assert f"missing scope {scope} " not in result.stdout
    assert "missing scope crm.lists.write (needed for: list jp_icp_lookalikes" in result.stdout
    assert "or switch off: set `criteria_tasks: off` on pipeline deals/jp_enterprise" in (
        result.stdout
    )
    # one run, read-only: no request the emulator accepted changed anything
    log = emulator.requests(pid)
    writes = [r for r in log if r["method"] != "GET" and r["status"] < 400]
    assert all(r["template"].endswith(("/search", "/batch/read")) for r in writes), writes


def test_starter_portal_explains_which_parts_need_which_tier(
    cli: Cli, emulator: EmulatorServer, portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_portal(emulator, portal, monkeypatch, tier="starter")
    result = doctor(cli, portal, DEFAULT_BLUEPRINT)
    assert result.exit_code == 1, result.stdout + result.stderr
    out = result.stdout
    assert "workflows not available (starter)" in out
    assert "follow-up rules compile to workflows, which need a Professional or Enterprise" in out
    assert "stage-criteria tasks are workflows, which need a Professional or Enterprise" in out
    assert "set `criteria_tasks: off` on pipeline deals/jp_enterprise" in out
    assert "remove the follow-up rules from the blueprint" in out
    assert "Not ready" in out


def test_free_portal_names_the_pipeline_limits_and_hubs(
    cli: Cli, emulator: EmulatorServer, portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_portal(emulator, portal, monkeypatch, tier="free")
    result = doctor(cli, portal, DEFAULT_BLUEPRINT)
    assert result.exit_code == 1
    assert "deals pipelines: 1 used + 1 new > limit 1" in result.stdout
    assert "tickets pipelines: 1 used + 1 new > limit 1" in result.stdout
    assert "Service Hub Starter or higher" in result.stdout
    assert "or switch off: drop pipeline tickets/jp_support from the blueprint" in result.stdout


def test_default_blueprint_on_enterprise_portal_is_ready(
    cli: Cli, emulator: EmulatorServer, portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_portal(emulator, portal, monkeypatch, tier="enterprise")
    result = doctor(cli, portal, DEFAULT_BLUEPRINT)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Ready: the token, the subscription and the portal allow this blueprint" in (
        result.stdout
    )
    as_json = doctor(cli, portal, DEFAULT_BLUEPRINT, "--format", "json")
    assert as_json.exit_code == 0
    doc = json.loads(as_json.stdout)
    assert doc["ready"] is True
    assert doc["findings"] == []
    assert doc["tier"]["workflows"] is True
    assert doc["limits"]["pipelines"]["deals"]["limit"] == 100


def test_unknown_owner_email_is_named(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": NOTIFY})
    result = doctor(cli, portal, bp)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "no HubSpot user with email nobody@example.jp in this portal" in result.stdout
    assert "owner@example.com" not in result.stdout  # the seeded owner exists
    assert "set `absent: true` on follow-up rule jp_doc_notify" in result.stdout
    doc = json.loads(doctor(cli, portal, bp, "--format", "json").stdout)
    owners = [f for f in doc["findings"] if f["category"] == "owner"]
    assert len(owners) == 1 and owners[0]["needed_for"] == ["follow-up rule jp_doc_notify"]


def test_reserved_names_are_named(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(
        tmp_path / "bp",
        {
            "b.yaml": f"""
            version: 1
            property_groups:
              - {{object: contacts, name: {LOCK_GROUP}, label: Mine}}
            properties:
              - object: contacts
                name: {MIGRATION_RECORD}
                label: Mine
                type: string
                field_type: text
                group: {LOCK_GROUP}
            pipelines:
              - object: deals
                id: hs_deals_jp
                label: Deals JP
                criteria_tasks: "off"
                stages:
                  - {{key: jp_open, label: Open, probability: 0.2}}
            """
        },
    )
    result = doctor(cli, portal, bp)
    assert result.exit_code == 1, result.stdout + result.stderr
    # hs-japan's own names are blueprint errors (validate finds them, file:line)
    assert f"b.yaml:3: property_groups[0].name: '{LOCK_GROUP}' is hs-japan's apply lock" in (
        result.stderr
    )
    assert f"properties[0].name: '{MIGRATION_RECORD}' is hs-japan's migration record" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    # HubSpot's hs_ prefix is doctor's to report
    (bp / "b.yaml").write_text(
        "version: 1\npipelines:\n  - object: deals\n    id: hs_deals_jp\n"
        '    label: Deals JP\n    criteria_tasks: "off"\n'
        "    stages:\n      - {key: jp_open, label: Open, probability: 0.2}\n",
        encoding="utf-8",
    )
    result = doctor(cli, portal, bp)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "pipeline deals/hs_deals_jp: names starting with hs_ are HubSpot's own" in result.stdout
    assert "b.yaml:" in result.stdout  # where, so the user can find it


def test_rejected_token_is_one_line_without_traceback(
    cli: Cli, portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(portal.token_env, "pat-na1-not-a-real-token")
    result = doctor(cli, portal, DEFAULT_BLUEPRINT)
    assert result.exit_code == 1
    assert "was rejected (401" in result.stderr
    assert "Traceback" not in result.stderr
