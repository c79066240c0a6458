"""Model -> Z3 formulas over flow variables. Pure: builds terms, never solves.

The decision of one interface for one direction is an if-then-else chain over priority
levels (Drop tested before Accept at each level), wrapped by the intra-group policy and the
default: linear in the number of rules. See ``model.Group`` for the semantics and
``evaluate.decide`` for the same semantics in plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import z3  # type: ignore[import-untyped]

from ...core.addresses import MAX, V4, V6, AddrSpace
from ...core.model import (
    ICMP,
    ICMPV6,
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    TCP,
    UDP,
    Direction,
    EndpointTerm,
    FlowSet,
    GroupKey,
    Network,
    Nic,
    PortRange,
    Semantics,
    Target,
)
from .decision import DecisionText


def safe_name(text: str) -> str:
    """A variable name that SMT-LIB can quote (no '|' or backslash): '%7C' style escapes."""
    return text.replace("%", "%25").replace("|", "%7C").replace("\\", "%5C")


class Unsupported(Exception):
    """An input construct this encoder cannot express; the assertion ends 'unknown'."""


def in_ranges(term: z3.BitVecRef, ranges: Iterable[PortRange]) -> z3.BoolRef:
    parts = []
    for r in ranges:
        if r.lo == r.hi:
            parts.append(term == r.lo)
        elif r.lo == MIN_PORT and r.hi == MAX_PORT:
            parts.append(z3.BoolVal(True))
        else:
            parts.append(z3.And(z3.ULE(r.lo, term), z3.ULE(term, r.hi)))
    return _or(parts)


def _or(parts: list[z3.BoolRef]) -> z3.BoolRef:
    if not parts:
        return z3.BoolVal(False)
    return parts[0] if len(parts) == 1 else z3.Or(parts)


def _and(parts: list[z3.BoolRef]) -> z3.BoolRef:
    if not parts:
        return z3.BoolVal(True)
    return parts[0] if len(parts) == 1 else z3.And(parts)


def _interval(term: z3.BitVecRef, lo: int, hi: int, family: int) -> z3.BoolRef:
    if lo == hi:
        return term == lo
    if lo == 0 and hi == MAX[family]:
        return z3.BoolVal(True)
    if lo == 0:
        return z3.ULE(term, hi)
    if hi == MAX[family]:
        return z3.ULE(lo, term)
    return z3.And(z3.ULE(lo, term), z3.ULE(term, hi))


def in_space(v6: z3.BoolRef, ip4: z3.BitVecRef, ip6: z3.BitVecRef, space: AddrSpace) -> z3.BoolRef:
    """The address (ip4 when not v6, ip6 when v6) lies in ``space``."""
    parts = []
    for family, term, is_fam in ((V4, ip4, z3.Not(v6)), (V6, ip6, v6)):
        ranges = [_interval(term, r.lo, r.hi, family) for r in space if r.family == family]
        if ranges:
            parts.append(z3.And(is_fam, _or(ranges)))
    return _or(parts)


@dataclass
class SymFlow:
    """The symbolic fields of one flow. ``peer``/``local`` addresses are the remote end
    and the interface's own address; groups of the remote end are Booleans over a fixed
    universe of group keys (any group outside it cannot affect a decision)."""

    tag: str = ""
    universe: frozenset[GroupKey] = frozenset()

    def __post_init__(self) -> None:
        t = self.tag
        self.ingress = z3.Bool(f"{t}ingress")
        self.protocol = z3.BitVec(f"{t}protocol", 8)
        self.v6 = z3.Bool(f"{t}v6")
        self.peer4, self.local4 = z3.BitVec(f"{t}peer4", 32), z3.BitVec(f"{t}local4", 32)
        self.peer6, self.local6 = z3.BitVec(f"{t}peer6", 128), z3.BitVec(f"{t}local6", 128)
        self.sport, self.dport = z3.BitVec(f"{t}sport", 16), z3.BitVec(f"{t}dport", 16)
        self.internet = z3.Bool(f"{t}nic_internet")
        self.groups = {k: z3.Bool(safe_name(f"{t}peer_in[{k}]")) for k in sorted(self.universe)}
        if len({v.get_id() for v in self.groups.values()}) != len(self.groups):
            # Two keys with one printed form would be one group to the solver; the resolver
            # refuses '/' in ids and owners (E127), so this is a bug, never a verdict.
            raise AssertionError(f"group keys share a solver variable: {sorted(self.universe)}")

    def peer_member(self, key: GroupKey) -> z3.BoolRef:
        return self.groups.get(key, z3.BoolVal(False))


def atom_var(name: str, tag: str = "") -> z3.BoolRef:
    """The Boolean standing for 'the flow is in the unresolved list ``name``' (one per view)."""
    return z3.Bool(safe_name(f"{tag}unresolved[{name}]"))


@dataclass
class View:
    """One interface evaluating one flow: which terms are the peer and local addresses,
    how peer-group membership reads, and the unknown-membership atoms of this view."""

    flow: SymFlow
    peer4: z3.BitVecRef
    peer6: z3.BitVecRef
    local4: z3.BitVecRef
    local6: z3.BitVecRef
    member: Callable[[GroupKey], z3.BoolRef]
    tag: str = ""
    atoms: dict[str, z3.BoolRef] = field(default_factory=dict)

    def atom(self, name: str) -> z3.BoolRef:
        if name not in self.atoms:
            self.atoms[name] = atom_var(name, self.tag)
        return self.atoms[name]


def single_view(flow: SymFlow) -> View:
    return View(flow, flow.peer4, flow.peer6, flow.local4, flow.local6, flow.peer_member)


def decision(target: Target, direction: Direction, view: View, sem: Semantics) -> z3.BoolRef:
    """True iff ``target`` accepts the flow in ``direction`` (``decision``)."""
    writer = DecisionText(view.flow, view.peer4, view.peer6, view.local4, view.local6,
                          view.member, view.atom)
    return writer.parse(writer.decision(target, direction, sem))


@dataclass(frozen=True)
class Pieces:
    """The parts ``decision`` is made of, for questions about single rules: the intra-group
    Accept override and the platform block (both decide before any rule), each rule's
    match in precedence order, and the verdict when no rule matches."""

    override: z3.BoolRef
    blocked: z3.BoolRef
    matches: tuple[z3.BoolRef, ...]
    fallback: z3.BoolRef


def decision_pieces(target: Target, direction: Direction, view: View, sem: Semantics) -> Pieces:
    writer = DecisionText(view.flow, view.peer4, view.peer6, view.local4, view.local6,
                          view.member, view.atom)
    override = writer.shared_open(target) if sem.intra_group == "override" else "false"
    blocked = writer.blocked() if sem.block_tcp25 and direction is Direction.EGRESS else "false"
    texts = [override, blocked, writer.fallback(target, direction)]
    texts += [writer.rule(r) for r in target.rules(direction)]
    parsed = writer.parse_all(texts)
    return Pieces(parsed[0], parsed[1], tuple(parsed[3:]), parsed[2])


def accepted(target: Target, view: View, sem: Semantics) -> z3.BoolRef:
    """Acceptance with the direction left symbolic."""
    f = view.flow
    return z3.If(f.ingress, decision(target, Direction.INGRESS, view, sem),
                 decision(target, Direction.EGRESS, view, sem))


_WELL_FORMED: dict[tuple[str, tuple[GroupKey, ...]], z3.BoolRef] = {}


def well_formed_fields(f: SymFlow) -> z3.BoolRef:
    """Conditions every real flow meets, whatever the interface (flow.flow_problem). The
    variables of equal tags are the same terms, so the formula is built once per universe."""
    key = (f.tag, tuple(f.groups))
    hit = _WELL_FORMED.get(key)
    if hit is None:
        hit = _WELL_FORMED[key] = _well_formed_fields(f)
    return hit


def _well_formed_fields(f: SymFlow) -> z3.BoolRef:
    has_ports = z3.Or(f.protocol == TCP, f.protocol == UDP)
    ports_ok = z3.If(has_ports,
                     z3.And(z3.ULE(MIN_PORT, f.sport), z3.ULE(MIN_PORT, f.dport)),
                     z3.And(f.sport == 0, f.dport == 0))
    return z3.And(ports_ok,
                  z3.Implies(f.protocol == ICMP, z3.Not(f.v6)),
                  z3.Implies(f.protocol == ICMPV6, f.v6),
                  z3.Implies(f.internet, z3.And([z3.Not(b) for b in f.groups.values()])))


def well_formed(target: Target, f: SymFlow, *, use_local: bool = True) -> z3.BoolRef:
    parts = [well_formed_fields(f)]
    if target.network is Network.VPC:
        parts.append(z3.Not(f.internet))
    else:
        parts.append(z3.Not(f.v6))
    if use_local and target.local is not None:
        parts.append(in_space(f.v6, f.local4, f.local6, target.local))
    if use_local and target.network is Network.CLASSIC:  # each NIC has its own addresses
        for nic, on in ((Nic.INTERNET, f.internet), (Nic.INTRANET, z3.Not(f.internet))):
            own = target.local_on(nic)
            if own is not None:
                parts.append(z3.Implies(on, in_space(f.v6, f.local4, f.local6, own)))
    return z3.And(parts)


# ---------------------------------------------------------------- flow sets


@dataclass
class FlowEnd:
    """One end of a flow for flow-set constraints: address terms and group membership."""

    ip4: z3.BitVecRef
    ip6: z3.BitVecRef
    member: Callable[[GroupKey], z3.BoolRef]
    exactly: Callable[[frozenset[GroupKey]], z3.BoolRef]


def endpoint_term(term: EndpointTerm, side: FlowEnd, v6: z3.BoolRef) -> z3.BoolRef:
    parts = []
    if term.addresses is not None:
        parts.append(in_space(v6, side.ip4, side.ip6, term.addresses))
    if term.member_of is not None:
        parts.append(side.member(term.member_of))
    if term.groups_exactly is not None:
        parts.append(side.exactly(term.groups_exactly))
    return _and(parts)


def flow_set(fs: FlowSet, f: SymFlow, src: FlowEnd, dst: FlowEnd,
             direction: Direction | None = None, peer: FlowEnd | None = None) -> z3.BoolRef:
    """Membership of the flow in ``fs``. ``direction`` is the fixed direction of the
    query if any (reach assertions); otherwise ``f.ingress`` is used."""
    parts = []
    if fs.directions is not None and direction is None:
        parts.append(_or([f.ingress if d is Direction.INGRESS else z3.Not(f.ingress)
                          for d in fs.directions]))
    if fs.services is not None:
        alts = []
        for s in fs.services:
            conds = []
            if s.protocols is not None:
                conds.append(_or([f.protocol == p for p in sorted(s.protocols)]))
            if s.ports is not None:
                conds.append(_or([f.protocol == p for p in sorted(PORT_PROTOCOLS)]))
                conds.append(in_ranges(f.dport, s.ports))
            alts.append(_and(conds))
        parts.append(_or(alts))
    for terms, side in ((fs.src, src), (fs.dst, dst)):
        if terms is not None:
            parts.append(_or([endpoint_term(t, side, f.v6) for t in terms]))
    if fs.source_ports is not None:
        parts.append(_or([f.protocol == p for p in sorted(PORT_PROTOCOLS)]))
        parts.append(in_ranges(f.sport, fs.source_ports))
    if fs.nic is not None:
        parts.append(f.internet if fs.nic is Nic.INTERNET else z3.Not(f.internet))
    if fs.family is not None:
        parts.append(f.v6 if fs.family == V6 else z3.Not(f.v6))
    if fs.peer_groups is not None:
        if peer is None:
            raise Unsupported("'peer-groups' is not available here (the remote end is fixed)")
        parts.append(peer.exactly(fs.peer_groups))
    return _and(parts)


def _exactly(f: SymFlow) -> Callable[[frozenset[GroupKey]], z3.BoolRef]:
    return lambda keys: _and([b if k in keys else z3.Not(b) for k, b in f.groups.items()])


def peer_side(f: SymFlow) -> FlowEnd:
    return FlowEnd(f.peer4, f.peer6, f.peer_member, _exactly(f))


def single_sides(f: SymFlow, local_groups: frozenset[GroupKey] | None,
                 direction: Direction | None = None) -> tuple[FlowEnd, FlowEnd]:
    """Source and destination sides of a one-interface flow; with ``direction`` None the
    direction is symbolic. ``local_groups`` None: the interface's own groups are not fixed
    (comparisons), and a flow set that constrains them is unsupported."""

    def local_member(key: GroupKey) -> z3.BoolRef:
        if local_groups is None:
            raise Unsupported("a comparison cannot constrain the groups of the interface's own end")
        return z3.BoolVal(key in local_groups)

    def local_exactly(keys: frozenset[GroupKey]) -> z3.BoolRef:
        if local_groups is None:
            raise Unsupported("a comparison cannot constrain the groups of the interface's own end")
        return z3.BoolVal(keys == local_groups)

    peer = peer_side(f)
    local = FlowEnd(f.local4, f.local6, local_member, local_exactly)
    if direction is Direction.INGRESS:
        return peer, local
    if direction is Direction.EGRESS:
        return local, peer

    def pick(a: FlowEnd, b: FlowEnd) -> FlowEnd:
        return FlowEnd(z3.If(f.ingress, a.ip4, b.ip4), z3.If(f.ingress, a.ip6, b.ip6),
                    lambda k: z3.If(f.ingress, a.member(k), b.member(k)),
                    lambda ks: z3.If(f.ingress, a.exactly(ks), b.exactly(ks)))

    return pick(peer, local), pick(local, peer)


