"""Blueprint loading: every error located as file:line: field: message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.compile import compile_blueprint
from hs_japan.errors import BlueprintError
from hs_japan.resources import Kind
from tests.helpers import DEFAULT_BLUEPRINT, SMALL, write_blueprint


def errors_of(root: Path) -> list[str]:
    with pytest.raises(BlueprintError) as info:
        load_blueprint(root)
    return [str(d) for d in info.value.diagnostics]


def test_default_blueprint_is_valid_and_bilingual() -> None:
    bp = load_blueprint(DEFAULT_BLUEPRINT)
    assert len(bp.properties) >= 20
    ja = compile_blueprint(bp, "ja").snapshot
    en = compile_blueprint(bp, "en").snapshot
    stage = "deals/jp_enterprise/jp_ringi"
    assert ja.get(Kind.STAGE, stage).attrs["label"] == "稟議中"  # type: ignore[union-attr]
    assert en.get(Kind.STAGE, stage).attrs["label"] == "Ringi in circulation"  # type: ignore[union-attr]


def test_directory_files_are_merged(tmp_path: Path) -> None:
    root = write_blueprint(
        tmp_path / "bp",
        {
            "a.yaml": SMALL,
            "b.yml": """
            properties:
              - object: contacts
                name: jp_extra
                label: Extra
                type: string
                field_type: text
                group: contactinformation
        """,
        },
    )
    bp = load_blueprint(root)
    assert {p.name for p, _ in bp.properties} == {"jp_color", "jp_extra"}
    assert bp.digest.startswith("sha256:")


def test_duplicate_yaml_key_names_both_lines(tmp_path: Path) -> None:
    root = write_blueprint(
        tmp_path / "bp",
        {
            "x.yaml": """
        properties:
          - object: deals
            name: jp_a
            name: jp_b
    """
        },
    )
    assert errors_of(root) == [
        f"{os.path.relpath(root / 'x.yaml')}:4: properties[0].name: duplicate key "
        "(first defined on line 3)"
    ]


def test_malformed_yaml_reports_line(tmp_path: Path) -> None:
    root = write_blueprint(
        tmp_path / "bp", {"x.yaml": "properties:\n  - object: deals\n   name: [\n"}
    )
    (err,) = errors_of(root)
    assert err.startswith(os.path.relpath(root / "x.yaml") + ":")
    assert "invalid YAML" in err


def test_wrong_type_and_unknown_field_are_located(tmp_path: Path) -> None:
    root = write_blueprint(
        tmp_path / "bp",
        {
            "x.yaml": """
        properties:
          - object: deals
            name: jp_a
            label: A
            type: string
            field_type: text
            group: dealinformation
            hidden: "yes please"
            colour: red
    """
        },
    )
    errs = errors_of(root)
    path = os.path.relpath(root / "x.yaml")
    assert f"{path}:8: properties[0].hidden: Input should be a valid boolean" in errs
    assert f"{path}:9: properties[0].colour: unknown field" in errs


@pytest.mark.parametrize("value", [".nan", "-.inf", '"7"', "true"])
def test_a_number_that_is_not_a_finite_number_is_one_located_line(
    tmp_path: Path, value: str
) -> None:
    """NaN and infinity are not JSON numbers (HubSpot could not take them), and an
    ``int | float`` field says so once, not once per member of the union."""
    root = write_blueprint(
        tmp_path / "bp",
        {
            "x.yaml": f"""
        properties:
          - object: deals
            name: jp_a
            label: A
            type: number
            field_type: number
            group: dealinformation
            min_number: {value}
    """
        },
    )
    errs = errors_of(root)
    path = os.path.relpath(root / "x.yaml")
    assert errs == [f"{path}:8: properties[0].min_number: a finite number is needed, e.g. 0"]


def test_rules_across_fields(tmp_path: Path) -> None:
    root = write_blueprint(
        tmp_path / "bp",
        {
            "x.yaml": """
        properties:
          - object: deals
            name: Bad-Name
            label: A
            type: string
            field_type: text
            group: dealinformation
          - object: deals
            name: jp_num
            label: N
            type: number
            field_type: select
            group: dealinformation
          - object: deals
            name: jp_enum
            label: E
            type: enumeration
            field_type: select
            group: dealinformation
            options:
              - {value: a, label: A}
              - {value: a, label: B}
    """
        },
    )
    errs = errors_of(root)
    path = os.path.relpath(root / "x.yaml")
    assert any(e.startswith(f"{path}:3: properties[0].name: invalid internal name") for e in errs)
    assert (
        f"{path}:12: properties[1].field_type: 'select' is not valid for type 'number' "
        "(use number)" in errs
    )
    assert (
        f"{path}:22: properties[2].options[1].value: duplicate option value 'a' "
        "(also options[0])" in errs
    )


def test_stage_rules(tmp_path: Path) -> None:
    root = write_blueprint(
        tmp_path / "bp",
        {
            "x.yaml": """
        pipelines:
          - object: deals
            id: jp_p
            label: P
            stages:
              - key: s1
                label: One
                probability: 0.25
              - key: s2
                label: One
                probability: 0.5
              - key: s3
                label: Three
    """
        },
    )
    errs = errors_of(root)
    path = os.path.relpath(root / "x.yaml")
    assert (
        f"{path}:8: pipelines[0].stages[0].probability: HubSpot accepts probabilities "
        "in steps of 0.1" in errs
    )
    assert (
        f"{path}:10: pipelines[0].stages[1].label: stage label 'One' is used twice in "
        "this pipeline" in errs
    )
    assert any(
        e.startswith(f"{path}:12: pipelines[0].stages[2]: probability is required") for e in errs
    )


def test_duplicate_definition_across_files(tmp_path: Path) -> None:
    root = write_blueprint(tmp_path / "bp", {"a.yaml": SMALL, "b.yaml": SMALL})
    errs = errors_of(root)
    assert any("property deals/jp_color is defined twice (also" in e for e in errs)
    assert any("stage key 'jp_t_open' in deals pipelines is defined twice" in e for e in errs)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "no blueprint files (*.yaml, *.yml) found"),
        ({"x.yaml": "- just\n- a list\n"}, "a blueprint file must be a mapping"),
    ],
)
def test_empty_and_shapeless(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    root = write_blueprint(tmp_path / "bp", files)
    (err,) = errors_of(root)
    assert expected in err


def test_binary_oversized_and_symlink_loop(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    root.mkdir()
    (root / "bin.yaml").write_bytes(b"\x00\x01\x02binary")
    assert "not a text file" in errors_of(root)[0]
    (root / "bin.yaml").unlink()
    (root / "big.yaml").write_bytes(b"# " + b"x" * (3 * 1024 * 1024))
    assert "blueprint files are limited to 2 MB" in errors_of(root)[0]
    (root / "big.yaml").unlink()
    (root / "ok.yaml").write_text(SMALL)
    (root / "loop").symlink_to(root)
    assert "symlink loop" in errors_of(root)[0]


def test_tombstone_needs_only_identity(tmp_path: Path) -> None:
    root = write_blueprint(
        tmp_path / "bp",
        {
            "x.yaml": """
        properties:
          - {object: deals, name: jp_old, absent: true}
    """
        },
    )
    state = compile_blueprint(load_blueprint(root))
    assert (Kind.PROPERTY, "deals/jp_old") in state.tombstones
    assert len(state.snapshot) == 0


def test_loading_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    import gc

    good = write_blueprint(tmp_path / "good", {"a.yaml": SMALL})
    bad = write_blueprint(tmp_path / "bad", {"x.yaml": "properties:\n  - object: nope\n"})
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            load_blueprint(good)
            assert gc.isenabled() is enabled
            with pytest.raises(BlueprintError):
                load_blueprint(bad)
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
