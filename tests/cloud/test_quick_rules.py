"""The one-pass reading of a group's permissions (``cloud.quick_rules``, issue 14) is the
general reader's: on generated permissions, well-formed and malformed, a ``QuickRule`` is
made only for a permission the general reader reads without a diagnostic, its draft is
that reader's draft (fields, spans, group references) and its text is the printer's; a
whole import run gives the same documents and diagnostics (file:line:col) with the quick
path as without it; and ``import_files(printed=True)`` prints what ``format_document``
prints of the full documents, while the documents it keeps for the resolver give the
resolver's very diagnostics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sgverify.cloud import assemble, importer, quick_rules
from sgverify.cloud.assemble import GroupDraft, LazyRule
from sgverify.cloud.importer import ImportRequest, import_files
from sgverify.cloud.permission import FIELDS, PermissionContext, convert_permission, parse_port_range
from sgverify.cloud.quick_rules import QuickRule, read_permissions
from sgverify.cloud.source import Node, Sink, Src
from sgverify.cloud.jsondoc import parse_json
from sgverify.core.model import Network
from sgverify.lang.printer import format_document, format_rule
from sgverify.lang.resolve import resolve

from .test_permission_fast import VALUES, _shown, permissions

CONFIG = settings(max_examples=300, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])


def _list_node(perms: list[Any]) -> Node:
    text = json.dumps({"SecurityGroupId": "sg-x", "Permissions": {"Permission": perms}},
                      indent=1, ensure_ascii=False)
    root = Node.root(Src("g.json", parse_json(text)))
    return root.child("Permissions").child("Permission")


def _general(sink: Sink, node: Node, ctx: PermissionContext) -> list[Any]:
    out = []
    for i, value in enumerate(node.value):
        at = node.child(i)
        if not isinstance(value, dict):
            sink.error("E001", at, f"expected a permission object, found {at.shown_value}")
            continue
        if not FIELDS.issuperset(value):
            sink.unknown_fields(at, FIELDS)
        rule = convert_permission(sink, at.fields(), ctx, at)
        if rule is not None:
            out.append(rule)
    return out


@CONFIG
@given(st.lists(st.one_of(permissions(), st.just("x")), max_size=5),
       st.sampled_from([Network.VPC, Network.CLASSIC]))
def test_quick_permissions_read_as_the_general_reader(perms: list[Any], network: Network) -> None:
    node = _list_node(perms)
    results = []
    for quick in (True, False):
        sink = Sink()
        sink.warn_once("cidr-and-group", node, "said once already")  # the per-file memory
        ctx = PermissionContext(GroupDraft(node, "sg-x", None, [], network))
        if quick:
            out: list[Any] = []
            read_permissions(sink, node, node.value, ctx, out)
            for rule in out:
                if isinstance(rule, QuickRule):
                    # a quick rule is one the general reader reads without a word
                    scratch = Sink()
                    general = convert_permission(scratch, rule.at.fields(), ctx, rule.at)
                    assert general is not None and not scratch.diagnostics
                    if not rule.refs:  # its text is the printer's
                        assert rule.text == format_rule(rule.draft().rule)
                        assert rule.single == all(len(x or ()) <= 1 for x in (
                            rule.draft().rule.src, rule.draft().rule.dst))
                    assert rule.nic == rule.draft().rule.nic
            drafts = [r.draft() if isinstance(r, LazyRule) else r for r in out]
        else:
            drafts = _general(sink, node, ctx)
        sink.finish()
        results.append(([_shown(d) for d in drafts],
                        [(d.code, d.message, d.span.line, d.span.col) for d in sink.diagnostics],
                        sink._once))
    assert results[0] == results[1]


def test_the_common_shapes_take_the_quick_path() -> None:
    """A block of either family, a port range, a priority (number or string), -1/-1, a
    group, a prefix list and an interface-side block read quickly (the tests above would
    pass with a quick path that never answers); what the general reader reports does not."""
    base = {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
            "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8", "NicType": "intranet",
            "DestCidrIp": "", "SourceGroupId": "", "Description": "", "PortRangeListId": ""}
    shapes = [base, dict(base, Priority="100"), dict(base, IpProtocol="ALL", PortRange="-1/-1"),
              dict(base, SourceCidrIp="", Ipv6SourceCidrIp="2001:db8::/32"),
              dict(base, SourceCidrIp="", SourceGroupId="sg-1", SourceGroupOwnerAccount="1"),
              dict(base, SourceCidrIp="", SourcePrefixListId="pl-1"),
              dict(base, Direction="egress", SourceCidrIp="", DestCidrIp="1.2.3.4"),
              dict(base, DestCidrIp="10.0.0.1", Description="  web  ", SecurityGroupRuleId="r")]
    unusual = [dict(base, SourceCidrIp="10.0.0.1/8"),  # W110: host bits
               dict(base, SourceGroupId="sg-1"),  # W125: the CIDR block wins
               dict(base, NicType="internet"),  # W125 in a VPC group
               dict(base, PortRangeListId="prl-1")]
    node = _list_node(shapes + unusual)
    out: list[Any] = []
    ctx = PermissionContext(GroupDraft(node, "sg-x", None, []))
    read_permissions(Sink(), node, node.value, ctx, out)
    assert [isinstance(r, QuickRule) for r in out] == [True] * len(shapes) + [False] * 4
    assert [r.quiet for r in out[:len(shapes)]] == [True] * 5 + [False, True, False]
    assert out[0].text == "ingress accept tcp 22 from 10.0.0.0/8 priority 1"



def test_a_settled_quick_rule_lets_its_draft_go_and_makes_the_same_one_again() -> None:
    """``settle`` (the assembler has the rule's node) frees the draft; a later ``draft()``
    makes an equal one, not a stale or missing one."""
    perm = {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
            "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8", "NicType": "intranet"}
    node = _list_node([perm])
    out: list[Any] = []
    read_permissions(Sink(), node, node.value, PermissionContext(GroupDraft(node, "sg-x", None, [])),
                     out)
    (rule,) = out
    assert isinstance(rule, QuickRule)
    first = rule.draft()
    assert rule.draft() is first  # kept until settled
    rule.settle()
    again = rule.draft()
    assert again is not first and again.rule == first.rule and again.refs == first.refs


# ---------------------------------------------------------------- whole runs

GROUP_IDS = ["sg-0", "sg-1", "sg-2", "sg-9"]
BLOCKS4 = ["10.0.0.0/8", "1.2.3.4", "0.0.0.0/0", "1.2.3.4/24", " 10.1.0.0/16 ", "10.0.0.256"]
BLOCKS6 = ["2001:db8::/32", "::/0", "2001:db8::1/64", "::ffff:1.2.3.4", "10.0.0.0/8"]


@st.composite
def rules(draw: Any) -> dict[str, Any]:
    """Mostly well-formed permissions (printed runs need runs without errors), with the
    resolver's own reasons to speak: icmp with IPv6 peers, groups of other accounts."""
    if draw(st.integers(0, 9)) == 0:
        return draw(permissions())
    protocol = draw(st.sampled_from(["TCP", "udp", "ICMP", "icmpv6", "ALL", "GRE"]))
    ingress = draw(st.booleans())
    side, other = ("Source", "Dest") if ingress else ("Dest", "Source")
    perm: dict[str, Any] = {
        "Direction": "ingress" if ingress else draw(st.sampled_from(["egress", " Egress "])),
        "IpProtocol": protocol, "Policy": draw(st.sampled_from(["Accept", "drop", ""])),
        "Priority": draw(st.sampled_from([1, 100, "7", ""])),
        "PortRange": draw(st.sampled_from(["22/22", "1/65535", "-1/-1", "80/8080"]))
        if protocol in ("TCP", "udp") else draw(st.sampled_from(["-1/-1", ""])),
        "NicType": draw(st.sampled_from(["intranet", "", "internet"])),
        "Description": draw(st.sampled_from(["", "web  tier", 'a"b', "\u2028"])),
        "SecurityGroupRuleId": draw(st.sampled_from(["", "sgr-1", "r 2"])),
        "PortRangeListId": ""}
    kind = draw(st.sampled_from(["v4", "v4", "v6", "both", "group", "list", "local"]))
    if kind in ("v4", "both", "local"):
        perm[side + "CidrIp"] = draw(st.sampled_from(BLOCKS4))
    if kind in ("v6", "both"):
        perm["Ipv6" + side + "CidrIp"] = draw(st.sampled_from(BLOCKS6))
    if kind == "local":
        perm[other + "CidrIp"] = draw(st.sampled_from(BLOCKS4))
    if kind == "group":
        perm[side + "GroupId"] = draw(st.sampled_from(GROUP_IDS))
        perm[side + "GroupOwnerAccount"] = draw(st.sampled_from(["", "", "123", "9"]))
    if kind == "list":
        perm[side + "PrefixListId"] = draw(st.sampled_from(["pl-1", "pl-2"]))
    return perm


@st.composite
def runs(draw: Any) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 3))):
        gid = draw(st.sampled_from(GROUP_IDS[:3])) if i else "sg-0"
        perms = draw(st.lists(rules(), max_size=6))
        perms += draw(st.lists(st.sampled_from(perms), max_size=2)) if perms else []  # pages
        docs.append({"SecurityGroupId": gid, "SecurityGroupName": draw(st.sampled_from(
            [gid, "web", "tcp", "sg-1", ""])), "OwnerId": draw(st.sampled_from(["", "123"])),
            "SecurityGroupType": draw(st.sampled_from(["normal", "enterprise"])),
            "VpcId": draw(st.sampled_from(["vpc-1", "vpc-1", ""])),
            "Permissions": {"Permission": perms}})
    if draw(st.booleans()):
        docs.append({"PrefixListId": "pl-1", "AddressFamily": "IPv4",
                     "Entries": {"Entry": draw(st.sampled_from([[], [{"Cidr": "10.0.0.0/8"}]]))}})
    return docs


def _write(tmp_path: Path, docs: list[dict[str, Any]], indent: int | None) -> list[Path]:
    paths = []
    for i, doc in enumerate(docs):
        path = tmp_path / f"f{i}.json"
        path.write_text(json.dumps(doc, indent=indent))
        paths.append(path)
    return paths


def _diags(diags: list[Any]) -> list[Any]:
    return [(d.code, d.message, str(d.span), [(str(s), m) for s, m in d.notes]) for d in diags]


def _run(paths: list[Path], printed: bool = False) -> Any:
    return import_files([ImportRequest(str(p)) for p in paths], printed=printed)


def _whole(result: Any) -> Any:
    """Documents, diagnostics and every rule's span (spans do not compare)."""
    return (result.documents, _diags(result.diagnostics),
            [[(r.span.line, r.span.col, [(p.span.line, p.span.col) if p.span else None
                                         for p in (r.src or ()) + (r.dst or ())])
              for st_ in doc.statements for r in getattr(st_, "rules", ())]
             for doc in result.documents])


@CONFIG
@given(runs(), st.sampled_from([None, 1]))
@example([{"SecurityGroupId": "sg-0", "VpcId": "vpc-1", "Permissions": {"Permission": [
    {"Direction": "ingress", "IpProtocol": "ICMP", "PortRange": "-1/-1",
     "Ipv6SourceCidrIp": "2001:db8::/32"}]}}], None)  # E116 from the resolver
def test_an_import_run_reads_alike_with_or_without_the_quick_path(
        tmp_path: Path, docs: list[dict[str, Any]], indent: int | None) -> None:
    paths = _write(tmp_path, docs, indent)
    quick = _whole(_run(paths))
    with mock.patch.object(quick_rules, "_quick", lambda *a: None):
        general = _whole(_run(paths))
    assert quick == general


@CONFIG
@given(runs(), st.sampled_from([None, 1]))
def test_a_printed_run_prints_and_resolves_as_the_full_documents(
        tmp_path: Path, docs: list[dict[str, Any]], indent: int | None) -> None:
    paths = _write(tmp_path, docs, indent)
    full, printed = _run(paths), _run(paths, printed=True)
    assert _diags(printed.diagnostics) == _diags(full.diagnostics)
    assert [d.path for d in printed.documents] == [d.path for d in full.documents]
    assert printed.printed == [format_document(d) for d in full.documents]
    if not full.has_errors:
        assert _diags(resolve(printed.documents)[1]) == _diags(resolve(full.documents)[1])


@given(st.one_of(st.sampled_from(VALUES["PortRange"]),
                 st.builds(lambda a, b: f"{a}/{b}", st.integers(-2, 70000), st.integers(-2, 70000)),
                 st.text("0123456789/ -", max_size=12)))
def test_port_ranges_read_quickly_as_the_general_reader(raw: Any) -> None:
    """``_read_ports``'s shortcut for plain "lo/hi" gives ``parse_port_range``'s reading."""
    quick_rules._PORTS.memo.clear()
    got = quick_rules._read_ports(raw)
    sink = Sink()
    if quick_rules._blank(raw):
        assert got == quick_rules._BLANK
        return
    general = parse_port_range(sink, Node(raw, Src("", parse_json("null"))))
    if sink.diagnostics:
        assert got is None
    else:
        assert got is not None and got[0] == general


@pytest.mark.parametrize("printed", [False, True])
def test_each_group_lets_its_json_go_once_its_node_is_made(tmp_path: Path, printed: bool) -> None:
    """The memory of reading an estate: the decoded root of a file goes once its format's
    reader has run, and a group's drafts (which hold its permissions' JSON) once
    ``Batch.finish`` has made its node, before the next group's nodes are made; the
    documents are the same as ever (``test_an_import_run_reads_alike...``)."""
    docs = [{"SecurityGroupId": f"sg-{i}", "VpcId": "vpc-1", "Permissions": {"Permission": [
        {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "22/22", "Policy": "Accept",
         "SourceCidrIp": f"10.0.{i}.0/24", "Priority": 1},
        {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "80/80", "Policy": "Accept",
         "SourceGroupId": f"sg-{1 - i}", "Priority": 1}]}} for i in range(2)]
    paths = _write(tmp_path, docs, 1)
    parsed: list[Any] = []
    held: list[list[tuple[object, int]]] = []  # per group node made: what the drafts still hold
    finish, group_node = assemble.Batch.finish, assemble.GroupNode

    def watched_parse(*args: Any, **kwargs: Any) -> Any:
        doc = parse_json(*args, **kwargs)
        parsed.append(doc)
        return doc

    def watched_finish(self: assemble.Batch, with_text: bool = False) -> Any:
        def node(*args: Any, **kwargs: Any) -> Any:
            held.append([(g.at.value, len(g.rules)) for g in self.groups])
            return group_node(*args, **kwargs)
        with mock.patch.object(assemble, "GroupNode", node):
            return finish(self, with_text)

    with mock.patch.object(importer, "parse_json", watched_parse), \
            mock.patch.object(assemble.Batch, "finish", watched_finish):
        result = _run(paths, printed=printed)
    assert not result.has_errors
    assert len(parsed) == 2 and all(doc.value is None for doc in parsed)
    assert len(held) == 2
    # when the second group's node is made, the first's drafts are gone; its own are not
    (first_at, first_rules), (second_at, second_rules) = held[1]
    assert (first_at, first_rules) == (None, 0)
    assert second_at is not None and second_rules == 2
    if not printed:
        assert [len(st_.rules) for d in result.documents for st_ in d.statements] == [2, 2]
