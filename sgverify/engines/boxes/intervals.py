"""Boxes: products of integer interval sets, with exact intersection and subtraction.

A box constrains every flow field to a set of integer intervals; a set of flows is a list
of boxes. This is the arithmetic of the certifier (``certify``), written independently of
the Z3 encoding so that the two can check each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from ...core.addresses import AddrSpace

Intervals = tuple[tuple[int, int], ...]  # sorted, disjoint, non-adjacent, inclusive
Box = tuple[Intervals, ...]


def iv(*pairs: tuple[int, int]) -> Intervals:
    return normalise(pairs)


def point(v: int) -> Intervals:
    return ((v, v),)


def normalise(pairs: Iterable[tuple[int, int]]) -> Intervals:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(p for p in pairs if p[0] <= p[1]):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def addr_intervals(space: AddrSpace, family: int) -> Intervals:
    """The addresses of ``space`` of one family, as the intervals of an address dimension
    (the one conversion every box engine uses)."""
    ranges = space.ranges
    if len(ranges) == 1:  # most rules' peers: one block, nothing to sort or merge
        r = ranges[0]
        return ((r.lo, r.hi),) if r.family == family and r.lo <= r.hi else ()
    return normalise((r.lo, r.hi) for r in space if r.family == family)


def iv_and(a: Intervals, b: Intervals) -> Intervals:
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def iv_sub(a: Intervals, b: Intervals) -> Intervals:
    out = []
    j = 0
    for lo, hi in a:
        cur = lo
        while j < len(b) and b[j][1] < cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= hi:
            if b[k][0] > cur:
                out.append((cur, b[k][0] - 1))
            cur = max(cur, b[k][1] + 1)
            if cur > hi:
                break
            k += 1
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)


def box_and(a: Box, b: Box) -> Box | None:
    """a & b, or None when empty (``box_and_on`` over every dimension, with its fast paths
    for equal dimensions and single intervals: the audit calls this millions of times)."""
    return box_and_on(a, b, range(len(a)))


def active_dims(box: Box, full: Box) -> tuple[int, ...]:
    """The dimensions in which ``box`` is narrower than ``full`` (the whole box of its
    layout), in order: in the others it takes nothing from a box of that layout, so
    ``box_and_on`` and ``box_sub_on`` need only these (a rule's box on an interface with
    many peer groups narrows a handful of some sixty dimensions)."""
    return tuple([d for d, (x, f) in enumerate(zip(box, full)) if x is not f and x != f])


def box_and_on(a: Box, b: Box, on: Sequence[int]) -> Box | None:
    """a & b, or None when empty, where ``b`` is whole outside the dimensions ``on``
    (``active_dims``): worked out on those alone."""
    out = list(a)
    for d in on:
        x, y = a[d], b[d]
        if x is y or x == y:
            continue
        if len(x) == 1 and len(y) == 1:
            lo, hi = max(x[0][0], y[0][0]), min(x[0][1], y[0][1])
            if lo > hi:
                return None
            out[d] = ((lo, hi),)
        else:
            z = iv_and(x, y)
            if not z:
                return None
            out[d] = z
    return tuple(out)


def box_sub_on(a: Box, b: Box, inter: Box, on: Sequence[int]) -> list[Box]:
    """a minus b (``inter``: a & b) as disjoint boxes, where ``b`` is whole outside the
    dimensions ``on`` (in the others ``a`` lies inside ``b``: nothing is left there)."""
    out = []
    cur = list(a)
    for i in on:
        x = a[i]
        if x is inter[i] or x == inter[i]:
            continue
        rest = iv_sub(x, b[i])
        if rest:
            piece = cur.copy()
            piece[i] = rest
            out.append(tuple(piece))
        cur[i] = inter[i]
    return out


def box_sub(a: Box, b: Box, inter: Box | None = None) -> list[Box]:
    """a minus b as disjoint boxes (at most one per dimension); ``inter``: a & b if known."""
    if inter is None:
        inter = box_and(a, b)
        if inter is None:
            return [a]
    return box_sub_on(a, b, inter, range(len(a)))


class BudgetExceeded(Exception):
    """The decomposition grew past its box budget; the result is 'not certified'."""


@dataclass
class Budget:
    limit: int = 200_000
    used: int = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise BudgetExceeded(f"more than {self.limit} boxes")


def carve(region: Sequence[Box], cutters: Sequence[Box], budget: Budget,
          dims: Sequence[int] = (),
          active: Sequence[Sequence[int]] | None = None) -> tuple[list[Box], list[Box]]:
    """Split ``region`` (disjoint boxes) into (inside any cutter, outside all cutters),
    both lists of disjoint boxes. With ``dims``, pairs whose hulls miss each other in one
    of them are skipped before intersecting (``hulls_meet``): the same boxes, in the same
    order, and the same budget spent (a skipped pair is one kept whole anyway).
    ``active``: each cutter's ``active_dims`` in the layout of ``region`` (the same boxes,
    worked out on those dimensions alone)."""
    inside: list[Box] = []
    rest = list(region)
    for n, c in enumerate(cutters):
        if not rest:
            break
        on = None if active is None else active[n]
        nxt: list[Box] = []
        for r in rest:
            for d in dims:  # hulls_meet, written out: it runs for every pair
                x, y = r[d], c[d]
                if x[0][0] > y[-1][1] or y[0][0] > x[-1][1]:
                    inter = None
                    break
            else:
                inter = box_and(r, c) if on is None else box_and_on(r, c, on)
            if inter is None:
                nxt.append(r)
                continue
            inside.append(inter)
            pieces = box_sub(r, c, inter) if on is None else box_sub_on(r, c, inter, on)
            budget.spend(len(pieces))
            nxt.extend(pieces)
        rest = nxt
    return inside, rest


def outside(region: Sequence[Box], cutters: Sequence[Box], budget: Budget) -> list[Box]:
    """``region`` minus every cutter."""
    return carve(region, cutters, budget)[1]


def coalesce(boxes: Iterable[Box]) -> list[Box]:
    """The same union in fewer boxes: boxes equal in every dimension but one become one box
    (the union of that dimension), until no two are. Linear per pass; it turns the boxes of
    a flow set with thousands of ``or`` services, or a peer list of thousands of blocks,
    into a handful before they are made disjoint (which is quadratic in their number)."""
    out = list(boxes)
    changed = len(out) > 1
    while changed:
        changed = False
        for d in range(len(out[0]) if out else 0):
            merged: dict[Box, list[Intervals]] = {}
            for b in out:
                merged.setdefault(b[:d] + b[d + 1:], []).append(b[d])
            if len(merged) < len(out):
                out = [key[:d] + (normalise(iv for ivs in vals for iv in ivs),) + key[d:]
                       for key, vals in merged.items()]
                changed = len(out) > 1
    return out


def disjoint(boxes: Iterable[Box], budget: Budget) -> list[Box]:
    """The union of ``boxes`` (which may overlap) as disjoint boxes."""
    out: list[Box] = []
    for b in coalesce(boxes):
        out += carve([b], out, budget)[1]
    return out


def cross(a: Sequence[Box], b: Sequence[Box]) -> list[Box]:
    """The non-empty pairwise intersections of two lists of boxes."""
    out = []
    for x in a:
        for y in b:
            z = box_and(x, y)
            if z is not None:
                out.append(z)
    return out


def lowest(box: Box) -> tuple[int, ...]:
    """The smallest point of a box (a concrete representative)."""
    return tuple(d[0][0] for d in box)


def hulls_meet(a: Box, b: Box, dims: Sequence[int]) -> bool:
    """Do the hulls of ``a`` and ``b`` overlap in each of ``dims``? False means the boxes
    are disjoint (a necessary test for ``box_and``, a few comparisons instead of a pass
    over every dimension)."""
    for d in dims:
        x, y = a[d], b[d]
        if x[0][0] > y[-1][1] or y[0][0] > x[-1][1]:
            return False
    return True
