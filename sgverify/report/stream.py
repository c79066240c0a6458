"""Large reports written piece by piece: a JSON document whose big arrays are made one
item at a time while it is written, and writing any report given as pieces.

A lint or SARIF report of a fleet holds a hundred thousand findings; built as one tree of
dicts and then one string, it took several times the memory of the estate (757 MB for the
JSON report of 200 groups, 80 MB of text). ``Later`` stands for an array in the tree
whose items a function makes on demand; ``chunks`` writes the document in pieces, each
item encoded and dropped before the next is made. The text is exactly
``json.dumps(doc, indent=2) + "\\n"`` of the same document with every ``Later`` made into
its list (``tests/report/test_stream.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

INDENT = "  "


class Later:
    """A JSON array whose items ``make`` yields when the document is written (once:
    ``chunks`` iterates it one time). Not a list on purpose: ``json.dumps`` refuses it
    (TypeError) instead of writing it empty, so only ``chunks`` can write it."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Iterable[Any]]) -> None:
        self.make = make


def chunks(doc: Any) -> Iterator[str]:
    """``json.dumps(doc, indent=2) + "\\n"`` in pieces, each ``Later`` item made, encoded
    and let go in turn."""
    yield from _encode(doc, 0)
    yield "\n"


def _encode(value: Any, level: int) -> Iterator[str]:
    if isinstance(value, Later):
        pad = "\n" + INDENT * (level + 1)
        first = True
        for item in value.make():
            yield ("[" if first else ",") + pad + _plain(item, level + 1)
            first = False
        yield "[]" if first else "\n" + INDENT * level + "]"
    elif isinstance(value, (dict, list, tuple)) and value and _holds_later(value):
        pad = "\n" + INDENT * (level + 1)
        if isinstance(value, dict):
            opening, closing, pairs = "{", "}", value.items()
        else:
            opening, closing, pairs = "[", "]", ((None, v) for v in value)
        first = True
        for key, v in pairs:
            if key is not None and not isinstance(key, str):
                raise TypeError(f"a streamed document's keys are strings, not {key!r}")
            yield (opening if first else ",") + pad + (
                json.dumps(key) + ": " if key is not None else "")
            first = False
            yield from _encode(v, level + 1)
        yield "\n" + INDENT * level + closing
    else:
        yield _plain(value, level)


def _plain(value: Any, level: int) -> str:
    """``value`` (no ``Later`` inside) as ``json.dumps(indent=2)`` writes it ``level``
    deep: the same text with every line after the first indented (strings never hold a
    raw line break: the encoder escapes it)."""
    text = json.dumps(value, indent=2)
    return text.replace("\n", "\n" + INDENT * level) if level and "\n" in text else text


def _holds_later(value: Any) -> bool:
    """Is there a ``Later`` inside ``value`` (not looking into a ``Later``'s items)?"""
    items = value.values() if isinstance(value, dict) else value
    for v in items:
        if isinstance(v, Later):
            return True
        if isinstance(v, (dict, list, tuple)) and v and _holds_later(v):
            return True
    return False


Rendered = str | Iterable[str]
"""A report as one string or as its pieces in order."""


def write_pieces(out: IO[str], report: Rendered) -> None:
    """Write a report given whole or in pieces (joined in blocks of about 64 KB, so that
    small pieces do not each cost a write)."""
    if isinstance(report, str):
        out.write(report)
        return
    block: list[str] = []
    size = 0
    for piece in report:
        block.append(piece)
        size += len(piece)
        if size >= 65536:
            out.write("".join(block))
            block, size = [], 0
    if block:
        out.write("".join(block))


__all__ = ["Later", "Rendered", "chunks", "write_pieces"]
