"""One interface's decision for one direction, as a function of the peer's address atom,
the peer's groups and the interface's own address atom, over sets of services.

The precedence is that of ``evaluate.decide`` (semantics.md, section 3): the platform block
of outbound TCP 25, intra-group Accept (override), the matching rules in precedence order
(smallest priority, Drop first), then intra-group Accept (fallback), intra-group isolation
and the group type's default. Which rules match depends only on the atoms and the peer's
groups, so the rules that match are a bit mask, and each distinct mask is decided once over
the service atoms (``services``).

Unresolved prefix lists and port lists: every membership is an unknown yes/no, so each
mask is decided under every assignment; ``sure`` is what is accepted under all of them,
``maybe`` what is accepted under some.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from ...core.addresses import AddrSpace
from ...core.model import Action, Direction, GroupKey, GroupType, Nic, Rule, Semantics, Target
from .atoms import FAMILIES, Atoms
from .services import ServiceSpace

MAX_UNRESOLVED = 8  # lists per interface decision enumerated; beyond, the two bounds are used


# What the groups the peer shares with the interface say (section 3.5).
NONE = 0      # no shared group (or not the internal network)
ISOLATED = 1  # shared, but every shared group isolates its members
OPEN = 2      # a shared basic group with intra-group Accept


def open_keys(target: Target) -> frozenset[GroupKey]:
    """The interface's groups whose members reach each other (basic, intra accept)."""
    return frozenset(g.key for g in target.groups
                     if g.gtype is GroupType.BASIC and g.intra is Action.ACCEPT)


def shared_state(target: Target, peer_keys: frozenset[GroupKey]) -> int:
    if not open_keys(target).isdisjoint(peer_keys):
        return OPEN
    return NONE if target.group_keys.isdisjoint(peer_keys) else ISOLATED


@dataclass(frozen=True)
class Accepts:
    """Services accepted whatever unresolved lists hold (``sure``) and under some
    membership (``maybe``); equal when no unresolved list is involved."""

    sure: int
    maybe: int


class Side:
    """``target``'s decision in ``direction`` for flows on NIC ``nic``, over the peer atoms
    ``peers`` and the interface atoms ``locals_``. ``relevant`` may drop rules that can
    match no flow of interest (they are then never consulted, which is exact)."""

    def __init__(self, target: Target, direction: Direction, nic: Nic, space: ServiceSpace,
                 peers: Atoms, locals_: Atoms, sem: Semantics,
                 relevant: Callable[[Rule], bool] = lambda r: True) -> None:
        self.target, self.direction, self.nic, self.space, self.sem = target, direction, nic, space, sem
        self.rules = [r for r in target.rules(direction) if r.nic is nic and relevant(r)]
        self.actions = [r.action is Action.ACCEPT for r in self.rules]
        self.service = [space.rule_mask(r) for r in self.rules]
        self.peer = {f: peers.masks(f, [(1 << i, r.peer.addresses) for i, r in enumerate(self.rules)])
                     for f in FAMILIES}
        everywhere = 0
        local_items = []
        for i, r in enumerate(self.rules):
            if r.local is None:
                everywhere |= 1 << i
            else:
                local_items.append((1 << i, r.local))
        self.local = {f: [m | everywhere for m in locals_.masks(f, local_items)] for f in FAMILIES}
        # Rules with an unresolved peer: they match whenever the list holds the peer, but
        # only where their interface side (``to``/``from`` block) holds the own address.
        self.listed = sum(1 << i for i, r in enumerate(self.rules) if r.peer.unresolved)
        self.by_group: dict[GroupKey, int] = {}
        if nic is Nic.INTRANET:
            for i, r in enumerate(self.rules):
                for k in r.peer.groups:
                    self.by_group[k] = self.by_group.get(k, 0) | 1 << i
        self.open_keys = open_keys(target) if nic is Nic.INTRANET else frozenset()
        self.own_keys = target.group_keys if nic is Nic.INTRANET else frozenset()
        names = sorted({n for r in self.rules for n in r.unknowns})
        self.names = tuple(names)
        self.assignments: list[tuple[int, int]] = []  # (bits added, bits allowed)
        full = (1 << len(self.rules)) - 1
        if len(names) > MAX_UNRESOLVED:
            # Too many memberships to enumerate: take the two bounds instead. "Closed" (every
            # drop's list holds the flow, no accept's list does) accepts no more than any
            # membership, "open" (the reverse) no less, so what the closed bound accepts is
            # sure and what the open one accepts is possible: still exact about "sure" and
            # never wrongly "unreachable", only coarser about what depends on the lists.
            peer_listed = [bool(r.peer.unresolved) for r in self.rules]
            port_listed = [r.unresolved_ports is not None for r in self.rules]
            for widen in (Action.DROP, Action.ACCEPT):
                add = sum(1 << i for i, r in enumerate(self.rules)
                          if peer_listed[i] and r.action is widen)
                allowed = full & ~sum(1 << i for i, r in enumerate(self.rules)
                                      if port_listed[i] and r.action is not widen)
                self.assignments.append((add, allowed))
        for values in itertools.product((False, True), repeat=len(names)) \
                if len(names) <= MAX_UNRESOLVED else ():
            assume = dict(zip(names, values))
            add, allowed = 0, full
            for i, r in enumerate(self.rules):
                if any(assume[n] for n in r.peer.unresolved):
                    add |= 1 << i
                if r.unresolved_ports is not None and not assume[r.unresolved_ports]:
                    allowed &= ~(1 << i)
            self.assignments.append((add, allowed))
        basic = target.gtype is GroupType.BASIC
        self.default_accept = direction is Direction.EGRESS and basic
        self._cache: dict[tuple[int, int, bool, int, int], Accepts] = {}

    def group_mask(self, peer_keys: frozenset[GroupKey]) -> int:
        """Rules that match a peer in ``peer_keys`` by group."""
        hit = 0
        get = self.by_group.get
        for k in peer_keys:
            hit |= get(k, 0)
        return hit

    def shared(self, peer_keys: frozenset[GroupKey]) -> int:
        """NONE, ISOLATED or OPEN for a peer in ``peer_keys``."""
        if not self.open_keys.isdisjoint(peer_keys):
            return OPEN
        return NONE if self.own_keys.isdisjoint(peer_keys) else ISOLATED

    def matched(self, family: int, peer_atom: int, local_atom: int,
                peer_keys: frozenset[GroupKey]) -> int:
        return (self.peer[family][peer_atom] | self.group_mask(peer_keys)) & self.local[family][local_atom]

    def listed_at(self, family: int, local_atom: int) -> int:
        """Rules with an unresolved peer whose interface side holds the own address atom."""
        return self.listed & self.local[family][local_atom]

    def accepts(self, matched: int, shared: int, blocked25: bool, family: int,
                listed: int = 0) -> Accepts:
        """Services accepted when the rules in ``matched`` match the flow's peer and
        addresses (``blocked25``: the platform block of TCP 25 applies to this peer);
        ``listed`` (``listed_at``): the rules that also match when their unresolved
        prefix list holds the peer."""
        key = (matched, shared, blocked25, family, listed)
        hit = self._cache.get(key)
        if hit is None:
            masks = [self._decide(matched, add & listed, allowed, shared, blocked25, family)
                     for add, allowed in self.assignments]
            sure, maybe = masks[0], masks[0]
            for m in masks[1:]:
                sure &= m
                maybe |= m
            hit = Accepts(sure, maybe)
            self._cache[key] = hit
        return hit

    def lists_for(self, matched: int, listed: int, services: int) -> set[str]:
        """The unresolved lists of the rules that can match here (``matched``, ``listed``
        as for ``accepts``) and cover some of ``services``: what those services depend on."""
        out: set[str] = set()
        bits = matched | listed
        while bits:
            low = bits & -bits
            bits ^= low
            i = low.bit_length() - 1
            if self.rules[i].unknowns and self.service[i] & services:
                out.update(self.rules[i].unknowns)
        return out

    def _decide(self, matched: int, add: int, allowed: int, shared: int, blocked25: bool,
                family: int) -> int:
        undecided = self.space.well_formed[family]
        if blocked25:
            undecided &= ~self.space.smtp
        if shared == OPEN and self.sem.intra_group == "override":
            return undecided
        accepted = 0
        bits = (matched | add) & allowed
        while bits and undecided:
            low = bits & -bits
            bits ^= low
            i = low.bit_length() - 1
            hit = self.service[i] & undecided
            if hit:
                if self.actions[i]:
                    accepted |= hit
                undecided ^= hit
        if shared == OPEN or (shared == NONE and self.default_accept):
            accepted |= undecided
        return accepted


def addresses_of(rules: list[Rule]) -> list[AddrSpace]:
    """Every address block the rules name (peers and interface sides): the cut sources."""
    out = []
    for r in rules:
        out.append(r.peer.addresses)
        if r.local is not None:
            out.append(r.local)
    return out


__all__ = [
    "ISOLATED",
    "NONE",
    "OPEN",
    "Accepts",
    "Side",
    "addresses_of",
    "open_keys",
    "shared_state",
]
