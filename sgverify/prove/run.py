"""Proving the assertions of a policy, every kind: ``Checker.run`` sends an assertion to
the prover that decides it (Z3 for one interface, two instances or a comparison; the
reach matrix for sets, ``fleet``), reads what stops a proof as its result (``verdicts``),
re-decides the verdict with the independent box certifier when asked, and times it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable

from ..core.model import Assertion, FleetReachAssertion, Policy, Semantics
from ..core.result import Result, Verdict
from ..engines.boxes.certify import NotCertified, violation_exists
from .fleet import check_fleet
from .prover import Z3Prover
from .verdicts import guarded, internal_error, with_source_port_note


@dataclass
class Checker:
    """Proves the assertions of one policy (keeps encodings to reuse across assertions).
    ``certify``: re-decide every verdict with the box certifier (no Z3); ``boxes``: find
    one-interface counterexamples with the box decomposition (``Z3Prover.boxes``)."""

    policy: Policy
    timeout_ms: int | None = None
    certify: bool = False
    boxes: bool = True
    z3: Z3Prover = field(init=False)

    def __post_init__(self) -> None:
        self.z3 = Z3Prover(self.policy, self.timeout_ms, self.boxes)

    @property
    def sem(self) -> Semantics:
        return self.policy.semantics

    def run(self, assertion: Assertion) -> Result:
        start = time.perf_counter()
        if isinstance(assertion, FleetReachAssertion):
            result = guarded(assertion, lambda a: check_fleet(self.z3, a))  # type: ignore[arg-type]
        else:
            result = self.z3.run(assertion)
        if self.certify:
            result = self._certified(result)
        result = with_source_port_note(result)
        return replace(result, elapsed=time.perf_counter() - start)

    def _certified(self, r: Result) -> Result:
        """Second, independent check of a verdict (NOTE: certify.py shares no code with the
        encoder). Disagreement is an internal error; a certifier that gives up leaves the
        assertion unproved."""
        if r.verdict not in (Verdict.PROVED, Verdict.VIOLATED):
            return r
        if isinstance(r.assertion, FleetReachAssertion):
            # Already decided twice: by the exact matrix and, for the pair shown, by Z3.
            return replace(r, notes=r.notes + ("not re-decided by the certifier (reach over "
                                               "sets: matrix and solver already agree)",))
        try:
            violated = violation_exists(r.assertion, self.policy.semantics)
        except NotCertified as exc:
            if r.verdict is Verdict.VIOLATED:
                return r  # the counterexample was already replayed by the evaluator
            return Result(r.assertion, Verdict.UNKNOWN, f"proved by the solver but not certified "
                          f"({exc}); it is NOT counted as proved", r.flow, r.evidence, r.notes,
                          code="W403")
        if violated == (r.verdict is Verdict.PROVED):
            what = "finds a violation the solver missed" if violated else "finds no violation"
            return replace(internal_error(r.assertion, f"the certifier {what} (solver verdict: "
                                          f"{r.verdict.value})"),
                           flow=r.flow, evidence=r.evidence, notes=r.notes)
        return replace(r, notes=r.notes + ("certified by the box decomposition",))


def check_policy(policy: Policy, timeout_ms: int | None = None,
                 progress: Callable[[int, int, Result], None] | None = None,
                 certify: bool = False) -> list[Result]:
    """Check every assertion of ``policy`` in order (``certify``: re-decide each verdict
    with the certifier)."""
    checker = Checker(policy, timeout_ms, certify)
    results = []
    for i, a in enumerate(policy.assertions):
        r = checker.run(a)
        results.append(r)
        if progress:
            progress(i + 1, len(policy.assertions), r)
    return results
