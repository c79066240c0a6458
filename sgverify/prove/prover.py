"""The Z3 prover: each assertion is proved by showing its violation unsatisfiable; a
satisfiable violation yields a canonical counterexample flow (``engines.z3.witness``),
which is replayed through the concrete evaluator before it is reported (``verdicts``; a
disagreement is an internal error). A solver 'unknown' is reported as unknown, never as
proved.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Sequence

import z3  # type: ignore[import-untyped]

from ..core.addresses import V4, V6
from ..core.diagnostics import InternalError
from ..core.evaluate import decide, decide_all, definitely, in_flow_set, settled
from ..core.flow import Flow, flow_problem
from ..core.model import (
    Assertion,
    Check,
    CompareAssertion,
    Direction,
    FlowAssertion,
    FlowSet,
    GroupKey,
    Network,
    Nic,
    Policy,
    ReachAssertion,
    Semantics,
    Target,
    flowset_keys,
    target_keys,
)
from ..core.result import Evidence, Result, Verdict
from ..engines.boxes import exact_pin
from ..engines.boxes.finder import BoxSearch
from ..engines.boxes.intervals import BudgetExceeded
from ..engines.z3.encode import (
    FlowEnd,
    SymFlow,
    Unsupported,
    View,
    atom_var,
    decision,
    flow_set,
    in_space,
    peer_side,
    single_sides,
    single_view,
    well_formed,
    well_formed_fields,
)
from ..engines.z3.solve import choose, make_solver, require
from ..engines.z3.witness import address_hints, address_prefs, atoms_of, decode, field_prefs
from .verdicts import (
    REACH_NOTE,
    depends_on_lists,
    empty_set,
    flow_notes,
    flow_result,
    flowset_notes,
    guarded,
    none_accepted,
    refuse_external,
    replay,
    unresolved_names,
)

MAX_UNRESOLVED = 6  # beyond this many unresolved lists, do not search for definite witnesses


@dataclass
class Z3Prover:
    """Proves the one-interface, instance-to-instance and comparison assertions of one
    policy with Z3; keeps encodings to reuse across assertions (``prove.run.Checker`` is
    the entry point for every kind of assertion).

    ``boxes``: find the canonical counterexample or witness of a one-interface assertion
    with the box decomposition (``canonical``: the same flow the solver's preferences
    pick, without ~50 solver checks); the solver still proves what has no such flow, and
    a disagreement between the two is an internal error. Off: the solver does it all."""

    policy: Policy
    timeout_ms: int | None = None
    boxes: bool = True
    _cache: dict[tuple[object, ...], tuple[z3.BoolRef, object]] = field(default_factory=dict)
    _hint_cache: dict[object, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)
    _finder: BoxSearch | None = None
    _recent: dict[tuple[int, ...], None] = field(default_factory=dict)
    _finder_for: tuple[int, ...] = ()

    @property
    def sem(self) -> Semantics:
        return self.policy.semantics

    def run(self, assertion: Assertion) -> Result:
        """The result of one assertion (not over sets: ``prove.fleet`` decides those)."""
        return guarded(assertion, self._prove)

    def _prove(self, assertion: Assertion) -> Result:
        refuse_external(assertion)
        if isinstance(assertion, FlowAssertion):
            return self.flow_assertion(assertion)
        if isinstance(assertion, ReachAssertion):
            return self.reach_assertion(assertion)
        if isinstance(assertion, CompareAssertion):
            return self.compare_assertion(assertion)
        raise TypeError(f"{type(assertion).__name__} is proved by prove.fleet")

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
            if len(self._hint_cache) >= 4 * KEPT_INTERFACES:
                self._hint_cache.clear()
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
        groups = tuple(id(g) for g in target.groups)
        cache_key = (groups, direction, key)
        hit = self._cache.get(cache_key)
        if hit is None:
            self._recent_groups(groups)
            hit = (decision(target, direction, view, self.sem), target.groups)
            self._cache[cache_key] = hit
        return hit[0]

    def _recent_groups(self, groups: tuple[int, ...]) -> None:
        """Keep the encodings of the last ``KEPT_INTERFACES`` interfaces only (by their
        groups): assertions about one interface share its encodings, and a spec about a
        thousand interfaces does not hold a thousand encodings (150 MB of Z3 terms)."""
        recent = self._recent
        recent.pop(groups, None)
        recent[groups] = None
        if len(recent) > KEPT_INTERFACES:
            oldest = next(iter(recent))
            del recent[oldest]
            for k in [k for k in self._cache if k[0] == oldest]:
                del self._cache[k]

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
        if by_boxes is _NONE:
            done = self._none_by_boxes(a, universe)
            if done is not None:
                return done
        f = SymFlow(universe=universe)
        src, dst = single_sides(f, target.group_keys, _only_direction(a.flows))
        base = z3.And(well_formed(target, f), flow_set(a.flows, f, src, dst, peer=peer_side(f)))
        acc = self._accepted(target, f)
        atoms = [("", n) for n in unresolved_names(target)]
        notes = flowset_notes(self.sem, a.flows, a.check)
        if a.check is Check.SOME_ALLOWED:
            found = self._search(base, acc, atoms)
            if found is not None:
                _disagree(by_boxes, "an accepted flow")
                s, sure = found
                flow, values = self._witness(s, f, target, local_pref=True,
                                             hints=self._spaces([target], [a.flows]))
                ev = replay(self.sem, a, target, flow, values, True)
                self._check_definite(sure, [(target, flow)], True)
                sure = sure or settled(target, flow, self.sem, True)
                if not sure:
                    return depends_on_lists(a, flow, ev)
                return Result(a, Verdict.PROVED, "reachable: this flow is accepted", flow, ev,
                              flow_notes(self.sem, flow, notes))
            empty = self._empty(a, base)
            if empty:
                return empty
            flow, values = self._witness(self._solver(base), f, target, local_pref=True,
                                         hints=self._spaces([target], [a.flows]))
            ev = replay(self.sem, a, target, flow, values, False)
            return Result(a, Verdict.VIOLATED, "no flow of the set is accepted; for example this "
                          "one is dropped", flow, ev, flow_notes(self.sem, flow, notes), code="E301")
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
        ev = replay(self.sem, a, target, flow, values, expect)
        self._check_definite(sure, [(target, flow)], expect)
        # Past MAX_UNRESOLVED lists the solver does not look for a flow that breaks the
        # assertion whatever they hold; the evaluator still settles the flow it found.
        sure = sure or settled(target, flow, self.sem, expect)
        if not sure:
            return depends_on_lists(a, flow, ev)
        return Result(a, Verdict.VIOLATED, what, flow, ev, flow_notes(self.sem, flow, notes), code="E301")

    def _box_flow(self, a: FlowAssertion, want: bool, universe: frozenset[GroupKey]
                  ) -> Flow | object | None:
        """The canonical flow of ``a``'s set that the interface accepts (``want``) or
        drops, by boxes: a Flow, ``_NONE`` when the boxes prove there is none, None when
        the boxes were not used (off, unresolved lists, groups in an allowed set, too
        many boxes)."""
        if not self.boxes or unresolved_names(a.target):
            return None
        groups = tuple(id(g) for g in a.target.groups)
        if self._finder is None or groups != self._finder_for:
            # what the search keeps is per interface (rule boxes in its dimensions,
            # regions): made again for the next one rather than kept for every one
            self._finder, self._finder_for = BoxSearch(self.policy, self.timeout_ms), groups
        try:
            flow = exact_pin.canonical_flow(self._finder, a, want, universe, BOX_LIMIT)
        except (ValueError, BudgetExceeded):
            return None
        return _NONE if flow is None else flow

    def _none_by_boxes(self, a: FlowAssertion, universe: frozenset[GroupKey]) -> Result | None:
        """The result when the boxes found no flow that breaks ``a`` (for 'is reachable':
        no accepted flow). The solver proves there is none, with one check and only the
        decision of the set's direction when it has one. That the set is not empty, and the
        dropped flow shown for a refuted 'is reachable', come from the boxes (the canonical
        flow of the set: the one the solver's preferences pick) and are re-checked by the
        evaluator. None when the boxes cannot give that flow: the caller's solver path
        then does it all."""
        target = a.target
        assert self._finder is not None
        try:
            flow = exact_pin.some_flow(self._finder, a, universe, BOX_LIMIT)
        except (ValueError, BudgetExceeded):
            return None
        if flow is None:
            return None
        f = SymFlow(universe=universe)
        only = _only_direction(a.flows)
        src, dst = single_sides(f, target.group_keys, only)
        base = z3.And(well_formed(target, f), flow_set(a.flows, f, src, dst, peer=peer_side(f)))
        acc = self._accepted(target, f) if only is None else \
            self._decision(target, only, single_view(f), "single")
        if a.check is Check.ALL_ALLOWED:
            goal = z3.Not(acc)
        elif a.check is Check.ONLY:
            assert a.only is not None
            goal = z3.And(acc, z3.Not(flow_set(a.only, f, src, dst, peer=peer_side(f))))
        else:
            goal = acc
        notes = flowset_notes(self.sem, a.flows, a.check)
        if require(self._solver(base, goal)):
            _disagree(_NONE, "an accepted flow" if a.check is Check.SOME_ALLOWED
                      else "a counterexample")
        if a.check is Check.SOME_ALLOWED:
            ev = replay(self.sem, a, target, flow, {}, False, by="box search")
            return none_accepted(self.sem, a, flow, ev, notes)
        problem = flow_problem(flow, target)
        if problem or not in_flow_set(a.flows, flow, target.group_keys):
            raise InternalError(f"the box search produced a flow outside the set of the "
                                f"assertion ({flow}): {problem or 'not in the flow set'}")
        return Result(a, Verdict.PROVED, "proved", notes=notes)

    def _box_result(self, a: FlowAssertion, flow: Flow, accepted: bool) -> Result:
        """The result for a flow the boxes found, replayed through the evaluator exactly as
        a solver's counterexample or witness is."""
        ev = replay(self.sem, a, a.target, flow, {}, accepted)
        return flow_result(self.sem, a, flow, ev, flowset_notes(self.sem, a.flows, a.check))

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

    def _empty(self, a: Assertion, base: z3.BoolRef) -> Result | None:
        if require(self._solver(base)):
            return None
        return empty_set(a)

    def _witness(self, s: z3.Solver, f: SymFlow, target: Target | None, local_pref: bool,
                 hints: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
                 ) -> tuple[Flow, dict[str, bool]]:
        in_group = z3.Or(list(f.groups.values())) if f.groups else None
        prefs = field_prefs(f) + address_prefs(f.peer4, f.peer6, f.v6, peer=True,
                                               in_group=in_group, hints=hints)
        if local_pref:
            prefs += address_prefs(f.local4, f.local6, f.v6, peer=False, avoid=(f.peer4, f.peer6),
                                   hints=hints)
        model = choose(s, prefs, self.timeout_ms)
        return decode(model, f), atoms_of(model)

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
                      flow_set(fs, f, FlowEnd(src4, src6, _no_groups, _no_groups),
                               FlowEnd(dst4, dst6, _no_groups, _no_groups), direction=Direction.EGRESS)]
        if src_t.network is Network.CLASSIC:
            base_parts.append(z3.Not(f.v6))
        base = z3.And(base_parts)
        both = z3.And(acc_a, acc_b)
        empty = self._empty(a, base)
        if empty:
            return empty
        notes = (REACH_NOTE,) + flowset_notes(self.sem, fs, a.check, egress=True)
        atoms = [("sender:", n) for n in unresolved_names(src_t)] + \
                [("receiver:", n) for n in unresolved_names(dst_t)]
        if a.check is Check.SOME_ALLOWED:
            found = self._search(base, both, atoms)
            if found is not None:
                flow_a, ev, ev_sure = self._reach_evidence(a, found[0], f, expect=True)
                if not self._agree(found[1], ev_sure):
                    return depends_on_lists(a, flow_a, ev)
                return Result(a, Verdict.PROVED, "reachable: this connection passes both interfaces",
                              flow_a, ev, flow_notes(self.sem, flow_a, notes))
            flow_a, ev, _ = self._reach_evidence(a, self._solver(base), f, expect=False)
            return Result(a, Verdict.VIOLATED, "no connection of the set passes; for example this "
                          "one is blocked", flow_a, ev, flow_notes(self.sem, flow_a, notes), code="E301")
        violation = z3.Not(both) if a.check is Check.ALL_ALLOWED else both
        found = self._search(base, violation, atoms)
        if found is None:
            return Result(a, Verdict.PROVED, "proved", notes=notes)
        expect = a.check is not Check.ALL_ALLOWED
        flow_a, ev, ev_sure = self._reach_evidence(a, found[0], f, expect=expect)
        if not self._agree(found[1], ev_sure):
            return depends_on_lists(a, flow_a, ev)
        what = "this connection passes both interfaces" if expect else "this connection is blocked"
        return Result(a, Verdict.VIOLATED, what, flow_a, ev, flow_notes(self.sem, flow_a, notes), code="E301")

    def _reach_evidence(self, a: ReachAssertion, s: z3.Solver, f: SymFlow,
                        expect: bool) -> tuple[Flow, tuple[Evidence, ...], bool]:
        """(sender's flow, evidence of both interfaces, definite?) for a reach witness."""
        prefs = field_prefs(f, direction=False) + \
            address_prefs(f.peer4, f.peer6, f.v6, peer=False,
                           hints=self._spaces([a.src.target, a.dst.target], [a.flows])) + \
            address_prefs(f.local4, f.local6, f.v6, peer=False, avoid=(f.peer4, f.peer6),
                           hints=self._spaces([a.src.target, a.dst.target], [a.flows]))
        model = choose(s, prefs, self.timeout_ms)
        atoms = atoms_of(model)
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
            dec = decide(t, flow, self.sem, {n: atoms.get(tag + n, False) for n in unresolved_names(t)})
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
        names = sorted(set(unresolved_names(left_free)) | set(unresolved_names(right_free)))
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
            dec = decide(t, flow, self.sem, {n: atoms.get(n, False) for n in unresolved_names(t)})
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
            return depends_on_lists(a, flow, tuple(evidence))
        what = (f"{left.name} {'accepts' if l_acc else 'drops'} this flow, {right.name} "
                f"{'accepts' if r_acc else 'drops'} it")
        return Result(a, Verdict.VIOLATED, what, flow, tuple(evidence), flow_notes(self.sem, flow, notes),
                      code="E301")


_NONE = object()  # the boxes found no flow (the solver must then prove there is none)
KEPT_INTERFACES = 8  # interfaces whose solver encodings are kept for later assertions
BOX_LIMIT = 50_000  # boxes the canonical search may make before the solver takes over


def _disagree(by_boxes: object, what: str) -> None:
    """The solver found ``what`` where the boxes proved there is none: a bug in one."""
    if by_boxes is _NONE:
        raise InternalError(f"the solver finds {what} that the box decomposition says does "
                            "not exist")


def _no_groups(_key: object) -> z3.BoolRef:
    """Group constraints on the ends of a reach query (refused earlier) never hold."""
    return z3.BoolVal(False)


def _only_direction(fs: FlowSet) -> Direction | None:
    return next(iter(fs.directions)) if fs.directions is not None and len(fs.directions) == 1 else None
