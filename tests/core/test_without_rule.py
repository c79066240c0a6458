"""``Target.without_rule`` (the evaluator replays of lint's redundant rules) carries the
precedence orders over with the rule left out: the same groups, and the same order as a
target built without the rule and sorted afresh, on random interfaces (also pooled ones,
whose orders are memoised apart)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.model import Direction, Target
from sgverify.engines.boxes.finder import pooled
from tests.support.strategies import targets

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(targets(max_rules=8), st.booleans(), st.data())
def test_without_rule_keeps_the_order_of_a_fresh_sort(t: Target, pool: bool, data) -> None:  # type: ignore[no-untyped-def]
    t = pooled(t) if pool else t
    every = [r for g in t.groups for r in g.rules]
    if not every:
        return
    r = data.draw(st.sampled_from(every))
    if data.draw(st.booleans()):
        t.rules(Direction.INGRESS)  # an order made before the question, or not
    fast = t.without_rule(r)
    fresh = Target(t.name, t.kind, tuple(replace(g, rules=tuple(x for x in g.rules if x is not r))
                                         for g in t.groups), t.local, t.span, t.private, t.public)
    assert type(fast) is Target
    assert fast == fresh
    for d in Direction:
        assert [id(x) for x in fast.rules(d)] == [id(x) for x in fresh.rules(d)]
        assert all(x is not r for x in fast.rules(d))
