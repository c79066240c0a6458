"""The fast reading of a permission (``permission.quick_permission``, issue 14) is the
general one's: on generated permissions, well-formed and malformed (fields missing, blank or
of the wrong type, odd CIDRs, IPv6, ``-1/-1``, prefix lists, group references, classic and
VPC groups, a direction fixed by the container), reading with the fast path first gives the
same rule (fields, spans, group references) and the same diagnostics, in the same order,
as ``convert_permission`` alone; and a whole import run gives the same documents and
diagnostics (file:line:col) with the fast path as without it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.cloud import aliyun, quick_rules
from sgverify.cloud.assemble import GroupDraft, RuleDraft
from sgverify.cloud.importer import ImportRequest, import_files
from sgverify.cloud.jsondoc import parse_json, parse_json_strict
from sgverify.cloud.permission import PermissionContext, convert_permission, quick_permission
from sgverify.cloud.source import Node, Sink, Src
from sgverify.core.model import Direction, Network

BLANKS = ["", "  ", None]
PORTS = ["22/22", "1/65535", "-1/-1", "80/8080", "8080/80", "0/0", "22", "a/b", " 22 / 22 ",
         "1/70000", "-1/22", "00022/022", 22, True]
V4 = ["10.0.0.0/8", "1.2.3.4", "1.2.3.4/24", "0.0.0.0/0", " 10.1.0.0/16 ", "10.0.0.256",
      "10.0.0.0/33", "010.0.0.1", 5, "::ffff:1.2.3.4"]
V6 = ["::/0", "2001:db8::/32", "2001:db8::1/64", "2001:DB8::", "fe80::1%eth0", "1::2::3",
      "10.0.0.0/8", "2001:db8::/129", 6.5]
GROUPS = ["sg-1", "sg-2", " sg-3 ", 7, ["sg-4"]]
LISTS = ["pl-1", "pl 2", "pl-é", 3, True, "prl-1"]
VALUES: dict[str, list[Any]] = {
    "Direction": ["ingress", "egress", "Ingress", " EGRESS ", "inbound", 1, True],
    "Policy": ["Accept", "accept", "Drop", "DROP", "allow", 0],
    "Priority": [1, 100, 50, 0, 101, "1", "10", " 5 ", "01", "-1", "abc", True, 1.0, 10**40],
    "IpProtocol": ["TCP", "udp", "ICMP", "icmpv6", "GRE", "ALL", "all", "sctp", 6, "Tcp"],
    "PortRange": PORTS, "SourcePortRange": PORTS,
    "SourceCidrIp": V4, "DestCidrIp": V4, "Ipv6SourceCidrIp": V6, "Ipv6DestCidrIp": V6,
    "SourceGroupId": GROUPS, "DestGroupId": GROUPS,
    "SourceGroupOwnerAccount": ["123", " 456 ", 789], "SourceGroupOwnerId": ["321", 654],
    "DestGroupOwnerAccount": ["123"], "DestGroupOwnerId": [987],
    "SourcePrefixListId": LISTS, "DestPrefixListId": LISTS, "PortRangeListId": LISTS,
    "NicType": ["intranet", "internet", "Intranet", "INTERNET", "wan"],
    "Description": ["web", "  web   server  ", 5, "é\u2028x"],
    "SecurityGroupRuleId": ["sgr-1", " sgr-2 ", 9],
    "CreateTime": ["2024-01-01T00:00:00Z"], "SourceGroupName": ["web"],
    "Unknown": ["x"],
}
# Which fields a permission sets: the common shapes often, anything sometimes.
COMMON = [("Direction", "Policy", "Priority", "IpProtocol", "PortRange", "SourceCidrIp", "NicType"),
          ("Direction", "IpProtocol", "PortRange", "DestCidrIp"),
          ("Direction", "Policy", "Priority", "IpProtocol", "PortRange", "Ipv6SourceCidrIp"),
          ("Direction", "IpProtocol", "PortRange", "SourceGroupId", "SourceGroupOwnerAccount"),
          ("Direction", "IpProtocol", "PortRange", "DestPrefixListId", "SourcePrefixListId"),
          ("Direction", "IpProtocol", "SourceCidrIp", "DestCidrIp", "Ipv6DestCidrIp")]


@st.composite
def permissions(draw: Any) -> dict[str, Any]:
    names = set(draw(st.sampled_from(COMMON)))
    names ^= set(draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=4)))
    perm: dict[str, Any] = {}
    for name in sorted(VALUES):
        if name in names:
            good = draw(st.integers(0, 4)) > 0  # mostly the first, well-formed values
            values = VALUES[name][:3] if good else VALUES[name] + BLANKS
            perm[name] = draw(st.sampled_from(values))
        elif draw(st.booleans()):
            perm[name] = draw(st.sampled_from(BLANKS))  # the API writes every field, blank
    return perm


contexts = st.tuples(st.sampled_from([Network.VPC, Network.CLASSIC]),
                     st.sampled_from([None, None, Direction.INGRESS, Direction.EGRESS]))


def _node(perms: list[dict[str, Any]], strict: bool) -> list[Node]:
    text = json.dumps({"SecurityGroupId": "sg-x", "Permissions": {"Permission": perms}},
                      indent=1, ensure_ascii=False)
    doc = (parse_json_strict if strict else parse_json)(text)
    root = Node.root(Src("g.json", doc))
    return list(root.child("Permissions").child("Permission").elements())


def _read(node: Node, ctx: PermissionContext, fast: bool) -> tuple[RuleDraft | None, Sink]:
    sink = Sink()
    sink.warn_once("cidr-and-group", node, "said once already")  # the per-file memory counts
    rule = quick_permission(node.value, ctx, node) if fast else None
    return rule or convert_permission(sink, node.fields(), ctx, node), sink


def _shown(draft: RuleDraft | None) -> Any:
    """Everything about a draft, spans and the places of group references included."""
    if draft is None:
        return None
    rule = draft.rule
    peers = (rule.src or ()) + (rule.dst or ())
    return (rule, (rule.span.path, rule.span.line, rule.span.col),
            [(p.span.line, p.span.col) if p.span else None for p in peers],
            [(r, r.at.where, r.at.span.line, r.at.span.col) if r.at else r for r in draft.refs],
            draft.at.path)


@settings(max_examples=1500, deadline=None)
@given(permissions(), contexts, st.booleans())
def test_fast_and_general_read_a_permission_alike(perm: dict[str, Any], context: Any,
                                                  strict: bool) -> None:
    network, direction = context
    (node,) = _node([perm], strict)
    results = []
    for fast in (True, False):
        ctx = PermissionContext(GroupDraft(node, "sg-x", None, [], network), direction)
        draft, sink = _read(node, ctx, fast)
        results.append((_shown(draft), [(d.code, d.message, d.span.line, d.span.col)
                                        for d in sink.diagnostics], sink._once))
    assert results[0] == results[1]


def test_the_common_shapes_take_the_fast_path() -> None:
    """A plain CIDR, a port range, a priority (number or string), -1/-1, IPv6, a group and
    a prefix list read without the general path (the property test above would pass with
    a fast path that never answers)."""
    base = {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
            "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8", "NicType": "intranet",
            "DestCidrIp": "", "SourceGroupId": "", "Description": "", "PortRangeListId": ""}
    shapes = [base, dict(base, Priority="100"), dict(base, IpProtocol="ALL", PortRange="-1/-1"),
              dict(base, SourceCidrIp="", Ipv6SourceCidrIp="2001:db8::/32"),
              dict(base, SourceCidrIp="", SourceGroupId="sg-1", SourceGroupOwnerAccount="1"),
              dict(base, SourceCidrIp="", SourcePrefixListId="pl-1"),
              dict(base, Direction="egress", SourceCidrIp="", DestCidrIp="1.2.3.4")]
    for node in _node(shapes, strict=False):
        ctx = PermissionContext(GroupDraft(node, "sg-x", None, []))
        assert quick_permission(node.value, ctx, node) is not None, node.value
    unusual = [dict(base, SourceCidrIp="10.0.0.1/8"),  # W110: host bits
               dict(base, SourceGroupId="sg-1"),  # W125: the CIDR block wins
               dict(base, NicType="internet"),  # W125 in a VPC group
               dict(base, PortRangeListId="prl-1")]
    for node in _node(unusual, strict=False):
        ctx = PermissionContext(GroupDraft(node, "sg-x", None, []))
        assert quick_permission(node.value, ctx, node) is None, node.value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(permissions(), min_size=1, max_size=6), st.booleans(), st.data())
def test_an_import_run_reads_alike_with_or_without_the_fast_path(
        tmp_path: Path, perms: list[dict[str, Any]], classic: bool, data: Any) -> None:
    doc = {"SecurityGroupId": "sg-x", "SecurityGroupType": "normal", "VpcId": "" if classic
           else "vpc-1", "Permissions": {"Permission": perms}}
    other = {"SecurityGroupId": "sg-1", "VpcId": "" if classic else "vpc-1",
             "Permissions": {"Permission": data.draw(st.lists(permissions(), max_size=2))}}
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    paths[0].write_text(json.dumps(doc, indent=data.draw(st.sampled_from([None, 1]))))
    paths[1].write_text(json.dumps(other))

    def run() -> Any:
        result = import_files([ImportRequest(str(p)) for p in paths])
        return (result.documents, [(d.code, d.message, str(d.span)) for d in result.diagnostics],
                [[(r.span.line, r.span.col) for st_ in doc.statements
                  for r in getattr(st_, "rules", ())] for doc in result.documents])

    fast = run()
    with mock.patch.object(aliyun, "quick_permission", lambda *a: None), \
            mock.patch.object(quick_rules, "quick_permission", lambda *a: None), \
            mock.patch.object(quick_rules, "_quick", lambda *a: None):
        general = run()
    assert fast == general
