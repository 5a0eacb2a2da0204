"""The commands as plain functions (issue 13 item 3), called without typer.

``hs_japan.commands`` runs plan, apply, export and clone from an options dataclass and a
UI object; here the non-interactive :class:`ScriptedUI` stands in for the terminal, the
way CI or another program would drive hs-japan."""

from __future__ import annotations

from pathlib import Path

import pytest

from hs_japan.commands._common import Target
from hs_japan.commands.apply import ApplyOptions, run_apply
from hs_japan.commands.export_clone import CloneOptions, ExportOptions, run_clone, run_export
from hs_japan.commands.plan import PlanOptions, run_plan
from hs_japan.errors import ApplyRefused, ConfigError
from hs_japan.ui import ScriptedUI
from hubspot_emulator import EmulatorServer
from tests.conftest import PortalEnv
from tests.helpers import SMALL, write_blueprint


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HS_JAPAN_HOME", str(tmp_path / "state"))


def test_plan_then_apply_as_functions(portal: PortalEnv, tmp_path: Path) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    on = {"portals": ["test"], "config": portal.config}

    ui = ScriptedUI()
    assert run_plan(PlanOptions(bp, detailed_exitcode=True, **on), ui) == 2
    assert f"Portal {portal.portal_id}" in ui.stdout and not ui.asked

    # no terminal and no --yes: refused by the policy, nothing asked, nothing written
    with pytest.raises(ApplyRefused, match="no terminal to confirm on"):
        run_apply(ApplyOptions(bp, **on), ScriptedUI())

    # a terminal that answers no: asked once, refused, nothing written
    no = ScriptedUI(answers=[False])
    with pytest.raises(ApplyRefused, match="cancelled; nothing was written"):
        run_apply(ApplyOptions(bp, **on), no)
    assert len(no.asked) == 1 and no.asked[0].startswith("Apply ")
    assert no.asked[0].endswith(f"to portal {portal.portal_id} (SANDBOX)?")
    again = ScriptedUI()
    assert run_plan(PlanOptions(bp, detailed_exitcode=True, **on), again) == 2

    # yes: written and verified
    yes = ScriptedUI(answers=[True])
    assert run_apply(ApplyOptions(bp, **on), yes) == 0
    assert "Verified: a fresh read of the portal plans no changes (converged)." in yes.stdout
    done = ScriptedUI()
    assert run_plan(PlanOptions(bp, detailed_exitcode=True, **on), done) == 0


def test_clone_composes_export_and_apply(
    emulator: EmulatorServer, portal: PortalEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bp = write_blueprint(tmp_path / "bp", {"b.yaml": SMALL})
    assert run_apply(ApplyOptions(bp, ["test"], yes=True, config=portal.config), ScriptedUI()) == 0
    created = emulator.create_portal(account_type="SANDBOX", portal_name="copy")
    monkeypatch.setenv("HS_JAPAN_COPY_TOKEN", str(created["token"]))
    with portal.config.open("a") as fh:
        fh.write(f'\n[portals.copy]\nbase_url = "{portal.url}"\n')
        fh.write('token_env = "HS_JAPAN_COPY_TOKEN"\n')

    with pytest.raises(ConfigError, match="--from and --to name the same portal"):
        run_clone(CloneOptions("test", "test", config=portal.config), ScriptedUI())

    ui = ScriptedUI()
    code = run_clone(CloneOptions("test", "copy", yes=True, config=portal.config), ui)
    assert code in (0, 3), ui.stdout + "".join(ui.errors)
    assert "Verified: a fresh read of the target plans no changes for what was copied." in (
        ui.stdout
    )
    # the target now plans empty against an export of the source
    out = tmp_path / "export"
    exported = run_export(ExportOptions(out, Target("copy", portal.config)), ScriptedUI())
    assert exported.portal_id == int(created["portalId"]) and exported.counts
    check = ScriptedUI()
    planned = run_plan(
        PlanOptions(out, ["copy"], detailed_exitcode=True, config=portal.config), check
    )
    assert planned == 0, check.stdout
