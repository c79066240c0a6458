"""The canonical flow of a union of boxes: the very flow that the solver's preferences
(``query._field_prefs`` then ``query._address_prefs``, applied by ``solve.choose``) pick
from the same set of flows, found without a solver.

``solve.choose`` fixes the fields one after the other, each to its most preferred value
that some flow of the set still has: ingress before egress, the internal NIC, IPv4, then
TCP, UDP, ICMP, ICMPv6, GRE (else the smallest protocol), each peer-group bit false when
possible (keys in sorted order), the smallest destination port, the smallest source port
from 1024 up (else the smallest), then the peer address and the interface address: the
smallest in the first achievable of "preferred space and last byte not 0", "preferred
space", "last byte not 0" (the interface address also avoids the peer's). Over boxes each
step is a filter: keep the boxes that have the preferred value and narrow them to it. The
result therefore depends only on the set, as the solver's does, and ``query`` uses it to
skip most solver checks; the tests compare both on random policies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ...core.addresses import INTERNET, PRIVATE_V4, V4, V6, AddrSpace
from ...core.flow import Flow
from ...core.model import PORT_PROTOCOLS, Direction, GroupKey, Nic
from .intervals import Box, Intervals, addr_intervals, iv_and, point

DIR, NIC, FAM, PROTO, DPORT, SPORT, PEER, LOCAL = range(8)
PROTOCOL_ORDER = (6, 17, 1, 58, 47)
PUBLIC = {V4: INTERNET.only(V4), V6: AddrSpace.parse("2000::/3")}
PRIVATE = {V4: PRIVATE_V4, V6: AddrSpace.parse("fc00::/7")}
LOW = {V4: 0xFF, V6: 0xFFFF}


def _narrow(boxes: Sequence[Box], dim: int, value: Intervals) -> list[Box]:
    """The boxes narrowed to ``value`` on ``dim`` (those left with nothing dropped)."""
    out = []
    for b in boxes:
        meet = iv_and(b[dim], value)
        if meet:
            out.append(b[:dim] + (meet,) + b[dim + 1:])
    return out


def _prefer(boxes: Sequence[Box], dim: int, choices: Sequence[Intervals]) -> list[Box]:
    """Narrowed to the first choice some box meets (unchanged when none does)."""
    for c in choices:
        kept = _narrow(boxes, dim, c)
        if kept:
            return kept
    return list(boxes)


def _smallest(boxes: Sequence[Box], dim: int) -> list[Box]:
    least = min(b[dim][0][0] for b in boxes)
    return _narrow(boxes, dim, point(least))




def _least(ivs: Intervals, ok: Callable[[int], bool]) -> int | None:
    """The smallest value of ``ivs`` that ``ok`` accepts, looking a few values into each
    interval (the conditions used exclude at most two values in a row)."""
    for lo, hi in ivs:
        for v in range(lo, min(hi, lo + 3) + 1):
            if ok(v):
                return v
    return None


def _address(boxes: Sequence[Box], dim: int, family: int, first: AddrSpace,
             avoid: int | None) -> list[Box]:
    """Fix the address on ``dim`` as ``query._address_prefs`` does."""
    low = LOW[family]
    space = addr_intervals(first, family)

    def nonzero(v: int) -> bool:
        return bool(v & low) and v != avoid

    for inside, ok in ((True, nonzero), (True, None), (False, nonzero)):
        found = []
        for b in boxes:
            ivs = iv_and(b[dim], space) if inside else b[dim]
            v = (ivs[0][0] if ivs else None) if ok is None else _least(ivs, ok)
            if v is not None:
                found.append(v)
        if found:
            return _narrow(boxes, dim, point(min(found)))
    return _smallest(boxes, dim)


def canonical(boxes: Sequence[Box], keys: Sequence[GroupKey], universe: Sequence[GroupKey],
              pinned: frozenset[GroupKey] | None) -> Flow:
    """The solver's canonical flow among ``boxes`` (not empty). ``keys``: the group
    dimensions of the boxes (after the eight flow fields); ``universe``: the solver's peer
    group variables; ``pinned``: the peer's groups when the flow set fixes them."""
    if not boxes:
        raise ValueError("no flow to choose from")
    bs = _prefer(boxes, DIR, [point(0)])
    bs = _prefer(bs, NIC, [point(0)])
    bs = _prefer(bs, FAM, [point(0)])
    bs = _prefer(bs, PROTO, [point(p) for p in PROTOCOL_ORDER])
    bs = _smallest(bs, PROTO)
    groups: set[GroupKey] = set(pinned or ())
    for k in sorted(universe):
        if k in keys:
            bs = _prefer(bs, 8 + list(keys).index(k), [point(0), point(1)])
            if bs[0][8 + list(keys).index(k)][0][0] == 1:
                groups.add(k)
    bs = _smallest(bs, DPORT)
    bs = _prefer(bs, SPORT, [((1024, 0xFFFF),)])
    bs = _smallest(bs, SPORT)
    family = V6 if bs[0][FAM][0][0] == 1 else V4
    bs = _address(bs, PEER, family, PRIVATE[family] if groups else PUBLIC[family], None)
    peer = bs[0][PEER][0][0]
    bs = _address(bs, LOCAL, family, PRIVATE[family], peer)
    b = bs[0]
    direction = Direction.INGRESS if b[DIR][0][0] == 0 else Direction.EGRESS
    protocol, local = b[PROTO][0][0], b[LOCAL][0][0]
    ports = protocol in PORT_PROTOCOLS
    src, dst = (peer, local) if direction is Direction.INGRESS else (local, peer)
    return Flow(direction, protocol, family, src, dst, b[SPORT][0][0] if ports else None,
                b[DPORT][0][0] if ports else None,
                Nic.INTERNET if b[NIC][0][0] == 1 else Nic.INTRANET, frozenset(groups))


__all__ = ["canonical"]
