"""The pure preflight: Facts in, Findings out (no server)."""

from __future__ import annotations

import json
from pathlib import Path

from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.model import Blueprint
from hs_japan.doctor import (
    Facts,
    ProbeOutcome,
    Usage,
    preflight,
    ready,
    render_json,
    render_text,
    required_probes,
)
from tests.helpers import SMALL, write_blueprint

OK = ProbeOutcome(ok=True)

RULE = """
version: 1
follow_up_rules:
  - key: jp_rule
    name: Rule
    object: deals
    trigger:
      stage_entered: {pipeline: jp_test_pipe, stage: jp_t_open}
    steps:
      - notify: {users: [Sato@Example.jp], subject: Hi}
"""


def small(tmp_path: Path, extra: dict[str, str] | None = None) -> Blueprint:
    return load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": SMALL, **(extra or {})}))


def all_ok(bp: Blueprint, **kw: object) -> Facts:
    probes = {p.key: OK for p in required_probes(bp)}
    return Facts(probes=probes, portal_id=1, account_type="SANDBOX", **kw)  # type: ignore[arg-type]


def test_required_probes_follow_the_blueprint(tmp_path: Path) -> None:
    bp = small(tmp_path, {"r.yaml": RULE})
    probes = {p.key: p for p in required_probes(bp)}
    assert probes["schemas.write/deals"].scope == "crm.schemas.deals.write"
    assert "property deals/jp_color" in probes["schemas.write/deals"].needed_for
    assert probes["automation"].needed_for == (
        "follow-up rule jp_rule",
        "stage-criteria tasks of pipeline deals/jp_test_pipe",
    )
    assert probes["owner/sato@example.jp"].scope == "crm.objects.owners.read"
    assert not probes["records/deals"].required  # nothing deleted: counting is optional
    assert "lists.read" not in probes and "schemas.read/contacts" not in probes


def test_all_granted_and_roomy_is_ready(tmp_path: Path) -> None:
    bp = small(tmp_path)
    findings = preflight(bp, "en", all_ok(bp, workflows=True))
    assert findings == [] and ready(findings)


def test_every_missing_scope_is_one_line_with_what_needs_it(tmp_path: Path) -> None:
    bp = small(tmp_path, {"r.yaml": RULE})
    probes = {p.key: OK for p in required_probes(bp)}
    probes["automation"] = ProbeOutcome(ok=False, required_scopes=("automation",))
    probes["schemas.write/deals"] = ProbeOutcome(
        ok=False, required_scopes=("crm.schemas.deals.write",)
    )
    probes["records/deals"] = ProbeOutcome(
        ok=False, required_scopes=("crm.objects.deals.read", "crm.objects.deals.write")
    )
    findings = preflight(bp, "en", Facts(probes=probes))
    by_scope = {f.message.split(" ")[2]: f for f in findings if f.category == "scope"}
    assert set(by_scope) == {"automation", "crm.schemas.deals.write", "crm.objects.deals.read"}
    auto = by_scope["automation"]
    assert auto.severity == "error"
    assert auto.message.startswith(
        "missing scope automation (needed for: follow-up rule jp_rule, "
        "stage-criteria tasks of pipeline deals/jp_test_pipe)"
    )
    assert "or switch off: set `criteria_tasks: off` on pipeline deals/jp_test_pipe" in auto.fixes
    records = by_scope["crm.objects.deals.read"]
    assert records.severity == "warning"
    assert "HubSpot also accepts: crm.objects.deals.write" in records.message
    assert not ready(findings)


def test_record_scope_is_an_error_when_the_blueprint_deletes(tmp_path: Path) -> None:
    tomb = "version: 1\nproperties:\n  - {object: deals, name: jp_old, absent: true}\n"
    bp = small(tmp_path, {"t.yaml": tomb})
    probes = {p.key: OK for p in required_probes(bp)}
    probes["records/deals"] = ProbeOutcome(ok=False, required_scopes=("crm.objects.deals.read",))
    [finding] = preflight(bp, "en", Facts(probes=probes, workflows=True))
    assert finding.severity == "error"


def test_workflows_missing_from_tier_name_each_part_and_its_switch(tmp_path: Path) -> None:
    bp = small(tmp_path, {"r.yaml": RULE})
    facts = all_ok(bp, workflows=False, workflow_tier="starter", owners={"sato@example.jp": True})
    findings = preflight(bp, "en", facts)
    assert [f.category for f in findings] == ["tier", "tier"]
    rules, criteria = findings
    assert "(this portal: starter)" in rules.message
    assert rules.needed_for == ("follow-up rule jp_rule",)
    assert (
        criteria.fixes[-1]
        == "or switch off: set `criteria_tasks: off` on pipeline deals/jp_test_pipe"
    )


def test_criteria_tasks_off_needs_no_workflows(tmp_path: Path) -> None:
    off = SMALL.replace("    stages:\n", '    criteria_tasks: "off"\n    stages:\n', 1)
    bp = load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": off}))
    assert "automation" not in {p.key for p in required_probes(bp)}
    assert preflight(bp, "en", all_ok(bp, workflows=False)) == []


def test_limits_count_only_what_the_blueprint_adds(tmp_path: Path) -> None:
    bp = small(tmp_path)
    full = all_ok(
        bp,
        workflows=True,
        pipelines={"deals": frozenset({"default"})},
        pipeline_limits={"deals": Usage(usage=1, limit=1)},
        properties={"deals": frozenset()},
        property_limits={"deals": Usage(usage=10, limit=10)},
    )
    messages = [f.message for f in preflight(bp, "en", full)]
    assert messages[0].startswith("deals pipelines: 1 used + 1 new > limit 1")
    assert "Sales Hub Starter" in messages[0]
    assert messages[1] == "deals custom properties: 10 used + 1 new > limit 10"
    present = all_ok(
        bp,
        workflows=True,
        pipelines={"deals": frozenset({"default", "jp_test_pipe"})},
        pipeline_limits={"deals": Usage(usage=2, limit=2)},
        properties={"deals": frozenset({"jp_color"})},
        property_limits={"deals": Usage(usage=10, limit=10)},
    )
    assert preflight(bp, "en", present) == []


def test_unknown_owner_is_named_known_or_unread_is_not(tmp_path: Path) -> None:
    bp = small(tmp_path, {"r.yaml": RULE})
    missing = preflight(bp, "en", all_ok(bp, workflows=True, owners={"sato@example.jp": False}))
    [owner] = [f for f in missing if f.category == "owner"]
    assert "no HubSpot user with email sato@example.jp" in owner.message
    assert "or switch off: set `absent: true` on follow-up rule jp_rule" in owner.fixes
    assert preflight(bp, "en", all_ok(bp, workflows=True)) == []  # not read: no claim


def test_reserved_names(tmp_path: Path) -> None:
    text = SMALL.replace("name: jp_test_group", "name: hs_test_group").replace(
        "group: jp_test_group", "group: hs_test_group"
    )
    bp = load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": text}))
    [finding] = preflight(bp, "en", all_ok(bp, workflows=True))
    assert finding.category == "name"
    assert finding.message == (
        "property group deals/hs_test_group: names starting with hs_ are HubSpot's own"
    )
    assert finding.where and finding.where[0].endswith("b.yaml:3")


def test_renderings(tmp_path: Path) -> None:
    bp = small(tmp_path)
    facts = all_ok(bp, workflows=False, workflow_tier="starter")
    findings = preflight(bp, "en", facts)
    text = render_text(bp, facts, findings)
    assert "Subscription (1)" in text and "Not ready: 1 problem(s)" in text
    doc = json.loads(render_json(bp, facts, findings))
    assert doc["ready"] is False
    assert doc["findings"][0]["category"] == "tier"
    assert doc["tier"]["workflows"] is False
