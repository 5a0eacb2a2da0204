"""YAML reading that keeps line numbers and rejects duplicate keys.

``read_yaml`` returns plain Python data plus a map from each value's path (a tuple of
keys and list indexes) to its 1-based line, so any later validation error can be
reported as ``file:line: field: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hs_japan.errors import Diagnostic

MAX_FILE_BYTES = 2 * 1024 * 1024  # a blueprint file is hand-written config, not data

Path_ = tuple[str | int, ...]


@dataclass
class YamlDoc:
    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """Line of the deepest known node on ``path`` (falls back towards the root)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)


def _walk(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], errors: list[Diagnostic], file: str
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                errors.append(
                    Diagnostic(
                        file,
                        key_node.start_mark.line + 1,
                        _dotted(path),
                        "mapping keys must be plain strings",
                    )
                )
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key == "<<":
                errors.append(
                    Diagnostic(file, line, _dotted(path), "YAML merge keys (<<) are not supported")
                )
                continue
            if key in seen:
                errors.append(
                    Diagnostic(
                        file,
                        line,
                        _dotted((*path, key)),
                        f"duplicate key (first defined on line {seen[key]})",
                    )
                )
                continue
            seen[key] = line
            _walk(value_node, (*path, key), lines, errors, file)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, errors, file)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def dotted(path: Path_) -> str:
    """Render a data path the way users read it: ``properties[3].options[0].value``."""
    return _dotted(path)


def read_yaml(path: Path, display: str) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Parse one YAML file; on any problem return ``(None, diagnostics)``."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Diagnostic(display, 0, "", f"cannot read file: {exc.strerror}")]
    if size > MAX_FILE_BYTES:
        return None, [
            Diagnostic(
                display,
                0,
                "",
                f"file is {size / 1048576:.1f} MB; blueprint files are limited to "
                f"{MAX_FILE_BYTES // 1048576} MB (split it, or check it is the right file)",
            )
        ]
    raw = path.read_bytes()
    if b"\x00" in raw:
        return None, [Diagnostic(display, 0, "", "not a text file (contains NUL bytes)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Diagnostic(display, 0, "", f"not valid UTF-8 (byte offset {exc.start})")]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(display, None), []
        lines: dict[Path_, int] = {}
        errors: list[Diagnostic] = []
        _walk(node, (), lines, errors, display)
        if errors:
            return None, errors
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [Diagnostic(display, line, "", f"invalid YAML: {problem}")]
    except yaml.YAMLError as exc:
        return None, [Diagnostic(display, 0, "", f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    return YamlDoc(display, data, lines), []
