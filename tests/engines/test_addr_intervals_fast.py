"""``intervals.addr_intervals`` with its one-block fast path (most rules' peers) gives the
intervals of the sorting and merging form, for either family, on random address spaces;
the witness's preferred IPv4 blocks and the address texts' spaces, made once, are those
made per call."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.core.addresses import INTERNET, PRIVATE_V4, V4, V6, AddrSpace
from sgverify.engines.boxes import merge
from sgverify.engines.boxes.intervals import addr_intervals, normalise
from tests.support.strategies import cidr_spaces

SETTINGS = settings(max_examples=500, deadline=None)


def _slow(space: AddrSpace, family: int) -> tuple[tuple[int, int], ...]:
    return normalise((r.lo, r.hi) for r in space if r.family == family)


@SETTINGS
@given(cidr_spaces, st.sampled_from([V4, V6]), st.booleans())
def test_one_block_fast_path_is_the_general_form(space: AddrSpace, family: int, one: bool) -> None:
    if one:
        space = AddrSpace(space.ranges[:1])
    assert addr_intervals(space, family) == _slow(space, family)
    assert addr_intervals(AddrSpace(), family) == ()


def test_witness_blocks_made_once_are_the_same() -> None:
    assert merge.PRIVATE_V4_IVS == _slow(PRIVATE_V4, V4)
    assert merge.PUBLIC_V4_IVS == _slow(INTERNET, V4)


def test_text_spaces_made_once_are_the_same() -> None:
    for fam in (V4, V6):
        assert merge.EVERYTHING[fam] == AddrSpace.everything(fam)
        assert merge.PUBLIC[fam] == INTERNET.only(fam)


@SETTINGS
@given(cidr_spaces, st.sampled_from([V4, V6]))
def test_address_text_is_the_same_with_spaces_made_once(space: AddrSpace, family: int) -> None:
    space = space.only(family)
    for probe in (space, INTERNET.only(family), AddrSpace.everything(family)):
        saved = merge.EVERYTHING, merge.PUBLIC
        try:
            fast = merge.addresses_text(probe, family)
            merge.EVERYTHING = {f: AddrSpace.everything(f) for f in (V4, V6)}
            merge.PUBLIC = {f: INTERNET.only(f) for f in (V4, V6)}
            assert fast == merge.addresses_text(probe, family)
        finally:
            merge.EVERYTHING, merge.PUBLIC = saved
