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

from dataclasses import dataclass
from itertools import product

from ..core.addresses import INTERNET, V6
from ..core.diagnostics import InternalError
from ..core.evaluate import Decision, decide
from ..core.flow import Flow, flow_problem
from ..core.model import Network, Rule, Semantics, Target
from ..engines.boxes.certify import (
    DIR,
    DPORT,
    FAM,
    FAMILIES,
    NIC,
    PEER,
    PROTO,
    Layout,
    Piece,
    decide_region,
    layout_for,
    well_formed,
)
from ..engines.boxes.intervals import Box, Budget, Intervals, addr_intervals, box_and, carve, point
from ..engines.boxes.merge import merge_boxes, witness
from ..engines.boxes.narrow import Narrowing

MAX_ATOMS = 6  # unresolved lists on one interface beyond which the check is not attempted


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


class PublicExposure:
    """Asks, service by service, whether ``target`` is open to the internet. Raises
    ``TooManyLists`` (on creation) and ``BudgetExceeded`` (on a question)."""

    def __init__(self, target: Target, sem: Semantics, budget: Budget) -> None:
        self.target, self.sem, self.budget = target, sem, budget
        self.layout = layout_for([target], ())
        if len(self.layout.atoms) > MAX_ATOMS:
            raise TooManyLists(f"{len(self.layout.atoms)} unresolved lists (the exposure check "
                               f"handles up to {MAX_ATOMS})")
        self.narrow = Narrowing(self.layout, target)
        classic = target.network is Network.CLASSIC
        self.families = [(bit, fam) for bit, fam in FAMILIES if not (classic and fam == V6)]
        self._base: dict[int, list[Box]] = {}
        for bit, fam in self.families:
            base = []
            for b in well_formed(self.layout, target):
                box = list(b)
                box[DIR], box[NIC], box[FAM] = point(0), point(1 if classic else 0), point(bit)
                for k in self.layout.keys:
                    box[self.layout.key_dim(k)] = point(0)  # type: ignore[index]
                narrowed = _and(_and(tuple(box), b),
                                _with(self.layout.full(), PEER, addr_intervals(INTERNET, fam)))
                if narrowed is not None:
                    base.append(narrowed)
            self._base[fam] = base

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
        region, accepted = self._accepted(fam, protocols, ports)
        return bool(accepted) and _covers(self.layout, region, [p.box for p in accepted],
                                          self.budget, every=False)

    def _accepted(self, fam: int, protocols: Intervals, ports: Intervals | None
                  ) -> tuple[list[Box], list[Piece]]:
        layout = self.layout
        want = _with(_with(layout.full(), PROTO, protocols), DPORT, ports or layout.full()[DPORT])
        region = [x for x in (_and(b, want) for b in self._base.get(fam, ())) if x is not None]
        if not region:
            return region, []
        pieces = decide_region(layout, self.narrow.to(*region), self.sem, region, self.budget,
                               cutters=self.narrow.cutters)
        return region, [p for p in pieces if p.accepted]

    def _evidence(self, fam: int, accepted: list[Piece]) -> Opened:
        layout = self.layout
        rules: list[Rule] = []
        for p in accepted:
            if p.rule is not None and p.rule not in rules:
                rules.append(p.rule)
        order = {id(r): i for i, r in enumerate(self.target.rules(rules[0].direction))} \
            if rules else {}
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
