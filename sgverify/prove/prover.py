"""Assertions -> results. Each assertion is proved by showing its violation unsatisfiable;
a satisfiable violation yields a canonical counterexample flow, which is replayed through
the concrete evaluator before it is reported (a disagreement is an internal error).
A solver 'unknown' is reported as unknown, never as proved.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Sequence

import z3  # type: ignore[import-untyped]

from ..core.addresses import INTERNET, MAX, PRIVATE_V4, V4, V6, AddrSpace
from ..engines.boxes.intervals import BudgetExceeded
from ..engines.boxes.certify import NotCertified, violation_exists
from ..core.diagnostics import REPORT_BUGS, InternalError
from ..engines.z3.encode import (Side, SymFlow, Unsupported, View, atom_var, decision, flow_set, in_space,
                     peer_side, single_sides, single_view, well_formed, well_formed_fields)
from ..core.evaluate import decide, decide_all, definitely, in_flow_set, rule_matches, settled
from ..core.flow import Flow, flow_problem
from ..core.model import (PORT_PROTOCOLS, TCP, Assertion, Check, CompareAssertion, Direction,
                    FleetReachAssertion, FlowAssertion, FlowSet, GroupKey, Network, Nic, Policy,
                    ReachAssertion, Semantics, Target)
from ..core.result import Evidence, Result, Verdict
from ..engines.z3.solve import Preference, SolverUnknown, choose, make_solver, require

TCP25_NOTE = ("ECS blocks outbound TCP 25 by default whatever the rules say; this result is about "
              "the security groups alone (option block-outbound-tcp25 = on models the block)")
MAX_UNRESOLVED = 6  # beyond this many unresolved lists, do not search for definite witnesses
REACH_NOTE = ("instance-to-instance results assume both interfaces share one internal network; "
              "routing between VPCs, NAT and public-address translation are outside the model")


def flowset_keys(fs: FlowSet | None) -> set[GroupKey]:
    keys: set[GroupKey] = set()
    if fs is None:
        return keys
    for terms in (fs.src, fs.dst):
        for t in terms or ():
            if t.member_of is not None:
                keys.add(t.member_of)
            keys.update(t.groups_exactly or ())
    keys.update(fs.peer_groups or ())
    return keys


def target_keys(target: Target) -> set[GroupKey]:
    keys = set(target.group_keys)
    for g in target.groups:
        for r in g.rules:
            keys.update(r.peer.groups)
    return keys


@dataclass
class Checker:
    """Proves the assertions of one policy; keeps encodings to reuse across assertions.

    ``boxes``: find the canonical counterexample or witness of a one-interface assertion
    with the box decomposition (``canonical``: the same flow the solver's preferences
    pick, without ~50 solver checks); the solver still proves what has no such flow, and
    a disagreement between the two is an internal error. Off: the solver does it all."""

    policy: Policy
    timeout_ms: int | None = None
    certify: bool = False  # re-decide every verdict with the box certifier (no Z3)
    _cache: dict[tuple[object, ...], tuple[z3.BoolRef, object]] = field(default_factory=dict)
    _hint_cache: dict[object, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)
    boxes: bool = True
    _engine: Any = None

    @property
    def sem(self) -> Semantics:
        return self.policy.semantics

    def run(self, assertion: Assertion) -> Result:
        start = time.perf_counter()
        try:
            if not isinstance(assertion, FleetReachAssertion):  # sets: per pair (reach.assertion)
                _refuse_external(assertion)
            if isinstance(assertion, FlowAssertion):
                result = self.flow_assertion(assertion)
            elif isinstance(assertion, ReachAssertion):
                result = self.reach_assertion(assertion)
            elif isinstance(assertion, FleetReachAssertion):
                result = self.fleet_reach_assertion(assertion)
            else:
                result = self.compare_assertion(assertion)
        except SolverUnknown as exc:
            result = Result(assertion, Verdict.UNKNOWN,
                            f"the solver could not decide this assertion ({exc.reason}); "
                            "it is NOT proved", code="W401")
        except Unsupported as exc:
            result = Result(assertion, Verdict.UNKNOWN,
                            f"not verified: {exc}", code="W402")
        except InternalError as exc:
            result = Result(assertion, Verdict.ERROR, f"internal error: {exc}; {REPORT_BUGS}",
                            code="E901")
        if self.certify:
            result = self._certified(result)
        return _timed(result, time.perf_counter() - start)

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
            violated = violation_exists(r.assertion, self.sem)
        except NotCertified as exc:
            if r.verdict is Verdict.VIOLATED:
                return r  # the counterexample was already replayed by the evaluator
            return Result(r.assertion, Verdict.UNKNOWN, f"proved by the solver but not certified "
                          f"({exc}); it is NOT counted as proved", r.flow, r.evidence, r.notes,
                          code="W403")
        if violated == (r.verdict is Verdict.PROVED):
            what = "finds a violation the solver missed" if violated else "finds no violation"
            return Result(r.assertion, Verdict.ERROR, f"internal error: the certifier {what} "
                          f"(solver verdict: {r.verdict.value}); {REPORT_BUGS}", r.flow, r.evidence,
                          r.notes, code="E901")
        return replace(r, notes=r.notes + ("certified by the box decomposition",))

    # ------------------------------------------------------------ encodings
    def _spaces(self, targets: Sequence[Target], flowsets: Sequence[FlowSet | None]
                ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Candidate minima of addresses (``address_hints``) for the blocks the formulas of
        these targets and flow sets mention, IPv4 and IPv6. The targets' part (their rules)
        is computed once; the flow sets add a few values."""
        key = tuple((tuple(id(g) for g in t.groups), t.local) for t in targets)
        base = self._hint_cache.get(key)
        if base is None:
            spaces = [r.peer.addresses for t in targets for g in t.groups for r in g.rules]
            spaces += [r.local for t in targets for g in t.groups for r in g.rules if r.local]
            spaces += [t.local for t in targets if t.local is not None]
            base = self._hint_cache[key] = (address_hints(spaces, V4), address_hints(spaces, V6))
        extra = [term.addresses for fs in flowsets if fs is not None
                 for term in (fs.src or ()) + (fs.dst or ()) if term.addresses is not None]
        if not extra:
            return base
        more = (address_hints(extra, V4), address_hints(extra, V6))
        return (tuple(sorted(set(base[0]).union(more[0]))), tuple(sorted(set(base[1]).union(more[1]))))

    def _decision(self, target: Target, direction: Direction, view: View, key: object) -> z3.BoolRef:
        # A decision depends on the groups only (not the interface's addresses): key by the
        # identity of the group objects, which resolution creates once per policy (hashing
        # whole groups would cost more than encoding small ones).
        cache_key = (tuple(id(g) for g in target.groups), direction, key)
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = (decision(target, direction, view, self.sem), target.groups)
            self._cache[cache_key] = hit
        return hit[0]

    def _accepted(self, target: Target, f: SymFlow) -> z3.BoolRef:
        view = single_view(f)
        return z3.If(f.ingress, self._decision(target, Direction.INGRESS, view, "single"),
                     self._decision(target, Direction.EGRESS, view, "single"))

    def _solver(self, *constraints: z3.BoolRef) -> z3.Solver:
        s = make_solver(self.timeout_ms)
        s.add(*constraints)
        return s

    # ------------------------------------------------------------ one interface
    def flow_assertion(self, a: FlowAssertion) -> Result:
        target = a.target
        universe = frozenset(target_keys(target) | flowset_keys(a.flows) | flowset_keys(a.only))
        want = a.check is not Check.ALL_ALLOWED
        by_boxes = self._box_flow(a, want, universe)
        if isinstance(by_boxes, Flow):
            return self._box_result(a, by_boxes, want)
        f = SymFlow(universe=universe)
        src, dst = single_sides(f, target.group_keys, _only_direction(a.flows))
        base = z3.And(well_formed(target, f), flow_set(a.flows, f, src, dst, peer=peer_side(f)))
        acc = self._accepted(target, f)
        atoms = [("", n) for n in _unresolved(target)]
        notes = self._flowset_notes(a.flows, a.check)
        if a.check is Check.SOME_ALLOWED:
            found = self._search(base, acc, atoms)
            if found is not None:
                _disagree(by_boxes, "an accepted flow")
                s, sure = found
                flow, values = self._witness(s, f, target, local_pref=True,
                                             hints=self._spaces([target], [a.flows]))
                ev = self._replay_single(a, target, flow, values, expect_accept=True)
                self._check_definite(sure, [(target, flow)], True)
                sure = sure or settled(target, flow, self.sem, True)
                if not sure:
                    return self._unresolved(a, flow, ev)
                return Result(a, Verdict.PROVED, "reachable: this flow is accepted", flow, ev,
                              self._notes(flow, notes))
            empty = self._empty(a, base)
            if empty:
                return empty
            flow, values = self._witness(self._solver(base), f, target, local_pref=True,
                                         hints=self._spaces([target], [a.flows]))
            ev = self._replay_single(a, target, flow, values, expect_accept=False)
            return Result(a, Verdict.VIOLATED, "no flow of the set is accepted; for example this "
                          "one is dropped", flow, ev, self._notes(flow, notes), code="E301")
        if a.check is Check.ALL_ALLOWED:
            violation, expect, what = z3.Not(acc), False, "this flow is dropped"
        elif a.check is Check.ALL_DENIED:
            violation, expect, what = acc, True, "this flow is accepted"
        else:  # ONLY
            assert a.only is not None
            violation = z3.And(acc, z3.Not(flow_set(a.only, f, src, dst, peer=peer_side(f))))
            expect, what = True, "this flow is accepted but lies outside the allowed set"
        found = self._search(base, violation, atoms)
        if found is None:
            return self._empty(a, base) or Result(a, Verdict.PROVED, "proved", notes=notes)
        _disagree(by_boxes, "a counterexample")
        s, sure = found
        flow, values = self._witness(s, f, target, local_pref=True,
                                     hints=self._spaces([target], [a.flows, a.only]))
        ev = self._replay_single(a, target, flow, values, expect_accept=expect)
        if a.check is Check.ONLY and a.only is not None and in_flow_set(a.only, flow, target.group_keys):
            raise InternalError(f"counterexample {flow} lies inside the allowed set")
        self._check_definite(sure, [(target, flow)], expect)
        # Past MAX_UNRESOLVED lists the solver does not look for a flow that breaks the
        # assertion whatever they hold; the evaluator still settles the flow it found.
        sure = sure or settled(target, flow, self.sem, expect)
        if not sure:
            return self._unresolved(a, flow, ev)
        return Result(a, Verdict.VIOLATED, what, flow, ev, self._notes(flow, notes), code="E301")

    def _box_flow(self, a: FlowAssertion, want: bool, universe: frozenset[GroupKey]
                  ) -> Flow | object | None:
        """The canonical flow of ``a``'s set that the interface accepts (``want``) or
        drops, by boxes: a Flow, ``_NONE`` when the boxes prove there is none, None when
        the boxes were not used (off, unresolved lists, groups in an allowed set, too
        many boxes)."""
        if not self.boxes or _unresolved(a.target):
            return None
        if self._engine is None:
            from .box_prover import Engine  # the audit's box engine (imports this module)
            self._engine = Engine(self.policy, self.timeout_ms)
        try:
            flow = self._engine.canonical_flow(a, want, universe, BOX_LIMIT)
        except (ValueError, BudgetExceeded):
            return None
        return _NONE if flow is None else flow

    def _box_result(self, a: FlowAssertion, flow: Flow, accepted: bool) -> Result:
        """The result for a flow the boxes found, replayed through the evaluator exactly as
        a solver's counterexample or witness is."""
        target = a.target
        notes = self._flowset_notes(a.flows, a.check)
        ev = self._replay_single(a, target, flow, {}, expect_accept=accepted)
        if a.check is Check.ONLY and a.only is not None and in_flow_set(a.only, flow, target.group_keys):
            raise InternalError(f"counterexample {flow} lies inside the allowed set")
        if a.check is Check.SOME_ALLOWED:
            return Result(a, Verdict.PROVED, "reachable: this flow is accepted", flow, ev,
                          self._notes(flow, notes))
        what = {Check.ALL_ALLOWED: "this flow is dropped", Check.ALL_DENIED: "this flow is accepted",
                Check.ONLY: "this flow is accepted but lies outside the allowed set"}[a.check]
        return Result(a, Verdict.VIOLATED, what, flow, ev, self._notes(flow, notes), code="E301")

    def _search(self, base: z3.BoolRef, goal: z3.BoolRef,
                atoms: list[tuple[str, str]]) -> tuple[z3.Solver, bool] | None:
        """A solver holding a flow of ``base`` that meets ``goal``, and whether the flow meets
        it for every membership of the unresolved lists (``atoms``: (view tag, name)). None
        when no flow meets it for any membership (then the claim holds whatever they are)."""
        s = self._solver(base, goal)
        if not require(s):
            return None
        if not atoms:
            return s, True
        if len(atoms) <= MAX_UNRESOLVED:
            every = []
            for values in itertools.product((False, True), repeat=len(atoms)):
                pairs = [(atom_var(n, tag), z3.BoolVal(v)) for (tag, n), v in zip(atoms, values)]
                every.append(z3.substitute(goal, *pairs))
            sure = self._solver(base, z3.And(every))
            if require(sure):
                return sure, True
        return s, False

    def _check_definite(self, sure: bool, views: list[tuple[Target, Flow]], expect: bool) -> None:
        """The solver's 'whatever the unresolved lists hold' must match the evaluator's."""
        if not sure:
            return
        verdicts = [definitely(decide_all(t, fl, self.sem)) for t, fl in views]
        ok = all(v is True for v in verdicts) if expect else any(v is False for v in verdicts)
        if not ok:
            raise InternalError("solver and evaluator disagree on whether the verdict depends on "
                                "unresolved lists")

    @staticmethod
    def _agree(solver_sure: bool, evaluator_sure: bool) -> bool:
        """True when the witness holds whatever the unresolved lists contain."""
        if solver_sure and not evaluator_sure:
            raise InternalError("solver and evaluator disagree on whether the verdict depends on "
                                "unresolved lists")
        return solver_sure or evaluator_sure  # the evaluator settles what the solver left

    def _flowset_notes(self, fs: FlowSet, check: Check | None,
                       egress: bool = False) -> tuple[str, ...]:
        """The platform TCP 25 note for a proof that every flow of a set is accepted, when
        the set includes outbound TCP 25 and the block is not modelled. Other proofs (denied,
        only, cannot reach, equivalent) stay true under the block, which only drops more;
        a counterexample gets the note from its own flow (``_notes``)."""
        if self.sem.block_tcp25 or check is not Check.ALL_ALLOWED:
            return ()
        if not egress and fs.directions is not None and Direction.EGRESS not in fs.directions:
            return ()
        if fs.services is not None and not any(
                (s.protocols is None or TCP in s.protocols)
                and (s.ports is None or any(p.lo <= 25 <= p.hi for p in s.ports)) for s in fs.services):
            return ()
        return (TCP25_NOTE,)

    def _empty(self, a: Assertion, base: z3.BoolRef) -> Result | None:
        if require(self._solver(base)):
            return None
        return Result(a, Verdict.ERROR, "the flow set of this assertion is empty (no real flow "
                      "matches it), so there is nothing to prove", code="E124")

    def _unresolved(self, a: Assertion, flow: Flow, ev: tuple[Evidence, ...]) -> Result:
        # Only the lists of rules that could match this flow (with every list assumed to
        # hold it) play a part in its verdict.
        names = sorted({n for e in ev for r in e.target.rules(e.flow.direction) if r.unknowns
                        and rule_matches(r, e.flow, {m: True for m in r.unknowns})
                        for n in r.unknowns})
        lists = ", ".join(names) or "the unresolved lists (more than are enumerated)"
        return Result(a, Verdict.UNKNOWN, "not verified: the verdict for this flow depends on the "
                      "unknown entries of " + lists, flow, ev, code="W401")

    def _notes(self, flow: Flow, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        notes = list(extra)
        if (not self.sem.block_tcp25 and flow.protocol == TCP and flow.dst_port == 25
                and TCP25_NOTE not in notes):
            notes.append(TCP25_NOTE)
        return tuple(notes)

    def _replay_single(self, a: Assertion, target: Target, flow: Flow, atoms: dict[str, bool],
                       expect_accept: bool, role: str | None = None,
                       flows: FlowSet | None = None) -> tuple[Evidence, ...]:
        problem = flow_problem(flow, target)
        if problem:
            raise InternalError(f"the solver produced an impossible flow ({flow}): {problem}")
        fs = flows if flows is not None else getattr(a, "flows", None)
        if fs is not None and not in_flow_set(fs, flow, target.group_keys):
            raise InternalError(f"counterexample {flow} is not in the assertion's flow set")
        dec = decide(target, flow, self.sem, {n: atoms.get(n, False) for n in _unresolved(target)})
        if dec.accepted is not expect_accept:
            raise InternalError(
                f"solver and evaluator disagree on {flow} for {target.name}: the encoding says "
                f"{'accept' if expect_accept else 'drop'}, the evaluator says {dec.action.value} "
                f"({dec.describe()})")
        return (Evidence(role or target.name, target, flow, dec),)

    def _witness(self, s: z3.Solver, f: SymFlow, target: Target | None, local_pref: bool,
                 hints: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
                 ) -> tuple[Flow, dict[str, bool]]:
        in_group = z3.Or(list(f.groups.values())) if f.groups else None
        prefs = _field_prefs(f) + _address_prefs(f.peer4, f.peer6, f.v6, peer=True,
                                                 in_group=in_group, hints=hints)
        if local_pref:
            prefs += _address_prefs(f.local4, f.local6, f.v6, peer=False, avoid=(f.peer4, f.peer6),
                                    hints=hints)
        model = choose(s, prefs, self.timeout_ms)
        return decode(model, f), _atoms(model)

    # ------------------------------------------------------------ two interfaces
    def reach_assertion(self, a: ReachAssertion) -> Result:
        src_t, dst_t = a.src.target, a.dst.target
        if src_t.network is not dst_t.network:
            raise Unsupported(f"{a.src.name} ({src_t.network.value}) and {a.dst.name} "
                              f"({dst_t.network.value}) are in different networks")
        fs = a.flows
        if fs.directions is not None or fs.src is not None or fs.dst is not None or fs.nic is not None:
            raise Unsupported("a reach assertion fixes direction, ends and NIC type itself; give only "
                              "protocols, ports, source ports or an address family")
        f = SymFlow(tag="")
        # In a reach query the 'peer' variables hold the sender's address and the 'local'
        # variables the receiver's address.
        src4, src6, dst4, dst6 = f.peer4, f.peer6, f.local4, f.local6
        b_keys, a_keys = frozenset(dst_t.group_keys), frozenset(src_t.group_keys)
        view_a = View(f, dst4, dst6, src4, src6, lambda k: z3.BoolVal(k in b_keys), tag="sender:")
        view_b = View(f, src4, src6, dst4, dst6, lambda k: z3.BoolVal(k in a_keys), tag="receiver:")
        acc_a = self._decision(src_t, Direction.EGRESS, view_a, ("reach-egress", b_keys))
        acc_b = self._decision(dst_t, Direction.INGRESS, view_b, ("reach-ingress", a_keys))
        base_parts = [well_formed_fields(f), z3.Not(f.internet),
                      in_space(f.v6, src4, src6, a.src.private),
                      in_space(f.v6, dst4, dst6, a.dst.private),
                      flow_set(fs, f, Side(src4, src6, _no_groups, _no_groups),
                               Side(dst4, dst6, _no_groups, _no_groups), direction=Direction.EGRESS)]
        if src_t.network is Network.CLASSIC:
            base_parts.append(z3.Not(f.v6))
        base = z3.And(base_parts)
        both = z3.And(acc_a, acc_b)
        empty = self._empty(a, base)
        if empty:
            return empty
        notes = (REACH_NOTE,) + self._flowset_notes(fs, a.check, egress=True)
        atoms = [("sender:", n) for n in _unresolved(src_t)] + \
                [("receiver:", n) for n in _unresolved(dst_t)]
        if a.check is Check.SOME_ALLOWED:
            found = self._search(base, both, atoms)
            if found is not None:
                flow_a, ev, ev_sure = self._reach_evidence(a, found[0], f, expect=True)
                if not self._agree(found[1], ev_sure):
                    return self._unresolved(a, flow_a, ev)
                return Result(a, Verdict.PROVED, "reachable: this connection passes both interfaces",
                              flow_a, ev, self._notes(flow_a, notes))
            flow_a, ev, _ = self._reach_evidence(a, self._solver(base), f, expect=False)
            return Result(a, Verdict.VIOLATED, "no connection of the set passes; for example this "
                          "one is blocked", flow_a, ev, self._notes(flow_a, notes), code="E301")
        violation = z3.Not(both) if a.check is Check.ALL_ALLOWED else both
        found = self._search(base, violation, atoms)
        if found is None:
            return Result(a, Verdict.PROVED, "proved", notes=notes)
        expect = a.check is not Check.ALL_ALLOWED
        flow_a, ev, ev_sure = self._reach_evidence(a, found[0], f, expect=expect)
        if not self._agree(found[1], ev_sure):
            return self._unresolved(a, flow_a, ev)
        what = "this connection passes both interfaces" if expect else "this connection is blocked"
        return Result(a, Verdict.VIOLATED, what, flow_a, ev, self._notes(flow_a, notes), code="E301")

    def _reach_evidence(self, a: ReachAssertion, s: z3.Solver, f: SymFlow,
                        expect: bool) -> tuple[Flow, tuple[Evidence, ...], bool]:
        """(sender's flow, evidence of both interfaces, definite?) for a reach witness."""
        prefs = _field_prefs(f, direction=False) + \
            _address_prefs(f.peer4, f.peer6, f.v6, peer=False,
                           hints=self._spaces([a.src.target, a.dst.target], [a.flows])) + \
            _address_prefs(f.local4, f.local6, f.v6, peer=False, avoid=(f.peer4, f.peer6),
                           hints=self._spaces([a.src.target, a.dst.target], [a.flows]))
        model = choose(s, prefs, self.timeout_ms)
        atoms = _atoms(model)
        # Reach queries keep the sender's address in the peer variables and the receiver's
        # in the local ones, so decoding as ingress yields source -> destination.
        seen = decode(model, f, direction=Direction.INGRESS)
        egress = Flow(Direction.EGRESS, seen.protocol, seen.family, seen.src_ip, seen.dst_ip,
                      seen.src_port, seen.dst_port, Nic.INTRANET, a.dst.target.group_keys)
        ingress = Flow(Direction.INGRESS, seen.protocol, seen.family, seen.src_ip, seen.dst_ip,
                       seen.src_port, seen.dst_port, Nic.INTRANET, a.src.target.group_keys)
        if not in_flow_set(a.flows, egress, a.src.target.group_keys):
            raise InternalError(f"counterexample {egress} is not in the assertion's flow set")
        evidence = []
        definite = []
        passes = True
        for role, t, flow, tag in ((f"sender {a.src.name} (egress)", a.src.target, egress, "sender:"),
                                   (f"receiver {a.dst.name} (ingress)", a.dst.target, ingress,
                                    "receiver:")):
            problem = flow_problem(flow, t)
            if problem:
                raise InternalError(f"the solver produced an impossible flow ({flow}): {problem}")
            dec = decide(t, flow, self.sem, {n: atoms.get(tag + n, False) for n in _unresolved(t)})
            evidence.append(Evidence(role, t, flow, dec))
            passes = passes and dec.accepted
            definite.append(definitely(decide_all(t, flow, self.sem)))
        if passes is not expect:
            raise InternalError(f"solver and evaluator disagree on {egress}: the encoding says the "
                                f"connection {'passes' if expect else 'is blocked'}, the evaluator "
                                "says the opposite")
        if expect:
            sure = all(d is True for d in definite)
        else:
            sure = any(d is False for d in definite)
        return egress, tuple(evidence), sure

    # ------------------------------------------------------------ sets of instances
    def fleet_reach_assertion(self, a: FleetReachAssertion) -> Result:
        """Reach between groups, instances and the internet (docs/reach.md): decided by
        the exact reachability matrix; the pair shown is re-checked here with Z3."""
        from .fleet import check_fleet  # the reach package builds on this module
        return check_fleet(self, a)

    # ------------------------------------------------------------ comparisons
    def compare_assertion(self, a: CompareAssertion) -> Result:
        left, right = a.left, a.right
        if left.network is not right.network:
            raise Unsupported(f"cannot compare {left.name} ({left.network.value}) with "
                              f"{right.name} ({right.network.value})")
        # Interface addresses are free in comparisons: compare the groups' policies.
        left_free = Target(left.name, left.kind, left.groups, None, left.span)
        right_free = Target(right.name, right.kind, right.groups, None, right.span)
        universe = frozenset(target_keys(left) | target_keys(right) | flowset_keys(a.flows))
        f = SymFlow(universe=universe)
        src, dst = single_sides(f, None, _only_direction(a.flows))
        base = z3.And(well_formed(left_free, f), flow_set(a.flows, f, src, dst, peer=peer_side(f)))
        empty = self._empty(a, base)
        if empty:
            return empty
        acc_l, acc_r = self._accepted(left_free, f), self._accepted(right_free, f)
        if a.check is Check.EQUIVALENT:
            violation = acc_l != acc_r
        else:
            violation = z3.And(acc_l, z3.Not(acc_r))
        names = sorted(set(_unresolved(left_free)) | set(_unresolved(right_free)))
        notes: tuple[str, ...] = ()
        found = self._search(base, violation, [("", n) for n in names])
        if found is None:
            return Result(a, Verdict.PROVED, "proved", notes=notes)
        s, sure = found
        flow, atoms = self._witness(s, f, None, local_pref=True,
                                    hints=self._spaces([left, right], [a.flows]))
        problem = flow_problem(flow, left_free)
        if problem:
            raise InternalError(f"the solver produced an impossible flow ({flow}): {problem}")
        if not in_flow_set(a.flows, flow, None):
            raise InternalError(f"counterexample {flow} is not in the assertion's flow set")
        evidence = []
        for role, t, tag in ((f"{left.name}", left_free, ""), (f"{right.name}", right_free, "")):
            dec = decide(t, flow, self.sem, {n: atoms.get(n, False) for n in _unresolved(t)})
            evidence.append(Evidence(role, t, flow, dec))
        l_acc, r_acc = evidence[0].decision.accepted, evidence[1].decision.accepted
        if l_acc == r_acc or (a.check is Check.NO_MORE_PERMISSIVE and not l_acc):
            raise InternalError(f"solver and evaluator disagree on {flow} when comparing "
                                f"{left.name} with {right.name}")
        # Jointly over the memberships of the unresolved lists (the same list means the same
        # membership on both sides): does the difference hold whatever they are?
        always = True
        for values in itertools.product((False, True), repeat=len(names)):
            assume = dict(zip(names, values))
            la = decide(left_free, flow, self.sem, assume).accepted
            ra = decide(right_free, flow, self.sem, assume).accepted
            always = always and (la != ra if a.check is Check.EQUIVALENT else (la and not ra))
        if not self._agree(sure, always):
            return self._unresolved(a, flow, tuple(evidence))
        what = (f"{left.name} {'accepts' if l_acc else 'drops'} this flow, {right.name} "
                f"{'accepts' if r_acc else 'drops'} it")
        return Result(a, Verdict.VIOLATED, what, flow, tuple(evidence), self._notes(flow, notes),
                      code="E301")


_NONE = object()  # the boxes found no flow (the solver must then prove there is none)
BOX_LIMIT = 50_000  # boxes the canonical search may make before the solver takes over


def _disagree(by_boxes: object, what: str) -> None:
    """The solver found ``what`` where the boxes proved there is none: a bug in one."""
    if by_boxes is _NONE:
        raise InternalError(f"the solver finds {what} that the box decomposition says does "
                            "not exist")


def _refuse_external(a: Assertion) -> None:
    """An interface in an 'external' group has rules sgverify does not know: no verdict
    about its own decisions can be trusted, so the assertion is not verified."""
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


def external_reason(targets: Iterable[Target]) -> str | None:
    """Why no verdict about these interfaces can be trusted: the groups among theirs whose
    rules are not known; None when every rule is known."""
    unknown = sorted({g.name for t in targets for g in t.groups if not g.rules_known})
    if not unknown:
        return None
    return ("the rules of group " + ", ".join(unknown) + " are not known (external, or "
            "referenced by imported data but not in it); add its rules to verify this")


def _no_groups(_key: object) -> z3.BoolRef:
    """Group constraints on the ends of a reach query (refused earlier) never hold."""
    return z3.BoolVal(False)


def _only_direction(fs: FlowSet) -> Direction | None:
    return next(iter(fs.directions)) if fs.directions is not None and len(fs.directions) == 1 else None


def _timed(result: Result, elapsed: float) -> Result:
    return replace(result, elapsed=elapsed)


def _unresolved(target: Target) -> tuple[str, ...]:
    return tuple(sorted({n for g in target.groups for r in g.rules for n in r.unknowns}))


def _atoms(model: z3.ModelRef) -> dict[str, bool]:
    out = {}
    for d in model.decls():
        name = d.name()
        if "unresolved[" in name:
            name = name.replace("%7C", "|").replace("%5C", "\\").replace("%25", "%")  # safe_name
            prefix, _, rest = name.partition("unresolved[")
            out[prefix + rest[:-1]] = z3.is_true(model[d])
    return out


def _field_prefs(f: SymFlow, direction: bool = True) -> list[Preference]:
    prefs = []
    if direction:
        prefs.append(Preference(f.ingress, (f.ingress,), minimise=False))
    prefs.append(Preference(f.internet, (z3.Not(f.internet),), minimise=False))
    prefs.append(Preference(f.v6, (z3.Not(f.v6),), minimise=False))
    prefs.append(Preference(f.protocol, tuple(f.protocol == p for p in (6, 17, 1, 58, 47))))
    for key in sorted(f.groups):
        prefs.append(Preference(f.groups[key]))
    prefs.append(Preference(f.dport))
    prefs.append(Preference(f.sport, (z3.ULE(1024, f.sport),), narrow_after=True))
    return prefs


GLOBAL_UNICAST_V6 = AddrSpace.parse("2000::/3")
PRIVATE_V6 = AddrSpace.parse("fc00::/7")


def _space_terms(ip4: z3.BitVecRef, ip6: z3.BitVecRef) -> tuple[z3.BoolRef, ...]:
    """(public v4, private v4, public v6, private v6) membership terms, built once per pair
    of address variables (they are the same for every assertion)."""
    key = (ip4.decl().name(), ip6.decl().name())
    hit = _SPACE_TERMS.get(key)
    if hit is None:
        v4, v6 = z3.BoolVal(False), z3.BoolVal(True)
        hit = _SPACE_TERMS[key] = (in_space(v4, ip4, ip6, INTERNET.only(V4)),
                                   in_space(v4, ip4, ip6, PRIVATE_V4),
                                   in_space(v6, ip4, ip6, GLOBAL_UNICAST_V6),
                                   in_space(v6, ip4, ip6, PRIVATE_V6))
    return hit


_SPACE_TERMS: dict[tuple[str, str], tuple[z3.BoolRef, ...]] = {}
PREFERENCE_SPACES = (INTERNET, PRIVATE_V4, GLOBAL_UNICAST_V6, PRIVATE_V6)


def address_hints(spaces: Iterable[AddrSpace], family: int) -> tuple[int, ...]:
    """Where the minimum of an address can lie: the edges of every block the formula
    compares addresses with (and one past, for the 'last byte not 0' preference)."""
    top = MAX[family]
    out: set[int] = {0, 1}
    for space in list(spaces) + list(PREFERENCE_SPACES):
        for r in space:
            if r.family == family:
                out.update((r.lo, r.lo + 1, r.hi + 1, r.hi + 2))
    return tuple(sorted(v for v in out if v <= top))


def _address_prefs(ip4: z3.BitVecRef, ip6: z3.BitVecRef, v6: z3.BoolRef, peer: bool,
                   in_group: z3.BoolRef | None = None,
                   avoid: tuple[z3.BitVecRef, z3.BitVecRef] | None = None,
                   hints: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())) -> list[Preference]:
    """Simple addresses: public ones for a remote peer on the internet, private ones for an
    interface or a member of a group; avoid network addresses (last byte 0) when possible.
    ``hints``: candidate minima for IPv4 and IPv6 (``address_hints``)."""
    public4, private4, public6, private6 = _space_terms(ip4, ip6)
    if peer:
        member = in_group if in_group is not None else z3.BoolVal(False)
        first4 = z3.If(member, private4, public4)
        first6 = z3.If(member, private6, public6)
    else:
        first4, first6 = private4, private6
    nonzero4 = z3.Extract(7, 0, ip4) != 0
    nonzero6 = z3.Extract(15, 0, ip6) != 0
    if avoid is not None:  # an interface and its peer look clearer with different addresses
        nonzero4 = z3.And(nonzero4, ip4 != avoid[0])
        nonzero6 = z3.And(nonzero6, ip6 != avoid[1])
    return [
        Preference(ip4, (z3.And(first4, nonzero4), first4, nonzero4), when=z3.Not(v6),
                   hints=hints[0]),
        Preference(ip6, (z3.And(first6, nonzero6), first6, nonzero6), when=v6, hints=hints[1]),
    ]


def decode(model: z3.ModelRef, f: SymFlow, direction: Direction | None = None) -> Flow:
    """The concrete flow a model describes (peer/local mapped to source/destination)."""

    def val(term: z3.ExprRef) -> int:
        return int(model.eval(term, model_completion=True).as_long())

    def flag(term: z3.ExprRef) -> bool:
        return bool(z3.is_true(model.eval(term, model_completion=True)))

    if direction is None:
        direction = Direction.INGRESS if flag(f.ingress) else Direction.EGRESS
    v6 = flag(f.v6)
    family = V6 if v6 else V4
    peer = val(f.peer6 if v6 else f.peer4)
    local = val(f.local6 if v6 else f.local4)
    protocol = val(f.protocol)
    ports = protocol in PORT_PROTOCOLS
    src, dst = (peer, local) if direction is Direction.INGRESS else (local, peer)
    groups = frozenset(k for k, b in f.groups.items() if flag(b))
    return Flow(direction, protocol, family, src, dst, val(f.sport) if ports else None,
                val(f.dport) if ports else None,
                Nic.INTERNET if flag(f.internet) else Nic.INTRANET, groups)


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
