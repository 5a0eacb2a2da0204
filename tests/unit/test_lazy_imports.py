"""Offline commands never import the HubSpot SDK (issue 14 item 4: validate starts fast).

Checked in a fresh interpreter, since this test process has long imported everything."""

from __future__ import annotations

import subprocess
import sys
import textwrap

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
