"""The resolved model: security groups, rules, interfaces, flow sets and assertions.

Everything here is plain frozen data (no lark, no z3). Names are already resolved;
addresses are ``AddrSpace`` values. The evaluator (``evaluate``) and the encoder
(``encode``) both read only this module's types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from functools import cached_property

from .addresses import INTERNET, V4, AddrSpace
from .diagnostics import Diagnostic, InputError, Span

TCP, UDP, ICMP, ICMPV6, GRE = 6, 17, 1, 58, 47
PROTOCOL_NAMES = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6", GRE: "gre"}
PROTOCOL_NUMBERS = {v: k for k, v in PROTOCOL_NAMES.items()}
PORT_PROTOCOLS = frozenset({TCP, UDP})
MIN_PORT, MAX_PORT = 1, 65535
MAX_GROUPS_PER_INTERFACE = 10


def protocol_name(number: int | None) -> str:
    if number is None:
        return "all"
    return PROTOCOL_NAMES.get(number, f"proto {number}")


class Direction(enum.Enum):
    INGRESS = "ingress"
    EGRESS = "egress"


class Action(enum.Enum):
    ACCEPT = "accept"
    DROP = "drop"


class Nic(enum.Enum):
    INTRANET = "intranet"
    INTERNET = "internet"


class GroupType(enum.Enum):
    """basic and enterprise: Alibaba Cloud. aws: the AWS profile of semantics.md (allow
    rules only, their union; no match drops in both directions; members of a group have no
    implicit access to each other). Every type but basic evaluates like enterprise."""

    BASIC = "basic"
    ENTERPRISE = "enterprise"
    AWS = "aws"


def intra_has_no_effect(who: str, what: str) -> str:
    """W128's message, the same for a spec's ``intra accept`` and an import's
    InnerAccessPolicy: only basic groups let members reach each other by default."""
    return (f"{who}: {what} has no effect: only basic groups have intra-group access; "
            "members of this one are isolated (custom rules decide), and are read so")


class Network(enum.Enum):
    VPC = "vpc"
    CLASSIC = "classic"


@dataclass(frozen=True, order=True, slots=True)
class PortRange:
    """Inclusive range of TCP/UDP ports within 1..65535 (port 0 is never a connection)."""

    lo: int
    hi: int

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


ALL_PORTS = (PortRange(MIN_PORT, MAX_PORT),)


def ports_contain(ports: tuple[PortRange, ...] | None, port: int) -> bool:
    if ports is None:
        return True
    for p in ports:  # a plain loop: asked of every rule for every flow the evaluator replays
        if p.lo <= port <= p.hi:
            return True
    return False


def format_ports(ports: tuple[PortRange, ...] | None) -> str:
    return "all" if ports is None else ", ".join(str(p) for p in ports)


@dataclass(frozen=True, order=True)
class GroupKey:
    """Identity of a security group: owner account ('' = the local account) and id or name."""

    account: str
    ident: str

    def __str__(self) -> str:
        return f"{self.account}/{self.ident}" if self.account else self.ident


@dataclass(frozen=True, slots=True)
class Peer:
    """What a rule's remote end may be: an address in ``addresses``, or a member of one of
    ``groups``, or in an unresolved prefix list (membership unknown to sgverify)."""

    addresses: AddrSpace = AddrSpace()
    groups: frozenset[GroupKey] = frozenset()
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    """One custom rule of a group. A rule matches a flow when the direction, protocol,
    destination ports, source ports, peer, local (interface-side) block and NIC type all
    match; a tuple of alternatives within one field is OR'd. ``None`` means any."""

    group: GroupKey
    group_name: str
    index: int
    direction: Direction
    action: Action
    protocol: int | None
    ports: tuple[PortRange, ...] | None
    peer: Peer
    priority: int = 1
    source_ports: tuple[PortRange, ...] | None = None
    local: AddrSpace | None = None
    nic: Nic = Nic.INTRANET
    label: str | None = None
    description: str = ""
    rule_id: str | None = None
    unresolved_ports: str | None = None  # an unresolved port list: dport membership unknown
    text: str = field(default="", compare=False)
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def unknowns(self) -> tuple[str, ...]:
        """Names of the unresolved lists this rule depends on."""
        extra = (self.unresolved_ports,) if self.unresolved_ports else ()
        return self.peer.unresolved + extra

    @property
    def name(self) -> str:
        return self.label or self.rule_id or f"{self.group_name}#{self.index + 1}"

    def locator(self) -> str:
        """The stable way results name this rule: its id if it has one, else file:line."""
        if self.rule_id:
            return self.rule_id
        return f"{self.span.path}:{self.span.line}" if self.span else self.name


@dataclass(frozen=True)
class Group:
    """A security group.

    Evaluation for one interface and one direction (semantics.md, "One ENI, one direction"):
    pool the custom rules of every group on the interface; among the rules matching the
    flow the smallest priority decides, and at that priority Drop beats Accept. Before
    the rules, a basic group with intra-group policy Accept admits members of the same
    group (internal network) whatever the rules say; with no matching rule, intra-group
    isolation (Drop policy or enterprise group) drops same-group traffic, and otherwise the
    group type's default decides (basic: ingress drop, egress accept; enterprise: both drop).
    Implemented twice, in ``evaluate.decide`` and ``encode.Encoder``; tests keep them equal.
    """

    key: GroupKey
    name: str
    network: Network = Network.VPC
    gtype: GroupType = GroupType.BASIC
    intra: Action = Action.ACCEPT
    gid: str | None = None
    owner: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    description: str = ""
    rules: tuple[Rule, ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False)
    # False for an 'external' group (another account's, or referenced by imported data but
    # not in it): it can be named as a peer, but nothing about its own decisions is known.
    rules_known: bool = True


@dataclass(frozen=True)
class Target:
    """One network interface as sgverify evaluates it: its groups (1..10, one network and one
    type) and, for a real instance, its own addresses (``None`` = any address)."""

    name: str
    kind: str  # "group", "groups" or "instance"
    groups: tuple[Group, ...]
    local: AddrSpace | None = None
    span: Span | None = field(default=None, compare=False, repr=False)
    private: AddrSpace | None = None  # a real instance's two kinds of addresses (local is
    public: AddrSpace | None = None   # their union); None for groups

    def with_groups(self, groups: tuple[Group, ...]) -> Target:
        """This interface with other groups (rules narrowed or removed): a plain ``Target``,
        whatever subclass this is, so that no memo of its rules is carried over."""
        return Target(self.name, self.kind, groups, self.local, self.span, self.private,
                      self.public)

    def without_rule(self, rule: Rule) -> Target:
        """This interface without ``rule`` (that object), as a plain ``Target``. Its
        precedence orders are this one's with the rule left out (removing a rule keeps the
        others' order: the sort key does not depend on the other rules), so that an
        evaluator replay without each of many rules does not sort them all again."""
        out = self.with_groups(tuple(replace(g, rules=tuple(x for x in g.rules if x is not rule))
                                     for g in self.groups))
        object.__setattr__(out, "_rules", {d: tuple(x for x in self.rules(d) if x is not rule)
                                           for d in Direction})
        return out

    def local_on(self, nic: Nic) -> AddrSpace | None:
        """The interface-side addresses a flow on ``nic`` can have (None: any). A VPC
        interface has one NIC with all its addresses. In the classic network the internet
        NIC holds the public addresses (an instance's own; for a group, any public IPv4
        address) and the intranet NIC the private ones (docs/semantics.md, section 1)."""
        if self.network is not Network.CLASSIC:
            return self.local
        own = (INTERNET.only(V4) if self.public is None else self.public) \
            if nic is Nic.INTERNET else self.private
        if own is None:
            return self.local
        return own if self.local is None else own & self.local

    @property
    def network(self) -> Network:
        return self.groups[0].network

    @property
    def gtype(self) -> GroupType:
        return self.groups[0].gtype

    @property
    def group_keys(self) -> frozenset[GroupKey]:
        return frozenset(g.key for g in self.groups)

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        """Pooled rules of this direction in precedence order: priority, Drop first, then
        group order and rule order (the order only breaks ties for reporting). Computed once
        per target and direction (the evaluator asks for it on every flow)."""
        cache = self.__dict__.get("_rules")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_rules", cache)  # a cache, not a field: frozen stays true
        hit = cache.get(direction)
        if hit is None:
            pooled = [r for g in self.groups for r in g.rules if r.direction is direction]
            order = {g.key: i for i, g in enumerate(self.groups)}
            hit = cache[direction] = tuple(sorted(
                pooled, key=lambda r: (r.priority, r.action is Action.ACCEPT, order[r.group], r.index)))
        return hit


@dataclass(frozen=True)
class Instance:
    """An instance's network interface: addresses and the groups it belongs to."""

    name: str
    groups: tuple[Group, ...]
    private: AddrSpace = AddrSpace()
    public: AddrSpace = AddrSpace()
    iid: str | None = None
    span: Span | None = field(default=None, compare=False, repr=False)

    @cached_property
    def target(self) -> Target:
        return Target(self.name, "instance", self.groups, self.private | self.public, self.span,
                      self.private, self.public)


@dataclass(frozen=True)
class Semantics:
    """The switches of semantics.md. ``intra_group``: 'override' (intra-group Accept outranks
    custom rules; default) or 'fallback' (consulted only when no custom rule matched).
    ``block_tcp25``: model the platform block of outbound TCP 25 to the internet."""

    intra_group: str = "override"
    block_tcp25: bool = False


# ---------------------------------------------------------------- flow sets


@dataclass(frozen=True)
class Service:
    """A protocol (None = any) with destination ports (None = any; ports imply TCP/UDP)."""

    protocols: frozenset[int] | None
    ports: tuple[PortRange, ...] | None = None


@dataclass(frozen=True)
class EndpointTerm:
    """One alternative for a flow end: its address is in ``addresses`` (None = any), it is a
    member of ``member_of`` (None = no condition), and its groups are exactly
    ``groups_exactly`` (None = no condition; frozenset() = in no group at all)."""

    addresses: AddrSpace | None = None
    member_of: GroupKey | None = None
    groups_exactly: frozenset[GroupKey] | None = None


@dataclass(frozen=True)
class FlowSet:
    """A set of flows: the conjunction of the given constraints; ``None`` means any.
    ``src``/``dst`` are OR'd endpoint terms; ``services`` are OR'd."""

    directions: frozenset[Direction] | None = None
    services: tuple[Service, ...] | None = None
    src: tuple[EndpointTerm, ...] | None = None
    dst: tuple[EndpointTerm, ...] | None = None
    source_ports: tuple[PortRange, ...] | None = None
    nic: Nic | None = None
    family: int | None = None
    peer_groups: frozenset[GroupKey] | None = None  # the remote end's groups, exactly


def flowset_keys(fs: FlowSet | None) -> set[GroupKey]:
    """The group keys a flow set mentions (ends and peer groups)."""
    keys: set[GroupKey] = set()
    if fs is None:
        return keys
    for terms in (fs.src, fs.dst):
        for t in terms or ():
            if t.member_of is not None:
                keys.add(t.member_of)
            keys.update(t.groups_exactly or ())
    keys.update(fs.peer_groups or ())
    return keys


def target_keys(target: Target) -> set[GroupKey]:
    """The target's own group keys and those its rules name as peers."""
    keys = set(target.group_keys)
    for g in target.groups:
        for r in g.rules:
            keys.update(r.peer.groups)
    return keys


# ---------------------------------------------------------------- assertions


class Check(enum.Enum):
    ALL_ALLOWED = "is allowed"
    ALL_DENIED = "is denied"
    SOME_ALLOWED = "is reachable"
    ONLY = "is allowed only"
    EQUIVALENT = "equivalent to"
    NO_MORE_PERMISSIVE = "no more permissive than"


@dataclass(frozen=True)
class FlowAssertion:
    """On ``target``, every / no / some flow of ``flows`` is accepted, or (ONLY) every
    accepted flow of ``flows`` is also in ``only``."""

    name: str
    text: str
    target: Target
    flows: FlowSet
    check: Check
    only: FlowSet | None = None
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ReachAssertion:
    """Instance-to-instance over the internal network: a flow from ``src`` to ``dst`` passes
    when src's egress AND dst's ingress accept it (each with its intra-group policy).
    ``check`` is ALL_ALLOWED (can reach), ALL_DENIED (cannot) or SOME_ALLOWED (partly)."""

    name: str
    text: str
    src: Instance
    dst: Instance
    flows: FlowSet
    check: Check
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CompareAssertion:
    """``left`` accepts exactly the flows ``right`` accepts (EQUIVALENT) or a subset of them
    (NO_MORE_PERMISSIVE), over ``flows``; interface addresses are left free."""

    name: str
    text: str
    left: Target
    right: Target
    flows: FlowSet
    check: Check
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ReachEnd:
    """An end of a fleet reach assertion: the internet (every public address, in no
    group), one instance, or the member instances of a group (``kind`` internet, instance
    or group; ``instances`` empty for the internet)."""

    kind: str
    name: str
    instances: tuple[Instance, ...] = ()

    def __str__(self) -> str:
        return "internet" if self.kind == "internet" else f"{self.kind} {self.name}"


@dataclass(frozen=True)
class FleetReachAssertion:
    """Reachability between sets (docs/reach.md): every ordered pair of distinct instances
    from ``src`` to ``dst`` is a ``ReachAssertion``; the internet as an end stands for the
    flow assertion ``ingress from internet`` (sender) or ``egress to internet`` (receiver)
    on each instance of the other end. ``check``: ALL_ALLOWED every connection of every
    pair passes (can reach), ALL_DENIED none does (cannot reach), SOME_ALLOWED some
    connection of some pair does (can partly reach)."""

    name: str
    text: str
    src: ReachEnd
    dst: ReachEnd
    flows: FlowSet
    check: Check
    span: Span | None = field(default=None, compare=False, repr=False)


Assertion = FlowAssertion | ReachAssertion | CompareAssertion | FleetReachAssertion


@dataclass(frozen=True)
class Policy:
    """A resolved spec: what one .sgv file and its includes define and assert."""

    path: str
    groups: tuple[Group, ...] = ()
    instances: tuple[Instance, ...] = ()
    assertions: tuple[Assertion, ...] = ()
    semantics: Semantics = Semantics()
    address_sets: tuple[tuple[str, AddrSpace], ...] = ()
    prefix_lists: tuple[tuple[str, AddrSpace | None], ...] = ()

    def group(self, name: str) -> Group | None:
        """The group whose name or id is ``name``: the first one (``groups_named`` gives
        all; references that must be unique use ``find_target``/``group_key``)."""
        return next((g for g in self.groups if name in (g.name, g.gid)), None)

    def groups_named(self, name: str, account: str | None = None) -> list[Group]:
        """Every group whose name or id is ``name`` (of ``account`` when given)."""
        return [g for g in self.groups
                if name in (g.name, g.gid) and (account is None or account == g.owner)]

    def instance(self, name: str) -> Instance | None:
        """The instance whose name or id is ``name`` (names and ids are unique, E105)."""
        return next((i for i in self.instances if name in (i.name, i.iid)), None)

    def _one_group(self, name: str, account: str | None = None) -> Group | None:
        found = self.groups_named(name, account)
        if len(found) > 1:
            listed = ", ".join(f"'{g.name}' (account {g.owner or 'local'}, id {g.gid or g.name})"
                               for g in found)
            raise InputError([Diagnostic.make(
                "E126", f"'{name}' names {len(found)} groups: {listed}; refer to one by its name, "
                "or as ACCOUNT/ID")])
        return found[0] if found else None

    def find_target(self, name: str) -> Target:
        """A group or instance by name or id ('group X' / 'instance X' to disambiguate), for
        a target given on the command line; E119 when both, E126 when several groups, E115
        when none."""
        kind, _, bare = name.partition(" ") if name.startswith(("group ", "instance ")) \
            else ("", "", name)
        group = self._one_group(bare) if kind in ("", "group") else None
        inst = self.instance(bare) if kind in ("", "instance") else None
        if group is not None and inst is not None:
            raise InputError([Diagnostic.make("E119", f"'{bare}' is both a group and an instance: "
                                              f"use --target 'group {bare}' or 'instance {bare}'")])
        if inst is not None:
            return inst.target
        if group is not None:
            return Target(group.name, "group", (group,), None, group.span)
        known = ", ".join(sorted([g.name for g in self.groups] + [i.name for i in self.instances]))
        raise InputError([Diagnostic.make("E115", f"no group or instance named '{bare}' (known: "
                                          f"{known or 'none'})")])

    def group_key(self, name: str, account: str | None = None) -> GroupKey:
        """The key of the group ``name`` (of ``account``) for a flow's peer groups; another
        account's group need not be defined. E126 when several groups match, E101 none."""
        g = self._one_group(name, account)
        if g is not None:
            return g.key
        if account is not None:
            return GroupKey(account, name)
        raise InputError([Diagnostic.make("E101", f"unknown group '{name}' in peer-groups")])
