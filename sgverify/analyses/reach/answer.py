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

from ...core.evaluate import Decision
from ...core.flow import Flow
from ...core.model import Direction, Instance, Policy
from ...core.records import quick_maker
from ...core.result import Evidence
from ...engines.atoms.matrix import (
    REACHABLE,
    UNKNOWN,
    UNREACHABLE,
    PairWitness,
    Query,
    ReachMatrix,
)
from ...engines.atoms.services import ServiceSpace
from .exposure import Exposure, InternetWitness, exposures
from .external import remap, stand_in
from .select import Selection

INTERNET = "internet"


@dataclass(frozen=True)
class Axis:
    """A row or column: the internet, one instance, or a group's member instances
    (indexes into the matrix's instances)."""

    label: str
    kind: str  # internet | instance | group
    members: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Pair:
    """One ordered pair that can (status REACHABLE) or might (UNKNOWN) connect.

    ``sure`` and ``maybe`` are the services it surely reaches and those it may reach
    besides (unresolved lists), both 0 when the pair was not worked out (``--limit``).
    ``facts``: the list membership under which the witness (``evidence``) passes, when it
    passes only for some contents. ``more``: a reachable pair that may reach more services
    than ``sure`` (not verified, even when not worked out); ``lists``: the unresolved lists
    those services, or an unknown pair's, depend on; ``extra`` and ``extra_facts``: a
    witness for one of them and its membership."""

    sender: Axis
    receiver: Axis
    status: int
    sure: int
    maybe: int
    space: ServiceSpace
    evidence: tuple[Evidence, ...] = ()
    facts: tuple[str, ...] = ()
    more: bool = False
    lists: tuple[str, ...] = ()
    extra: tuple[Evidence, ...] = ()
    extra_facts: tuple[str, ...] = ()

    @property
    def worked_out(self) -> bool:
        """Its services and witness were worked out (not past ``--limit``)."""
        return bool(self.evidence or self.sure or self.maybe)

    def services(self) -> str:
        return self.space.describe(self.sure if self.status == REACHABLE else self.maybe)

    def also(self) -> str:
        """The services a reachable pair may reach besides (unresolved lists)."""
        return self.space.describe(self.maybe) if self.maybe else "more services"

    def heat(self) -> int:
        return self.space.count_ports(self.sure | self.maybe)


_quick_pair = quick_maker(Pair)  # every field by position: a matrix has a million pairs


@dataclass
class Answer:
    """The pairs (in row order) that connect, out of ``checked`` ordered pairs."""

    question: str
    by: str
    senders: list[Axis]
    receivers: list[Axis]
    pairs: list[Pair] = field(default_factory=list)
    checked: int = 0
    truncated: int = 0
    across: int = 0  # pairs of units in different networks (classic, VPC): not answered
    notes: list[str] = field(default_factory=list)
    matrix: ReachMatrix | None = None
    seconds: float = 0.0

    @property
    def reachable(self) -> int:
        return sum(1 for p in self.pairs if p.status == REACHABLE)

    @property
    def unknown(self) -> int:
        return sum(1 for p in self.pairs if p.status == UNKNOWN)

    @property
    def partly_unknown(self) -> int:
        """Reachable pairs that may reach more services than they surely do: those
        services depend on unresolved lists, so the answer for them is not verified."""
        return sum(1 for p in self.pairs if p.status == REACHABLE and p.more)


def _everyone(m: ReachMatrix) -> list[Instance]:
    """The matrix's instances, then those with only a public address: the internet can
    reach those, though no instance-to-instance pair includes them (indexes past the
    matrix's instances)."""
    return list(m.instances) + [i for i in m.skipped if i.public]


def _units(m: ReachMatrix, sel: Selection | None, by: str) -> list[Axis]:
    insts = _everyone(m)
    index = {id(i): n for n, i in enumerate(insts)}
    chosen = insts if sel is None else [i for i in sel.instances if id(i) in index]
    if by == "group":
        groups = list(sel.groups) if sel is not None and sel.groups else None
        out = []
        for g in m.policy.groups:
            if groups is not None and g not in groups:
                continue
            picked = tuple(n for n, i in enumerate(insts) if g in i.groups
                           and (sel is None or i in chosen))
            if picked:
                out.append(Axis(f"group {g.name}", "group", picked))
        return out
    return [Axis(f"instance {i.name}", "instance", (index[id(i)],)) for i in chosen]


def _internal(m: ReachMatrix, u: Axis) -> Axis:
    """``u`` with only the members that have a private address (instance-to-instance)."""
    k = len(m.instances)
    return u if all(n < k for n in u.members) else \
        Axis(u.label, u.kind, tuple(n for n in u.members if n < k))


def ask(policy: Policy, src: Selection | None, dst: Selection | None, query: Query = Query(),
        by: str = "instance", limit: int | None = None, internet: bool = True,
        progress: Callable[[int, int], None] | None = None,
        max_units: int | None = None, jobs: int = 1, backend: str = "local",
        address: str | None = None) -> Answer:
    """Which of ``src`` reach which of ``dst`` (None: everyone, and the internet when
    ``internet``) on the connections of ``query``. At most ``limit`` pairs get their
    services and witness worked out; the rest are counted in ``truncated``. ``max_units``
    keeps only the first rows and columns (a note says so). ``jobs``: worker processes
    for the matrix rows and the internet exposure, on this machine or (``backend``
    "dask") on the cluster at ``address`` (None: a local one); the answer is the same
    for any number."""
    import time
    start = time.perf_counter()
    if src is not None and dst is not None and src.internet and dst.internet:
        raise ValueError("the internet to the internet is not a question about your groups")
    question = f"{src.text if src else 'anything'} -> {dst.text if dst else 'anything'}"
    policy, new_instances, new_groups = stand_in(policy)
    src, dst = remap(src, new_instances, new_groups), remap(dst, new_instances, new_groups)
    involved: list[Instance] = []
    for sel in (src, dst):
        if sel is None or sel.internet:
            involved = list(policy.instances)
            break
        involved += [i for i in sel.instances if i not in involved]
    m = ReachMatrix(policy, involved, query, progress, jobs, backend, address)
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
    if new_groups:
        answer.notes.append("the rules of group " + ", ".join(g.name for g in new_groups.values())
                            + " are not known (external): any rule is possible there, so what "
                            "passes through them is at most 'may reach' (not verified)")
    if m.skipped:
        answer.notes.append("left out of instance-to-instance pairs (no private address): "
                            + ", ".join(i.name for i in m.skipped))
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
        _internet_pairs(answer, policy, m, receivers, query, Direction.INGRESS, room,
                        jobs, backend, address)
        if src is None:
            answer.senders.insert(0, Axis(INTERNET, INTERNET))
    nets = [i.groups[0].network if i.groups else None for i in m.instances]
    if src is None or not src.internet:
        inner = [_internal(m, r0) for r0 in receivers]
        rows = m.rows()
        for s0 in senders:
            s = _internal(m, s0)
            if not s.members:
                continue  # no private address: no internal connection
            single = s.kind == "instance" and len(s.members) == 1
            for r in inner:
                if not r.members:
                    continue  # no private address on one side: no internal connection
                if s.kind == r.kind == "instance" and s.members == r.members:
                    continue  # an instance and itself: not a connection between two
                if single and len(r.members) == 1:
                    # One instance each (the whole matrix by instance: a million pairs):
                    # group_status of the two, read from the sender's row.
                    sure, may = rows[s.members[0]]
                    b = r.members[0]
                    status = REACHABLE if sure >> b & 1 else UNKNOWN if may >> b & 1 \
                        else UNREACHABLE
                else:
                    status = m.group_status(s.members, r.members)
                if status != UNREACHABLE:
                    kinds = set()
                elif single and len(r.members) == 1:
                    kinds = {nets[s.members[0]], nets[r.members[0]]}
                else:
                    kinds = {nets[n] for n in s.members} | {nets[n] for n in r.members}
                if status == UNREACHABLE and len(kinds) > 1:
                    answer.across += 1  # some members are in other networks: no answer
                    continue
                answer.checked += 1
                if status == UNREACHABLE:
                    continue
                detailed = room()
                if not detailed and single and len(r.members) == 1:
                    # ``_pair`` of one instance each, not worked out (most of a matrix):
                    # only whether it may reach more services than it surely does.
                    a, b = s.members[0], r.members[0]
                    more = False
                    if status == REACHABLE and m.may_reach_more(a, b):
                        x, y = m.pair_services(a, b)
                        more = bool(y & ~x)
                    answer.pairs.append(_quick_pair(s, r, status, 0, 0, m.space, (), (), more,
                                                    (), (), ()))
                    continue
                answer.pairs.append(_pair(m, s, r, status, detailed))
    if to_internet and senders:
        _internet_pairs(answer, policy, m, senders, query, Direction.EGRESS, room,
                        jobs, backend, address)
        if dst is None:
            answer.receivers.append(Axis(INTERNET, INTERNET))
    if src is not None and src.internet:
        answer.senders = [Axis(INTERNET, INTERNET)]
    if dst is not None and dst.internet:
        answer.receivers = [Axis(INTERNET, INTERNET)]
    order = {u.label: n for n, u in enumerate(answer.senders)}
    answer.pairs.sort(key=lambda p: order.get(p.sender.label, -1))
    if answer.across:
        answer.notes.append(f"{answer.across} pair(s) across networks (classic and VPC) are not "
                            "answered: the model has no connection between them (docs/semantics.md, "
                            "section 4); they count as not verified")
    answer.seconds = time.perf_counter() - start
    return answer


def _pair(m: ReachMatrix, s: Axis, r: Axis, status: int, detailed: bool) -> Pair:
    pairs = [(a, b) for a in s.members for b in r.members if a != b]
    if not detailed:
        more = False
        if status == REACHABLE and any(m.may_reach_more(a, b) for a, b in pairs):
            sure = maybe = 0
            for a, b in pairs:
                x, y = m.pair_services(a, b)
                sure |= x
                maybe |= y
            more = bool(maybe & ~sure)
        return Pair(s, r, status, 0, 0, m.space, more=more)
    sure = maybe = 0
    for a, b in pairs:
        x, y = m.pair_services(a, b)
        sure |= x
        maybe |= y
    maybe &= ~sure
    evidence: tuple[Evidence, ...] = ()
    facts: tuple[str, ...] = ()
    want = REACHABLE if status == REACHABLE else UNKNOWN
    first = m.first_pair(s.members, r.members, want)
    if first is not None:
        w = m.witness(*first)
        if w is not None:
            evidence, facts = _evidence(w)
    lists: set[str] = set()
    extra: tuple[Evidence, ...] = ()
    extra_facts: tuple[str, ...] = ()
    if maybe:
        for a, b in pairs:
            lists |= m.lists_between(a, b, maybe)
        if status == REACHABLE:
            w = next((x for x in (m.extra_witness(a, b, maybe) for a, b in pairs) if x), None)
            if w is not None:
                extra, extra_facts = _evidence(w)
    return Pair(s, r, status, sure, maybe, m.space, evidence, facts,
                status == REACHABLE and bool(maybe), tuple(sorted(lists)), extra, extra_facts)


def _evidence(w: PairWitness) -> tuple[tuple[Evidence, ...], tuple[str, ...]]:
    """A matrix witness as evidence, and its list membership (each fact says for whom)."""
    evidence = (Evidence(f"sender {w.sender.name} (egress)", w.sender.target, w.egress,
                         w.sender_decision),
                Evidence(f"receiver {w.receiver.name} (ingress)", w.receiver.target, w.ingress,
                         w.receiver_decision))
    facts = tuple(f"{f} (sender {w.sender.name})" for f in w.sender_facts) + \
        tuple(f"{f} (receiver {w.receiver.name})" for f in w.receiver_facts)
    return evidence, facts


def _internet_pairs(answer: Answer, policy: Policy, m: ReachMatrix, units: Sequence[Axis],
                    query: Query, direction: Direction, room: Callable[[], bool],
                    jobs: int = 1, backend: str = "local", address: str | None = None) -> None:
    insts = sorted({n for u in units for n in u.members})
    everyone = _everyone(m)
    found, space = exposures(policy, [everyone[n] for n in insts], query, direction, jobs,
                             backend, address)
    by_index = dict(zip(insts, found))
    net = Axis(INTERNET, INTERNET)
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
        more = bool(sure and maybe)
        if not room():
            pair = Pair(net, u, status, 0, 0, space, more=more) if direction is Direction.INGRESS \
                else Pair(u, net, status, 0, 0, space, more=more)
            answer.pairs.append(pair)
            continue
        shown: Exposure = next(e for e in exps if (e.sure if sure else e.maybe))
        ev, facts = _exposure_evidence(shown.instance, shown.flow, shown.decision, shown.facts,
                                       direction)
        lists = sorted({n for e in exps if e.maybe & maybe for n in e.lists})
        extra: tuple[Evidence, ...] = ()
        extra_facts: tuple[str, ...] = ()
        if more:
            for e in exps:
                if not e.maybe & maybe:
                    continue
                w = e.extra if e.sure else (
                    InternetWitness(e.flow, e.decision, e.facts)
                    if e.flow is not None and e.decision is not None else None)
                if w is not None:
                    extra, extra_facts = _exposure_evidence(e.instance, w.flow, w.decision,
                                                            w.facts, direction)
                    break
        args = (status, sure, maybe, space, ev, facts, more, tuple(lists), extra, extra_facts)
        if direction is Direction.INGRESS:
            answer.pairs.append(Pair(net, u, *args))
        else:
            answer.pairs.append(Pair(u, net, *args))


def _exposure_evidence(inst: Instance, flow: Flow | None, decision: Decision | None,
                       facts: tuple[str, ...], direction: Direction
                       ) -> tuple[tuple[Evidence, ...], tuple[str, ...]]:
    """An exposure witness as evidence, and its list membership (saying for whom)."""
    if flow is None or decision is None:
        return (), ()
    role = (f"receiver {inst.name} (ingress)" if direction is Direction.INGRESS
            else f"sender {inst.name} (egress)")
    who = role.rsplit(" (", 1)[0]
    return (Evidence(role, inst.target, flow, decision),), tuple(f"{f} ({who})" for f in facts)


__all__ = ["INTERNET", "Answer", "Pair", "Axis", "ask"]
