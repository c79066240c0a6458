"""Reports written in pieces (``report.stream``): the same text as ``json.dumps(indent=2)``
of the whole document, and no partial file when making a piece fails."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.commands.outputs import Output, write_reports
from sgverify.report.stream import Later, chunks, write_pieces

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=8))  # any text: quotes, line breaks, non-ASCII
plain = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=20)


@st.composite
def streamed(draw: st.DrawFn, depth: int = 0) -> tuple[Any, Any]:
    """(a document holding ``Later`` arrays, the same document with plain lists)."""
    kind = draw(st.sampled_from(["plain", "later", "dict", "list"] if depth < 3 else ["plain"]))
    if kind == "plain":
        value = draw(plain)
        return value, value
    if kind == "later":
        items = draw(st.lists(plain, max_size=4))
        return Later(lambda: iter(items)), items
    parts = draw(st.lists(streamed(depth + 1), max_size=4))
    if kind == "list":
        return [a for a, _ in parts], [b for _, b in parts]
    keys = draw(st.lists(st.text(max_size=5), min_size=len(parts), max_size=len(parts),
                         unique=True))
    return ({k: a for k, (a, _) in zip(keys, parts)}, {k: b for k, (_, b) in zip(keys, parts)})


@settings(max_examples=400, deadline=None)
@given(streamed())
def test_pieces_are_the_indented_dump_of_the_whole(pair: tuple[Any, Any]) -> None:
    doc, whole = pair
    assert "".join(chunks(doc)) == json.dumps(whole, indent=2) + "\n"


def test_a_later_array_is_refused_by_json_dumps() -> None:
    """Outside ``chunks`` a ``Later`` cannot be written at all (never silently empty)."""
    with pytest.raises(TypeError):
        json.dumps({"a": Later(lambda: iter([1]))}, indent=2)


def test_items_are_made_while_writing() -> None:
    """Each item is made only when the piece before it has been handed out."""
    made: list[int] = []

    def items() -> Any:
        for i in range(3):
            made.append(i)
            yield {"n": i}

    pieces = chunks({"results": Later(items)})
    seen = [next(pieces)]
    assert made == [] and seen[0].startswith("{")
    seen.append(next(pieces))
    assert made == [0]
    assert json.loads("".join([*seen, *pieces]))["results"] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_write_pieces_joins_small_pieces() -> None:
    out = io.StringIO()
    write_pieces(out, (str(i % 10) for i in range(200_000)))
    assert out.getvalue() == "".join(str(i % 10) for i in range(200_000))


def test_a_report_that_fails_midway_leaves_no_file(tmp_path: Any) -> None:
    path = tmp_path / "report.json"
    path.write_text("an older report\n")

    def broken(o: Output, style: Any) -> Any:
        yield "{\n"
        raise RuntimeError("a finding could not be made")

    with pytest.raises(RuntimeError):
        write_reports([Output("json", str(path))], broken, io.StringIO(), "never")
    assert not path.exists()
