"""Proving reach assertions over sets (``FleetReachAssertion``):

    assert group dev cannot reach group prod
    assert internet cannot reach group db on tcp 3306
    assert group app can partly reach instance db-1 on tcp 5432

The verdict comes from the exact matrix (``engines.atoms.matrix``) over the instances
involved, or, for the internet, from the box search of each instance's flow assertion
(``box_prover``). The counterexample or witness shown is then produced again by the Z3
prover for the
one pair that decides (``reach_assertion`` / ``flow_assertion``); if Z3 disagrees with the
matrix, that is an internal error (E901), never a pass. So every verdict has been reached
by two independent routes for the pair that is shown.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.addresses import INTERNET
from ..core.diagnostics import InternalError
from ..core.model import (
    Check,
    Direction,
    EndpointTerm,
    FleetReachAssertion,
    FlowAssertion,
    FlowSet,
    Instance,
    ReachAssertion,
)
from ..core.result import Result, Verdict
from ..engines.atoms.matrix import Query, ReachMatrix
from ..engines.z3.encode import Unsupported
from .box_prover import BoxProver
from .prover import Z3Prover
from .verdicts import REACH_NOTE, VACUOUS, external_reason, flowset_notes

PAIR_CHECK = {Check.ALL_DENIED: Verdict.VIOLATED, Check.SOME_ALLOWED: Verdict.PROVED,
              Check.ALL_ALLOWED: Verdict.VIOLATED}


def _query(fs: FlowSet) -> Query:
    if (fs.directions is not None or fs.src is not None or fs.dst is not None
            or fs.nic is not None or fs.peer_groups is not None):
        raise Unsupported("a reach assertion fixes direction, ends, NIC type and peer groups "
                          "itself; give only protocols, ports, source ports or an address family")
    return Query(fs.services, fs.source_ports, fs.family)


def check_fleet(checker: Z3Prover, a: FleetReachAssertion) -> Result:
    """The verdict of ``a`` (see the module docstring)."""
    query = _query(a.flows)
    if a.src.kind == "internet" or a.dst.kind == "internet":
        return _internet(checker, a)
    pairs = [(s, r) for s in a.src.instances for r in a.dst.instances if s is not r]
    # An instance in a group whose rules are not known: its pairs are unknown (W402), the
    # others are decided as usual (a pair that decides the verdict settles it).
    opaque = [(s, r) for s, r in pairs if _opaque(s) or _opaque(r)]
    pairs = [(s, r) for s, r in pairs if not (_opaque(s) or _opaque(r))]
    involved: list[Instance] = []
    for inst in [i for p in pairs for i in p]:
        if inst not in involved:
            involved.append(inst)
    m = ReachMatrix(checker.policy, involved, query)
    index = {id(i): n for n, i in enumerate(m.instances)}
    # Only pairs with some connection in the set count (a shared family, a private
    # address each): the others have nothing to prove, as their own assertions say (E124).
    pairs = [(s, r) for s, r in pairs if s.groups[0].network is not r.groups[0].network
             or (id(s) in index and id(r) in index and _possible(m, index[id(s)], index[id(r)]))]
    if not pairs and opaque:
        return _external(a, opaque[0])
    if not pairs:
        return Result(a, Verdict.ERROR, f"no connection of the set from {a.src} to {a.dst} can "
                      "occur (no pair of distinct instances with addresses of one family for it), "
                      "so there is nothing to prove", code="E124")
    cross_network = []
    deciding: tuple[Instance, Instance] | None = None
    unknown: tuple[Instance, Instance] | None = None
    for s, r in pairs:
        if s.groups[0].network is not r.groups[0].network:
            cross_network.append((s, r))
            continue
        verdict = _pair_verdict(m, index[id(s)], index[id(r)], a.check)
        if verdict is Verdict.UNKNOWN and unknown is None:
            unknown = (s, r)
        if verdict is PAIR_CHECK[a.check] and deciding is None:
            deciding = (s, r)
            break
    total = f"{len(pairs)} pair{'s' if len(pairs) != 1 else ''}"
    if deciding is not None:
        return _from_pair(checker, a, deciding, PAIR_CHECK[a.check], total)
    if unknown is not None:
        return _from_pair(checker, a, unknown, Verdict.UNKNOWN, total)
    if opaque:
        return _external(a, opaque[0])
    if cross_network:
        s, r = cross_network[0]
        return Result(a, Verdict.UNKNOWN, f"not verified: {s.name} and {r.name} are in different "
                      "networks", code="W402")
    if a.check is Check.SOME_ALLOWED:
        return _from_pair(checker, a, pairs[0], Verdict.VIOLATED, total)
    return Result(a, Verdict.PROVED, f"proved for all {total} (exact: interface classes and "
                  "service atoms)", notes=(REACH_NOTE,))


def _opaque(inst: Instance) -> bool:
    return any(not g.rules_known for g in inst.groups)


def _external(a: FleetReachAssertion, pair: tuple[Instance, ...]) -> Result:
    """Unknown: the verdict depends on a pair through a group whose rules are not known."""
    why = external_reason([i.target for i in pair])
    return Result(a, Verdict.UNKNOWN, f"not verified: {' -> '.join(i.name for i in pair)}: {why}",
                  code="W402")


def _possible(m: ReachMatrix, a: int, b: int) -> bool:
    """Is there some connection of the query from instance a to instance b?"""
    return any(m.endpoints[c].family == m.endpoints[d].family and m.query_mask[m.endpoints[c].family]
               for c in m.classes_of[a] for d in m.classes_of[b])


def _pair_verdict(m: ReachMatrix, a: int, b: int, check: Check) -> Verdict:
    """The verdict of the pair's own ReachAssertion, from the matrix."""
    sure = maybe = 0
    complete_sure = complete_maybe = True
    for c in m.classes_of[a]:
        for d in m.classes_of[b]:
            s, mb = m.services(c, d)
            sure |= s
            maybe |= mb
            fam = m.endpoints[c].family
            if fam != m.endpoints[d].family:
                continue
            q = m.query_mask[fam]
            complete_sure = complete_sure and (s & q) == q
            complete_maybe = complete_maybe and (mb & q) == q
    if check is Check.ALL_DENIED:
        return Verdict.VIOLATED if sure else (Verdict.UNKNOWN if maybe else Verdict.PROVED)
    if check is Check.SOME_ALLOWED:
        return Verdict.PROVED if sure else (Verdict.UNKNOWN if maybe else Verdict.VIOLATED)
    return Verdict.PROVED if complete_sure else (Verdict.UNKNOWN if complete_maybe else Verdict.VIOLATED)


def _from_pair(checker: Z3Prover, a: FleetReachAssertion, pair: tuple[Instance, Instance],
               expect: Verdict, total: str) -> Result:
    """The Z3 result of the deciding pair, which must agree with the matrix."""
    s, r = pair
    one = ReachAssertion(a.name, a.text, s, r, a.flows, a.check, a.span)
    res = checker.reach_assertion(one)
    if res.verdict is not expect:
        raise InternalError(f"the reach matrix gives {expect.value} for {s.name} -> {r.name}, the "
                            f"solver {res.verdict.value}")
    return replace(res, assertion=a, summary=f"{s.name} -> {r.name}: {res.summary} "
                   f"(of {total})")


def _internet(checker: Z3Prover, a: FleetReachAssertion) -> Result:
    """Internet ends: one flow assertion per instance of the other end."""
    term = (EndpointTerm(INTERNET, groups_exactly=frozenset()),)
    if a.src.kind == "internet":
        others, fs = a.dst.instances, replace(a.flows, directions=frozenset({Direction.INGRESS}), src=term)
        word = "ingress from internet"
    else:
        others, fs = a.src.instances, replace(a.flows, directions=frozenset({Direction.EGRESS}), dst=term)
        word = "egress to internet"
    if not others:
        return Result(a, Verdict.ERROR, f"{a.dst if a.src.kind == 'internet' else a.src} has no "
                      "member instances, so there is nothing to prove", code="E124")
    check = {Check.ALL_DENIED: Check.ALL_DENIED, Check.SOME_ALLOWED: Check.SOME_ALLOWED,
             Check.ALL_ALLOWED: Check.ALL_ALLOWED}[a.check]
    engine = BoxProver(checker.policy, checker.timeout_ms)
    results = []
    opaque = [i for i in others if _opaque(i)]
    for inst in [i for i in others if not _opaque(i)]:
        fa = FlowAssertion(a.name, f"instance {inst.name}: {word}", inst.target, fs, check, None, a.span)
        res = engine.check(fa)
        if (res.verdict is Verdict.ERROR and res.code == "E124") or VACUOUS in res.notes:
            continue  # no such flow on this instance (for example no IPv6 address)
        results.append((inst, fa, res))
    if not results and opaque:
        return _external(a, (opaque[0],))
    if not results:
        return Result(a, Verdict.ERROR, "no connection of the set can occur on any of the "
                      "instances, so there is nothing to prove", code="E124")
    want = PAIR_CHECK[a.check]
    hit_want = next((x for x in results if x[2].verdict is want), None)
    if hit_want is None and opaque:
        return _external(a, (opaque[0],))
    for verdict in (want, Verdict.UNKNOWN, Verdict.ERROR):
        hit = next(((i, fa, res) for i, fa, res in results if res.verdict is verdict), None)
        if hit is not None:
            inst, fa, res = hit
            again = checker.flow_assertion(fa)
            if again.verdict is not res.verdict and res.verdict is not Verdict.ERROR:
                raise InternalError(f"the box search gives {res.verdict.value} for {inst.name}, the "
                                    f"solver {again.verdict.value}")
            return replace(again, assertion=a, summary=f"{inst.name}: {again.summary} "
                           f"(of {len(results)} instance{'s' if len(results) != 1 else ''})")
    if a.check is Check.SOME_ALLOWED:
        inst, fa, res = results[0]
        return replace(checker.flow_assertion(fa), assertion=a)
    return Result(a, Verdict.PROVED, f"proved for all {len(results)} instances",
                  notes=flowset_notes(checker.sem, fs, check))


__all__ = ["check_fleet"]
