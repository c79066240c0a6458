"""Answers to reach questions: who reaches whom (instances or groups, and the internet),
on what, with a confirmed witness for each pair reported.

``ask`` turns two selections (``select``) into the list of ordered pairs that can connect
(or might: unresolved lists), using the matrix (``matrix``) for instances and the
exposure (``exposure``) for the internet. Every pair not listed is proved unreachable for
the connections of the query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..model import Direction, Instance, Policy
from ..result import Evidence
from .exposure import Exposure, exposures
from .matrix import REACHABLE, UNKNOWN, UNREACHABLE, Query, ReachMatrix
from .select import Selection
from .services import ServiceSpace

INTERNET = "internet"


@dataclass(frozen=True)
class Unit:
    """A row or column: the internet, one instance, or a group's member instances
    (indexes into the matrix's instances)."""

    label: str
    kind: str  # internet | instance | group
    members: tuple[int, ...] = ()


@dataclass(frozen=True)
class Pair:
    """One ordered pair that can (status REACHABLE) or might (UNKNOWN) connect."""

    sender: Unit
    receiver: Unit
    status: int
    sure: int
    maybe: int
    space: ServiceSpace
    evidence: tuple[Evidence, ...] = ()

    def services(self) -> str:
        return self.space.describe(self.sure if self.status == REACHABLE else self.maybe)

    def heat(self) -> int:
        return self.space.count_ports(self.sure | self.maybe)


@dataclass
class Answer:
    """The pairs (in row order) that connect, out of ``checked`` ordered pairs."""

    question: str
    by: str
    senders: list[Unit]
    receivers: list[Unit]
    pairs: list[Pair] = field(default_factory=list)
    checked: int = 0
    truncated: int = 0
    notes: list[str] = field(default_factory=list)
    matrix: ReachMatrix | None = None
    seconds: float = 0.0

    @property
    def reachable(self) -> int:
        return sum(1 for p in self.pairs if p.status == REACHABLE)

    @property
    def unknown(self) -> int:
        return sum(1 for p in self.pairs if p.status == UNKNOWN)


def _units(m: ReachMatrix, sel: Selection | None, by: str) -> list[Unit]:
    index = {id(i): n for n, i in enumerate(m.instances)}
    chosen = m.instances if sel is None else [i for i in sel.instances if id(i) in index]
    if by == "group":
        groups = list(sel.groups) if sel is not None and sel.groups else None
        out = []
        for g, ms in m.group_members():
            if groups is not None and g not in groups:
                continue
            picked = tuple(n for n in ms if sel is None or m.instances[n] in chosen)
            if picked:
                out.append(Unit(f"group {g.name}", "group", picked))
        return out
    return [Unit(f"instance {i.name}", "instance", (index[id(i)],)) for i in chosen]


def ask(policy: Policy, src: Selection | None, dst: Selection | None, query: Query = Query(),
        by: str = "instance", limit: int | None = None, internet: bool = True,
        progress: Callable[[int, int], None] | None = None,
        max_units: int | None = None) -> Answer:
    """Which of ``src`` reach which of ``dst`` (None: everyone, and the internet when
    ``internet``) on the connections of ``query``. At most ``limit`` pairs get their
    services and witness worked out; the rest are counted in ``truncated``. ``max_units``
    keeps only the first rows and columns (a note says so)."""
    import time
    start = time.perf_counter()
    if src is not None and dst is not None and src.internet and dst.internet:
        raise ValueError("the internet to the internet is not a question about your groups")
    question = f"{src.text if src else 'anything'} -> {dst.text if dst else 'anything'}"
    involved: list[Instance] = []
    for sel in (src, dst):
        if sel is None or sel.internet:
            involved = list(policy.instances)
            break
        involved += [i for i in sel.instances if i not in involved]
    m = ReachMatrix(policy, involved, query, progress)
    senders = [] if src is not None and src.internet else _units(m, src, by)
    receivers = [] if dst is not None and dst.internet else _units(m, dst, by)
    answer = Answer(question, by, list(senders), list(receivers), matrix=m)
    if max_units is not None:
        for name, units, shown in (("rows", senders, answer.senders),
                                   ("columns", receivers, answer.receivers)):
            if len(units) > max_units:
                answer.notes.append(f"only the first {max_units} of {len(units)} {name} are "
                                    "worked out; use --from/--to for the others")
                del units[max_units:]
                del shown[max_units:]
    if m.skipped:
        answer.notes.append("left out (no private address): " + ", ".join(i.name for i in m.skipped))
    budget = [limit if limit is not None else -1]

    def room() -> bool:
        if budget[0] == 0:
            answer.truncated += 1
            return False
        budget[0] -= 1
        return True

    from_internet = (src is not None and src.internet) or (src is None and internet)
    to_internet = (dst is not None and dst.internet) or (dst is None and internet)
    if from_internet and receivers:
        _internet_pairs(answer, policy, m, receivers, query, Direction.INGRESS, room)
        if src is None:
            answer.senders.insert(0, Unit(INTERNET, INTERNET))
    if src is None or not src.internet:
        for s in senders:
            for r in receivers:
                if s.kind == r.kind == "instance" and s.members == r.members:
                    continue  # an instance and itself: not a connection between two
                answer.checked += 1
                status = m.group_status(s.members, r.members)
                if status == UNREACHABLE:
                    continue
                answer.pairs.append(_pair(m, s, r, status, room()))
    if to_internet and senders:
        _internet_pairs(answer, policy, m, senders, query, Direction.EGRESS, room)
        if dst is None:
            answer.receivers.append(Unit(INTERNET, INTERNET))
    if src is not None and src.internet:
        answer.senders = [Unit(INTERNET, INTERNET)]
    if dst is not None and dst.internet:
        answer.receivers = [Unit(INTERNET, INTERNET)]
    order = {u.label: n for n, u in enumerate(answer.senders)}
    answer.pairs.sort(key=lambda p: order.get(p.sender.label, -1))
    answer.seconds = time.perf_counter() - start
    return answer


def _pair(m: ReachMatrix, s: Unit, r: Unit, status: int, detailed: bool) -> Pair:
    if not detailed:
        return Pair(s, r, status, 0, 0, m.space)
    sure = maybe = 0
    for a in s.members:
        for b in r.members:
            x, y = m.pair_services(a, b)
            sure |= x
            maybe |= y
    evidence: tuple[Evidence, ...] = ()
    want = REACHABLE if status == REACHABLE else UNKNOWN
    first = m.first_pair(s.members, r.members, want)
    if first is not None:
        w = m.witness(*first)
        if w is not None:
            evidence = (Evidence(f"sender {w.sender.name} (egress)", w.sender.target, w.egress,
                                 w.sender_decision),
                        Evidence(f"receiver {w.receiver.name} (ingress)", w.receiver.target,
                                 w.ingress, w.receiver_decision))
    return Pair(s, r, status, sure, maybe & ~sure, m.space, evidence)


def _internet_pairs(answer: Answer, policy: Policy, m: ReachMatrix, units: Sequence[Unit],
                    query: Query, direction: Direction, room: Callable[[], bool]) -> None:
    insts = sorted({n for u in units for n in u.members})
    found, space = exposures(policy, [m.instances[n] for n in insts], query, direction)
    by_index = dict(zip(insts, found))
    net = Unit(INTERNET, INTERNET)
    for u in units:
        answer.checked += 1
        exps = [by_index[n] for n in u.members]
        sure = maybe = 0
        for e in exps:
            sure |= e.sure
            maybe |= e.maybe
        maybe &= ~sure
        if not sure and not maybe:
            continue
        status = REACHABLE if sure else UNKNOWN
        if not room():
            pair = Pair(net, u, status, 0, 0, space) if direction is Direction.INGRESS \
                else Pair(u, net, status, 0, 0, space)
            answer.pairs.append(pair)
            continue
        shown: Exposure = next(e for e in exps if (e.sure if sure else e.maybe))
        role = (f"receiver {shown.instance.name} (ingress)" if direction is Direction.INGRESS
                else f"sender {shown.instance.name} (egress)")
        ev = (Evidence(role, shown.instance.target, shown.flow, shown.decision),) \
            if shown.flow is not None and shown.decision is not None else ()
        if direction is Direction.INGRESS:
            answer.pairs.append(Pair(net, u, status, sure, maybe, space, ev))
        else:
            answer.pairs.append(Pair(u, net, status, sure, maybe, space, ev))


__all__ = ["INTERNET", "Answer", "Pair", "Unit", "ask"]
