"""The C-decoder path of ``parse_json`` (issue 14) reads every document as the strict
recursive-descent reader does: the same value, the same refusal (message, line, column),
and the same position for every JSON path, found on demand; ``LazySpan`` compares, orders,
hashes and pickles as the plain ``Span`` it stands for."""

from __future__ import annotations

import json
import pickle
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.cloud.jsondoc import (
    DataError,
    LazySpan,
    Positions,
    _too_deep,
    parse_json,
    parse_json_strict,
)
from sgverify.core.diagnostics import Span

keys = st.text(alphabet=st.sampled_from('ab"\\:{}[], \n\u00e9'), max_size=4)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(alphabet=st.sampled_from('a"\\:,{}[] \n\t\u00e9\u2028'), max_size=6))
values = st.recursive(scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(keys, kids, max_size=4)), max_leaves=25)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, path + (i,))
    return out


def _outcome(reader, text: str) -> tuple:
    try:
        doc = reader(text, 64, True)
    except DataError as exc:
        return ("refused", exc.message, exc.line, exc.col)
    return ("read", json.dumps(doc.value, sort_keys=True), bool(doc.duplicates))


@settings(max_examples=300, deadline=None)
@given(values, st.sampled_from([None, 0, 1, 2]), st.data())
def test_fast_reader_reads_as_the_strict_one(value: Any, indent: int | None, data: Any) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=data.draw(st.booleans()))
    fast, strict = parse_json(text, keep_duplicates=True), parse_json_strict(text, keep_duplicates=True)
    assert fast.value == strict.value or json.dumps(fast.value) == json.dumps(strict.value)
    for path in _paths(strict.value) + [("absent",), (0, "x", 5)]:
        assert fast.position(path) == strict.position(path), path


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('{}[]",:0123456789-.eE tfnrulasNIy\\\n'), max_size=30))
def test_any_text_is_refused_or_read_alike(text: str) -> None:
    assert _outcome(parse_json, text) == _outcome(parse_json_strict, text)


def test_what_the_c_decoder_reads_differently_goes_to_the_strict_reader() -> None:
    for text in ('{"a": 1, "a": 2}', '[NaN]', '[Infinity]', '["\\ud800"]', "[" * 70 + "]" * 70,
                 "[" + "9" * 1200 + "]", '\ufeff{}', '{"a": 1} x', '[1,]', '"\\ud83d\\ude00"'):
        assert _outcome(parse_json, text) == _outcome(parse_json_strict, text), text
    doc = parse_json('{"a": 1, "a": 2}', keep_duplicates=True)
    assert doc.duplicates and doc.value == {"a": 2}


def test_lazy_span_acts_as_a_plain_span() -> None:
    text = '{\n  "x": [1,\n    {"y": "z"}]}'
    pos = Positions(text)
    lazy = LazySpan("f.json", pos, ("x", 1, "y"))
    plain = Span("f.json", 3, 11)
    assert (lazy.line, lazy.col) == (3, 11) and str(lazy) == "f.json:3:11"
    assert lazy == plain and plain == lazy and hash(lazy) == hash(plain)
    assert sorted([Span("f.json", 9, 1), lazy, Span("f.json", 1, 1)])[1] is lazy
    assert LazySpan("f.json", pos, ("x", 1)) < plain and not plain < lazy
    back = pickle.loads(pickle.dumps(lazy))
    assert type(back) is Span and back == plain
    assert LazySpan("f.json", pos, ("nothing",)) == Span("f.json", 1, 1)


@settings(max_examples=300, deadline=None)
@given(st.recursive(scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.tuples(kids), st.dictionaries(keys, kids, max_size=4),
    st.dictionaries(st.integers(-5, 5), kids, max_size=2)), max_leaves=30),
    st.sampled_from([1, 2, 4]), st.booleans())
def test_dumps_indented_is_json_dumps(value: Any, indent: int, ascii_only: bool) -> None:
    from sgverify.cloud.jsondoc import dumps_indented
    assert dumps_indented(value, indent, ascii_only) == json.dumps(value, indent=indent,
                                                                   ensure_ascii=ascii_only)


@settings(max_examples=100, deadline=None)
@given(st.lists(values, max_size=5), st.booleans())
def test_dumps_indented_list_is_json_dumps(items: list[Any], ascii_only: bool) -> None:
    from sgverify.cloud.jsondoc import dumps_indented_list
    assert dumps_indented_list(iter(items), 2, ascii_only) == json.dumps(items, indent=2,
                                                                         ensure_ascii=ascii_only)


def _depth(value: Any) -> int:
    """Levels of containers below ``value`` (0: a scalar), by the definition."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(st.recursive(scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.dictionaries(keys, kids, max_size=3)), max_leaves=40),
    st.integers(0, 8))
def test_depth_check_is_the_definition(value: Any, limit: int) -> None:
    """issue 14: the level-by-level check (scalar-only containers passed over by their
    values' types) says 'too deep' exactly when a container sits ``limit`` levels down."""
    if isinstance(value, (dict, list)):
        assert _too_deep(value, limit) == (_depth(value) > limit)
