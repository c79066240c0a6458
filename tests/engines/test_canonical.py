"""The canonical counterexample found with boxes (``canonical``) is the solver's, flow for
flow: ``Checker`` with and without the box search gives the same results on random
policies and every assertion kind, and on every bundled spec."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.api import load_policy
from sgverify.core.model import (TCP, UDP, Check, Direction, EndpointTerm, FlowAssertion, FlowSet,
                                 Policy, PortRange, Service)
from sgverify.core.result import Result
from sgverify.prove.run import Checker
from tests.support.paths import ROOT
from tests.support.strategies import KEYS, PORTS, cidr_spaces, semantics, targets

SPECS = sorted((ROOT / "specs").rglob("*.sgv")) + sorted((ROOT / "tests" / "fixtures" / "broken").glob("*.sgv"))


def shape(r: Result) -> tuple[object, ...]:
    """What a user sees of a result: verdict, text, flow, and each deciding rule."""
    return (r.verdict, r.summary, str(r.flow), r.notes, r.code,
            tuple((e.role, str(e.flow), e.decision.action, e.decision.reason,
                   e.decision.rule.name if e.decision.rule else None) for e in r.evidence))


peer_terms = st.one_of(
    st.none(),
    st.builds(lambda a: (EndpointTerm(a),), cidr_spaces),
    st.just((EndpointTerm(None, groups_exactly=frozenset()),)),          # peer-groups none
    st.builds(lambda k: (EndpointTerm(None, member_of=k),), st.sampled_from(KEYS)),
    st.builds(lambda a, k: (EndpointTerm(a, groups_exactly=frozenset({k})),),
              cidr_spaces, st.sampled_from(KEYS)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=targets(max_rules=6), sem=semantics,
       kind=st.sampled_from([Check.ALL_ALLOWED, Check.ALL_DENIED, Check.SOME_ALLOWED, Check.ONLY]),
       direction=st.sampled_from([None, Direction.INGRESS, Direction.EGRESS]),
       peers=peer_terms, only_peers=cidr_spaces,
       port=st.one_of(st.none(), st.sampled_from(PORTS)))
def test_box_counterexamples_are_the_solvers(target, sem, kind, direction, peers, only_peers,
                                            port) -> None:
    services = None if port is None else (Service(frozenset({TCP, UDP}), (PortRange(port, port),)),)
    fs = FlowSet(directions=frozenset({direction}) if direction else None, services=services,
                 src=peers if direction is Direction.INGRESS else None,
                 dst=peers if direction is Direction.EGRESS else None)
    only = FlowSet(src=(EndpointTerm(only_peers),)) if kind is Check.ONLY else None
    a = FlowAssertion("random", "random", target, fs, kind, only)
    policy = Policy("t", assertions=(a,), semantics=sem)
    fast = Checker(policy).run(a)
    slow = Checker(policy, boxes=False).run(a)
    assert shape(fast) == shape(slow)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_bundled_specs_give_the_same_results(path: Path) -> None:
    rep = load_policy(str(path), root=str(ROOT))
    assert rep.policy is not None
    fast, slow = Checker(rep.policy), Checker(rep.policy, boxes=False)
    for a in rep.policy.assertions:
        assert shape(fast.run(a)) == shape(slow.run(a)), a.text
