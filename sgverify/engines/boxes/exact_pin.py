"""The canonical flow of a one-interface assertion, with the peer's groups pinned whenever
the flow set fixes them (``peer-groups``), also beside address terms.

``search.pinned_groups`` pins the peer's groups only when every peer term names them, so
``from 10.0.0.0/8 peer-groups none`` gets one box dimension per group the interface's
rules name, and its rule filter keeps every rule whatever its peer. Yet such a set fixes
the peer's groups exactly: every flow of it has the groups of ``peer-groups``. Here they
are pinned (``exact_pinned``): no group dimensions, and rules whose peer cannot be in the
set are left out before the search. The flows of the set, their decisions and so the
canonical flow are the same (``finder.BoxSearch.canonical_flow`` is the reference; the
tests compare both).
"""

from __future__ import annotations

from dataclasses import replace

from ...core.flow import Flow
from ...core.model import (
    Direction,
    FlowAssertion,
    FlowSet,
    GroupKey,
    Rule,
    Target,
)
from .canonical import canonical
from .finder import DIRECTIONS, BoxSearch, Filter, pooled, summarise
from .intervals import Box, Budget
from .search import (
    pinned_groups,
    region_layout,
)


def exact_pinned(fs: FlowSet, direction: Direction) -> frozenset[GroupKey] | None:
    """The peer's groups when ``fs`` fixes them for ``direction``: ``pinned_groups``, and
    also ``peer-groups`` beside peer terms that name only addresses (they constrain the
    peer's address, never its groups)."""
    pinned = pinned_groups(fs, direction)
    if pinned is not None or fs.peer_groups is None:
        return pinned
    terms = fs.src if direction is Direction.INGRESS else fs.dst
    if any(t.member_of is not None or t.groups_exactly is not None for t in terms or ()):
        return None
    return fs.peer_groups


def exact_filter(fs: FlowSet) -> Filter:
    """``finder.Filter`` of ``fs`` with the peer's groups pinned by ``exact_pinned``."""
    s = summarise(fs)
    return Filter(replace(s, pinned={d: exact_pinned(fs, d) for d in DIRECTIONS}))


def kept_rules(target: Target, keep: Filter, direction: Direction) -> list[Rule]:
    """The target's rules of ``direction`` that ``keep`` lets through, in precedence order
    (``Target.rules``, the order of ``BoxSearch.rules``; made once per target, and the
    evaluator replaying a flow asks for the same)."""
    return [r for r in target.rules(direction) if keep(r)]


def pins_more(fs: FlowSet) -> bool:
    """Does ``exact_pinned`` pin a direction that ``pinned_groups`` leaves free?"""
    return any(exact_pinned(fs, d) is not None and pinned_groups(fs, d) is None
               for d in DIRECTIONS)


def canonical_flow(search: BoxSearch, a: FlowAssertion, want: bool,
                   universe: frozenset[GroupKey], budget: int) -> Flow | None:
    """``search.canonical_flow(a, want, universe, budget)`` with the peer's groups pinned by
    ``exact_pinned`` (the same flow; the same exceptions for what boxes do not cover)."""
    keep: list[Filter] = []  # made once, after the checks of ``BoxSearch.canonical_flow``

    def rules(d: Direction) -> list[Rule]:
        if not keep:
            keep.append(exact_filter(a.flows))
        return kept_rules(a.target, keep[0], d)

    return search.canonical_flow(a, want, universe, budget, exact_pinned, rules)


def some_flow(search: BoxSearch, a: FlowAssertion, universe: frozenset[GroupKey],
              budget: int) -> Flow | None:
    """The canonical flow of ``a.flows`` on ``a.target`` whatever its verdict (the first
    direction that has one); None when the boxes find the set empty. A caller that shows
    the flow re-checks it with the evaluator."""
    target = pooled(a.target)
    spent = Budget(budget)
    for d in DIRECTIONS:
        if a.flows.directions is not None and d not in a.flows.directions:
            continue
        pinned = exact_pinned(a.flows, d)
        layout = region_layout(target, [], a.flows, pinned)
        boxes: list[Box] = search.region(layout, target, a.flows, d, pinned, spent)
        if boxes:
            return canonical(boxes, layout.keys, sorted(universe), pinned)
    return None


__all__ = ["canonical_flow", "exact_filter", "exact_pinned", "kept_rules", "pins_more",
           "some_flow"]
