"""Each kind's knowledge lives in its handler (issue 13 item 1, "must show"): scanning the
engine's source, a kind is named in at most three modules — its handler module, the
registry (``kinds/__init__.py``) and the shared resource vocabulary (``resources.py``).

A kind is "named" by ``Kind.<NAME>``, ``Kind("<value>")`` / ``Kind.define("<value>")``,
or its value compared with a kind (``c.kind.value == "list"``, ``kind in ("list", ...)``).
Engine modules: everything under ``src/hs_japan`` except the user-facing layers built on
the engine (``cli.py``, ``commands/``, ``audit/``, ``playbook.py``, the preflight's
``doctor.py``), which consume plans.
"""

from __future__ import annotations

import ast
from pathlib import Path

from hs_japan.kinds import handlers
from hs_japan.resources import Kind

SRC = Path(__file__).resolve().parents[2] / "src" / "hs_japan"
# built on plans; doctor.py (the preflight) words its scope findings per kind ("pipeline
# x"): its scope knowledge has not moved into the handlers yet
CONSUMERS = ("cli.py", "commands/", "audit/", "playbook.py", "doctor.py")


def engine_modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if not rel.startswith(CONSUMERS):
            out[rel] = ast.parse(path.read_text(encoding="utf-8"), rel)
    return out


def named_kinds(tree: ast.Module) -> set[str]:
    by_attr = {name: getattr(Kind, name).value for name in vars(Kind) if name.isupper()}
    values = set(by_attr.values())
    found: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Kind"
            and node.attr in by_attr
        ):
            found.add(by_attr[node.attr])
        elif isinstance(node, ast.Call):
            fn = node.func
            called = (isinstance(fn, ast.Name) and fn.id == "Kind") or (
                isinstance(fn, ast.Attribute)
                and isinstance(fn.value, ast.Name)
                and fn.value.id == "Kind"
            )
            for arg in node.args if called else []:
                if isinstance(arg, ast.Constant) and arg.value in values:
                    found.add(str(arg.value))
        elif isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                # kind == "list" (either side); kind in ("list", ...) (the container's
                # items; '"property" in flow' tests a JSON field)
                # ("k in ('property', 'operator')" tests JSON fields: the other side must
                # be about a kind)
                if "kind" not in (ast.unparse(left) + ast.unparse(right)).lower():
                    left = right
                    continue
                sides = [right] if isinstance(op, (ast.In, ast.NotIn)) else [left, right]
                for side in sides:
                    items = (
                        side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                    )
                    for const in items:
                        if isinstance(const, ast.Constant) and const.value in values:
                            found.add(str(const.value))
                left = right
    return found


def test_the_scan_sees_a_kind_named_in_each_way() -> None:
    tree = ast.parse(
        "a = Kind.LIST\nb = Kind('stage')\nc = kind == 'workflow'\n"
        "d = c.kind.value in ('pipeline', 'y')\n"
        "e = {'property': 1}\nf = x.get('property') == 'dealstage'\ng = 'property' in flow\n"
        "h = k not in ('property', 'operator')\n"  # JSON fields
    )
    assert named_kinds(tree) == {"list", "stage", "workflow", "pipeline"}


def test_each_kind_is_named_in_at_most_its_handler_the_registry_and_resources() -> None:
    modules = engine_modules()
    assert "engine.py" in modules and "kinds/lists.py" in modules  # the scan sees the engine
    mentions: dict[str, set[str]] = {}
    for rel, tree in modules.items():
        for kind in named_kinds(tree):
            mentions.setdefault(kind, set()).add(rel)
    for handler in handlers():
        home = handler.__class__.__module__.removeprefix("hs_japan.").replace(".", "/") + ".py"
        allowed = {home, "kinds/__init__.py", "resources.py"}
        where = mentions.get(handler.kind.value, set())
        assert where <= allowed, f"{handler.kind.value} is named in {sorted(where - allowed)}"
        assert len(where) <= 3
