"""CLI commands beyond validate/plan/apply/unlock, one module per feature.

Each module listed in ``MODULES`` defines ``register(app: typer.Typer) -> None`` that adds
its commands (or a sub-app) to the ``hs-japan`` app. ``cli.py`` calls
:func:`register_all` once, so feature modules never edit ``cli.py``.
"""

from __future__ import annotations

import importlib

import typer

MODULES: tuple[str, ...] = ("export_clone", "migrate", "design", "audit_report", "doctor")


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        module = importlib.import_module(f"hs_japan.commands.{name}")
        module.register(app)
