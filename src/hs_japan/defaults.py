"""The few defaults the command line shows before any command runs.

Kept apart from ``config`` (profiles, TOML, URL checks) so that ``cli`` can declare its
options without importing it: ``validate`` must start fast (issue 14)."""

from __future__ import annotations

from pathlib import Path

LOCAL = "local"  # the built-in profile: the embedded emulator
DEFAULT_CONFIG = Path("hs-japan.toml")  # the profile file read when --config is not given
