"""Rules with fields that cannot be known statically (Terraform variables without a value,
attributes known only after apply, ROS functions sgverify does not evaluate).

Such a rule is not refused: it is read with what is known, and what is not known becomes
an *unresolved list*, the form of unknown the engines already decide over (an unresolved
prefix list: "the peer may be anything"; an unresolved port list: "the port may be
anything"). Each unresolved list is a free yes/no per flow, so a verdict that depends on
it ends "unknown" (exit 3) and one that does not is decided:

- an unknown peer (CIDR, peer group, prefix list): the peer is an unresolved prefix list;
- an unknown ``PortRange`` of a tcp/udp rule: the ports are an unresolved port list;
- an unknown protocol, priority, direction, NIC type, local CIDR or source ports: the
  rule is widened (protocol ``all``, priority 1, both directions, ...) and its peer is
  an unresolved list, so that whether it matches a flow at all is unknown;
- an unknown policy: two such rules, one accept and one drop;
- a rule that may not exist (a ``count`` that is unknown): its peer is unresolved too;
- a rule whose group is unknown: each group of the input gets it, as a rule that may not
  exist.

Per flow this covers every value the unknown field could take (a rule either matches a
flow, with its action, or does not), so no decided verdict can be wrong. The lists are
named after the resource and field (``unknown.alicloud_security_group_rule.ssh.cidr_ip``)
and declared with the reason, expression and line (``Batch.unknown_lists``).
"""

from __future__ import annotations

from typing import Mapping

from ..core.model import PORT_PROTOCOLS, Direction
from .assemble import Batch, GroupDraft, RuleDraft, sanitize
from .permission import PROTOCOLS, PermissionContext, convert_permission
from .source import Node, Sink

IGNORED = frozenset({"Description", "SecurityGroupRuleId", "CreateTime"})
GATING = frozenset({"Policy", "Priority", "IpProtocol", "Direction", "NicType", "SourcePortRange",
                    "SourceCidrIp", "DestCidrIp", "Ipv6SourceCidrIp", "Ipv6DestCidrIp", "Exists",
                    "SourceGroupOwnerAccount", "SourceGroupOwnerId", "DestGroupOwnerAccount",
                    "DestGroupOwnerId", "PortRangeListId", "PortRange", "Group"})


UNKNOWN_GROUP = "read as external: "  # stub_reason of a group whose type or policy is unknown


def unknown_group(draft: GroupDraft) -> bool:
    """A group read as external because its type or policy is unknown: rules given for it
    are not added (its own decisions are unknown whatever they are)."""
    return not draft.has_rules and draft.stub_reason.startswith(UNKNOWN_GROUP)


def peer_fields(direction: Direction) -> tuple[str, ...]:
    side = "Source" if direction is Direction.INGRESS else "Dest"
    return (f"{side}CidrIp", f"Ipv6{side}CidrIp", f"{side}GroupId", f"{side}PrefixListId",
            f"{side}GroupOwnerAccount", f"{side}GroupOwnerId")


def local_fields(direction: Direction) -> tuple[str, ...]:
    side = "Dest" if direction is Direction.INGRESS else "Source"
    return (f"{side}CidrIp", f"Ipv6{side}CidrIp")


def _synthetic(value: str, at: Node) -> Node:
    return Node(value, at.src, at.path, at.base, at.prefix)


def convert_with_unknowns(sink: Sink, batch: Batch, fields: Mapping[str, Node],
                          unknown: Mapping[str, tuple[str, Node]], ctx: PermissionContext,
                          at: Node, label: str,
                          shown: Mapping[str, str] | None = None) -> list[RuleDraft]:
    """The rules standing for one permission whose ``unknown`` fields (canonical name ->
    (why, where)) cannot be known; ``label`` names the resource in list names, ``shown``
    the input's own name of a canonical field (Terraform's ``cidr_ip``)."""
    shown = {"Group": "SecurityGroupId", "Exists": "Condition"} | dict(shown or {})
    unknown = {k: v for k, v in unknown.items() if k not in IGNORED}
    if not unknown:
        rule = convert_permission(sink, fields, ctx, at)
        return [rule] if rule is not None else []
    if ctx.direction is not None and "Direction" not in unknown:
        directions = [ctx.direction]
    else:
        directions = [Direction.INGRESS, Direction.EGRESS]
    out: list[RuleDraft] = []
    for direction in directions:
        f = {k: v for k, v in fields.items() if k not in unknown}
        peer_unknown = [k for k in peer_fields(direction) if k in unknown]
        widen = [k for k in unknown if k not in peer_fields(direction) and
                 (k in GATING and k not in ("PortRange", "PortRangeListId")
                  or k in local_fields(direction))]
        for k in local_fields(direction) + ("SourcePortRange", "NicType"):
            if k in unknown:
                f.pop(k, None)
        protocol_node = f.get("IpProtocol")
        protocol = PROTOCOLS.get(str(protocol_node.value).strip().lower()) \
            if protocol_node is not None and isinstance(protocol_node.value, str) else None
        if "IpProtocol" in unknown:
            f["IpProtocol"] = _synthetic("all", unknown["IpProtocol"][1])
            f.pop("PortRange", None)
            f.pop("PortRangeListId", None)
        elif ("PortRange" in unknown or "PortRangeListId" in unknown) and protocol in PORT_PROTOCOLS:
            key = "PortRange" if "PortRange" in unknown else "PortRangeListId"
            why, where = unknown[key]
            lid = _register(batch, f"unknown.{label}.{shown.get(key, key)}",
                            f"{shown.get(key, key)}: {why}", "port", direction, len(directions))
            f.pop("PortRange", None)
            f["PortRangeListId"] = _synthetic(lid, where)
        if "Priority" in unknown:
            f["Priority"] = _synthetic("1", unknown["Priority"][1])
        policies = [None] if "Policy" not in unknown else ["accept", "drop"]
        for policy in policies:
            g = dict(f)
            if policy is not None:
                g["Policy"] = _synthetic(policy, unknown["Policy"][1])
            if peer_unknown or widen:
                first = (peer_unknown or widen)[0]
                why = "; ".join(f"{shown.get(k, k)}: {unknown[k][0]}" for k in peer_unknown + widen)
                suffix = "" if policy is None else f".{policy}"
                lid = _register(batch, f"unknown.{label}.{shown.get(first, first)}{suffix}", why, "prefix",
                                direction, len(directions))
                for k in peer_fields(direction):
                    g.pop(k, None)
                side = "Source" if direction is Direction.INGRESS else "Dest"
                g[f"{side}PrefixListId"] = _synthetic(lid, unknown[first][1])
            dctx = PermissionContext(ctx.group, direction, ctx.group_reader)
            rule = convert_permission(sink, g, dctx, at)
            if rule is not None:
                out.append(rule)
    return out


def _register(batch: Batch, name: str, why: str, kind: str, direction: Direction,
              directions: int) -> str:
    lid = sanitize(name + (f".{direction.value}" if directions > 1 else ""))
    base, n = lid, 1
    while lid in batch.unknown_lists and batch.unknown_lists[lid][0] != why:
        n += 1
        lid = f"{base}-{n}"
    batch.unknown_lists[lid] = (why, kind)
    return lid
