"""The one definition of "open to the internet" (docs/semantics.md, section 6.1), asked by
lint's L201 and by audit's internet controls (SGV101-SGV108) alike.

An interface is **open to the internet** on a service (a protocol, and a destination port
for TCP and UDP) when it accepts that service from **every** public address of a family
(``addresses.INTERNET``), whatever its unresolved lists contain: some ingress flow from each
such address is accepted (in the classic network, on the internet NIC). The accepted flows
are computed with the box engine, so rules that only together cover the internet
(``0.0.0.0/1`` + ``128.0.0.0/1``) count and an accept under an earlier drop does not; an
allow-listed office block is not the internet.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import product

from ..core import precedence
from ..core.addresses import INTERNET, V4, V6
from ..core.diagnostics import InternalError
from ..core.evaluate import Decision, decide
from ..core.flow import Flow, flow_problem
from ..core.model import Action, Direction, Group, Network, Nic, Rule, Semantics, Target
from ..engines.boxes.certify import (
    DIR,
    DPORT,
    FAM,
    FAMILIES,
    NIC,
    PEER,
    PROTO,
    QUICK,
    Layout,
    Piece,
    decide_region,
    layout_for,
    well_formed,
)
from ..engines.boxes.intervals import (
    Box,
    Budget,
    Intervals,
    addr_intervals,
    box_and,
    carve,
    iv_sub,
    normalise,
    point,
)
from ..engines.boxes.merge import merge_boxes, witness
from ..engines.boxes.narrow import Narrowing

MAX_ATOMS = 6  # unresolved lists on one interface beyond which the check is not attempted
_PUBLIC_SIZE = {fam: sum(r.hi - r.lo + 1 for r in INTERNET.only(fam)) for fam in (V4, V6)}


class TooManyLists(Exception):
    """More unresolved lists than the exposure check enumerates."""


@dataclass(frozen=True)
class Opened:
    """A service open to the internet on one family: the accepted pieces, the rules that
    accept (precedence order), and one flow with the evaluator's decision of it."""

    family: int
    pieces: tuple[Piece, ...]
    rules: tuple[Rule, ...]
    flow: Flow
    assume: dict[str, bool]
    decision: Decision


@dataclass(frozen=True)
class Ports:
    """Sorted disjoint port ranges, as lists of starts and ends."""

    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.starts)

    def has(self, port: int) -> bool:
        k = bisect_right(self.starts, port) - 1
        return k >= 0 and port <= self.ends[k]


NO_PORTS = Ports()


def _passing(steps: list[list[tuple[int, int]]], enough: int) -> Ports:
    """The ports 0..65535 where the sum of step functions (each a list of (port where
    it changes, by how much), from 0 at port 0) is at least ``enough``."""
    change: dict[int, int] = {}
    for one in steps:
        for at, by in one:
            change[at] = change.get(at, 0) + by
    change.setdefault(65536, 0)
    starts: list[int] = []
    ends: list[int] = []
    total, previous = 0, 0
    for at in sorted(change):
        if total >= enough and at > previous:  # ports previous .. at - 1 pass
            if ends and ends[-1] == previous - 1:
                ends[-1] = at - 1
            else:
                starts.append(previous)
                ends.append(at - 1)
        total += change[at]
        previous = at
    return Ports(tuple(starts), tuple(ends))


class _Side:
    """One group's ingress rules that the internet's NIC can match (``classic``: only
    rules on the internet NIC), with what the cheap one-port tests need per protocol set:
    the rules, the ends of their port ranges (cells), the rules of each cell and the
    accept rules' address count per cell. Made once per group, for every interface in it:
    an interface's figures are the sums and merges of its groups' (``PublicExposure``)."""

    def __init__(self, group: Group, classic: bool) -> None:
        self.group = group  # kept: the store is keyed by its id
        self.atoms = {a for r in group.rules for a in r.unknowns}
        self.rankable = precedence.rankable(group)
        ingress = precedence.group_order([r for r in group.rules
                                          if r.direction is Direction.INGRESS])
        shared: dict[Intervals, Intervals] = {}  # equal port sets kept once (memory)
        self.inet = [(r, _shared_ports(_port_intervals(r), shared)) for r in ingress
                     if not (classic and r.nic is not Nic.INTERNET)]
        self._by_protocol: dict[Intervals, list[tuple[Rule, Intervals | None]]] = {}
        self._cuts: dict[Intervals, list[int]] = {}
        self._cells: dict[Intervals, list[tuple[list[Rule], Sequence[int]]]] = {}
        self._sizes: dict[tuple[int, Intervals], list[int]] = {}
        self._steps: dict[tuple[int, Intervals], list[tuple[int, int]]] = {}
        self._large: dict[tuple[int, Intervals], Ports] = {}

    def protocol_rules(self, protocols: Intervals) -> list[tuple[Rule, Intervals | None]]:
        """``PublicExposure._protocol_rules`` of this group alone (its precedence order)."""
        hit = self._by_protocol.get(protocols)
        if hit is None:
            if len(protocols) == 1 and protocols[0][0] == protocols[0][1]:
                one = protocols[0][0]
                hit = [pair for pair in self.inet  # the pairs themselves, not copies
                       if pair[0].protocol is None or pair[0].protocol == one]
            else:
                hit = [pair for pair in self.inet if pair[0].protocol is None
                       or any(lo <= pair[0].protocol <= hi for lo, hi in protocols)]
            self._by_protocol[protocols] = hit
        return hit

    def cuts(self, protocols: Intervals) -> list[int]:
        """The ends of the port ranges of this group's rules of ``protocols`` (and 0 and
        65536): ports between two consecutive ends (a cell) match the same rules."""
        cuts = self._cuts.get(protocols)
        if cuts is None:
            ends = {0, 65536}
            for _r, rp in self.protocol_rules(protocols):
                for lo, hi in rp or ():
                    ends.update((lo, hi + 1))
            cuts = self._cuts[protocols] = sorted(ends)
        return cuts

    def cell(self, protocols: Intervals, port: int) -> int:
        """The cell of ``port`` among this group's port-range ends for ``protocols``."""
        return bisect_right(self.cuts(protocols), port)

    def cell_rules(self, protocols: Intervals, cell: int) -> tuple[list[Rule], Sequence[int]]:
        """The rules (precedence order) that can match a port of ``cell``, and each one's
        rank (``rank``); every cell's made at once, by one sweep of the rules."""
        hit = self._cells.get(protocols)
        if hit is None:
            cuts = self.cuts(protocols)
            rules: list[list[Rule]] = [[] for _ in range(len(cuts) + 1)]
            ranks: list[list[int]] = [[] for _ in range(len(cuts) + 1)]
            every = range(len(cuts) + 1)
            for r, rp in self.protocol_rules(protocols):  # precedence order: lists stay sorted
                rank = precedence.rank(r)
                if rp is None:
                    cells: Iterable[int] = every
                else:
                    cells = [c for lo, hi in rp
                             for c in range(bisect_right(cuts, lo), bisect_right(cuts, hi) + 1)]
                for c in cells:
                    rules[c].append(r)
                    ranks[c].append(rank)
            hit = self._cells[protocols] = list(zip(rules, map(precedence.packed, ranks)))
        return hit[cell]

    def cell_size(self, fam: int, protocols: Intervals, cell: int) -> int:
        """How many ``fam`` addresses the accept rules of ``cell`` hold together (counted
        with repeats; a rule naming an unresolved list counts as the whole internet)."""
        sizes = self._sizes.get((fam, protocols))
        if sizes is None:
            cuts = self.cuts(protocols)
            enough = _PUBLIC_SIZE[fam]
            delta = [0] * (len(cuts) + 2)
            for r, rp in self.protocol_rules(protocols):
                if r.action is not Action.ACCEPT:
                    continue
                if r.peer.unresolved or r.unresolved_ports is not None:
                    size = enough
                else:
                    size = _peer_size(fam, r)  # counted at each ask: a fleet has millions
                if not size:
                    continue
                for lo, hi in rp or ((0, 65535),):
                    delta[bisect_right(cuts, lo)] += size
                    delta[bisect_right(cuts, hi) + 1] -= size
            sizes, total = [], 0
            for d in delta:
                total += d
                sizes.append(total)
            self._sizes[(fam, protocols)] = sizes
            self._steps[(fam, protocols)] = [(cuts[k - 1], sizes[k] - sizes[k - 1])
                                             for k in range(1, len(cuts)) if sizes[k] != sizes[k - 1]]
        return sizes[cell]

    def size_steps(self, fam: int, protocols: Intervals) -> tuple[list[tuple[int, int]], int]:
        """The cell sizes as steps (port where the size changes, by how much; from 0 at
        port 0) and the largest size."""
        hit = self._steps.get((fam, protocols))
        if hit is None:
            self.cell_size(fam, protocols, 0)
            hit = self._steps[(fam, protocols)]
        return hit, max(self._sizes[(fam, protocols)])

    def large_ports(self, fam: int, protocols: Intervals) -> Ports:
        """The ports whose cell size reaches the internet's size (``_passing``)."""
        hit = self._large.get((fam, protocols))
        if hit is None:
            steps, top = self.size_steps(fam, protocols)
            enough = _PUBLIC_SIZE[fam]
            hit = self._large[(fam, protocols)] = _passing([steps], enough) \
                if top >= enough else NO_PORTS
        return hit



class GroupSides:
    """The ``_Side`` of every group, shared by the ``PublicExposure`` of every interface
    of one policy (``BoxProver``-like owners keep one; without one each question set
    makes its own)."""

    def __init__(self) -> None:
        self._sides: dict[tuple[int, bool], _Side] = {}

    def of(self, group: Group, classic: bool) -> _Side:
        hit = self._sides.get((id(group), classic))
        if hit is None or hit.group is not group:
            hit = self._sides[(id(group), classic)] = _Side(group, classic)
        return hit


class PublicExposure:
    """Asks, service by service, whether ``target`` is open to the internet. Raises
    ``TooManyLists`` (on creation) and ``BudgetExceeded`` (on a question)."""

    def __init__(self, target: Target, sem: Semantics, budget: Budget,
                 walks: dict[tuple[object, ...], bool] | None = None,
                 given: Target | None = None, sides: GroupSides | None = None,
                 made: tuple[Layout, dict[int, tuple[Box, ...]]] | None = None) -> None:
        """``walks``: the answers of the cheap test, shared between the interfaces of one
        policy (their rules are the same objects), for example ``BoxProver.exposure_walks``;
        ``given``: the target as the caller knows it (kept, for caches keyed by its id);
        ``sides``: what the one-port tests know of each group, shared the same way;
        ``made``: this target's layout (``layout_for([target], ())``) and rule boxes made
        in it by id (``Narrowing.cutters``), when the caller has them (lint's partition)."""
        self.target, self.sem, self.budget = target, sem, budget
        self.given = given or target
        classic = target.network is Network.CLASSIC
        sides = GroupSides() if sides is None else sides
        self._sides = [sides.of(g, classic) for g in target.groups]
        self._ranked = all(side.rankable for side in self._sides)  # ``precedence.merged``
        # The unresolved lists (the layout's atoms); the layout itself is made when a
        # question gets past the cheap tests.
        self._atoms = set().union(*(side.atoms for side in self._sides))
        if len(self._atoms) > MAX_ATOMS:
            raise TooManyLists(f"{len(self._atoms)} unresolved lists (the exposure check "
                               f"handles up to {MAX_ATOMS})")
        self._layout: Layout | None = None if made is None else made[0]
        self._ingress_rules: tuple[Rule, ...] | None = None
        self.families = [(bit, fam) for bit, fam in FAMILIES if not (classic and fam == V6)]
        self._base: dict[int, list[Box]] = {}  # the flows from public addresses, per family
        self._answers: dict[tuple[object, ...], tuple[list[Box], list[Piece]]] = {}
        self._by_protocol: dict[Intervals, list[tuple[Rule, Intervals | None]]] = {}
        self._inet: list[tuple[Rule, Intervals | None]] | None = None  # the internet NIC's
        self._could: dict[tuple[object, ...], bool] = {} if walks is None else walks
        # by rule id, in this layout
        self._rule_boxes: dict[int, tuple[Box, ...]] = {} if made is None else made[1]
        self._sizes: dict[tuple[int, int], int] = {}
        self._wide: dict[tuple[int, Intervals], bool] = {}
        self._cells: dict[tuple[Intervals, tuple[int, ...]], list[Rule]] = {}
        self._large: dict[tuple[int, Intervals], Ports] = {}
        self._could_one: dict[tuple[int, Intervals, int], tuple[list[Rule], bool]] = {}
        self._peers: dict[tuple[int, int], Intervals] = {}  # (family, rule id): its peer

    @property
    def layout(self) -> Layout:
        """The layout of this interface's flows (``layout_for``)."""
        if self._layout is None:
            self._layout = layout_for([self.target], ())
        return self._layout

    @property
    def _ingress(self) -> tuple[Rule, ...]:
        """The ingress rules in precedence order."""
        if self._ingress_rules is None:
            self._ingress_rules = self.target.rules(Direction.INGRESS)
        return self._ingress_rules

    def candidates(self, fam: int, protocols: Intervals) -> Ports:
        """The ports of ``protocols`` that may be open to the internet on ``fam`` when
        asked one at a time: for any other port ``opened`` is None and ``may_open`` False,
        whatever the lists hold (the size test of ``_cell_large``, without boxes)."""
        return self._large_ports(fam, protocols)

    def opened(self, fam: int, protocols: Intervals, ports: Intervals | None) -> Opened | None:
        """Is every (protocol, port) of ``protocols`` x ``ports`` (None: any port) accepted
        from every public address of ``fam``, whatever the lists contain? The ``Opened``
        evidence, or None."""
        region, accepted = self._accepted(fam, protocols, ports)
        if not accepted or not _covers(self.layout, region, [p.box for p in accepted],
                                       self.budget, every=True):
            return None
        return self._evidence(fam, accepted)

    def may_open(self, fam: int, protocols: Intervals, ports: Intervals | None) -> bool:
        """Would some content of the unresolved lists make it open (``opened`` says whether
        every content does)?"""
        if not self._atoms:  # no lists: 'some content' is the one content
            return self.opened(fam, protocols, ports) is not None
        region, accepted = self._accepted(fam, protocols, ports)
        return bool(accepted) and _covers(self.layout, region, [p.box for p in accepted],
                                          self.budget, every=False)

    def _protocol_rules(self, protocols: Intervals
                        ) -> list[tuple[Rule, Intervals | None]]:
        """The ingress rules of the internet's NIC that can match ``protocols``, each with
        its port ranges, merged (None: every port, or an unresolved port list)."""
        by_protocol = self._by_protocol.get(protocols)
        if by_protocol is None:
            if self._inet is None:
                classic = self.target.network is Network.CLASSIC
                self._inet = [(r, None if r.ports is None or r.unresolved_ports is not None else
                               normalise((p.lo, p.hi) for p in r.ports))
                              for r in self._ingress if not (classic and r.nic is not Nic.INTERNET)]
            if len(protocols) == 1 and protocols[0][0] == protocols[0][1]:
                one = protocols[0][0]
                by_protocol = [(r, rp) for r, rp in self._inet
                               if r.protocol is None or r.protocol == one]
            else:
                by_protocol = [(r, rp) for r, rp in self._inet if r.protocol is None
                               or any(lo <= r.protocol <= hi for lo, hi in protocols)]
            self._by_protocol[protocols] = by_protocol
        return by_protocol

    def _matching(self, protocols: Intervals, ports: Intervals | None) -> list[Rule]:
        """The ingress rules (precedence order) that can match the service from the
        internet: the others cannot decide any of its flows."""
        if ports is not None and len(ports) == 1 and ports[0][0] == ports[0][1]:
            return self._port_rules(protocols, ports[0][0])  # one port: most questions
        by_protocol = self._protocol_rules(protocols)
        if ports is None:
            return [r for r, _ in by_protocol]
        return [r for r, rp in by_protocol
                if rp is None or any(a <= hi and lo <= b for a, b in rp for lo, hi in ports)]

    def _port_rules(self, protocols: Intervals, port: int) -> list[Rule]:
        """``_matching`` for one port: ports in the same cell of every group (between the
        same two rule-range ends) match the same rules, one list per such cell (and then
        one cheap walk, keyed by the same rules): the groups' lists, merged in precedence
        order."""
        sides = self._sides
        cells = tuple(side.cell(protocols, port) for side in sides)
        hit = self._cells.get((protocols, cells))
        if hit is None:
            if len(sides) == 1:
                hit = sides[0].cell_rules(protocols, cells[0])[0]
            else:
                lists = [side.cell_rules(protocols, c) for side, c in zip(sides, cells)]
                hit = precedence.merged(self.target.groups, [rules for rules, _ in lists],
                                        [ranks for _, ranks in lists], self._ranked)
            self._cells[(protocols, cells)] = hit
        return hit

    def _large_enough(self, fam: int, rules: list[Rule]) -> bool:
        """The cheapest refutation, with sizes only: the accept rules' peers of ``fam``
        hold together fewer addresses than there are public ones, so they cannot cover
        them (a rule naming a list may: True)."""
        total = 0
        for r in rules:
            if r.action is not Action.ACCEPT:
                continue
            if r.peer.unresolved or r.unresolved_ports is not None:
                return True
            size = self._sizes.get((fam, id(r)))
            if size is None:
                size = self._sizes[(fam, id(r))] = _peer_size(fam, r)
            total += size
            if total >= _PUBLIC_SIZE[fam]:
                return True
        return False

    def _could_open(self, fam: int, rules: list[Rule], protocols: Intervals,
                    ports: Intervals | None) -> bool:
        """False when the service is surely not open, found cheaply with addresses alone.
        In precedence order, a rule that matches every flow of the service from its peers
        (all its protocols and ports, no source-port or interface-side condition) decides
        those peers: a drop's can no longer be accepted. A peer that no accept rule can
        still reach has no accepted flow, so then the service is not open. A rule naming an
        unresolved list is not counted as deciding (an accept one: maybe open). Ports whose
        rules and their wholeness are the same share the walk."""
        # One port: every rule here matches it (``_matching``), so none leaves a port out,
        # and the answer depends on the rules only (the list of the port's cells).
        one = ports is not None and len(ports) == 1 and ports[0][0] == ports[0][1]
        if one:
            known = self._could_one.get((fam, protocols, id(rules)))
            if known is None or known[0] is not rules:
                known = self._could_one[(fam, protocols, id(rules))] = (rules, self._could_walk(
                    fam, rules, protocols, ports, one))
            return known[1]
        return self._could_walk(fam, rules, protocols, ports, one)

    def _could_walk(self, fam: int, rules: list[Rule], protocols: Intervals,
                    ports: Intervals | None, one: bool) -> bool:
        steps = []
        for r in rules:
            if r.peer.unresolved or r.unresolved_ports is not None:
                if r.action is Action.ACCEPT:
                    return True
                continue
            whole = r.source_ports is None and r.local is None and \
                (r.protocol is None or protocols == point(r.protocol)) and \
                (r.ports is None or one or (ports is not None and not iv_sub(
                    ports, normalise((p.lo, p.hi) for p in r.ports))))
            steps.append((r, whole))
        # The walk's rules and wholeness as 8 bytes a rule (id and flag; the rules live as
        # long as the policy): these keys are kept for every interface of an audit, and as
        # a tuple of pairs they were the largest part of what an audit worker grew by.
        key = (fam, array("Q", [id(r) << 1 | whole for r, whole in steps]).tobytes())
        hit = self._could.get(key)
        if hit is None:
            hit = self._could[key] = self._first_claims(fam, steps)
        return hit

    def _first_claims(self, fam: int, steps: list[tuple[Rule, bool]]) -> bool:
        """The walk of ``_could_open``: is every public address of ``fam`` claimed first
        by an accept rule? An address is claimed by the first rule, in precedence order,
        that is an accept or a whole drop and whose peer holds it (an accept after a whole
        drop of the address cannot be reached; a drop that is not whole decides nothing).
        The same answer as keeping the undecided addresses and the union of what accepts
        still reach, with an early end: a whole drop that claims a public address refutes,
        accepts that claim every public address prove. Sorted bounds and bisection, as the
        audit walks this for every port of every interface."""
        los: list[int] = []
        his: list[int] = []
        for lo, hi in addr_intervals(INTERNET, fam):
            los.append(lo)
            his.append(hi)
        for r, whole in steps:
            accept = r.action is Action.ACCEPT
            if not (accept or whole):
                continue
            for lo, hi in self._peer(fam, r):
                i = bisect_left(his, lo)  # the first remaining range that ends at or after lo
                j = bisect_right(los, hi)  # the ranges before j start at or before hi
                if i >= j:
                    continue
                if not accept:
                    return False  # a public address decided by a drop before any accept
                left = [(los[i], lo - 1)] if los[i] < lo else []
                right = [(hi + 1, his[j - 1])] if his[j - 1] > hi else []
                los[i:j] = [a for a, _ in left + right]
                his[i:j] = [b for _, b in left + right]
            if not los:
                return True
        return not los

    def _peer(self, fam: int, r: Rule) -> Intervals:
        """The rule's peer addresses of ``fam`` (sorted, merged)."""
        key = (fam, id(r))
        hit = self._peers.get(key)
        if hit is None:
            hit = self._peers[key] = addr_intervals(r.peer.addresses, fam)
        return hit

    def _cell_large(self, fam: int, protocols: Intervals, port: int) -> bool:
        """``_large_enough`` of the rules of the port's cell: the accept rules matching
        ``port`` hold together at least as many ``fam`` addresses as the internet has, or
        one names an unresolved list (``_large_ports``)."""
        return self._large_ports(fam, protocols).has(port)

    def _large_ports(self, fam: int, protocols: Intervals) -> Ports:
        """The ports that pass the size test of ``_cell_large``: where the sum of the
        groups' cell sizes (step functions of the port, one sweep per group) reaches the
        internet's size. None can when the groups' largest cells together do not (IPv6,
        mostly)."""
        hit = self._large.get((fam, protocols))
        if hit is None:
            enough = _PUBLIC_SIZE[fam]
            sides = self._sides
            if len(sides) == 1:
                hit = sides[0].large_ports(fam, protocols)
            else:
                steps = [side.size_steps(fam, protocols) for side in sides]
                hit = _passing([s for s, _top in steps], enough) \
                    if sum(top for _s, top in steps) >= enough else NO_PORTS
            self._large[(fam, protocols)] = hit
        return hit

    def _wide_enough(self, fam: int, protocols: Intervals) -> bool:
        """``_large_enough`` of every rule of the protocols together (every port): when it
        fails no port can be open."""
        wide = self._wide.get((fam, protocols))
        if wide is None:
            wide = self._wide[(fam, protocols)] = self._large_enough(
                fam, [r for r, _ in self._protocol_rules(protocols)])
        return wide

    def _accepted(self, fam: int, protocols: Intervals, ports: Intervals | None
                  ) -> tuple[list[Box], list[Piece]]:
        """The region of the service from public addresses and its accepted pieces (none
        when the cheap condition already fails), computed once per question."""
        key = (fam, protocols, ports)
        hit = self._answers.get(key)
        if hit is None:
            hit = self._answers[key] = self._decide(fam, protocols, ports)
        return hit

    def _decide(self, fam: int, protocols: Intervals, ports: Intervals | None
                ) -> tuple[list[Box], list[Piece]]:
        if ports is not None and len(ports) == 1 and ports[0][0] == ports[0][1]:
            # One port (most questions): the size test of its cell, from one sweep of
            # the protocols' cells (it implies the test of every port together, below).
            if not self._cell_large(fam, protocols, ports[0][0]):
                return [], []
            rules = self._matching(protocols, ports)
        else:
            if not self._wide_enough(fam, protocols):
                return [], []  # not even every port of the protocols together: none is open
            rules = self._matching(protocols, ports)
            if not self._large_enough(fam, rules):
                return [], []
        if not self._could_open(fam, rules, protocols, ports):
            return [], []
        layout = self.layout
        want = _with(_with(layout.full(), PROTO, protocols), DPORT, ports or layout.full()[DPORT])
        region = [x for x in (_and(b, want) for b in self._public(fam)) if x is not None]
        if not region:
            return region, []
        keep = {id(r) for r in rules}
        target = self.target.with_groups(tuple(
            replace(g, rules=tuple(r for r in g.rules if id(r) in keep))
            for g in self.target.groups))
        narrow = Narrowing(layout, target, self._rule_boxes)
        pieces = decide_region(layout, narrow.to(*region), self.sem, region, self.budget,
                               cutters=narrow.cutters, quick=QUICK)
        return region, [p for p in pieces if p.accepted]

    def _public(self, fam: int) -> list[Box]:
        """The ingress flows from public addresses of ``fam`` in no group that can occur."""
        hit = self._base.get(fam)
        if hit is None:
            classic = self.target.network is Network.CLASSIC
            bit = next(b for b, f in FAMILIES if f == fam)
            hit = []
            for b in well_formed(self.layout, self.target):
                box = list(b)
                box[DIR], box[NIC], box[FAM] = point(0), point(1 if classic else 0), point(bit)
                box[8:8 + len(self.layout.keys)] = [point(0)] * len(self.layout.keys)  # no group
                narrowed = _and(_and(tuple(box), b),
                                _with(self.layout.full(), PEER, addr_intervals(INTERNET, fam)))
                if narrowed is not None:
                    hit.append(narrowed)
            self._base[fam] = hit
        return hit

    def _evidence(self, fam: int, accepted: list[Piece]) -> Opened:
        layout = self.layout
        rules: list[Rule] = []
        for p in accepted:
            if p.rule is not None and p.rule not in rules:
                rules.append(p.rule)
        order = {id(r): i for i, r in enumerate(self._ingress)}
        rules.sort(key=lambda r: order.get(id(r), 0))
        flow, assume = witness(layout, accepted[0].box)
        problem = flow_problem(flow, self.target)
        if problem is not None:
            raise InternalError(f"the box engine produced an impossible witness on "
                                f"{self.target.name}: {flow} ({problem})")
        decision = decide(self.target, flow, self.sem, assume)
        if not decision.accepted:
            raise InternalError(f"the box engine says {flow} is accepted on {self.target.name}, "
                                f"the evaluator says {decision.action.value}")
        return Opened(fam, tuple(accepted), tuple(rules), flow, assume, decision)


def _port_intervals(r: Rule) -> Intervals | None:
    """The rule's destination ports, merged (None: every port, or an unresolved list)."""
    if r.ports is None or r.unresolved_ports is not None:
        return None
    if len(r.ports) == 1:
        lo, hi = r.ports[0].lo, r.ports[0].hi
        return ((lo, hi),) if lo <= hi else ()
    return normalise((p.lo, p.hi) for p in r.ports)


def _peer_size(fam: int, r: Rule) -> int:
    """How many ``fam`` addresses the rule's peer holds (counted as its ranges are)."""
    ranges = r.peer.addresses.ranges
    if len(ranges) == 1:
        x = ranges[0]
        return x.hi - x.lo + 1 if x.family == fam else 0
    return sum(x.hi - x.lo + 1 for x in ranges if x.family == fam)


def _shared_ports(ports: Intervals | None, shared: dict[Intervals, Intervals]) -> Intervals | None:
    """``ports``, or an equal tuple seen before: a group's rules repeat a few port sets,
    and a fleet's audit keeps every group's (one copy each instead of one per rule)."""
    return None if ports is None else shared.setdefault(ports, ports)


def _with(box: Box, dim: int, value: Intervals) -> Box:
    out = list(box)
    out[dim] = value
    return tuple(out)


def _and(a: Box | None, b: Box | None) -> Box | None:
    if a is None or b is None:
        return None
    return box_and(a, b)


def _covers(layout: Layout, region: list[Box], accepted: list[Box], budget: Budget,
            every: bool) -> bool:
    """For every (``every``) or some membership of the unresolved lists, does every
    (protocol, port, peer) of ``region`` have some accepted flow?"""
    keep = {PROTO, DPORT, PEER}
    full = layout.full()
    atom_dims = [layout.atom_dim(n) for n in layout.atoms]

    def project(boxes: list[Box], values: tuple[int, ...]) -> list[Box]:
        """The boxes holding these list memberships, on the kept dimensions only."""
        out = []
        for b in boxes:
            if all(any(lo <= v <= hi for lo, hi in b[d]) for d, v in zip(atom_dims, values)):
                out.append(tuple(b[d] if d in keep else full[d] for d in range(len(b))))
        return merge_boxes(out, ())

    for values in product((0, 1), repeat=len(atom_dims)):
        _, rest = carve(project(region, values), project(accepted, values), budget)
        if bool(rest) == every:  # one uncovered membership refutes 'every', one covered proves 'some'
            return not every
    return every
