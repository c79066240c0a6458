"""A seeded generator of synthetic inventories for tests and benchmarks.

One description (``Inventory``: groups with rules, instances) is drawn from a seed and a
``Shape``; it is written out as .sgv text (``to_sgv``) or built straight into a resolved
``Policy`` (``to_policy``, which skips the parser for large benchmark inventories; a test
keeps the two equal). Inventories mix basic and enterprise groups, intra-group policies,
group references, IPv4 and IPv6, public addresses, tags (``env``, ``restricted``) and rules
that the built-in controls care about, including the traps of prior-art.md section 4.4
(split CIDRs, higher-priority drops, drop-wins ties).
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field

from sgverify.core.addresses import AddrSpace
from sgverify.core.model import (ICMP, ICMPV6, PROTOCOL_NAMES, TCP, UDP, Action, Direction, Group,
                                 GroupKey, GroupType, Instance, Network, Nic, Peer, Policy,
                                 PortRange, Rule)

ADMIN_PORTS = [22, 3389, 23, 21, 5900, 5985, 2375, 6443, 445]
DATA_PORTS = [3306, 5432, 1433, 1521, 6379, 27017, 9200, 11211, 5601, 9092]
WEB_PORTS = [80, 443, 8080, 8443]
PRIVATE_BLOCKS = ["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "10.1.2.0/24", "172.16.0.0/12",
                  "192.168.0.0/16", "10.3.0.0/16"]
PUBLIC_BLOCKS = ["0.0.0.0/0", "203.0.113.0/24", "198.51.100.7/32", "47.98.0.0/16", "8.8.8.8/32",
                 "1.2.3.4/32"]
V6_BLOCKS = ["::/0", "2000::/3", "fd00::/8", "2001:db8:1::/48", "fd00:1::/64"]


@dataclass(frozen=True)
class Shape:
    """How big and how mixed an inventory is."""

    groups: int = 40
    rules_per_group: int = 8
    instances: int = 200
    seed: int = 0
    enterprise_share: float = 0.2
    ipv6_share: float = 0.15
    group_ref_share: float = 0.2
    drop_share: float = 0.15
    public_share: float = 0.35
    max_groups_per_instance: int = 3
    cover_groups: bool = False  # instance k is always in group k (every group has members)


@dataclass(frozen=True)
class RuleSpec:
    direction: Direction
    action: Action
    protocol: int | None
    ports: tuple[PortRange, ...] | None
    peer: str  # a CIDR, or 'group NAME'
    priority: int = 1
    source_ports: tuple[PortRange, ...] | None = None
    local: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class GroupSpec:
    name: str
    gtype: GroupType = GroupType.BASIC
    intra: Action | None = None
    tags: tuple[tuple[str, str], ...] = ()
    rules: tuple[RuleSpec, ...] = ()


@dataclass(frozen=True)
class InstanceSpec:
    name: str
    groups: tuple[str, ...]
    ip: tuple[str, ...] = ()
    ipv6: tuple[str, ...] = ()
    public: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inventory:
    groups: tuple[GroupSpec, ...] = ()
    instances: tuple[InstanceSpec, ...] = ()
    planted: dict[str, str] = field(default_factory=dict, compare=False)  # group -> note


def _ports(r: random.Random) -> tuple[PortRange, ...]:
    roll = r.random()
    if roll < 0.35:
        p = r.choice(ADMIN_PORTS)
    elif roll < 0.6:
        p = r.choice(DATA_PORTS)
    elif roll < 0.85:
        p = r.choice(WEB_PORTS)
    else:
        lo = r.randrange(1024, 40000)
        return (PortRange(lo, lo + r.randrange(1, 2000)),)
    return (PortRange(p, p),)


def _peer(r: random.Random, shape: Shape, names: list[str], me: int, enterprise: bool,
          v6: bool) -> str:
    if not enterprise and not v6 and r.random() < shape.group_ref_share and len(names) > 1:
        return "group " + names[r.randrange(len(names))]
    if v6:
        return r.choice(V6_BLOCKS)
    if r.random() < shape.public_share:
        return r.choice(PUBLIC_BLOCKS)
    return r.choice(PRIVATE_BLOCKS)


def _rule(r: random.Random, shape: Shape, names: list[str], me: int, enterprise: bool) -> RuleSpec:
    direction = Direction.INGRESS if r.random() < 0.75 else Direction.EGRESS
    action = Action.DROP if r.random() < shape.drop_share else Action.ACCEPT
    v6 = r.random() < shape.ipv6_share
    roll = r.random()
    protocol: int | None
    ports: tuple[PortRange, ...] | None
    if roll < 0.7:
        protocol, ports = TCP, _ports(r)
    elif roll < 0.8:
        udp = r.choice([53, 123, 161, 11211])
        protocol, ports = UDP, (PortRange(udp, udp),)
    elif roll < 0.88:
        protocol, ports = (ICMPV6 if v6 else ICMP), None
    else:
        protocol, ports = None, None
    priority = r.choice([1, 1, 1, 5, 10, 50, 100])
    sport = (PortRange(1024, 65535),) if protocol in (TCP, UDP) and r.random() < 0.05 else None
    peer = _peer(r, shape, names, me, enterprise, v6)
    local = None
    if direction is Direction.INGRESS and not v6 and r.random() < 0.04:
        local = "10.1.0.0/16"
    return RuleSpec(direction, action, protocol, ports, peer, priority, sport, local)


def _planted(names: list[str]) -> list[GroupSpec]:
    """Groups whose verdicts are known by construction (prior-art.md, section 4.4)."""
    tcp22 = (PortRange(22, 22),)
    return [
        GroupSpec("p-split-ssh", rules=(
            RuleSpec(Direction.INGRESS, Action.ACCEPT, TCP, tcp22, "0.0.0.0/1"),
            RuleSpec(Direction.INGRESS, Action.ACCEPT, TCP, tcp22, "128.0.0.0/1"))),
        GroupSpec("p-shadowed-ssh", rules=(
            RuleSpec(Direction.INGRESS, Action.DROP, TCP, tcp22, "0.0.0.0/0", 1),
            RuleSpec(Direction.INGRESS, Action.ACCEPT, TCP, tcp22, "0.0.0.0/0", 100))),
        GroupSpec("p-tie-ssh", rules=(
            RuleSpec(Direction.INGRESS, Action.ACCEPT, TCP, (PortRange(1, 65535),), "0.0.0.0/0", 5),
            RuleSpec(Direction.INGRESS, Action.DROP, TCP, tcp22, "0.0.0.0/0", 5),
            RuleSpec(Direction.INGRESS, Action.DROP, TCP, tcp22, "::/0", 5))),
        GroupSpec("p-all-open", rules=(
            RuleSpec(Direction.INGRESS, Action.ACCEPT, None, None, "0.0.0.0/0"),)),
        GroupSpec("p-v6-db", rules=(
            RuleSpec(Direction.INGRESS, Action.ACCEPT, TCP, (PortRange(5432, 5432),), "::/0"),)),
        GroupSpec("p-restricted", tags=(("restricted", ""),), rules=(
            RuleSpec(Direction.EGRESS, Action.ACCEPT, TCP, (PortRange(443, 443),), "203.0.113.0/24"),
            RuleSpec(Direction.EGRESS, Action.DROP, None, None, "0.0.0.0/0", 100),
            RuleSpec(Direction.EGRESS, Action.DROP, None, None, "::/0", 100))),
    ]


PLANTED_NOTES = {
    "p-split-ssh": "SSH open to the internet through 0.0.0.0/1 + 128.0.0.0/1",
    "p-shadowed-ssh": "an accept for SSH shadowed by a higher-priority drop: closed",
    "p-tie-ssh": "tcp 1-65535 accept and tcp 22 drop at one priority: drop wins, SSH closed",
    "p-all-open": "every protocol and port from every IPv4 internet address",
    "p-v6-db": "PostgreSQL open to the IPv6 internet only",
    "p-restricted": "tagged restricted; egress to the internet only to 203.0.113.0/24 on tcp 443",
}


def generate(shape: Shape = Shape(), planted: bool = True) -> Inventory:
    """A random inventory for ``shape`` (same seed, same inventory)."""
    r = random.Random(shape.seed)
    names = [f"g{i}" for i in range(shape.groups)]
    enterprise = [r.random() < shape.enterprise_share for _ in names]
    groups = []
    for i, name in enumerate(names):
        tags: list[tuple[str, str]] = [("env", r.choice(["dev", "prod", "test"]))]
        if r.random() < 0.1:
            tags.append(("restricted", ""))
        intra = None
        if not enterprise[i] and r.random() < 0.25:
            intra = Action.DROP
        rules = tuple(_rule(r, shape, names, i, enterprise[i]) for _ in range(shape.rules_per_group))
        groups.append(GroupSpec(name, GroupType.ENTERPRISE if enterprise[i] else GroupType.BASIC,
                                intra, tuple(tags), rules))
    extra = _planted(names) if planted else []
    groups += extra
    basic = [g.name for g in groups if g.gtype is GroupType.BASIC]
    ent = [g.name for g in groups if g.gtype is GroupType.ENTERPRISE]
    instances = []
    for k in range(shape.instances):
        pool = ent if ent and r.random() < shape.enterprise_share else basic
        count = min(len(pool), r.randint(1, shape.max_groups_per_instance))
        chosen = tuple(r.sample(pool, count))
        if shape.cover_groups and k < shape.groups:
            own = names[k]
            pool = ent if enterprise[k] else basic
            chosen = (own,) + tuple(g for g in r.sample(pool, min(len(pool), count)) if g != own)[:count - 1]
        subnet = r.choice([1, 1, 2, 3, 4])
        ip: tuple[str, ...] = (f"10.{subnet}.{(k // 254) & 255}.{k % 254 + 1}",)
        if r.random() < 0.05:
            ip += (f"192.168.{k & 255}.{(k >> 8) + 1}",)
        ipv6 = (f"fd00:{subnet:x}::{k + 1:x}",) if r.random() < shape.ipv6_share else ()
        public = (f"47.98.{(k // 254) & 255}.{k % 254 + 1}",) if r.random() < 0.2 else ()
        instances.append(InstanceSpec(f"i{k}", chosen, ip, ipv6, public))
    if planted:
        for n, g in enumerate(extra):
            instances.append(InstanceSpec(f"{g.name}-1", (g.name,), (f"10.9.0.{n + 1}",),
                                          (f"fd00:9::{n + 1:x}",)))
    return Inventory(tuple(groups), tuple(instances),
                     {g.name: PLANTED_NOTES[g.name] for g in extra})


# ---------------------------------------------------------------- .sgv text


def _ports_text(ports: tuple[PortRange, ...]) -> str:
    return ", ".join(str(p) for p in ports)


def rule_text(rs: RuleSpec) -> str:
    proto = "all" if rs.protocol is None else PROTOCOL_NAMES.get(rs.protocol, f"proto {rs.protocol}")
    service = proto + (f" {_ports_text(rs.ports)}" if rs.ports is not None else "")
    word = "from" if rs.direction is Direction.INGRESS else "to"
    other = "to" if rs.direction is Direction.INGRESS else "from"
    parts = [rs.direction.value, rs.action.value, service, word, rs.peer]
    if rs.local is not None:
        parts += [other, rs.local]
    if rs.source_ports is not None:
        parts += ["source-port", _ports_text(rs.source_ports)]
    parts += ["priority", str(rs.priority)]
    label = f"{rs.label}: " if rs.label else ""
    return label + " ".join(parts)


def to_sgv(inv: Inventory) -> str:
    out = ["# a synthetic inventory (sgverify.audit.synthetic)"]
    for g in inv.groups:
        attrs = ["vpc", g.gtype.value]
        if g.intra is not None:
            attrs.append(f"intra {g.intra.value}")
        attrs += [f"tag {k} = {v}" if v else f"tag {k}" for k, v in g.tags]
        out.append(f"group {g.name} ({', '.join(attrs)}) {{")
        out += ["  " + rule_text(rs) for rs in g.rules]
        out.append("}")
    for i in inv.instances:
        fields = []
        if i.ip:
            fields.append("ip " + ", ".join(i.ip))
        if i.ipv6:
            fields.append("ipv6 " + ", ".join(i.ipv6))
        if i.public:
            fields.append("public " + ", ".join(i.public))
        fields.append("groups " + ", ".join(i.groups))
        out.append(f"instance {i.name} {{ {'; '.join(fields)} }}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- resolved model


def _space(texts: tuple[str, ...] | str, cache: dict[str, AddrSpace]) -> AddrSpace:
    items: tuple[str, ...] = (texts,) if isinstance(texts, str) else texts
    out = AddrSpace()
    for t in items:
        hit = cache.get(t)
        if hit is None:
            hit = cache[t] = AddrSpace.parse(str(ipaddress.ip_network(t, strict=True)))
        out = out | hit
    return out


def to_policy(inv: Inventory, path: str = "<synthetic>") -> Policy:
    """The resolved policy ``to_sgv(inv)`` loads to, built without the parser."""
    cache: dict[str, AddrSpace] = {}
    keys = {g.name: GroupKey("", g.name) for g in inv.groups}
    groups: dict[str, Group] = {}
    for g in inv.groups:
        rules = []
        for n, rs in enumerate(g.rules):
            if rs.peer.startswith("group "):
                peer = Peer(AddrSpace(), frozenset({keys[rs.peer[6:]]}))
            else:
                peer = Peer(_space(rs.peer, cache))
            local = _space(rs.local, cache) if rs.local is not None else None
            rules.append(Rule(keys[g.name], g.name, n, rs.direction, rs.action, rs.protocol, rs.ports,
                              peer, rs.priority, rs.source_ports, local, Nic.INTRANET, rs.label))
        intra = g.intra or (Action.ACCEPT if g.gtype is GroupType.BASIC else Action.DROP)
        groups[g.name] = Group(keys[g.name], g.name, Network.VPC, g.gtype, intra, None, "",
                               g.tags, "", tuple(rules))
    instances = tuple(
        Instance(i.name, tuple(groups[n] for n in i.groups), _space(i.ip + i.ipv6, cache),
                 _space(i.public, cache))
        for i in inv.instances)
    return Policy(path, tuple(groups.values()), instances)


__all__ = [
    "PLANTED_NOTES",
    "GroupSpec",
    "InstanceSpec",
    "Inventory",
    "RuleSpec",
    "Shape",
    "generate",
    "to_policy",
    "to_sgv",
]
