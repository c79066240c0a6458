"""A group's Permissions list read in one pass, for estates of thousands of groups.

``read_permissions`` reads the permissions of a DescribeSecurityGroupAttribute response
straight from the decoded JSON objects. A permission that the general reader
(``permission.convert_permission``) reads without a single diagnostic becomes a
``QuickRule``: its rule's .sgv text, made from a few pieces found once per combination of
direction, policy, priority, protocol and ports, and the handful of facts the assembler
asks of a rule. No node, span, address block or rule object is made for it until something
asks for its ``RuleDraft`` (``QuickRule.draft``): ``check``, ``lint`` and ``audit`` do;
``sgverify import`` prints the text and asks only for the rules the resolver could have
something to say about (``LazyRule.quiet``). Any other permission is read by the general
reader, in its place, so every diagnostic stays that reader's and comes in the same order.

Issue 14: reading 1,000 groups of 200 rules spent 5 s making a node, spans and a rule per
permission, 2 s formatting rule texts and 1 s resolving rules the import then threw away.
tests/cloud/test_quick_rules.py compares the texts, drafts and diagnostics with the
general reader's on generated permissions and whole runs.
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter
from typing import Any

from ..core.addresses import _IPV4_CIDR, _small, exact_block
from ..core.model import (
    ICMP,
    ICMPV6,
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    Action,
    Direction,
    Network,
    Nic,
    PortRange,
)
from ..lang.printer import format_ports, ident, protocol_word, quote, service_words
from .assemble import GroupRef, LazyRule, RuleDraft
from .permission import (
    _DIRECTION,
    _LOUD,
    _NIC,
    _POLICY,
    _PORTS,
    _PRIORITY,
    _PROTOCOL,
    FIELDS,
    LIST_ID,
    PermissionContext,
    convert_permission,
    quick_permission,
)
from .source import SYNTAX, Node, Sink, Src

# a permission's direction, policy, protocol, source ports and NIC type: fleets repeat a few
# combinations; its ports and priority, which vary more, are found apart
BASE_FIELDS = ("Direction", "Policy", "IpProtocol", "SourcePortRange", "NicType")
# the peer's CIDR fields, its group and prefix list, then the interface side's CIDR fields
SIDES = {True: ("SourceCidrIp", "Ipv6SourceCidrIp", "SourceGroupId", "SourcePrefixListId",
                "DestCidrIp", "Ipv6DestCidrIp"),
         False: ("DestCidrIp", "Ipv6DestCidrIp", "DestGroupId", "DestPrefixListId",
                 "SourceCidrIp", "Ipv6SourceCidrIp")}
# which peer family the resolver reports for a protocol (E116: icmp is IPv4 only, ...)
_WRONG_FAMILY = {ICMP: 6, ICMPV6: 4}
_LIMIT = 1 << 16
_BLANK = ((), "")  # ports of a blank PortRange, and their text

HEAD_FIELDS = ("Direction", "Policy", "Priority", "IpProtocol", "PortRange", "SourcePortRange",
               "NicType")
_HEAD_OF = itemgetter(*HEAD_FIELDS)
# the fields ``_quick`` expects empty, with the peer's IPv4 block first (by direction)
_REST_OF = {inbound: itemgetter(*fields, "PortRangeListId") for inbound, fields in SIDES.items()}
# _quick's heads by the raw values of HEAD_FIELDS: (inbound, the text before the peer,
# -, the text after it in a VPC group, -, the NIC, the peer family the resolver refuses)
_HEADS: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}

# memos of the readings below, by the raw values (None: the general reader reports)
_BASES: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}
_PORT_TEXTS: dict[Any, tuple[Any, str] | None] = {}
_PRIORITIES: dict[Any, tuple[int, str] | None] = {}


def _blank(value: Any) -> bool:
    """Not set, as the general reader sees it: absent, null, or a string of blanks."""
    return value is None or (value.__class__ is str and not value.strip())


def _memo(table: dict[Any, Any], key: Any, read: Any) -> Any:
    """``read(key)``, found once per key (at most ``_LIMIT`` kept)."""
    if len(table) >= _LIMIT:
        table.clear()
    got = table[key] = read(key)
    return got


def _read_base(key: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """(inbound, "DIRECTION ACTION ", the protocol's word, whether it has ports, the
    source-port clause, the NIC, the peer family the resolver refuses, the values), or
    None when the general reader reports anything about these fields (``permission._head``
    reads the same, with the ports and the priority)."""
    d, policy, protocol, source_range, nic_type = (None if _blank(v) else v for v in key)
    if d is None or protocol is None:
        return None  # E120: no Direction, no IpProtocol
    direction = _DIRECTION(d)
    action = Action.ACCEPT if policy is None else _POLICY(policy)
    proto = _PROTOCOL(protocol)
    source_ports = None if source_range is None else _PORTS(source_range)
    nic = None if nic_type is None else _NIC(nic_type)
    if _LOUD in (direction, action, proto, source_ports, nic):
        return None
    ports = proto in PORT_PROTOCOLS
    if not ports and source_ports is not None:
        return None  # E117: source ports on a protocol without them
    word = protocol_word(proto) + " " if ports else service_words(proto, None, None)  # type: ignore[arg-type]
    sp = "" if source_ports is None else " source-port " + format_ports(source_ports)  # type: ignore[arg-type]
    return (direction is Direction.INGRESS, f"{direction.value} {action.value} ", word, ports,  # type: ignore[attr-defined]
            sp, nic, _WRONG_FAMILY.get(proto, 0), direction, action, proto, source_ports)  # type: ignore[arg-type]


def _read_ports(raw: Any) -> tuple[Any, str] | None:
    """A PortRange value as (ports, their text: "22", "1-1024", "all"), ``_BLANK`` when not
    set, None when the general reader reports it."""
    if _blank(raw):
        return _BLANK
    if raw.__class__ is str:  # "lo/hi" of plain digits: as parse_port_range reads it
        lo, sep, hi = raw.partition("/")
        if sep and lo.isascii() and hi.isascii() and lo.isdigit() and hi.isdigit() and \
                len(lo) <= 5 and len(hi) <= 5 and lo[0] != "0" and hi[0] != "0":
            a, b = int(lo), int(hi)
            if MIN_PORT <= a <= b <= MAX_PORT:
                ports = (PortRange(a, b),)
                return ports, format_ports(ports)
    ports = _PORTS(raw)
    if ports is _LOUD:
        return None
    return ports, "all" if ports is None else format_ports(ports)  # type: ignore[arg-type]


def _read_priority(raw: Any) -> tuple[int, str] | None:
    number = 1 if _blank(raw) else _PRIORITY(raw)
    return None if number is _LOUD else (number, f" priority {number}")  # type: ignore[return-value]


def _v4_block(text: str) -> bool:
    """Whether ``text`` is an IPv4 address or block without host bits: what
    ``core.addresses.exact_block`` reads as an IPv4 space, without making the space."""
    m = _IPV4_CIDR.fullmatch(text)
    if m is None:
        return False
    a, b, c, d, digits = m.groups()
    if digits is None or digits == "32":
        return True
    plen = int(digits) if len(digits) < 4 else _small(digits)
    if plen >= 32:
        return plen == 32
    value = int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)
    return not value & ((1 << (32 - plen)) - 1)


def _v6_block(text: str) -> bool:
    """Whether ``text`` is an IPv6 address or block without host bits."""
    space = exact_block(text)
    return space is not None and space.ranges[0].family == 6


class _Place:
    """Where a group's permissions are: their list's node (file, path, label) and the
    group's reading context."""

    __slots__ = ("src", "path", "base", "prefix", "ctx")

    def __init__(self, node: Node, ctx: PermissionContext) -> None:
        self.src, self.path, self.base, self.prefix = node.src, node.path, node.base, node.prefix
        self.ctx = ctx

    def node(self, value: Any, index: int) -> Node:
        return Node(value, self.src, self.path + (index,), self.base, self.prefix)


class QuickRule(LazyRule):
    """A permission the general reader reads without a diagnostic, as its rule's text; its
    ``RuleDraft`` is made when first asked for."""

    _draft: RuleDraft | None = None

    def __init__(self, value: dict[str, Any], index: int, place: _Place, text: str) -> None:
        self.value, self.index, self.place, self.text = value, index, place, text

    @property
    def at(self) -> Node:
        return self.place.node(self.value, self.index)

    def draft(self) -> RuleDraft:
        """The draft the general reader makes of this permission (without diagnostics)."""
        if self._draft is None:
            at, ctx = self.at, self.place.ctx
            made = quick_permission(self.value, ctx, at)
            if made is None:
                scratch = Sink()
                made = convert_permission(scratch, at.fields(), ctx, at)
                if made is None or scratch.diagnostics:
                    raise AssertionError(f"the quick reader took a permission the general "
                                         f"reader reports: {at.where}")
            self._draft = made
        return self._draft

    def settle(self) -> None:
        """The draft goes once the assembler has the rule's node (a copy of the draft's
        rule with its final text): on 1,000 groups of API JSON the drafts held about
        110 MB while the rest was read. Asked again, it is made again."""
        self._draft = None


def read_permissions(sink: Sink, node: Node, values: list[Any], ctx: PermissionContext,
                     out: list[RuleDraft | LazyRule]) -> None:
    """Append the rules of the permissions ``values`` (the list at ``node``) to ``out``,
    reporting what the general reader reports, in the same order."""
    place = _Place(node, ctx)
    classic = ctx.group.network is Network.CLASSIC
    # unknown fields: one pass over every key of the list, a permission at a time only when
    # some permission has one
    known = FIELDS.issuperset(chain.from_iterable(v for v in values if v.__class__ is dict))
    quick = ctx.group_reader is None and ctx.direction is None
    for i, value in enumerate(values):
        if value.__class__ is not dict:
            at = place.node(value, i)
            sink.error(SYNTAX, at, f"expected a permission object, found {at.shown_value}")
            continue
        if not known and not FIELDS.issuperset(value):
            sink.unknown_fields(place.node(value, i), FIELDS)
        rule = _quick(value, i, place, classic) if quick else None
        if rule is None:
            at = place.node(value, i)
            rule = quick_permission(value, ctx, at) or convert_permission(sink, at.fields(),
                                                                          ctx, at)
        if rule is not None:
            out.append(rule)


def _quick(value: dict[str, Any], index: int, place: _Place, classic: bool) -> QuickRule | None:
    """The permission as a ``QuickRule``, or None (nothing reported) when the general
    reader could say anything about it. The commonest permission, as the API writes it
    (every field present, one IPv4 block as the peer, the others empty), straight;
    anything else through ``_quick_any``."""
    try:
        key = _HEAD_OF(value)
        head = _HEADS[key]
    except KeyError:
        return _quick_any(value, index, place, classic)  # a field absent, or a new head
    except TypeError:
        return None  # a container (unhashable): the general path
    if head is None or key[2].__class__ is bool or key[2].__class__ is float:
        return None  # True and 1.0 equal 1 as keys, but are priorities the reader refuses
    try:
        v4, v6, gid, plid, l4, l6, prl = _REST_OF[head[0]](value)
    except KeyError:
        return _quick_any(value, index, place, classic)
    if v6 == gid == plid == l4 == l6 == prl == "" and v4.__class__ is str and not classic:
        text = v4.strip()
        if not text or not _v4_block(text) or head[5] is Nic.INTERNET:
            return _quick_any(value, index, place, classic)  # reported, or blank
        x = value.get("Description")
        y = value.get("SecurityGroupRuleId")
        if (x == "" or x is None) and (y == "" or y is None):
            rule = QuickRule(value, index, place, head[1] + text + head[3])
        else:
            tail = head[3]
            if x is not None and x != "":
                description = " ".join(str(x).split())
                if description:
                    tail += " description " + quote(description)
            if y is not None and y != "" and not _blank(y):
                tail += " id " + ident(str(y).strip())
            rule = QuickRule(value, index, place, head[1] + text + tail)
        if head[6] == 4:
            rule.quiet = False  # E116 from the resolver: icmpv6 with an IPv4 peer
        return rule
    return _quick_any(value, index, place, classic)


def _quick_any(value: dict[str, Any], index: int, place: _Place, classic: bool
               ) -> QuickRule | None:
    """``_quick`` for any permission."""
    get = value.get
    try:
        key = tuple(map(get, BASE_FIELDS))
        base = _BASES[key] if key in _BASES else _memo(_BASES, key, _read_base)
        if base is None:
            return None
        raw = get("PortRange")
        ports = _PORT_TEXTS[raw] if raw in _PORT_TEXTS else _memo(_PORT_TEXTS, raw, _read_ports)
        raw = get("Priority")
        if raw is not None and raw.__class__ is not int and raw.__class__ is not str:
            return None  # True and 1.0 equal 1 as keys, but are priorities the reader refuses
        priority = _PRIORITIES[raw] if raw in _PRIORITIES else _memo(_PRIORITIES, raw,
                                                                     _read_priority)
    except TypeError:
        return None  # a container (unhashable): the general path
    if ports is None or priority is None:
        return None
    inbound, before, word, with_ports, sp, nic, wrong = base[:7]
    if with_ports:
        if ports is _BLANK:
            return None  # E120: a tcp or udp rule needs a PortRange
        before += word + ports[1]
    elif ports[0] is not None and ports is not _BLANK:
        return None  # E117: ports on a protocol without them
    else:
        before += word
    prio = priority[1]
    key = tuple(map(get, HEAD_FIELDS))
    if key not in _HEADS and key[2].__class__ is not bool and key[2].__class__ is not float:
        try:  # the head of ``_quick``: the text before a peer, and after it in a VPC group
            _memo(_HEADS, key, lambda _: (inbound, before + (" from " if inbound else " to "),
                                          None, sp + prio, None, nic, wrong))
        except TypeError:
            pass
    prl = get("PortRangeListId")
    if prl is not None and prl != "" and not _blank(prl):
        return None  # a port list: the general path
    v4, v6, gid, plid, l4, l6 = map(get, SIDES[inbound])
    peers: list[str] = []
    family = 0
    if v4 is not None and v4 != "":
        if v4.__class__ is not str:
            return None  # E109
        text = v4.strip()
        if text:
            if not _v4_block(text):
                return None  # E109, W110
            peers.append(text)
            family = 4
    if v6 is not None and v6 != "":
        if v6.__class__ is not str:
            return None
        text = v6.strip()
        if text:
            if not _v6_block(text):
                return None
            peers.append(text)
            family = 6 if not peers[:-1] else 46
    refs: list[GroupRef] = []
    pl_id = None
    if gid is not None and gid != "" and not _blank(gid):
        if peers or gid.__class__ is not str or (plid is not None and plid != ""
                                                 and not _blank(plid)):
            return None  # W125 (the CIDR block or the group wins), E001 (not a string)
        side = "Source" if inbound else "Dest"
        account = get(side + "GroupOwnerAccount")
        if _blank(account):
            account = get(side + "GroupOwnerId")
            if _blank(account):
                account = None
        at = Node(gid, place.src, place.path + (index, side + "GroupId"), place.base,
                  place.prefix)
        refs.append(GroupRef(gid.strip(), (str(account).strip() or None)
                             if account is not None else None, None, at))
    elif plid is not None and plid != "" and not _blank(plid):
        if peers or plid.__class__ is not str:
            return None  # W125 (the CIDR block wins), E120 (not an id)
        pl_id = plid.strip()
        if not LIST_ID.fullmatch(pl_id):
            return None
        peers.append("prefix-list " + pl_id)
    elif not peers:
        return None  # E120: no peer
    local: list[str] = []
    if l4 is not None and l4 != "":
        if l4.__class__ is not str:
            return None
        text = l4.strip()
        if text:
            if not _v4_block(text):
                return None
            local.append(text)
    if l6 is not None and l6 != "":
        if l6.__class__ is not str:
            return None
        text = l6.strip()
        if text:
            if not _v6_block(text):
                return None
            local.append(text)
            if classic:
                return None  # E111: the classic network has no IPv6
    if classic:
        if family == 6 or family == 46:
            return None  # E111
        if nic is None:
            nic = Nic.INTRANET if refs else Nic.INTERNET
        tail = f"{sp} nic {nic.value}{prio}"
    else:
        if nic is Nic.INTERNET:
            return None  # W125: read as intranet
        nic = None
        tail = sp + prio
    x = get("Description")
    if x is not None and x != "":
        description = " ".join(str(x).split())
        if description:
            tail += " description " + quote(description)
    x = get("SecurityGroupRuleId")
    if x is not None and x != "" and not _blank(x):
        rule_id = str(x).strip()
        if rule_id:
            tail += " id " + ident(rule_id)
    there = ", ".join(local)
    if inbound:
        rest = (" to " + there if local else "") + tail
        if refs:
            text, after = before + " from group ", rest
        else:
            text, after = before + " from " + ", ".join(peers) + rest, ""
    else:
        start = before + (" from " + there if local else "") + " to "
        if refs:
            text, after = start + "group ", tail
        else:
            text, after = start + ", ".join(peers) + tail, ""
    rule = QuickRule(value, index, place, text)
    if after:
        rule.after = after
    if refs:
        rule.refs = refs
    if nic is not None:
        rule.nic = nic
    if pl_id is not None:
        rule.prefix_list = pl_id
    if len(peers) > 1 or len(local) > 1:
        rule.single = False
    if classic or local or not (refs or (len(peers) == 1 and pl_id is None and family != wrong)):
        rule.quiet = False
    return rule


__all__ = ["QuickRule", "read_permissions", "Src"]
