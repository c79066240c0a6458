"""Precedence order of pooled rules as integers, for merging per-group lists fast.

``Target.rules`` orders an interface's rules by (priority, Drop first, the group's place in
the interface, the rule's position in its group), sorting tuples built per rule (a
``GroupKey`` hashed for each). Fleet analyses pool the same groups into many interfaces;
they keep each group's rules in the group's own order and merge them here: each rule's
place as one integer (``rank``), the group's place added at a fixed bit offset, one sort of
plain integers. ``merged`` gives exactly ``Target.rules``' order of the same rules (a
property test checks it), falling back to that sort key when ranks cannot hold a rule.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from .model import Action, Group, Rule

GROUP_SHIFT = 24  # a rule's position in its group fits below this bit
RANK_SHIFT = 28   # and the group's place in the interface (up to 16 groups) below this one


def rank(r: Rule) -> int:
    """The rule's place in its group's precedence order, as one integer (room below
    ``RANK_SHIFT`` for the group's place, ``merged`` adds it)."""
    return ((r.priority * 2 + (r.action is Action.ACCEPT)) << RANK_SHIFT) + r.index


def packed(ranks: list[int]) -> Sequence[int]:
    """``ranks`` as 8-byte machine integers when they fit, else the list itself: a
    fleet's audit keeps millions of them, and each int object costs several times its 8 bytes."""
    try:
        return array("q", ranks)
    except OverflowError:
        return ranks


def rankable(group: Group) -> bool:
    """Can ``rank`` order this group's rules exactly (integer priorities, positions that
    fit, each rule naming this group, as ``Target.rules`` places it by that name)?"""
    return all(type(r.priority) is int and 0 <= r.index < 1 << GROUP_SHIFT
               and r.group == group.key for r in group.rules)


def group_order(rules: Sequence[Rule]) -> list[Rule]:
    """One group's rules in its precedence order (``Target.rules`` of the group alone)."""
    return sorted(rules, key=lambda r: (r.priority, r.action is Action.ACCEPT, r.index))


def merged(groups: Sequence[Group], lists: Sequence[Sequence[Rule]],
           ranks: Sequence[Sequence[int]] | None = None, exact: bool = True) -> list[Rule]:
    """The rules of each group's list (``lists[i]`` some of ``groups[i]``'s rules in its
    precedence order; the groups in the interface's order) in the interface's precedence
    order, as ``Target.rules`` sorts them. ``ranks``: each rule's ``rank``, if known;
    ``exact``: every group is ``rankable`` (else the sort key of ``Target.rules``)."""
    if len(lists) == 1:
        return list(lists[0])
    if exact and len(lists) <= 1 << (RANK_SHIFT - GROUP_SHIFT):
        keyed: list[tuple[int, Rule]] = []
        for gi, rules in enumerate(lists):
            shift = gi << GROUP_SHIFT
            keys = ranks[gi] if ranks is not None else [rank(r) for r in rules]
            keyed += [(k + shift, r) for k, r in zip(keys, rules)]
        keyed.sort(key=_first)
        return [r for _k, r in keyed]
    order = {g.key: i for i, g in enumerate(groups)}
    out = [r for rules in lists for r in rules]
    out.sort(key=lambda r: (r.priority, r.action is Action.ACCEPT, order[r.group], r.index))
    return out


def _first(pair: tuple[int, Rule]) -> int:
    return pair[0]


__all__ = ["GROUP_SHIFT", "RANK_SHIFT", "group_order", "merged", "packed", "rank", "rankable"]
