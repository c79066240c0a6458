"""The solver layer: the one place solvers are made, three-way outcomes (``unknown`` is
never folded into sat or unsat), and deterministic choice of simple witness values.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Sequence

import z3  # type: ignore[import-untyped]

MAX_TIMEOUT_MS = 2**32 - 1  # Z3's timeout parameter is an unsigned 32-bit number


class SolverAnswer(enum.Enum):
    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"


class SolverUnknown(Exception):
    """The solver answered 'unknown' (timeout, resource limit, incompleteness)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_solver(timeout_ms: int | None = None, logic: str | None = "QF_BV") -> z3.Solver:
    """A solver with fixed seeds (same input, same answers) and an optional timeout.
    ``logic``: what Z3 is told the formulas are (None: nothing, its general solver; the
    answers are the same, only the time differs)."""
    s = z3.SolverFor(logic) if logic is not None else z3.Solver()
    s.set(random_seed=0)
    # Queries are followed by many small incremental checks (witness choice): start in the
    # incremental engine instead of bit-blasting once for the one-shot engine and again on
    # the switch (measured: about half the time per assertion on a 1,000-rule group).
    s.set("combined_solver.ignore_solver1", True)
    if timeout_ms is not None:
        # Z3 reads 0 as "no limit": a limit below 1 ms must still be a limit (fail closed).
        s.set(timeout=min(MAX_TIMEOUT_MS, max(1, math.ceil(timeout_ms))))
    return s


def check(s: z3.Solver, *assumptions: z3.BoolRef) -> SolverAnswer:
    result = s.check(*assumptions)
    if result == z3.sat:
        return SolverAnswer.SAT
    if result == z3.unsat:
        return SolverAnswer.UNSAT
    return SolverAnswer.UNKNOWN


def require(s: z3.Solver, *assumptions: z3.BoolRef) -> bool:
    """True if sat (under ``assumptions``), False if unsat; raises SolverUnknown otherwise."""
    outcome = check(s, *assumptions)
    if outcome is SolverAnswer.UNKNOWN:
        raise SolverUnknown(s.reason_unknown() or "unknown")
    return outcome is SolverAnswer.SAT


@dataclass(frozen=True)
class Preference:
    """Choose a value for ``term``: the first satisfiable of ``prefer`` (constraints, in
    order) is kept, then a bit-vector term is minimised (a Bool term prefers False)."""

    term: z3.ExprRef
    prefer: tuple[z3.BoolRef, ...] = ()
    minimise: bool = True
    when: z3.BoolRef | None = None  # only choose when this holds in the current model
    # Values where the set of possible values may start a new interval (bounds of the
    # blocks the formula compares the term with): the minimum is found among them first.
    hints: tuple[int, ...] = ()
    # After this preference, restart on a simplified formula in which every variable fixed
    # so far is replaced by its value: rules that can no longer match disappear, and the
    # remaining (address) choices run on a much smaller problem.
    narrow_after: bool = False


def _holds(s: z3.Solver, c: z3.BoolRef) -> bool:
    """Is ``c`` satisfiable together with the solver's assertions? (checked as an
    assumption: nothing is added)."""
    outcome = check(s, c)
    if outcome is SolverAnswer.UNKNOWN:
        raise SolverUnknown(s.reason_unknown() or "unknown")
    return outcome is SolverAnswer.SAT


def minimum(s: z3.Solver, term: z3.BitVecRef, hints: Sequence[int] = ()) -> int:
    """The smallest value of ``term`` in any model of ``s`` (which must be satisfiable).

    With ``hints`` (candidate minima, sorted), first bisects over them: the least hint h
    with a model where term <= h bounds the minimum from above, and the hint before it from
    below. Then descends through models (each improvement is one check) and bisects what is
    left. Every path ends at the exact minimum, so the answer does not depend on which
    models the solver returns, nor on whether the hints were complete."""
    lo = 0
    hi = s.model().eval(term, model_completion=True).as_long()
    if hints:
        cands = [h for h in hints if h < hi]
        a, b = 0, len(cands)  # find the first candidate c with a model where term <= c
        while a < b:
            mid = (a + b) // 2
            if _holds(s, z3.ULE(term, cands[mid])):
                b = mid
            else:
                a = mid + 1
        if a < len(cands):
            hi = cands[a]  # term <= hi has a model; whether hi itself does is checked next
            lo = cands[a - 1] + 1 if a > 0 else 0
            if hi == lo or not _holds(s, z3.ULT(term, hi)):
                return hi
            hi = s.model().eval(term, model_completion=True).as_long()
        else:
            lo = cands[-1] + 1 if cands else 0
            if hi == lo:
                return hi
    for _ in range(4):
        if hi == lo or not _holds(s, z3.ULT(term, hi)):
            return hi
        hi = s.model().eval(term, model_completion=True).as_long()
    while lo < hi:  # the minimum is in [lo, hi] and hi is attainable
        mid = (lo + hi) // 2
        if _holds(s, z3.ULE(term, mid)):
            hi = s.model().eval(term, model_completion=True).as_long()
        else:
            lo = mid + 1
    return hi


def _narrowed(s: z3.Solver, terms: list[z3.ExprRef], timeout_ms: int | None) -> z3.Solver:
    """A fresh solver equivalent to ``s`` once ``terms`` are fixed to their only values."""
    if not require(s):
        raise SolverUnknown("witness constraints became unsatisfiable")
    model = s.model()
    pairs = [(t, model.eval(t, model_completion=True)) for t in terms
             if t.decl().kind() == z3.Z3_OP_UNINTERPRETED]
    fresh = make_solver(timeout_ms)
    fresh.add(*[t == v for t, v in pairs])
    fresh.add(z3.simplify(z3.substitute(z3.And(s.assertions()), *pairs)))
    return fresh


def choose(s: z3.Solver, prefs: Sequence[Preference], timeout_ms: int | None = None) -> z3.ModelRef:
    """Fix each preference in turn (each kept as an assertion in ``s``) and return the
    final model. The result depends only on which constraints are satisfiable, not on the
    solver's choice of model, so it is the same for every run and solver version."""
    if not require(s):
        raise SolverUnknown("witness constraints are unsatisfiable")
    for i, p in enumerate(prefs):
        if p.when is not None and not _holds(s, p.when):
            continue
        for c in p.prefer:
            if _holds(s, c):
                s.add(c)
                break
        if not p.minimise:
            continue
        if z3.is_bool(p.term):
            s.add(z3.Not(p.term) if _holds(s, z3.Not(p.term)) else p.term)
        else:
            if not require(s):
                raise SolverUnknown("witness constraints became unsatisfiable")
            s.add(p.term == minimum(s, p.term, p.hints))
        if p.narrow_after:
            s = _narrowed(s, [q.term for q in prefs[:i + 1]], timeout_ms)
    if not require(s):
        raise SolverUnknown("witness constraints became unsatisfiable")
    return s.model()
