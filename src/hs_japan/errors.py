"""One exception hierarchy; each error knows the message a user sees.

The CLI turns any :class:`HsJapanError` into its message on stderr and exit code 1,
with no traceback unless ``--debug`` is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One problem in user input, located as ``file:line: field: message``."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        # always the full four parts, so editors and CI annotators can parse every line;
        # whole-file problems (size, encoding, empty directory) point at line 1, field "-"
        return f"{self.file}:{max(self.line, 1)}: {self.field or '-'}: {self.message}"


class HsJapanError(Exception):
    """Base of every error a user can cause; ``str(err)`` is the user-facing text."""

    exit_code = 1


class BlueprintError(HsJapanError):
    """The blueprint (or a reference in it) is invalid; carries every diagnostic at once."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics), key=lambda d: (d.file, d.line, d.field))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class ConfigError(HsJapanError):
    """Profile file, environment or command-line options are wrong."""


class PortalError(HsJapanError):
    """HubSpot (or the emulator) refused a request or could not be reached."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        category: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.status = status
        self.category = category
        self.correlation_id = correlation_id
        super().__init__(message)


class PlanError(HsJapanError):
    """The blueprint cannot be planned against this portal (e.g. an unknown reference)."""


class ApplyRefused(HsJapanError):
    """Apply stopped before writing anything: the user did not confirm, or a guard said no."""


class ApplyFailed(HsJapanError):
    """A write failed part-way through an apply; the message says what was done."""
