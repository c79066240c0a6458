"""The seeded synthetic inventory: its two forms agree, its planted groups get their known
verdicts, and the audit's box engine agrees with the Z3 Checker on every check of it."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks.synthetic import PLANTED_NOTES, Shape, generate, to_policy, to_sgv
from sgverify.analyses.audit.controls import OPEN
from sgverify.analyses.audit.run import choose_controls, run_audit
from sgverify.analyses.audit.settings import Settings
from sgverify.api import load_policy
from sgverify.core.model import Semantics
from sgverify.core.result import Verdict
from sgverify.prove.run import Checker
from tests.support.paths import TESTS

SMALL = Shape(groups=30, rules_per_group=8, instances=200, seed=3)  # dozens and hundreds


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    inv = generate(SMALL)
    path = tmp_path_factory.mktemp("synthetic") / "fleet.sgv"
    path.write_text(to_sgv(inv))
    rep = load_policy(str(path))
    assert rep.policy is not None, [d.message for d in rep.diagnostics][:5]
    return inv, rep.policy


def test_same_seed_same_inventory() -> None:
    assert to_sgv(generate(SMALL)) == to_sgv(generate(SMALL))
    assert to_sgv(generate(SMALL)) != to_sgv(generate(dataclasses.replace(SMALL, seed=4)))


def test_direct_model_equals_the_parsed_one(inventory: tuple) -> None:  # type: ignore[type-arg]
    inv, policy = inventory
    direct = to_policy(inv)
    assert direct.groups == policy.groups
    assert direct.instances == policy.instances


def test_mixture(inventory: tuple) -> None:  # type: ignore[type-arg]
    _, policy = inventory
    assert {g.gtype.value for g in policy.groups} == {"basic", "enterprise"}
    assert any(r.peer.groups for g in policy.groups for r in g.rules)
    assert any(6 in i.private.families() for i in policy.instances)
    assert any(i.public for i in policy.instances)
    assert len(policy.instances) >= 200 and len(policy.groups) >= 30


PLANTED = {  # group -> control -> verdict, known by construction
    "p-split-ssh": {"SGV101": "violated", "SGV109": "proved"},
    "p-shadowed-ssh": {"SGV101": "proved"},
    "p-tie-ssh": {"SGV101": "proved", "SGV110": "violated"},
    "p-all-open": {"SGV101": "violated", "SGV102": "violated", "SGV109": "violated"},
    "p-v6-db": {"SGV104": "violated", "SGV101": "proved"},
    "p-restricted": {"SGV111": "violated"},
}


def test_planted_groups_get_their_known_verdicts(inventory: tuple) -> None:  # type: ignore[type-arg]
    _, policy = inventory
    assert set(PLANTED) == set(PLANTED_NOTES)
    controls, _ = choose_controls(Settings())
    audit = run_audit(policy, controls, Settings())
    got = {(r.subject.name, r.control.id): r.verdict.value for r in audit.results
           if r.subject.kind == "group"}
    for group, expected in PLANTED.items():
        for cid, verdict in expected.items():
            assert got[(group, cid)] == verdict, (group, cid)
    # With its allowed destination set, the restricted group passes.
    allowed = Settings(restricted_egress_allow="203.0.113.0/24")
    only = choose_controls(allowed, only=["SGV111"])[0]
    res = {r.subject.name: r.verdict for r in run_audit(policy, only, allowed).results}
    assert res["p-restricted"] is Verdict.PROVED


@pytest.mark.parametrize("semantics", [Semantics(), Semantics("fallback", True)],
                         ids=["default", "fallback+tcp25"])
def test_box_engine_agrees_with_z3(inventory: tuple, semantics: Semantics) -> None:  # type: ignore[type-arg]
    _, policy = inventory
    policy = dataclasses.replace(policy, semantics=semantics)
    controls, _ = choose_controls(Settings(), only=["SGV101", "SGV104", "SGV110", "SGV111"])
    audit = run_audit(policy, controls, Settings())
    checker = Checker(policy)
    compared = 0
    for r in audit.results[::9]:  # a spread-out sample keeps the test quick
        for res in r.results:
            z = checker.run(res.assertion)
            compared += 1
            if r.control.kind == OPEN:
                # Open to every public address implies reachable from one; unreachable from
                # all implies open to none. (The assertion is the template's 'is denied'.)
                if res.verdict is Verdict.VIOLATED:
                    assert z.verdict is Verdict.VIOLATED, (res.assertion.text, z.summary)
                if z.verdict is Verdict.PROVED:
                    assert res.verdict is Verdict.PROVED, (res.assertion.text, res.summary)
                continue
            assert z.verdict is res.verdict, (res.assertion.text, res.summary, z.summary)
            if res.flow is not None:  # the engine's counterexample was replayed already
                assert res.evidence and res.evidence[0].flow == res.flow
    assert compared > 50


def test_wide_open_control_against_a_brute_force_reading(inventory: tuple) -> None:  # type: ignore[type-arg]
    """SGV109: the address of a violation is accepted on every service the evaluator is
    asked about (a sample across protocols and ports)."""
    _, policy = inventory
    from sgverify.core.evaluate import decide
    from sgverify.core.flow import Flow
    from sgverify.core.model import Direction
    controls, _ = choose_controls(Settings(), only=["SGV109"])
    violated = [r for r in run_audit(policy, controls, Settings()).results
                if r.verdict is Verdict.VIOLATED]
    assert any(r.subject.name == "p-all-open" for r in violated)
    for r in violated:
        f = r.shown.flow
        assert f is not None
        for proto, ports in ((6, (1, 22, 443, 65535)), (17, (53, 1)), (47, (None,)), (0, (None,))):
            for port in ports:
                probe = Flow(Direction.INGRESS, proto, f.family, f.src_ip, f.dst_ip,
                             1024 if port else None, port, f.nic)
                assert decide(r.subject.target, probe, policy.semantics).accepted, (r.subject, probe)


def test_fixture_path_exists() -> None:
    assert (TESTS / "fixtures" / "audit" / "fleet.sgv").exists()
