"""Deciding flow assertions on many interfaces without Z3 (``audit``, reach over sets).

``BoxProver.check`` proves or refutes a ``FlowAssertion`` with the exact box search of
``engines.boxes``. Every counterexample or witness is replayed through the plain-Python
evaluator on the full interface (``verdicts.replay``), as the Z3 prover's are; a
disagreement is an internal error (E901), never a pass. Interfaces whose rules use
unresolved prefix or port lists, and searches that outgrow their box budget, go to the
Z3 prover, which handles them (unknown when it must).
"""

from __future__ import annotations

import time
from dataclasses import replace

from ..core.diagnostics import InternalError
from ..core.flow import Flow
from ..core.model import Check, FlowAssertion, Policy, Rule
from ..core.result import Result, Verdict
from ..engines.boxes.finder import (
    BOX_BUDGET,
    DIRECTIONS,
    BoxSearch,
    PooledTarget,
    mentions_groups,
    pooled,
    with_keys,
)
from ..engines.boxes.intervals import Budget, BudgetExceeded, carve
from ..engines.boxes.search import (
    best_flow,
    default_accepts,
    pinned_groups,
    region_layout,
    search,
    set_boxes,
    steps,
)
from .prover import Z3Prover
from .verdicts import (
    VACUOUS,
    empty_set,
    flow_result,
    flowset_notes,
    internal_error,
    none_accepted,
    replay,
)


class BoxProver(BoxSearch):
    """Checks flow assertions on the interfaces of ``policy`` by boxes (``BoxSearch``
    keeps what searches share); ``timeout_ms`` is for the Z3 fallback."""

    def __init__(self, policy: Policy, timeout_ms: int | None = None) -> None:
        super().__init__(policy, timeout_ms)
        self._z3: Z3Prover | None = None
        self.exposure_walks: dict[tuple[object, ...], bool] = {}  # prove.exposure's, shared
        self.exposures: dict[int, object] = {}  # one PublicExposure per target, until done_with

    def done_with(self, target: object) -> None:
        """Nothing more will be checked on ``target``: let go of what is kept for it alone
        (its ``PublicExposure``); what it shares with others (rule boxes, group facts)
        stays. Asked again, it is made again."""
        self.exposures.pop(id(target), None)

    @property
    def z3(self) -> Z3Prover:
        if self._z3 is None:
            self._z3 = Z3Prover(self.policy, self.timeout_ms)
        return self._z3

    # ------------------------------------------------------------ one assertion
    def check(self, a: FlowAssertion) -> Result:
        """Prove or refute ``a`` (same verdicts as ``Z3Prover.flow_assertion``; the
        counterexample may differ, it is chosen by this engine's own preferences)."""
        start = time.perf_counter()
        target = pooled(a.target)
        a = replace(a, target=target)
        try:
            if self.has_unknowns(target):
                result = self.z3.run(a)
            else:
                result = self._boxes(a, target)
        except BudgetExceeded:
            result = self.z3.run(a)
        except InternalError as exc:
            result = internal_error(a, str(exc))
        return replace(result, elapsed=time.perf_counter() - start)

    def _boxes(self, a: FlowAssertion, target: PooledTarget) -> Result:
        budget = Budget(BOX_BUDGET)
        want = a.check is not Check.ALL_ALLOWED
        only_groups = a.only is not None and mentions_groups(a.only)
        any_flow = False
        dropped_example: tuple[Flow, Rule | None] | None = None
        for d in DIRECTIONS:
            if a.flows.directions is not None and d not in a.flows.directions:
                continue
            pinned = None if only_groups else pinned_groups(a.flows, d)
            rules = self.rules(target, a.flows, d)
            layout = region_layout(target, rules, a.flows, pinned)
            if a.only is not None:
                layout = with_keys(layout, a.only, pinned)
            boxes = self.region(layout, target, a.flows, d, pinned, budget)
            if a.check is Check.ONLY and a.only is not None:
                _, boxes = carve(boxes, set_boxes(layout, target, a.only, d, pinned), budget)
            if not boxes:
                continue
            any_flow = True
            default = default_accepts(target, d)
            found = search(boxes, steps(layout, target, rules, self.sem, d, pinned, self.boxes),
                           default, want, budget)
            if found is not None:
                flow = best_flow(layout, found.boxes, pinned)
                ev = replay(self.sem, a, target, flow, {}, want, by="box search",
                            rule=found.step.rule)
                return flow_result(self.sem, a, flow, ev, flowset_notes(self.sem, a.flows, a.check))
            if a.check is Check.SOME_ALLOWED and dropped_example is None:
                other = search(boxes, steps(layout, target, rules, self.sem, d, pinned, self.boxes),
                               default, False, budget)
                if other is not None:
                    dropped_example = (best_flow(layout, other.boxes, pinned), other.step.rule)
        notes = flowset_notes(self.sem, a.flows, a.check)
        if not any_flow:
            if a.check is Check.SOME_ALLOWED:  # nothing can be reachable in an empty set
                return empty_set(a, target.name)
            return Result(a, Verdict.PROVED, "proved (no flow of the set can occur on "
                          f"{target.name})", notes=notes + (VACUOUS,))
        if a.check is Check.SOME_ALLOWED:
            if dropped_example is None:
                raise InternalError(f"no flow of a non-empty set is accepted or dropped on {target.name}")
            flow, rule = dropped_example
            ev = replay(self.sem, a, target, flow, {}, False, by="box search", rule=rule)
            return none_accepted(self.sem, a, flow, ev, notes)
        return Result(a, Verdict.PROVED, "proved", notes=notes)
