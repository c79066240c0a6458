"""The OPEN controls (SGV101-SGV108): is a service of the control open to the internet, in
the one sense lint's L201 uses too (``prove.exposure``): accepted from every public address
of a family, whatever the unresolved lists hold? An allow-listed block is not the internet
(SGV110 reports services reachable from some public addresses).
"""

from __future__ import annotations

from ...core.addresses import V6
from ...core.evaluate import unresolved_names
from ...core.model import Direction, FlowAssertion
from ...core.result import Evidence, Result, Verdict
from ...engines.boxes.finder import BOX_BUDGET, pooled
from ...engines.boxes.intervals import Budget
from ...prove.exposure import NO_PORTS, PublicExposure
from .prover import AuditProver


def open_to_internet(engine: AuditProver, a: FlowAssertion) -> Result:
    """Violated when some service of ``a``'s flow set is open to the internet (the evidence
    is the evaluator's decision of one accepted flow); unknown when only some content of the
    unresolved lists would open one; proved otherwise. Raises BudgetExceeded, TooManyLists."""
    ask = engine.exposures.get(id(a.target))
    if not isinstance(ask, PublicExposure) or ask.given is not a.target:
        ask = engine.exposures[id(a.target)] = PublicExposure(
            pooled(a.target), engine.sem, Budget(BOX_BUDGET), engine.exposure_walks,
            given=a.target, sides=engine.sides)
    ask.budget = Budget(BOX_BUDGET)  # each control's question has the whole budget
    target = ask.target
    maybe: str | None = None
    points = engine.service_points(a.flows.services)
    for _bit, fam in ask.families:
        if a.flows.family not in (None, fam):
            continue
        family = "IPv6" if fam == V6 else "IPv4"
        last, candidates = None, NO_PORTS
        for label, protocols, ports, port in points:
            # One port (most): the size test alone refutes most, for every port at once.
            if port is not None:
                if protocols is not last:
                    last, candidates = protocols, ask.candidates(fam, protocols)
                if not candidates.has(port):
                    continue
            opened = ask.opened(fam, protocols, ports)
            if opened is not None:
                names = ", ".join(f"{r.name} of group {r.group_name}" for r in opened.rules)
                return Result(a, Verdict.VIOLATED, f"{label} is accepted from every public "
                              f"{family} address (decided by {names or 'no rule'})", opened.flow,
                              (Evidence(target.name, target, opened.flow, opened.decision),),
                              code="E301")
            if maybe is None and ask.may_open(fam, protocols, ports):
                maybe = f"{label} from every public {family} address"
    if maybe is not None:
        lists = ", ".join(unresolved_names(target, Direction.INGRESS))
        return Result(a, Verdict.UNKNOWN, f"not verified: {maybe} may be accepted, depending on "
                      f"the unknown entries of {lists}", code="W401")
    return Result(a, Verdict.PROVED, "proved: none is accepted from every public address")
