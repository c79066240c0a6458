"""The dead rules' explanation carves what each candidate covers once (``shadow._Carves``)
where it asked up to three times: the same findings, and the same budget spent (also when
it runs out, at the same place), as carving every time, on random interfaces."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.analyses.lint import shadow
from sgverify.analyses.lint.shadow import Scope, analyse
from sgverify.core.model import Semantics, Target
from sgverify.engines.boxes.intervals import Budget, BudgetExceeded, carve
from sgverify.engines.boxes.merge import volume
from tests.support.strategies import semantics, targets

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class EveryTime(shadow._Carves):
    """Carves at every ask, as ``_dead`` did."""

    def _carve(self, c):  # type: ignore[no-untyped-def]
        inside, rest = carve(self.matched, c.boxes, self.budget, shadow.QUICK)
        return shadow._Cut(c, inside, 0, not rest, sum(volume(b) for b in inside))


def _outcome(t: Target, sem: Semantics, limit: int, every_time: bool):  # type: ignore[no-untyped-def]
    saved = shadow._Carves
    shadow._Carves = EveryTime if every_time else saved  # type: ignore[misc]
    budget = Budget(limit)
    try:
        return analyse(Scope("group t", t), sem, budget, None), budget.used
    except BudgetExceeded as exc:  # the same error; how far past the limit the last
        return str(exc), None       # carve went before it stopped is not compared
    finally:
        shadow._Carves = saved  # type: ignore[misc]


@SETTINGS
@given(targets(max_rules=8), semantics, st.sampled_from([1_000_000, 400, 150, 60, 25]))
def test_carving_once_changes_no_finding_and_no_budget(t: Target, sem: Semantics, limit: int) -> None:
    assert _outcome(t, sem, limit, every_time=False) == _outcome(t, sem, limit, every_time=True)
