"""The solver layer: the one place solvers are made, three-way outcomes (``unknown`` is
never folded into sat or unsat), and deterministic choice of simple witness values.
"""

from __future__ import annotations

import enum
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

import z3  # type: ignore[import-untyped]


class Outcome(enum.Enum):
    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"


class SolverUnknown(Exception):
    """The solver answered 'unknown' (timeout, resource limit, incompleteness)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_solver(timeout_ms: int | None = None) -> z3.Solver:
    """A solver with fixed seeds (same input, same answers) and an optional timeout."""
    s = z3.SolverFor("QF_BV")
    s.set(random_seed=0)
    if timeout_ms:
        s.set(timeout=int(timeout_ms))
    return s


def check(s: z3.Solver, *assumptions: z3.BoolRef) -> Outcome:
    result = s.check(*assumptions)
    if result == z3.sat:
        return Outcome.SAT
    if result == z3.unsat:
        return Outcome.UNSAT
    return Outcome.UNKNOWN


def require(s: z3.Solver) -> bool:
    """True if sat, False if unsat; raises SolverUnknown otherwise."""
    outcome = check(s)
    if outcome is Outcome.UNKNOWN:
        raise SolverUnknown(s.reason_unknown() or "unknown")
    return outcome is Outcome.SAT


@contextmanager
def frame(s: z3.Solver) -> Iterator[z3.Solver]:
    s.push()
    try:
        yield s
    finally:
        s.pop()


@dataclass(frozen=True)
class Preference:
    """Choose a value for ``term``: the first satisfiable of ``prefer`` (constraints, in
    order) is kept, then a bit-vector term is minimised (a Bool term prefers False)."""

    term: z3.ExprRef
    prefer: tuple[z3.BoolRef, ...] = ()
    minimise: bool = True
    when: z3.BoolRef | None = None  # only choose when this holds in the current model


def choose(s: z3.Solver, prefs: Sequence[Preference]) -> z3.ModelRef:
    """Fix each preference in turn (each kept as an assertion in ``s``) and return the
    final model. The result depends only on which constraints are satisfiable, not on the
    solver's choice of model, so it is the same for every run and solver version."""
    for p in prefs:
        if p.when is not None:
            with frame(s):
                s.add(p.when)
                holds = require(s)
            if not holds:
                continue
        for c in p.prefer:
            with frame(s):
                s.add(c)
                ok = require(s)
            if ok:
                s.add(c)
                break
        if not p.minimise:
            continue
        if z3.is_bool(p.term):
            with frame(s):
                s.add(z3.Not(p.term))
                ok = require(s)
            s.add(z3.Not(p.term) if ok else p.term)
            continue
        # Fix bits from the most significant down, preferring 0: the minimum value.
        for bit in range(p.term.size() - 1, -1, -1):
            zero = z3.Extract(bit, bit, p.term) == 0
            with frame(s):
                s.add(zero)
                ok = require(s)
            s.add(zero if ok else z3.Not(zero))
    if not require(s):
        raise SolverUnknown("witness constraints became unsatisfiable")
    return s.model()
