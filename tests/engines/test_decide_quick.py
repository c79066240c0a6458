"""``certify.decide_region`` with the hull test of ``quick`` dimensions (what lint's
partition and the exposure questions of ``prove.exposure`` ask) gives the same pieces, in
the same order, and spends the same budget as without it, on random interfaces and
regions (the whole interface's flows, or a few boxes of them)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.engines.boxes.certify import QUICK, decide_region, layout_for, well_formed
from sgverify.engines.boxes.intervals import Budget, box_and
from sgverify.engines.boxes.narrow import Narrowing
from tests.engines.test_narrow import boxes
from tests.support.strategies import semantics, targets

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.data(), targets(max_rules=8), semantics)
def test_quick_dimensions_change_no_piece(data, target, sem) -> None:  # type: ignore[no-untyped-def]
    layout = layout_for([target], set())
    region = well_formed(layout, target)
    if data.draw(st.booleans()):  # a few boxes of it, as the exposure questions ask
        cut = data.draw(boxes(layout.full()))
        region = [x for x in (box_and(b, cut) for b in region) if x is not None]
    cutters = Narrowing(layout, target).cutters
    slow_budget, fast_budget = Budget(10**6), Budget(10**6)
    slow = decide_region(layout, target, sem, region, slow_budget, cutters=cutters)
    fast = decide_region(layout, target, sem, region, fast_budget, cutters=cutters, quick=QUICK)
    assert fast == slow
    assert fast_budget.used == slow_budget.used
