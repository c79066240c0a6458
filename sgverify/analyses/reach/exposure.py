"""Which interfaces the internet can reach, on what: for every instance, the services that
some public address (in no security group) can open to one of its addresses, as
``assert instance X: ingress from internet ... is reachable`` means it, exactly; and the
other way (``direction`` egress), what each instance can open to the internet.

Per group set, the internet is cut at the boundaries of that group set's rules; each
(peer atom, own-address atom) pair is decided over the service atoms (``sides``). The
witness is confirmed by the evaluator. Routing is outside the model: an instance without a
public address is listed all the same (its groups would admit the traffic), marked so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from ...core.addresses import INTERNET, AddrSpace
from ...core.diagnostics import InternalError
from ...core.evaluate import Decision, decide_all, definitely
from ...core.flow import Flow, flow_problem
from ...core.model import Direction, Group, Instance, Network, Nic, Policy, Rule, Target
from ...core.parallel import blocks, can_fork, pmap_shared
from ...engines.atoms.atoms import FAMILIES, Atoms, Cuts, nice_address
from ...engines.atoms.matrix import Overlap, Query
from ...engines.atoms.membership import accepting
from ...engines.atoms.services import ServiceSpace
from ...engines.atoms.sides import NONE, Side, addresses_of


@dataclass(frozen=True)
class Exposure:
    """What the internet reaches on one interface: services surely / possibly (unresolved
    lists) accepted, and a confirmed witness flow when something is. ``facts``: the list
    membership under which the witness's ``decision`` accepts (when it is not sure).
    When some services are sure and more are possible, ``extra`` is a witness for one of
    the possible ones; ``lists`` are the unresolved lists the possible services depend on."""

    instance: Instance
    sure: int
    maybe: int
    flow: Flow | None = None
    decision: Decision | None = None
    facts: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    extra: InternetWitness | None = None

    @property
    def public(self) -> bool:
        return bool(self.instance.public)


@dataclass(frozen=True)
class InternetWitness:
    """A flow between the internet and an interface, the interface's decision, and the
    membership of unresolved lists under which that decision accepts (empty: any)."""

    flow: Flow
    decision: Decision
    facts: tuple[str, ...] = ()


_MEETS_INTERNET = Overlap(INTERNET)  # bool(addresses & INTERNET), by bisection: every rule asks


def _relevance(direction: Direction) -> Callable[[Rule], bool]:
    """Rules of ``direction`` whose peer can be an internet address (answered once per
    rule: every instance of its groups asks)."""
    seen: dict[int, bool] = {}

    def relevant(r: Rule) -> bool:
        hit = seen.get(id(r))
        if hit is None:
            hit = seen[id(r)] = r.direction is direction and bool(
                r.peer.unresolved or _MEETS_INTERNET(r.peer.addresses))
        return hit
    return relevant


PARALLEL_INSTANCES = 200  # distinct interfaces below which one process is faster


class ExposureJob:
    """What the exposure of some instances needs, for worker processes: the policy, the
    instances (one per distinct groups and addresses), the query and the direction. The
    state made from them (which rules matter, the service atoms) is made once per process
    and never pickled: it is keyed by the rules' identities, which a copy does not keep."""

    def __init__(self, policy: Policy, instances: Sequence[Instance], query: Query,
                 direction: Direction) -> None:
        self.policy, self.instances, self.query, self.direction = policy, tuple(instances), query, direction
        self._state: _State | None = None

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_state": None}

    def state(self) -> _State:
        if self._state is None:
            self._state = _State(self.policy, self.query, self.direction)
        return self._state


class _State:
    """The rules whose peer can be an internet address (per group, in order), and the
    service atoms of those rules with the query's mask per family."""

    def __init__(self, policy: Policy, query: Query, direction: Direction) -> None:
        self.relevant = _relevance(direction)
        self._by_group = {g.key: [r for r in g.rules if self.relevant(r)] for g in policy.groups}
        rules = [r for g in policy.groups for r in self._by_group[g.key]]
        self.space = ServiceSpace(rules, query.boxes())
        self.qmask = {f: self.space.service_mask(query.services, query.source_ports)
                      & self.space.well_formed[f] if query.family in (None, f) else 0
                      for f in FAMILIES}

    def rules_of(self, g: Group) -> list[Rule]:
        """The relevant rules of ``g``, in order (worked out once per group)."""
        hit = self._by_group.get(g.key)
        return hit if hit is not None else [r for r in g.rules if self.relevant(r)]


def exposures(policy: Policy, instances: Sequence[Instance] | None = None,
              query: Query = Query(), direction: Direction = Direction.INGRESS,
              jobs: int = 1, backend: str = "local", address: str | None = None
              ) -> tuple[list[Exposure], ServiceSpace]:
    """The exposure of each instance (default: all), in order, and the service atoms:
    what the internet can open to it (ingress) or what it can open to the internet
    (egress). Instances with the same groups and addresses are worked out once; with
    ``jobs`` > 1 (or ``backend`` "dask") and enough of them, in worker processes (the
    answer is the same)."""
    chosen = list(policy.instances if instances is None else instances)
    first: dict[tuple[object, ...], int] = {}
    distinct: list[Instance] = []
    keys = []
    for inst in chosen:
        key = (tuple(g.key for g in inst.groups), inst.private | inst.public)
        keys.append(key)
        if key not in first:
            first[key] = len(distinct)
            distinct.append(inst)
    job = ExposureJob(policy, distinct, query, direction)
    st = job.state()
    n = len(distinct)
    wide = backend == "dask" or (jobs > 1 and n >= PARALLEL_INSTANCES and can_fork())
    parts = blocks(n, max(1, jobs)) if wide and n > 1 else [(0, n)]
    scans = [x for part in pmap_shared(_scan_block, job, parts, jobs, backend, address)
             for x in part] if len(parts) > 1 else _scan_block(job, (0, n))
    made = [_exposure(policy, inst, st.space, scan, direction)
            for inst, scan in zip(distinct, scans)]
    out = []
    for inst, key in zip(chosen, keys):
        hit = made[first[key]]
        out.append(hit if hit.instance is inst else replace(hit, instance=inst))
    return out, st.space


class _Scan(NamedTuple):
    """What a worker finds for one instance: the services surely and (besides) possibly
    accepted, where the witness is, the lists the possible services depend on, and where
    a witness of a possible service is (when some are sure)."""

    sure: int
    more: int
    first: _Spot | None
    lists: tuple[str, ...]
    extra: _Spot | None


def _scan_block(job: ExposureJob, block: tuple[int, int]) -> list[_Scan]:
    st = job.state()
    return [_scan(job.policy, inst, inst.private | inst.public, st, job.direction)
            for inst in job.instances[block[0]:block[1]]]


def _exposure(policy: Policy, inst: Instance, space: ServiceSpace, scan: _Scan,
              direction: Direction) -> Exposure:
    """The exposure of ``inst`` from its scan, with its witnesses confirmed."""
    target = inst.target
    shown = None if scan.first is None else _witness(policy, inst, target, space, scan.first,
                                                     direction)
    extra = None if scan.extra is None else _witness(policy, inst, target, space, scan.extra,
                                                     direction)
    return Exposure(inst, scan.sure, scan.more, shown.flow if shown else None,
                    shown.decision if shown else None, shown.facts if shown else (),
                    scan.lists, extra)


def _scan(policy: Policy, inst: Instance, own: AddrSpace, st: _State,
          direction: Direction) -> _Scan:
    target = inst.target
    space, qmask = st.space, st.qmask
    mine = [r for g in inst.groups for r in st.rules_of(g)]
    cuts = Cuts(addresses_of(mine) + [INTERNET, inst.private, inst.public])  # each piece is
    # private or public wholly: a classic NIC has only one kind (Target.local_on)
    peers = Atoms(cuts.split(INTERNET))
    locals_ = Atoms((f, alo, ahi) for f, alo, ahi, _, _ in cuts.pieces(own))
    clipped = {(f, alo): (lo, hi) for f, alo, _, lo, hi in cuts.pieces(own)}
    nics = (Nic.INTRANET, Nic.INTERNET) if target.network is Network.CLASSIC else (Nic.INTRANET,)
    sure = maybe = 0
    first: _Spot | None = None      # where the witness is: a sure spot if there is one
    first_readable = False          # ... and whether its peer reads well (``_readable``)
    possible: list[tuple[_Spot, Side, int, int]] = []  # spots with services only possible
    for nic in nics:
        side = Side(target, direction, nic, space, peers, locals_, policy.semantics, st.relevant)
        blocked = policy.semantics.block_tcp25 and direction is Direction.EGRESS
        for fam in FAMILIES:
            if target.network is Network.CLASSIC and fam != 4:
                continue
            q = qmask[fam]
            on_nic = target.local_on(nic)
            side_peer, accepts = side.peer[fam], side.accepts
            for li, (alo, _) in enumerate(locals_.ranges[fam]):
                llo, lhi = clipped[(fam, alo)]
                if on_nic is not None and not on_nic.contains(fam, llo):
                    continue
                local_mask = side.local[fam][li]
                listed = side.listed_at(fam, li)
                for pi, (plo, phi) in enumerate(peers.ranges[fam]):
                    matched = side_peer[pi] & local_mask
                    acc = accepts(matched, NONE, blocked, fam, listed)
                    s, m = acc.sure & q, acc.maybe & q
                    if not m:
                        continue  # nothing possible here (sure is within possible)
                    sure |= s
                    maybe |= m
                    # The witness: a sure spot before a possible one, and within each a peer
                    # that can be a global unicast address (readable, like the solver's).
                    if s and (first is None or not first.sure
                              or (not first_readable and _overlaps(fam, plo, phi))):
                        first = _Spot(fam, plo, phi, llo, lhi, s, True, nic)
                        first_readable = _overlaps(fam, plo, phi)
                    elif m and (first is None or (not first.sure and not first_readable
                                                  and _overlaps(fam, plo, phi))):
                        first = _Spot(fam, plo, phi, llo, lhi, m, False, nic)
                        first_readable = _overlaps(fam, plo, phi)
                    if m & ~s:
                        possible.append((_Spot(fam, plo, phi, llo, lhi, m & ~s, False, nic),
                                         side, matched, listed))
    more = maybe & ~sure
    lists: set[str] = set()
    extra = None
    for spot, side, matched, listed in possible:
        if spot.mask & more:
            lists |= side.lists_for(matched, listed, spot.mask & more)
            if extra is None and sure:
                extra = _Spot(*spot[:5], spot.mask & more, False, spot.nic)
    return _Scan(sure, more, first, tuple(sorted(lists)), extra)


class _Spot(NamedTuple):
    """Where a witness is taken: family, peer atom, own atom, services, sure?, NIC."""

    family: int
    peer_lo: int
    peer_hi: int
    local_lo: int
    local_hi: int
    mask: int
    sure: bool
    nic: Nic


def _witness(policy: Policy, inst: Instance, target: Target, space: ServiceSpace,
             spot: _Spot, direction: Direction) -> InternetWitness:
    fam = spot.family
    proto, dport, sport = space.first(spot.mask)
    preferred = inst.public if direction is Direction.INGRESS else inst.private
    local = _prefer(preferred, fam, spot.local_lo, spot.local_hi) or nice_address(
        spot.local_lo, spot.local_hi, fam)
    # An internet peer reads best as a global unicast address (IPv6: 2000::/3), as the
    # solver's canonical flows do (docs/semantics.md, section 9).
    peer = _prefer(GLOBAL_UNICAST, fam, spot.peer_lo, spot.peer_hi) or nice_address(
        spot.peer_lo, spot.peer_hi, fam)
    src, dst = (peer, local) if direction is Direction.INGRESS else (local, peer)
    flow = Flow(direction, proto, fam, src, dst, sport, dport, spot.nic)
    problem = flow_problem(flow, target)
    if problem:
        raise InternalError(f"exposure witness {flow} cannot occur on {inst.name}: {problem}")
    ds = decide_all(target, flow, policy.semantics)
    verdict = definitely(ds)
    if (spot.sure and verdict is not True) or (not spot.sure and verdict is not None):
        raise InternalError(f"the exposure of {inst.name} says {flow} is "
                            f"{'accepted' if spot.sure else 'possibly accepted'}; the evaluator "
                            "disagrees")
    if spot.sure:
        return InternetWitness(flow, ds[0])
    shown = accepting(target, flow, policy.semantics)
    if shown is None:  # more lists than are searched: some decision that accepts
        return InternetWitness(flow, next(d for d in ds if d.accepted))
    return InternetWitness(flow, shown.decision, shown.facts)


GLOBAL_UNICAST = INTERNET.only(4) | AddrSpace.parse("2000::/3")


def _overlaps(fam: int, lo: int, hi: int) -> bool:
    return any(r.family == fam and r.lo <= hi and lo <= r.hi for r in GLOBAL_UNICAST)


def _prefer(space: AddrSpace, fam: int, lo: int, hi: int) -> int | None:
    for r in space:
        if r.family == fam and r.lo <= hi and lo <= r.hi:
            return nice_address(max(lo, r.lo), min(hi, r.hi), fam)
    return None


__all__ = ["Exposure", "InternetWitness", "exposures"]
