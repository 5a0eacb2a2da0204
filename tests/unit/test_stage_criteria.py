"""Machine-checkable stage criteria and expected time in stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.compile import compile_blueprint
from hs_japan.errors import BlueprintError
from tests.helpers import DEFAULT_BLUEPRINT, SMALL, write_blueprint


def with_stage_extra(extra: str) -> str:
    return SMALL.replace(
        "        exit:\n          required_properties: [jp_color]\n",
        "        exit:\n          required_properties: [jp_color]\n" + extra,
    )


def errors_of(root: Path) -> list[str]:
    with pytest.raises(BlueprintError) as info:
        load_blueprint(root)
    return [str(d) for d in info.value.diagnostics]


def test_conditions_and_expected_days_compile_to_audit_data(tmp_path: Path) -> None:
    text = with_stage_extra(
        "          conditions:\n"
        "            - {property: jp_color, in: [red]}\n"
        "            - {property: jp_color, is_set: true}\n"
        "        expected_days: [7, 28]\n"
    )
    state = compile_blueprint(load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": text})))
    criteria = state.stage_criteria["deals/jp_test_pipe/jp_t_open"]
    assert criteria["exit"]["conditions"] == [
        {"property": "jp_color", "op": "in", "value": ["red"]},
        {"property": "jp_color", "op": "is_set", "value": True},
    ]
    assert criteria["expected_days"] == [7, 28]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("          conditions:\n            - {property: jp_color}\n", "exactly one of"),
        (
            "          conditions:\n            - {property: jp_color, in: [red], is_set: true}\n",
            "exactly one of",
        ),
        ("          conditions:\n            - {property: jp_color, in: [green]}\n", "'green'"),
        ("        expected_days: [28, 7]\n", "0 <= min <= max"),
        ("        expected_days: [7]\n", "expected_days"),
    ],
)
def test_bad_criteria_are_located(tmp_path: Path, extra: str, message: str) -> None:
    root = write_blueprint(tmp_path / "bp", {"b.yaml": with_stage_extra(extra)})
    errors = errors_of(root)
    assert any(message in e and "/bp/b.yaml:" in e for e in errors), errors


def test_the_japan_pipeline_has_expected_days_for_every_open_stage() -> None:
    state = compile_blueprint(load_blueprint(DEFAULT_BLUEPRINT))
    open_stages = [
        key
        for key, c in state.stage_criteria.items()
        if key.startswith("deals/jp_enterprise/") and "closed" not in key
    ]
    assert len(open_stages) == 9
    assert all("expected_days" in state.stage_criteria[k] for k in open_stages)
