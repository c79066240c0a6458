"""The certifier: decides assertions without Z3, by splitting the flow space into boxes on
which one rule (or default) decides, in precedence order.

It shares only the model (``model``) and the address definitions (``addresses``) with
the solver path, so a disagreement between ``certify_result`` and a proof exposes a bug
in one of them. It is exact but can grow with the policy; past a box budget it gives up
('not certified'), it never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Mapping, Sequence

from ...core.addresses import INTERNET, MAX, V4, V6
from ...core.flow import Flow
from ...core.model import (
    ICMP,
    ICMPV6,
    PORT_PROTOCOLS,
    TCP,
    Action,
    Assertion,
    Check,
    CompareAssertion,
    Direction,
    EndpointTerm,
    FlowAssertion,
    FlowSet,
    GroupKey,
    GroupType,
    Network,
    Nic,
    PortRange,
    ReachAssertion,
    Rule,
    Semantics,
    Target,
)
from .intervals import (
    Box,
    Budget,
    BudgetExceeded,
    Intervals,
    addr_intervals,
    box_and,
    carve,
    disjoint,
    iv,
    iv_sub,
    lowest,
    normalise,
    point,
)
from .intervals import cross as _cross

DIR, NIC, FAM, PROTO, DPORT, SPORT, PEER, LOCAL = range(8)
FULL: dict[int, Intervals] = {
    DIR: iv((0, 1)), NIC: iv((0, 1)), FAM: iv((0, 1)), PROTO: iv((0, 255)),
    DPORT: iv((0, 65535)), SPORT: iv((0, 65535)), PEER: iv((0, MAX[V6])), LOCAL: iv((0, MAX[V6])),
}
FAMILIES = ((0, V4), (1, V6))
# The dimensions whose hulls most often tell rule boxes apart (``carve``'s hull test).
QUICK = (DIR, PROTO, DPORT, PEER, FAM)
PORT_PROTOS = normalise((p, p) for p in PORT_PROTOCOLS)


@dataclass(frozen=True)
class Layout:
    """Which dimension is which: the eight flow fields, then one bit per peer group of the
    universe, then one bit per unresolved list (its membership)."""

    keys: tuple[GroupKey, ...]
    atoms: tuple[str, ...]

    @property
    def size(self) -> int:
        return 8 + len(self.keys) + len(self.atoms)

    def full(self) -> Box:
        return tuple(FULL[i] for i in range(8)) + (iv((0, 1)),) * (len(self.keys) + len(self.atoms))

    @cached_property
    def _key_dims(self) -> dict[GroupKey, int]:
        """Each key's dimension (first occurrence), asked per box by witnesses and regions."""
        out: dict[GroupKey, int] = {}
        for i, k in enumerate(self.keys):
            out.setdefault(k, 8 + i)
        return out

    @cached_property
    def _atom_dims(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, a in enumerate(self.atoms):
            out.setdefault(a, 8 + len(self.keys) + i)
        return out

    def key_dim(self, key: GroupKey) -> int | None:
        return self._key_dims.get(key)

    @cached_property
    def key_pairs(self) -> tuple[tuple[GroupKey, int], ...]:
        """Each of ``keys`` in order with its ``key_dim``: for the loops over every key of
        a box (witnesses, views), which would otherwise hash each key once per box."""
        dims = self._key_dims
        return tuple((k, dims[k]) for k in self.keys)

    def bit(self, key: GroupKey) -> int:
        """The dimension of a key of the universe."""
        dim = self._key_dims.get(key)
        if dim is None:
            raise ValueError(f"{key!r} is not in the layout")
        return dim

    def atom_dim(self, name: str) -> int:
        dim = self._atom_dims.get(name)
        if dim is None:
            raise ValueError(f"{name!r} is not in the layout")
        return dim

    def make(self, **dims: Intervals) -> Box:
        box = list(self.full())
        for name, value in dims.items():
            box[int(name[1:])] = value
        return tuple(box)


def _set(box: Box | None, dim: int, value: Intervals) -> Box | None:
    """``box`` with dimension ``dim`` narrowed to ``value`` (None if that is empty)."""
    if box is None or not value:
        return None
    out = list(box)
    out[dim] = value
    return box_and(box, tuple(out))


def _restrict(boxes: Iterable[Box | None], dim: int, value: Intervals) -> list[Box]:
    out = []
    for b in boxes:
        if b is not None:
            r = _set(b, dim, value)
            if r is not None:
                out.append(r)
    return out




def _ports(ports: tuple[PortRange, ...] | None) -> Intervals:
    return FULL[DPORT] if ports is None else normalise((p.lo, p.hi) for p in ports)


# ---------------------------------------------------------------- regions


def well_formed(layout: Layout, target: Target | None, use_local: bool = True) -> list[Box]:
    """The flows that can occur (on ``target``), as disjoint boxes."""
    out = []
    classic = target is not None and target.network is Network.CLASSIC
    for fam_bit, fam in FAMILIES:
        if classic and fam == V6:
            continue
        addr = iv((0, MAX[fam]))
        other = normalise([(0, 255)])
        other = tuple(x for x in _sub_points(other, sorted(PORT_PROTOCOLS | {ICMPV6 if fam == V4 else ICMP})))
        for nic in ((0, 1) if classic else (0,)):
            local = addr
            own = target.local_on(Nic.INTERNET if nic else Nic.INTRANET) \
                if target is not None and use_local else None
            if own is not None:  # the NIC's own addresses (Target.local_on)
                local = addr_intervals(own, fam)
                if not local:
                    continue
            base = layout.make(d1=point(nic), d2=point(fam_bit), d6=addr, d7=local)
            if nic == 1:
                for k in layout.keys:
                    base = _set(base, layout.bit(k), point(0)) or base
            with_ports = _set(_set(_set(base, PROTO, PORT_PROTOS), DPORT, iv((1, 65535))), SPORT,
                              iv((1, 65535)))
            no_ports = _set(_set(_set(base, PROTO, other), DPORT, point(0)), SPORT, point(0))
            out += [b for b in (with_ports, no_ports) if b is not None]
    return out


def _sub_points(ivs: Intervals, points: list[int]) -> Intervals:
    return iv_sub(ivs, normalise((p, p) for p in points))


@dataclass(frozen=True)
class EndLayout:
    """How one end of the flow maps onto the layout: its address dimension and its group
    membership: the peer-group bits (``peer``), or a fixed set of groups, or unknown."""

    addr_dim: int
    groups: frozenset[GroupKey] | None
    peer: bool = False

    def fixed_groups(self) -> frozenset[GroupKey]:
        if self.groups is None:
            raise NotCertified("the groups of the interface's own end are not fixed here")
        return self.groups


def flowset_boxes(layout: Layout, fs: FlowSet, sides: dict[Direction, tuple[EndLayout, EndLayout]]) -> list[Box]:
    """``fs`` as boxes (they may overlap). ``sides[d]`` = (source side, destination side)
    for direction d."""
    out: list[Box] = []
    directions = sorted(fs.directions or set(Direction), key=lambda d: d.value)
    for d in directions:
        if d not in sides:
            continue
        bases = [layout.make(d0=point(0 if d is Direction.INGRESS else 1))]
        if fs.services is not None:
            alts = []
            for s in fs.services:
                protos = FULL[PROTO] if s.protocols is None else normalise((p, p) for p in s.protocols)
                b = [layout.make(d3=protos)]
                if s.ports is not None:
                    b = _restrict(_restrict(b, PROTO, PORT_PROTOS), DPORT, _ports(s.ports))
                alts += b
            bases = _cross(bases, alts)
        src, dst = sides[d]
        for terms, side in ((fs.src, src), (fs.dst, dst)):
            if terms is not None:
                bases = _cross(bases, [b for t in terms for b in _endpoint(layout, t, side)])
        if fs.source_ports is not None:
            bases = _restrict(_restrict(bases, PROTO, PORT_PROTOS), SPORT, _ports(fs.source_ports))
        if fs.nic is not None:
            bases = _restrict(bases, NIC, point(1 if fs.nic is Nic.INTERNET else 0))
        if fs.family is not None:
            bases = _restrict(bases, FAM, point(1 if fs.family == V6 else 0))
        if fs.peer_groups is not None:
            peer = src if d is Direction.INGRESS else dst
            bases = _cross(bases, _exact_groups(layout, fs.peer_groups, peer))
        out += bases
    return out


def _exact_groups(layout: Layout, keys: frozenset[GroupKey], side: EndLayout) -> list[Box]:
    if not side.peer:
        return [layout.full()] if side.fixed_groups() == keys else []
    box = layout.full()
    for k in layout.keys:
        box = _set(box, layout.bit(k), point(1 if k in keys else 0)) or box
    return [box]


def _endpoint(layout: Layout, t: EndpointTerm, side: EndLayout) -> list[Box]:
    boxes = [layout.full()]
    if t.addresses is not None:
        boxes = [b for fam_bit, fam in FAMILIES
                 for b in _restrict(_restrict(boxes, FAM, point(fam_bit)), side.addr_dim,
                                    addr_intervals(t.addresses, fam))]
    if t.member_of is not None:
        if not side.peer:
            boxes = boxes if t.member_of in side.fixed_groups() else []
        else:
            dim = layout.key_dim(t.member_of)
            boxes = _restrict(boxes, dim, point(1)) if dim is not None else []
    if t.groups_exactly is not None:
        boxes = _cross(boxes, _exact_groups(layout, t.groups_exactly, side))
    return boxes


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Piece:
    """A box of flows on which one thing decides."""

    box: Box
    accepted: bool
    reason: str  # rule | default | intra-group | platform
    rule: Rule | None = None


def rule_boxes(layout: Layout, rule: Rule, direction_bit: int, peer_dim: int, local_dim: int,
               peer_groups: frozenset[GroupKey] | None) -> list[Box]:
    """The flows ``rule`` matches (boxes may overlap). ``peer_groups`` fixes the peer's
    groups when the peer is a known interface (reach); otherwise group bits decide."""
    base: Box | None = layout.make(d0=point(direction_bit),
                                   d1=point(1 if rule.nic is Nic.INTERNET else 0))
    if rule.protocol is not None:
        base = _set(base, PROTO, point(rule.protocol))
    if base is None:
        return []
    if rule.ports is not None:
        base = _set(base, DPORT, _ports(rule.ports))
    if base is not None and rule.source_ports is not None:
        base = _set(base, SPORT, _ports(rule.source_ports))
    if base is not None and rule.unresolved_ports is not None:
        base = _set(base, layout.atom_dim(rule.unresolved_ports), point(1))
    if base is None:
        return []
    fams = []
    for fam_bit, fam in FAMILIES:
        b = _set(base, FAM, point(fam_bit))
        if b is not None and rule.local is not None:
            b = _set(b, local_dim, addr_intervals(rule.local, fam))
        if b is not None:
            fams.append((fam, b))
    out = []
    for fam, b in fams:
        addr = addr_intervals(rule.peer.addresses, fam)
        if addr:
            x = _set(b, peer_dim, addr)
            if x is not None:
                out.append(x)
        for k in sorted(rule.peer.groups):
            if rule.nic is not Nic.INTRANET:
                continue
            if peer_groups is not None:
                if k in peer_groups:
                    out.append(b)
                continue
            dim = layout.key_dim(k)
            if dim is not None:
                x = _set(b, dim, point(1))
                if x is not None:
                    out.append(x)
        for name in rule.peer.unresolved:
            x = _set(b, layout.atom_dim(name), point(1))
            if x is not None:
                out.append(x)
    return out


def decide_region(layout: Layout, target: Target, sem: Semantics, region: Sequence[Box],
                  budget: Budget, peer_dim: int = PEER, local_dim: int = LOCAL,
                  peer_groups: frozenset[GroupKey] | None = None,
                  cutters: Mapping[int, Sequence[Box]] | None = None,
                  quick: Sequence[int] = (),
                  active: Mapping[int, Sequence[Sequence[int]]] | None = None) -> list[Piece]:
    """Partition ``region`` (disjoint boxes) by what decides, per ``model.Group``'s rules.
    ``cutters``: each rule's ``rule_boxes`` (by id) made earlier with the default
    dimensions, so that deciding many regions of one target makes them once. ``quick``:
    dimensions whose hulls are compared before intersecting (``carve``'s hull test; the same
    pieces). ``active``: the ``active_dims`` of each of ``cutters``' boxes, by rule id
    (``carve``'s ``active``; the same pieces)."""
    pieces: list[Piece] = []
    for direction, dbit in ((Direction.INGRESS, 0), (Direction.EGRESS, 1)):
        rest = _restrict(region, DIR, point(dbit))
        if not rest:
            continue

        def take(cutters: list[Box], accepted: bool, reason: str, rule: Rule | None = None,
                 on: Sequence[Sequence[int]] | None = None) -> None:
            nonlocal rest
            inside, rest = carve(rest, cutters, budget, quick, on)
            pieces.extend(Piece(b, accepted, reason, rule) for b in inside)

        if sem.block_tcp25 and direction is Direction.EGRESS:
            cut = [layout.make(d3=point(TCP), d4=point(25), d2=point(fb),
                               **{f"d{peer_dim}": addr_intervals(INTERNET, fam)})
                   for fb, fam in FAMILIES]
            take(cut, False, "platform")
        shared = group_region(layout, target, peer_groups, open_only=False)
        open_ = group_region(layout, target, peer_groups, open_only=True)
        if sem.intra_group == "override":
            take(open_, True, "intra-group")
        for rule in target.rules(direction):
            if not rest:
                break  # every flow of the region is decided: later rules take nothing
            made = cutters.get(id(rule)) if cutters is not None else None
            on = active.get(id(rule)) if active is not None and made is not None else None
            take(list(made) if made is not None else
                 rule_boxes(layout, rule, dbit, peer_dim, local_dim, peer_groups),
                 rule.action is Action.ACCEPT, "rule", rule, on)
        take(open_, True, "intra-group")
        take(shared, False, "intra-group")
        default = direction is Direction.EGRESS and target.gtype is GroupType.BASIC
        pieces.extend(Piece(b, default, "default") for b in rest)
    return pieces


def group_region(layout: Layout, target: Target, peer_groups: frozenset[GroupKey] | None,
                 open_only: bool) -> list[Box]:
    """Flows whose peer shares one of the target's groups (``open_only``: one whose
    members reach each other), on the internal network; ``peer_groups``: the peer's groups
    when fixed."""
    groups = [g for g in target.groups
              if not open_only or (g.gtype is GroupType.BASIC and g.intra is Action.ACCEPT)]
    base = layout.make(d1=point(0))
    if peer_groups is not None:
        return [base] if any(g.key in peer_groups for g in groups) else []
    out = []
    for g in groups:
        dim = layout.key_dim(g.key)
        if dim is not None:
            out.append(_set(base, dim, point(1)))
    return [b for b in out if b is not None]


# ---------------------------------------------------------------- assertions


class NotCertified(Exception):
    """The certifier cannot decide this assertion (too large, or not supported)."""


def layout_for(targets: Sequence[Target], extra: Iterable[GroupKey]) -> Layout:
    """The layout of flows about ``targets``: every group their rules name or they are in,
    plus ``extra`` keys, and every unresolved list they use."""
    keys: set[GroupKey] = set(extra)
    atoms: set[str] = set()
    for t in targets:
        keys |= t.group_keys
        for g in t.groups:
            for r in g.rules:
                keys |= r.peer.groups
                atoms |= set(r.unknowns)
    return Layout(tuple(sorted(keys)), tuple(sorted(atoms)))


def flowset_group_keys(fs: FlowSet | None) -> set[GroupKey]:
    """The groups a flow set names."""
    keys: set[GroupKey] = set()
    if fs is None:
        return keys
    for terms in (fs.src, fs.dst):
        for t in terms or ():
            if t.member_of:
                keys.add(t.member_of)
            keys |= t.groups_exactly or set()
    return keys | set(fs.peer_groups or ())


def _single_sides(local_groups: frozenset[GroupKey] | None) -> dict[Direction, tuple[EndLayout, EndLayout]]:
    peer, local = EndLayout(PEER, None, peer=True), EndLayout(LOCAL, local_groups)
    return {Direction.INGRESS: (peer, local), Direction.EGRESS: (local, peer)}


def violation_exists(a: Assertion, sem: Semantics, budget_limit: int = 200_000) -> bool:
    """Is there a flow violating ``a`` (for some membership of unresolved lists)? Raises
    NotCertified past the budget. Empty flow sets count as no violation."""
    budget = Budget(budget_limit)
    try:
        if isinstance(a, FlowAssertion):
            return _flow_violation(a, sem, budget)
        if isinstance(a, ReachAssertion):
            return _reach_violation(a, sem, budget)
        if isinstance(a, CompareAssertion):
            return _compare_violation(a, sem, budget)
        raise NotCertified(f"the certifier does not decide {type(a).__name__} assertions")
    except Exception as exc:
        if isinstance(exc, BudgetExceeded):
            raise NotCertified(str(exc)) from None
        raise


def _flow_violation(a: FlowAssertion, sem: Semantics, budget: Budget) -> bool:
    t = a.target
    layout = layout_for([t], flowset_group_keys(a.flows) | flowset_group_keys(a.only))
    sides = _single_sides(t.group_keys)
    region = disjoint(_cross(well_formed(layout, t), flowset_boxes(layout, a.flows, sides)), budget)
    pieces = decide_region(layout, t, sem, region, budget)
    if a.check is Check.ALL_ALLOWED:
        return any(not p.accepted for p in pieces)
    if a.check is Check.ALL_DENIED:
        return any(p.accepted for p in pieces)
    if a.check is Check.SOME_ALLOWED:
        return bool(region) and not any(p.accepted for p in pieces)
    assert a.only is not None
    accepted = [p.box for p in pieces if p.accepted]
    _, outside = carve(accepted, flowset_boxes(layout, a.only, sides), budget)
    return bool(outside)


def _reach_violation(a: ReachAssertion, sem: Semantics, budget: Budget) -> bool:
    src_t, dst_t = a.src.target, a.dst.target
    layout = layout_for([src_t, dst_t], flowset_group_keys(a.flows))
    # Coordinates: PEER holds the sender's address, LOCAL the receiver's.
    sides = {Direction.EGRESS: (EndLayout(PEER, src_t.group_keys), EndLayout(LOCAL, dst_t.group_keys))}
    fs = FlowSet(frozenset({Direction.EGRESS}), a.flows.services, None, None, a.flows.source_ports,
                 None, a.flows.family)
    wf = []
    for b in well_formed(layout, None):
        fam = V6 if b[FAM][0][0] else V4
        x = _set(b, NIC, point(0))
        x = _set(x, PEER, addr_intervals(a.src.private, fam))
        x = _set(x, LOCAL, addr_intervals(a.dst.private, fam))
        if x is not None:
            wf.append(x)
    if src_t.network is Network.CLASSIC:
        wf = _restrict(wf, FAM, point(0))
    region = disjoint(_cross(wf, flowset_boxes(layout, fs, sides)), budget)
    sender = decide_region(layout, src_t, sem, region, budget, peer_dim=LOCAL, local_dim=PEER,
                           peer_groups=dst_t.group_keys)
    passed = [p.box for p in sender if p.accepted]
    blocked_at_sender = [p for p in sender if not p.accepted]
    # The same flows, now seen by the receiver: direction replaced (not narrowed) by ingress.
    as_ingress = [(point(0),) + b[1:] for b in passed]
    receiver = decide_region(layout, dst_t, sem, as_ingress, budget,
                             peer_dim=PEER, local_dim=LOCAL, peer_groups=src_t.group_keys)
    through = any(p.accepted for p in receiver)
    blocked = bool(blocked_at_sender) or any(not p.accepted for p in receiver)
    if a.check is Check.ALL_ALLOWED:
        return blocked
    if a.check is Check.ALL_DENIED:
        return through
    return bool(region) and not through


def _compare_violation(a: CompareAssertion, sem: Semantics, budget: Budget) -> bool:
    left = Target(a.left.name, a.left.kind, a.left.groups, None)
    right = Target(a.right.name, a.right.kind, a.right.groups, None)
    layout = layout_for([left, right], flowset_group_keys(a.flows))
    sides = _single_sides(None)
    region = disjoint(_cross(well_formed(layout, left), flowset_boxes(layout, a.flows, sides)), budget)
    for lp in decide_region(layout, left, sem, region, budget):
        for rp in decide_region(layout, right, sem, [lp.box], budget):
            if a.check is Check.EQUIVALENT and lp.accepted != rp.accepted:
                return True
            if a.check is Check.NO_MORE_PERMISSIVE and lp.accepted and not rp.accepted:
                return True
    return False


def representative(layout: Layout, box: Box) -> Flow:
    """A concrete flow inside ``box`` (its lowest point), for messages and tests."""
    p = lowest(box)
    ingress = p[DIR] == 0
    fam = V6 if p[FAM] else V4
    ports = p[PROTO] in PORT_PROTOCOLS
    peer, local = p[PEER], p[LOCAL]
    src, dst = (peer, local) if ingress else (local, peer)
    groups = frozenset(k for k, d in layout.key_pairs if p[d])
    return Flow(Direction.INGRESS if ingress else Direction.EGRESS, p[PROTO], fam, src, dst,
                p[SPORT] if ports else None, p[DPORT] if ports else None,
                Nic.INTERNET if p[NIC] else Nic.INTRANET, groups)


__all__ = [
    "violation_exists",
    "NotCertified",
    "Layout",
    "decide_region",
    "well_formed",
    "flowset_boxes",
    "group_region",
    "representative",
]
