"""Managed lists end to end: created, drift detected and restored, removed on request."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hubspot.crm.lists import ListFilterUpdateRequest

from hs_japan.lists import filter_branch
from tests.conftest import CliResult, PortalEnv
from tests.helpers import write_blueprint

Cli = Callable[..., CliResult]

BP = """
version: 1
property_groups:
  - {object: companies, name: jp_icp_t, label: {ja: ICP}}
properties:
  - object: companies
    name: jp_fit_t
    label: {ja: 適合度}
    type: enumeration
    field_type: select
    group: jp_icp_t
    options:
      - {value: a, label: {ja: A}}
      - {value: b, label: {ja: B}}
lists:
  - key: jp_targets
    object: companies
    name: {ja: 類似ターゲット, en: Look-alike targets}
    filters:
      - {property: jp_fit_t, in: [a, b]}
      - {property: numberofemployees, gte: 300}
"""


def on(portal: PortalEnv) -> tuple[str, ...]:
    return ("--portal", portal.name, "--config", str(portal.config))


def test_list_lifecycle(cli: Cli, portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": BP})
    plan = cli("plan", str(bp), *on(portal))
    assert "+ list companies/jp_targets" in plan.stdout, plan.stdout + plan.stderr
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    sdk = portal.sdk()
    found = sdk.crm.lists.lists_api.get_by_name(
        list_name="類似ターゲット", object_type_id="0-2", include_filters=True
    )
    list_id = found.list.list_id
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0

    # someone widens the list by hand: the plan shows exactly that, apply restores it
    sdk.crm.lists.lists_api.update_list_filters(
        list_id,
        ListFilterUpdateRequest(
            filter_branch=filter_branch(
                [
                    {
                        "property": "jp_fit_t",
                        "operationType": "ENUMERATION",
                        "operator": "IS_ANY_OF",
                        "values": ["a"],
                    }
                ]
            )
        ),
    )
    drift = json.loads(cli("plan", str(bp), *on(portal), "--format", "json").stdout)
    assert [(c["action"], c["key"]) for c in drift["changes"]] == [
        ("update", "companies/jp_targets")
    ]
    assert len(drift["changes"][0]["after"]["filters"]) == 2
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
    assert sdk.crm.lists.lists_api.get_by_id(list_id).list.list_id == list_id  # same list

    # a misspelt property is a located error before anything is written
    bad = write_blueprint(tmp_path / "bad", {"b.yaml": BP.replace("numberofemployees", "nope")})
    result = cli("plan", str(bad), *on(portal))
    assert result.exit_code == 1 and "b.yaml:" in result.stderr
    assert "unknown property 'nope'" in result.stderr

    # removal only with a tombstone and --allow-destroy
    (bp / "b.yaml").write_text(
        BP.split("lists:")[0]
        + "lists:\n  - {key: jp_targets, object: companies, name: {ja: 類似ターゲット}, "
        "absent: true}\n"
    )
    refused = cli("apply", str(bp), *on(portal), "--yes")
    assert refused.exit_code == 1 and "--allow-destroy" in refused.stderr
    assert cli("apply", str(bp), *on(portal), "--yes", "--allow-destroy").exit_code == 0
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0
