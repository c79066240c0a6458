"""The one place a verdict is built: its text, its notes (platform TCP 25, reach scope),
the replay of every counterexample or witness through the plain-Python evaluator, and
the results for outcomes that are not proofs (empty set, unknown lists, external groups,
solver and encoder limits, internal errors). The Z3 prover, the box prover and the fleet
prover all build their results here, so the same outcome reads the same whichever found it.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Callable, Iterable

from ..core.diagnostics import REPORT_BUGS, InternalError
from ..core.evaluate import decide, in_flow_set, rule_matches
from ..core.flow import Flow, flow_problem
from ..core.model import (
    TCP,
    Assertion,
    Check,
    CompareAssertion,
    Direction,
    FlowAssertion,
    FlowSet,
    ReachAssertion,
    Rule,
    Semantics,
    Target,
)
from ..core.result import Evidence, Result, Verdict
from ..engines.z3.encode import Unsupported
from ..engines.z3.solve import SolverUnknown

TCP25_NOTE = ("ECS blocks outbound TCP 25 by default whatever the rules say; this result is about "
              "the security groups alone (option block-outbound-tcp25 = on models the block)")
REACH_NOTE = ("instance-to-instance results assume both interfaces share one internal network; "
              "routing between VPCs, NAT and public-address translation are outside the model")
VACUOUS = "vacuous: the flow set is empty on this interface"
ANY_SOURCE_PORT = ("the source port shown is only the preferred pick: no rule or flow set involved "
                   "names a source port, so any source port gives the same verdict")

# What the shown flow does, for a violated one-interface assertion of each check.
VIOLATION = {Check.ALL_ALLOWED: "this flow is dropped", Check.ALL_DENIED: "this flow is accepted",
             Check.ONLY: "this flow is accepted but lies outside the allowed set"}
REACHABLE = "reachable: this flow is accepted"
NONE_ACCEPTED = "no flow of the set is accepted; for example this one is dropped"


def flowset_notes(sem: Semantics, fs: FlowSet, check: Check | None,
                  egress: bool = False) -> tuple[str, ...]:
    """The platform TCP 25 note for a proof that every flow of a set is accepted, when
    the set includes outbound TCP 25 and the block is not modelled. Other proofs (denied,
    only, cannot reach, equivalent) stay true under the block, which only drops more;
    a counterexample gets the note from its own flow (``flow_notes``)."""
    if sem.block_tcp25 or check is not Check.ALL_ALLOWED:
        return ()
    if not egress and fs.directions is not None and Direction.EGRESS not in fs.directions:
        return ()
    if fs.services is not None and not any(
            (s.protocols is None or TCP in s.protocols)
            and (s.ports is None or any(p.lo <= 25 <= p.hi for p in s.ports)) for s in fs.services):
        return ()
    return (TCP25_NOTE,)


def flow_notes(sem: Semantics, flow: Flow, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``extra``, and the TCP 25 note when the shown flow is outbound TCP 25 and the
    platform block is not modelled."""
    notes = list(extra)
    if (not sem.block_tcp25 and flow.protocol == TCP and flow.dst_port == 25
            and TCP25_NOTE not in notes):
        notes.append(TCP25_NOTE)
    return tuple(notes)


def _flow_sets(a: Assertion) -> Iterable[FlowSet]:
    """Every flow set an assertion holds (its flows, its 'only' set, ...), one level deep."""
    for f in fields(a):
        value = getattr(a, f.name)
        if isinstance(value, FlowSet):
            yield value


def source_port_free(r: Result) -> bool:
    """True when the shown flow's source port cannot matter: it has one, the evidence
    names every interface that decided it, and neither their rules nor the assertion's
    flow sets constrain source ports (then every other source port is decided, and lies in
    or out of the sets, exactly as this one)."""
    if r.flow is None or r.flow.src_port is None or not r.evidence:
        return False
    if any(e.flow.src_port != r.flow.src_port for e in r.evidence):
        return False
    if any(rule.source_ports is not None for e in r.evidence for g in e.target.groups
           for rule in g.rules):
        return False
    return all(fs.source_ports is None for fs in _flow_sets(r.assertion))


def with_source_port_note(r: Result) -> Result:
    """``r`` with the note that its flow's source port is only the preferred pick, when
    any source port would do (``source_port_free``)."""
    if ANY_SOURCE_PORT in r.notes or not source_port_free(r):
        return r
    return replace(r, notes=r.notes + (ANY_SOURCE_PORT,))


def unresolved_names(target: Target) -> tuple[str, ...]:
    """The unresolved lists the target's rules depend on, sorted."""
    return tuple(sorted({n for g in target.groups for r in g.rules for n in r.unknowns}))


def replay(sem: Semantics, a: Assertion, target: Target, flow: Flow, atoms: dict[str, bool],
           expect_accept: bool, *, by: str = "solver", role: str | None = None,
           flows: FlowSet | None = None, rule: Rule | None = None) -> tuple[Evidence, ...]:
    """The evaluator's decision of ``flow`` on ``target`` as evidence, after checking what
    the engine (``by``) claimed of it: a possible flow on the interface, in the assertion's
    flow set (``flows``, default the assertion's), outside an ``only`` set for a
    counterexample, decided as ``expect_accept`` (with ``atoms`` for unresolved lists) and,
    when given, by ``rule``. Any difference is an internal error, never a verdict."""
    problem = flow_problem(flow, target)
    if problem:
        raise InternalError(f"the {by} produced an impossible flow ({flow}): {problem}")
    fs = flows if flows is not None else getattr(a, "flows", None)
    if fs is not None and not in_flow_set(fs, flow, target.group_keys):
        raise InternalError(f"counterexample {flow} is not in the assertion's flow set")
    only = getattr(a, "only", None)
    if isinstance(a, FlowAssertion) and a.check is Check.ONLY and only is not None and \
            expect_accept and in_flow_set(only, flow, target.group_keys):
        raise InternalError(f"counterexample {flow} lies inside the allowed set")
    dec = decide(target, flow, sem, {n: atoms.get(n, False) for n in unresolved_names(target)})
    if dec.accepted is not expect_accept:
        raise InternalError(
            f"the {by} and the evaluator disagree on {flow} for {target.name}: the {by} says "
            f"{'accept' if expect_accept else 'drop'}, the evaluator says {dec.action.value} "
            f"({dec.describe()})")
    if rule is not None and dec.rule is not rule:
        raise InternalError(f"the {by} and the evaluator disagree on which rule decides "
                            f"{flow} on {target.name}")
    return (Evidence(role or target.name, target, flow, dec),)


def flow_result(sem: Semantics, a: FlowAssertion, flow: Flow, ev: tuple[Evidence, ...],
                notes: tuple[str, ...] = ()) -> Result:
    """The result of a one-interface assertion with a flow that decides it: a witness for
    'is reachable', a counterexample for the other checks."""
    notes = flow_notes(sem, flow, notes)
    if a.check is Check.SOME_ALLOWED:
        return Result(a, Verdict.PROVED, REACHABLE, flow, ev, notes)
    return Result(a, Verdict.VIOLATED, VIOLATION[a.check], flow, ev, notes, code="E301")


def none_accepted(sem: Semantics, a: Assertion, flow: Flow, ev: tuple[Evidence, ...],
                  notes: tuple[str, ...] = ()) -> Result:
    """'is reachable' refuted: no flow of the set is accepted; ``flow`` is a dropped one."""
    return Result(a, Verdict.VIOLATED, NONE_ACCEPTED, flow, ev, flow_notes(sem, flow, notes),
                  code="E301")


def empty_set(a: Assertion, where: str = "") -> Result:
    """E124: the assertion's flow set holds no real flow (``where``: on which interface)."""
    on = f" on {where}" if where else ""
    return Result(a, Verdict.ERROR, f"the flow set of this assertion is empty{on} (no real flow "
                  "matches it), so there is nothing to prove", code="E124")


def depends_on_lists(a: Assertion, flow: Flow, ev: tuple[Evidence, ...]) -> Result:
    """Unknown (W401): the verdict for the shown flow depends on unresolved lists. Only the
    lists of rules that could match it (with every list assumed to hold it) are named."""
    names = sorted({n for e in ev for r in e.target.rules(e.flow.direction) if r.unknowns
                    and rule_matches(r, e.flow, {m: True for m in r.unknowns})
                    for n in r.unknowns})
    lists = ", ".join(names) or "the unresolved lists (more than are enumerated)"
    return Result(a, Verdict.UNKNOWN, "not verified: the verdict for this flow depends on the "
                  "unknown entries of " + lists, flow, ev, code="W401")


def external_reason(targets: Iterable[Target]) -> str | None:
    """Why no verdict about these interfaces can be trusted: the groups among theirs whose
    rules are not known; None when every rule is known."""
    unknown = sorted({g.name for t in targets for g in t.groups if not g.rules_known})
    if not unknown:
        return None
    return ("the rules of group " + ", ".join(unknown) + " are not known (external, or "
            "referenced by imported data but not in it); add its rules to verify this")


def refuse_external(a: Assertion) -> None:
    """An interface in an 'external' group has rules sgverify does not know: no verdict
    about its own decisions can be trusted, so the assertion is not verified (W402)."""
    if isinstance(a, FlowAssertion):
        targets = [a.target]
    elif isinstance(a, ReachAssertion):
        targets = [a.src.target, a.dst.target]
    elif isinstance(a, CompareAssertion):
        targets = [a.left, a.right]
    else:
        targets = [i.target for end in (a.src, a.dst) for i in end.instances]
    why = external_reason(targets)
    if why:
        raise Unsupported(why)


def guarded(a: Assertion, prove: Callable[[Assertion], Result]) -> Result:
    """``prove(a)``, with what stops a proof read as its result: a solver that gives up is
    unknown (W401), a construct the encoder does not support unknown (W402), a
    disagreement between engines an internal error (E901). None of them is a pass."""
    try:
        return prove(a)
    except SolverUnknown as exc:
        return Result(a, Verdict.UNKNOWN, f"the solver could not decide this assertion "
                      f"({exc.reason}); it is NOT proved", code="W401")
    except Unsupported as exc:
        return Result(a, Verdict.UNKNOWN, f"not verified: {exc}", code="W402")
    except InternalError as exc:
        return internal_error(a, str(exc))


def internal_error(a: Assertion, what: str) -> Result:
    """E901: a bug in sgverify, never a verdict."""
    return Result(a, Verdict.ERROR, f"internal error: {what}; {REPORT_BUGS}", code="E901")
