"""The certifier (box decomposition, no Z3) agrees with the solver: on every bundled spec,
on the broken variants, and on random small policies for every assertion kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.api import check_file
from sgverify.core.model import (Check, Direction, EndpointTerm, FlowAssertion, FlowSet, Policy,
                                 Service)
from sgverify.core.result import Verdict
from sgverify.engines.boxes.certify import violation_exists
from sgverify.prove.run import Checker
from tests.support.paths import ROOT
from tests.support.strategies import PORTS, cidr_spaces, semantics, targets

FILES = sorted((ROOT / "specs").rglob("*.sgv")) + sorted((ROOT / "tests" / "fixtures" / "broken").glob("*.sgv"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_certifier_agrees_on_bundled_specs(path: Path) -> None:
    rep = check_file(str(path), root=str(ROOT))
    assert rep.policy is not None
    for r in rep.results:
        if r.verdict is Verdict.ERROR:
            continue
        found = violation_exists(r.assertion, rep.policy.semantics)
        assert found == (r.verdict is not Verdict.PROVED), (r.assertion.name, r.verdict)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=targets(max_rules=5), sem=semantics,
       kind=st.sampled_from([Check.ALL_ALLOWED, Check.ALL_DENIED, Check.SOME_ALLOWED, Check.ONLY]),
       direction=st.sampled_from([None, Direction.INGRESS, Direction.EGRESS]),
       peers=st.one_of(st.none(), cidr_spaces), only_peers=cidr_spaces,
       port=st.one_of(st.none(), st.sampled_from(PORTS)))
def test_certifier_matches_solver_on_random_policies(target, sem, kind, direction, peers, only_peers, port) -> None:
    from sgverify.core.model import TCP, UDP, PortRange
    services = None if port is None else (Service(frozenset({TCP, UDP}), (PortRange(port, port),)),)
    ends = (EndpointTerm(peers),) if peers is not None else None
    fs = FlowSet(directions=frozenset({direction}) if direction else None, services=services,
                 src=ends if direction is Direction.INGRESS else None,
                 dst=ends if direction is Direction.EGRESS else None)
    only = FlowSet(src=(EndpointTerm(only_peers),)) if kind is Check.ONLY else None
    a = FlowAssertion("random", "random", target, fs, kind, only)
    r = Checker(Policy("t", assertions=(a,), semantics=sem)).run(a)
    if r.verdict is Verdict.ERROR:
        assert r.code == "E124"
        return
    assert violation_exists(a, sem) == (r.verdict is not Verdict.PROVED), (r.verdict, r.summary, str(r.flow))


@pytest.mark.parametrize("option,verdict", [("override", "violated"), ("fallback", "proved")])
def test_intra_group_reading_in_both_engines(option: str, verdict: str) -> None:
    from tests.support.helpers import check
    rep = check(f"option intra-group = {option}\n"
                "group g { ingress drop all from 0.0.0.0/0, ::/0 }\nassert g: ingress is denied\n")
    r = rep.results[0]
    assert r.verdict.value == verdict
    assert violation_exists(r.assertion, rep.policy.semantics) == (verdict == "violated")


def test_checker_with_certify_marks_results() -> None:
    from sgverify.prove.run import check_policy
    rep = check_file(str(ROOT / "specs" / "scenarios" / "03-remote-admin-vpc.sgv"), root=str(ROOT))
    results = check_policy(rep.policy, certify=True)
    assert all(r.verdict is Verdict.PROVED for r in results)
    assert all("certified by the box decomposition" in r.notes for r in results)


def test_certifier_disagreement_is_an_internal_error(monkeypatch) -> None:
    import sgverify.prove.run as query
    from sgverify.prove.run import check_policy
    monkeypatch.setattr(query, "violation_exists", lambda a, sem: True)
    rep = check_file(str(ROOT / "specs" / "scenarios" / "06-internet-access-vpc.sgv"), root=str(ROOT))
    results = check_policy(rep.policy, certify=True)
    assert {r.verdict for r in results} == {Verdict.ERROR} and {r.code for r in results} == {"E901"}


def test_certifier_over_budget_is_unknown(monkeypatch) -> None:
    import sgverify.prove.run as query
    from sgverify.engines.boxes.certify import NotCertified
    from sgverify.prove.run import check_policy

    def give_up(a, sem):
        raise NotCertified("more than 1 boxes")
    monkeypatch.setattr(query, "violation_exists", give_up)
    rep = check_file(str(ROOT / "specs" / "scenarios" / "06-internet-access-vpc.sgv"), root=str(ROOT))
    results = check_policy(rep.policy, certify=True)
    assert {r.verdict for r in results} == {Verdict.UNKNOWN} and {r.code for r in results} == {"W403"}
