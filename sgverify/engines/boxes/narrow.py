"""Cutting an interface down to the rules that can matter inside a few boxes: deciding a
region with the narrowed target gives the same pieces as with the whole target, at a
fraction of the cost when the boxes are small (diff and lint decide many small boxes)."""

from __future__ import annotations

from dataclasses import replace

from ...core.model import Direction, Nic, Rule, Target
from .certify import DIR, DPORT, FAM, LOCAL, NIC, PEER, PROTO, SPORT, Layout, rule_boxes
from .intervals import Box, Intervals


class Narrowing:
    """A target cut down to the rules that can match inside one box: deciding a region with
    it gives the same pieces as with the whole target (a rule that matches nothing in the
    region carves nothing from it), at a fraction of the cost when a box is small."""

    ORDER = (DIR, PROTO, PEER, DPORT, FAM, NIC, SPORT, LOCAL)

    def __init__(self, layout: Layout, target: Target,
                 known: dict[int, tuple[Box, ...]] | None = None, lazy: bool = False) -> None:
        """``known``: rule boxes (by rule id) made earlier in this layout, reused and added
        to (a caller asking many questions of one interface keeps them). ``lazy``: each
        rule's boxes made only when a box passes ``_may_meet`` (a caller asking of a few
        small boxes, as ``diff`` does of the changed rules' flows, skips most rules);
        ``cutters`` then holds only the rules made so far."""
        self.target, self.layout = target, layout
        self.order = self.ORDER + tuple(range(8, layout.size))
        made = {} if known is None else known
        self.cutters = made
        if not lazy:
            for g in target.groups:
                for r in g.rules:
                    if id(r) not in made:
                        self._boxes(r)

    def _boxes(self, r: Rule) -> tuple[Box, ...]:
        made = self.cutters.get(id(r))
        if made is None:
            made = self.cutters[id(r)] = rule_boxes(  # type: ignore[assignment]
                self.layout, r, 0 if r.direction is Direction.INGRESS else 1, PEER, LOCAL, None)
        return made  # type: ignore[return-value]

    def _meets(self, a: Box, b: Box) -> bool:
        for d in self.order:
            if not _overlap(a[d], b[d]):
                return False
        return True

    def to(self, *boxes: Box) -> Target:
        """The target with only the rules that can match inside one of ``boxes``."""
        groups = tuple(replace(g, rules=tuple(r for r in g.rules if any(
            self._meets(c, box) for box in boxes if _may_meet(r, box)
            for c in self._boxes(r))))
            for g in self.target.groups)
        return self.target.with_groups(groups)


def _may_meet(r: Rule, box: Box) -> bool:
    """False when none of ``r``'s boxes can meet ``box``: every box ``rule_boxes`` makes
    lies within the rule's direction, NIC, protocol and destination ports."""
    if not _holds(box[DIR], 0 if r.direction is Direction.INGRESS else 1) or \
            not _holds(box[NIC], 1 if r.nic is Nic.INTERNET else 0):
        return False
    if r.protocol is not None and not _holds(box[PROTO], r.protocol):
        return False
    if r.ports is not None:
        return any(_holds_some(box[DPORT], p.lo, p.hi) for p in r.ports)
    return True


def _holds(ivs: Intervals, v: int) -> bool:
    return any(lo <= v <= hi for lo, hi in ivs)


def _holds_some(ivs: Intervals, lo: int, hi: int) -> bool:
    return any(a <= hi and lo <= b for a, b in ivs)


def _overlap(a: Intervals, b: Intervals) -> bool:
    """Do two interval sets share a value (without building their intersection)?"""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][1] < b[j][0]:
            i += 1
        elif b[j][1] < a[i][0]:
            j += 1
        else:
            return True
    return False
