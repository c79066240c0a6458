"""Finding flows with the exact box search on many interfaces at once, without Z3.

Rules that cannot match any flow of an assertion's set are left out before the search
(decided per group once, then pooled per interface), which is what makes a fleet of a
thousand 200-rule groups quick. ``BoxSearch.canonical_flow`` gives the flow the solver's
preferences would pick (``canonical``); ``prove.box_prover`` builds verdicts on it. Rules
with unresolved prefix or port lists are outside the boxes: ``bounds`` replaces them by
rules that bound every content of the lists.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ...core.addresses import ANY, V4, V6
from ...core.flow import Flow
from ...core.model import (
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
    flowset_keys,
)
from .canonical import canonical
from .certify import EndLayout, Layout, flowset_boxes
from .intervals import Budget, carve
from .search import (
    DIR,
    DPORT,
    NIC,
    PEER,
    PROTO,
    SPORT,
    default_accepts,
    pinned_groups,
    region,
    region_layout,
    search_all,
    set_boxes,
    steps,
)

BOX_BUDGET = 200_000
DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)


# the peer's groups that a flow set fixes for a direction (``search.pinned_groups``)
Pin = Callable[[FlowSet, Direction], "frozenset[GroupKey] | None"]


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
    return PooledTarget(target.name, target.kind, target.groups, target.local, target.span,
                        target.private, target.public)


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
    peer, local = EndLayout(PEER, None, peer=True), EndLayout(7, frozenset())
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
        k = bisect_right(self.los, hi) - 1
        return k >= 0 and self.ivs[k][1] >= lo


class BoxSearch:
    """The box search over the interfaces of ``policy``, with what it can share between
    searches: per group, which rules can matter to which flow set; regions by addresses;
    each rule's boxes. ``timeout_ms`` is for a Z3 fallback of a prover built on it."""

    def __init__(self, policy: Policy, timeout_ms: int | None = None) -> None:
        self.policy = policy
        self.sem = policy.semantics
        self.timeout_ms = timeout_ms
        self._summaries: dict[int, Filter] = {}
        self._kept: dict[tuple[int, int, int], tuple[Rule, ...]] = {}
        self._by_direction: dict[tuple[int, Direction], tuple[Rule, ...]] = {}
        self._unknown: dict[int, bool] = {}
        self._regions: dict[tuple[object, ...], list] = {}
        self.boxes: dict = {}  # rule boxes, shared by every search (search.RuleBoxes)
        self._keep: list[object] = []  # keeps summarised flow sets alive (ids are keys)
        self._nic: dict[int, FlowSet] = {}
        self._variants: dict[tuple[int, str], PooledTarget] = {}

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
                                                     target.local, target.span, target.private,
                                                     target.public)
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
               target.private, target.public,
               target.group_keys if layout.keys else None)
        hit = self._regions.get(key)
        if hit is None:
            hit = self._regions[key] = region(layout, target, fs, direction, pinned, budget)
        return hit

    def canonical_flow(self, a: FlowAssertion, want: bool, universe: frozenset[GroupKey],
                       budget: int, pin: Pin = pinned_groups,
                       rules: Callable[[Direction], list[Rule]] | None = None) -> Flow | None:
        """The solver's canonical flow (``canonical``) among the flows of ``a``'s set that
        ``a.target`` accepts (``want``) or drops, outside ``a.only`` for an ``only``
        assertion; None when there is none. Raises ``BudgetExceeded`` past ``budget``
        boxes, and ``ValueError`` for what the boxes here do not cover (unresolved lists,
        an allowed set that names groups): callers then ask the solver. ``pin`` gives the
        peer's groups a direction fixes and ``rules`` the rules that can matter (by
        default ``self.rules``): ``exact_pin`` passes its exact ones."""
        target = pooled(a.target)
        if self.has_unknowns(target) or (a.only is not None and mentions_groups(a.only)):
            raise ValueError("not for boxes")
        spent = Budget(budget)
        for d in DIRECTIONS:
            if a.flows.directions is not None and d not in a.flows.directions:
                continue
            pinned = pin(a.flows, d)
            kept = rules(d) if rules is not None else self.rules(target, a.flows, d)
            layout = region_layout(target, kept, a.flows, pinned)
            if a.only is not None:
                layout = with_keys(layout, a.only, pinned)
            if layout.atoms:
                raise ValueError("not for boxes")
            boxes = self.region(layout, target, a.flows, d, pinned, spent)
            if a.check is Check.ONLY and a.only is not None:
                _, boxes = carve(boxes, set_boxes(layout, target, a.only, d, pinned), spent)
            found = search_all(boxes, steps(layout, target, kept, self.sem, d, pinned, self.boxes),
                               default_accepts(target, d), want, spent)
            if found:
                return canonical(found, layout.keys, sorted(universe), pinned)
        return None


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


def mentions_groups(fs: FlowSet) -> bool:
    if fs.peer_groups is not None:
        return True
    return any(t.member_of is not None or t.groups_exactly is not None
               for terms in (fs.src, fs.dst) for t in terms or ())


def with_keys(layout: Layout, fs: FlowSet, pinned: frozenset[GroupKey] | None) -> Layout:
    if pinned is not None:
        return layout
    return Layout(tuple(sorted(set(layout.keys) | flowset_keys(fs))), ())


__all__ = ["BoxSearch", "PooledTarget", "Summary", "bounds", "pooled", "relevant", "summarise"]
