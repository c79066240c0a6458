"""``core.precedence.merged`` (per-group lists merged by integer ranks) gives exactly the
order of ``Target.rules``, on random interfaces and random subsets of their rules."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core import precedence
from sgverify.core.model import Direction, Target
from tests.support.strategies import targets


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(targets(max_rules=8), st.data())
def test_merged_is_the_target_order(t: Target, data) -> None:  # type: ignore[no-untyped-def]
    for d in (Direction.INGRESS, Direction.EGRESS):
        keep = data.draw(st.sets(st.sampled_from(range(64))))
        lists = [precedence.group_order([r for r in g.rules if r.direction is d
                                         and r.index % 64 not in keep]) for g in t.groups]
        want = [r for r in t.rules(d) if r.index % 64 not in keep]
        exact = all(precedence.rankable(g) for g in t.groups)
        assert precedence.merged(t.groups, lists, None, exact) == want
        assert precedence.merged(t.groups, lists, None, False) == want
        if exact:  # ranks given as the fleet analyses keep them (``packed``)
            ranks = [precedence.packed([precedence.rank(r) for r in rules]) for rules in lists]
            assert precedence.merged(t.groups, lists, ranks, exact) == want


def test_packed_keeps_every_rank() -> None:
    """Ranks that fit in 8 bytes are packed; a larger one keeps the list, unchanged."""
    small = [3 << precedence.RANK_SHIFT, 5, -(1 << 40)]
    packed = precedence.packed(small)
    assert type(packed) is not list and list(packed) == small
    large = [1, 1 << 70]
    assert precedence.packed(large) is large
