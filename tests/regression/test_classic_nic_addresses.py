"""Issue 20.22: classic-network counterexamples could pair the internet NIC with the
instance's private address (``1.0.0.1 -> 10.10.0.1 nic internet``), a flow that cannot
occur. Each classic NIC now has its own addresses (docs/semantics.md, section 1): an
internet flow's interface side is a public address (an instance's own, or any public one
for a group), an intranet flow's a private one; the evaluator refuses the others, and the
Z3 encoding, the box engine and the reach exposure agree.

    sgverify check spec.sgv      sgverify reach spec.sgv
"""

from __future__ import annotations

import json

import pytest

from sgverify.api import check_text
from sgverify.core.addresses import parse_address
from sgverify.core.flow import Flow, flow_problem
from sgverify.core.model import Direction, Nic
from sgverify.core.result import Verdict
from tests.support.gate import cli, write

SPEC = """group legacy (classic) { ingress accept tcp 22 from 0.0.0.0/0 nic internet }
instance pub { ip 10.10.0.1; public 47.98.2.1; groups legacy }
instance priv { ip 10.10.0.3; groups legacy }
"""


def result(text: str):
    report = check_text(text)
    assert not report.has_errors, report.diagnostics
    (r,) = report.results
    return r


@pytest.mark.parametrize("certify", [[], ["--certify"]])
def test_an_internet_counterexample_uses_the_public_address(tmp_path, certify) -> None:
    spec = write(tmp_path, "spec.sgv",
                 SPEC + "a: assert instance pub: ingress tcp 22 from internet is denied\n")
    code, out, _ = cli("check", spec, "--no-cache", *certify)
    assert code == 1 and "-> 47.98.2.1:22 nic internet" in out, out


def test_an_instance_without_a_public_address_has_no_internet_nic() -> None:
    r = result(SPEC + "a: assert instance priv: ingress tcp 22 from internet is denied\n")
    assert r.verdict is Verdict.PROVED


def test_a_group_counterexample_has_a_public_interface_address() -> None:
    r = result(SPEC + "a: assert group legacy: ingress tcp 22 nic internet is denied\n")
    assert r.verdict is Verdict.VIOLATED
    local = r.flow.dst_ip
    assert not (10 << 24 <= local < 11 << 24), str(r.flow)


def test_the_evaluator_refuses_the_impossible_pairing() -> None:
    report = check_text(SPEC)
    pub = next(i for i in report.policy.instances if i.name == "pub")
    for local, nic, ok in (("10.10.0.1", Nic.INTERNET, False), ("47.98.2.1", Nic.INTERNET, True),
                           ("10.10.0.1", Nic.INTRANET, True), ("47.98.2.1", Nic.INTRANET, False)):
        flow = Flow(Direction.INGRESS, 6, 4, parse_address("1.0.0.1")[1],
                    parse_address(local)[1], 1024, 22, nic)
        assert (flow_problem(flow, pub.target) is None) == ok, (local, nic)


def test_explain_says_why_the_flow_cannot_occur(tmp_path) -> None:
    spec = write(tmp_path, "spec.sgv", SPEC)
    code, out, err = cli("explain", spec, "--target", "pub", "--flow",
                         "ingress tcp 1.0.0.1:1024 -> 10.10.0.1:22 nic internet")
    assert "not a public address of pub" in out + err


def test_reach_from_the_internet_needs_a_public_address(tmp_path) -> None:
    code, out, _ = cli("reach", write(tmp_path, "spec.sgv", SPEC), "--format", "json")
    flows = []

    def walk(x) -> None:
        if isinstance(x, dict):
            if "nic_type" in x and "dst_ip" in x:
                flows.append(x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(json.loads(out))
    internet = [f for f in flows if f["nic_type"] == "internet"]
    assert internet and all(f["dst_ip"] == "47.98.2.1" for f in internet), internet
