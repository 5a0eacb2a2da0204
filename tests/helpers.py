"""Small builders shared by tests (no I/O)."""

from __future__ import annotations

import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BLUEPRINT = REPO / "blueprints" / "japan-enterprise"
# HubSpot's published OpenAPI files: ../shared beside the checkout (never an absolute path)
OPENAPI = REPO.parent / "shared" / "hubspot-api" / "openapi"


def require_spec(path: Path) -> None:
    """Skip when an OpenAPI file is missing on a developer's machine; fail under CI."""
    import os

    import pytest

    if path.exists():
        return
    message = f"HubSpot OpenAPI file missing: {path} (../shared/hubspot-api/openapi)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def write_blueprint(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


SMALL = """
version: 1
property_groups:
  - object: deals
    name: jp_test_group
    label: {ja: テスト, en: Test}
properties:
  - object: deals
    name: jp_color
    label: {ja: 色, en: Colour}
    type: enumeration
    field_type: select
    group: jp_test_group
    options:
      - {value: red, label: {ja: 赤, en: Red}}
      - {value: blue, label: {ja: 青, en: Blue}}
pipelines:
  - object: deals
    id: jp_test_pipe
    label: {ja: テスト商談, en: Test deals}
    stages:
      - key: jp_t_open
        label: {ja: 開始, en: Open}
        probability: 0.2
        exit:
          required_properties: [jp_color]
      - key: jp_t_won
        label: {ja: 受注, en: Won}
        probability: 1.0
"""
