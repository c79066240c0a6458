"""Boxes worked out on a cutter's active dimensions only (``intervals.box_and_on``,
``box_sub_on``, ``carve(active=...)``) give the same boxes as over every dimension."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.engines.boxes.intervals import (
    Budget, active_dims, box_and, box_and_on, box_sub, box_sub_on, carve, normalise)

FULL = ((0, 15),)
DIMS = 6


@st.composite
def boxes(draw: st.DrawFn, narrow: float = 0.5) -> tuple:
    out = []
    for _ in range(DIMS):
        if draw(st.floats(0, 1)) < narrow:
            pairs = draw(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), min_size=1,
                                  max_size=3))
            ivs = normalise((min(a, b), max(a, b)) for a, b in pairs)
            out.append(ivs)
        else:
            out.append(FULL)
    return tuple(out)


@settings(max_examples=400, deadline=None)
@given(boxes(0.7), boxes(0.3))
def test_on_active_dimensions_the_same_boxes(a: tuple, b: tuple) -> None:
    on = active_dims(b, (FULL,) * DIMS)
    assert all(b[d] == FULL for d in range(DIMS) if d not in on)
    inter = box_and(a, b)
    assert box_and_on(a, b, on) == inter
    if inter is not None:
        assert box_sub_on(a, b, inter, on) == box_sub(a, b, inter)


@settings(max_examples=200, deadline=None)
@given(st.lists(boxes(0.3), min_size=1, max_size=4), st.lists(boxes(0.3), max_size=4))
def test_carve_with_active_dimensions_is_the_same(region: list, cutters: list) -> None:
    region = region[:1]  # one box: disjoint
    full = (FULL,) * DIMS
    plain, fast = Budget(10**6), Budget(10**6)
    assert carve(region, cutters, fast, (0, 1), [active_dims(c, full) for c in cutters]) == \
        carve(region, cutters, plain, (0, 1))
    assert fast.used == plain.used
