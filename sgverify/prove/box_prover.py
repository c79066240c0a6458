"""Deciding a flow assertion on one interface without Z3, for many interfaces at once.

``Engine.check`` proves or refutes a ``FlowAssertion`` with the exact box search of
``search``. Rules that cannot match any flow of the assertion's set are left out before
the search (decided per group once, then pooled per interface), which is what makes a
fleet of a thousand 200-rule groups quick. Every counterexample or witness is replayed
through the plain-Python evaluator (``evaluate.decide``) on the full interface, as
``query.Checker`` does; a disagreement is an internal error (E901), never a pass.
Interfaces whose rules use unresolved prefix or port lists, and searches that outgrow
their box budget, go to the Z3 ``Checker``, which handles them (unknown when it must).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..core.addresses import ANY, V4, V6
from ..engines.boxes.intervals import Budget, BudgetExceeded
from ..engines.boxes.certify import Layout, Side, flowset_boxes
from ..core.diagnostics import REPORT_BUGS, InternalError
from ..core.evaluate import decide
from ..core.flow import Flow, flow_problem
from ..core.model import (
    Action,
    Check,
    Direction,
    FlowAssertion,
    FlowSet,
    Group,
    GroupKey,
    Nic,
    Policy,
    Rule,
    Target,
)
from ..engines.boxes.canonical import canonical
from .prover import TCP25_NOTE, Checker, flowset_keys
from ..core.result import Evidence, Result, Verdict
from ..engines.boxes.intervals import carve
from ..engines.boxes.search import (
    DIR,
    DPORT,
    NIC,
    PEER,
    PROTO,
    SPORT,
    best_flow,
    default_accepts,
    pinned_groups,
    region,
    region_layout,
    search,
    search_all,
    set_boxes,
    steps,
)

BOX_BUDGET = 200_000
VACUOUS = "vacuous: the flow set is empty on this interface"
DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)


@dataclass(frozen=True)
class PooledTarget(Target):
    """A ``Target`` that sorts its pooled rules once per direction (the evaluator asks for
    them on every flow); the rules and their order are exactly ``Target.rules``."""

    memo: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        hit = self.memo.get(direction)
        if hit is None:
            hit = self.memo[direction] = super().rules(direction)
        return hit


def pooled(target: Target) -> PooledTarget:
    if isinstance(target, PooledTarget):
        return target
    return PooledTarget(target.name, target.kind, target.groups, target.local, target.span)


@dataclass(frozen=True)
class Summary:
    """What a flow set can contain, field by field (a superset), to rule rules out fast."""

    directions: frozenset[Direction]
    nics: frozenset[Nic]
    protocols: tuple[tuple[int, int], ...]
    dports: tuple[tuple[int, int], ...]
    sports: tuple[tuple[int, int], ...]
    peers: dict[int, tuple[tuple[int, int], ...]]
    pinned: dict[Direction, frozenset[GroupKey] | None]


def _union(ivs: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ivs):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return tuple(out)


def _meets(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> bool:
    for lo, hi in a:
        for x, y in b:
            if lo <= y and x <= hi:
                return True
    return False


def summarise(fs: FlowSet) -> Summary:
    """Per-field bounds of ``fs`` (group conditions aside)."""
    layout = Layout((), ())
    peer, local = Side(PEER, None, peer=True), Side(7, frozenset())
    sides = {Direction.INGRESS: (peer, local), Direction.EGRESS: (local, peer)}
    loose = replace(fs, peer_groups=None, src=_loose(fs.src), dst=_loose(fs.dst))
    boxes = flowset_boxes(layout, loose, sides)
    dirs = frozenset(Direction.INGRESS if b[DIR][0][0] == 0 else Direction.EGRESS for b in boxes)
    nics = set()
    for b in boxes:
        for lo, hi in b[NIC]:
            nics |= {Nic.INTRANET, Nic.INTERNET} if lo != hi else {Nic.INTERNET if lo else Nic.INTRANET}
    peers: dict[int, list[tuple[int, int]]] = {V4: [], V6: []}
    for b in boxes:
        for fb, fam in ((0, V4), (1, V6)):
            if any(lo <= fb <= hi for lo, hi in b[2]):
                peers[fam] += list(b[PEER])
    return Summary(dirs, frozenset(nics), _union([x for b in boxes for x in b[PROTO]]),
                   _union([x for b in boxes for x in b[DPORT]]),
                   _union([x for b in boxes for x in b[SPORT]]),
                   {f: _union(v) for f, v in peers.items()},
                   {d: pinned_groups(fs, d) for d in DIRECTIONS})


def _loose(terms):  # type: ignore[no-untyped-def]
    """Endpoint terms with group conditions dropped (a superset, for bounds only)."""
    if terms is None:
        return None
    return tuple(replace(t, member_of=None, groups_exactly=None) for t in terms)


def relevant(rule: Rule, s: Summary) -> bool:
    """Can ``rule`` match a flow of the summarised set? (False only when it cannot.)"""
    if rule.direction not in s.directions or rule.nic not in s.nics:
        return False
    if rule.protocol is not None and not _meets(((rule.protocol, rule.protocol),), s.protocols):
        return False
    if rule.ports is not None and not _meets([(p.lo, p.hi) for p in rule.ports], s.dports):
        return False
    if rule.source_ports is not None and not _meets([(p.lo, p.hi) for p in rule.source_ports], s.sports):
        return False
    pinned = s.pinned.get(rule.direction)
    if pinned is None or rule.peer.unresolved:
        return True
    if rule.nic is Nic.INTRANET and rule.peer.groups & pinned:
        return True
    return any(_meets([(r.lo, r.hi)], s.peers[r.family]) for r in rule.peer.addresses)


class Filter:
    """``relevant`` for one summary, quick: protocols as a set, port and address bounds
    searched by bisection."""

    def __init__(self, s: Summary) -> None:
        self.s = s
        self.protocols = frozenset(p for lo, hi in s.protocols for p in range(lo, hi + 1))
        self.dports = _Bounds(s.dports)
        self.sports = _Bounds(s.sports)
        self.peers = {f: _Bounds(v) for f, v in s.peers.items()}

    def __call__(self, rule: Rule) -> bool:
        s = self.s
        if rule.direction not in s.directions or rule.nic not in s.nics:
            return False
        if rule.protocol is not None and rule.protocol not in self.protocols:
            return False
        if rule.ports is not None and not any(self.dports.meets(p.lo, p.hi) for p in rule.ports):
            return False
        if rule.source_ports is not None and not any(self.sports.meets(p.lo, p.hi)
                                                     for p in rule.source_ports):
            return False
        pinned = s.pinned.get(rule.direction)
        if pinned is None or rule.peer.unresolved:
            return True
        if rule.nic is Nic.INTRANET and not pinned.isdisjoint(rule.peer.groups):
            return True
        return any(self.peers[r.family].meets(r.lo, r.hi) for r in rule.peer.addresses)


class _Bounds:
    def __init__(self, ivs: Sequence[tuple[int, int]]) -> None:
        self.ivs = list(ivs)
        self.los = [lo for lo, _ in ivs]

    def meets(self, lo: int, hi: int) -> bool:
        from bisect import bisect_right
        k = bisect_right(self.los, hi) - 1
        return k >= 0 and self.ivs[k][1] >= lo


class Engine:
    """Checks flow assertions on the interfaces of ``policy``; caches per group which
    rules matter to which flow set. ``timeout_ms`` is for the Z3 fallback."""

    def __init__(self, policy: Policy, timeout_ms: int | None = None) -> None:
        self.policy = policy
        self.sem = policy.semantics
        self.timeout_ms = timeout_ms
        self._summaries: dict[int, Filter] = {}
        self._kept: dict[tuple[int, int, int], tuple[Rule, ...]] = {}
        self._by_direction: dict[tuple[int, Direction], tuple[Rule, ...]] = {}
        self._unknown: dict[int, bool] = {}
        self._regions: dict[tuple[object, ...], list] = {}
        self._checker: Checker | None = None
        self.boxes: dict = {}  # rule boxes, shared by every search (search.RuleBoxes)
        self._keep: list[object] = []  # keeps summarised flow sets alive (ids are keys)
        self._nic: dict[int, FlowSet] = {}
        self._variants: dict[tuple[int, str], PooledTarget] = {}

    @property
    def checker(self) -> Checker:
        if self._checker is None:
            self._checker = Checker(self.policy, self.timeout_ms)
        return self._checker

    def on_internet_nic(self, fs: FlowSet) -> FlowSet:
        """``fs`` restricted to the internet NIC, made once per flow set (the caches here
        are keyed by flow-set identity)."""
        hit = self._nic.get(id(fs))
        if hit is None:
            hit = self._nic[id(fs)] = replace(fs, nic=Nic.INTERNET)
            self._keep.append(fs)
        return hit

    def variant(self, target: Target, kind: str) -> PooledTarget:
        """``target`` with its unresolved lists replaced by what bounds every content of
        them (``bounds``; kind "closed" or "open"), made once per target."""
        key = (id(target), kind)
        hit = self._variants.get(key)
        if hit is None:
            groups = tuple(replace(g, rules=tuple(x for x in (bounds(r, kind) for r in g.rules)
                                                  if x is not None)) for g in target.groups)
            hit = self._variants[key] = PooledTarget(target.name, target.kind, groups,
                                                     target.local, target.span)
            self._keep.append(target)
        return hit

    def summary(self, fs: FlowSet) -> Filter:
        hit = self._summaries.get(id(fs))
        if hit is None:
            hit = self._summaries[id(fs)] = Filter(summarise(fs))
            self._keep.append(fs)
        return hit

    def rules(self, target: Target, fs: FlowSet, direction: Direction) -> list[Rule]:
        """The target's rules of ``direction`` that can match a flow of ``fs``, in
        precedence order."""
        keep = self.summary(fs)
        kept: list[Rule] = []
        for g in target.groups:
            key = (id(g), id(fs), direction is Direction.INGRESS)
            hit = self._kept.get(key)
            if hit is None:
                hit = self._kept[key] = tuple(filter(keep, self._direction(g, direction)))
            kept += hit
        if len(target.groups) == 1:
            kept.sort(key=lambda r: (r.priority, r.action is Action.ACCEPT, r.index))
        else:
            order = {g.key: i for i, g in enumerate(target.groups)}
            kept.sort(key=lambda r: (r.priority, r.action is Action.ACCEPT, order[r.group], r.index))
        return kept

    def _direction(self, g: Group, direction: Direction) -> tuple[Rule, ...]:
        key = (id(g), direction)
        hit = self._by_direction.get(key)
        if hit is None:
            hit = self._by_direction[key] = tuple(r for r in g.rules if r.direction is direction)
        return hit

    def has_unknowns(self, target: Target) -> bool:
        hit = self._unknown.get(id(target))
        if hit is None:
            hit = self._unknown[id(target)] = any(r.unknowns for g in target.groups for r in g.rules)
            self._keep.append(target)
        return hit

    def region(self, layout: Layout, target: Target, fs: FlowSet, direction: Direction,
               pinned: frozenset[GroupKey] | None, budget: Budget) -> list:
        """``search.region``, shared between targets with the same addresses and network."""
        key = (id(fs), direction, pinned, layout.keys, target.network, target.local,
               target.group_keys if layout.keys else None)
        hit = self._regions.get(key)
        if hit is None:
            hit = self._regions[key] = region(layout, target, fs, direction, pinned, budget)
        return hit

    # ------------------------------------------------------------ one assertion
    def check(self, a: FlowAssertion) -> Result:
        """Prove or refute ``a`` (same verdicts as ``Checker.flow_assertion``; the
        counterexample may differ, it is chosen by this engine's own preferences)."""
        start = time.perf_counter()
        target = pooled(a.target)
        a = replace(a, target=target)
        try:
            if self.has_unknowns(target):
                result = self.checker.run(a)
            else:
                result = self._boxes(a, target)
        except BudgetExceeded:
            result = self.checker.run(a)
        except InternalError as exc:
            result = Result(a, Verdict.ERROR, f"internal error: {exc}; {REPORT_BUGS}", code="E901")
        return replace(result, elapsed=time.perf_counter() - start)

    def canonical_flow(self, a: FlowAssertion, want: bool, universe: frozenset[GroupKey],
                       budget: int) -> Flow | None:
        """The solver's canonical flow (``canonical``) among the flows of ``a``'s set that
        ``a.target`` accepts (``want``) or drops, outside ``a.only`` for an ``only``
        assertion; None when there is none. Raises ``BudgetExceeded`` past ``budget``
        boxes, and ``ValueError`` for what the boxes here do not cover (unresolved lists,
        an allowed set that names groups): callers then ask the solver."""
        target = pooled(a.target)
        if self.has_unknowns(target) or (a.only is not None and _mentions_groups(a.only)):
            raise ValueError("not for boxes")
        spent = Budget(budget)
        for d in DIRECTIONS:
            if a.flows.directions is not None and d not in a.flows.directions:
                continue
            pinned = pinned_groups(a.flows, d)
            rules = self.rules(target, a.flows, d)
            layout = region_layout(target, rules, a.flows, pinned)
            if a.only is not None:
                layout = _with_keys(layout, a.only, pinned)
            if layout.atoms:
                raise ValueError("not for boxes")
            boxes = self.region(layout, target, a.flows, d, pinned, spent)
            if a.check is Check.ONLY and a.only is not None:
                _, boxes = carve(boxes, set_boxes(layout, target, a.only, d, pinned), spent)
            found = search_all(boxes, steps(layout, target, rules, self.sem, d, pinned, self.boxes),
                               default_accepts(target, d), want, spent)
            if found:
                return canonical(found, layout.keys, sorted(universe), pinned)
        return None

    def _boxes(self, a: FlowAssertion, target: PooledTarget) -> Result:
        budget = Budget(BOX_BUDGET)
        want = a.check is not Check.ALL_ALLOWED
        only_groups = a.only is not None and _mentions_groups(a.only)
        any_flow = False
        dropped_example: tuple[Flow, Rule | None] | None = None
        for d in DIRECTIONS:
            if a.flows.directions is not None and d not in a.flows.directions:
                continue
            pinned = None if only_groups else pinned_groups(a.flows, d)
            rules = self.rules(target, a.flows, d)
            layout = region_layout(target, rules, a.flows, pinned)
            if a.only is not None:
                layout = _with_keys(layout, a.only, pinned)
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
                ev = self._replay(a, target, flow, want, found.step.rule)
                return self._result(a, flow, ev, want)
            if a.check is Check.SOME_ALLOWED and dropped_example is None:
                other = search(boxes, steps(layout, target, rules, self.sem, d, pinned, self.boxes),
                               default, False, budget)
                if other is not None:
                    dropped_example = (best_flow(layout, other.boxes, pinned), other.step.rule)
        notes = self._flowset_notes(a)
        if not any_flow:
            if a.check is Check.SOME_ALLOWED:  # nothing can be reachable in an empty set
                return Result(a, Verdict.ERROR, "the flow set of this assertion is empty on "
                              f"{target.name} (no real flow matches it), so there is nothing to "
                              "prove", code="E124")
            return Result(a, Verdict.PROVED, "proved (no flow of the set can occur on "
                          f"{target.name})", notes=notes + (VACUOUS,))
        if a.check is Check.SOME_ALLOWED:
            if dropped_example is None:
                raise InternalError(f"no flow of a non-empty set is accepted or dropped on {target.name}")
            flow, rule = dropped_example
            ev = self._replay(a, target, flow, False, rule)
            return Result(a, Verdict.VIOLATED, "no flow of the set is accepted; for example this "
                          "one is dropped", flow, ev, self._notes(flow, notes), code="E301")
        return Result(a, Verdict.PROVED, "proved", notes=notes)

    def _result(self, a: FlowAssertion, flow: Flow, ev: tuple[Evidence, ...], accepted: bool) -> Result:
        notes = self._notes(flow, self._flowset_notes(a))
        if a.check is Check.SOME_ALLOWED:
            return Result(a, Verdict.PROVED, "reachable: this flow is accepted", flow, ev, notes)
        what = {Check.ALL_ALLOWED: "this flow is dropped", Check.ALL_DENIED: "this flow is accepted",
                Check.ONLY: "this flow is accepted but lies outside the allowed set"}[a.check]
        return Result(a, Verdict.VIOLATED, what, flow, ev, notes, code="E301")

    def _replay(self, a: FlowAssertion, target: Target, flow: Flow, accepted: bool,
                rule: Rule | None) -> tuple[Evidence, ...]:
        problem = flow_problem(flow, target)
        if problem:
            raise InternalError(f"the box search produced an impossible flow ({flow}): {problem}")
        from ..core.evaluate import in_flow_set
        if not in_flow_set(a.flows, flow, target.group_keys):
            raise InternalError(f"flow {flow} is not in the assertion's flow set")
        if a.check is Check.ONLY and a.only is not None and in_flow_set(a.only, flow, target.group_keys):
            raise InternalError(f"counterexample {flow} lies inside the allowed set")
        dec = decide(target, flow, self.sem, {})
        if dec.accepted is not accepted:
            raise InternalError(f"the box search and the evaluator disagree on {flow} for "
                                f"{target.name}: search says {'accept' if accepted else 'drop'}, "
                                f"the evaluator says {dec.action.value} ({dec.describe()})")
        if rule is not None and dec.rule is not rule:
            raise InternalError(f"the box search and the evaluator disagree on which rule decides "
                                f"{flow} on {target.name}")
        return (Evidence(target.name, target, flow, dec),)

    def _flowset_notes(self, a: FlowAssertion) -> tuple[str, ...]:
        """The TCP 25 note exactly as ``query.Checker`` gives it (semantics.md, section
        3.6): only on proofs that the block could make false."""
        return self.checker._flowset_notes(a.flows, a.check)

    def _notes(self, flow: Flow, extra: tuple[str, ...]) -> tuple[str, ...]:
        notes = list(extra)
        if not self.sem.block_tcp25 and flow.protocol == 6 and flow.dst_port == 25 \
                and TCP25_NOTE not in notes:
            notes.append(TCP25_NOTE)
        return tuple(notes)


def bounds(rule: Rule, kind: str) -> Rule | None:
    """``rule`` without unresolved lists, bounding what it does for every content of them:
    "closed" accepts no more and drops no less than any content (an accept matches only
    its known peers, a drop every peer and port), "open" the reverse. None: the rule
    matches nothing. So a flow the closed interface accepts is accepted whatever the
    lists hold, and one the open interface drops is dropped whatever they hold."""
    if not rule.unknowns:
        return rule
    widen = (rule.action is Action.ACCEPT) is (kind == "open")
    if widen:
        peer = replace(rule.peer, addresses=ANY, unresolved=()) if rule.peer.unresolved \
            else rule.peer
        return replace(rule, peer=peer, unresolved_ports=None)
    if rule.unresolved_ports is not None:
        return None
    return replace(rule, peer=replace(rule.peer, unresolved=()))


def _mentions_groups(fs: FlowSet) -> bool:
    if fs.peer_groups is not None:
        return True
    return any(t.member_of is not None or t.groups_exactly is not None
               for terms in (fs.src, fs.dst) for t in terms or ())


def _with_keys(layout: Layout, fs: FlowSet, pinned: frozenset[GroupKey] | None) -> Layout:
    if pinned is not None:
        return layout
    return Layout(tuple(sorted(set(layout.keys) | flowset_keys(fs))), ())


__all__ = ["VACUOUS", "Engine", "PooledTarget", "Summary", "bounds", "pooled", "relevant", "summarise"]
