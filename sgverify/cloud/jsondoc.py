"""Strict JSON with positions: every value's line and column, duplicate keys refused,
nesting depth limited.

Python's ``json`` module gives no positions, so this is a small recursive-descent reader
(strings are decoded by ``json.decoder.scanstring``, the standard library's own string
scanner). The result is plain Python values plus a table from JSON path to offset;
``Located`` turns offsets into lines and columns on demand.
"""

from __future__ import annotations

import bisect
import json.decoder
import re
from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 64
MAX_NUMBER_DIGITS = 1000
"""Longer whole numbers are refused: no field holds one, and Python's int() stops at 4,300."""

Path = tuple[str | int, ...]

_WS = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\ud800-\udfff]")  # what remains after pairs are joined is alone
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
LONE_SURROGATE = ("a string holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its "
                  "pair), which is not text")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class DataError(Exception):
    """Unreadable input data: ``message`` (with its JSON path when known) at ``line``:``col``."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def format_path(path: Path) -> str:
    """``("Permissions", "Permission", 3, "PortRange")`` -> ``Permissions.Permission[3].PortRange``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if re.fullmatch(r"[A-Za-z_@$][\w@$:\-]*", part) else json.dumps(part)
            out += ("." if out else "") + text
    return out


@dataclass
class Located:
    """A parsed document: its value and where each value starts (by JSON path)."""

    value: Any
    text: str
    offsets: dict[Path, int] = field(default_factory=dict)
    lines: dict[Path, tuple[int, int]] = field(default_factory=dict)  # given directly (YAML)
    # keys given twice, when the parser was asked to keep them (the last value is kept):
    # (path of the key, the refusal message, line, column, whether the two values differ)
    duplicates: list[tuple[Path, str, int, int, bool]] = field(default_factory=list)
    _newlines: list[int] | None = None

    def position(self, path: Path) -> tuple[int, int]:
        """(line, column), 1-based, of the value at ``path`` or of its nearest ancestor."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if path in self.offsets:
                return self.line_col(self.offsets[path])
            if not path:
                return (1, 1)
            path = path[:-1]

    def line_col(self, offset: int) -> tuple[int, int]:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self._newlines, offset)
        start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1


class _Reader:
    def __init__(self, text: str, max_depth: int, keep_duplicates: bool = False) -> None:
        self.text, self.max_depth, self.keep_duplicates = text, max_depth, keep_duplicates
        self.offsets: dict[Path, int] = {}
        self.doc = Located(None, text, self.offsets)

    def fail(self, message: str, pos: int, path: Path = ()) -> DataError:
        line, col = self.doc.line_col(pos)
        where = format_path(path)
        return DataError(f"{where}: {message}" if where else message, line, col)

    def ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def value(self, pos: int, path: Path, depth: int) -> tuple[Any, int]:
        text = self.text
        pos = self.ws(pos)
        self.offsets[path] = pos
        if pos >= len(text):
            raise self.fail("unexpected end of the JSON text; expected a value", pos, path)
        ch = text[pos]
        if ch == "{" or ch == "[":
            if depth >= self.max_depth:
                raise self.fail(f"nested more than {self.max_depth} levels deep", pos, path)
            return self.obj(pos, path, depth) if ch == "{" else self.arr(pos, path, depth)
        if ch == '"':
            return self.string(pos, path)
        m = _NUMBER.match(text, pos)
        if m and m.end() > pos:
            num = m.group(0)
            if m.group(1) or m.group(2):
                return float(num), m.end()
            if len(num) > MAX_NUMBER_DIGITS:
                raise self.fail(f"a number of {len(num)} digits; numbers in this data have at "
                                f"most {MAX_NUMBER_DIGITS}", pos, path)
            return int(num), m.end()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, pos):
                return val, pos + len(word)
        bad = re.match(r"[^\s,:\]\}]{1,20}", text[pos:])
        raise self.fail(f"unexpected '{bad.group(0) if bad else ch}'; expected a JSON value "
                        "(object, array, string, number, true, false or null)", pos, path)

    def string(self, pos: int, path: Path) -> tuple[str, int]:
        try:
            value, end = json.decoder.scanstring(self.text, pos + 1, True)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise self.fail(f"bad string: {exc.msg}", exc.pos, path) from None
        if _SURROGATE.search(value):
            raise self.fail(LONE_SURROGATE, pos, path)
        return value, end

    def obj(self, pos: int, path: Path, depth: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        first: dict[str, int] = {}
        pos = self.ws(pos + 1)
        if self.text.startswith("}", pos):
            return out, pos + 1
        while True:
            if not self.text.startswith('"', pos):
                raise self.fail("expected a key in double quotes", pos, path)
            key_pos = pos
            key, pos = self.string(pos, path)
            again = key in first
            if again:
                line, _ = self.doc.line_col(first[key])
                problem = self.fail(f"duplicate key '{key}' (first given on line {line})", key_pos,
                                    path)
                if not self.keep_duplicates:
                    raise problem
                before = out[key]
            first[key] = key_pos
            pos = self.ws(pos)
            if not self.text.startswith(":", pos):
                raise self.fail(f"expected ':' after key '{key}'", pos, path)
            out[key], pos = self.value(pos + 1, path + (key,), depth + 1)
            if again:
                self.doc.duplicates.append((path + (key,), problem.message, problem.line,
                                            problem.col, before != out[key]))
            pos = self.ws(pos)
            if self.text.startswith(",", pos):
                pos = self.ws(pos + 1)
                continue
            if self.text.startswith("}", pos):
                return out, pos + 1
            raise self.fail("expected ',' or '}' in an object", pos, path)

    def arr(self, pos: int, path: Path, depth: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        pos = self.ws(pos + 1)
        if self.text.startswith("]", pos):
            return out, pos + 1
        while True:
            item, pos = self.value(pos, path + (len(out),), depth + 1)
            out.append(item)
            pos = self.ws(pos)
            if self.text.startswith(",", pos):
                pos += 1
                continue
            if self.text.startswith("]", pos):
                return out, pos + 1
            raise self.fail("expected ',' or ']' in an array", pos, path)


def parse_json(text: str, max_depth: int = MAX_DEPTH, keep_duplicates: bool = False) -> Located:
    """Parse one JSON document; raise ``DataError`` with a line and column on any problem
    (with ``keep_duplicates``, a key given twice is recorded in ``duplicates`` instead)."""
    reader = _Reader(text, max_depth, keep_duplicates)
    value, pos = reader.value(0, (), 0)
    pos = reader.ws(pos)
    if pos != len(text):
        raise reader.fail("unexpected text after the JSON value", pos)
    reader.doc.value = value
    return reader.doc


def _pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(items)
    if len(out) != len(items):
        seen: set[str] = set()
        for k, _ in items:
            if k in seen:
                raise DataError(f"duplicate key '{k}'")
            seen.add(k)
    return out


def _whole(text: str) -> int:
    if len(text) > MAX_NUMBER_DIGITS:
        raise DataError(f"a number of {len(text)} digits; numbers in this data have at most "
                        f"{MAX_NUMBER_DIGITS}")
    return int(text)


_STRICT = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_whole)


def loads_strict(line: str, max_depth: int = MAX_DEPTH) -> Any:
    """One JSON value with the standard (fast) decoder, refusing duplicate keys and deep
    nesting; for JSON lines input. Raises ``DataError`` (no line: the caller knows it)."""
    depth = level = 0
    if "[" in line or line.count("{") > 1:
        for ch in line:  # a cheap over-estimate (brackets inside strings count too)
            if ch in "[{":
                level += 1
                depth = max(depth, level)
            elif ch in "]}":
                level -= 1
        if depth > max_depth:
            raise DataError(f"nested more than {max_depth} levels deep")
    try:
        value = _STRICT.decode(line.strip())
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if _SURROGATE_ESCAPE.search(line) and has_lone_surrogate(value):
        raise DataError(LONE_SURROGATE)
    return value


def has_lone_surrogate(value: Any) -> bool:
    """Whether any string in a decoded value (keys included) holds a lone surrogate."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False
