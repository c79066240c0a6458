"""The precompiled evaluator agrees with ``evaluate.decide`` on random policies and flows."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.addresses import V4, AddrSpace
from sgverify.core.evaluate import decide, decide_all, definitely, unresolved_names
from sgverify.core.evaluate_fast import Compiled, FieldDecider, IntervalIndex
from sgverify.core.flow import Flow
from sgverify.core.model import (
    TCP,
    Action,
    Direction,
    Group,
    GroupKey,
    GroupType,
    Network,
    Nic,
    Peer,
    PortRange,
    Rule,
    Semantics,
    Target,
)
from tests.support.strategies import flows, semantics, targets

FLOWS_PER_POLICY = 40


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets(), sem=semantics)
def test_fastpath_matches_evaluator(data: st.DataObject, target: Target, sem: Semantics) -> None:
    compiled = Compiled(target, sem)
    for _ in range(FLOWS_PER_POLICY):
        flow = data.draw(flows(target))
        assert compiled.decide(flow) == decide(target, flow, sem), str(flow)
        fast, _ = compiled.verdict(flow)
        assert fast is not None and fast.action is decide(target, flow, sem).action


@st.composite
def targets_with_lists(draw: st.DrawFn) -> Target:
    """Random targets where some rules also depend on unresolved prefix or port lists."""
    target = draw(targets(max_rules=6))
    groups = []
    for g in target.groups:
        rules = []
        for r in g.rules:
            choice = draw(st.integers(0, 4))
            if choice == 0:
                r = replace(r, peer=Peer(r.peer.addresses, r.peer.groups,
                                         (draw(st.sampled_from(["prefix list a", "prefix list b"])),)))
            elif choice == 1 and r.protocol in (6, 17):
                r = replace(r, unresolved_ports="port list p", ports=None)
            rules.append(r)
        groups.append(Group(g.key, g.name, g.network, g.gtype, g.intra, rules=tuple(rules)))
    return replace(target, groups=tuple(groups))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets_with_lists(), sem=semantics)
def test_fastpath_with_unresolved_lists(data: st.DataObject, target: Target, sem: Semantics) -> None:
    compiled = Compiled(target, sem)
    names = ["prefix list a", "prefix list b", "port list p"]
    for _ in range(20):
        flow = data.draw(flows(target))
        for values in itertools.product((False, True), repeat=3):
            assume = dict(zip(names, values))
            assert compiled.decide(flow, assume) == decide(target, flow, sem, assume), str(flow)
        fast, _ = compiled.verdict(flow)
        expected = definitely(decide_all(target, flow, sem))
        assert (None if fast is None else fast.accepted) == expected, str(flow)
        if fast is not None:  # the decision shown is the one with every list empty
            assert fast == replace(decide_all(target, flow, sem)[0], matched=())


def test_interval_index() -> None:
    idx = IntervalIndex([(1, [(10, 20), (30, 40)]), (2, [(15, 35)]), (4, [(21, 29)])])
    assert [idx.lookup(v) for v in (9, 10, 15, 20, 21, 29, 30, 36, 41)] == [0, 1, 3, 3, 6, 6, 3, 1, 0]
    # a rule's overlapping ranges are merged before indexing
    idx = IntervalIndex([(1, [(1, 10), (5, 20)])])
    assert [idx.lookup(v) for v in (1, 12, 20, 21)] == [1, 1, 1, 0]




def _fields(flow: Flow) -> tuple:
    return (flow.direction, flow.protocol, flow.family, flow.src_ip, flow.dst_ip, flow.src_port,
            flow.dst_port, flow.nic, flow.peer_groups)


def _check_field_decider(target: Target, sem: Semantics, drawn: list[Flow]) -> None:
    compiled = Compiled(target, sem)
    decider = FieldDecider(compiled)
    # in one batch (the caches fill as they go) and with a row that is not a flow among them
    got = decider.decide([_fields(f) for f in drawn] + [None])
    assert got[-1] is None
    for flow, fast in zip(drawn, got):
        plain = decide_all(target, flow, sem)
        if fast is None:
            # it only leaves what Compiled._decision / verdict must settle
            own = {g.key for g in target.groups} & flow.peer_groups
            tcp25 = sem.block_tcp25 and flow.direction is Direction.EGRESS and \
                flow.protocol == TCP and flow.dst_port == 25
            assert own or tcp25 or unresolved_names(target, flow.direction), str(flow)
            continue
        assert fast == replace(plain[0], matched=()), str(flow)  # every list empty
        assert definitely(plain) is fast.accepted, str(flow)  # ... and whatever they hold
        assert compiled.verdict(flow) == (fast, ()), str(flow)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets(), sem=semantics)
def test_field_decider_matches_evaluator(data: st.DataObject, target: Target,
                                         sem: Semantics) -> None:
    """Every decision ``FieldDecider`` gives is ``evaluate.decide``'s (IPv4 and IPv6, ICMP,
    peer groups, range edges: the strategies draw near the boundaries)."""
    _check_field_decider(target, sem, [data.draw(flows(target)) for _ in range(FLOWS_PER_POLICY)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets_with_lists(), sem=semantics)
def test_field_decider_with_unresolved_lists(data: st.DataObject, target: Target,
                                             sem: Semantics) -> None:
    _check_field_decider(target, sem, [data.draw(flows(target)) for _ in range(20)])


def test_field_decider_decides_plain_flows() -> None:
    """No own peer group, no TCP 25, no list: decided here, not left to verdict."""
    spec = Peer(AddrSpace.parse("10.0.0.0/8"))
    rule = Rule(GroupKey("", "g"), "r", 0, Direction.INGRESS, Action.ACCEPT, TCP,
                (PortRange(22, 22),), spec, 1)
    group = Group(GroupKey("", "g"), "g", Network.VPC, GroupType.BASIC, Action.ACCEPT,
                  rules=(rule,))
    target = Target("g", "group", (group,))
    decider = FieldDecider(Compiled(target))
    ip = 10 << 24
    rows = [(Direction.INGRESS, TCP, V4, ip + n, 1, 999, port, Nic.INTRANET, frozenset())
            for n, port in ((0, 22), (0, 23), (1 << 24, 22))]
    got = decider.decide(rows)
    assert [d.reason.value for d in got] == ["rule", "default", "default"]
    assert got[0].rule is rule and [d.action for d in got] == [Action.ACCEPT, Action.DROP,
                                                               Action.DROP]
