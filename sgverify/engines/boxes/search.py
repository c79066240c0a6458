"""Exact search for one flow with a given verdict on one interface, with boxes (no Z3).

The flows of a region are decided, as in ``evaluate.decide``, by the first of: the
platform block, intra-group Accept (override), the rules in precedence order, intra-group
Accept (fallback), intra-group isolation, the default. A flow of the region is accepted
exactly when some accepting step covers it and no earlier dropping step does; so to find
an accepted flow it is enough to take each accepting step in order and remove from it
what the dropping steps before it cover (the first non-empty rest is the answer, and the
step is what decides it). No step is skipped, so "nothing found" is a proof. The same
holds for dropped flows with the roles swapped. This is ``certify.decide_region`` made
lazy: it stops at the first answer and only ever subtracts the steps of the other verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from ...core.addresses import INTERNET, PRIVATE_V4, V4, V6, AddrSpace
from ...core.flow import Flow
from ...core.model import (
    GRE,
    ICMP,
    ICMPV6,
    PORT_PROTOCOLS,
    TCP,
    UDP,
    Action,
    Direction,
    FlowSet,
    GroupKey,
    GroupType,
    Nic,
    PortRange,
    Rule,
    Semantics,
    Target,
    flowset_keys,
)
from .certify import FAMILIES as BOX_FAMILIES
from .certify import FULL, EndLayout, Layout, flowset_boxes, group_region, rule_boxes, well_formed
from .intervals import (
    Box,
    Budget,
    Intervals,
    addr_intervals,
    box_and,
    carve,
    disjoint,
    iv_and,
    normalise,
    point,
)
from .intervals import cross as _cross

DIR, NIC, FAM, PROTO, DPORT, SPORT, PEER, LOCAL = range(8)
GLOBAL_V6 = AddrSpace.parse("2000::/3")
PRIVATE_V6 = AddrSpace.parse("fc00::/7")
PROTO_RANK = {TCP: 0, UDP: 1, ICMP: 2, ICMPV6: 3, GRE: 4}


@dataclass(frozen=True)
class Step:
    """One stage of the decision: its flows (boxes, may overlap), its verdict, and what it
    is (a rule, or 'platform' / 'intra-group' / 'default')."""

    boxes: tuple[Box, ...]
    accept: bool
    reason: str
    rule: Rule | None = None


@dataclass(frozen=True)
class Found:
    """Flows of the region with the wanted verdict, all decided by ``step``."""

    boxes: tuple[Box, ...]
    step: Step


def pinned_groups(fs: FlowSet, direction: Direction) -> frozenset[GroupKey] | None:
    """The peer's groups when the flow set fixes them for ``direction`` (then the search
    needs no group dimensions), else None."""
    terms = fs.src if direction is Direction.INGRESS else fs.dst
    values: set[frozenset[GroupKey]] = set()
    if fs.peer_groups is not None:
        values.add(fs.peer_groups)
    if terms is not None:
        for t in terms:
            if t.member_of is not None or t.groups_exactly is None:
                return None
            values.add(t.groups_exactly)
    return next(iter(values)) if len(values) == 1 else None


def region_layout(target: Target, rules: Sequence[Rule], fs: FlowSet,
                  pinned: frozenset[GroupKey] | None) -> Layout:
    """Dimensions for the search: group bits only when the peer's groups are free."""
    if pinned is not None:
        return Layout((), ())
    keys: set[GroupKey] = set(target.group_keys) | flowset_keys(fs)
    for r in rules:
        keys |= r.peer.groups
    return Layout(tuple(sorted(keys)), ())


def set_boxes(layout: Layout, target: Target, fs: FlowSet, direction: Direction,
              pinned: frozenset[GroupKey] | None) -> list[Box]:
    """The flows of ``fs`` in ``direction`` as boxes (they may overlap)."""
    local = EndLayout(LOCAL, target.group_keys)
    peer = EndLayout(PEER, None, peer=True)
    sides = {Direction.INGRESS: (peer, local), Direction.EGRESS: (local, peer)}
    if fs.directions is not None and direction not in fs.directions:
        return []
    one = replace(fs, directions=frozenset({direction}))
    if pinned is not None:
        if fs.peer_groups is not None and fs.peer_groups != pinned:
            return []
        one = replace(one, peer_groups=None)  # fixed outside the layout
    return flowset_boxes(layout, one, sides)


def region(layout: Layout, target: Target, fs: FlowSet, direction: Direction,
           pinned: frozenset[GroupKey] | None, budget: Budget) -> list[Box]:
    """The flows of ``fs`` in ``direction`` that can occur on ``target``, disjoint."""
    boxes = cross(well_formed(layout, target), set_boxes(layout, target, fs, direction, pinned))
    if pinned:
        boxes = [b for b in (box_and(b, layout.make(d1=point(0))) for b in boxes) if b is not None]
    return disjoint(boxes, budget)


def cross(a: Iterable[Box], b: Sequence[Box]) -> list[Box]:
    return _cross(list(a), b)


RuleBoxes = dict[tuple[int, object, tuple[GroupKey, ...]], tuple[Box, ...]]


def steps(layout: Layout, target: Target, rules: Sequence[Rule], sem: Semantics,
          direction: Direction, pinned: frozenset[GroupKey] | None,
          cache: RuleBoxes | None = None) -> Iterator[Step]:
    """The stages of the decision in order, made as they are asked for; ``rules`` in
    precedence order (they may leave out rules that match no flow of the region). The
    default is not a step. ``cache`` keeps rule boxes across calls (same layout keys)."""
    dbit = 0 if direction is Direction.INGRESS else 1
    if sem.block_tcp25 and direction is Direction.EGRESS:
        cut = tuple(layout.make(d3=point(TCP), d4=point(25), d2=point(fb),
                                d6=addr_intervals(INTERNET, fam))
                    for fb, fam in BOX_FAMILIES)
        yield Step(cut, False, "platform")
    open_ = tuple(group_region(layout, target, pinned, open_only=True))
    shared = tuple(group_region(layout, target, pinned, open_only=False))
    if sem.intra_group == "override" and open_:
        yield Step(open_, True, "intra-group")
    for r in rules:
        key = (id(r), pinned, layout.keys)
        boxes = cache.get(key) if cache is not None else None
        if boxes is None:
            boxes = (keyless_rule_boxes(r, dbit, pinned) if not layout.keys and not layout.atoms
                     else tuple(rule_boxes(layout, r, dbit, PEER, LOCAL, pinned)))
            if cache is not None:
                cache[key] = boxes
        if boxes:
            yield Step(boxes, r.action is Action.ACCEPT, "rule", r)
    if open_:
        yield Step(open_, True, "intra-group")
    if shared:
        yield Step(shared, False, "intra-group")




def _port_ivs(ports: tuple[PortRange, ...]) -> Intervals:
    return normalise((p.lo, p.hi) for p in ports)


def keyless_rule_boxes(rule: Rule, dbit: int, pinned: frozenset[GroupKey] | None) -> tuple[Box, ...]:
    """``certify.rule_boxes`` for a layout without group or list dimensions (the peer's
    groups are ``pinned``), built directly; the same boxes in the same order."""
    proto = FULL[PROTO] if rule.protocol is None else point(rule.protocol)
    dport = FULL[DPORT] if rule.ports is None else _port_ivs(rule.ports)
    sport = FULL[SPORT] if rule.source_ports is None else _port_ivs(rule.source_ports)
    nic = point(1 if rule.nic is Nic.INTERNET else 0)
    if rule.unresolved_ports is not None or rule.peer.unresolved or not (dport and sport):
        raise ValueError("rules with unresolved lists need the general layout")
    grouped = 0
    if rule.nic is Nic.INTRANET and pinned is not None:
        grouped = sum(1 for k in sorted(rule.peer.groups) if k in pinned)
    out: list[Box] = []
    for fam_bit, fam in BOX_FAMILIES:
        local = FULL[LOCAL] if rule.local is None else addr_intervals(rule.local, fam)
        if not local:
            continue
        addr = addr_intervals(rule.peer.addresses, fam)
        if addr:
            out.append((point(dbit), nic, point(fam_bit), proto, dport, sport, addr, local))
        for _ in range(grouped):
            out.append((point(dbit), nic, point(fam_bit), proto, dport, sport, FULL[PEER], local))
    return tuple(out)


def default_accepts(target: Target, direction: Direction) -> bool:
    return direction is Direction.EGRESS and target.gtype is GroupType.BASIC


def _wanted(region_boxes: Sequence[Box], stages: Iterable[Step], default_accept: bool,
            want_accept: bool, budget: Budget) -> Iterator[Found]:
    """The flows of the region with the wanted verdict, stage by stage in decision order:
    a flow is decided by its first stage, so each wanted stage contributes what no earlier
    stage of the other verdict covers (made lazily: callers may stop at the first)."""
    if not region_boxes:
        return
    region_boxes = list(region_boxes)
    blockers: list[Box] = []
    every: list[Box] = []
    for st in stages:
        every.extend(st.boxes)
        if st.accept is want_accept:
            candidate = cross(region_boxes, st.boxes)
            if candidate:
                _, rest = carve(candidate, blockers, budget)
                if rest:
                    yield Found(tuple(rest), st)
        else:
            blockers.extend(st.boxes)
    if default_accept is want_accept:
        _, rest = carve(region_boxes, every, budget)
        if rest:
            yield Found(tuple(rest), Step((), default_accept, "default"))


def search(region_boxes: Sequence[Box], stages: Iterable[Step], default_accept: bool,
           want_accept: bool, budget: Budget) -> Found | None:
    """The first stage that gives some flow of the region the wanted verdict, with those
    flows; None proves that no flow of the region gets it."""
    return next(_wanted(region_boxes, stages, default_accept, want_accept, budget), None)


def search_all(region_boxes: Sequence[Box], stages: Iterable[Step], default_accept: bool,
               want_accept: bool, budget: Budget) -> list[Box]:
    """Every flow of the region with the wanted verdict (boxes): ``search`` without
    stopping at the first stage that gives one."""
    return [b for found in _wanted(region_boxes, stages, default_accept, want_accept, budget)
            for b in found.boxes]


# ---------------------------------------------------------------- picking a flow


def _first(ivs: Intervals, prefer: Sequence[AddrSpace], family: int, avoid: int | None = None) -> int:
    """A value of ``ivs`` in the first preferred space that has one, with a non-zero last
    byte (IPv6: 16 bits) and different from ``avoid`` when possible."""
    low = 0xFF if family == V4 else 0xFFFF
    spaces = [addr_intervals(p, family) for p in prefer]
    spaces.append(ivs)
    for space in spaces:
        inside = iv_and(ivs, space)
        for lo, hi in inside:
            for v in (lo, lo + 1, lo + 2):
                if v <= hi and v & low and v != avoid:
                    return v
        for lo, hi in inside:
            for v in (lo, lo + 1):
                if v <= hi and v != avoid:
                    return v
    return ivs[0][0]


def _proto(ivs: Intervals) -> int:
    for p in PROTO_RANK:
        if any(lo <= p <= hi for lo, hi in ivs):
            return p
    return ivs[0][0]


def pick(layout: Layout, box: Box, pinned: frozenset[GroupKey] | None) -> Flow:
    """A readable concrete flow inside ``box``."""
    ingress = box[DIR][0][0] == 0
    fam = V6 if box[FAM][0][0] == 1 else V4
    proto = _proto(box[PROTO])
    ports = proto in PORT_PROTOCOLS
    groups = frozenset(pinned) if pinned is not None else frozenset(
        k for k, d in layout.key_pairs if box[d][0][0] == 1)
    public = INTERNET if fam == V4 else GLOBAL_V6
    private = PRIVATE_V4 if fam == V4 else PRIVATE_V6
    peer = _first(box[PEER], [public, private] if not groups else [private, public], fam)
    local = _first(box[LOCAL], [private], fam, avoid=peer)
    dport = box[DPORT][0][0] if ports else None
    sport = None
    if ports:
        high = [(max(lo, 1024), hi) for lo, hi in box[SPORT] if hi >= 1024]
        sport = high[0][0] if high else box[SPORT][0][0]
    src, dst = (peer, local) if ingress else (local, peer)
    nic = Nic.INTERNET if box[NIC][0][0] == 1 else Nic.INTRANET
    return Flow(Direction.INGRESS if ingress else Direction.EGRESS, proto, fam, src, dst, sport,
                dport, nic, groups)


def _rank(f: Flow) -> tuple[int, ...]:
    return (f.nic is Nic.INTERNET, f.family, PROTO_RANK.get(f.protocol, 9), f.protocol,
            f.dst_port or 0, len(f.peer_groups))


def best_flow(layout: Layout, boxes: Iterable[Box], pinned: frozenset[GroupKey] | None) -> Flow:
    """The most readable flow among the boxes (deterministic)."""
    return min((pick(layout, b, pinned) for b in boxes), key=lambda f: (_rank(f), str(f)))


__all__ = [
    "Found",
    "Step",
    "best_flow",
    "cross",
    "default_accepts",
    "pick",
    "pinned_groups",
    "region",
    "region_layout",
    "search",
    "search_all",
    "set_boxes",
    "steps",
]
