"""Box intersection and subtraction, as in ``boxes`` but quicker on the common case of
single-interval dimensions and shared dimension values (the audit calls them millions of
times). Same results as ``boxes.box_and`` / ``boxes.box_sub`` / ``boxes.carve``."""

from __future__ import annotations

from collections.abc import Sequence

from ..boxes import Box, Budget, iv_and, iv_sub


def box_and(a: Box, b: Box) -> Box | None:
    out = []
    for x, y in zip(a, b):
        if x is y or x == y:
            out.append(x)
        elif len(x) == 1 and len(y) == 1:
            lo = max(y[0][0], x[0][0])
            hi = min(y[0][1], x[0][1])
            if lo > hi:
                return None
            out.append(((lo, hi),))
        else:
            z = iv_and(x, y)
            if not z:
                return None
            out.append(z)
    return tuple(out)


def box_sub(a: Box, b: Box, inter: Box) -> list[Box]:
    """a minus b as disjoint boxes, given inter = a & b (not None)."""
    out = []
    cur = list(a)
    for i, (x, y) in enumerate(zip(a, b)):
        if x is inter[i] or x == inter[i]:
            continue
        rest = iv_sub(x, y)
        if rest:
            piece = cur.copy()
            piece[i] = rest
            out.append(tuple(piece))
        cur[i] = inter[i]
    return out


def carve(region: Sequence[Box], cutters: Sequence[Box], budget: Budget) -> tuple[list[Box], list[Box]]:
    """Split ``region`` into (inside some cutter, outside every cutter)."""
    inside: list[Box] = []
    rest = list(region)
    for c in cutters:
        if not rest:
            break
        nxt: list[Box] = []
        for r in rest:
            inter = box_and(r, c)
            if inter is None:
                nxt.append(r)
                continue
            inside.append(inter)
            pieces = box_sub(r, c, inter)
            budget.spend(len(pieces))
            nxt.extend(pieces)
        rest = nxt
    return inside, rest


def outside(region: Sequence[Box], cutters: Sequence[Box], budget: Budget) -> list[Box]:
    """``region`` minus every cutter."""
    return carve(region, cutters, budget)[1]


def cross(a: Sequence[Box], b: Sequence[Box]) -> list[Box]:
    out = []
    for x in a:
        for y in b:
            z = box_and(x, y)
            if z is not None:
                out.append(z)
    return out


__all__ = ["box_and", "box_sub", "carve", "cross", "outside"]
