"""Located input values and the diagnostics sink every reader reports into.

A ``Node`` is one value of an input document together with where it is: the file, its
JSON path (or a friendlier label such as a Terraform resource address) and its line.
Readers never raise on bad data: they report into the ``Sink`` and go on, so that one run
names every problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

from ..core.diagnostics import Diagnostic, Span
from .jsondoc import LazySpan, Located, Path, format_path

# Diagnostic codes used for input data (docs/inputs.md, "Diagnostics").
SYNTAX = "E001"        # unreadable data: JSON/YAML/HCL syntax, duplicate key, wrong shape
UNREADABLE = "E004"    # missing file, unknown format
LIMIT = "E005"         # nesting depth, size
BAD_RULE = "E120"      # a rule field with a value the platform does not accept
UNSUPPORTED = "E201"   # a construct sgverify cannot model faithfully (fails closed)
NOTICE = "W125"        # ignored or defaulted input, named once


@dataclass(frozen=True)
class Src:
    """One input file as read: shown path, text and positions."""

    shown: str
    doc: Located


class Node:
    """A value at a place. ``where`` names the place for messages: the JSON path, or
    ``prefix`` followed by the path below the node that set the prefix."""

    __slots__ = ("value", "src", "path", "base", "prefix")

    def __init__(self, value: Any, src: Src, path: Path = (), base: int = 0, prefix: str = "") -> None:
        self.value, self.src, self.path, self.base, self.prefix = value, src, path, base, prefix

    @staticmethod
    def root(src: Src) -> Node:
        return Node(src.doc.value, src)

    @property
    def where(self) -> str:
        rest = format_path(self.path[self.base:])
        if not self.prefix:
            return rest
        if not rest:
            return self.prefix
        return self.prefix + ("" if rest.startswith("[") else ".") + rest

    @property
    def span(self) -> Span:
        doc = self.src.doc
        if doc.index is not None and not doc.lines and not doc.offsets:
            return LazySpan(self.src.shown, doc.index, self.path)  # found when shown
        line, col = doc.position(self.path)
        return Span(self.src.shown, line, col)

    def place(self) -> Node:
        """The same place without its value: what a draft keeps for messages once its
        value (a whole group's JSON, say) has been read."""
        return Node(None, self.src, self.path, self.base, self.prefix)

    def labelled(self, prefix: str) -> Node:
        """This node, named ``prefix`` in messages (and its children below it)."""
        return Node(self.value, self.src, self.path, len(self.path), prefix)

    def child(self, key: str | int) -> Node:
        """The child at ``key``; its value is None when absent."""
        value = None
        if isinstance(self.value, dict) and isinstance(key, str):
            value = self.value.get(key)
        elif isinstance(self.value, list) and isinstance(key, int) and 0 <= key < len(self.value):
            value = self.value[key]
        return Node(value, self.src, self.path + (key,), self.base, self.prefix)

    def get(self, key: str) -> Node | None:
        if isinstance(self.value, dict) and key in self.value:
            return self.child(key)
        return None

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def keys(self) -> list[str]:
        return list(self.value) if isinstance(self.value, dict) else []

    def elements(self) -> Iterator[Node]:
        if isinstance(self.value, list):
            src, path, base, prefix = self.src, self.path, self.base, self.prefix
            for i, value in enumerate(self.value):
                yield Node(value, src, path + (i,), base, prefix)  # self.child(i)

    def items(self) -> Iterator[tuple[str, Node]]:
        if isinstance(self.value, dict):
            for k in self.value:
                yield k, self.child(k)

    def fields(self) -> Fields:
        """This object's members as a mapping to nodes, each made when asked for."""
        return Fields(self)

    @property
    def shown_value(self) -> str:
        """The value as it appears in the input, for messages."""
        try:
            text = json.dumps(self.value, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(self.value)
        return text if len(text) <= 80 else text[:77] + "..."

    def is_blank(self) -> bool:
        """Not set: absent, null or an empty string (the API's way of saying 'not set')."""
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


class Fields(Mapping[str, Node]):
    """The members of an object node as nodes, made on demand: a rule reads a few of its
    twenty-odd fields, and most are blank (issue 14: the nodes were a third of reading)."""

    __slots__ = ("node", "value")

    def __init__(self, node: Node) -> None:
        self.node = node
        self.value: dict[str, Any] = node.value if isinstance(node.value, dict) else {}

    def __getitem__(self, key: str) -> Node:
        if key not in self.value:
            raise KeyError(key)
        n = self.node
        return Node(self.value[key], n.src, n.path + (key,), n.base, n.prefix)

    def __iter__(self) -> Iterator[str]:
        return iter(self.value)

    def __len__(self) -> int:
        return len(self.value)

    def nonblank(self, key: str) -> Node | None:
        """The member's node, or None when it is absent, null or a blank string."""
        v = self.value.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        n = self.node
        return Node(v, n.src, n.path + (key,), n.base, n.prefix)


@dataclass
class Sink:
    """Collects diagnostics; unknown fields are reported once per file and field name."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    _unknown: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    _once: set[tuple[str, str]] = field(default_factory=set)

    def report(self, code: str, at: Node | Span | None, message: str) -> None:
        if isinstance(at, Node):
            where = at.where
            span: Span | None = at.span
            message = f"{where}: {message}" if where else message
        else:
            span = at
        self.diagnostics.append(Diagnostic.make(code, message, span))

    def error(self, code: str, at: Node | Span | None, message: str) -> None:
        self.report(code, at, message)

    def warn(self, at: Node | Span | None, message: str) -> None:
        self.report(NOTICE, at, message)

    def warn_once(self, key: str, at: Node | Span | None, message: str) -> None:
        """One warning per (file, key), e.g. a platform rule applied several times."""
        shown = at.src.shown if isinstance(at, Node) else (at.path if at else "")
        if (shown, key) in self._once:
            return
        self._once.add((shown, key))
        self.warn(at, message)

    def unknown_fields(self, node: Node, known: Iterable[str], what: str = "field") -> None:
        """Warn (later, once per file and name) about keys of ``node`` not in ``known``."""
        if not isinstance(node.value, dict):
            return
        allowed = known if isinstance(known, (set, frozenset)) else set(known)
        for key in node.value:
            if key not in allowed:
                slot = self._unknown.setdefault((node.src.shown, key), [node.child(key), 0, what])
                slot[1] += 1

    def finish(self) -> None:
        """Emit the pending unknown-field warnings (in input order)."""
        for (_shown, key), (node, count, what) in self._unknown.items():
            more = f" (and {count - 1} more time{'s' if count > 2 else ''} in this file)" if count > 1 else ""
            parent = Node(None, node.src, node.path[:-1], node.base, node.prefix)
            where = parent.where
            self.diagnostics.append(Diagnostic.make(
                NOTICE, f"{where + ': ' if where else ''}unknown {what} '{key}' ignored{more}", node.span))
        self._unknown.clear()

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def wrapped_list(node: Node | None, inner: str) -> list[Node]:
    """The items of an API list, which Alibaba Cloud wraps as ``{"Permission": [...]}``;
    a bare list is accepted too. Absent or null is the empty list."""
    if node is None or node.value is None:
        return []
    if isinstance(node.value, dict):
        if not node.value:
            return []
        inner_node = node.get(inner)
        if inner_node is None:
            return []
        node = inner_node
        if isinstance(node.value, dict):  # a single item, not wrapped in a list
            return [node]
        if node.value is None:
            return []
    if isinstance(node.value, list):
        return list(node.elements())
    return []


def expect_list(sink: Sink, node: Node | None, inner: str) -> list[Node]:
    """``wrapped_list`` that reports a value of the wrong type instead of ignoring it."""
    if node is not None and node.value is not None and not isinstance(node.value, (list, dict)):
        sink.error(SYNTAX, node, f"expected a list, found {node.shown_value}")
        return []
    if node is not None and isinstance(node.value, dict) and node.value and inner not in node.value:
        sink.error(SYNTAX, node, f"expected a list or an object with key '{inner}'")
        return []
    return wrapped_list(node, inner)


def listed(node: Node | None, inner: str) -> Node | None:
    """The node of the JSON list whose elements ``expect_list`` returns, when it returns
    them without a diagnostic; None for any other value (ask ``expect_list``)."""
    if node is None:
        return None
    value = node.value
    if value.__class__ is list:
        return node
    if value.__class__ is dict and value.get(inner).__class__ is list:
        return node.child(inner)
    return None


def text_of(sink: Sink, node: Node | None, what: str = "a string") -> str:
    """A string field; numbers are taken as their decimal text; blank is ''."""
    if node is None or node.value is None:
        return ""
    value = node.value
    if isinstance(value, bool):
        sink.error(SYNTAX, node, f"expected {what}, found {node.shown_value}")
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        sink.error(SYNTAX, node, f"expected {what}, found {node.shown_value}")
        return ""
    return value.strip()


def strings_of(sink: Sink, node: Node | None, inner: str, what: str) -> list[tuple[str, Node]]:
    """A list of strings (possibly wrapped as ``{inner: [...]}``), blanks dropped."""
    out = []
    for item in expect_list(sink, node, inner):
        text = text_of(sink, item, what)
        if text:
            out.append((text, item))
    return out
