"""AWS ``aws ec2 describe-security-groups`` JSON, verified under the AWS profile
(``GroupType.AWS``): allow rules only, their union, no match drops both ways, no implicit
access between members of a group. Egress rules are exactly those of the data.

ICMP rules that select an ICMP type or code are refused (E201): sgverify's flows carry no
ICMP type, so such a rule can be neither honoured nor safely widened.
"""

from __future__ import annotations

import re

from ..core.model import (
    PORT_PROTOCOLS,
    PROTOCOL_NUMBERS,
    Action,
    Direction,
    GroupType,
    Network,
    PortRange,
)
from ..core.numbers import whole
from ..lang.syntax import PeerNode, RuleNode
from .assemble import Batch, GroupDraft, GroupRef, RuleDraft
from .permission import cidr_peer, list_id
from .source import BAD_RULE, SYNTAX, UNSUPPORTED, Node, Sink, expect_list, text_of

GROUP_FIELDS = frozenset("""Description GroupName IpPermissions OwnerId GroupId IpPermissionsEgress
Tags VpcId SecurityGroupArn""".split())
PERMISSION_FIELDS = frozenset("""FromPort IpProtocol IpRanges Ipv6Ranges PrefixListIds ToPort
UserIdGroupPairs""".split())
PAIR_FIELDS = frozenset("""Description GroupId GroupName PeeringStatus UserId VpcId
VpcPeeringConnectionId""".split())


def looks_like(value: object) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("SecurityGroups"), list):
        return False
    groups = value["SecurityGroups"]
    return all(isinstance(g, dict) and "GroupId" in g for g in groups)


def read(sink: Sink, root: Node, batch: Batch) -> None:
    sink.unknown_fields(root, ("SecurityGroups", "NextToken"))
    if text_of(sink, root.get("NextToken")):
        sink.error(BAD_RULE, root.child("NextToken"), "the output has a NextToken: more groups "
                   "follow, so this page alone is incomplete (run the command without --max-items, "
                   "or merge the pages)")
    for node in root.child("SecurityGroups").elements():
        sink.unknown_fields(node, GROUP_FIELDS)
        gid = text_of(sink, node.get("GroupId"))
        if not gid:
            sink.error(SYNTAX, node, "a security group needs its GroupId")
            continue
        if not text_of(sink, node.get("VpcId")):
            sink.warn_once("ec2-classic", node, "a group without VpcId (EC2-Classic) is read as a "
                           "VPC group (reported once per file)")
        name = text_of(sink, node.get("GroupName"))
        draft = GroupDraft(node, gid, None, [name] if name else [], Network.VPC, GroupType.AWS,
                           None, account_hint=text_of(sink, node.get("OwnerId")),
                           description=" ".join(text_of(sink, node.get("Description")).split()))
        for key, direction in (("IpPermissions", Direction.INGRESS),
                               ("IpPermissionsEgress", Direction.EGRESS)):
            for perm in expect_list(sink, node.get(key), "item"):
                rule = convert(sink, perm, direction, draft)
                if rule is not None:
                    draft.rules.append(rule)
        batch.add_group(draft)


def _int(sink: Sink, node: Node | None) -> int | None:
    if node is None or node.value is None:
        return None
    if isinstance(node.value, bool) or not isinstance(node.value, (int, str)) or \
            (isinstance(node.value, str) and not re.fullmatch(r"-?[0-9]+", node.value.strip())):
        sink.error("E107", node, f"{node.shown_value}: expected a whole number")
        return None
    return int(node.value)


def _protocol(sink: Sink, node: Node) -> int | None | str:
    """Protocol number, None for '-1' (every protocol), 'bad' after an error."""
    text = text_of(sink, node).lower()
    if text == "-1":
        return None
    if text in PROTOCOL_NUMBERS:
        return PROTOCOL_NUMBERS[text]
    if re.fullmatch(r"[0-9]+", text):
        number = whole(text)
        if number is None or number > 255:
            sink.error("E122", node, f"{node.shown_value}: protocol number outside 0..255")
            return "bad"
        return number
    sink.error(BAD_RULE, node, f"{node.shown_value}: not a protocol (tcp, udp, icmp, icmpv6, a "
               "number, or \"-1\" for all)")
    return "bad"


def convert(sink: Sink, perm: Node, direction: Direction, group: GroupDraft) -> RuleDraft | None:
    if not isinstance(perm.value, dict):
        sink.error(SYNTAX, perm, f"expected a permission object, found {perm.shown_value}")
        return None
    sink.unknown_fields(perm, PERMISSION_FIELDS)
    pnode = perm.get("IpProtocol")
    if pnode is None or pnode.is_blank():
        sink.error(BAD_RULE, perm, "the permission has no IpProtocol")
        return None
    protocol = _protocol(sink, pnode)
    if protocol == "bad":
        return None
    lo, hi = _int(sink, perm.get("FromPort")), _int(sink, perm.get("ToPort"))
    ports: tuple[PortRange, ...] | None = None
    if protocol in PORT_PROTOCOLS:
        if lo is None or hi is None:
            sink.error("E107", perm, "a tcp or udp permission needs FromPort and ToPort")
            return None
        if not (lo == -1 and hi == -1):
            if lo > hi:
                sink.error("E108", perm.child("FromPort"), f"port range {lo}-{hi}: start is "
                           "greater than end")
                return None
            if not (0 <= lo and hi <= 65535):
                sink.error("E107", perm.child("FromPort"), f"port range {lo}-{hi} is outside 0..65535")
                return None
            if hi == 0:
                sink.warn(perm, "port range 0-0 matches no connection (port 0 is never used); "
                          "the permission is dropped")
                return None
            lo = max(lo, 1)
            ports = None if (lo, hi) == (1, 65535) else (PortRange(lo, hi),)
    elif protocol in (1, 58):
        if (lo, hi) not in ((None, None), (-1, -1)):
            sink.error(UNSUPPORTED, perm.child("FromPort"), f"ICMP type {lo} code {hi}: sgverify's "
                       "flows carry no ICMP type or code, so a rule for some ICMP types cannot be "
                       "verified (only type and code -1, every ICMP message, is supported)")
            return None
    peers: list[PeerNode] = []
    refs: list[GroupRef] = []
    descriptions: list[str] = []
    for r in expect_list(sink, perm.get("IpRanges"), "item"):
        sink.unknown_fields(r, ("CidrIp", "Description"))
        _describe(sink, r, descriptions)
        p = cidr_peer(sink, r.child("CidrIp"), 4)
        if p is None:
            return None
        peers.append(p)
    for r in expect_list(sink, perm.get("Ipv6Ranges"), "item"):
        sink.unknown_fields(r, ("CidrIpv6", "Description"))
        _describe(sink, r, descriptions)
        p = cidr_peer(sink, r.child("CidrIpv6"), 6)
        if p is None:
            return None
        peers.append(p)
    for r in expect_list(sink, perm.get("PrefixListIds"), "item"):
        sink.unknown_fields(r, ("PrefixListId", "Description"))
        _describe(sink, r, descriptions)
        lid = list_id(sink, r.child("PrefixListId"), "prefix list")
        if lid is None:
            return None
        peers.append(PeerNode("prefix-list", f"prefix-list {lid}", name=lid, span=r.span))
    for r in expect_list(sink, perm.get("UserIdGroupPairs"), "item"):
        sink.unknown_fields(r, PAIR_FIELDS)
        _describe(sink, r, descriptions)
        gid = text_of(sink, r.get("GroupId"))
        if not gid:
            sink.error(SYNTAX, r, "a group pair needs its GroupId")
            return None
        refs.append(GroupRef(gid=gid, account=text_of(sink, r.get("UserId")) or None,
                             at=r.child("GroupId")))
        peers.append(PeerNode("ref", "", name=str(len(refs) - 1), span=r.span))
    if not peers:
        sink.warn(perm, "a permission with no IpRanges, Ipv6Ranges, PrefixListIds or "
                  "UserIdGroupPairs matches nothing; it is dropped")
        return None
    inbound = direction is Direction.INGRESS
    rule = RuleNode(direction, Action.ACCEPT, protocol, ports,  # type: ignore[arg-type]
                    tuple(peers) if inbound else None, None if inbound else tuple(peers), 1,
                    None, None, None, "; ".join(descriptions), None, "", None, perm.span)
    return RuleDraft(rule, refs, perm)


def _describe(sink: Sink, node: Node, out: list[str]) -> None:
    text = " ".join(text_of(sink, node.get("Description")).split())
    if text and text not in out:
        out.append(text)
