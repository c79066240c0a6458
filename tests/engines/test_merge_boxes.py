"""``merge_boxes`` joins only on the dimensions where the boxes differ: the same boxes, in
the same order, as its join loop run on every dimension (the former algorithm), on random
box sets with dimensions the same in every box (an interface's peer-group bits)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.engines.boxes.intervals import Box, normalise
from sgverify.engines.boxes.merge import FROZEN, _joined, merge_boxes


def joined_on_every_dimension(boxes: list[Box], frozen: Sequence[int] = FROZEN) -> list[Box]:
    """The former ``merge_boxes``: the join loop on every dimension but the frozen ones."""
    out = sorted(set(boxes))
    return _joined(out, [d for d in range(len(out[0])) if d not in frozen]) if out else out


intervals = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=1, max_size=2).map(
    lambda pairs: normalise((lo, lo + n) for lo, n in pairs))


@st.composite
def box_sets(draw: st.DrawFn) -> list[Box]:
    """Boxes of one width; some dimensions the same in every box, the others drawn from
    a few values so that boxes often agree on all but one."""
    width = draw(st.integers(1, 7))
    same = [draw(st.booleans()) for _ in range(width)]
    fixed = [draw(intervals) for _ in range(width)]
    choices = [draw(st.lists(intervals, min_size=1, max_size=3)) for _ in range(width)]
    n = draw(st.integers(0, 12))
    return [tuple(fixed[d] if same[d] else draw(st.sampled_from(choices[d])) for d in range(width))
            for _ in range(n)]


@settings(max_examples=400, deadline=None)
@given(box_sets(), st.sampled_from([FROZEN, (), (0, 1)]))
def test_joining_where_boxes_differ_is_joining_everywhere(boxes: list[Box], frozen: Sequence[int]) -> None:
    assert merge_boxes(boxes, frozen) == joined_on_every_dimension(boxes, frozen)


def test_a_dimension_the_same_everywhere_is_kept_as_it_is() -> None:
    bit = ((0, 1),)
    boxes = [(((0, 0),), ((1, 4),), bit, bit), (((0, 0),), ((5, 9),), bit, bit),
             (((0, 0),), ((20, 20),), bit, bit)]
    assert merge_boxes(boxes, frozen=()) == [(((0, 0),), ((1, 9), (20, 20)), bit, bit)]
