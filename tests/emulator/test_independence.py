"""The emulator is an independent implementation: it imports nothing from the engine."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import hubspot_emulator

PACKAGE = Path(hubspot_emulator.__file__).parent


def test_emulator_imports_only_the_stdlib_and_itself() -> None:
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                ok = (
                    name.startswith("hubspot_emulator")
                    or (top in sys.stdlib_module_names and top != "hs_japan")
                    # the pytest plugin is loaded by pytest only, never by the server
                    or (path.name == "pytest_plugin.py" and top == "pytest")
                )
                if not ok and top != "__future__":
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
    assert len(list(PACKAGE.glob("*.py"))) >= 8  # the walk above really saw the package
