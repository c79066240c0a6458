"""The concrete evaluator: the semantics of semantics.md in plain Python, one flow at a time.

This is the reference the Z3 encoding is checked against: every counterexample the
solver produces is replayed here before it is shown, and the differential tests compare
the two on random policies and flows.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass
from typing import Iterable, Mapping

from .addresses import INTERNET
from .flow import Flow
from .model import (
    PORT_PROTOCOLS,
    TCP,
    Action,
    Direction,
    EndpointTerm,
    FlowSet,
    Group,
    GroupKey,
    GroupType,
    Nic,
    Rule,
    Semantics,
    Target,
    ports_contain,
)


class Reason(enum.Enum):
    RULE = "rule"
    DEFAULT = "default"
    INTRA_GROUP = "intra-group"
    PLATFORM = "platform"


@dataclass(frozen=True)
class Decision:
    """What happened to a flow on one interface, and why."""

    action: Action
    reason: Reason
    rule: Rule | None = None
    group: Group | None = None
    matched: tuple[Rule, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.action is Action.ACCEPT

    def describe(self) -> str:
        if self.reason is Reason.RULE and self.rule is not None:
            return f"rule {self.rule.name} of group {self.rule.group_name}"
        if self.reason is Reason.INTRA_GROUP and self.group is not None:
            policy = "accept" if self.action is Action.ACCEPT else "isolation"
            return f"intra-group {policy} of group {self.group.name}"
        if self.reason is Reason.PLATFORM:
            return "platform block of outbound TCP 25"
        return f"default {self.action.value}"


def rule_matches(rule: Rule, flow: Flow, assume: Mapping[str, bool] | None = None) -> bool:
    """Does ``rule`` match ``flow``? ``assume`` gives membership of unresolved prefix lists."""
    if rule.direction is not flow.direction or rule.nic is not flow.nic:
        return False
    if rule.protocol is not None and rule.protocol != flow.protocol:
        return False
    if rule.ports is not None and (flow.dst_port is None or not ports_contain(rule.ports, flow.dst_port)):
        return False
    if rule.source_ports is not None and (
            flow.src_port is None or not ports_contain(rule.source_ports, flow.src_port)):
        return False
    if rule.local is not None and not rule.local.contains(flow.family, flow.local_ip):
        return False
    if rule.unresolved_ports is not None:
        if assume is None or rule.unresolved_ports not in assume:
            raise KeyError(f"membership of unresolved port list {rule.unresolved_ports!r} not assumed")
        if not assume[rule.unresolved_ports]:
            return False
    return peer_matches(rule, flow, assume)


def peer_matches(rule: Rule, flow: Flow, assume: Mapping[str, bool] | None = None) -> bool:
    peer = rule.peer
    if peer.addresses.contains(flow.family, flow.peer_ip):
        return True
    if flow.nic is Nic.INTRANET and peer.groups & flow.peer_groups:
        return True
    for name in peer.unresolved:
        if assume is None or name not in assume:
            raise KeyError(f"membership of unresolved prefix list {name!r} not assumed")
        if assume[name]:
            return True
    return False


def decide(target: Target, flow: Flow, semantics: Semantics = Semantics(),
           assume: Mapping[str, bool] | None = None, every_match: bool = True) -> Decision:
    """The decision of ``target`` for ``flow`` (see ``model.Group`` for the precedence).
    ``every_match`` False: ``matched`` holds only the first matching rule and the rules
    after it are not looked at; the action, reason, rule and group are the same (for
    callers that only check a witness's verdict)."""
    hits = (r for r in target.rules(flow.direction) if rule_matches(r, flow, assume))
    matched = tuple(hits) if every_match else tuple(itertools.islice(hits, 1))
    if (semantics.block_tcp25 and flow.direction is Direction.EGRESS and flow.protocol == TCP
            and flow.dst_port == 25 and INTERNET.contains(flow.family, flow.peer_ip)):
        return Decision(Action.DROP, Reason.PLATFORM, matched=matched)
    shared = [g for g in target.groups if g.key in flow.peer_groups] if flow.nic is Nic.INTRANET else []
    open_groups = [g for g in shared if g.gtype is GroupType.BASIC and g.intra is Action.ACCEPT]
    if open_groups and semantics.intra_group == "override":
        return Decision(Action.ACCEPT, Reason.INTRA_GROUP, group=open_groups[0], matched=matched)
    if matched:
        # target.rules() puts the smallest priority first and, within it, Drop before Accept.
        return Decision(matched[0].action, Reason.RULE, rule=matched[0], matched=matched)
    if open_groups:
        return Decision(Action.ACCEPT, Reason.INTRA_GROUP, group=open_groups[0])
    if shared:
        return Decision(Action.DROP, Reason.INTRA_GROUP, group=shared[0])
    if flow.direction is Direction.EGRESS and target.gtype is GroupType.BASIC:
        return Decision(Action.ACCEPT, Reason.DEFAULT)
    return Decision(Action.DROP, Reason.DEFAULT)


def unresolved_names(target: Target, direction: Direction | None = None) -> tuple[str, ...]:
    names: set[str] = set()
    for g in target.groups:
        for r in g.rules:
            if direction is None or r.direction is direction:
                names.update(r.unknowns)
    return tuple(sorted(names))


MAX_SETTLE = 10  # lists that matter to one flow beyond which ``settled`` does not enumerate


def lists_that_matter(target: Target, flow: Flow) -> tuple[str, ...]:
    """The unresolved lists of the rules that would match ``flow`` if every list held it;
    no other list can change its decision. Sorted."""
    names: set[str] = set()
    for r in target.rules(flow.direction):
        if r.unknowns and rule_matches(r, flow, {n: True for n in r.unknowns}):
            names.update(r.unknowns)
    return tuple(sorted(names))


def settled(target: Target, flow: Flow, semantics: Semantics, accepted: bool) -> bool:
    """Does ``target`` decide ``flow`` as ``accepted`` whatever its unresolved lists hold?
    Enumerates the memberships of the lists that matter to this flow only (False when
    there are more than ``MAX_SETTLE``)."""
    names = lists_that_matter(target, flow)
    if len(names) > MAX_SETTLE:
        return False
    rest = {n: False for n in unresolved_names(target, flow.direction)}
    return all(decide(target, flow, semantics, rest | dict(zip(names, values))).accepted is accepted
               for values in itertools.product((False, True), repeat=len(names)))


def decide_all(target: Target, flow: Flow, semantics: Semantics = Semantics()) -> list[Decision]:
    """The decisions under every possible membership of unresolved prefix lists (one
    decision when there are none). Callers treat disagreement as 'unknown'."""
    names = unresolved_names(target, flow.direction)
    out = []
    for values in itertools.product((False, True), repeat=len(names)):
        out.append(decide(target, flow, semantics, dict(zip(names, values))))
    return out


def definitely(decisions: Iterable[Decision]) -> bool | None:
    """True/False when all decisions accept/drop, None when they disagree."""
    verdicts = {d.accepted for d in decisions}
    return verdicts.pop() if len(verdicts) == 1 else None


def _endpoint_contains(term: EndpointTerm, family: int, ip: int,
                       groups: frozenset[GroupKey] | None) -> bool:
    if term.addresses is not None and not term.addresses.contains(family, ip):
        return False
    if term.member_of is not None and (groups is None or term.member_of not in groups):
        return False
    if term.groups_exactly is not None and groups != term.groups_exactly:
        return False
    return True


def in_flow_set(fs: FlowSet, flow: Flow, local_groups: frozenset[GroupKey] | None) -> bool:
    """Is ``flow`` in ``fs``? ``local_groups``: the groups of the interface's own end."""
    if fs.directions is not None and flow.direction not in fs.directions:
        return False
    if fs.services is not None and not any(
            (s.protocols is None or flow.protocol in s.protocols)
            and (s.ports is None or (flow.protocol in PORT_PROTOCOLS and flow.dst_port is not None
                                     and ports_contain(s.ports, flow.dst_port)))
            for s in fs.services):
        return False
    ingress = flow.direction is Direction.INGRESS
    src_groups = flow.peer_groups if ingress else local_groups
    dst_groups = local_groups if ingress else flow.peer_groups
    for terms, ip, groups in ((fs.src, flow.src_ip, src_groups), (fs.dst, flow.dst_ip, dst_groups)):
        if terms is not None and not any(_endpoint_contains(t, flow.family, ip, groups) for t in terms):
            return False
    if fs.source_ports is not None and (flow.protocol not in PORT_PROTOCOLS or flow.src_port is None
                                        or not ports_contain(fs.source_ports, flow.src_port)):
        return False
    if fs.nic is not None and flow.nic is not fs.nic:
        return False
    if fs.family is not None and flow.family != fs.family:
        return False
    if fs.peer_groups is not None and flow.peer_groups != fs.peer_groups:
        return False
    return True
