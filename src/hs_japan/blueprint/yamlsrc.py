"""YAML reading that keeps line numbers and rejects duplicate keys and hostile input.

``read_yaml`` returns plain Python data plus a map from each value's path (a tuple of
keys and list indexes) to its 1-based line, so any later validation error can be
reported as ``file:line: field: message``.

Parsing uses libyaml's C parser when PyYAML was built with it (about ten times faster;
marks, and so line numbers, are the same). Before anything is composed, one pass over
the parser's events (iterative, so no recursion) refuses what could hang or exhaust
the process: nesting deeper than :data:`MAX_DEPTH`, aliases that expand to more than
:data:`MAX_NODES` values (a "billion laughs" bomb) and aliases that refer to the node
containing them. Files are read only if they are regular files of at most
:data:`MAX_FILE_BYTES` (a FIFO or ``/dev/zero`` named ``x.yaml`` is refused, not read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hs_japan.errors import Diagnostic
from hs_japan.outfile import ReadProblem, read_regular_file

MAX_FILE_BYTES = 2 * 1024 * 1024  # a blueprint file is hand-written config, not data
MAX_DEPTH = 64  # real blueprints nest about 8 levels
MAX_NODES = 200_000  # values after alias expansion; the Japan blueprint has ~6,000

Path_ = tuple[str | int, ...]

# the C parser when available; same resolver and constructor as yaml.SafeLoader
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOOL_TAG = "tag:yaml.org,2002:bool"
# characters YAML 1.1 does not allow in a stream (c-printable), TAB/LF/CR aside
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class YamlDoc:
    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    # paths whose value is an unquoted YAML 1.1 boolean word other than true/false
    # (yes, no, on, off, y, n ...), with the word as written
    bool_words: dict[Path_, str] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """Line of the deepest known node on ``path`` (falls back towards the root)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)

    def bool_word_at(self, path: Path_) -> tuple[Path_, str] | None:
        """The YAML 1.1 boolean word at ``path`` or the nearest ancestor, if any."""
        p = tuple(path)
        while p:
            if p in self.bool_words:
                return p, self.bool_words[p]
            p = p[:-1]
        return None


def bool_word_hint(word: str) -> str:
    value = "true" if word.lower() in ("y", "yes", "on") else "false"
    return (
        f"unquoted {word} is read as the boolean {value} (YAML 1.1); "
        f'if you mean the text, quote it: "{word}"'
    )


class _Walk:
    def __init__(self, file: str, doc: YamlDoc) -> None:
        self.file = file
        self.doc = doc
        self.errors: list[Diagnostic] = []

    def node(self, node: yaml.Node, path: Path_) -> None:
        # iterative: depth is bounded by the event pre-check, but keep the stack flat anyway
        todo: list[tuple[yaml.Node, Path_]] = [(node, path)]
        while todo:
            current, at = todo.pop()
            self.doc.lines.setdefault(at, current.start_mark.line + 1)
            if isinstance(current, yaml.ScalarNode):
                if _is_bool_word(current):
                    self.doc.bool_words[at] = str(current.value)
            elif isinstance(current, yaml.MappingNode):
                children = self.mapping(current, at)
                todo.extend(reversed(children))
            elif isinstance(current, yaml.SequenceNode):
                todo.extend(
                    (item, (*at, i)) for i, item in reversed(list(enumerate(current.value)))
                )

    def mapping(self, node: yaml.MappingNode, path: Path_) -> list[tuple[yaml.Node, Path_]]:
        out: list[tuple[yaml.Node, Path_]] = []
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.errors.append(
                    Diagnostic(self.file, line, _dotted(path), "mapping keys must be plain strings")
                )
                continue
            key = key_node.value
            if key == "<<":
                self.errors.append(
                    Diagnostic(
                        self.file, line, _dotted(path), "YAML merge keys (<<) are not supported"
                    )
                )
                continue
            if _is_bool_word(key_node) or key_node.tag == _BOOL_TAG:
                self.errors.append(
                    Diagnostic(
                        self.file,
                        line,
                        _dotted((*path, key)),
                        f"mapping key {bool_word_hint(key)}",
                    )
                )
                continue
            if key in seen:
                self.errors.append(
                    Diagnostic(
                        self.file,
                        line,
                        _dotted((*path, key)),
                        f"duplicate key (first defined on line {seen[key]})",
                    )
                )
                continue
            seen[key] = line
            self.doc.lines[(*path, key)] = line
            out.append((value_node, (*path, key)))
        return out


def _is_bool_word(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and node.tag == _BOOL_TAG
        and not node.style  # plain (unquoted)
        and str(node.value).lower() not in ("true", "false")
    )


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def dotted(path: Path_) -> str:
    """Render a data path the way users read it: ``properties[3].options[0].value``."""
    return _dotted(path)


def read_source(path: Path, display: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of one blueprint file, or why they cannot be read (never blocks)."""
    try:
        return read_regular_file(path, MAX_FILE_BYTES), []
    except ReadProblem as exc:
        message = str(exc)
        if exc.size is not None:
            message = (
                f"file is {exc.size / 1048576:.1f} MB; blueprint files are limited to "
                f"{MAX_FILE_BYTES // 1048576} MB (split it, or check it is the right file)"
            )
        return None, [Diagnostic(display, 0, "", message)]


def _precheck(text: str, display: str) -> Diagnostic | None:
    """One iterative pass over the parser's events: depth, alias expansion, alias cycles."""
    loader = Loader(text)
    sizes: dict[str, int] = {}  # anchor -> values it expands to
    stack: list[list[Any]] = []  # [values so far, anchor] per open collection
    expanded = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    return Diagnostic(
                        display,
                        line,
                        "",
                        f"nested more than {MAX_DEPTH} levels deep (a blueprint needs about 8)",
                    )
                stack.append([1, event.anchor])
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                size, anchor = stack.pop()
                if anchor:
                    sizes[anchor] = size
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if any(frame[1] == event.anchor for frame in stack):
                    return Diagnostic(
                        display,
                        line,
                        "",
                        f"recursive alias *{event.anchor}: it refers to a value that contains "
                        "it (remove the alias)",
                    )
                size = sizes.get(event.anchor or "", 1)  # an unknown anchor: reported later
            else:
                continue
            if stack:
                stack[-1][0] += size
            expanded += size if not isinstance(event, yaml.CollectionEndEvent) else 1
            if expanded > MAX_NODES or (stack and stack[-1][0] > MAX_NODES):
                return Diagnostic(
                    display,
                    line,
                    "",
                    f"the document expands to more than {MAX_NODES:,} values through aliases "
                    "(*name); write the values out or use fewer aliases",
                )
    finally:
        loader.dispose()
    return None


def parse_yaml(raw: bytes, display: str) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Parse the bytes of one YAML file; on any problem return ``(None, diagnostics)``."""
    if b"\x00" in raw:
        return None, [Diagnostic(display, 0, "", "not a text file (contains NUL bytes)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Diagnostic(
                display,
                line,
                "",
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8",
            )
        ]
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        return None, [
            Diagnostic(
                display,
                line,
                "",
                f"control character U+{ord(bad.group()):04X} is not allowed in YAML "
                "(delete it, or write it as an escape inside double quotes)",
            )
        ]
    try:
        problem = _precheck(text, display)
        if problem is not None:
            return None, [problem]
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return YamlDoc(display, None), []
            doc = YamlDoc(display, None)
            walk = _Walk(display, doc)
            walk.node(node, ())
            if walk.errors:
                return None, walk.errors
            doc.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem_text = exc.problem or exc.context or "invalid YAML"
        return None, [Diagnostic(display, line, "", f"invalid YAML: {problem_text}")]
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [Diagnostic(display, 0, "", f"invalid YAML: {first}")]
    except RecursionError:  # a last net: the pre-check bounds depth, so this is not expected
        return None, [Diagnostic(display, 0, "", "nested too deeply")]
    return doc, []


def read_yaml(path: Path, display: str) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Read and parse one YAML file; on any problem return ``(None, diagnostics)``."""
    raw, errors = read_source(path, display)
    if raw is None:
        return None, errors
    return parse_yaml(raw, display)
