"""The one-pass YAML path gives exactly what the checked path gives, or gives up.

``parse_yaml`` builds blueprints straight from libyaml's events (``_parse_plain``) and
falls back to the pre-checked compose/walk/construct path (``_parse_checked``) for
anything outside that subset. These tests hold the two to the same data, line marks and
boolean words on real blueprints and on generated documents full of YAML's traps
(yes/no/on, numbers, timestamps, nulls, duplicate and merge keys, anchors, tags).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hs_japan.blueprint import yamlsrc
from hs_japan.blueprint.yamlsrc import YamlDoc, parse_yaml

ROOT = Path(__file__).resolve().parents[2]

# plain, quoted and tagged scalars that resolve to every SafeLoader type, and some that
# are not valid at all in some positions
TOKENS = [
    "a",
    "name",
    "bench_00001",
    "項目 1",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "true",
    "False",
    "null",
    "~",
    "",
    "0",
    "-1",
    "+7",
    "0x1F",
    "0o17",
    "017",
    "0b101",
    "1_000",
    "1:30",
    "1.5",
    "-.5e+3",
    ".inf",
    "-.Inf",
    "2024-01-02",
    "2024-01-02 03:04:05",
    "2024-01-02T03:04:05+09:00",
    "2024-13-45",
    "<<",
    "=",
    '"yes"',
    "'1'",
    '"two\\nlines"',
    "!!str 1",
    "!!int '3'",
    "!custom x",
    "&anchor value",
    "*anchor",
    "! plain",
    "[]",
    "{}",
]

Tree = Any


def trees() -> st.SearchStrategy[Tree]:
    scalar = st.sampled_from(TOKENS).map(lambda t: ("scalar", t))
    return st.recursive(
        scalar,
        lambda children: st.one_of(
            st.lists(children, min_size=1, max_size=4).map(lambda xs: ("seq", xs)),
            st.lists(st.tuples(st.sampled_from(TOKENS[:34]), children), min_size=1, max_size=4).map(
                lambda kvs: ("map", kvs)
            ),
            st.tuples(st.booleans(), children).map(lambda fc: ("flow", fc[1])),
        ),
        max_leaves=20,
    )


def flow(tree: Tree) -> str:
    kind, body = tree
    if kind == "scalar":
        return str(body) if body else '""'
    if kind == "flow":
        return flow(body)
    if kind == "seq":
        return "[" + ", ".join(flow(c) for c in body) + "]"
    return "{" + ", ".join(f"{k or '?'}: {flow(v)}" for k, v in body) + "}"


def block(tree: Tree, indent: int) -> list[str]:
    """Lines of ``tree`` as a block node at ``indent`` (a scalar or flow node is one line)."""
    kind, body = tree
    pad = " " * indent
    if kind == "scalar":
        return [pad + str(body)]
    if kind == "flow":
        return [pad + flow(body)]
    out: list[str] = []
    for item in body:
        child = item if kind == "seq" else item[1]
        lead = pad + ("- " if kind == "seq" else f"{item[0] or '? '}: ")
        if child[0] in ("scalar", "flow"):
            out.append(lead + block(child, 0)[0])
        else:
            out.append(lead.rstrip())
            out.extend(block(child, indent + 2))
    return out


def same(a: YamlDoc | None, b: YamlDoc | None) -> None:
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        # repr: NaN-free tokens, but repr also pins key order and value types (1 vs True)
        assert repr(a.data) == repr(b.data)
        assert a.lines == b.lines
        assert a.bool_words == b.bool_words


def check(text: str) -> YamlDoc | None:
    fast = yamlsrc._parse_plain(text, "x.yaml")
    checked, errors = yamlsrc._parse_checked(text, "x.yaml")
    whole, whole_errors = parse_yaml(text.encode(), "x.yaml")
    same(whole, checked)
    assert whole_errors == errors
    if fast is not None:
        assert errors == [], "the one-pass path accepted a document the checked path refuses"
        same(fast, checked)
    return fast


@settings(max_examples=400, deadline=None)
@given(trees(), st.booleans())
def test_generated_documents_agree(tree: Tree, as_flow: bool) -> None:
    text = flow(tree) if as_flow else "\n".join(block(tree, 0)) + "\n"
    check(text)


def test_real_blueprints_take_the_one_pass_path_and_agree() -> None:
    files = sorted((ROOT / "blueprints").rglob("*.yaml"))
    assert files
    for path in files:
        assert check(path.read_text(encoding="utf-8")) is not None, path


def test_line_marks_and_bool_words_of_the_one_pass_path() -> None:
    text = (
        "version: 1\n"
        "properties:\n"
        "  - object: deals\n"
        "    name: x\n"
        "    hidden: yes\n"
        "    options:\n"
        "      - {value: on, label: 'no'}\n"
    )
    doc = check(text)
    assert doc is not None
    assert doc.data["properties"][0]["hidden"] is True
    assert doc.lines[("properties",)] == 2
    assert doc.lines[("properties", 0)] == 3
    assert doc.lines[("properties", 0, "hidden")] == 5
    assert doc.lines[("properties", 0, "options", 0, "label")] == 7
    assert doc.bool_words == {
        ("properties", 0, "hidden"): "yes",
        ("properties", 0, "options", 0, "value"): "on",
    }


def test_what_the_one_pass_path_leaves_to_the_checked_path() -> None:
    for text in (
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # explicit tags
        "a: 1\na: 2\n",  # a duplicate key
        "yes: 1\n",  # a boolean key
        "<<: {a: 1}\n",  # a merge key
        "a: 1\n---\nb: 2\n",  # two documents
        "a: [1, 2\n",  # a syntax error
        "[" * 70 + "]" * 70 + "\n",  # deeper than MAX_DEPTH
        "? [a]\n: 1\n",  # a collection as a key
    ):
        assert yamlsrc._parse_plain(text, "x.yaml") is None, text
        check(text)
    doc, errors = parse_yaml(b"a: 1\na: 2\n", "x.yaml")
    assert doc is None
    assert [(e.line, e.field, e.message) for e in errors] == [
        (2, "a", "duplicate key (first defined on line 1)")
    ]


def test_an_impossible_unquoted_date_is_a_located_line() -> None:
    # before: ValueError out of PyYAML's constructor, shown as "internal error", no line
    text = "version: 1\nholiday_calendars:\n  - key: jp\n    extra_dates: [2025-02-30]\n"
    doc, errors = parse_yaml(text.encode(), "x.yaml")
    assert doc is None
    assert [(e.line, e.field) for e in errors] == [(4, "holiday_calendars[0].extra_dates[0]")]
    assert "2025-02-30 is not a valid date" in errors[0].message
    assert 'quote it: "2025-02-30"' in errors[0].message
    doc, errors = parse_yaml(b"2025-02-30: x\n", "x.yaml")
    assert doc is None and [(e.line, e.field) for e in errors] == [(1, "2025-02-30")]
