"""Seeded generator of realistic synthetic inventories, as .sgv text.

Proportions follow what real security groups look like: mostly single hosts (/32) and
small blocks, common service ports, some ranges, some Drop rules, priorities mostly 1
and 100, references to other groups, a share of IPv6 rules; instances in 1 to 5 groups.
Usage: python benchmarks/generate.py --groups 50 --rules 200 --instances 300 --seed 1
"""

from __future__ import annotations

import argparse
import ipaddress
import random
from dataclasses import dataclass

COMMON_PORTS = [22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200, 27017, 3389, 53, 123, 25, 11211]


@dataclass(frozen=True)
class Shape:
    groups: int = 10
    rules_per_group: int = 100
    instances: int = 50
    seed: int = 1
    ipv6_share: float = 0.1
    drop_share: float = 0.12
    group_ref_share: float = 0.08


def _peer(r: random.Random, shape: Shape, n_groups: int, index: int) -> str:
    roll = r.random()
    if roll < shape.group_ref_share and n_groups > 1:
        other = r.randrange(n_groups)
        return f"group g{other}"
    if roll < shape.group_ref_share + shape.ipv6_share:
        plen = r.choice([128, 128, 64, 48])
        net = ipaddress.ip_network(f"2001:db8:{r.randrange(65536):x}:{r.randrange(65536):x}::{r.randrange(1, 65535):x}/{plen}",
                                   strict=False)
        return str(net)
    plen = r.choice([32] * 12 + [31, 30, 29, 28, 24, 24, 24, 16, 8])
    if r.random() < 0.03:
        plen = 0
    first = r.choice([10, 172, 192] + list(range(1, 224)))
    addr = f"{first}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"
    return str(ipaddress.ip_network(f"{addr}/{plen}", strict=False))


def _service(r: random.Random) -> str:
    roll = r.random()
    if roll < 0.70:
        return f"tcp {r.choice(COMMON_PORTS)}"
    if roll < 0.80:
        lo = r.randrange(1024, 30000)
        return f"tcp {lo}-{lo + r.randrange(1, 5000)}"
    if roll < 0.88:
        return f"udp {r.choice([53, 123, 161, 500, 4500])}"
    if roll < 0.94:
        return "icmp"
    return "all"


def rule_line(r: random.Random, shape: Shape, n_groups: int, index: int) -> str:
    ingress = r.random() < 0.8
    action = "drop" if r.random() < shape.drop_share else "accept"
    service = _service(r)
    peer = _peer(r, shape, n_groups, index)
    if service == "icmp" and ":" in peer:
        service = "icmpv6"
    priority = r.choice([1] * 6 + [100] * 3 + [r.randrange(2, 100)])
    word = "from" if ingress else "to"
    direction = "ingress" if ingress else "egress"
    return f"  {direction} {action} {service} {word} {peer} priority {priority}"


def inventory(shape: Shape) -> str:
    """One .sgv file: groups g0.., instances i0.. (VPC, basic, a few enterprise-free)."""
    r = random.Random(shape.seed)
    out = [f"# generated: {shape}"]
    for g in range(shape.groups):
        tag = " , tag restricted" if r.random() < 0.1 else ""
        out.append(f"group g{g} (vpc, basic{tag}) {{")
        out += [rule_line(r, shape, shape.groups, i) for i in range(shape.rules_per_group)]
        out.append("}")
    for i in range(shape.instances):
        k = min(shape.groups, r.choice([1, 1, 1, 2, 2, 3, 4, 5]))
        groups = ", ".join(f"g{x}" for x in sorted(r.sample(range(shape.groups), k)))
        v6 = f"; ipv6 2001:db8:ffff::{i + 1:x}" if r.random() < shape.ipv6_share else ""
        host = i + 1  # 10.0.0.1, 10.0.0.2, ...: one address per instance
        out.append(f"instance i{i} {{ ip 10.{(host >> 16) & 255}.{(host >> 8) & 255}.{host & 255}{v6}; "
                   f"groups {groups} }}")
    return "\n".join(out) + "\n"


ASSERTIONS = [
    "ingress tcp 22 from internet is denied",
    "ingress tcp 3389 from internet is denied",
    "ingress tcp 3306 from internet is denied",
    "ingress tcp 6379 from internet is denied",
    "ingress tcp 27017 from internet is denied",
    "ingress tcp 9200 from internet is denied",
    "ingress tcp 11211 from internet is denied",
    "ingress tcp 23 from internet is denied",
    "ingress tcp 2375 from internet is denied",
    "ingress tcp 5432 from internet is denied",
    "ingress udp 161 from internet is denied",
    "egress tcp 25 to internet is denied",
    "ingress tcp 443 from 10.0.0.0/8 peer-groups none is reachable",
    "ingress tcp 80 from internet is reachable",
    "egress tcp 443 to internet is reachable",
    "ingress icmp from internet is denied",
    "ingress peer-groups none is allowed only on tcp 1-65535 or udp 1-65535 or icmp or icmpv6",
    "ingress from 192.168.0.0/16 peer-groups none is denied",
    "ingress tcp 8080 from 172.16.0.0/12 peer-groups none is reachable",
    "egress udp 53 to internet is allowed",
]


def single_interface(rules: int, seed: int = 1, assertions: int = 20) -> str:
    """One interface with ``rules`` rules and ``assertions`` assertions about it."""
    shape = Shape(groups=1, rules_per_group=rules, instances=0, seed=seed, group_ref_share=0.0)
    text = inventory(shape) + "instance web { ip 10.0.0.5; groups g0 }\n"
    picks = [ASSERTIONS[i % len(ASSERTIONS)] for i in range(assertions)]
    return text + "".join(f"assert web: {a}\n" for a in picks)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--groups", type=int, default=10)
    p.add_argument("--rules", type=int, default=100, help="rules per group")
    p.add_argument("--instances", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    print(inventory(Shape(a.groups, a.rules, a.instances, a.seed)), end="")


if __name__ == "__main__":
    main()
