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
from dataclasses import dataclass

from ..addresses import INTERNET, AddrSpace
from ..diagnostics import InternalError
from ..evaluate import Decision, decide_all, definitely
from ..flow import Flow, flow_problem
from ..model import Direction, Instance, Network, Nic, Policy, Rule, Target
from .atoms import FAMILIES, Atoms, Cuts, nice_address
from .matrix import Query
from .services import ServiceSpace
from .sides import NONE, Side, addresses_of


@dataclass(frozen=True)
class Exposure:
    """What the internet reaches on one interface: services surely / possibly (unresolved
    lists) accepted, and a confirmed witness flow when something is."""

    instance: Instance
    sure: int
    maybe: int
    flow: Flow | None = None
    decision: Decision | None = None

    @property
    def public(self) -> bool:
        return bool(self.instance.public)


def _relevance(direction: Direction) -> Callable[[Rule], bool]:
    def relevant(r: Rule) -> bool:
        return r.direction is direction and bool(r.peer.unresolved or (r.peer.addresses & INTERNET))
    return relevant


def exposures(policy: Policy, instances: Sequence[Instance] | None = None,
              query: Query = Query(), direction: Direction = Direction.INGRESS
              ) -> tuple[list[Exposure], ServiceSpace]:
    """The exposure of each instance (default: all), in order, and the service atoms:
    what the internet can open to it (ingress) or what it can open to the internet
    (egress)."""
    chosen = list(policy.instances if instances is None else instances)
    relevant = _relevance(direction)
    rules = [r for g in policy.groups for r in g.rules if relevant(r)]
    space = ServiceSpace(rules, query.boxes())
    qmask = {f: space.service_mask(query.services, query.source_ports) & space.well_formed[f]
             if query.family in (None, f) else 0 for f in FAMILIES}
    memo: dict[tuple[object, ...], Exposure] = {}
    out = []
    for inst in chosen:
        own = inst.private | inst.public
        key = (tuple(g.key for g in inst.groups), own)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = _one(policy, inst, own, space, qmask, direction, relevant)
        elif hit.instance is not inst:
            hit = Exposure(inst, hit.sure, hit.maybe, hit.flow, hit.decision)
        out.append(hit)
    return out, space


def _one(policy: Policy, inst: Instance, own: AddrSpace, space: ServiceSpace,
         qmask: dict[int, int], direction: Direction,
         relevant: Callable[[Rule], bool]) -> Exposure:
    target = inst.target
    mine = [r for g in inst.groups for r in g.rules if relevant(r)]
    cuts = Cuts(addresses_of(mine) + [INTERNET])
    peers = Atoms(cuts.split(INTERNET))
    locals_ = Atoms((f, alo, ahi) for f, alo, ahi, _, _ in cuts.pieces(own))
    clipped = {(f, alo): (lo, hi) for f, alo, _, lo, hi in cuts.pieces(own)}
    nics = (Nic.INTRANET, Nic.INTERNET) if target.network is Network.CLASSIC else (Nic.INTRANET,)
    sure = maybe = 0
    first = None  # (family, peer atom lo, hi, own atom lo, hi, sure mask, nic)
    for nic in nics:
        side = Side(target, direction, nic, space, peers, locals_, policy.semantics, relevant)
        blocked = policy.semantics.block_tcp25 and direction is Direction.EGRESS
        for fam in FAMILIES:
            if target.network is Network.CLASSIC and fam != 4:
                continue
            q = qmask[fam]
            for li, (alo, _) in enumerate(locals_.ranges[fam]):
                llo, lhi = clipped[(fam, alo)]
                local_mask = side.local[fam][li]
                for pi, (plo, phi) in enumerate(peers.ranges[fam]):
                    acc = side.accepts(side.peer[fam][pi] & local_mask, NONE, blocked, fam)
                    s, m = acc.sure & q, acc.maybe & q
                    sure |= s
                    maybe |= m
                    if s and (first is None or not first[5]):
                        first = (fam, plo, phi, llo, lhi, s, nic)  # type: ignore[assignment]
                    elif m and first is None:
                        first = (fam, plo, phi, llo, lhi, 0, nic)  # type: ignore[assignment]
    flow = decision = None
    if first is not None:
        flow, decision = _witness(policy, inst, target, space, first, maybe, direction)
    return Exposure(inst, sure, maybe & ~sure, flow, decision)


def _witness(policy: Policy, inst: Instance, target: Target, space: ServiceSpace,
             first: tuple, maybe: int, direction: Direction) -> tuple[Flow, Decision]:  # type: ignore[type-arg]
    fam, plo, phi, llo, lhi, sure_mask, nic = first
    mask = sure_mask or maybe
    proto, dport, sport = space.first(mask)
    preferred = inst.public if direction is Direction.INGRESS else inst.private
    local = _prefer(preferred, fam, llo, lhi) or nice_address(llo, lhi, fam)
    peer = nice_address(plo, phi, fam)
    src, dst = (peer, local) if direction is Direction.INGRESS else (local, peer)
    flow = Flow(direction, proto, fam, src, dst, sport, dport, nic)
    problem = flow_problem(flow, target)
    if problem:
        raise InternalError(f"exposure witness {flow} cannot occur on {inst.name}: {problem}")
    ds = decide_all(target, flow, policy.semantics)
    verdict = definitely(ds)
    if (sure_mask and verdict is not True) or (not sure_mask and verdict is False):
        raise InternalError(f"the exposure of {inst.name} says {flow} is accepted; the evaluator "
                            "disagrees")
    return flow, ds[0]


def _prefer(space: AddrSpace, fam: int, lo: int, hi: int) -> int | None:
    for r in space:
        if r.family == fam and r.lo <= hi and lo <= r.hi:
            return nice_address(max(lo, r.lo), min(hi, r.hi), fam)
    return None


__all__ = ["Exposure", "exposures"]
