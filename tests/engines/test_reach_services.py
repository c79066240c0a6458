"""The service atoms: masks of rules and queries, and reading masks back as ports."""

from __future__ import annotations

from sgverify.core.addresses import V4, V6
from sgverify.core.model import Action, Direction, GroupKey, Peer, PortRange, Rule, Service
from sgverify.engines.atoms.services import ServiceBox, ServiceSpace, bit_runs

KEY = GroupKey("", "g")


def rule(protocol: int | None, ports: tuple[PortRange, ...] | None = None,
         sports: tuple[PortRange, ...] | None = None) -> Rule:
    return Rule(KEY, "g", 0, Direction.INGRESS, Action.ACCEPT, protocol, ports, Peer(), 1, sports)


def test_masks_read_back() -> None:
    rules = [rule(6, (PortRange(22, 22), PortRange(8000, 8080))), rule(17, (PortRange(53, 53),)),
             rule(6, (PortRange(443, 443),), (PortRange(1024, 65535),)), rule(1), rule(None)]
    space = ServiceSpace(rules)
    m = space.rule_mask(rules[0])
    assert space.ports_of(m, 6) == [(22, 22), (8000, 8080)] and space.ports_of(m, 17) == []
    assert space.describe(m) == "tcp 22, 8000-8080"
    both = m | space.rule_mask(rules[1]) | space.rule_mask(rules[3])
    assert space.describe(both) == "tcp 22, 8000-8080; udp 53; icmp"
    assert space.to_json(both) == [{"protocol": "tcp", "ports": [22, "8000-8080"]},
                                   {"protocol": "udp", "ports": [53]},
                                   {"protocol": "icmp", "ports": None}]
    # Source ports split the atoms; destination ports still read back whole.
    s443 = space.rule_mask(rules[2])
    assert space.ports_of(s443, 6) == [(443, 443)]
    assert space.first(s443) == (6, 443, 1024)
    assert space.first(m) == (6, 22, 1024)
    everything = space.rule_mask(rules[4])
    assert space.describe(everything & space.well_formed[V4]) == "every protocol and port (IPv4)"
    assert space.describe(everything & space.well_formed[V6]) == "every protocol and port (IPv6)"
    assert space.describe(everything) == "every protocol and port"
    assert space.count_ports(m) == 1 + 81


def test_query_masks() -> None:
    space = ServiceSpace([rule(6, (PortRange(22, 22),))], [ServiceBox(frozenset({6}), (PortRange(3306, 3306),))])
    q = space.service_mask((Service(frozenset({6}), (PortRange(3306, 3306),)),))
    assert space.ports_of(q, 6) == [(3306, 3306)]
    assert space.service_mask(None) == space.everything


def test_bit_runs() -> None:
    assert bit_runs(0) == []
    assert bit_runs(0b1011) == [(0, 1), (3, 3)]
    assert bit_runs((1 << 300) - (1 << 5)) == [(5, 299)]
