"""YAML reading that keeps line numbers and rejects duplicate keys and hostile input.

``read_yaml`` returns plain Python data plus a map from each value's path (a tuple of
keys and list indexes) to its 1-based line, so any later validation error can be
reported as ``file:line: field: message``.

Parsing uses libyaml's C parser when PyYAML was built with it (about ten times faster;
marks, and so line numbers, are the same). Files are read only if they are regular files
of at most :data:`MAX_FILE_BYTES` (a FIFO or ``/dev/zero`` named ``x.yaml`` is refused,
not read).

Two paths give the same result (a differential test holds them to it):

- **One pass** (:func:`_parse_plain`): what blueprints are, a document without anchors,
  aliases, explicit tags, duplicate or boolean keys, is built straight from the parser's
  events (iterative; data, line marks and boolean words at once), with PyYAML's own
  resolver and scalar constructors. It gives up, returning None, at the first thing
  outside that subset, including any error.
- **Checked** (:func:`_parse_checked`): everything else. Before anything is composed,
  one pass over the parser's events refuses what could hang or exhaust the process:
  nesting deeper than :data:`MAX_DEPTH`, aliases that expand to more than
  :data:`MAX_NODES` values (a "billion laughs" bomb) and aliases that refer to the node
  containing them; then the node tree is walked for line marks and key problems and
  constructed by ``SafeConstructor``. Every diagnostic comes from this path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

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
                self.timestamp(current, at)
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
            if self.timestamp(key_node, (*path, key)):
                continue
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

    def timestamp(self, node: yaml.ScalarNode, path: Path_) -> bool:
        """An unquoted date that is no date (``2025-02-30``) is a located error, not an
        exception out of the constructor. True when reported."""
        if node.tag != _TIMESTAMP_TAG:
            return False
        try:
            SafeConstructor().construct_yaml_timestamp(node)
        except ValueError as exc:
            self.errors.append(
                Diagnostic(
                    self.file,
                    node.start_mark.line + 1,
                    _dotted(path),
                    f"{node.value} is not a valid date or time ({exc}); "
                    f'if you mean the text, quote it: "{node.value}"',
                )
            )
            return True
        return False


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


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
    fast = _parse_plain(text, display)
    if fast is not None:
        return fast, []
    return _parse_checked(text, display)


def _parse_checked(text: str, display: str) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Pre-check, compose, walk and construct: any YAML, every diagnostic."""
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


_STR_TAG = "tag:yaml.org,2002:str"
# implicitly resolved scalar tags the one-pass path constructs (through SafeConstructor's
# own functions); any other tag sends the document to the checked path
_PLAIN_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("null", "bool", "int", "float", "timestamp")
)
_NO_KEY: Any = object()


class _GiveUp(Exception):
    """The document is outside the one-pass subset: parse it on the checked path."""


def _parse_plain(text: str, display: str) -> YamlDoc | None:
    """The document built in one pass over the parser's events, or None when it uses
    anything outside the subset blueprints are written in (see the module docstring).

    Same result as :func:`_parse_checked` for every document it accepts: data as
    ``SafeConstructor`` builds it, ``lines`` as ``_Walk`` records them (a mapping value
    at its key's line, a sequence item and the root at their first line), ``bool_words``
    for plain scalar values resolved to a boolean other than true/false."""
    loader = Loader(text)
    try:
        return _build_plain(loader, display)
    except (_GiveUp, yaml.YAMLError, ValueError, TypeError, ArithmeticError):
        return None
    finally:
        loader.dispose()


def _build_plain(loader: Any, display: str) -> YamlDoc:
    if loader.yaml_path_resolvers:
        raise _GiveUp
    implicit_resolvers = loader.yaml_implicit_resolvers
    if None in implicit_resolvers:
        raise _GiveUp
    # first characters of a plain scalar that some implicit resolver may claim; any other
    # plain scalar (and every quoted one) is a string without asking the resolver
    claimed = frozenset(implicit_resolvers)
    constructors = loader.yaml_constructors
    resolved: dict[str, str] = {}
    lines: dict[Path_, int] = {}
    bool_words: dict[Path_, str] = {}

    if not isinstance(loader.get_event(), yaml.StreamStartEvent):
        raise _GiveUp
    event = loader.get_event()
    if isinstance(event, yaml.StreamEndEvent):
        return YamlDoc(display, None)
    if not isinstance(event, yaml.DocumentStartEvent) or event.version or event.tags:
        raise _GiveUp
    root: Any = _NO_KEY
    path: Path_
    # per open collection: [container, path, pending key (mapping), key's path, keys seen]
    stack: list[list[Any]] = []
    budget = MAX_NODES - 2 * MAX_DEPTH  # well inside the checked path's limit
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    collection_end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    while True:
        event = loader.get_event()
        kind = type(event)
        if kind is scalar_event:
            if event.anchor is not None:
                raise _GiveUp
            tag = event.tag
            value = event.value
            if tag is not None and tag != "!":
                raise _GiveUp
            if not event.implicit[0] or (value and value[0] not in claimed):
                tag = _STR_TAG
            else:
                tag = resolved.get(value) or resolved.setdefault(
                    value, loader.resolve(yaml.ScalarNode, value, event.implicit)
                )
            if tag == _STR_TAG:
                data: Any = value
            elif tag in _PLAIN_SCALAR_TAGS:
                node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
                data = constructors[tag](loader, node)
            else:
                raise _GiveUp
            line = event.start_mark.line + 1
            if not stack:
                if root is not _NO_KEY:
                    raise _GiveUp
                root, path = data, ()
                lines[path] = line
            else:
                frame = stack[-1]
                if frame[2] is _NO_KEY and isinstance(frame[0], dict):  # a mapping key
                    if value == "<<" or tag == _BOOL_TAG or value in frame[4]:
                        raise _GiveUp
                    frame[4].add(value)
                    frame[2] = data
                    frame[3] = (*frame[1], value)
                    lines[frame[3]] = line
                    budget -= 1
                    continue
                path = _place(frame, data, lines, line)
            if tag == _BOOL_TAG and not event.style and value.lower() not in ("true", "false"):
                bool_words[path] = value
        elif kind is mapping_start or kind is sequence_start:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise _GiveUp
            if len(stack) >= MAX_DEPTH - 1:
                raise _GiveUp
            container: Any = {} if kind is mapping_start else []
            line = event.start_mark.line + 1
            if not stack:
                if root is not _NO_KEY:
                    raise _GiveUp
                root, path = container, ()
                lines[path] = line
            else:
                frame = stack[-1]
                if frame[2] is _NO_KEY and isinstance(frame[0], dict):
                    raise _GiveUp  # a collection as a mapping key
                path = _place(frame, container, lines, line)
            stack.append([container, path, _NO_KEY, (), set()])
        elif kind in collection_end:
            stack.pop()
        elif kind is yaml.DocumentEndEvent:
            break
        else:  # an alias, or anything unexpected
            raise _GiveUp
        budget -= 1
        if budget < 0:
            raise _GiveUp
    if not isinstance(loader.get_event(), yaml.StreamEndEvent):
        raise _GiveUp  # a second document: the checked path reports it
    return YamlDoc(display, root, lines, bool_words)


def _place(frame: list[Any], data: Any, lines: dict[Path_, int], line: int) -> Path_:
    """Put a value into the open collection ``frame``; its path."""
    container = frame[0]
    if isinstance(container, dict):
        container[frame[2]] = data
        frame[2] = _NO_KEY
        path: Path_ = frame[3]  # its line is the key's, already recorded
    else:
        path = (*frame[1], len(container))
        container.append(data)
        lines[path] = line
    return path


def read_yaml(path: Path, display: str) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Read and parse one YAML file; on any problem return ``(None, diagnostics)``."""
    raw, errors = read_source(path, display)
    if raw is None:
        return None, errors
    return parse_yaml(raw, display)
