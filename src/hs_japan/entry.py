"""The ``hs-japan`` console script: ``hs-japan validate DIR`` without the CLI framework.

``validate`` is the command people run on every save and in pre-commit hooks, so its
start-up is a target (issue 14: ≤ 0.35 s wall). The typer/click layer and its parameter
coercion (which builds pydantic adapters) cost about 0.15 s of that on their own. The
exact form ``hs-japan validate PATH`` (no options) therefore calls the same
:func:`hs_japan.commands.validate.run_validate` with the same error mapping as the CLI
(:func:`hs_japan.commands._common.error_line`); every other command line, including
``--help``, ``--debug`` and any option, goes to the typer CLI unchanged.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class _PlainUI:
    """What run_validate needs of a UI: lines on stdout and stderr."""

    debug = False

    def echo(self, message: str = "", nl: bool = True) -> None:
        sys.stdout.write(message + ("\n" if nl else ""))

    def err(self, message: str) -> None:
        sys.stderr.write(message + "\n")

    def interactive(self) -> bool:
        return False

    def confirm(self, question: str) -> bool:
        return False


def fast_validate(argv: list[str]) -> int | None:
    """The exit code of ``hs-japan validate PATH``, or None when ``argv`` is anything else
    (the full CLI handles it)."""
    if len(argv) != 2 or argv[0] != "validate" or argv[1].startswith("-"):
        return None
    from hs_japan.commands.validate import run_validate

    try:
        return run_validate(Path(argv[1]), _PlainUI())
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except Exception as exc:  # the CLI's mapping: one line, no traceback (--debug: the CLI)
        from hs_japan.commands._common import error_line

        message, status = error_line(exc)
        sys.stderr.write(message + "\n")
        return status


def main() -> None:
    try:
        code = fast_validate(sys.argv[1:])
        if code is not None:
            sys.stdout.flush()
            sys.exit(code)
    except BrokenPipeError:  # piped into head & co.: stop quietly, as the CLI does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    from hs_japan.cli import main as cli_main

    cli_main()
