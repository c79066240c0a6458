"""The concrete evaluator: each point of semantics.md on hand-made flows."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.analyses.explain.explain import parse_flow
from sgverify.core.evaluate import Reason, decide, decide_all, definitely
from sgverify.core.model import Action, Semantics, Target
from tests.support.helpers import policy
from tests.support.strategies import flows, semantics, targets


def verdict(src: str, target: str, flow: str):
    pol = policy(src)
    t = pol.find_target(target)
    return decide(t, parse_flow(flow, pol), pol.semantics)


GROUPS = """
group web (vpc, basic) {
  allow-ssh: ingress accept tcp 22 from 1.2.3.4/32 priority 5
  drop-ssh: ingress drop tcp 22 from 0.0.0.0/0 priority 5
  allow-web: ingress accept tcp 80, 443 from 0.0.0.0/0 priority 10
  deny-web-early: ingress drop tcp 443 from 9.9.9.0/24 priority 3
  allow-range: ingress accept udp 8000-8080 from any
}
group ent (vpc, enterprise) {
  ingress accept tcp 22 from 10.0.0.0/8
}
"""


@pytest.mark.parametrize("flow,action,rule", [
    # Drop wins at the same priority, even against the narrower accept.
    ("ingress tcp 1.2.3.4:1000 -> 10.0.0.5:22", Action.DROP, "drop-ssh"),
    ("ingress tcp 5.5.5.5:1000 -> 10.0.0.5:80", Action.ACCEPT, "allow-web"),
    # A smaller priority number decides first.
    ("ingress tcp 9.9.9.9:1000 -> 10.0.0.5:443", Action.DROP, "deny-web-early"),
    ("ingress tcp 9.9.8.9:1000 -> 10.0.0.5:443", Action.ACCEPT, "allow-web"),
    ("ingress udp 5.5.5.5:1000 -> 10.0.0.5:8080", Action.ACCEPT, "allow-range"),
    ("ingress udp [2001:db8::1]:1000 -> [fd00::5]:8000", Action.ACCEPT, "allow-range"),
    ("ingress udp 5.5.5.5:1000 -> 10.0.0.5:8081", Action.DROP, None),
])
def test_priorities_and_ties(flow, action, rule):
    d = verdict(GROUPS, "web", flow)
    assert d.action is action
    assert (d.rule.name if d.rule else None) == rule


def test_defaults_basic_and_enterprise():
    assert verdict(GROUPS, "web", "egress tcp 10.0.0.5:1000 -> 8.8.8.8:53").action is Action.ACCEPT
    d = verdict(GROUPS, "ent", "egress tcp 10.0.0.5:1000 -> 8.8.8.8:53")
    assert (d.action, d.reason) == (Action.DROP, Reason.DEFAULT)
    assert verdict(GROUPS, "ent", "ingress tcp 10.1.1.1:1000 -> 10.0.0.5:22").action is Action.ACCEPT
    assert verdict(GROUPS, "web", "ingress icmp 1.1.1.1 -> 10.0.0.5").reason is Reason.DEFAULT


def test_ipv4_block_never_matches_ipv6():
    src = "group g { ingress accept all from 0.0.0.0/0 }"
    assert verdict(src, "g", "ingress tcp [2001:db8::1]:1 -> [fd00::1]:22").action is Action.DROP
    assert verdict(src, "g", "ingress tcp 1.1.1.1:1 -> 10.0.0.1:22").action is Action.ACCEPT


INTRA = """
group open (vpc, basic) { ingress drop all from 0.0.0.0/0 priority 1; egress drop all to 0.0.0.0/0 priority 1 }
group closed (vpc, basic, intra drop) { ingress accept tcp 22 from group closed }
group ent (vpc, enterprise) {}
"""


def test_intra_group_accept_outranks_rules_both_directions():
    d = verdict(INTRA, "open", "ingress tcp 10.0.0.1:1 -> 10.0.0.2:22 peer-groups open")
    assert (d.action, d.reason) == (Action.ACCEPT, Reason.INTRA_GROUP)
    assert [r.name for r in d.matched] == ["open#1"]  # the drop matched but lost
    d = verdict(INTRA, "open", "egress tcp 10.0.0.1:1 -> 10.0.0.2:22 peer-groups open")
    assert d.action is Action.ACCEPT


def test_intra_group_fallback_switch():
    src = "option intra-group = fallback\n" + INTRA
    d = verdict(src, "open", "ingress tcp 10.0.0.1:1 -> 10.0.0.2:22 peer-groups open")
    assert (d.action, d.reason) == (Action.DROP, Reason.RULE)
    d = verdict("option intra-group = fallback\ngroup g {}", "g",
                "ingress tcp 10.0.0.1:1 -> 10.0.0.2:22 peer-groups g")
    assert (d.action, d.reason) == (Action.ACCEPT, Reason.INTRA_GROUP)


def test_isolation_is_lowest_priority():
    # An accept rule naming the group reopens traffic inside an isolated group...
    d = verdict(INTRA, "closed", "ingress tcp 10.0.0.1:1 -> 10.0.0.2:22 peer-groups closed")
    assert (d.action, d.reason) == (Action.ACCEPT, Reason.RULE)
    # ... otherwise isolation drops, even egress (which a basic group would accept).
    d = verdict(INTRA, "closed", "egress tcp 10.0.0.1:1 -> 10.0.0.2:80 peer-groups closed")
    assert (d.action, d.reason) == (Action.DROP, Reason.INTRA_GROUP)
    d = verdict(INTRA, "closed", "egress tcp 10.0.0.1:1 -> 10.0.0.2:80")
    assert (d.action, d.reason) == (Action.ACCEPT, Reason.DEFAULT)


def test_enterprise_groups_are_isolated():
    d = verdict(INTRA, "ent", "ingress tcp 10.0.0.1:1 -> 10.0.0.2:22 peer-groups ent")
    assert d.action is Action.DROP


def test_two_groups_on_one_interface_pool_rules():
    src = """
    group a { allow: ingress accept tcp 22 from 0.0.0.0/0 priority 50 }
    group b { block: ingress drop tcp 22 from 0.0.0.0/0 priority 1 }
    group c (intra drop) {}
    instance i { ip 10.0.0.5; groups a, b }
    instance k { ip 10.0.0.6; groups a, c }
    """
    d = verdict(src, "i", "ingress tcp 8.8.8.8:1 -> 10.0.0.5:22")
    assert (d.action, d.rule.name) == (Action.DROP, "block")
    # Sharing an Accept group wins over sharing an isolated one.
    d = verdict(src, "k", "egress tcp 10.0.0.6:1 -> 10.0.0.7:80 peer-groups a, c")
    assert (d.action, d.reason) == (Action.ACCEPT, Reason.INTRA_GROUP)


def test_group_rules_are_internal_only_in_classic():
    src = """
    group peer (classic) {}
    group g (classic) {
      ingress accept tcp 22 from group peer
      ingress accept tcp 80 from 0.0.0.0/0 nic internet
    }
    """
    assert verdict(src, "g", "ingress tcp 10.0.0.1:1 -> 10.0.0.2:22 peer-groups peer").action is Action.ACCEPT
    assert verdict(src, "g", "ingress tcp 1.1.1.1:1 -> 47.0.0.2:80 nic internet").action is Action.ACCEPT
    assert verdict(src, "g", "ingress tcp 1.1.1.1:1 -> 10.0.0.2:80").action is Action.DROP


def test_source_ports_and_local_block():
    src = """
    group g {
      ingress accept tcp 22 from 0.0.0.0/0 to 10.0.0.5/32 source-port 1024-65535
    }
    """
    assert verdict(src, "g", "ingress tcp 1.1.1.1:2000 -> 10.0.0.5:22").action is Action.ACCEPT
    assert verdict(src, "g", "ingress tcp 1.1.1.1:80 -> 10.0.0.5:22").action is Action.DROP
    assert verdict(src, "g", "ingress tcp 1.1.1.1:2000 -> 10.0.0.6:22").action is Action.DROP


def test_platform_tcp25_switch():
    off = "group g {}"
    on = "option block-outbound-tcp25 = on\ngroup g {}"
    flow = "egress tcp 10.0.0.1:1000 -> 8.8.8.8:25"
    assert verdict(off, "g", flow).action is Action.ACCEPT
    d = verdict(on, "g", flow)
    assert (d.action, d.reason) == (Action.DROP, Reason.PLATFORM)
    assert verdict(on, "g", "egress tcp 10.0.0.1:1000 -> 10.0.0.8:25").action is Action.ACCEPT


def test_unresolved_prefix_list_gives_both_answers():
    src = """
    prefix-list partners (id pl-123)
    group g { ingress accept tcp 443 from prefix-list partners }
    """
    pol = policy(src)
    t = pol.find_target("g")
    flow = parse_flow("ingress tcp 1.1.1.1:1000 -> 10.0.0.5:443", pol)
    decisions = decide_all(t, flow, pol.semantics)
    assert {d.action for d in decisions} == {Action.ACCEPT, Action.DROP}
    assert definitely(decisions) is None
    flow22 = parse_flow("ingress tcp 1.1.1.1:1000 -> 10.0.0.5:22", pol)
    assert definitely(decide_all(t, flow22, pol.semantics)) is False


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets(), sem=semantics)
def test_first_match_only_decides_the_same(data: st.DataObject, target: Target,
                                           sem: Semantics) -> None:
    """``every_match=False`` stops at the first matching rule: the same decision, with
    only that rule in ``matched``."""
    for _ in range(30):
        flow = data.draw(flows(target))
        full = decide(target, flow, sem)
        first = decide(target, flow, sem, every_match=False)
        assert first == replace(full, matched=full.matched[:1]), str(flow)
