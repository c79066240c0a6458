"""Resolved groups -> Alibaba Cloud API JSON (``sgverify export --format aliyun``): one
``DescribeSecurityGroupAttribute``-shaped document per group, as a JSON list.

The API holds one peer, one destination port range and one source port range per
permission, so a rule with several of each becomes the cross product of permissions.
Combinations that can never match (an IPv4 peer with an IPv6 interface-side block, ICMP
with an IPv6 peer) are left out; known prefix and port lists are written as their entries.
Importing the result gives groups that accept exactly the same flows (tested).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

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


def _peer_items(rule: Rule) -> list[tuple[str, Any]]:
    """The rule's peer as API alternatives: ('cidr', text), ('group', key), ('pl', id)."""
    items: list[tuple[str, Any]] = [("cidr", c) for c in rule.peer.addresses.cidrs()]
    items += [("group", k) for k in sorted(rule.peer.groups)]
    items += [("pl", name.removeprefix("prefix list ")) for name in rule.peer.unresolved]
    return items


def _family(cidr: str) -> int:
    return V6 if ":" in cidr else V4


def permissions(rule: Rule, network: Network) -> list[dict[str, Any]]:
    """The API permissions equivalent to ``rule``."""
    inbound = rule.direction is Direction.INGRESS
    peer_side, local_side = ("Source", "Dest") if inbound else ("Dest", "Source")
    if rule.unresolved_ports is not None:
        port_items: list[tuple[str, str]] = [("list", rule.unresolved_ports.removeprefix("port list "))]
    elif rule.protocol in PORT_PROTOCOLS:
        port_items = [("range", _range(p)) for p in rule.ports] if rule.ports is not None else \
            [("range", "1/65535")]
    else:
        port_items = [("range", "-1/-1")]
    sports = [_range(p) for p in rule.source_ports] if rule.source_ports is not None else [""]
    locals_: list[str | None] = list(rule.local.cidrs()) if rule.local is not None else [None]
    out = []
    for (kind, value), (pkind, ports), sport, local in itertools.product(
            _peer_items(rule), port_items, sports, locals_):
        fams = set()
        if kind == "cidr":
            fams.add(_family(value))
        if local is not None:
            fams.add(_family(local))
        if len(fams) > 1:
            continue  # IPv4 and IPv6 at once: no flow matches
        if (rule.protocol == ICMP and V6 in fams) or (rule.protocol == ICMPV6 and V4 in fams):
            continue  # ICMP is IPv4 only, ICMPv6 IPv6 only
        p: dict[str, Any] = {f: "" for f in FIELDS}
        p.update({"Direction": rule.direction.value,
                  "Policy": "Accept" if rule.action is Action.ACCEPT else "Drop",
                  "Priority": rule.priority, "IpProtocol": PROTOCOLS[rule.protocol],
                  "PortRange": ports if pkind == "range" else "",
                  "PortRangeListId": ports if pkind == "list" else "",
                  "SourcePortRange": sport, "NicType": rule.nic.value,
                  "Description": rule.description})
        if kind == "cidr":
            p[("Ipv6" if _family(value) == V6 else "") + f"{peer_side}CidrIp"] = value
        elif kind == "group":
            p[f"{peer_side}GroupId"] = value.ident
            p[f"{peer_side}GroupOwnerAccount"] = value.account
        else:
            p[f"{peer_side}PrefixListId"] = value
        if local is not None:
            p[("Ipv6" if _family(local) == V6 else "") + f"{local_side}CidrIp"] = local
        out.append(p)
    if rule.rule_id:
        for i, p in enumerate(out, 1):
            p["SecurityGroupRuleId"] = rule.rule_id if len(out) == 1 else f"{rule.rule_id}-{i}"
    return out


def group_document(g: Group) -> dict[str, Any]:
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
    doc["Permissions"] = {"Permission": [p for r in g.rules for p in permissions(r, g.network)]}
    return doc


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


__all__ = ["export_aliyun", "export_problems", "group_document", "permissions", "ExportProblem"]
