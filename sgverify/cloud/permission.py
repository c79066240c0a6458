"""One Alibaba Cloud security group permission -> one rule draft.

The API (``DescribeSecurityGroupAttribute``), ROS templates and the Terraform provider all
describe a rule with the same fields (section 4.1 of the field reference), so every
Alibaba reader maps its input to these canonical field names and calls
``convert_permission``. The platform's own rules are applied here: a CIDR beats a group, a
CIDR or group beats a prefix list, ``PortRange`` beats ``PortRangeListId``, empty strings
mean "not set", enums ignore case, ``-1/-1`` means every port.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

from ..core.addresses import V6, Cidr, read_cidr
from ..core.diagnostics import Span
from ..core.model import (
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    Action,
    Direction,
    Network,
    Nic,
    PortRange,
)
from ..core.numbers import shown, whole
from ..lang.syntax import PeerNode, RuleNode
from .assemble import GroupDraft, GroupRef, RuleDraft, make_peer, make_rule
from .jsondoc import Located
from .source import BAD_RULE, SYNTAX, Fields, Node, Sink, Src

PROTOCOLS: dict[str, int | None] = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "gre": 47,
                                    "all": None}
POLICIES = {"accept": Action.ACCEPT, "drop": Action.DROP}
DIRECTIONS = {"ingress": Direction.INGRESS, "egress": Direction.EGRESS}
NICS = {"intranet": Nic.INTRANET, "internet": Nic.INTERNET}
LIST_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")

# Canonical field names (the API's). Display-only response fields are known but unused.
FIELDS = frozenset("""
SecurityGroupRuleId Direction Policy Priority IpProtocol PortRange SourcePortRange DestPortRange
SourceCidrIp Ipv6SourceCidrIp DestCidrIp Ipv6DestCidrIp SourceGroupId DestGroupId
SourceGroupOwnerAccount SourceGroupOwnerId DestGroupOwnerAccount DestGroupOwnerId
SourcePrefixListId DestPrefixListId PortRangeListId NicType Description CreateTime
SourceGroupName DestGroupName SourcePrefixListName DestPrefixListName PortRangeListName
""".split())

# How a group-id field is read: a literal id, or (ROS, Terraform) a reference to a
# resource of the input. Returns the reference, or None when the value is unusable
# (reported by the callback).
GroupReader = Callable[[Node, str | None], GroupRef | None]


def literal_group(sink: Sink) -> GroupReader:
    def read(node: Node, account: str | None) -> GroupRef | None:
        if not isinstance(node.value, str):
            sink.error(SYNTAX, node, f"expected a security group id, found {node.shown_value}")
            return None
        return GroupRef(gid=node.value.strip(), account=account, at=node)
    return read


@dataclass
class PermissionContext:
    """Where the permission sits: its group, the direction when the container fixes it
    (ROS ingress lists, Terraform ``type``) and how to read group references."""

    group: GroupDraft
    direction: Direction | None = None
    group_reader: GroupReader | None = None


MISSING = object()  # an enum field that is blank, or invalid (and reported)


def enum_value(sink: Sink, node: Node | None, table: Mapping[str, object], what: str,
               code: str = BAD_RULE) -> object:
    """A case-insensitive enum value, or MISSING when blank or not in ``table`` (reported)."""
    if node is None or node.is_blank():
        return MISSING
    key = node.value.strip().lower() if isinstance(node.value, str) else None
    if key is None or key not in table:
        sink.error(code, node, f"{node.shown_value}: not a valid {what}; expected "
                   + ", ".join(table))
        return MISSING
    return table[key]


def parse_priority(sink: Sink, node: Node | None) -> int:
    if node is None or node.is_blank():
        return 1
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, str) and not re.fullmatch(r"\s*-?[0-9]+\s*", value)):
        sink.error("E106", node, f"{node.shown_value}: a priority is a whole number in 1..100")
        return 1
    number = whole(str(value))
    if number is None or not 1 <= number <= 100:
        sink.error("E106", node, f"{node.shown_value}: priority {shown(str(value))} is outside "
                   "1..100 "
                   "(1 is the strongest)")
        return 1
    return number


def parse_port_range(sink: Sink, node: Node) -> tuple[PortRange, ...] | None | str:
    """``"a/b"`` -> (PortRange,), ``"-1/-1"`` -> None (every port); 'bad' on error."""
    if not isinstance(node.value, str):
        sink.error("E107", node, f"{node.shown_value}: a port range is a string \"start/end\"")
        return "bad"
    text = node.value.strip()
    m = re.fullmatch(r"(-?[0-9]+)\s*/\s*(-?[0-9]+)", text)
    if not m:
        sink.error("E107", node, f"{node.shown_value}: expected a port range \"start/end\" "
                   "such as \"22/22\" or \"-1/-1\"")
        return "bad"
    lo, hi = whole(m.group(1)), whole(m.group(2))
    if lo == -1 and hi == -1:
        return None
    for value, end in ((lo, m.group(1)), (hi, m.group(2))):
        if value is None or not MIN_PORT <= value <= MAX_PORT:
            sink.error("E107", node, f"{node.shown_value}: port {shown(end)} is outside "
                       f"{MIN_PORT}..{MAX_PORT} (\"-1/-1\" means every port)")
            return "bad"
    assert lo is not None and hi is not None
    if lo > hi:
        sink.error("E108", node, f"{node.shown_value}: start is greater than end")
        return "bad"
    return (PortRange(lo, hi),)


def cidr_peer(sink: Sink, node: Node, family: int | None) -> PeerNode | None:
    """An address or CIDR field as a peer; ``family`` 6 for the Ipv6* fields, 4 otherwise."""
    if not isinstance(node.value, str):
        sink.error("E109", node, f"expected an address or CIDR block, found {node.shown_value}")
        return None
    text = node.value.strip()
    cidr = read_cidr(text)
    if isinstance(cidr, str):
        sink.error("E109", node, f"{node.shown_value}: not an address or CIDR block: {cidr}")
        return None
    if family is not None and cidr.family != family:
        other = "Ipv6" if family == 4 else "IPv4"
        sink.error("E109", node, f"{node.shown_value} is not an IPv{family} block (use the "
                   f"{other} field for it)")
        return None
    if cidr.host_bits:
        sink.report("W110", node, f"{node.shown_value} has host bits set; it is read as "
                    f"{cidr.network}")
    return PeerNode("cidr", text, addresses=cidr.space, span=node.span)


def convert_permission(sink: Sink, fields: Mapping[str, Node], ctx: PermissionContext,
                       at: Node) -> RuleDraft | None:
    """The rule of one permission, or None after reporting why it cannot be read."""
    before = len(sink.diagnostics)  # diagnostics are only appended: errors past it are new

    def nonblank(name: str) -> Node | None:
        node = fields.get(name)
        return None if node is None or node.is_blank() else node

    # the same answer, without a node per blank field
    f = fields.nonblank if isinstance(fields, Fields) else nonblank

    group = ctx.group
    direction = ctx.direction
    if direction is None:
        d = enum_value(sink, f("Direction"), DIRECTIONS, "direction")
        if d is MISSING:
            if f("Direction") is None:
                sink.error(BAD_RULE, at, "the rule has no Direction (ingress or egress)")
            return None
        direction = d  # type: ignore[assignment]
    assert isinstance(direction, Direction)
    a = enum_value(sink, f("Policy"), POLICIES, "policy")
    action = Action.ACCEPT if a is MISSING else a
    priority = parse_priority(sink, f("Priority"))
    protocol_node = f("IpProtocol")
    if protocol_node is None:
        sink.error(BAD_RULE, at, "the rule has no IpProtocol")
        return None
    p = enum_value(sink, protocol_node, PROTOCOLS, "protocol")
    if p is MISSING:
        return None
    protocol: int | None = p  # type: ignore[assignment]
    ports: tuple[PortRange, ...] | None = None
    port_list = None
    pr, prl = f("PortRange"), f("PortRangeListId")
    if protocol in PORT_PROTOCOLS:
        if prl is not None and (pr is None or str(pr.value).strip() == "-1/-1"):
            port_list = list_id(sink, prl, "port list")
        else:
            if prl is not None:
                sink.warn_once("PortRangeListId", prl, "a rule gives both PortRange and "
                               "PortRangeListId: PortRange is used, as the platform does (reported "
                               "once per file)")
            if pr is None:
                sink.error(BAD_RULE, at, f"a {protocol_node.value} rule needs a PortRange "
                           "(\"-1/-1\" for every port)")
                return None
            parsed = parse_port_range(sink, pr)
            if parsed == "bad":
                return None
            ports = parsed  # type: ignore[assignment]
    else:
        if pr is not None:
            parsed = parse_port_range(sink, pr)
            if parsed == "bad":
                return None
            if parsed is not None:
                sink.error("E117", pr, f"{pr.shown_value}: a {protocol_node.value} rule has no "
                           "ports; the API writes \"-1/-1\"")
                return None
        if prl is not None:
            sink.error("E117", prl, f"a {protocol_node.value} rule cannot use a port list")
            return None
    source_ports = None
    spr = f("SourcePortRange")
    if spr is not None:
        parsed = parse_port_range(sink, spr)
        if parsed == "bad":
            return None
        if parsed is not None and protocol not in PORT_PROTOCOLS:
            sink.error("E117", spr, f"{spr.shown_value}: a {protocol_node.value} rule has no "
                       "source ports")
            return None
        source_ports = parsed  # type: ignore[assignment]

    inbound = direction is Direction.INGRESS
    peer_side, local_side = ("Source", "Dest") if inbound else ("Dest", "Source")
    peers: list[PeerNode] = []
    refs: list[GroupRef] = []
    v4, v6 = f(f"{peer_side}CidrIp"), f(f"Ipv6{peer_side}CidrIp")
    gid = f(f"{peer_side}GroupId")
    plid = f(f"{peer_side}PrefixListId")
    for node, fam in ((v4, 4), (v6, 6)):
        if node is not None:
            p = cidr_peer(sink, node, fam)
            if p is None:
                return None
            peers.append(p)
    if peers and gid is not None:
        sink.warn_once("cidr-and-group", gid, f"a rule gives both a CIDR block and "
                       f"{peer_side}GroupId: the CIDR block is used and the group ignored, as the "
                       "platform does (reported once per file)")
        gid = None
    if plid is not None and (peers or gid is not None):
        sink.warn_once("prefix-list-ignored", plid, f"a rule gives {peer_side}PrefixListId with a "
                       "CIDR block or group: the prefix list is ignored, as the platform does "
                       "(reported once per file)")
        plid = None
    if gid is not None:
        account_node = f(f"{peer_side}GroupOwnerAccount") or f(f"{peer_side}GroupOwnerId")
        account = str(account_node.value).strip() if account_node is not None else None
        reader = ctx.group_reader or literal_group(sink)
        ref = reader(gid, account or None)
        if ref is None:
            return None
        refs.append(ref)
        peers.append(PeerNode("ref", "", name="0", span=gid.span))
    if plid is not None:
        lid = list_id(sink, plid, "prefix list")
        if lid is None:
            return None
        peers.append(PeerNode("prefix-list", f"prefix-list {lid}", name=lid, span=plid.span))
    if not peers:
        sink.error(BAD_RULE, at, f"the rule has no peer: none of {peer_side}CidrIp, "
                   f"Ipv6{peer_side}CidrIp, {peer_side}GroupId, {peer_side}PrefixListId is set")
        return None
    local: list[PeerNode] = []
    for node, fam in ((f(f"{local_side}CidrIp"), 4), (f(f"Ipv6{local_side}CidrIp"), 6)):
        if node is not None:
            p = cidr_peer(sink, node, fam)
            if p is None:
                return None
            local.append(p)
    if group.network is Network.CLASSIC:
        for p in peers + local:
            if p.addresses is not None and V6 in p.addresses.families():
                sink.error("E111", fields.get(f"Ipv6{peer_side}CidrIp") or at,
                           "the classic network has no IPv6")
                return None
    n = enum_value(sink, f("NicType"), NICS, "NIC type")
    nic = None if n is MISSING else n
    if any(d.is_error for d in sink.diagnostics[before:]):
        return None
    if group.network is Network.VPC:
        if nic is Nic.INTERNET:
            sink.warn_once("vpc-internet", f("NicType"), "NicType 'internet' in a VPC group is read "
                           "as 'intranet': VPC rules have one NIC type that covers public and internal "
                           "traffic (reported once per file)")
        nic = None  # VPC rules are all intranet; the resolver sets it
    elif nic is None:
        # The API default for classic groups is internet; group authorisation is intranet only.
        nic = Nic.INTRANET if refs else Nic.INTERNET
    desc_node = f("Description")
    description = " ".join(str(desc_node.value).split()) if desc_node is not None else ""
    rid_node = f("SecurityGroupRuleId")
    rule_id = str(rid_node.value).strip() if rid_node is not None else None
    src, dst = (peers, local) if inbound else (local, peers)
    rule = RuleNode(direction, action, protocol, ports,  # type: ignore[arg-type]
                    tuple(src) if src else None, tuple(dst) if dst else None, priority,
                    source_ports, nic, None, description, rule_id, "",  # type: ignore[arg-type]
                    port_list, at.span)
    return RuleDraft(rule, refs, at)


def list_id(sink: Sink, node: Node, what: str) -> str | None:
    text = str(node.value).strip() if isinstance(node.value, (str, int)) else ""
    if not LIST_ID.fullmatch(text):
        sink.error(BAD_RULE, node, f"{node.shown_value}: not a {what} id sgverify can name "
                   "(letters, digits, _ . -)")
        return None
    return text


# ------------------------------------------------------------------ the common shapes, fast
# ``quick_permission`` reads the permissions that ``convert_permission`` reads without a
# single diagnostic (almost all of a real inventory) straight from the decoded JSON object:
# no node for the fields it does not need, each field's value checked once per distinct
# value (``_Quiet``). Anything else, or anything it is not sure of, it leaves to
# ``convert_permission`` (it returns None having reported nothing), so every diagnostic
# stays that path's. tests/cloud/test_permission_fast.py compares both on generated
# permissions, malformed ones included (issue 14: 40 us a permission, a third of reading).

_LOUD = object()  # the general reader reports something about this value
_UNSEEN = object()
_SCRATCH = Src("", Located(None, ""))


class _Quiet:
    """What a field reader returns for a value when it reports nothing, or ``_LOUD``;
    found once per distinct value (strings and whole numbers only) by the reader itself,
    on a scratch sink."""

    __slots__ = ("read", "memo")
    LIMIT = 1 << 16

    def __init__(self, read: Callable[[Sink, Node], object]) -> None:
        self.read = read
        self.memo: dict[object, object] = {}

    def __call__(self, value: object) -> object:
        if value.__class__ is str:
            key = value
        elif value.__class__ is int:
            key = (int, value)  # not the string of its digits, nor True for 1
        else:
            return _LOUD  # floats, booleans, containers: the general path
        got = self.memo.get(key, _UNSEEN)
        if got is _UNSEEN:
            scratch = Sink()
            got = self.read(scratch, Node(value, _SCRATCH))
            if scratch.diagnostics:
                got = _LOUD
            if len(self.memo) >= self.LIMIT:
                self.memo.clear()
            self.memo[key] = got
        return got


def _enum(table: Mapping[str, object], what: str) -> _Quiet:
    return _Quiet(lambda sink, node: enum_value(sink, node, table, what))


_DIRECTION = _enum(DIRECTIONS, "direction")
_POLICY = _enum(POLICIES, "policy")
_PROTOCOL = _enum(PROTOCOLS, "protocol")
_NIC = _enum(NICS, "NIC type")
_PRIORITY = _Quiet(parse_priority)
_PORTS = _Quiet(lambda sink, node: _LOUD if (r := parse_port_range(sink, node)) == "bad" else r)
_LIST_ID = _Quiet(lambda sink, node: list_id(sink, node, "prefix list"))


_HEADS: dict[tuple[object, ...], object] = {}  # _head by its arguments
# of these types only, equal keys are equal values of the same type ("1" != 1; 1 == True)
_KEY_TYPES = frozenset({str, int, type(None), Direction})


def _head(direction: object, policy: object, priority: object, protocol: object,
          port_range: object, source_range: object, nic_type: object) -> object:
    """The fields of a permission before its peers, read as ``convert_permission`` reads
    them (None: absent or blank), or ``_LOUD`` when it would report anything about them.
    Fleets repeat these few values in a few combinations: found once per combination."""
    if direction is None:
        return _LOUD  # E120: no Direction
    if not isinstance(direction, Direction):
        direction = _DIRECTION(direction)
    action = Action.ACCEPT if policy is None else _POLICY(policy)
    number = 1 if priority is None else _PRIORITY(priority)
    proto = _LOUD if protocol is None else _PROTOCOL(protocol)  # E120: no IpProtocol
    ports = None if port_range is None else _PORTS(port_range)
    source_ports = None if source_range is None else _PORTS(source_range)
    nic = None if nic_type is None else _NIC(nic_type)
    if _LOUD in (direction, action, number, proto, ports, source_ports, nic):
        return _LOUD
    if proto in PORT_PROTOCOLS:
        if port_range is None:
            return _LOUD  # E120: no PortRange
    elif ports is not None or source_ports is not None:
        return _LOUD  # E117: ports on a protocol without them
    return direction, action, number, proto, ports, source_ports, nic


def quick_permission(value: dict, ctx: PermissionContext, at: Node) -> RuleDraft | None:
    """``convert_permission(sink, at.fields(), ctx, at)`` for a permission it reads without
    reporting anything; None (nothing reported) for any other: read it the general way."""
    f = {k: v for k, v in value.items() if v is not None and v != ""}
    if "PortRangeListId" in f or ctx.group_reader is not None:
        return None
    for v in f.values():
        if v.__class__ is not int and isinstance(v, str) and v.isspace():
            return None  # blank (read as not set) but not empty: rare, the general path
    src, path, base, prefix = at.src, at.path, at.base, at.prefix

    def span(key: str) -> Span:
        return Node(f[key], src, path + (key,), base, prefix).span

    key = (ctx.direction or f.get("Direction"), f.get("Policy"), f.get("Priority"),
           f.get("IpProtocol"), f.get("PortRange"), f.get("SourcePortRange"), f.get("NicType"))
    if not _KEY_TYPES.issuperset(map(type, key)):
        return None  # a float, a boolean or a container (unhashable): the general path
    head = _HEADS.get(key, _UNSEEN)
    if head is _UNSEEN:
        head = _head(*key)
        if len(_HEADS) >= _Quiet.LIMIT:
            _HEADS.clear()
        _HEADS[key] = head
    if head is _LOUD:
        return None
    direction, action, priority, protocol, ports, source_ports, nic = head  # type: ignore[misc]
    inbound = direction is Direction.INGRESS
    side, other = ("Source", "Dest") if inbound else ("Dest", "Source")
    peers: list[PeerNode] = []
    local: list[PeerNode] = []
    v6 = False
    for key, family, out in ((side + "CidrIp", 4, peers), ("Ipv6" + side + "CidrIp", 6, peers),
                             (other + "CidrIp", 4, local), ("Ipv6" + other + "CidrIp", 6, local)):
        x = f.get(key)
        if x is not None:  # as cidr_peer reads it (blocks seldom repeat: no memo)
            if x.__class__ is not str:
                return None
            text = x.strip()
            cidr = read_cidr(text)
            if cidr.__class__ is not Cidr or cidr.family != family or cidr.host_bits:  # type: ignore[union-attr]
                return None  # E109 (not a block, or of the other family), W110 (host bits)
            v6 = v6 or family == 6
            out.append(make_peer("cidr", text, cidr.space, "", None, (),  # type: ignore[union-attr]
                                 span(key)))
    refs: list[GroupRef] = []
    gid, plid = f.get(side + "GroupId"), f.get(side + "PrefixListId")
    if gid is not None:
        if peers or plid is not None or gid.__class__ is not str:
            return None  # W125 (the CIDR block or group wins), E001 (not a string)
        account = f.get(side + "GroupOwnerAccount")
        if account is None:
            account = f.get(side + "GroupOwnerId")
        where = Node(gid, src, path + (side + "GroupId",), base, prefix)
        refs.append(GroupRef(gid=gid.strip(), account=str(account).strip() or None
                             if account is not None else None, at=where))
        peers.append(PeerNode("ref", "", name="0", span=where.span))
    elif plid is not None:
        if peers:
            return None  # W125: the CIDR block wins
        lid = _LIST_ID(plid)
        if lid is _LOUD:
            return None
        peers.append(PeerNode("prefix-list", f"prefix-list {lid}", name=lid,  # type: ignore[arg-type]
                              span=span(side + "PrefixListId")))
    if not peers:
        return None  # E120: no peer
    network = ctx.group.network
    if v6 and network is Network.CLASSIC:
        return None  # E111
    if network is Network.VPC:
        if nic is Nic.INTERNET:
            return None  # W125: read as intranet
        nic = None
    elif nic is None:
        nic = Nic.INTRANET if refs else Nic.INTERNET
    x = f.get("Description")
    description = " ".join(str(x).split()) if x is not None else ""
    x = f.get("SecurityGroupRuleId")
    rule_id = str(x).strip() if x is not None else None
    src_peers, dst_peers = (peers, local) if inbound else (local, peers)
    rule = make_rule(direction, action, protocol, ports,
                     tuple(src_peers) if src_peers else None,
                     tuple(dst_peers) if dst_peers else None,
                     priority, source_ports, nic, None, description, rule_id, "", None, at.span)
    return RuleDraft(rule, refs, at)
