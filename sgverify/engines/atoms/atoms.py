"""Address atoms: the address space cut at every boundary of every rule's address blocks.

Inside one atom no rule can tell two addresses apart, so two interfaces with the same
groups and addresses in the same atom decide every flow alike, as senders, as receivers
and as peers. ``Atoms`` keeps, per family, the atoms that matter (those holding some
interface address, or some internet address a rule names) in address order, and turns a
set of addresses into a bit mask over them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from ...core.addresses import V4, V6, AddrSpace

FAMILIES = (V4, V6)


class Cuts:
    """Boundaries of a family's address line: every block starts an atom and the address
    after its end starts the next one."""

    def __init__(self, spaces: Iterable[AddrSpace]) -> None:
        points: dict[int, set[int]] = {V4: {0}, V6: {0}}
        for space in spaces:
            for r in space:
                points[r.family].add(r.lo)
                points[r.family].add(r.hi + 1)
        self.points = {f: sorted(p) for f, p in points.items()}

    def elementary(self, family: int, value: int) -> tuple[int, int]:
        """The atom holding ``value``: between two neighbouring boundaries."""
        pts = self.points[family]
        k = bisect_right(pts, value) - 1
        hi = pts[k + 1] - 1 if k + 1 < len(pts) else (1 << (32 if family == V4 else 128)) - 1
        return pts[k], hi

    def pieces(self, space: AddrSpace) -> list[tuple[int, int, int, int, int]]:
        """``space`` cut into (family, atom lo, atom hi, piece lo, piece hi): each piece of
        ``space`` with the whole atom it lies in."""
        out = []
        for fam, lo, hi in self.split(space):
            alo, ahi = self.elementary(fam, lo)
            out.append((fam, alo, ahi, lo, hi))
        return out

    def split(self, space: AddrSpace) -> list[tuple[int, int, int]]:
        """``space`` as atoms (family, lo, hi)."""
        out = []
        for r in space:
            pts = self.points[r.family]
            i = bisect_right(pts, r.lo)
            lo = r.lo
            while i < len(pts) and pts[i] <= r.hi:
                out.append((r.family, lo, pts[i] - 1))
                lo = pts[i]
                i += 1
            out.append((r.family, lo, r.hi))
        return out


class Atoms:
    """The atoms in use, per family, in address order; position = index in that order."""

    def __init__(self, atoms: Iterable[tuple[int, int, int]]) -> None:
        unique = sorted(set(atoms))
        self.ranges: dict[int, list[tuple[int, int]]] = {f: [] for f in FAMILIES}
        for fam, lo, hi in unique:
            self.ranges[fam].append((lo, hi))
        self.los = {f: [lo for lo, _ in self.ranges[f]] for f in FAMILIES}
        self.index = {(fam, lo): i for fam in FAMILIES for i, (lo, _) in enumerate(self.ranges[fam])}

    def position(self, family: int, lo: int) -> int:
        return self.index[(family, lo)]

    def count(self, family: int) -> int:
        return len(self.ranges[family])

    def spans(self, space: AddrSpace, family: int) -> list[tuple[int, int]]:
        """Position ranges [i, j) of the atoms inside ``space`` (which must be a union of
        whole atoms of the cuts these atoms come from)."""
        los = self.los[family]
        out = []
        for r in space:
            if r.family != family:
                continue
            i, j = bisect_left(los, r.lo), bisect_right(los, r.hi)
            if i < j:
                out.append((i, j))
        return out

    def masks(self, family: int, items: Iterable[tuple[int, AddrSpace]]) -> list[int]:
        """For every atom position, the OR of the bits whose space holds that atom."""
        n = self.count(family)
        diff = [0] * (n + 1)
        for bit, space in items:
            for i, j in self.spans(space, family):
                diff[i] ^= bit
                diff[j] ^= bit
        out, run = [], 0
        for k in range(n):
            run ^= diff[k]
            out.append(run)
        return out


def nice_address(lo: int, hi: int, family: int) -> int:
    """An address of [lo, hi] that reads well: the last byte (IPv6: 16 bits) not zero if
    possible."""
    mask = 0xFF if family == V4 else 0xFFFF
    if lo & mask == 0 and lo + 1 <= hi:
        return lo + 1
    return lo


__all__ = ["FAMILIES", "Atoms", "Cuts", "nice_address"]
