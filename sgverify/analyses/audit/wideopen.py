"""The one control that is not an assertion of the language: is there an internet address
from which an interface accepts every protocol on every port?

Exact, with boxes. Only an accepting rule that covers every service (``all``, or
protocol 0, without ports) can accept protocol 0, so a violating address lies in the peer
block of such a rule W; at an address of W (and of no earlier such rule) every service is
decided by W or by a rule before it in precedence order. The flows there are decided by
those earlier rules (the rest by W, accept), and the addresses that no dropped flow
projects onto are the violations. The evaluator then replays one flow of every decided
piece at the address shown: all must be accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from ...core.addresses import INTERNET, format_address
from ...core.diagnostics import InternalError
from ...core.evaluate import decide, peer_matches
from ...core.flow import Flow, flow_problem
from ...core.model import Action, Direction, EndpointTerm, FlowAssertion, FlowSet, Rule, Target
from ...core.result import Evidence, Result, Verdict
from ...engines.atoms.membership import accepting
from ...engines.boxes.certify import FULL, Layout
from ...engines.boxes.finder import BOX_BUDGET, pooled
from ...engines.boxes.intervals import Box, Budget, carve, cross, disjoint, iv, point
from ...engines.boxes.search import (
    DPORT,
    FAM,
    LOCAL,
    NIC,
    PEER,
    PROTO,
    SPORT,
    best_flow,
    keyless_rule_boxes,
    pick,
)
from .prover import AuditProver

FROM_INTERNET = FlowSet(frozenset({Direction.INGRESS}),
                        src=(EndpointTerm(INTERNET, groups_exactly=frozenset()),))
NOTHING: frozenset = frozenset()
PEER_ONLY = (PEER,)  # carve: skip the pairs whose peer addresses miss (the same result)
OpenPiece = tuple[Box, bool, Rule]


def wide_open(engine: AuditProver, a: FlowAssertion) -> Result:
    """Violated when some internet address is accepted on every protocol and port.

    With unresolved lists, the interface is bounded from both sides (``engine.variant``):
    open on its closed bound means open whatever the lists hold, closed on its open bound
    means closed whatever they hold; otherwise the answer depends on the lists (unknown).
    The evidence is always the real interface's decision, under a membership of the lists
    that accepts the shown flow."""
    target = pooled(a.target)
    names = engine.ingress_lists(target)
    if not names:
        return _wide_open(engine, a)
    closed = _wide_open(engine, replace(a, target=engine.variant(target, "closed")))
    if closed.verdict is Verdict.VIOLATED:
        return _on_real(engine, a, target, closed, Verdict.VIOLATED,
                        closed.summary + ", whatever the unresolved lists hold", "E301")
    opened = _wide_open(engine, replace(a, target=engine.variant(target, "open")))
    if opened.verdict is Verdict.PROVED:
        return replace(opened, assertion=a, summary=opened.summary + ", whatever the "
                       "unresolved lists hold")
    assert opened.flow is not None  # a violated bound has its flow
    return _on_real(engine, a, target, opened, Verdict.UNKNOWN,
                    "not verified: every protocol and port may be accepted from "
                    f"{format_address(opened.flow.family, opened.flow.peer_ip)}, depending on "
                    "the unknown entries of " + ", ".join(names), "W401")


def _on_real(engine: AuditProver, a: FlowAssertion, target: Target, bound: Result, verdict: Verdict,
             summary: str, code: str) -> Result:
    """``bound``'s flow decided by the real interface, under the first membership of the
    unresolved lists that accepts it (the bounds guarantee there is one)."""
    assert bound.flow is not None
    shown = accepting(target, bound.flow, engine.sem)
    if shown is None:
        raise InternalError(f"no content of the unresolved lists lets {target.name} accept "
                            f"{bound.flow}, which its bound accepts")
    notes = bound.notes + (("assuming: " + "; ".join(shown.facts),) if shown.facts else ())
    return Result(a, verdict, summary, bound.flow,
                  (Evidence(target.name, target, bound.flow, shown.decision),), notes, code=code)


def _wide_open(engine: AuditProver, a: FlowAssertion) -> Result:
    """``wide_open`` for an interface without unresolved lists."""
    target = pooled(a.target)
    a = replace(a, target=target)
    budget = Budget(BOX_BUDGET)
    layout = Layout((), ())
    rules = engine.rules(target, FROM_INTERNET, Direction.INGRESS)
    base = engine.region(layout, target, FROM_INTERNET, Direction.INGRESS, NOTHING, budget)

    def rule_boxes(r: Rule) -> tuple[Box, ...]:
        key = (id(r), NOTHING, ())
        hit = engine.boxes.get(key)
        if hit is None:
            hit = engine.boxes[key] = keyless_rule_boxes(r, 0, NOTHING)
        return hit

    covered: list[Box] = []  # addresses already decided by an earlier all-services rule
    for k, w in enumerate(rules):
        if not (w.action is Action.ACCEPT and w.protocol in (None, 0) and w.ports is None
                and w.source_ports is None):
            continue
        spots_w = [_free(b) for b in rule_boxes(w)]
        here = carve(cross(base, spots_w), covered, budget, PEER_ONLY)[1]
        covered += spots_w
        spots = disjoint([_free(b) for b in here], budget)
        if not spots:
            continue
        near = _hull(here)
        accepts: list[Box] = []
        earlier: list[Rule] = []  # accept rules whose boxes are not in ``accepts`` yet
        for r in rules[:k]:
            if r.action is Action.ACCEPT:
                earlier.append(r)
                continue
            # Flows this drop rule decides: it matches them and no earlier accept does.
            # (None when its peers miss those of ``here``: no box of it meets one there.)
            lo, hi = engine.peer_hull(r)
            if lo > near[1] or near[0] > hi:
                continue
            for e in earlier:
                accepts += rule_boxes(e)
            earlier.clear()
            dropped = carve(cross(cross(list(rule_boxes(r)), here), spots), accepts, budget)[1]
            if dropped:
                spots = carve(spots, [_free(b) for b in dropped], budget)[1]
            if not spots:
                break
        if spots:
            shown = best_flow(layout, [_tcp(b) for b in spots], NOTHING)
            at = _at(shown)
            ip = shown.peer_ip
            nearby = [r for r in rules[:k]  # the others' boxes miss the shown peer address
                      if engine.peer_hull(r)[0] <= ip <= engine.peer_hull(r)[1]]
            pieces, rest = _decide(nearby, cross(base, [at]), budget, rule_boxes)
            pieces += [(b, True, w) for b in rest]
            ev, deciding = _replay(engine, target, shown, pieces)
            names = ", ".join(f"{r.name} of group {r.group_name}" for r in deciding)
            return Result(a, Verdict.VIOLATED, "every protocol and port is accepted from "
                          f"{format_address(shown.family, shown.peer_ip)} (decided by {names})",
                          shown, ev, code="E301")
    return Result(a, Verdict.PROVED, "proved: from every internet address some protocol or "
                  "port is dropped")


def _hull(boxes: Sequence[Box]) -> tuple[int, int]:
    """The smallest range holding the peer addresses of every box (empty: lo > hi)."""
    if not boxes:
        return (1, 0)
    return (min(b[PEER][0][0] for b in boxes), max(b[PEER][-1][1] for b in boxes))


def _at(flow: Flow) -> Box:
    """Every service at the flow's addresses, NIC and family."""
    return Layout((), ()).make(d0=point(0), d1=point(1 if flow.nic.value == "internet" else 0),
                               d2=point(0 if flow.family == 4 else 1),
                               d6=point(flow.peer_ip), d7=point(flow.local_ip))


def _decide(rules: list[Rule], region_boxes: list[Box], budget: Budget,
            rule_boxes: Callable[[Rule], tuple[Box, ...]]) -> tuple[list[OpenPiece], list[Box]]:
    """Pieces of the region decided by ``rules`` in order, and the undecided rest."""
    pieces: list[OpenPiece] = []
    rest = region_boxes
    for r in rules:
        inside, rest = carve(rest, rule_boxes(r), budget)
        pieces += [(b, r.action is Action.ACCEPT, r) for b in inside]
        if not rest:
            break
    return pieces, rest


def _free(box: Box) -> Box:
    """The box with every service (its addresses and NIC only)."""
    out = list(box)
    out[PROTO], out[DPORT], out[SPORT] = FULL[PROTO], FULL[DPORT], FULL[SPORT]
    return tuple(out)


def _tcp(box: Box) -> Box:
    out = list(box)
    out[PROTO], out[DPORT], out[SPORT] = point(6), iv((1, 65535)), iv((1, 65535))
    return tuple(out)


def _replay(engine: AuditProver, target: Target, shown: Flow,
            pieces: list[OpenPiece]) -> tuple[tuple[Evidence, ...], list[Rule]]:
    """One flow of every piece at the shown addresses through the evaluator."""
    fam_bit = 0 if shown.family == 4 else 1
    nic_bit = 1 if shown.nic.value == "internet" else 0
    deciding: list[Rule] = []
    near: dict[tuple[object, ...], Target] = {}
    for box, accepted, rule in pieces:
        if not (_has(box[FAM], fam_bit) and _has(box[NIC], nic_bit)
                and _has(box[PEER], shown.peer_ip) and _has(box[LOCAL], shown.local_ip)):
            continue
        fixed = list(box)
        fixed[PEER], fixed[LOCAL] = point(shown.peer_ip), point(shown.local_ip)
        flow = pick(Layout((), ()), tuple(fixed), NOTHING)
        problem = flow_problem(flow, target)
        if problem:
            raise InternalError(f"wide-open replay produced an impossible flow ({flow}): {problem}")
        at = (flow.direction, flow.nic, flow.family, flow.peer_ip, flow.local_ip, flow.peer_groups)
        if at not in near:
            near[at] = _near(engine, target, flow)
        dec = decide(near[at], flow, engine.sem, {})
        if not accepted or not dec.accepted or dec.rule is not rule:
            raise InternalError(f"the box decomposition and the evaluator disagree on {flow} for "
                                f"{target.name} ({dec.describe()})")
        if rule not in deciding:
            deciding.append(rule)
    dec = decide(target, shown, engine.sem, {})
    if not dec.accepted:
        raise InternalError(f"the evaluator drops {shown} on {target.name}, which the box "
                            "decomposition says is open")
    return (Evidence(target.name, target, shown, dec),), deciding


def _near(engine: AuditProver, target: Target, flow: Flow) -> Target:
    """``target`` with only the rules that can match a flow at ``flow``'s addresses,
    direction and NIC, whatever its service (each other rule fails a test of
    ``rule_matches`` that does not look at the service; a rule naming a list is kept): the
    evaluator decides every such flow on it as on ``target`` (the same matching rules, in
    the same order), in far fewer steps: the pieces of one address are replayed on it."""
    kept: dict[object, list[Rule]] = {g.key: [] for g in target.groups}
    ip, grouped = flow.peer_ip, bool(flow.peer_groups)
    for r in target.rules(flow.direction):
        if r.unknowns:
            kept[r.group].append(r)
            continue
        lo, hi = engine.peer_hull(r)  # outside it no address of the peer (a quick refusal)
        if not (lo <= ip <= hi or (grouped and r.peer.groups)):
            continue
        if r.nic is flow.nic and (r.local is None or r.local.contains(flow.family, flow.local_ip)) \
                and peer_matches(r, flow, {}):
            kept[r.group].append(r)
    return target.with_groups(tuple(replace(g, rules=tuple(kept[g.key])) for g in target.groups))


def _has(ivs: tuple[tuple[int, int], ...], value: int) -> bool:
    return any(lo <= value <= hi for lo, hi in ivs)


__all__ = ["FROM_INTERNET", "wide_open"]
