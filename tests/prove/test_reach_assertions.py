"""Reach assertions over groups and the internet, in specs:

    assert group dev cannot reach group prod on tcp 5432
    assert internet cannot reach group db on tcp 3306
    assert web-1 can reach group db on tcp 3306

Their verdicts equal what the per-pair assertions (instance to instance, or the flow
assertion per instance for the internet) say together; errors are diagnostics."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sgverify.api import check_text, load_policy
from sgverify.core.addresses import INTERNET
from sgverify.core.model import (Check, Direction, EndpointTerm, FleetReachAssertion,
                                 FlowAssertion, FlowSet, ReachAssertion)
from sgverify.core.result import Verdict
from sgverify.lang.build import build_document
from sgverify.prove.run import Checker
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "audit"
FLEET = (FIXTURES / "fleet.sgv").read_text()


def check(assertions: str) -> dict[str, object]:
    rep = check_text(FLEET + "\n" + assertions)
    assert not [d for d in rep.diagnostics if d.is_error], [d.message for d in rep.diagnostics]
    return {r.assertion.name: r for r in rep.results}


def test_parse_forms() -> None:
    doc, diags = build_document(
        "assert group a cannot reach group b on tcp 22\n"
        "assert internet can partly reach instance x\n"
        "assert x can reach internet on udp 53\n"
        "assert instance x cannot reach y\n", "t.sgv")
    assert not diags
    kinds = [(st.kind, st.target.kind, st.other.kind) for st in doc.statements]  # type: ignore[union-attr]
    assert kinds == [("fleet-reach", "group", "group"), ("fleet-reach", "internet", "instance"),
                     ("fleet-reach", "instance", "internet"), ("reach", "instance", "instance")]


def test_verdicts_and_evidence() -> None:
    res = check(
        "dev-prod: assert group dev cannot reach group web\n"
        "dev-db-pg: assert group dev cannot reach group db on tcp 5432\n"
        "app-db: assert group app can partly reach group db on tcp 5432\n"
        "app-db-all: assert group app can reach group db on tcp 5432\n"
        "net-db: assert internet cannot reach group db on tcp 3306\n"
        "net-web: assert internet can reach instance web-1 on tcp 443\n"
        "pci-out: assert group pci cannot reach internet on tcp 80\n"
        "prod-dev: assert group app cannot reach group dev\n")
    want = {"dev-prod": Verdict.VIOLATED, "dev-db-pg": Verdict.PROVED, "app-db": Verdict.PROVED,
            "app-db-all": Verdict.PROVED, "net-db": Verdict.VIOLATED, "net-web": Verdict.PROVED,
            "pci-out": Verdict.PROVED, "prod-dev": Verdict.UNKNOWN}
    got = {k: r.verdict for k, r in res.items()}  # type: ignore[attr-defined]
    assert got == want
    dev = res["dev-prod"]
    assert dev.flow is not None and "dev-" in dev.summary  # type: ignore[attr-defined]
    assert res["net-db"].flow.dst_port == 3306  # type: ignore[attr-defined]
    assert "pl-partners" in res["prod-dev"].summary  # type: ignore[attr-defined]


@pytest.mark.parametrize("check_word,check", [("cannot reach", Check.ALL_DENIED),
                                              ("can partly reach", Check.SOME_ALLOWED),
                                              ("can reach", Check.ALL_ALLOWED)])
@pytest.mark.parametrize("service", ["", " on tcp 5432", " on tcp 443", " on tcp 80 or tcp 22"])
def test_group_verdict_is_the_combination_of_pair_verdicts(check_word: str, check: Check,
                                                          service: str) -> None:
    policy = load_policy(str(FIXTURES / "fleet.sgv")).policy
    assert policy is not None
    rep = check_text(FLEET + f"\nassert group app {check_word} group db{service}\n"
                     f"assert group web {check_word} group app{service}\n"
                     f"assert internet {check_word} group web{service}\n")
    checker = Checker(rep.policy)  # type: ignore[arg-type]
    for r in rep.results:
        a = r.assertion
        assert isinstance(a, FleetReachAssertion)
        if a.src.kind == "internet":
            singles = [checker.run(FlowAssertion("x", "x", i.target, FlowSet(
                frozenset({Direction.INGRESS}), a.flows.services,
                (EndpointTerm(INTERNET, groups_exactly=frozenset()),)), check))
                for i in a.dst.instances]
        else:
            singles = [checker.run(ReachAssertion("x", "x", s, d, a.flows, check))
                       for s, d in itertools.product(a.src.instances, a.dst.instances) if s is not d]
        verdicts = {x.verdict for x in singles}
        if check is Check.SOME_ALLOWED:
            expect = Verdict.PROVED if Verdict.PROVED in verdicts else (
                Verdict.UNKNOWN if Verdict.UNKNOWN in verdicts else Verdict.VIOLATED)
        else:
            expect = Verdict.VIOLATED if Verdict.VIOLATED in verdicts else (
                Verdict.UNKNOWN if Verdict.UNKNOWN in verdicts else Verdict.PROVED)
        assert r.verdict is expect, (a.text, r.summary, verdicts)


@pytest.mark.parametrize("text,code", [
    ("assert group nosuch cannot reach group db", "E101"),
    ("assert nosuch cannot reach group db", "E102"),
    ("assert internet cannot reach internet", "E120"),
    ("assert group db cannot reach group web ingress", None),
])
def test_errors(text: str, code: str | None) -> None:
    rep = check_text(FLEET + "\n" + text + "\n")
    if code is None:  # a flow clause the assertion fixes itself: unknown, not verified
        assert rep.results and rep.results[0].verdict is Verdict.UNKNOWN
        assert rep.results[0].code == "W402"
    else:
        assert any(d.code == code for d in rep.diagnostics), [d.code for d in rep.diagnostics]


def test_empty_pair_sets_are_errors() -> None:
    rep = check_text("group g {}\ninstance a { ip 10.0.0.1; groups g }\n"
                     "assert group g cannot reach instance a\n")
    assert rep.results[0].verdict is Verdict.ERROR and rep.results[0].code == "E124"


def test_certify_leaves_fleet_verdicts_alone() -> None:
    rep = check_text(FLEET + "\nassert group dev cannot reach group db on tcp 5432\n")
    checker = Checker(rep.policy, certify=True)  # type: ignore[arg-type]
    r = checker.run(rep.policy.assertions[0])  # type: ignore[union-attr]
    assert r.verdict is Verdict.PROVED and any("certifier" in n for n in r.notes)


def test_cli_check_runs_them(tmp_path: Path) -> None:
    import io

    from sgverify.cli import run
    spec = tmp_path / "a.sgv"
    spec.write_text(FLEET + "\nno-dev-db: assert group dev cannot reach group db on tcp 5432\n")
    out = io.StringIO()
    assert run(["check", str(spec), "--no-timing"], out, io.StringIO()) == 0
    assert "proved: no-dev-db" in out.getvalue()
