"""Benchmark 6: ``sgverify explain POLICY --flows FILE`` on many flows.

Writes a DescribeSecurityGroupAttribute response with RULES permissions (IPv4 and IPv6
blocks, peer groups, TCP/UDP/ICMP/ICMPv6/GRE/all, both directions) and a JSON-lines file
of FLOWS varied flows (``varied_flow_lines``: each at an edge of a rule — a port just
inside or outside its range, the first or last address of its block or the one beyond —
in its direction or the other, with its protocol or another, from its peer group or not;
IPv4 and IPv6), runs the real command (a subprocess, JSON output to a file), and prints
flows per second. ``--repeating`` uses the earlier flows instead (random IPv4 peers, a
dozen common ports: few shapes). The baseline is ``evaluate.decide`` (every rule tested against every
flow) on a sample, extrapolated; the sample's verdicts must agree with the command's.

    python benchmarks/bench_flows.py                      # 100,000 flows, 1,000 rules
    python benchmarks/bench_flows.py --flows 2000 --rules 100
"""

from __future__ import annotations

import argparse
import compileall
import ipaddress
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PORTS = [22, 25, 53, 80, 123, 443, 3306, 5432, 6379, 8080, 8443, 9000]


def _cidr(r: random.Random) -> str:
    plen = r.choice([8, 16, 24, 28, 32])
    net = ipaddress.ip_network((r.getrandbits(32) & ~((1 << (32 - plen)) - 1), plen))
    return str(net)


def _cidr6(r: random.Random) -> str:
    plen = r.choice([32, 48, 64, 96, 128])
    net = ipaddress.ip_network(((0x2001_0db8 << 96 | r.getrandbits(96))
                                & ~((1 << (128 - plen)) - 1), plen))
    return str(net)


PEER_GROUPS = [f"sg-benchpeer{i:09d}" for i in range(8)]


def permission(r: random.Random, i: int) -> dict[str, Any]:
    proto = r.choice(["TCP", "TCP", "TCP", "UDP", "ICMP", "ICMPv6", "GRE", "ALL"])
    if proto in ("TCP", "UDP"):
        lo = r.choice(PORTS) if r.random() < 0.7 else r.randint(1024, 60000)
        hi = lo if r.random() < 0.7 else min(65535, lo + r.randint(1, 2000))
        ports = f"{lo}/{hi}"
    else:
        ports = "-1/-1"
    direction = r.choice(["ingress", "ingress", "egress"])
    kind = r.random()
    if kind < 0.15:
        key, peer = ("SourceGroupId" if direction == "ingress" else "DestGroupId",
                     r.choice(PEER_GROUPS))
    elif (kind < 0.35 and proto != "ICMP") or proto == "ICMPv6":
        key = "Ipv6SourceCidrIp" if direction == "ingress" else "Ipv6DestCidrIp"
        peer = "::/0" if r.random() < 0.05 else _cidr6(r)
    else:
        key = "SourceCidrIp" if direction == "ingress" else "DestCidrIp"
        peer = "0.0.0.0/0" if r.random() < 0.05 else _cidr(r)
    return {"SecurityGroupRuleId": f"sgr-bench{i:06d}", "Direction": direction,
            "Policy": r.choice(["Accept", "Accept", "Drop"]), "Priority": r.randint(1, 100),
            "IpProtocol": proto, "PortRange": ports, key: peer, "NicType": "intranet"}


def group_document(rules: int, seed: int = 6) -> dict[str, Any]:
    r = random.Random(seed)
    return {"SecurityGroupId": "sg-bench0000000000001", "SecurityGroupName": "bench",
            "SecurityGroupType": "normal", "VpcId": "vpc-bench", "InnerAccessPolicy": "Accept",
            "NextToken": "", "Permissions": {"Permission": [permission(r, i) for i in range(rules)]}}


def flow_lines(count: int, seed: int = 7) -> list[str]:
    r = random.Random(seed)
    out = []
    for _ in range(count):
        proto = r.choice(["tcp", "tcp", "udp", "icmp"])
        direction = r.choice(["ingress", "egress"])
        peer = str(ipaddress.ip_address(r.getrandbits(32)))
        local = f"10.0.{r.randint(0, 255)}.{r.randint(1, 254)}"
        src, dst = (peer, local) if direction == "ingress" else (local, peer)
        flow: dict[str, Any] = {"direction": direction, "protocol": proto, "src_ip": src,
                                "dst_ip": dst}
        if proto != "icmp":
            flow["src_port"] = r.randint(1024, 65535)
            flow["dst_port"] = r.choice(PORTS) if r.random() < 0.8 else r.randint(1, 65535)
        out.append(json.dumps(flow))
    return out


_PROTOCOLS = {"TCP": "tcp", "UDP": "udp", "ICMP": "icmp", "ICMPv6": "icmpv6", "GRE": "gre"}


def _edge_address(r: random.Random, block: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    net = ipaddress.ip_network(block)
    top = (1 << net.max_prefixlen) - 1
    first, last = int(net.network_address), int(net.broadcast_address)
    pick = r.choice([first, last, first - 1, last + 1, r.randint(first, last)])
    return ipaddress.ip_address(min(max(pick, 0), top)) if net.version == 4 else \
        ipaddress.IPv6Address(min(max(pick, 0), top))


def varied_flow_lines(document: dict[str, Any], count: int, seed: int = 7) -> list[str]:
    """``count`` flows at the edges of the document's rules (module docstring)."""
    r = random.Random(seed)
    perms = document["Permissions"]["Permission"]
    named = sorted({p.get("SourceGroupId") or p.get("DestGroupId") for p in perms} - {None})
    out = []
    for n in range(count):
        p = perms[n % len(perms)] if r.random() < 0.9 else r.choice(perms)
        direction = p["Direction"] if r.random() < 0.85 else \
            ("egress" if p["Direction"] == "ingress" else "ingress")
        proto = _PROTOCOLS.get(p["IpProtocol"]) or r.choice(["tcp", "udp", "icmp", "gre"])
        if r.random() < 0.1:
            proto = r.choice(["tcp", "udp", "icmp", "icmpv6", "gre", "47", "132"])
        groups: list[str] = []
        block = next((p[k] for k in ("SourceCidrIp", "DestCidrIp", "Ipv6SourceCidrIp",
                                     "Ipv6DestCidrIp") if k in p), None)
        if block is None:  # a peer group: a member (or not), from a private address
            groups = [p.get("SourceGroupId") or p["DestGroupId"]] if r.random() < 0.7 else \
                [r.choice(named)]  # another group the rules name (a flow may not name others)
            block = "10.0.0.0/8" if r.random() < 0.7 else "fd00::/8"
        v6 = ":" in block
        if proto == "icmp" and v6:
            proto = "icmpv6"
        if proto == "icmpv6" and not v6:
            proto = "icmp"
        peer = _edge_address(r, block)
        local = (f"fd00::{r.randint(1, 0xffff):x}" if v6 else
                 f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}")
        src, dst = (str(peer), local) if direction == "ingress" else (local, str(peer))
        flow: dict[str, Any] = {"direction": direction, "protocol": proto, "src_ip": src,
                                "dst_ip": dst}
        if proto in ("tcp", "udp"):
            lo, hi = (int(x) for x in p["PortRange"].split("/"))
            if lo < 1:
                lo, hi = 1, 65535
            flow["src_port"] = r.randint(1024, 65535)
            flow["dst_port"] = min(65535, max(1, r.choice([lo - 1, lo, hi, hi + 1,
                                                             r.randint(lo, hi)])))
        if groups:
            flow["peer_groups"] = groups
        out.append(json.dumps(flow))
    return out


def run(flows: int, rules: int, sample: int = 2000, repeating: bool = False) -> dict[str, float]:
    """Time the command; check a sample against ``evaluate.decide``; return the figures."""
    from sgverify.cloud.flows import flow_from_json
    from sgverify.core.evaluate import decide
    from sgverify.load import load_inputs

    with tempfile.TemporaryDirectory() as tmp:
        policy_path = Path(tmp) / "bench.json"
        document = group_document(rules)
        policy_path.write_text(json.dumps(document))
        lines = flow_lines(flows) if repeating else varied_flow_lines(document, flows)
        flows_path = Path(tmp) / "flows.jsonl"
        flows_path.write_text("\n".join(lines) + "\n")
        out_path = Path(tmp) / "out.json"
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        # byte code compiled first, as an installed package has it (pip compiles on install):
        # with PYTHONDONTWRITEBYTECODE set, every run would otherwise compile the sources
        compileall.compile_dir(str(ROOT / "sgverify"), quiet=1)
        t = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(out_path, "w") as out:
            proc = subprocess.run([sys.executable, "-m", "sgverify", "explain", str(policy_path),
                                   "--flows", str(flows_path), "--format", "json"],
                                  stdout=out, stderr=subprocess.PIPE, text=True, env=env)
        elapsed = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise RuntimeError(f"explain --flows failed ({proc.returncode}): {proc.stderr[-2000:]}")
        results = json.loads(out_path.read_text())["results"]["lines"]  # the JSON envelope
        assert len(results) == flows, (len(results), flows)
        loaded = load_inputs([str(policy_path)])
        policy = loaded.report.policy
        assert policy is not None
        target = next(iter([g for g in policy.groups]))
        from sgverify.core.model import Target
        target_t = Target(target.name, "groups", (target,))
        groups = {str(g.key): g.key for g in policy.groups}
        n = min(sample, flows)
        t = time.perf_counter()
        for i in range(n):
            flow, _ = flow_from_json(json.loads(lines[i]), groups.get)
            dec = decide(target_t, flow, policy.semantics)
            got = results[i]
            want_rule = dec.rule.locator() if dec.rule else None
            if (got["verdict"], got["rule"]) != (dec.action.value, want_rule):
                raise AssertionError(f"flow {i + 1}: explain --flows says {got}, evaluate.decide "
                                     f"says {dec.action.value} by {want_rule}")
        per_flow_base = (time.perf_counter() - t) / n
    return {"elapsed": elapsed, "flows_per_s": flows / elapsed, "cpu": cpu,
            "flows_per_cpu_s": flows / cpu, "baseline_s": per_flow_base * flows, "checked": n}


def bench_flows_row(quick: bool) -> Any:
    from run import Row  # the harness's row type (benchmarks/run.py)

    flows, rules = (5_000, 200) if quick else (100_000, 1_000)
    f = run(flows, rules)
    row = Row(f"6. explain --flows: {flows:,} varied flows, {rules:,} rules",
              f"{f['cpu']:.2f} s CPU ({f['flows_per_cpu_s']:,.0f} flows per CPU-s; "
              f"{f['elapsed']:.2f} s wall)",
              f"{f['baseline_s']:.1f} s (evaluate.decide per flow, extrapolated)",
              f"{f['baseline_s'] / f['cpu']:.1f}x faster", ">= 100,000 flows/s",
              "yes" if f["flows_per_cpu_s"] >= 100_000 else "no")
    row.notes.append(f"whole command (start, import, index, JSON in and out), CPU time of the "
                     f"process (user+sys: the wall time of a shared machine varies); the first "
                     f"{int(f['checked']):,} verdicts and deciding rules checked against evaluate.decide")
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--flows", type=int, default=100_000)
    p.add_argument("--rules", type=int, default=1_000)
    p.add_argument("--repeating", action="store_true",
                   help="the earlier flows: random IPv4 peers and a dozen ports")
    a = p.parse_args(argv)
    f = run(a.flows, a.rules, repeating=a.repeating)
    print(f"{a.flows} flows, {a.rules} rules: {f['elapsed']:.2f} s, {f['flows_per_s']:,.0f} flows/s "
          f"wall; {f['cpu']:.2f} s CPU, {f['flows_per_cpu_s']:,.0f} flows per CPU-s "
          f"(evaluate.decide per flow: about {f['baseline_s']:.1f} s; "
          f"{int(f['checked'])} verdicts cross-checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
