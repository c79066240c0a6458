"""``explain --flows``'s fast path (``FlowExplainer.block``: ``FlowReader``, ``FieldDecider``,
``FlowLines.block``) gives exactly what the line-by-line path gives (``loads_strict``,
``flow_from_json``, ``Compiled.verdict``, ``FlowLines.line``) on random policies and random
lines: flows in the documented shape and near it (other spacing, key order, nulls, unknown or
duplicate keys, wrong types, bad addresses, IPv6, ICMP, peer groups, ports at the edges),
blank lines and garbage."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.analyses.explain.bulk import (
    FlowExplainer,
    FlowLine,
    Interfaces,
    explain_flows,
)
from sgverify.cloud.flows import FlowReader, flow_from_json, line_blocks, read_json_lines
from sgverify.cloud.jsondoc import loads_strict
from sgverify.core.addresses import V4, V6
from sgverify.core.flow import Flow, flow_problem
from sgverify.core.model import GRE, TCP, Direction, Group, GroupType, Policy, Semantics, Target
from sgverify.load import load_inputs
from sgverify.report.explain import FlowLines, flow_text
from tests.support.inputs import fixture
from tests.support.strategies import KEYS, flows, semantics, targets


def _policy(target: Target, sem) -> Policy:
    """The target's groups and the other keys' groups (peer groups that resolve)."""
    have = {g.key for g in target.groups}
    extra = tuple(Group(k, k.ident, target.groups[0].network, GroupType.BASIC,
                        target.groups[0].intra) for k in KEYS if k not in have and not k.account)
    return Policy("p.sgv", target.groups + extra, semantics=sem)


def _fields(flow: Flow) -> tuple:
    return (flow.direction, flow.protocol, flow.family, flow.src_ip, flow.dst_ip, flow.src_port,
            flow.dst_port, flow.nic, flow.peer_groups)


def _dumps(obj: dict, style: int) -> str:
    if style == 0:
        return json.dumps(obj)
    if style == 1:
        return json.dumps(obj, separators=(",", ":"))
    if style == 2:
        return " \t" + json.dumps(obj, separators=(" ,\t", " : ")) + " \r"
    return json.dumps(dict(reversed(list(obj.items()))))  # another key order


MUTATIONS = [
    ("protocol", "TCP"), ("protocol", "6"), ("protocol", 6), ("protocol", "sctp"),
    ("protocol", "256"), ("src_ip", "01.2.3.4"), ("src_ip", "1.2.3.999"), ("dst_ip", "::ffff:1.2.3.4"),
    ("dst_ip", "2001:DB8::1"), ("src_ip", " 10.1.2.3"), ("src_port", 0), ("src_port", 65536),
    ("dst_port", 99999), ("dst_port", "22"), ("dst_port", 22.0), ("dst_port", True),
    ("dst_port", None), ("src_port", 65535), ("dst_port", 1), ("nic_type", "internet"),
    ("nic_type", "wifi"), ("nic_type", None), ("peer_groups", ["nope"]), ("peer_groups", ["g2"]),
    ("peer_groups", ["g0", "999/sg-ext"]), ("peer_groups", []), ("peer_groups", None),
    ("peer_groups", "g0"), ("direction", "in"), ("colour", "red"), ("protocol", "icmp"),
    ("protocol", "icmpv6"), ("protocol", "gre"), ("protocol", "udp"),
]


@st.composite
def flow_lines(draw: st.DrawFn, target: Target) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(["", "   ", "nonsense", "{}", "[1]", "{\"direction\": ",
                                     "\x1c", "{\"a\": 1}, {\"b\": 2}"]))
    obj = draw(flows(target)).to_json()
    if draw(st.booleans()):  # the optional keys left out, as a hand-written file would
        obj = {k: v for k, v in obj.items() if v not in (None, []) and
               (k, v) != ("nic_type", "intranet")}
    if kind == 1:
        key, value = draw(st.sampled_from(MUTATIONS))
        obj[key] = value
    line = _dumps(obj, draw(st.integers(0, 3 if kind <= 2 else 1)))
    if kind == 2:  # a key twice, an escape, or a lone surrogate
        line = draw(st.sampled_from([
            line[:-1] + ', "direction": "egress"}', line.replace('"tcp"', '"\\u0074cp"'),
            line[:-1] + ', "x": "\\ud800"}', line.replace("{", "{ \"src_ip\": \"1.1.1.1\", ", 1)]))
    return line


def _old(policy: Policy, target, lines: list[str]) -> list[FlowLine]:
    return list(explain_flows(policy, target, read_json_lines(line + "\n" for line in lines)))


def _same(policy: Policy, target, lines: list[str], size: int = 7) -> None:
    old = _old(policy, target, lines)
    explainer = FlowExplainer(policy, target)
    blocks = [explainer.block(first + 1, lines[first:first + size])  # as the command reads
              for first in range(0, len(lines), size)]
    assert [line for b in blocks for line in b.flow_lines()] == old
    for as_json in (True, False):
        a, b = FlowLines(as_json), FlowLines(as_json)
        slow = a.start() + "".join(a.line(r) for r in old) + a.end(0)
        parts = [p for x in blocks for p in (x.part(0, 2), x.part(2, len(x.rows)))]
        fast = b.start() + "".join(b.block(p) for p in parts) + b.end(0)
        assert fast == slow and a.counts == b.counts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets(), sem=semantics)
def test_fast_path_gives_the_line_by_line_outcomes(data: st.DataObject, target: Target,
                                                   sem) -> None:
    lines = data.draw(st.lists(flow_lines(target), min_size=1, max_size=25))
    _same(_policy(target, sem), target, lines)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets(max_rules=3))
def test_reader_reads_what_flow_from_json_reads(data: st.DataObject, target: Target) -> None:
    """A line ``FlowReader`` takes is the flow ``flow_from_json`` reads, with no unknown key
    and nothing ``flow_problem`` refuses; a well-formed flow in the documented shape is taken."""
    lines = data.draw(st.lists(flow_lines(target), min_size=1, max_size=20))
    groups = FlowExplainer(_policy(target, Semantics()), target).groups
    reader = FlowReader(groups)
    for line, fields in zip(lines, reader.fields(lines)):
        if fields is None:
            continue
        flow, extra = flow_from_json(loads_strict(line), groups)
        assert _fields(flow) == fields and extra == [] and flow_problem(flow) is None, line
    flow = data.draw(flows(target))
    if not flow.peer_groups:
        for shown in (flow.to_json(), {k: v for k, v in flow.to_json().items() if v is not None}):
            assert reader.fields([json.dumps(shown)]) == [_fields(flow)]


def test_fast_path_with_instances_and_no_target() -> None:
    """The interface each flow's address picks (``Interfaces``), lines that none owns."""
    loaded = load_inputs([fixture("aliyun", n) for n in ("web-tier.json", "instances.json",
                                                         "app-tier.json", "groups.json")])
    policy = loaded.report.policy
    assert policy is not None and policy.instances
    lines = []
    for inst in policy.instances:
        for addr in ("10.0.1.5", "10.0.2.7", "192.168.9.9"):
            for port in (22, 80, 443, 8080):
                lines.append(json.dumps({"direction": "ingress", "protocol": "tcp",
                                         "src_ip": "203.0.113.9", "dst_ip": addr,
                                         "src_port": 40000, "dst_port": port}))
    _same(policy, Interfaces(policy, loaded.interface_groups), lines)


def test_line_blocks_are_the_lines_of_the_stream() -> None:
    data = b'{"a": 1}\r\n\n\xff\xfe bad utf-8\n' + "caf\u00e9\n".encode() + b"last, no newline"
    for size in (1, 3, 7, 1 << 20):
        got = [line for _, lines, _ in line_blocks(io.BytesIO(data), size) for line in lines]
        want = [raw.decode("utf-8", errors="replace").removesuffix("\n")
                for raw in io.BytesIO(data)]
        assert got == want, size
        numbers = [first for first, _, _ in line_blocks(io.BytesIO(data), size)]
        assert numbers == sorted(set(numbers)) and numbers[0] == 1


def test_own_peer_group_and_problem_go_the_full_way() -> None:
    """What FieldDecider leaves (an own peer group) and a flow that cannot occur on the
    target are FlowLines, as the line-by-line path has them."""
    loaded = load_inputs([fixture("aliyun", "web-tier.json")])
    policy = loaded.report.policy
    target = policy.find_target("web-tier")
    own = str(target.groups[0].key)
    lines = [json.dumps({"direction": "ingress", "protocol": "tcp", "src_ip": "10.0.0.1",
                         "dst_ip": "10.0.1.5", "src_port": 1, "dst_port": 22,
                         "peer_groups": [own]}),
             json.dumps({"direction": "ingress", "protocol": "tcp", "src_ip": "10.0.0.1",
                         "dst_ip": "10.0.1.5", "src_port": 1, "dst_port": 22,
                         "nic_type": "internet"})]
    rows = FlowExplainer(policy, target).block(1, lines).rows
    assert all(isinstance(r, FlowLine) for r in rows)
    assert rows[1].problem == "VPC traffic is always nic intranet"
    _same(policy, target, lines)


@settings(max_examples=200, deadline=None)
@given(data=st.lists(st.sampled_from([b"\n", b"\r", b"a", b"{", b"\xff", b"\xc3", b"\xa9",
                                      b" "]), max_size=40).map(b"".join),
       size=st.integers(1, 9))
def test_line_blocks_on_random_bytes(data: bytes, size: int) -> None:
    blocks = list(line_blocks(io.BytesIO(data), size))
    got = [line for _, lines, _ in blocks for line in lines]
    assert got == [raw.decode("utf-8", errors="replace").removesuffix("\n")
                   for raw in io.BytesIO(data)]
    assert [first for first, _, _ in blocks] == \
        [1 + sum(len(lines) for _, lines, _ in blocks[:k]) for k in range(len(blocks))]


@settings(max_examples=300, deadline=None)
@given(data=st.data(), target=targets(max_rules=1))
def test_flow_text_is_str_of_the_flow(data: st.DataObject, target: Target) -> None:
    flow = data.draw(flows(target))
    assert flow_text(_fields(flow)) == str(flow)
    for ip in (0, 1, 0xffffffff, 0x0a000001, 0x7f000001):  # every octet width, IPv4 edges
        f = replace(flow, family=V4, src_ip=ip, dst_ip=ip) if flow.family == V4 else \
            replace(flow, src_ip=ip | 0xffff00000000, dst_ip=(1 << 128) - 1 - ip)
        assert flow_text(_fields(f)) == str(f)


HEXTETS = st.lists(st.sampled_from([0, 0, 0, 1, 0xffff, 0xdb8, 0xa]), min_size=8, max_size=8).map(
    lambda hs: sum(h << (16 * (7 - i)) for i, h in enumerate(hs)))


@settings(max_examples=500, deadline=None)
@given(a=st.one_of(HEXTETS, st.integers(0, (1 << 128) - 1)), b=HEXTETS,
       port=st.sampled_from([None, 1, 65535]))
def test_flow_text_of_ipv6_addresses(a: int, b: int, port) -> None:
    """Zero runs of every length and place, IPv4-mapped and -compatible addresses."""
    for src in (a, b, 0xffff00000000 | (a & 0xffffffff), a & 0xffffffff):
        flow = Flow(Direction.INGRESS, TCP if port else GRE, V6, src, b, port, port)
        assert flow_text(_fields(flow)) == str(flow)
