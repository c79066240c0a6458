"""Box sets as people and scripts read them: merged into few boxes, each described field by
field (ranges, CIDR blocks, peer groups, unresolved lists), with a simple concrete flow.

The box engine (``boxes``, ``certify``) splits the flow space into many small disjoint
boxes. ``diff`` and ``lint`` report sets of flows; this module turns such a set into a short
list of boxes whose union is exactly the same set, and each box into a ``BoxView`` (its JSON
and its one-line text) and a witness flow inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.addresses import INTERNET, MAX, PRIVATE_V4, V4, V6, AddrRange, AddrSpace
from ...core.flow import Flow
from ...core.model import (
    GRE,
    ICMP,
    ICMPV6,
    PORT_PROTOCOLS,
    TCP,
    UDP,
    Direction,
    GroupKey,
    Nic,
    protocol_name,
)
from .certify import DIR, DPORT, FAM, LOCAL, NIC, PEER, PROTO, SPORT, Layout
from .intervals import Box, Intervals, addr_intervals, iv_and, iv_sub, normalise

# Dimensions never merged across: one family per box keeps every address field readable as
# CIDR blocks of that family.
FROZEN = (FAM,)
PREFERRED_PROTOCOLS = (TCP, UDP, ICMP, ICMPV6, GRE)
GLOBAL_UNICAST_V6 = normalise([(0x2000 << 112, (0x4000 << 112) - 1)])
PRIVATE_V6 = normalise([(0xfc00 << 112, (0xfe00 << 112) - 1)])
TEXT_CIDRS = 8  # the text form lists at most this many blocks per field (JSON lists all)
# The IPv4 blocks a witness prefers, made once (every witness asks for them).
PRIVATE_V4_IVS = addr_intervals(PRIVATE_V4, V4)
PUBLIC_V4_IVS = addr_intervals(INTERNET, V4)
# Each family's every address and public addresses, made once (every box's text asks).
EVERYTHING = {fam: AddrSpace.everything(fam) for fam in (V4, V6)}
PUBLIC = {fam: INTERNET.only(fam) for fam in (V4, V6)}


def merge_boxes(boxes: Iterable[Box], frozen: Sequence[int] = FROZEN) -> list[Box]:
    """Fewer boxes with the same union: repeatedly join boxes that agree on every dimension
    but one (their union is then a box). Sorted, so the result does not depend on the order
    the engine produced the pieces in.

    A dimension in which every box holds the same value stays so through every join (a
    join changes only the dimension it joins on, and joining on this one finds no two
    boxes to join), so the joins work on the other dimensions only: an interface's boxes
    carry one dimension per peer group, and most are the same in every box."""
    out = sorted(set(boxes))
    if len(out) < 2:
        return out
    first = out[0]
    varying = [d for d in range(len(first)) if any(b[d] != first[d] for b in out)]
    if len(varying) == len(first):
        return _joined(out, [d for d in range(len(first)) if d not in frozen])
    # Sorting the boxes cut down to ``varying`` sorts them as the whole boxes: they differ
    # nowhere else.
    joined = _joined([tuple(b[d] for d in varying) for b in out],
                     [i for i, d in enumerate(varying) if d not in frozen])
    whole = list(first)
    result = []
    for part in joined:
        for i, d in enumerate(varying):
            whole[d] = part[i]
        result.append(tuple(whole))
    return result


def _joined(out: list[Box], dims: Sequence[int]) -> list[Box]:
    """``merge_boxes`` of ``out`` (sorted, no two equal), joining on ``dims``."""
    changed = True
    while changed:
        changed = False
        for d in dims:
            buckets: dict[Box, list[tuple[int, int]]] = {}
            for b in out:
                buckets.setdefault(b[:d] + b[d + 1:], []).extend(b[d])
            if len(buckets) < len(out):
                changed = True
                out = sorted(k[:d] + (normalise(v),) + k[d:] for k, v in buckets.items())
    return out


def volume(box: Box) -> int:
    """How many points a box holds (a measure for choosing large covers first)."""
    n = 1
    for dim in box:
        n *= sum(hi - lo + 1 for lo, hi in dim)
    return n


# ---------------------------------------------------------------- witnesses


def _first(ivs: Intervals, mask: int | None = None, avoid: int | None = None) -> int | None:
    """The smallest value of ``ivs`` (with non-zero bits under ``mask`` and not ``avoid``, if
    given), or None."""
    for lo, hi in ivs:
        v = lo
        while v <= hi and v <= lo + 2:
            if (mask is None or v & mask) and v != avoid:
                return v
            v += 1
    return None


def _pick(ivs: Intervals, preferred: Sequence[Intervals], mask: int | None,
          avoid: int | None = None) -> int:
    for pref in list(preferred) + [ivs]:
        part = iv_and(ivs, pref)
        for m, a in ((mask, avoid), (mask, None), (None, avoid), (None, None)):
            v = _first(part, m, a)
            if v is not None:
                return v
    raise ValueError("empty interval set")




def witness(layout: Layout, box: Box) -> tuple[Flow, dict[str, bool]]:
    """A simple concrete flow inside ``box`` and the memberships of unresolved lists it
    assumes: TCP/UDP before other protocols, a source port of 1024 or above, a public peer
    unless the peer is in a group, private interface addresses, no zero last byte."""
    first = {d: box[d][0][0] for d in range(len(box))}
    fam = V6 if first[FAM] else V4
    protos = box[PROTO]
    proto = next((p for p in PREFERRED_PROTOCOLS if iv_and(protos, ((p, p),))), protos[0][0])
    ports = proto in PORT_PROTOCOLS
    dport = box[DPORT][0][0]
    sport = _pick(box[SPORT], [((1024, 65535),)], None)
    groups = frozenset(k for k, d in layout.key_pairs if box[d][0][0])
    mask = 0xFF if fam == V4 else 0xFFFF
    if groups:
        peer_pref = [PRIVATE_V4_IVS if fam == V4 else PRIVATE_V6]
    else:
        peer_pref = [PUBLIC_V4_IVS if fam == V4 else GLOBAL_UNICAST_V6]
    peer = _pick(box[PEER], peer_pref, mask)
    local_pref = [PRIVATE_V4_IVS if fam == V4 else PRIVATE_V6]
    local = _pick(box[LOCAL], local_pref, mask, avoid=peer)
    ingress = first[DIR] == 0
    src, dst = (peer, local) if ingress else (local, peer)
    flow = Flow(Direction.INGRESS if ingress else Direction.EGRESS, proto, fam, src, dst,
                sport if ports else None, dport if ports else None,
                Nic.INTERNET if first[NIC] else Nic.INTRANET, groups)
    assume = {name: bool(box[layout.atom_dim(name)][0][0]) for name in layout.atoms}
    return flow, assume


def in_box(layout: Layout, box: Box, flow: Flow, assume: dict[str, bool]) -> bool:
    """Is ``flow`` (with ``assume`` for the unresolved lists) a point of ``box``?"""
    point = [0] * layout.size
    point[DIR] = 0 if flow.direction is Direction.INGRESS else 1
    point[NIC] = 1 if flow.nic is Nic.INTERNET else 0
    point[FAM] = 1 if flow.family == V6 else 0
    point[PROTO] = flow.protocol
    point[DPORT] = flow.dst_port or 0
    point[SPORT] = flow.src_port or 0
    point[PEER] = flow.peer_ip
    point[LOCAL] = flow.local_ip
    for k, d in layout.key_pairs:
        point[d] = 1 if k in flow.peer_groups else 0
    for name in layout.atoms:
        point[layout.atom_dim(name)] = 1 if assume.get(name) else 0
    return all(any(lo <= v <= hi for lo, hi in dim) for v, dim in zip(point, box))


# ---------------------------------------------------------------- descriptions


@dataclass(frozen=True, slots=True)
class BoxView:
    """One box, field by field. ``dst_ports``/``src_ports`` are None for protocols without
    ports; ``member_of``/``not_member_of`` constrain the peer's groups (others are free);
    ``unresolved`` gives (list, the flow is in it) for each unresolved list the box depends
    on."""

    directions: tuple[Direction, ...]
    family: int
    protocols: Intervals
    dst_ports: Intervals | None
    src_ports: Intervals | None
    peer: AddrSpace
    local: AddrSpace
    nics: tuple[Nic, ...]
    member_of: tuple[GroupKey, ...]
    not_member_of: tuple[GroupKey, ...]
    unresolved: tuple[tuple[str, bool], ...]
    # text() made once per view (reports ask for it several times per finding); slotted,
    # as a large lint holds one view per finding
    _texts: dict[bool, str] | None = field(default=None, init=False, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": [d.value for d in self.directions],
            "family": "ipv6" if self.family == V6 else "ipv4",
            "protocol": [list(r) for r in self.protocols],
            "dst_ports": None if self.dst_ports is None else [list(r) for r in self.dst_ports],
            "src_ports": None if self.src_ports is None else [list(r) for r in self.src_ports],
            "peer": self.peer.cidrs(),
            "local": self.local.cidrs(),
            "nic_type": [n.value for n in self.nics],
            "peer_groups": {"member_of": [str(k) for k in self.member_of],
                            "not_member_of": [str(k) for k in self.not_member_of]},
            "unresolved": {name: inside for name, inside in self.unresolved},
        }

    def text(self, show_nic: bool = False) -> str:
        """One line, e.g. ``ingress tcp 22 from any IPv4 address except 10.0.0.0/8``. Made
        once per view (reports ask for it several times per finding)."""
        cache = self._texts
        if cache is None:
            cache = {}
            object.__setattr__(self, "_texts", cache)  # a cache: frozen stays true
        hit = cache.get(show_nic)
        if hit is None:
            hit = cache[show_nic] = self._text(show_nic)
        return hit

    def _text(self, show_nic: bool) -> str:
        parts = [", ".join(d.value for d in self.directions), protocols_text(self.protocols, self.family,
                                                                             self.dst_ports is not None)]
        if self.dst_ports is not None and self.dst_ports != ((1, 65535),):
            parts.append(ranges_text(self.dst_ports))
        if self.src_ports is not None and self.src_ports != ((1, 65535),):
            parts.append("source-port " + ranges_text(self.src_ports))
        peer = addresses_text(self.peer, self.family)
        local = addresses_text(self.local, self.family)
        if set(self.directions) == {Direction.INGRESS}:
            parts += [f"from {peer}"] + ([f"to {local}"] if not _full(self.local, self.family) else [])
        elif set(self.directions) == {Direction.EGRESS}:
            parts += [f"to {peer}"] + ([f"from {local}"] if not _full(self.local, self.family) else [])
        else:
            parts += [f"peer {peer}"] + ([f"interface {local}"] if not _full(self.local, self.family)
                                         else [])
        if show_nic or Nic.INTERNET in self.nics:
            parts.append("nic " + ", ".join(n.value for n in self.nics))
        if self.member_of:
            parts.append("peer in " + ", ".join(f"group {k}" for k in self.member_of))
        if self.not_member_of and Nic.INTRANET in self.nics:
            parts.append("peer not in " + ", ".join(f"group {k}" for k in self.not_member_of))
        for name, inside in self.unresolved:
            what = "port" if name.startswith("port list") else "peer"
            parts.append(f"if the {what} is {'' if inside else 'not '}in {name}")
        return " ".join(parts)


def describe(layout: Layout, box: Box) -> BoxView:
    """The fields of ``box`` (a box of one address family, see ``FROZEN``)."""
    if len(box[FAM]) != 1 or box[FAM][0][0] != box[FAM][0][1]:
        raise ValueError("a box to describe must hold one address family")
    fam = V6 if box[FAM][0][0] else V4
    dirs = tuple(d for bit, d in ((0, Direction.INGRESS), (1, Direction.EGRESS))
                 if iv_and(box[DIR], ((bit, bit),)))
    nics = tuple(n for bit, n in ((0, Nic.INTRANET), (1, Nic.INTERNET)) if iv_and(box[NIC], ((bit, bit),)))
    has_ports = not iv_and(box[DPORT], ((0, 0),))
    member, not_member = [], []
    for k, d in layout.key_pairs:
        dim = box[d]
        if dim == ((1, 1),):
            member.append(k)
        elif dim == ((0, 0),):
            not_member.append(k)
    unresolved = tuple((name, box[layout.atom_dim(name)] == ((1, 1),)) for name in layout.atoms
                       if box[layout.atom_dim(name)] != ((0, 1),))
    return BoxView(dirs, fam, box[PROTO], box[DPORT] if has_ports else None,
                   box[SPORT] if has_ports else None, _space(box[PEER], fam), _space(box[LOCAL], fam),
                   nics, tuple(member), tuple(not_member), unresolved)


def _space(ivs: Intervals, family: int) -> AddrSpace:
    return AddrSpace.of(AddrRange(family, lo, min(hi, MAX[family])) for lo, hi in ivs if lo <= MAX[family])


def _full(space: AddrSpace, family: int) -> bool:
    return space == AddrSpace.everything(family)


def ranges_text(ivs: Intervals) -> str:
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ivs)


def protocols_text(ivs: Intervals, family: int, has_ports: bool) -> str:
    """Protocol names; 'every protocol other than ...' when that is shorter."""
    if _count(ivs) <= 16 or has_ports:
        return ", ".join(protocol_name(p) for lo, hi in ivs for p in range(lo, hi + 1))
    other_family = ICMPV6 if family == V4 else ICMP
    possible = iv_sub(((0, 255),), normalise([(TCP, TCP), (UDP, UDP), (other_family, other_family)]))
    missing = iv_sub(possible, ivs)
    if _count(missing) > 8:
        return "proto " + ranges_text(ivs)
    base = "every protocol without ports"
    names = [protocol_name(p) for lo, hi in missing for p in range(lo, hi + 1)]
    return f"{base} except {', '.join(names)}" if names else base


def _count(ivs: Intervals) -> int:
    return sum(hi - lo + 1 for lo, hi in ivs)


def addresses_text(space: AddrSpace, family: int) -> str:
    """CIDR blocks, or 'any ... address except ...' when that is shorter; long lists are cut
    with a count of what is left out (the JSON form lists every block)."""
    label = "IPv6" if family == V6 else "IPv4"
    everything = EVERYTHING[family]
    if space == everything:
        return f"any {label} address"
    if space == PUBLIC[family]:
        return f"every public {label} address"
    cidrs = space.cidrs()
    if len(cidrs) > 1:
        outer = _supernet(space, family)
        rest = (outer - space).cidrs()
        if len(rest) + 1 < len(cidrs):
            name = f"any {label} address" if outer == everything else outer.cidrs()[0]
            return f"{name} except {_cut(rest)}"
    return _cut(cidrs)


def _supernet(space: AddrSpace, family: int) -> AddrSpace:
    """The smallest CIDR block holding all of ``space`` (one family, not empty)."""
    lo, hi = space.ranges[0].lo, space.ranges[-1].hi
    width = 32 if family == V4 else 128
    length = width
    while length and lo >> (width - length) != hi >> (width - length):
        length -= 1
    size = 1 << (width - length)
    start = lo & ~(size - 1)
    return AddrSpace((AddrRange(family, start, start + size - 1),))


def _cut(cidrs: list[str]) -> str:
    if len(cidrs) <= TEXT_CIDRS:
        return ", ".join(cidrs)
    return ", ".join(cidrs[:TEXT_CIDRS]) + f" and {len(cidrs) - TEXT_CIDRS} more blocks"
