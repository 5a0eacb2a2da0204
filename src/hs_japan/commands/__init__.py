"""The commands as plain functions (compare alembic's ``command.py``).

Each module holds one command (or a family): a frozen options dataclass and a
``run_*(options, ui) -> int`` function that returns the exit code. They print through
the :class:`hs_japan.ui.UI` they are given, decide through the pure
:mod:`hs_japan.policy`, raise :class:`hs_japan.errors.HsJapanError` for anything a user
can cause, and never touch typer, ``sys.exit`` or the terminal: ``hs_japan.cli`` is the
thin typer layer over them (import-linter: commands never import the CLI).

- ``validate``, ``plan``, ``apply``, ``unlock``: the core workflow (``apply`` also
  rolls out to fleets through ``_common.run_fleet``);
- ``export_clone``: ``run_export``, and ``run_clone``, which composes export and apply;
- ``migrate``, ``doctor``, ``design`` (docs, graph, schema, init), ``audit_report``
  (audit, report, emulator seed), ``emulator_portal`` (emulator serve, portal create).
"""
