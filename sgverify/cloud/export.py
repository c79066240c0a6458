"""Resolved groups -> Alibaba Cloud API JSON (``sgverify export --format aliyun``): one
``DescribeSecurityGroupAttribute``-shaped document per group, as a JSON list.

The API holds one peer, one destination port range and one source port range per
permission, so a rule with several of each becomes the cross product of permissions.
Combinations that can never match (an IPv4 peer with an IPv6 interface-side block, ICMP
with an IPv6 peer) are left out; known prefix and port lists are written as their entries.
Importing the result gives groups that accept exactly the same flows (tested).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, Callable, Iterable, Iterator

from ..core.addresses import V4, V6
from ..core.diagnostics import Span
from ..core.model import (
    ICMP,
    ICMPV6,
    PORT_PROTOCOLS,
    Action,
    Direction,
    Group,
    GroupType,
    Network,
    Nic,
    Policy,
    PortRange,
    Rule,
)

PROTOCOLS = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6", 47: "GRE", None: "ALL"}
VPC_PLACEHOLDER = "vpc-unspecified"  # the model has no VPC id; VpcId present marks a VPC group
FIELDS = ("SecurityGroupRuleId", "Direction", "Policy", "Priority", "IpProtocol", "PortRange",
          "SourcePortRange", "SourceCidrIp", "Ipv6SourceCidrIp", "SourceGroupId",
          "SourceGroupOwnerAccount", "SourcePrefixListId", "DestCidrIp", "Ipv6DestCidrIp",
          "DestGroupId", "DestGroupOwnerAccount", "DestPrefixListId", "PortRangeListId", "NicType",
          "Description")


@dataclass(frozen=True)
class ExportProblem:
    """Something the API cannot express (the export is refused)."""

    message: str
    span: Span | None


def _range(p: PortRange) -> str:
    return f"{p.lo}/{p.hi}"


_AT = {name: i for i, name in enumerate(FIELDS)}
# Where a permission's peer and interface-side values go, by direction: the IPv4 block,
# the IPv6 block, the group, its owner, the prefix list; the interface side's two blocks.
_SIDES = {inbound: tuple(_AT[f"{pre}{side}{name}"] for pre, side, name in (
    ("", peer, "CidrIp"), ("Ipv6", peer, "CidrIp"), ("", peer, "GroupId"),
    ("", peer, "GroupOwnerAccount"), ("", peer, "PrefixListId"), ("", local, "CidrIp"),
    ("Ipv6", local, "CidrIp")))
    for inbound, peer, local in ((True, "Source", "Dest"), (False, "Dest", "Source"))}
_RANGE, _LIST, _SPORT = _AT["PortRange"], _AT["PortRangeListId"], _AT["SourcePortRange"]


def _as_is(text: str) -> str:
    return text


def _rows(rule: Rule, enc: Callable[[str], str] = _as_is) -> list[list[Any]]:
    """The API permissions equivalent to ``rule``, each as its values in ``FIELDS`` order:
    the cross product of its peers, destination ports, source ports and interface-side
    blocks, in that order, without the pairs that can never match. ``enc`` is applied to
    each string value (``export_text`` writes them as JSON strings)."""
    inbound = rule.direction is Direction.INGRESS
    cidr4, cidr6, group_at, owner_at, pl_at, local4, local6 = _SIDES[inbound]
    if rule.unresolved_ports is not None:
        port_at, port_values = _LIST, [enc(rule.unresolved_ports.removeprefix("port list "))]
    elif rule.protocol in PORT_PROTOCOLS:
        port_at = _RANGE
        port_values = [enc(_range(p)) for p in rule.ports] if rule.ports is not None else \
            [enc("1/65535")]
    else:
        port_at, port_values = _RANGE, [enc("-1/-1")]
    blank = enc("")
    sports = [enc(_range(p)) for p in rule.source_ports] if rule.source_ports is not None \
        else [blank]
    # (family or 0, where, value, where, value) for each peer item; the same for each local
    peers: list[tuple[Any, ...]] = []
    for c in rule.peer.addresses.cidrs():
        six = ":" in c
        peers.append((V6 if six else V4, cidr6 if six else cidr4, enc(c), None, None))
    if rule.peer.groups:
        peers += [(0, group_at, enc(k.ident), owner_at, enc(k.account))
                  for k in sorted(rule.peer.groups)]
    if rule.peer.unresolved:
        peers += [(0, pl_at, enc(name.removeprefix("prefix list ")), None, None)
                  for name in rule.peer.unresolved]
    locals_: list[tuple[int, int | None, str | None]] = [(0, None, None)]
    if rule.local is not None:
        locals_ = [(V6, local6, enc(c)) if ":" in c else (V4, local4, enc(c))
                   for c in rule.local.cidrs()]
    never = V6 if rule.protocol == ICMP else V4 if rule.protocol == ICMPV6 else -1
    # (enum members compared by identity: hashing one runs Python code, a dict would too)
    base: list[Any] = [blank, enc("ingress" if inbound else "egress"),
                       enc("Accept" if rule.action is Action.ACCEPT else "Drop"),
                       rule.priority, enc(PROTOCOLS[rule.protocol]), blank, blank, blank, blank,
                       blank, blank, blank, blank, blank, blank, blank, blank, blank,
                       enc("intranet" if rule.nic is Nic.INTRANET else "internet"),
                       enc(rule.description)]
    out = []
    for family, at, value, at2, value2 in peers:
        if family == never:
            continue  # ICMP is IPv4 only, ICMPv6 IPv6 only
        for port in port_values:
            for sport in sports:
                for local_family, local_at, local in locals_:
                    if local_family and (local_family == never or family and family != local_family):
                        continue  # IPv4 and IPv6 at once, or ICMP(v6) of the other family
                    row = base.copy()
                    row[port_at] = port
                    row[_SPORT] = sport
                    row[at] = value
                    if at2 is not None:
                        row[at2] = value2
                    if local_at is not None:
                        row[local_at] = local
                    out.append(row)
    if rule.rule_id:
        for i, row in enumerate(out, 1):
            row[0] = enc(rule.rule_id if len(out) == 1 else f"{rule.rule_id}-{i}")
    return out


def permissions(rule: Rule, network: Network) -> list[dict[str, Any]]:
    """The API permissions equivalent to ``rule``."""
    return [dict(zip(FIELDS, row)) for row in _rows(rule)]


def group_document(g: Group, with_permissions: bool = True) -> dict[str, Any]:
    """The group as a DescribeSecurityGroupAttribute document (without "Permissions" when
    not ``with_permissions``: ``export_text`` writes those itself)."""
    doc: dict[str, Any] = {
        "SecurityGroupId": g.gid or g.name,
        "SecurityGroupName": g.name,
        "Description": g.description,
        "SecurityGroupType": "enterprise" if g.gtype is GroupType.ENTERPRISE else "normal",
        "InnerAccessPolicy": "Accept" if g.gtype is GroupType.BASIC and g.intra is Action.ACCEPT
        else "Drop",
    }
    if g.network is Network.VPC:
        doc["VpcId"] = VPC_PLACEHOLDER
    if g.owner:
        doc["OwnerId"] = g.owner  # sgverify's extension: the owner account of the group
    doc["NextToken"] = ""
    if with_permissions:
        doc["Permissions"] = {"Permission": [p for r in g.rules for p in permissions(r, g.network)]}
    return doc


# One permission as ``json.dumps(..., indent=2)`` writes it inside an export: an item of
# the list "Permission" of the object "Permissions" of a group, of the top-level list.
def _permission_format(given: Iterable[int]) -> str:
    """The text of a permission with a slot (%s, %d for the priority) for the values of the
    fields at ``given``, the others empty strings."""
    slots = set(given)
    return "{\n" + ",\n".join(
        f'          "{name}": ' + (("%d" if name == "Priority" else "%s") if i in slots else '""')
        for i, name in enumerate(FIELDS)) + "\n        }"


_PERMISSION = _permission_format(range(len(FIELDS)))
_text = encode_basestring  # a JSON string, non-ASCII as itself (ensure_ascii=False)
# The one permission of the commonest rule: its id, direction, policy, priority, protocol,
# destination ports, one block (by direction and family) or one group (its id and owner),
# NIC type and description, the slots in FIELDS order; by (inbound, "cidr4" | "cidr6" | "group").
_WORDS = [_AT[f] for f in ("SecurityGroupRuleId", "Direction", "Policy", "Priority",
                           "IpProtocol", "PortRange")]
_ONE = {(inbound, kind): _permission_format(
    _WORDS + [_AT["NicType"], _AT["Description"]] + [_SIDES[inbound][i] for i in at])
    for inbound in (True, False)
    for kind, at in (("cidr4", (0,)), ("cidr6", (1,)), ("group", (2, 3)))}


def _permission_texts(rule: Rule) -> list[str]:
    """The permissions of ``rule`` as text. The commonest rule (one block or one group,
    one destination port range, nothing else) has one, written directly; any other is
    written from its rows."""
    peer = rule.peer
    if rule.local is None and rule.source_ports is None and rule.unresolved_ports is None \
            and not peer.unresolved and len(peer.addresses.ranges) + len(peer.groups) == 1:
        ports = rule.ports
        if rule.protocol not in PORT_PROTOCOLS:
            port: str | None = "-1/-1"
        elif ports is None:
            port = "1/65535"
        else:
            port = f"{ports[0].lo}/{ports[0].hi}" if len(ports) == 1 else None
        inbound = rule.direction is Direction.INGRESS
        e = _text
        if port is not None and peer.groups:
            (k,) = peer.groups
            return [_ONE[inbound, "group"] % (
                e(rule.rule_id or ""), e("ingress" if inbound else "egress"),
                e("Accept" if rule.action is Action.ACCEPT else "Drop"), rule.priority,
                e(PROTOCOLS[rule.protocol]), e(port), e(k.ident), e(k.account),
                e("intranet" if rule.nic is Nic.INTRANET else "internet"), e(rule.description))]
        cidrs = peer.addresses.cidrs() if port is not None else ()
        if len(cidrs) == 1:
            six = ":" in cidrs[0]
            if (six and rule.protocol == ICMP) or (not six and rule.protocol == ICMPV6):
                return []  # ICMP is IPv4 only, ICMPv6 IPv6 only
            return [_ONE[inbound, "cidr6" if six else "cidr4"] % (
                e(rule.rule_id or ""), e("ingress" if inbound else "egress"),
                e("Accept" if rule.action is Action.ACCEPT else "Drop"), rule.priority,
                e(PROTOCOLS[rule.protocol]), e(port), e(cidrs[0]),
                e("intranet" if rule.nic is Nic.INTRANET else "internet"), e(rule.description))]
    return [_PERMISSION % tuple(row) for row in _rows(rule, _text)]


def export_text(groups: Iterable[Group]) -> Iterator[str]:
    """The export of ``groups`` as text, in pieces: exactly
    ``json.dumps([group_document(g) for g in groups], indent=2, ensure_ascii=False)``
    (tests/cloud/test_export_text.py compares both), each group's permissions written by
    one format string rather than encoded value by value (8 of 13 s of an export of
    200,000 rules)."""
    first = True
    for g in groups:
        doc = group_document(g, with_permissions=False)
        head = ",\n    ".join(f"{_text(k)}: {_text(v) if type(v) is str else json.dumps(v)}"
                                 for k, v in doc.items())
        perms = [p for r in g.rules for p in _permission_texts(r)]
        body = ("[\n        " + ",\n        ".join(perms) + "\n      ]") if perms else "[]"
        yield (("[\n  " if first else ",\n  ") + "{\n    " + head + ",\n    \"Permissions\": {\n"
               "      \"Permission\": " + body + "\n    }\n  }")
        first = False
    yield "[]" if first else "\n]"


def export_problems(policy: Policy) -> list[ExportProblem]:
    out = []
    for g in policy.groups:
        if g.gtype is GroupType.AWS:
            out.append(ExportProblem(f"group {g.name} is an AWS-profile group; it has no Alibaba "
                                     "Cloud form", g.span))
        for r in g.rules:
            if r.protocol not in PROTOCOLS:
                out.append(ExportProblem(f"rule {r.name} of group {g.name}: protocol {r.protocol} "
                                         "has no Alibaba Cloud API form (IpProtocol is TCP, UDP, "
                                         "ICMP, ICMPv6, GRE or ALL)", r.span))
    return out


def export_aliyun(policy: Policy) -> list[dict[str, Any]]:
    """The documents of every group of ``policy`` (check ``export_problems`` first)."""
    return [group_document(g) for g in policy.groups]


__all__ = ["export_aliyun", "export_problems", "export_text", "group_document", "permissions",
           "ExportProblem"]
