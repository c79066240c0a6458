"""Hypothesis strategies for random policies and well-formed flows.

Values are drawn near the boundaries that matter (CIDR edges, port range edges, equal
priorities) so that random cases hit the interesting corners often.
"""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from sgverify.core.addresses import INTERNET, V4, V6, AddrSpace, cidr_range
from sgverify.core.flow import Flow
from sgverify.core.model import (GRE, ICMP, ICMPV6, PORT_PROTOCOLS, TCP, UDP, Action, Direction,
                                 Group, GroupKey, GroupType, Network, Nic, Peer, PortRange, Rule,
                                 Semantics, Target)

CIDRS_V4 = ["0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24",
            "10.1.2.3/32", "1.2.3.4/32", "192.168.0.0/16", "100.64.0.0/10", "8.8.8.0/24"]
CIDRS_V6 = ["::/0", "2001:db8::/32", "2001:db8::1/128", "fd00::/8", "fe80::/10"]
PORTS = [1, 21, 22, 23, 79, 80, 81, 443, 1023, 1024, 3306, 8080, 65534, 65535]
PROTOCOLS = [TCP, UDP, ICMP, ICMPV6, GRE, 99]
KEYS = [GroupKey("", "g0"), GroupKey("", "g1"), GroupKey("", "g2"), GroupKey("999", "sg-ext")]


def _addr_pool() -> dict[int, list[int]]:
    pool: dict[int, set[int]] = {V4: set(), V6: set()}
    for c in CIDRS_V4 + CIDRS_V6:
        r = cidr_range(ipaddress.ip_network(c))
        for v in (r.lo, r.hi, r.lo - 1, r.hi + 1, (r.lo + r.hi) // 2):
            if 0 <= v <= (2 ** (32 if r.family == V4 else 128)) - 1:
                pool[r.family].add(v)
    return {f: sorted(v) for f, v in pool.items()}


ADDRS = _addr_pool()

cidr_spaces = st.lists(st.sampled_from(CIDRS_V4 + CIDRS_V6), min_size=1, max_size=3).map(
    lambda cs: AddrSpace.of(cidr_range(ipaddress.ip_network(c)) for c in cs))


@st.composite
def port_ranges(draw: st.DrawFn) -> tuple[PortRange, ...] | None:
    if draw(st.booleans()):
        return None
    out = set()
    for _ in range(draw(st.integers(1, 2))):
        a, b = sorted(draw(st.lists(st.sampled_from(PORTS), min_size=2, max_size=2)))
        out.add(PortRange(a, b))
    return tuple(sorted(out))


@st.composite
def rules(draw: st.DrawFn, key: GroupKey, name: str, index: int, network: Network,
          group_refs: bool) -> Rule:
    if draw(st.integers(0, 5)) == 0:
        # A broad rule (every protocol, every address): these decide whole regions, which is
        # where precedence and intra-group subtleties show.
        everything = AddrSpace.parse("0.0.0.0/0") | (AddrSpace() if network is Network.CLASSIC
                                                      else AddrSpace.parse("::/0"))
        nic = Nic.INTERNET if network is Network.CLASSIC and draw(st.booleans()) else Nic.INTRANET
        return Rule(key, name, index, draw(st.sampled_from(list(Direction))),
                    draw(st.sampled_from(list(Action))), None, None, Peer(everything),
                    draw(st.integers(1, 4)), nic=nic)
    protocol = draw(st.sampled_from([None] + PROTOCOLS))
    ports = draw(port_ranges()) if protocol in PORT_PROTOCOLS else None
    sports = draw(port_ranges()) if protocol in PORT_PROTOCOLS and draw(st.booleans()) else None
    addresses = draw(cidr_spaces) if draw(st.integers(0, 3)) else AddrSpace()
    if network is Network.CLASSIC:
        addresses = addresses.only(V4)
    groups = frozenset(draw(st.sets(st.sampled_from(KEYS), max_size=2))) if group_refs else frozenset()
    if not addresses and not groups:
        addresses = AddrSpace.parse("0.0.0.0/0")
    local = None
    if draw(st.integers(0, 4)) == 0:
        local = draw(cidr_spaces)
        if network is Network.CLASSIC:
            local = local.only(V4) or None
    nic = Nic.INTRANET
    if network is Network.CLASSIC and not groups:
        nic = draw(st.sampled_from([Nic.INTRANET, Nic.INTERNET]))
    return Rule(key, name, index, draw(st.sampled_from(list(Direction))),
                draw(st.sampled_from(list(Action))), protocol, ports, Peer(addresses, groups),
                draw(st.integers(1, 4)), sports, local, nic)


@st.composite
def targets(draw: st.DrawFn, max_rules: int = 8) -> Target:
    network = draw(st.sampled_from(list(Network)))
    gtype = draw(st.sampled_from(list(GroupType)))
    n = draw(st.integers(1, 3))
    groups = []
    for i in range(n):
        key = KEYS[i]
        count = draw(st.integers(0, max_rules))
        rs = tuple(draw(rules(key, key.ident, j, network, gtype is GroupType.BASIC)) for j in range(count))
        intra = draw(st.sampled_from(list(Action)))
        groups.append(Group(key, key.ident, network, gtype, intra, rules=rs))
    local = draw(st.one_of(st.none(), cidr_spaces))
    if local is not None and network is Network.CLASSIC:
        local = local.only(V4) or None
    if local is not None and network is Network.CLASSIC and draw(st.booleans()):
        public = local & INTERNET  # an instance: its internet NIC has the public addresses
        return Target("t", "instance", tuple(groups), local, None, local - public, public)
    return Target("t", "groups", tuple(groups), local)


semantics = st.builds(Semantics, intra_group=st.sampled_from(["override", "fallback"]),
                      block_tcp25=st.booleans())


@st.composite
def flows(draw: st.DrawFn, target: Target) -> Flow:
    classic = target.network is Network.CLASSIC
    protocol = draw(st.sampled_from(PROTOCOLS))
    if protocol == ICMP or classic:
        family = V4
    elif protocol == ICMPV6:
        family = V6
    else:
        family = draw(st.sampled_from([V4, V6]))
    if protocol == ICMPV6 and classic:
        protocol = ICMP
    direction = draw(st.sampled_from(list(Direction)))
    # A NIC with no address of its own carries no flow (a classic instance without a
    # public address has no internet NIC).
    nics = [n for n in ((Nic.INTRANET, Nic.INTERNET) if classic else (Nic.INTRANET,))
            if target.local_on(n) is None or target.local_on(n)]
    nic = draw(st.sampled_from(nics))
    own = target.local_on(nic)
    peer = draw(st.sampled_from(ADDRS[family]))
    local_pool = [a for a in ADDRS[family] if own is None or own.contains(family, a)]
    if not local_pool:
        local_pool = [r.lo for r in own if r.family == family] if own else []
    if not local_pool:
        family = next(iter(sorted(own.families())))
        if protocol in (ICMP, ICMPV6):
            protocol = ICMP if family == V4 else ICMPV6
        peer = draw(st.sampled_from(ADDRS[family]))
        local_pool = [r.lo for r in own if r.family == family]
    local = draw(st.sampled_from(local_pool))
    groups = frozenset() if nic is Nic.INTERNET else frozenset(draw(st.sets(st.sampled_from(KEYS), max_size=3)))
    ports = protocol in PORT_PROTOCOLS
    sport = draw(st.sampled_from(PORTS)) if ports else None
    dport = draw(st.sampled_from(PORTS + [25])) if ports else None
    src, dst = (peer, local) if direction is Direction.INGRESS else (local, peer)
    return Flow(direction, protocol, family, src, dst, sport, dport, nic, groups)
