"""Assertion checking: each kind proved and violated, counterexamples, determinism, and
failing closed on 'unknown' and on internal disagreement."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sgverify.prove.prover as query
from sgverify.cli import run
from sgverify.core.evaluate import Reason, decide
from sgverify.core.model import (Action, Check, Direction, EndpointTerm, FlowAssertion, FlowSet,
                                 Policy)
from sgverify.core.result import Verdict
from sgverify.prove.run import Checker
from tests.support.helpers import only_result, results, verdicts
from tests.support.strategies import cidr_spaces, flows, semantics, targets

WEB = """
group web (vpc, basic) {
  allow-web: ingress accept tcp 80, 443 from 0.0.0.0/0
  allow-ssh: ingress accept tcp 22 from 1.2.3.4/32, 10.0.0.0/8 priority 1
  deny-out: egress drop all to 0.0.0.0/0 priority 2
  allow-out: egress accept tcp 443 to 1.2.3.4/32 priority 1
}
group db (vpc, basic) { ingress accept tcp 3306 from group app }
group app (vpc, basic) {}
instance web-1 { ip 10.0.1.5; groups web }
instance app-1 { ip 10.0.2.5; groups app }
instance db-1 { ip 10.0.3.5; groups db }
"""


@pytest.mark.parametrize("assertion,verdict", [
    ("web: ingress tcp 22 from internet peer-groups none is allowed only from 1.2.3.4/32", "proved"),
    ("web: ingress tcp 22 from internet is denied", "violated"),
    ("web: ingress tcp 3389 from internet is denied", "proved"),
    ("web: ingress tcp 80, 443 from any is allowed", "violated"),  # any includes IPv6
    ("web: ingress ipv4 tcp 80, 443 from any is allowed", "proved"),
    ("web: ingress tcp 80, 443, 8080 from any is allowed", "violated"),
    ("web: ingress tcp 8080 from any peer-groups none is reachable", "violated"),
    ("web: ingress tcp 22 is reachable", "proved"),
    ("web: egress to internet is allowed only to 1.2.3.4/32", "violated"),  # IPv6 stays open
    ("web: egress ipv4 to internet is allowed only to 1.2.3.4/32", "proved"),
    ("web-1: egress to internet is allowed only to 1.2.3.4/32", "proved"),
    ("web: egress reaches only 1.2.3.4/32", "violated"),  # members of web: intra-group accept
    ("web: ingress peer-groups none is allowed only on tcp 22, 80, 443", "proved"),
    ("web: ingress peer-groups none is allowed only on tcp 80, 443", "violated"),
    ("app-1 can reach db-1 on tcp 3306", "proved"),
    ("app-1 can reach db-1 on tcp 3307", "violated"),
    ("app-1 cannot reach db-1 on tcp 22", "proved"),
    ("web-1 cannot reach db-1", "proved"),
    ("app-1 can partly reach db-1", "proved"),
    ("web-1 can partly reach db-1", "violated"),
    ("db equivalent to db", "proved"),
    ("app no more permissive than db for ingress", "violated"),  # app members: intra-group
    ("app no more permissive than db for ingress peer-groups none", "proved"),
    ("db no more permissive than app for ingress", "violated"),
    ("db equivalent to app", "violated"),
])
def test_assertion_kinds(assertion: str, verdict: str) -> None:
    r = only_result(WEB + "assert " + assertion + "\n")
    assert r.verdict.value == verdict, (r.summary, str(r.flow))
    if verdict == "violated" or r.flow is not None:
        assert r.flow is not None and r.evidence


def test_counterexample_names_deciding_rule_and_losers() -> None:
    src = """
    group g {
      a: ingress accept tcp 22 from 0.0.0.0/0 priority 5
      b: ingress accept tcp 1-1000 from 0.0.0.0/1 priority 3
      c: ingress drop tcp 22 from 0.0.0.0/0 priority 7
    }
    assert g: ingress tcp 22 from internet is denied
    """
    r = only_result(src)
    assert r.verdict is Verdict.VIOLATED
    assert str(r.flow) == "ingress tcp 1.0.0.1:1024 -> 10.0.0.1:22"
    dec = r.evidence[0].decision
    assert dec.rule.name == "b" and [x.name for x in dec.matched] == ["b", "a", "c"]


def test_split_cidrs_open_port_to_internet() -> None:
    # A lint tool matching "0.0.0.0/0" misses this; the prover does not (prior-art case 2).
    src = """
    group g {
      ingress accept tcp 22 from 0.0.0.0/1
      ingress accept tcp 22 from 128.0.0.0/1
    }
    assert g: ingress tcp 22 from internet is denied
    """
    assert only_result(src).verdict is Verdict.VIOLATED


def test_higher_priority_drop_is_honoured() -> None:
    src = """
    group g {
      ingress drop tcp 22 from 0.0.0.0/0 priority 1
      ingress accept tcp 22 from 0.0.0.0/0 priority 100
    }
    assert g: ingress tcp 22 from internet is denied
    """
    assert only_result(src).verdict is Verdict.PROVED


def test_all_protocols_rule_opens_ssh() -> None:
    src = "group g { ingress accept all -1/-1 from 0.0.0.0/0 }\nassert g: ingress tcp 22 from internet is denied"
    r = only_result(src)
    assert r.verdict is Verdict.VIOLATED and r.flow.dst_port == 22


def test_two_groups_on_one_interface() -> None:
    src = """
    group a { ingress accept tcp 22 from 0.0.0.0/0 priority 50 }
    group b { ingress drop tcp 22 from 0.0.0.0/0 priority 1 }
    instance i { ip 10.0.0.5; groups a, b }
    assert i: ingress tcp 22 from internet is denied
    assert a: ingress tcp 22 from internet is denied
    """
    v = verdicts(src)
    assert list(v.values()) == ["proved", "violated"]


def test_basic_group_without_egress_rules_reaches_everything() -> None:
    r = only_result("group g {}\ninstance i { ip 10.0.0.5; groups g }\n"
                    "assert i: egress peer-groups none is allowed only to 1.2.3.4/32")
    assert r.verdict is Verdict.VIOLATED
    assert r.evidence[0].decision.reason is Reason.DEFAULT


def test_cidr_wins_over_group_in_the_model() -> None:
    # A rule naming a group and an address block matches either (a union); the import of
    # API JSON applies "CIDR wins" when one rule has both fields.
    src = "group p {}\ngroup g { ingress accept tcp 22 from group p, 1.2.3.4/32 }\n" \
          "assert g: ingress tcp 22 from 1.2.3.4/32 is allowed\nassert g: ingress tcp 22 from group p is allowed"
    assert set(verdicts(src).values()) == {"proved"}


def test_output_is_deterministic_across_runs(tmp_path) -> None:
    import io
    spec = tmp_path / "s.sgv"
    spec.write_text(WEB + "assert web: egress reaches only 1.2.3.4/32\nassert web: ingress tcp 22 is denied\n"
                    "assert app-1 can reach db-1 on tcp 3307\n")
    outs = []
    for _ in range(3):
        out = io.StringIO()
        run(["check", str(spec), "--no-timing", "--color", "never"], out, io.StringIO())
        outs.append(out.getvalue())
    assert outs[0] == outs[1] == outs[2]
    assert "counterexample" in outs[0]


def test_tcp25_note() -> None:
    r = only_result("group g {}\nassert g: egress tcp 25 to internet is denied")
    assert r.verdict is Verdict.VIOLATED
    assert any("TCP 25" in n for n in r.notes)
    r = only_result("option block-outbound-tcp25 = on\ngroup g {}\nassert g: egress tcp 25 to internet is denied")
    assert r.verdict is Verdict.PROVED


@pytest.mark.parametrize("assertion,noted", [
    # a proof that flows are accepted would not hold on ECS for outbound TCP 25
    ("egress tcp 20-30 to internet is allowed", True),
    # proofs that only drop, and counterexamples that are not TCP 25, stay true under it
    ("egress tcp 20-30 to internet is denied", False),
    ("egress tcp 20-30 is allowed only to 0.0.0.0/0", False),
    ("egress tcp 20-30 to internet is reachable", False),
])
def test_tcp25_note_only_where_the_block_could_change_the_verdict(assertion, noted) -> None:
    r = only_result("group g { egress accept tcp 1-65535 to 0.0.0.0/0 }\n"
                    "group h { egress drop tcp 1-65535 to 0.0.0.0/0 }\n"
                    f"assert g: {assertion}")
    shown_25 = r.flow is not None and r.flow.dst_port == 25   # a TCP 25 witness is always noted
    assert any("TCP 25" in n for n in r.notes) is (noted or shown_25), r


def test_empty_flow_set_is_an_error_not_a_proof() -> None:
    r = only_result("group g {}\nassert g: ingress icmp ipv6 is denied")
    assert r.verdict is Verdict.ERROR and r.code == "E124"


# ---------------------------------------------------------------- fail closed


def test_solver_unknown_is_never_proved(monkeypatch) -> None:
    # True (no rule, no intra-group accept), so only a proof by the solver can decide it.
    monkeypatch.setattr(query, "require", _unknown)
    r = only_result("group g (intra drop) {}\nassert g: ingress tcp 22 is denied")
    assert r.verdict is Verdict.UNKNOWN and r.code == "W401"


def test_a_replayed_counterexample_needs_no_solver(monkeypatch) -> None:
    """The box decomposition finds the canonical counterexample; the evaluator confirms it,
    so the verdict stands even when the solver would give up."""
    monkeypatch.setattr(query, "require", _unknown)
    r = only_result("group g {}\nassert g: ingress tcp 22 is denied")
    assert r.verdict is Verdict.VIOLATED and r.flow is not None
    assert r.evidence[0].decision.accepted


def _unknown(s) -> bool:
    from sgverify.engines.z3.solve import SolverUnknown
    raise SolverUnknown("timeout")


def test_unknown_exit_code_is_3(monkeypatch, tmp_path) -> None:
    import io
    spec = tmp_path / "s.sgv"
    spec.write_text("group g (intra drop) {}\nassert g: ingress tcp 22 is denied\n")
    monkeypatch.setattr(query, "require", _unknown)
    assert run(["check", str(spec)], io.StringIO(), io.StringIO()) == 3


def test_real_timeout_is_unknown(monkeypatch) -> None:
    # A 1 ms budget on a large group: the solver gives up and the verdict is unknown.
    rules = "\n".join(f"ingress accept tcp {p} from 10.{p % 250}.{p // 250}.0/24 priority {1 + p % 100}"
                      for p in range(1, 800))
    from sgverify.api import check_text
    rep = check_text(f"group g {{ {rules} }}\nassert g: ingress tcp from 10.0.0.0/8 peer-groups none is allowed only on tcp 1-799",
                     timeout_ms=1)
    assert rep.results[0].verdict is Verdict.UNKNOWN
    assert "NOT proved" in rep.results[0].summary


def test_evaluator_disagreement_is_an_internal_error(monkeypatch) -> None:
    def flipped(target, flow, sem=None, assume=None):
        d = decide(target, flow, sem, assume)
        from dataclasses import replace
        return replace(d, action=Action.DROP if d.accepted else Action.ACCEPT)
    import sgverify.prove.verdicts as verdicts
    monkeypatch.setattr(query, "decide", flipped)
    monkeypatch.setattr(verdicts, "decide", flipped)
    r = only_result("group g { ingress accept tcp 22 from 0.0.0.0/0 }\nassert g: ingress tcp 22 is denied")
    assert r.verdict is Verdict.ERROR and r.code == "E901"


def test_unresolved_prefix_list_is_unknown_not_violated() -> None:
    src = """
    prefix-list partners (id pl-1)
    group g { ingress accept tcp 443 from prefix-list partners }
    assert g: ingress tcp 443 from internet is denied
    assert g: ingress tcp 22 from internet is denied
    """
    v = verdicts(src)
    assert list(v.values()) == ["unknown", "proved"]


# ---------------------------------------------------------------- random soundness


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets(max_rules=5), sem=semantics,
       kind=st.sampled_from([Check.ALL_ALLOWED, Check.ALL_DENIED, Check.SOME_ALLOWED]),
       direction=st.sampled_from(list(Direction)), peers=cidr_spaces)
def test_random_verdicts_agree_with_sampled_flows(data, target, sem, kind, direction, peers) -> None:
    """Proved universal claims hold on sampled flows; violated ones were replayed already;
    a proved 'reachable' has an accepted witness."""
    src_side = peers if direction is Direction.INGRESS else None
    dst_side = None if direction is Direction.INGRESS else peers
    fs = FlowSet(directions=frozenset({direction}),
                 src=(EndpointTerm(src_side),) if src_side else None,
                 dst=(EndpointTerm(dst_side),) if dst_side else None)
    a = FlowAssertion("random", "random", target, fs, kind)
    r = Checker(Policy("t", assertions=(a,), semantics=sem)).run(a)
    assert r.verdict in (Verdict.PROVED, Verdict.VIOLATED, Verdict.ERROR), r.summary
    if r.verdict is Verdict.ERROR:
        assert r.code == "E124", r.summary
        return
    from sgverify.core.evaluate import in_flow_set
    if r.verdict is Verdict.PROVED and kind is not Check.SOME_ALLOWED:
        for _ in range(40):
            flow = data.draw(flows(target))
            if in_flow_set(fs, flow, target.group_keys):
                assert decide(target, flow, sem).accepted is (kind is Check.ALL_ALLOWED), str(flow)
    if r.verdict is Verdict.PROVED and kind is Check.SOME_ALLOWED:
        assert decide(target, r.flow, sem).accepted


def test_port_lists_resolved_and_unresolved() -> None:
    src = """
    port-list web-ports (id prl-1) = 80, 443
    port-list mystery (id prl-2)
    group g {
      ingress accept tcp port-list web-ports from 0.0.0.0/0
      ingress accept tcp port-list mystery from 10.0.0.0/8
    }
    assert g: ingress ipv4 tcp 443 from internet is allowed
    assert g: ingress tcp 22 from internet is denied
    assert g: ingress tcp 22 from 10.0.0.0/8 peer-groups none is denied
    assert g: ingress udp from 10.0.0.0/8 peer-groups none is denied
    """
    rs = list(results(src).values())
    assert [r.verdict.value for r in rs] == ["proved", "proved", "unknown", "proved"]
    assert "port list prl-2" in rs[2].summary


def test_definite_violation_found_despite_unresolved_list() -> None:
    # The first flow found may depend on the list; 203.0.113.1 violates whatever it holds.
    src = """
    prefix-list partners (id pl-1)
    group db { ingress accept tcp 5432 from prefix-list partners, 203.0.113.0/24 }
    assert db: ingress tcp 5432 peer-groups none is denied
    """
    r = only_result(src)
    assert r.verdict is Verdict.VIOLATED
    assert r.flow.src_ip >> 8 == (203 << 16 | 0 << 8 | 113)


def test_comparison_may_constrain_the_peer_when_direction_is_fixed() -> None:
    src = "group a {}\ngroup b {}\nassert a equivalent to b for ingress from internet\n" \
          "assert a equivalent to b for ingress from group a\n"
    v = list(verdicts(src).values())
    assert v == ["proved", "violated"]  # members of a: a's intra-group accept, not b's


def test_tcp25_note_on_proved_results() -> None:
    r = only_result("group mail {}\nassert mail: egress tcp 25 ipv4 to internet is allowed")
    assert r.verdict is Verdict.PROVED and any("TCP 25" in n for n in r.notes)
    r = only_result("group mail {}\nassert mail: egress tcp 443 ipv4 to internet is allowed")
    assert not r.notes


def test_past_the_enumerated_lists_the_evaluator_settles_the_flow() -> None:
    """With more unresolved lists than the solver enumerates, a counterexample that no list
    can change is still a violation (and an unknown names its lists)."""
    lists = "".join(f"prefix-list p{k}\n" for k in range(1, 9))
    rules = "".join(f"  ingress accept tcp 22 from prefix-list p{k}\n" for k in range(1, 9))
    text = (lists + "group h {\n" + rules + "}\n"
            "assert h: ingress tcp 23 peer-groups none is allowed\n"
            "assert h: ingress tcp 22 peer-groups none is allowed\n")
    from sgverify.api import check_text
    telnet, ssh = check_text(text).results
    assert telnet.verdict is Verdict.VIOLATED and telnet.flow is not None
    assert telnet.flow.dst_port == 23
    assert ssh.verdict is Verdict.UNKNOWN and "prefix list p1" in ssh.summary
