"""DSL -> Alibaba Cloud JSON export -> import is equivalent, proved by the equivalence check.

Random policies are drawn as .sgv text (groups with several ports, peers, interface-side
blocks, source ports, group and prefix-list peers, port lists, classic NIC types), loaded,
exported, imported back, and each original group is proved equivalent to its import with
``Checker.compare_assertion`` (the machinery of ``assert X equivalent to Y``).
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sgverify.api import check_text, load_policy
from sgverify.cloud.export import export_aliyun, export_problems, permissions
from sgverify.cloud.importer import ImportRequest, import_files
from sgverify.core.model import (Check, CompareAssertion, Direction, FlowSet, Network, Policy,
                                 Target)
from sgverify.core.result import Verdict
from sgverify.lang.resolve import resolve
from sgverify.prove.run import Checker
from tests.support.inputs import cli
from tests.support.paths import ROOT
from tests.support.strategies import CIDRS_V4, CIDRS_V6, PORTS


@st.composite
def ports(draw: st.DrawFn) -> str:
    items = []
    for _ in range(draw(st.integers(1, 3))):
        a, b = sorted(draw(st.lists(st.sampled_from(PORTS), min_size=2, max_size=2)))
        items.append(str(a) if a == b else f"{a}-{b}")
    return ", ".join(items)


@st.composite
def rule_text(draw: st.DrawFn, classic: bool, groups: list[str]) -> str:
    direction = draw(st.sampled_from(["ingress", "egress"]))
    action = draw(st.sampled_from(["accept", "drop"]))
    kind = draw(st.sampled_from(["tcp", "udp", "icmp", "icmpv6", "gre", "all", "list"]))
    if classic and kind == "icmpv6":
        kind = "icmp"
    cidrs = CIDRS_V4 if classic else CIDRS_V4 + CIDRS_V6
    peers = draw(st.lists(st.sampled_from(cidrs), min_size=0, max_size=3, unique=True))
    use_group = draw(st.booleans())
    nic = ""
    if classic and not (use_group and not peers):
        nic = draw(st.sampled_from([" nic internet", " nic intranet"]))
    if use_group and nic != " nic internet":
        peers.append("group " + draw(st.sampled_from(groups)))
    if not classic and draw(st.integers(0, 4)) == 0:
        peers.append("prefix-list known" if draw(st.booleans()) else "prefix-list unknown")
    if not peers:
        peers = ["0.0.0.0/0"]
    cidr_peers = [p for p in peers if "/" in p and not p.startswith(("group", "prefix"))]
    if kind == "icmp" and cidr_peers and all(":" in p for p in cidr_peers):
        peers.append("10.0.0.0/8")  # icmp needs an IPv4 peer (E116 otherwise)
    if kind == "icmpv6" and cidr_peers and not any(":" in p for p in cidr_peers):
        peers.append("::/0")
    if kind == "list":
        service = f"{draw(st.sampled_from(['tcp', 'udp']))} port-list " + draw(
            st.sampled_from(["kports", "uports"]))
        if classic:
            service = "tcp " + draw(ports())
    elif kind in ("tcp", "udp"):
        service = f"{kind} " + (draw(ports()) if draw(st.integers(0, 4)) else "all")
    else:
        service = kind
    peer_side, local_side = ("from", "to") if direction == "ingress" else ("to", "from")
    text = f"{direction} {action} {service} {peer_side} {', '.join(peers)}"
    if draw(st.integers(0, 3)) == 0:
        text += f" {local_side} " + ", ".join(draw(st.lists(st.sampled_from(cidrs), min_size=1,
                                                             max_size=2, unique=True)))
    if service.startswith(("tcp", "udp")) and draw(st.integers(0, 3)) == 0:
        text += " source-port " + draw(ports())
    text += nic + f" priority {draw(st.integers(1, 3))}"
    if draw(st.booleans()):
        text += f" id sgr-{draw(st.integers(1, 999))}"
    return text


@st.composite
def spec_text(draw: st.DrawFn) -> str:
    classic = draw(st.booleans())
    network = "classic" if classic else "vpc"
    gtype = "basic" if classic else draw(st.sampled_from(["basic", "enterprise"]))
    names = ["g0", "g1"]
    lines = ["prefix-list known (id pl-known) = 10.9.0.0/16, 2001:db8:9::/48" if not classic
             else "prefix-list known (id pl-known) = 10.9.0.0/16",
             "prefix-list unknown (id pl-unknown)",
             "port-list kports (id prl-k) = 80, 8000-8080", "port-list uports (id prl-u)"]
    for i, name in enumerate(names):
        intra = f", intra {draw(st.sampled_from(['accept', 'drop']))}" if gtype == "basic" else ""
        owner = ", owner 999" if i == 1 and draw(st.booleans()) else ""
        gid = f", id sg-{name}" if draw(st.booleans()) else ""
        rules = [draw(rule_text(classic, names + ["777/sg-ext"])) for _ in range(draw(st.integers(0, 4)))]
        lines.append(f"group {name} ({network}, {gtype}{intra}{owner}{gid}) {{")
        lines += ["  " + r for r in rules]
        lines.append("}")
    return "\n".join(lines) + "\n"


def round_trip(policy: Policy, tmp: Path) -> Policy:
    assert not export_problems(policy)
    path = tmp / "exported.json"
    path.write_text(json.dumps(export_aliyun(policy)))
    result = import_files([ImportRequest(str(path))])
    assert not result.has_errors, [d.message for d in result.diagnostics if d.is_error]
    back, diags = resolve(result.documents)
    assert not [d for d in diags if d.is_error], [d.message for d in diags if d.is_error]
    return back


def assert_equivalent(policy: Policy, back: Policy) -> None:
    checker = Checker(policy)
    for g in policy.groups:
        twin = back.group(g.gid or g.name)
        assert twin is not None and twin.key == g.key, (g.name, [x.name for x in back.groups])
        a = CompareAssertion(f"{g.name} round trip", "", Target(g.name, "group", (g,)),
                             Target(twin.name + "'", "group", (twin,)), FlowSet(), Check.EQUIVALENT)
        r = checker.run(a)
        assert r.verdict is Verdict.PROVED, (g.name, r.summary, str(r.flow))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=spec_text())
def test_export_then_import_is_equivalent(tmp_path: Path, text: str) -> None:
    rep = check_text(text)
    errors = [d for d in rep.diagnostics if d.is_error]
    # The generator may pair blocks of different families (E116, a rule that never
    # matches); anything else it draws must be valid.
    assert all(d.code == "E116" for d in errors), (text, [d.message for d in errors])
    assume(not errors)
    assert rep.policy is not None
    assert_equivalent(rep.policy, round_trip(rep.policy, tmp_path))


def test_scenarios_round_trip(tmp_path: Path) -> None:
    for spec in sorted((ROOT / "specs" / "scenarios").glob("*.sgv")):
        rep = load_policy(str(spec))
        assert rep.policy is not None, spec
        assert_equivalent(rep.policy, round_trip(rep.policy, tmp_path))


def test_a_rule_with_several_ports_and_peers_expands() -> None:
    rep = check_text("group g { ingress accept tcp 22, 80-90 from 10.0.0.0/8, ::/0, group g "
                     "to 10.1.0.0/16 }\n")
    assert rep.policy is not None
    perms = permissions(rep.policy.groups[0].rules[0], Network.VPC)
    # 2 port ranges x (IPv4 peer + group peer) x 1 local block; the IPv6 peer cannot meet
    # the IPv4 interface-side block, so it is left out.
    assert len(perms) == 4
    assert {(p["PortRange"], p["SourceCidrIp"], p["SourceGroupId"], p["DestCidrIp"]) for p in perms} == {
        ("22/22", "10.0.0.0/8", "", "10.1.0.0/16"), ("80/90", "10.0.0.0/8", "", "10.1.0.0/16"),
        ("22/22", "", "g", "10.1.0.0/16"), ("80/90", "", "g", "10.1.0.0/16")}
    assert all(p["Direction"] == Direction.INGRESS.value for p in perms)


def test_export_command(tmp_path: Path) -> None:
    spec = ROOT / "specs" / "scenarios" / "02-cross-account-classic.sgv"
    code, out, err = cli("export", "--format", "aliyun", str(spec))
    assert code == 0, err
    docs = json.loads(out)
    assert [d["SecurityGroupId"] for d in docs] == ["sg-bp174yoe2ib1sqj5", "sg-bp148p6ncq1rjuvr"]
    assert "VpcId" not in docs[0] and docs[0]["OwnerId"] == "1609982529920001"
    bad = tmp_path / "bad.sgv"
    bad.write_text("group g { ingress accept proto 50 from 10.0.0.0/8 }\n")
    code, out, err = cli("export", "--format", "aliyun", str(bad), "--color", "never")
    assert code == 2 and out == "" and "protocol 50 has no Alibaba Cloud API form" in err
