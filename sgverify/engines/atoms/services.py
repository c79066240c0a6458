"""The service space (protocol, destination port, source port) cut into atoms.

Every rule, and every service a query names, is a union of atoms, so a set of services is
a bit mask over the atoms (a Python int) and intersecting two sets is one ``&``. Atoms are
ordered so that the lowest set bit is the service a witness should show first (TCP, then
UDP, ICMP, ICMPv6, GRE, then other protocols; low destination ports first).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ...core.addresses import V4, V6
from ...core.model import (
    GRE,
    ICMP,
    ICMPV6,
    MAX_PORT,
    PORT_PROTOCOLS,
    TCP,
    UDP,
    PortRange,
    Rule,
    Service,
    protocol_name,
)

PORT_PROTOS = (TCP, UDP)
PREFERRED = (ICMP, ICMPV6, GRE)  # non-port protocols shown first, in this order
SMTP = 25


@dataclass(frozen=True)
class ServiceBox:
    """Protocols (None = all), destination ports and source ports (None = all)."""

    protocols: frozenset[int] | None = None
    ports: tuple[PortRange, ...] | None = None
    source_ports: tuple[PortRange, ...] | None = None


@dataclass(frozen=True)
class Atom:
    """Protocols plo..phi; for TCP/UDP also destination ports dlo..dhi and source ports
    slo..shi (0..0 for the protocols without ports)."""

    plo: int
    phi: int
    dlo: int = 0
    dhi: int = 0
    slo: int = 0
    shi: int = 0


def _cuts(ranges: Iterable[PortRange]) -> list[int]:
    """Interval starts of the partition of 1..65535 that the ranges induce."""
    points = {1}
    for r in ranges:
        points.add(r.lo)
        if r.hi < MAX_PORT:
            points.add(r.hi + 1)
    return sorted(points)


def _intervals(starts: list[int]) -> list[tuple[int, int]]:
    return [(lo, (starts[i + 1] - 1) if i + 1 < len(starts) else MAX_PORT)
            for i, lo in enumerate(starts)]


class ServiceSpace:
    """The atoms induced by ``rules`` and ``extra`` boxes (query services)."""

    def __init__(self, rules: Iterable[Rule], extra: Iterable[ServiceBox] = ()) -> None:
        dports: list[PortRange] = [PortRange(SMTP, SMTP)]  # the platform block of TCP 25
        sports: list[PortRange] = []
        protos = set(PREFERRED)
        for r in rules:
            if r.protocol is not None:
                protos.add(r.protocol)
            dports += r.ports or ()
            sports += r.source_ports or ()
        for b in extra:
            protos |= set(b.protocols or ())
            dports += b.ports or ()
            sports += b.source_ports or ()
        self.dstarts = _cuts(dports)
        self.sstarts = _cuts(sports)
        self.nd, self.ns = len(self.dstarts), len(self.sstarts)
        grid = self.nd * self.ns
        self.base = {TCP: 0, UDP: grid}
        atoms: list[Atom] = []
        for p in PORT_PROTOS:
            for dlo, dhi in _intervals(self.dstarts):
                for slo, shi in _intervals(self.sstarts):
                    atoms.append(Atom(p, p, dlo, dhi, slo, shi))
        cuts = sorted({0, 256} | {p for p in protos if 0 <= p <= 255} |
                      {p + 1 for p in protos if 0 <= p <= 255} | {TCP, TCP + 1, UDP, UDP + 1})
        other = [(lo, hi - 1) for lo, hi in zip(cuts, cuts[1:]) if lo not in PORT_PROTOCOLS]
        rank = {p: i for i, p in enumerate(PREFERRED)}
        other.sort(key=lambda iv: (rank.get(iv[0], len(rank)) if iv[0] == iv[1] else len(rank), iv[0]))
        self.other_index: dict[int, int] = {}
        for lo, hi in other:
            self.other_index[lo] = len(atoms)
            atoms.append(Atom(lo, hi))
        self.other_los = sorted(self.other_index)
        self.atoms: tuple[Atom, ...] = tuple(atoms)
        self.everything = (1 << len(atoms)) - 1
        ports_all = ((1 << (2 * grid)) - 1)
        self.well_formed = {
            V4: ports_all | self._others(lambda lo, hi: not lo <= ICMPV6 <= hi),
            V6: ports_all | self._others(lambda lo, hi: not lo <= ICMP <= hi),
        }
        self.smtp = self.box_mask(ServiceBox(frozenset({TCP}), (PortRange(SMTP, SMTP),)))
        self._rule_masks: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.atoms)

    def _others(self, keep) -> int:  # type: ignore[no-untyped-def]
        mask = 0
        for i in self.other_index.values():
            a = self.atoms[i]
            if keep(a.plo, a.phi):
                mask |= 1 << i
        return mask

    def _span(self, starts: list[int], ranges: Sequence[PortRange] | None) -> list[tuple[int, int]]:
        """Index ranges [i, j) of the intervals that ``ranges`` cover (None: all)."""
        if ranges is None:
            return [(0, len(starts))]
        out = []
        for r in ranges:
            i = bisect_left(starts, r.lo)
            j = bisect_right(starts, r.hi)
            if i < j:
                out.append((i, j))
        return out

    def box_mask(self, box: ServiceBox) -> int:
        """The atoms inside ``box`` (the box's port bounds must be among the cut points)."""
        mask = 0
        with_ports = box.ports is not None or box.source_ports is not None
        for p in PORT_PROTOS:
            if box.protocols is not None and p not in box.protocols:
                continue
            for di, dj in self._span(self.dstarts, box.ports):
                for si, sj in self._span(self.sstarts, box.source_ports):
                    if si == 0 and sj == self.ns:
                        width = (dj - di) * self.ns
                        mask |= ((1 << width) - 1) << (self.base[p] + di * self.ns)
                    else:
                        for d in range(di, dj):
                            start = self.base[p] + d * self.ns + si
                            mask |= ((1 << (sj - si)) - 1) << start
        if with_ports:
            return mask
        if box.protocols is None:
            return mask | self._others(lambda lo, hi: True)
        for proto in box.protocols:
            if proto in PORT_PROTOCOLS:
                continue
            k = bisect_right(self.other_los, proto) - 1
            if k >= 0:
                i = self.other_index[self.other_los[k]]
                a = self.atoms[i]
                if a.plo == proto == a.phi:
                    mask |= 1 << i
                else:
                    raise ValueError(f"protocol {proto} is not a cut point of this service space")
        return mask

    def rule_mask(self, rule: Rule) -> int:
        """The services ``rule`` matches (its peer, addresses and NIC aside)."""
        key = id(rule)
        hit = self._rule_masks.get(key)
        if hit is None:
            protos = None if rule.protocol is None else frozenset({rule.protocol})
            hit = self.box_mask(ServiceBox(protos, rule.ports, rule.source_ports))
            self._rule_masks[key] = hit
        return hit

    def service_mask(self, services: tuple[Service, ...] | None,
                     source_ports: tuple[PortRange, ...] | None = None) -> int:
        """A flow set's services and source ports as a mask (None services: all)."""
        boxes = [ServiceBox(None, None, source_ports)] if services is None else [
            ServiceBox(s.protocols, s.ports, source_ports) for s in services]
        mask = 0
        for b in boxes:
            mask |= self.box_mask(b)
        return mask

    # ------------------------------------------------------------ reading masks back
    def first(self, mask: int) -> tuple[int, int | None, int | None]:
        """The service a witness shows for a non-empty ``mask``: (protocol, destination
        port, source port); ports are None for protocols without ports."""
        low = (mask & -mask).bit_length() - 1
        a = self.atoms[low]
        if a.plo in PORT_PROTOCOLS:
            # Within this destination row, a source port of 1024 or above if the mask has one.
            start = low - (low - self.base[a.plo]) % self.ns
            for k in range(start, start + self.ns):
                b = self.atoms[k]
                if mask >> k & 1 and b.shi >= 1024:
                    return b.plo, b.dlo, max(b.slo, 1024)
            return a.plo, a.dlo, a.slo
        return a.plo, None, None

    def describe(self, mask: int, family: int | None = None) -> str:
        """Plain words for a set of services, e.g. 'tcp 22, 80-443; udp 53; icmp'."""
        if not mask:
            return "nothing"
        wf4, wf6 = self.well_formed[V4], self.well_formed[V6]
        if family in (V4, V6):
            mask &= self.well_formed[family]
        if mask & (wf4 | wf6) == wf4 | wf6 or (family in (V4, V6) and mask == self.well_formed[family]):
            return "every protocol and port"
        if mask == wf4:
            return "every protocol and port (IPv4)"
        if mask == wf6:
            return "every protocol and port (IPv6)"
        parts = []
        for p in PORT_PROTOS:
            ports = self.ports_of(mask, p)
            if ports:
                text = "all ports" if ports == [(1, MAX_PORT)] else ", ".join(
                    str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)
                parts.append(f"{protocol_name(p)} {text}")
        others = self.protocols_of(mask)
        if others:
            present = {i for i in self.other_index.values() if mask >> i & 1}
            missing = [self.atoms[i] for i in self.other_index.values() if i not in present]
            if not missing:
                parts.append("every other protocol")
            elif len(missing) == 1 and missing[0].plo == missing[0].phi and len(present) > 3:
                parts.append(f"every other protocol but {protocol_name(missing[0].plo)}")
            else:
                parts.append(", ".join(protocol_name(lo) if lo == hi else f"proto {lo}-{hi}"
                                       for lo, hi in others))
        return "; ".join(parts)

    def ports_of(self, mask: int, protocol: int) -> list[tuple[int, int]]:
        """Destination port intervals of ``protocol`` with at least one atom in ``mask``
        (merged). Works run by run of set bits, so it costs little on big spaces."""
        base = self.base[protocol]
        region = (mask >> base) & ((1 << (self.nd * self.ns)) - 1)
        if not region:
            return []
        rows: list[tuple[int, int]] = []  # destination rows with a set atom, merged
        for i, j in bit_runs(region):  # a run of atoms touches every row it spans
            first, last = i // self.ns, j // self.ns
            if rows and first <= rows[-1][1] + 1:
                rows[-1] = (rows[-1][0], max(last, rows[-1][1]))
            else:
                rows.append((first, last))
        return [(self.dstarts[i], self.dstarts[j + 1] - 1 if j + 1 < self.nd else MAX_PORT)
                for i, j in rows]

    def protocols_of(self, mask: int) -> list[tuple[int, int]]:
        """Protocol intervals (without ports) present in ``mask``, ascending and merged."""
        ivs = sorted((self.atoms[i].plo, self.atoms[i].phi)
                     for i in self.other_index.values() if mask >> i & 1)
        out: list[tuple[int, int]] = []
        for lo, hi in ivs:
            if out and out[-1][1] + 1 == lo:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
        return out

    def to_json(self, mask: int) -> list[dict[str, object]]:
        """The services of ``mask`` as JSON items (protocol name or number, ports)."""
        out: list[dict[str, object]] = []
        for p in PORT_PROTOS:
            ports = self.ports_of(mask, p)
            if ports:
                out.append({"protocol": protocol_name(p),
                            "ports": [lo if lo == hi else f"{lo}-{hi}" for lo, hi in ports]})
        for lo, hi in self.protocols_of(mask):
            out.append({"protocol": protocol_name(lo) if lo == hi else f"proto {lo}-{hi}",
                        "ports": None})
        return out

    def count_ports(self, mask: int) -> int:
        """How many (protocol, destination port) services ``mask`` touches (a heat value)."""
        total = 0
        for p in PORT_PROTOS:
            total += sum(hi - lo + 1 for lo, hi in self.ports_of(mask, p))
        total += sum(hi - lo + 1 for lo, hi in self.protocols_of(mask))
        return total


def bit_runs(x: int) -> list[tuple[int, int]]:
    """The runs of consecutive set bits of ``x``, as (first, last) bit positions."""
    out = []
    while x:
        low = x & -x
        run = x & ~(x + low)  # adding the lowest bit clears exactly the lowest run
        out.append((low.bit_length() - 1, run.bit_length() - 1))
        x ^= run
    return out


__all__ = ["Atom", "ServiceBox", "ServiceSpace", "bit_runs"]
