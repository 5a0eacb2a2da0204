"""Offline commands never import the HubSpot SDK (issue 14 item 4: validate starts fast).

Checked in a fresh interpreter, since this test process has long imported everything."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers import REPO

SCRIPT = textwrap.dedent(
    """
    import sys
    from typer.testing import CliRunner
    import hs_japan.cli

    assert "hubspot" not in sys.modules, "importing the CLI imported the SDK"
    for argv in (["validate", sys.argv[1]], ["--help"], ["schema"]):
        result = CliRunner().invoke(hs_japan.cli.app, argv)
        assert result.exit_code == 0, (argv, result.output)
    heavy = sorted(
        m for m in sys.modules
        if m == "hubspot" or m.startswith(("hubspot.", "hs_japan.portal", "hs_japan.engine",
                                           "hubspot_emulator", "requests", "urllib3"))
    )
    assert not heavy, heavy
    print("ok")
    """
)


def test_cli_and_validate_do_not_import_the_sdk() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(REPO / "blueprints" / "japan-enterprise")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# What `hs-japan validate` may load of hs_japan, exactly as the console script runs it
# (hs_japan.cli.main in a fresh process). A new import here is a start-up cost: add it
# only if validate needs it (issue 14: validate <= 0.35 s wall).
VALIDATE_MODULES = {
    "hs_japan",
    "hs_japan.cli",
    "hs_japan.defaults",
    "hs_japan.ui",
    "hs_japan.errors",
    "hs_japan.outfile",
    "hs_japan.reserved",
    "hs_japan.commands",
    "hs_japan.commands.validate",
    "hs_japan.blueprint",
    "hs_japan.blueprint.check",
    "hs_japan.blueprint.load",
    "hs_japan.blueprint.model",
    "hs_japan.blueprint.yamlsrc",
}
# never for an offline command: HTTP, the SDK, the emulator, logging set-up, profiles
VALIDATE_NEVER = (
    "hubspot",
    "hubspot_emulator",
    "requests",
    "urllib3",
    "tenacity",
    "holidays",
    "rich",
    "logging",
    "tomllib",
    "concurrent",
)

PINNED = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["hs-japan", "validate", sys.argv[1]]
    from hs_japan.cli import main
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, exc.code
    print(json.dumps(sorted(sys.modules)))
    """
)


def test_validate_loads_only_what_it_needs() -> None:
    import json

    done = subprocess.run(
        [sys.executable, "-c", PINNED, str(REPO / "blueprints" / "japan-enterprise")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    *output, modules_json = done.stdout.strip().splitlines()
    assert "valid (" in output[-1]
    modules = set(json.loads(modules_json))
    ours = {m for m in modules if m == "hs_japan" or m.startswith("hs_japan.")}
    assert ours <= VALIDATE_MODULES, sorted(ours - VALIDATE_MODULES)
    assert "hs_japan.cli" in ours and "hs_japan.commands.validate" in ours  # it did run
    loaded = sorted(
        m for m in modules if any(m == n or m.startswith(n + ".") for n in VALIDATE_NEVER)
    )
    assert not loaded, loaded


FAST = textwrap.dedent(
    """
    import json, sys
    from hs_japan import entry

    code = entry.fast_validate(["validate", sys.argv[1]])
    print(json.dumps([code, sorted(sys.modules)]))
    """
)


def test_the_console_script_validates_without_the_cli_framework() -> None:
    import json

    done = subprocess.run(
        [sys.executable, "-c", FAST, str(REPO / "blueprints" / "japan-enterprise")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    *output, last = done.stdout.strip().splitlines()
    code, modules = json.loads(last)
    assert code == 0 and "valid (" in output[-1]
    assert not [m for m in modules if m.split(".")[0] in ("typer", "click", "rich", "hubspot")]
    assert "hs_japan.cli" not in modules


def _both(*argv: str) -> list[tuple[int, str, str]]:
    """The same command line through the console script's fast path and through typer."""
    runs = []
    for code in (
        "from hs_japan.entry import main; main()",
        "from hs_japan.cli import main; main()",
    ):
        done = subprocess.run(
            [sys.executable, "-c", code, *argv],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=REPO,
        )
        runs.append((done.returncode, done.stdout, done.stderr))
    return runs


def test_the_fast_path_answers_exactly_like_the_cli(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.yaml").write_text(
        "property_groups:\n  - object: deals\n    name: x\n    label: 1\n    oops: yes\n",
        encoding="utf-8",
    )
    cases = [
        ("validate", "blueprints/japan-enterprise"),
        ("validate", str(broken)),
        ("validate", str(tmp_path / "missing")),
        ("validate", "--help"),
        ("validate",),
    ]
    for argv in cases:
        fast, typer_path = _both(*argv)
        assert fast == typer_path, argv
    code, _out, err = _both("validate", str(broken))[0]
    assert code == 1 and "broken/a.yaml:5: property_groups[0].oops" in err
    assert "Traceback" not in err


def test_a_saved_plan_with_every_kind_applies_in_a_fresh_process(tmp_path: Path) -> None:
    """`apply --plan` checks the saved kinds before anything imports the engine: every
    built-in kind (the form too) must be known then (the README tour caught a miss)."""
    import os

    env = dict(os.environ, HS_JAPAN_HOME=str(tmp_path / "state"))
    bp = str(REPO / "blueprints" / "japan-enterprise")
    plan = str(tmp_path / "plan.json")
    script = "from hs_japan.entry import main; main()"
    made = subprocess.run(
        [sys.executable, "-c", script, "plan", bp, "--out", plan],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert '"kind": "form"' in Path(plan).read_text(encoding="utf-8")
    applied = subprocess.run(
        [sys.executable, "-c", script, "apply", bp, "--plan", plan, "--yes"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    assert "converged" in applied.stdout


PLAN_MODULES = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["hs-japan", "plan", sys.argv[1], "--detailed-exitcode"]
    from hs_japan.cli import main
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    print(json.dumps([code, sorted(sys.modules)]))
    """
)


def test_a_plan_imports_no_sdk_api_module_and_one_holiday_calendar(tmp_path: Path) -> None:
    """Issue 14: a plan's reads are plain JSON (no SDK API module is imported, each cost
    tens of milliseconds inside the reader threads and spread a round), and the holiday
    calendar loads Japan's module only, not the library's every country. Checked on a
    converged portal, where every read of the Japan blueprint is made (list definitions,
    flows, owners), in a fresh process."""
    import json
    import os

    env = dict(os.environ, HS_JAPAN_HOME=str(tmp_path / "state"))
    bp = str(REPO / "blueprints" / "japan-enterprise")
    applied = subprocess.run(
        [sys.executable, "-m", "hs_japan", "apply", bp, "--yes"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    done = subprocess.run(
        [sys.executable, "-c", PLAN_MODULES, bp],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stdout  # converged: the plan read lists, flows and owners
    sdk = [m for m in modules if m == "hubspot" or m.startswith("hubspot.")]
    assert not sdk, sdk
    assert "hs_japan.portal.owners" in modules and "hs_japan.portal.lists" in modules
    assert "holidays.countries.japan" in modules  # the calendar was compiled …
    countries = [m for m in modules if m.startswith("holidays.countries")]
    assert countries == ["holidays.countries.japan"], countries[:5]  # … from Japan alone
