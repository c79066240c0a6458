"""The fast paths of ``check`` against the paths they replace, on random policies:

- ``engines.boxes.exact_pin.canonical_flow`` (the peer's groups pinned by ``peer-groups``
  beside address terms) gives the flow ``BoxSearch.canonical_flow`` gives;
- ``Checker`` with boxes (the solver only proving what the boxes found nothing against,
  the shown flow of a refuted 'is reachable' from the boxes) reads exactly as the solver
  alone, on flow sets with ``peer-groups`` too.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.addresses import AddrSpace
from sgverify.core.model import (TCP, UDP, Check, Direction, EndpointTerm, FlowAssertion, FlowSet,
                                 Policy, PortRange, Service, flowset_keys, target_keys)
from sgverify.engines.boxes import exact_pin
from sgverify.engines.boxes.finder import BoxSearch
from sgverify.engines.boxes.intervals import BudgetExceeded
from sgverify.prove.run import Checker
from tests.engines.test_canonical import shape
from tests.support.strategies import KEYS, PORTS, cidr_spaces, semantics, targets

peer_terms = st.one_of(
    st.none(),
    st.builds(lambda a: (EndpointTerm(a),), cidr_spaces),
    st.builds(lambda a, b: (EndpointTerm(a), EndpointTerm(b)), cidr_spaces, cidr_spaces),
    st.builds(lambda k: (EndpointTerm(None, member_of=k),), st.sampled_from(KEYS)),
)
peer_groups = st.one_of(st.none(), st.just(frozenset()),
                        st.sets(st.sampled_from(KEYS), min_size=1, max_size=2).map(frozenset))
KINDS = [Check.ALL_ALLOWED, Check.ALL_DENIED, Check.SOME_ALLOWED, Check.ONLY]


@st.composite
def assertions(draw: st.DrawFn) -> tuple[FlowAssertion, Policy]:
    target = draw(targets(max_rules=6))
    kind = draw(st.sampled_from(KINDS))
    direction = draw(st.sampled_from([None, Direction.INGRESS, Direction.EGRESS]))
    port = draw(st.one_of(st.none(), st.sampled_from(PORTS)))
    peers = draw(peer_terms)
    services = None if port is None else (Service(frozenset({TCP, UDP}), (PortRange(port, port),)),)
    fs = FlowSet(directions=frozenset({direction}) if direction else None, services=services,
                 src=peers if direction is Direction.INGRESS else None,
                 dst=peers if direction is Direction.EGRESS else None,
                 peer_groups=draw(peer_groups))
    only = FlowSet(src=(EndpointTerm(draw(cidr_spaces)),)) if kind is Check.ONLY else None
    a = FlowAssertion("random", "random", target, fs, kind, only)
    return a, Policy("t", assertions=(a,), semantics=draw(semantics))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=assertions(), want=st.booleans())
def test_exact_pinning_finds_the_same_canonical_flow(case, want) -> None:
    a, policy = case
    universe = frozenset(target_keys(a.target) | flowset_keys(a.flows) | flowset_keys(a.only))
    search = BoxSearch(policy)

    def run(fn):  # type: ignore[no-untyped-def]
        try:
            return fn(a, want, universe, 50_000)
        except (ValueError, BudgetExceeded) as exc:
            return type(exc)
    reference = run(search.canonical_flow)
    fast = run(lambda *args: exact_pin.canonical_flow(BoxSearch(policy), *args))
    assert fast == reference


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=assertions())
def test_checker_with_boxes_reads_as_the_solver_alone(case) -> None:
    a, policy = case
    assert shape(Checker(policy).run(a)) == shape(Checker(policy, boxes=False).run(a))


def test_peer_groups_beside_an_address_term_pin_the_groups() -> None:
    fs = FlowSet(directions=frozenset({Direction.INGRESS}),
                 src=(EndpointTerm(AddrSpace.parse("10.0.0.0/8")),), peer_groups=frozenset())
    assert exact_pin.exact_pinned(fs, Direction.INGRESS) == frozenset()
    member = FlowSet(src=(EndpointTerm(None, member_of=KEYS[0]),), peer_groups=frozenset())
    assert exact_pin.exact_pinned(member, Direction.INGRESS) is None
