"""The hull index gives the positions a plain pass over every hull gives, in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sgverify.engines.boxes.hull_index import Hull, HullIndex

DIMS = 3


def interval() -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(0, 20), st.integers(0, 20)).map(lambda p: (min(p), max(p)))


def hull() -> st.SearchStrategy[Hull]:
    return st.tuples(*[interval() for _ in range(DIMS)])


def meets(a: Hull, b: Hull) -> bool:
    return all(c <= hi and lo <= d for (lo, hi), (c, d) in zip(a, b))


@given(st.lists(st.none() | hull(), max_size=40), hull(), st.integers(0, 45))
def test_the_index_answers_as_the_plain_pass(hulls: list[Hull | None], query: Hull,
                                             below: int) -> None:
    want = [i for i, h in enumerate(hulls[:below]) if h is not None and meets(query, h)]
    assert list(HullIndex(hulls).meeting(query, below)) == want


def test_touching_bounds_meet_and_a_gap_does_not() -> None:
    index = HullIndex([((0, 5),), ((6, 9),), None, ((5, 5),)])
    assert list(index.meeting(((5, 5),), 4)) == [0, 3]
    assert list(index.meeting(((5, 5),), 1)) == [0]
    assert list(index.meeting(((10, 12),), 4)) == []
