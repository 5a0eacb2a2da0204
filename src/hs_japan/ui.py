"""What a command may do with the person running it: print, warn, ask.

Commands (``hs_japan.commands``) take a :class:`UI` instead of calling a terminal
library, so they run the same under the typer CLI (``cli.TerminalUI``), inside a fleet
(:class:`BufferedUI`: one block per portal, printed whole) and in tests and CI
(:class:`ScriptedUI`: nothing interactive, everything recorded).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class UI(Protocol):
    #: show tracebacks (``--debug``): a fleet prints each portal's own in its block
    debug: bool

    def echo(self, message: str = "", nl: bool = True) -> None:
        """A line of the command's output (stdout)."""

    def err(self, message: str) -> None:
        """A line of diagnostics (stderr)."""

    def interactive(self) -> bool:
        """Whether :meth:`confirm` can ask anyone (a terminal on stdin)."""

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question (only called when :meth:`interactive`); default no."""


class BufferedUI:
    """One portal of a fleet: its lines are kept, in order, and printed whole by
    :meth:`flush` once the portal is done, so portals never interleave. It never asks."""

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug
        self.parts: list[tuple[str, bool]] = []  # (text with its newline, is stderr)

    def echo(self, message: str = "", nl: bool = True) -> None:
        self.parts.append((message + ("\n" if nl else ""), False))

    def err(self, message: str) -> None:
        self.parts.append((message + "\n", True))

    def interactive(self) -> bool:
        return False

    def confirm(self, question: str) -> bool:  # pragma: no cover - never interactive
        return False

    def stdout(self) -> str:
        return "".join(text for text, is_err in self.parts if not is_err)

    def flush(self, to: UI, stderr_only: bool = False) -> None:
        for text, is_err in self.parts:
            if is_err:
                to.err(text[:-1] if text.endswith("\n") else text)
            elif not stderr_only:
                to.echo(text, nl=False)


class ScriptedUI:
    """Non-interactive by default (CI); with ``answers`` it answers the questions asked,
    in order. Everything shown is recorded in ``out``/``errors``/``asked``."""

    def __init__(self, answers: Iterable[bool] | None = None, debug: bool = False) -> None:
        self.debug = debug
        self.answers = None if answers is None else list(answers)
        self.out: list[str] = []
        self.errors: list[str] = []
        self.asked: list[str] = []

    def echo(self, message: str = "", nl: bool = True) -> None:
        self.out.append(message + ("\n" if nl else ""))

    def err(self, message: str) -> None:
        self.errors.append(message)

    def interactive(self) -> bool:
        return self.answers is not None

    def confirm(self, question: str) -> bool:
        self.asked.append(question)
        return bool(self.answers.pop(0)) if self.answers else False

    @property
    def stdout(self) -> str:
        return "".join(self.out)
