"""The straightforward encoding the performance figures are compared with: a fresh solver
per assertion and an if-then-else chain over the interface's rules sorted by priority,
built node by node through the Z3 Python API, answering sat/unsat with one model (no
canonical witness, no replay). Same semantics as sgverify (it reuses the flow-set and
well-formedness constraints), so verdicts must agree: the runner checks that they do.
"""

from __future__ import annotations

import z3

from sgverify.core.addresses import INTERNET, V4, AddrSpace
from sgverify.core.model import (TCP, Action, Check, Direction, FlowAssertion, GroupType, Nic,
                                 Rule, Semantics, Target, flowset_keys, target_keys)
from sgverify.engines.z3.encode import SymFlow, flow_set, peer_side, single_sides, well_formed


def _space(v6: z3.BoolRef, ip4: z3.BitVecRef, ip6: z3.BitVecRef, space: AddrSpace) -> z3.BoolRef:
    parts = []
    for r in space:
        term, fam = (ip4, z3.Not(v6)) if r.family == V4 else (ip6, v6)
        parts.append(z3.And(fam, z3.ULE(r.lo, term), z3.ULE(term, r.hi)))
    return z3.Or(parts) if parts else z3.BoolVal(False)


def _match(rule: Rule, f: SymFlow) -> z3.BoolRef:
    c = [f.internet if rule.nic is Nic.INTERNET else z3.Not(f.internet)]
    if rule.protocol is not None:
        c.append(f.protocol == rule.protocol)
    if rule.ports is not None:
        c.append(z3.Or([z3.And(z3.ULE(p.lo, f.dport), z3.ULE(f.dport, p.hi)) for p in rule.ports]))
    if rule.source_ports is not None:
        c.append(z3.Or([z3.And(z3.ULE(p.lo, f.sport), z3.ULE(f.sport, p.hi)) for p in rule.source_ports]))
    if rule.local is not None:
        c.append(_space(f.v6, f.local4, f.local6, rule.local))
    peer = [_space(f.v6, f.peer4, f.peer6, rule.peer.addresses)]
    if rule.peer.groups:
        peer.append(z3.And(z3.Not(f.internet), z3.Or([f.peer_member(k) for k in rule.peer.groups])))
    c.append(z3.Or(peer))
    return z3.And(c)


def _decision(target: Target, direction: Direction, f: SymFlow, sem: Semantics) -> z3.BoolRef:
    internal = z3.Not(f.internet)
    shared = z3.And(internal, z3.Or([f.peer_member(g.key) for g in target.groups] or [z3.BoolVal(False)]))
    open_ = [f.peer_member(g.key) for g in target.groups
             if g.gtype is GroupType.BASIC and g.intra is Action.ACCEPT]
    shared_open = z3.And(internal, z3.Or(open_)) if open_ else z3.BoolVal(False)
    result = z3.If(shared_open, True, z3.If(shared, False, direction is Direction.EGRESS
                                            and target.gtype is GroupType.BASIC))
    for rule in reversed(target.rules(direction)):  # first match wins: build from the last
        result = z3.If(_match(rule, f), rule.action is Action.ACCEPT, result)
    if sem.intra_group == "override" and open_:
        result = z3.Or(shared_open, result)
    if sem.block_tcp25 and direction is Direction.EGRESS:
        result = z3.And(z3.Not(z3.And(f.protocol == TCP, f.dport == 25,
                                      _space(f.v6, f.peer4, f.peer6, INTERNET))), result)
    return result


def check(a: FlowAssertion, sem: Semantics) -> bool:
    """True when the assertion holds (proved). Fresh solver, fresh encoding, every time."""
    target = a.target
    f = SymFlow(universe=frozenset(target_keys(target) | flowset_keys(a.flows) | flowset_keys(a.only)))
    src, dst = single_sides(f, target.group_keys)
    base = z3.And(well_formed(target, f), flow_set(a.flows, f, src, dst, peer=peer_side(f)))
    acc = z3.If(f.ingress, _decision(target, Direction.INGRESS, f, sem),
                _decision(target, Direction.EGRESS, f, sem))
    s = z3.Solver()
    s.add(base)
    if a.check is Check.ALL_ALLOWED:
        s.add(z3.Not(acc))
    elif a.check is Check.ALL_DENIED:
        s.add(acc)
    elif a.check is Check.SOME_ALLOWED:
        s.add(acc)
        return s.check() == z3.sat
    else:
        assert a.only is not None
        s.add(acc, z3.Not(flow_set(a.only, f, src, dst, peer=peer_side(f))))
    result = s.check()
    if result == z3.sat:
        s.model()
    return result == z3.unsat
