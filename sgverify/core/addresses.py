"""Address arithmetic: IPv4/IPv6 blocks as merged integer intervals, and the one
documented definition of "the internet" (every public address).

Both the Z3 encoder and the concrete evaluator read address sets from here, so a
CIDR means exactly the same thing to both.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from .numbers import cut, shown, whole
from .records import quick_maker

V4, V6 = 4, 6
WIDTH = {V4: 32, V6: 128}
MAX = {V4: (1 << 32) - 1, V6: (1 << 128) - 1}


@dataclass(frozen=True, order=True, slots=True)
class AddrRange:
    """An inclusive interval [lo, hi] of addresses of one family (4 or 6)."""

    family: int
    lo: int
    hi: int

    def __post_init__(self) -> None:
        if self.family not in WIDTH or not 0 <= self.lo <= self.hi <= MAX[self.family]:
            raise ValueError(f"bad address range {self!r}")

    def contains(self, family: int, value: int) -> bool:
        return family == self.family and self.lo <= value <= self.hi


def _merge(ranges: Iterable[AddrRange]) -> tuple[AddrRange, ...]:
    out: list[AddrRange] = []
    for r in sorted(ranges):
        if out and out[-1].family == r.family and r.lo <= out[-1].hi + 1:
            if r.hi > out[-1].hi:
                out[-1] = AddrRange(r.family, out[-1].lo, r.hi)
        else:
            out.append(r)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class AddrSpace:
    """A set of addresses: sorted, merged, disjoint ranges (IPv4 ranges before IPv6).

    >>> s = AddrSpace.parse("10.0.0.0/8") | AddrSpace.parse("11.0.0.0/8")
    >>> s.cidrs()
    ['10.0.0.0/7']
    """

    ranges: tuple[AddrRange, ...] = ()

    @staticmethod
    def of(ranges: Iterable[AddrRange]) -> AddrSpace:
        return AddrSpace(_merge(ranges))

    @staticmethod
    def union(spaces: Iterable[AddrSpace]) -> AddrSpace:
        """Every address of any of ``spaces``, merged once (n log n; ``|`` in a loop would
        merge again at every step). One non-empty space is its own union (spaces are kept
        merged), which is what most rules hold."""
        given = [sp for sp in spaces if sp.ranges]
        if len(given) <= 1:
            return given[0] if given else AddrSpace()
        return AddrSpace(_merge(r for sp in given for r in sp.ranges))

    @staticmethod
    def parse(text: str) -> AddrSpace:
        """One CIDR or address (strict: host bits must be zero)."""
        return AddrSpace.of([cidr_range(ipaddress.ip_network(text, strict=True))])

    @staticmethod
    def everything(family: int | None = None) -> AddrSpace:
        fams = [family] if family else [V4, V6]
        return AddrSpace(tuple(AddrRange(f, 0, MAX[f]) for f in fams))

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __or__(self, other: AddrSpace) -> AddrSpace:
        return AddrSpace.of(self.ranges + other.ranges)

    def __and__(self, other: AddrSpace) -> AddrSpace:
        """One sweep over both sorted lists (the audit intersects with the internet, dozens
        of ranges, a hundred thousand times: every pair was 14 of 78 s of a profile)."""
        a, b = self.ranges, other.ranges
        out: list[AddrRange] = []
        i = j = 0
        while i < len(a) and j < len(b):
            x, y = a[i], b[j]
            if x.family != y.family:
                if x.family < y.family:
                    i += 1
                else:
                    j += 1
                continue
            lo, hi = max(x.lo, y.lo), min(x.hi, y.hi)
            if lo <= hi:
                out.append(x if lo == x.lo and hi == x.hi else y if lo == y.lo and hi == y.hi
                           else AddrRange(x.family, lo, hi))
            if x.hi < y.hi:
                i += 1
            else:
                j += 1
        if all(p.family < q.family or (p.family == q.family and p.hi + 1 < q.lo)
               for p, q in zip(out, out[1:])):
            return AddrSpace(tuple(out))  # merged already (both sides were)
        return AddrSpace.of(out)

    def __sub__(self, other: AddrSpace) -> AddrSpace:
        return self & other.complement()

    def complement(self) -> AddrSpace:
        out = []
        for fam in (V4, V6):
            nxt = 0
            for r in self.ranges:
                if r.family != fam:
                    continue
                if r.lo > nxt:
                    out.append(AddrRange(fam, nxt, r.lo - 1))
                nxt = r.hi + 1
            if nxt <= MAX[fam]:
                out.append(AddrRange(fam, nxt, MAX[fam]))
        return AddrSpace(tuple(out))

    def contains(self, family: int, value: int) -> bool:
        # A plain loop (not any() over a generator): the evaluator asks this of every rule
        # for every flow it replays.
        for r in self.ranges:
            if r.family == family and r.lo <= value <= r.hi:
                return True
        return False

    def families(self) -> frozenset[int]:
        return frozenset(r.family for r in self.ranges)

    def only(self, family: int) -> AddrSpace:
        return AddrSpace(tuple(r for r in self.ranges if r.family == family))

    def cidrs(self) -> list[str]:
        """The ranges as a minimal list of CIDR strings: each range split into the largest
        aligned blocks from its start, as ``ipaddress.summarize_address_range`` splits it
        (written out: its address objects were a large share of a lint report's time)."""
        out: list[str] = []
        for r in self.ranges:
            width = 32 if r.family == V4 else 128
            lo, hi = r.lo, r.hi
            while lo <= hi:
                bits = min((lo & -lo).bit_length() - 1 if lo else width,
                           (hi - lo + 1).bit_length() - 1)
                if width == 32:
                    out.append(f"{lo >> 24}.{lo >> 16 & 255}.{lo >> 8 & 255}.{lo & 255}"
                               f"/{32 - bits}")
                else:
                    out.append(f"{v6_text(lo)}/{128 - bits}")
                lo += 1 << bits
        return out

    def __iter__(self) -> Iterator[AddrRange]:
        return iter(self.ranges)

    def __str__(self) -> str:
        return ", ".join(self.cidrs()) or "(no address)"


def cidr_range(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> AddrRange:
    fam = V4 if net.version == 4 else V6
    return AddrRange(fam, int(net.network_address), int(net.broadcast_address))


def cidr_problem(text: str) -> str | None:
    """Why ``text`` is not an address or CIDR block, in plain words (None if it is one)."""
    addr, slash, plen = text.partition("/")
    if "%" in addr:  # ipaddress reads 'fe80::1%eth0'; a rule cannot name an interface zone
        return f"'{cut(addr)}' has a zone id ('%...'), which a security group rule cannot hold"
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        if ":" in addr:
            return f"'{cut(addr)}' is not a valid IPv6 address"
        parts = addr.split(".")
        bad = [p for p in parts if p.isascii() and p.isdigit() and (whole(p) or 256) > 255]
        if len(parts) == 4 and bad:
            return f"'{cut(addr)}' has an octet greater than 255 ({shown(bad[0])})"
        return f"'{cut(addr)}' is not a valid IPv4 address"
    if slash:
        width = 32 if ip.version == 4 else 128
        if not (plen.isascii() and plen.isdigit()) or _small(plen) > width:  # ASCII digits only
            return f"prefix length /{shown(plen)} is not in 0..{width} for an IPv{ip.version} block"
    return None


@dataclass(frozen=True)
class Cidr:
    """An address or CIDR block as read: its addresses, the block as ``ipaddress`` prints
    it, and whether the address part had bits set past the prefix (read as the block)."""

    family: int
    space: AddrSpace
    network: str
    host_bits: bool


OCTET_RE = r"25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]"
"""One IPv4 octet as ``exact_block`` takes it (no leading zero), without a group."""
_OCTET = rf"({OCTET_RE})"
_IPV4_CIDR = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?:/([0-9]+))?")


@lru_cache(maxsize=1 << 16)
def read_cidr(text: str) -> Cidr | str:
    """The block ``text`` names, or why it names none (``cidr_problem``). Plain IPv4
    and plain IPv6 are read directly (they are most of what fleets hold, and ``ipaddress``
    costs tens of microseconds a block); everything else goes through ``ipaddress``. The
    test suite compares both ways on generated texts. Cached: fleets repeat their blocks."""
    m = _IPV4_CIDR.fullmatch(text)
    if m is None:
        return _read_ipv6(text) if ":" in text else _read_cidr_slowly(text)
    a, b, c, d, digits = m.groups()
    plen = 32 if digits is None else _small(digits)
    if plen > 32:
        return _read_cidr_slowly(text)
    value = int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)
    size = 1 << (32 - plen)
    lo = value & ~(size - 1) & MAX[V4]
    network = f"{lo >> 24}.{lo >> 16 & 255}.{lo >> 8 & 255}.{lo & 255}/{plen}"
    return Cidr(V4, AddrSpace((AddrRange(V4, lo, lo + size - 1),)), network,
                digits is not None and lo != value)


# An IPv6 address of hexadecimal groups (no IPv4 tail, no zone), with a prefix length.
_IPV6_CIDR = re.compile(r"([0-9A-Fa-f:]*)(?:/([0-9]+))?")


def _ipv6_value(text: str) -> tuple[int, int, bool] | None:
    """(address, prefix length, whether a prefix length was written) of a plain IPv6 text
    (hexadecimal groups, at most one '::'), read by the rules of ``ipaddress``; None for
    anything else (an IPv4 tail, a zone, a bad form), which ``ipaddress`` reads and words."""
    m = _IPV6_CIDR.fullmatch(text)
    if m is None:
        return None
    addr, digits = m.groups()
    parts = addr.split(":")
    if not 3 <= len(parts) <= 9 or any(len(p) > 4 for p in parts):
        return None
    inner = [i for i in range(1, len(parts) - 1) if not parts[i]]
    if len(inner) > 1:
        return None
    if inner:  # '::' at inner[0]: the groups before and after it, the rest zero
        hi_parts, lo_parts = parts[:inner[0]], parts[inner[0] + 1:]
        if hi_parts == [""]:
            hi_parts = []
        if lo_parts == [""]:
            lo_parts = []
        if "" in hi_parts or "" in lo_parts or len(hi_parts) + len(lo_parts) > 7:
            return None
        groups = hi_parts + ["0"] * (8 - len(hi_parts) - len(lo_parts)) + lo_parts
    else:
        if len(parts) != 8 or "" in parts:
            return None
        groups = parts
    plen = 128 if digits is None else _small(digits)
    if plen > 128:
        return None
    return int("".join(g.rjust(4, "0") for g in groups), 16), plen, digits is not None


def _read_ipv6(text: str) -> Cidr | str:
    """``read_cidr`` for IPv6: the plain forms read directly (``_ipv6_value``), the others
    through ``ipaddress``."""
    read = _ipv6_value(text)
    if read is None:
        return _read_cidr_slowly(text)
    value, plen, written = read
    size = 1 << (128 - plen)
    lo = value & ~(size - 1)
    return Cidr(V6, AddrSpace((AddrRange(V6, lo, lo + size - 1),)), f"{v6_text(lo)}/{plen}",
                written and lo != value)


def v6_text(value: int) -> str:
    """An IPv6 address as ``ipaddress`` prints it: lower-case groups without leading zeros,
    the first longest run of two or more zero groups written '::' (RFC 5952)."""
    groups = [f"{value >> s & 0xFFFF:x}" for s in range(112, -1, -16)]
    best, best_len, start, run = -1, 0, -1, 0
    for i, g in enumerate(groups):
        if g == "0":
            if run == 0:
                start = i
            run += 1
            if run > best_len:
                best, best_len = start, run
        else:
            run = 0
    if best_len > 1:
        end = best + best_len
        if end == 8:
            groups.append("")
        groups[best:end] = [""]
        if best == 0:
            groups.insert(0, "")
    return ":".join(groups)


_checked_range = quick_maker(AddrRange, checked=True)
_space = quick_maker(AddrSpace)


def exact_block(text: str) -> AddrSpace | None:
    """The addresses of ``text`` when it is an address or a CIDR block without host bits
    (what a rule holds without a diagnostic), else None (``read_cidr`` says why). The same
    as ``read_cidr``'s space, without what only a message needs; a plain IPv4 or IPv6
    block, most of any fleet, is made directly."""
    m = _IPV4_CIDR.fullmatch(text)
    if m is not None:
        a, b, c, d, digits = m.groups()
        return ipv4_block(text, a, b, c, d, digits)
    elif ":" in text:
        read = _ipv6_value(text)
        if read is not None:
            value, plen, _ = read
            return _aligned(V6, value, 128 - plen)
    cidr = read_cidr(text)
    return None if isinstance(cidr, str) or cidr.host_bits else cidr.space


def ipv4_block(text: str, a: str, b: str, c: str, d: str, digits: str | None
               ) -> AddrSpace | None:
    """``exact_block(text)`` for a ``text`` whose octets ``a``-``d`` (and prefix
    ``digits``) a caller's match of ``OCTET_RE`` (each octet) has already cut: a reader
    that matched them need not match the text again."""
    value = int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)
    if digits is None:
        return _space((_checked_range(V4, value, value),))
    plen = int(digits) if len(digits) < 4 else _small(digits)
    if plen <= 32:
        return _aligned(V4, value, 32 - plen)
    cidr = read_cidr(text)
    return None if isinstance(cidr, str) or cidr.host_bits else cidr.space


def _aligned(family: int, value: int, host_bits: int) -> AddrSpace | None:
    """The block of ``value`` with ``host_bits`` free bits; None when any of them is set
    (W110)."""
    size = 1 << host_bits
    if value & (size - 1):
        return None
    return _space((_checked_range(family, value, value + size - 1),))


def _small(digits: str) -> int:
    """A prefix length's value (ASCII digits) as ``ipaddress`` reads it: 999 (out of range)
    past the digits ``int()`` converts, where ``ipaddress`` refuses the block too."""
    limit = sys.get_int_max_str_digits() or len(digits)  # 0: no limit set
    return int(digits) if len(digits) <= limit else 999


def _read_cidr_slowly(text: str) -> Cidr | str:
    problem = cidr_problem(text)
    if problem:
        return problem
    net = ipaddress.ip_network(text, strict=False)
    host = "/" in text and ipaddress.ip_address(text.split("/")[0]) != net.network_address
    return Cidr(V4 if net.version == 4 else V6, AddrSpace.of([cidr_range(net)]), str(net), host)


def format_address(family: int, value: int) -> str:
    return str(ipaddress.IPv4Address(value) if family == V4 else ipaddress.IPv6Address(value))


def parse_address(text: str) -> tuple[int, int]:
    """'1.2.3.4' or '2001:db8::1' -> (family, integer); raises ValueError."""
    addr = ipaddress.ip_address(text)
    return (V4 if addr.version == 4 else V6), int(addr)


# NOTE(internet): the one definition of "the internet" / "any public address"
# (semantics.md, section "The internet"): everything except the special-purpose blocks below.
SPECIAL_PURPOSE_V4 = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
)
SPECIAL_PURPOSE_V6 = ("::1/128", "fc00::/7", "fe80::/10", "ff00::/8")

SPECIAL_PURPOSE = AddrSpace.of(
    cidr_range(ipaddress.ip_network(c)) for c in SPECIAL_PURPOSE_V4 + SPECIAL_PURPOSE_V6
)
INTERNET = SPECIAL_PURPOSE.complement()
ANY = AddrSpace.everything()
PRIVATE_V4 = AddrSpace.of(
    cidr_range(ipaddress.ip_network(c)) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
