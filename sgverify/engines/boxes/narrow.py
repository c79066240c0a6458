"""Cutting an interface down to the rules that can matter inside a few boxes: deciding a
region with the narrowed target gives the same pieces as with the whole target, at a
fraction of the cost when the boxes are small (diff and lint decide many small boxes)."""

from __future__ import annotations

from dataclasses import replace

from ...core.model import Direction, Target
from .certify import DIR, DPORT, FAM, LOCAL, NIC, PEER, PROTO, SPORT, Layout, rule_boxes
from .intervals import Box, Intervals


class Narrowing:
    """A target cut down to the rules that can match inside one box: deciding a region with
    it gives the same pieces as with the whole target (a rule that matches nothing in the
    region carves nothing from it), at a fraction of the cost when a box is small."""

    ORDER = (DIR, PROTO, PEER, DPORT, FAM, NIC, SPORT, LOCAL)

    def __init__(self, layout: Layout, target: Target,
                 known: dict[int, tuple[Box, ...]] | None = None) -> None:
        """``known``: rule boxes (by rule id) made earlier in this layout, reused and added
        to (a caller asking many questions of one interface keeps them)."""
        self.target = target
        self.order = self.ORDER + tuple(range(8, layout.size))
        made = {} if known is None else known
        for g in target.groups:
            for r in g.rules:
                if id(r) not in made:
                    made[id(r)] = rule_boxes(layout, r, 0 if r.direction is Direction.INGRESS
                                             else 1, PEER, LOCAL, None)
        self.cutters = made

    def _meets(self, a: Box, b: Box) -> bool:
        for d in self.order:
            if not _overlap(a[d], b[d]):
                return False
        return True

    def to(self, *boxes: Box) -> Target:
        """The target with only the rules that can match inside one of ``boxes``."""
        groups = tuple(replace(g, rules=tuple(r for r in g.rules if any(
            self._meets(c, box) for c in self.cutters[id(r)] for box in boxes)))
            for g in self.target.groups)
        return self.target.with_groups(groups)


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
