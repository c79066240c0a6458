"""The precompiled evaluator agrees with ``evaluate.decide`` on random policies and flows."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.evaluate import decide, decide_all, definitely
from sgverify.core.evaluate_fast import Compiled, IntervalIndex
from sgverify.core.model import Group, Peer, Semantics, Target
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


