"""Export and clone follow the leads object (0-136) like the others: a lead property's
validation rule and a lead ↔ contact association label are exported, plan no change on the
portal they came from, and a clone reproduces them (docs/hubspot-api.md §15.7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from hubspot_emulator import EmulatorServer
from tests.conftest import CliResult, PortalEnv, lift_limits, with_target

Cli = Callable[..., CliResult]

BLUEPRINT = """\
version: 1
property_groups:
  - object: leads
    name: jp_lead_quality
    label: {ja: リード品質, en: Lead quality}
properties:
  - object: leads
    name: jp_target_role
    label: {ja: 狙う役職・部署, en: Target role}
    type: string
    field_type: text
    group: jp_lead_quality
    max_length: 80
association_labels:
  - from: leads
    to: contacts
    name: jp_lead_referrer
    label: {ja: 紹介者, en: Referrer}
    inverse_label: {ja: 紹介したリード, en: Referred lead}
"""


def _labels(url: str, token: str, a: str, b: str) -> list[str]:
    got = requests.get(
        f"{url}/crm/associations/v4/{a}/{b}/labels",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert got.status_code == 200, got.text
    return sorted(str(i["label"]) for i in got.json()["results"] if i["category"] == "USER_DEFINED")


def _rules(url: str, token: str) -> list[tuple[str, str, list[str]]]:
    got = requests.get(
        f"{url}/crm/v3/property-validations/0-136",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert got.status_code == 200, got.text
    return sorted(
        (p["propertyName"], r["ruleType"], list(r["ruleArguments"]))
        for p in got.json()["results"]
        for r in p["propertyValidationRules"]
    )


def test_lead_validation_and_lead_contact_label_export_and_clone(
    cli: Cli,
    emulator: EmulatorServer,
    portal: PortalEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lift_limits(portal)
    bp = tmp_path / "bp"
    bp.mkdir()
    (bp / "leads.yaml").write_text(BLUEPRINT, encoding="utf-8")
    on = ("--portal", portal.name, "--config", str(portal.config))
    applied = cli("apply", str(bp), *on, "--yes")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert _rules(portal.url, portal.token) == [("jp_target_role", "MAX_LENGTH", ["80"])]

    out = tmp_path / "export"
    result = cli("export", *on, "--out", str(out))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "left out" not in result.stderr
    assert "1 association labels" in result.stdout and "1 validations" in result.stdout
    rules = (out / "validations.yaml").read_text(encoding="utf-8")
    assert "object: leads\n  property: jp_target_role\n  rule_type: MAX_LENGTH" in rules
    labels = (out / "associations.yaml").read_text(encoding="utf-8")
    assert "from: leads\n  to: contacts" in labels
    assert "ja: 紹介者" in labels and "inverse_label:\n    ja: 紹介したリード" in labels
    # the export is the portal: it plans no change
    plan = cli("plan", str(out), *on, "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr

    target = emulator.create_portal(account_type="SANDBOX", portal_name="lead clone target")
    config = with_target(portal, target, tmp_path, monkeypatch)
    assert _labels(emulator.url, str(target["token"]), "leads", "contacts") == []
    cloned = cli("clone", "--from", "test", "--to", "target", "--config", str(config), "--yes")
    assert cloned.exit_code == 0, cloned.stdout + cloned.stderr
    assert "Clone complete" in cloned.stdout
    token = str(target["token"])
    assert _rules(emulator.url, token) == [("jp_target_role", "MAX_LENGTH", ["80"])]
    assert _labels(emulator.url, token, "leads", "contacts") == ["紹介者"]
    assert _labels(emulator.url, token, "contacts", "leads") == ["紹介したリード"]
    # the original blueprint plans no change on the clone
    again = cli(
        "plan", str(bp), "--portal", "target", "--config", str(config), "--detailed-exitcode"
    )
    assert again.exit_code == 0, again.stdout + again.stderr
