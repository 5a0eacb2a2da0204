"""hs-japan's own names lost HubSpot's ``hs_`` prefix (hsjapan_key, hsjapan_apply_lock,
hsjapan_migrations). A portal written by an earlier release is recognised and moved
safely: flows are re-marked in place (no duplicate), the migration record is read under
its old name and moved on the next write, an old lock is found and broken by unlock."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import requests
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyGroupCreate

from tests.conftest import CliResult, PortalEnv, lift_limits, on
from tests.conftest import portal_flows as flows
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]


def test_flows_marked_by_an_earlier_release_are_remarked_in_place(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    lift_limits(portal)
    bp = tmp_path / "bp"
    shutil.copytree(DEFAULT_BLUEPRINT, bp)
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    h = {"Authorization": f"Bearer {portal.token}"}
    before = flows(portal)
    for flow in before:  # what a pre-0.2 apply left: the marker under hs_japan_key
        body = {
            k: v
            for k, v in flow.items()
            if k not in ("id", "uuid", "createdAt", "updatedAt", "objectTypeId", "flowType")
            and k not in ("dataSources", "nextAvailableActionId", "crmObjectCreationStatus")
        }
        body["customProperties"] = {"hs_japan_key": flow["customProperties"]["hsjapan_key"]}
        put = requests.put(
            f"{portal.url}/automation/v4/flows/{flow['id']}", json=body, headers=h, timeout=5
        )
        assert put.status_code == 200, put.text
    plan = cli("plan", str(bp), *on(portal), "--detailed-exitcode")
    assert plan.exit_code == 2 and f"{len(before)} to update" in plan.stdout
    assert "0 to create" in plan.stdout  # found by the legacy marker: never a second copy
    assert cli("apply", str(bp), *on(portal), "--yes").exit_code == 0
    after = flows(portal)
    assert sorted(f["id"] for f in after) == sorted(f["id"] for f in before)
    assert all(set(f["customProperties"]) == {"hsjapan_key"} for f in after)
    assert cli("plan", str(bp), *on(portal), "--detailed-exitcode").exit_code == 0


def test_the_legacy_migration_record_is_read_and_moved(
    cli: Cli, portal: PortalEnv, tmp_path: Path
) -> None:
    sdk = portal.sdk()
    sdk.crm.properties.core_api.create(
        "contacts",
        PropertyCreate(
            name="hs_japan_migrations",
            label="hs-japan applied migrations",
            type="enumeration",
            field_type="checkbox",
            group_name="contactinformation",
            hidden=True,
            options=[
                OptionInput(
                    label="sha256:abc @ 2026-01-01T00:00:00Z",
                    value="0001_old",
                    hidden=False,
                    display_order=0,
                )
            ],
        ),
    )
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_old.py").write_text("def upgrade(ctx):\n    pass\n")
    (migrations / "0002_new.py").write_text("def upgrade(ctx):\n    pass\n")
    status = cli("migrate", "status", *on(portal), "--dir", str(migrations))
    assert "1 applied, 1 pending" in status.stdout, status.stdout + status.stderr
    done = cli("migrate", "up", *on(portal), "--dir", str(migrations), "--yes")
    assert done.exit_code == 0, done.stdout + done.stderr
    names = {p.name for p in sdk.crm.properties.core_api.get_all("contacts").results}
    assert "hsjapan_migrations" in names and "hs_japan_migrations" not in names
    record = sdk.crm.properties.core_api.get_by_name("contacts", "hsjapan_migrations")
    assert sorted(o.value for o in record.options) == ["0001_old", "0002_new"]


def test_unlock_breaks_a_lock_taken_by_an_earlier_release(cli: Cli, portal: PortalEnv) -> None:
    portal.sdk().crm.properties.groups_api.create(
        "contacts",
        PropertyGroupCreate(
            name="hs_japan_apply_lock",
            label="hs-japan apply lock: old@host pid=1 id=ab12cd34 since 2026-01-01T00:00:00Z "
            "until 2026-01-01T00:30:00Z",
            display_order=-1,
        ),
    )
    broken = cli("unlock", *on(portal), "--yes")
    assert broken.exit_code == 0 and "Lock broken" in broken.stdout, broken.stdout + broken.stderr
    groups = {g.name for g in portal.sdk().crm.properties.groups_api.get_all("contacts").results}
    assert "hs_japan_apply_lock" not in groups


def test_a_blueprint_cannot_manage_the_apply_lock_or_the_migration_record(
    cli: Cli, tmp_path: Path
) -> None:
    bp = tmp_path / "bp"
    bp.mkdir()
    (bp / "a.yaml").write_text(
        "version: 1\nproperty_groups:\n"
        "  - {object: contacts, name: hsjapan_apply_lock, label: x}\n"
        "  - {object: contacts, name: hs_japan_apply_lock, absent: true}\n"
        "properties:\n"
        "  - {object: contacts, name: hsjapan_migrations, label: x, type: string,"
        " field_type: text, group: contactinformation}\n",
        encoding="utf-8",
    )
    result = cli("validate", str(bp))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert any("a.yaml:3:" in ln and "apply lock" in ln for ln in lines)
    assert any("a.yaml:4:" in ln and "apply lock" in ln for ln in lines)
    assert any("a.yaml:6:" in ln and "migration record" in ln for ln in lines)


def test_unlock_refuses_to_break_the_lock_of_an_apply_still_running_here(
    cli: Cli, portal: PortalEnv
) -> None:
    import socket
    import subprocess
    import sys

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        holder = f"someone@{socket.gethostname()} pid={sleeper.pid}"
        portal.sdk().crm.properties.groups_api.create(
            "contacts",
            PropertyGroupCreate(
                name="hsjapan_apply_lock",
                label=f"hs-japan lock · owner={holder} · id=ab12cd34 · "
                "since=2026-01-01T00:00:00Z · until=2099-01-01T00:30:00Z",
                display_order=-1,
            ),
        )
        refused = cli("unlock", *on(portal), "--yes")
        assert refused.exit_code == 1 and "still running on this machine" in refused.stderr
        assert "Lock broken" not in refused.stdout
        forced = cli("unlock", *on(portal), "--yes", "--force")
        assert forced.exit_code == 0 and "Lock broken" in forced.stdout
    finally:
        sleeper.kill()
        sleeper.wait()
