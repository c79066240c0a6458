"""Lint's partition and its exposure questions share one layout and one set of rule boxes
(``shadow.boxes_of``): the L201 findings (messages, witnesses, rules, keys) and the dead,
redundant and tied rules are those each part finds with boxes of its own, and the budget
spent is the same, on random interfaces."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from sgverify.analyses.lint.exposure import exposure
from sgverify.analyses.lint.shadow import Scope, analyse, boxes_of
from sgverify.core.model import Semantics, Target
from sgverify.engines.boxes.intervals import Budget
from sgverify.prove.exposure import TooManyLists
from tests.support.strategies import semantics, targets

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(t=targets(max_rules=7), sem=semantics)
def test_shared_boxes_change_no_finding(t: Target, sem: Semantics) -> None:
    scope = Scope("group t", t)
    made = boxes_of(t)
    own_budget, shared_budget = Budget(1_000_000), Budget(1_000_000)
    assert analyse(scope, sem, shared_budget, None, made) == analyse(scope, sem, own_budget, None)
    try:
        own = exposure(scope, sem, own_budget)
    except TooManyLists:
        return
    assert exposure(scope, sem, shared_budget, made) == own
    assert shared_budget.used == own_budget.used
