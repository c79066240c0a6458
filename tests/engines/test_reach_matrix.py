"""The reachability matrix is exact: on small inventories it agrees, pair by pair, with one
``ReachAssertion`` (Z3, ``Check.SOME_ALLOWED``) per ordered pair, also per service; every
reported pair's witness is confirmed by the evaluator; the internet exposure agrees with
the flow assertion ``ingress from internet is reachable`` per instance."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from benchmarks.synthetic import Shape, generate, to_sgv
from sgverify.analyses.reach.exposure import exposures
from sgverify.api import load_policy
from sgverify.core.addresses import INTERNET
from sgverify.core.model import (Check, Direction, EndpointTerm, FlowAssertion, FlowSet, Policy,
                                 PortRange, ReachAssertion, Service)
from sgverify.core.result import Verdict
from sgverify.engines.atoms.matrix import REACHABLE, UNKNOWN, UNREACHABLE, Query, ReachMatrix
from sgverify.prove.run import Checker
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "audit"
STATUS = {Verdict.PROVED: REACHABLE, Verdict.UNKNOWN: UNKNOWN, Verdict.VIOLATED: UNREACHABLE}


def load(name: str) -> Policy:
    rep = load_policy(str(FIXTURES / name))
    assert rep.policy is not None, [d.message for d in rep.diagnostics]
    return rep.policy


def synthetic(seed: int, tmp: Path) -> Policy:
    inv = generate(Shape(groups=8, rules_per_group=6, instances=10, seed=seed), planted=False)
    path = tmp / f"s{seed}.sgv"
    path.write_text(to_sgv(inv))
    rep = load_policy(str(path))
    assert rep.policy is not None
    return rep.policy


def expected(checker: Checker, a, b, flows: FlowSet = FlowSet()) -> int:  # type: ignore[no-untyped-def]
    r = checker.run(ReachAssertion("x", "x", a, b, flows, Check.SOME_ALLOWED))
    if r.verdict is Verdict.ERROR and r.code == "E124":
        return UNREACHABLE  # no connection of the set exists (e.g. no family in common)
    if r.verdict is Verdict.UNKNOWN and r.code == "W402":
        return -1  # different networks: outside the model
    return STATUS[r.verdict]


def cross_check(policy: Policy, query: Query = Query(), flows: FlowSet = FlowSet()) -> int:
    m = ReachMatrix(policy, query=query)
    checker = Checker(policy)
    pairs = 0
    for a, ia in enumerate(m.instances):
        for b, ib in enumerate(m.instances):
            if a == b:
                continue
            want = expected(checker, ia, ib, flows)
            got = m.pair_status(a, b)
            if want == -1:
                assert got == UNREACHABLE, (ia.name, ib.name)
                continue
            assert got == want, (ia.name, ib.name, got, want)
            if got != UNREACHABLE:
                w = m.witness(a, b)  # raises when the evaluator disagrees
                assert w is not None and w.definite is (got == REACHABLE)
                assert w.egress.src_ip == w.ingress.src_ip and w.egress.dst_ip == w.ingress.dst_ip
            pairs += 1
    return pairs


@pytest.mark.parametrize("name", ["fleet.sgv", "reach-edge.sgv", "reach-classic.sgv"])
def test_matrix_equals_per_pair_checks(name: str) -> None:
    assert cross_check(load(name)) >= 6


@pytest.mark.parametrize("seed", [11, 12])
def test_matrix_equals_per_pair_checks_synthetic(seed: int, tmp_path: Path) -> None:
    policy = synthetic(seed, tmp_path)
    assert cross_check(policy) > 50
    fallback = dataclasses.replace(policy, semantics=dataclasses.replace(
        policy.semantics, intra_group="fallback"))
    cross_check(fallback)


@pytest.mark.parametrize("service", [
    Service(frozenset({6}), (PortRange(22, 22),)),
    Service(frozenset({6}), (PortRange(5432, 5432),)),
    Service(frozenset({17}), (PortRange(53, 53),)),
    Service(frozenset({6}), (PortRange(25, 25),)),
], ids=["tcp22", "tcp5432", "udp53", "tcp25"])
def test_matrix_per_service(service: Service) -> None:
    policy = load("reach-edge.sgv")
    cross_check(policy, Query((service,)), FlowSet(services=(service,)))


def test_source_ports_and_family_queries() -> None:
    policy = load("reach-edge.sgv")
    udp = (Service(frozenset({17}), (PortRange(53, 53),)),)
    low = (PortRange(1, 1023),)
    cross_check(policy, Query(udp, low), FlowSet(services=udp, source_ports=low))
    cross_check(policy, Query(family=6), FlowSet(family=6))


@pytest.mark.parametrize("name", ["fleet.sgv", "reach-edge.sgv", "reach-classic.sgv"])
@pytest.mark.parametrize("direction", [Direction.INGRESS, Direction.EGRESS])
def test_exposure_equals_flow_assertions(name: str, direction: Direction) -> None:
    policy = load(name)
    checker = Checker(policy)
    term = (EndpointTerm(INTERNET, groups_exactly=frozenset()),)
    found, space = exposures(policy, direction=direction)
    for e in found:
        fs = FlowSet(frozenset({direction}), src=term) if direction is Direction.INGRESS else \
            FlowSet(frozenset({direction}), dst=term)
        r = checker.run(FlowAssertion("x", "x", e.instance.target, fs, Check.SOME_ALLOWED))
        got = REACHABLE if e.sure else (UNKNOWN if e.maybe else UNREACHABLE)
        assert got == STATUS[r.verdict], (e.instance.name, r.summary)
        if e.sure:
            assert e.flow is not None and e.decision is not None and e.decision.accepted
        # Per service: tcp 22 is listed exactly when the solver finds it reachable.
        ssh = dataclasses.replace(fs, services=(Service(frozenset({6}), (PortRange(22, 22),)),))
        r22 = checker.run(FlowAssertion("x", "x", e.instance.target, ssh, Check.SOME_ALLOWED))
        listed = any(lo <= 22 <= hi for lo, hi in space.ports_of(e.sure, 6))
        assert listed == (r22.verdict is Verdict.PROVED), e.instance.name


def test_classes_fold_alike_interfaces() -> None:
    """Interfaces with the same groups and addresses in one atom are one class."""
    policy = load("fleet.sgv")
    m = ReachMatrix(policy)
    assert m.stats.classes < len(m.instances) + 2
    dev = [n for n, i in enumerate(m.instances) if i.name in ("dev-1", "dev-2")]
    assert m.classes_of[dev[0]] == m.classes_of[dev[1]]


def test_skips_instances_without_private_addresses(tmp_path: Path) -> None:
    spec = tmp_path / "p.sgv"
    spec.write_text("group g {}\ninstance a { ip 10.0.0.1; groups g }\n"
                    "instance b { public 47.98.0.1; groups g }\n")
    policy = load_policy(str(spec)).policy
    assert policy is not None
    m = ReachMatrix(policy)
    assert [i.name for i in m.instances] == ["a"] and [i.name for i in m.skipped] == ["b"]


def test_matrix_on_hundreds_of_instances_against_a_sample(tmp_path: Path) -> None:
    """A larger synthetic inventory (dozens of groups, hundreds of instances): a seeded
    sample of ordered pairs, each checked with Z3, and every witness of the sample."""
    import random
    inv = generate(Shape(groups=30, rules_per_group=8, instances=200, seed=5))
    path = tmp_path / "big.sgv"
    path.write_text(to_sgv(inv))
    policy = load_policy(str(path)).policy
    assert policy is not None
    m = ReachMatrix(policy)
    assert len(m.instances) >= 200 and m.stats.groupsets < len(m.instances)
    checker = Checker(policy)
    rng = random.Random(5)
    n = len(m.instances)
    reachable = [(a, b) for a, b, s in m.reachable_pairs() if s == REACHABLE]
    sample = rng.sample(reachable, 25) + [(rng.randrange(n), rng.randrange(n)) for _ in range(60)]
    for a, b in sample:
        if a == b:
            continue
        want = expected(checker, m.instances[a], m.instances[b])
        if want != -1:
            assert m.pair_status(a, b) == want, (m.instances[a].name, m.instances[b].name)
        if m.pair_status(a, b) == REACHABLE:
            assert m.witness(a, b) is not None
