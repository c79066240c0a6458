"""Syntax tree of a .sgv file: what was written, with spans, names not yet resolved.

``build`` produces these from the Lark tree (literals already checked and converted);
``resolve`` turns them into the ``model``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.addresses import AddrSpace
from ..core.diagnostics import Span
from ..core.model import Action, Check, Direction, GroupType, Network, Nic, PortRange

# The words of actions and directions, as the grammar spells them.
ACTIONS = {"accept": Action.ACCEPT, "allow": Action.ACCEPT, "drop": Action.DROP,
           "deny": Action.DROP, "forbid": Action.DROP}
DIRECTIONS = {"ingress": Direction.INGRESS, "inbound": Direction.INGRESS,
              "egress": Direction.EGRESS, "outbound": Direction.EGRESS}


@dataclass(frozen=True, slots=True)
class PeerNode:
    """One item of a peer list. kind: cidr | set | internet | any | group | prefix-list |
    instance. ``addresses`` for cidr; ``name`` for the named kinds; ``account`` for a
    cross-account group reference."""

    kind: str
    text: str
    addresses: AddrSpace | None = None
    name: str = ""
    account: str | None = None
    children: tuple[PeerNode, ...] = ()  # kind 'except': the excluded items
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ServiceNode:
    """Protocols (None = any) and destination ports (None = all ports)."""

    protocols: frozenset[int] | None
    ports: tuple[PortRange, ...] | None = None
    span: Span | None = field(default=None, compare=False)
    port_list: str | None = None  # rules only: ports from this named port list


@dataclass(frozen=True, slots=True)
class RuleNode:
    direction: Direction
    action: Action
    protocol: int | None
    ports: tuple[PortRange, ...] | None
    src: tuple[PeerNode, ...] | None = None
    dst: tuple[PeerNode, ...] | None = None
    priority: int = 1
    source_ports: tuple[PortRange, ...] | None = None
    nic: Nic | None = None
    label: str | None = None
    description: str = ""
    rule_id: str | None = None
    text: str = ""
    port_list: str | None = None  # destination ports come from this named port list
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class GroupNode:
    name: str
    network: Network = Network.VPC
    gtype: GroupType = GroupType.BASIC
    intra: Action | None = None  # None: not written (basic: accept; others: isolated)
    owner: str = ""
    gid: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    description: str = ""
    rules: tuple[RuleNode, ...] = ()
    span: Span | None = field(default=None, compare=False)
    rules_known: bool = True  # False: 'external', a group whose rules are not given


@dataclass(frozen=True)
class InstanceNode:
    name: str
    private: tuple[PeerNode, ...] = ()
    public: tuple[PeerNode, ...] = ()
    groups: tuple[tuple[str, Span | None], ...] = ()
    iid: str | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AddressSetNode:
    name: str
    peers: tuple[PeerNode, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PrefixListNode:
    """A named prefix list; ``peers`` None means its entries are unknown (unresolved)."""

    name: str
    pl_id: str | None
    peers: tuple[PeerNode, ...] | None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PortListNode:
    """A named port list; ``ports`` None means its entries are unknown (unresolved)."""

    name: str
    pl_id: str | None
    ports: tuple[PortRange, ...] | None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class OptionNode:
    name: str
    value: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class IncludeNode:
    path: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ImportNode:
    """``import "PATH" [as FORMAT]``: groups, instances and lists read from a cloud export
    (``sgverify.inputs``); ``fmt`` None means auto-detect."""

    path: str
    fmt: str | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FlowSetNode:
    directions: frozenset[Direction] | None = None
    services: tuple[ServiceNode, ...] | None = None
    src: tuple[PeerNode, ...] | None = None
    dst: tuple[PeerNode, ...] | None = None
    source_ports: tuple[PortRange, ...] | None = None
    nic: Nic | None = None
    family: int | None = None
    peer_groups: tuple[PeerNode, ...] | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TargetNode:
    """kind: any (a group or an instance), group, instance, groups; at an end of a reach
    assertion also internet."""

    kind: str
    names: tuple[tuple[str, Span | None], ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AssertNode:
    """kind: flow | reach | fleet-reach | compare. For reach (instance to instance) and
    fleet-reach (a group's members or the internet at an end), ``target`` is the sender and
    ``other`` the receiver; for compare, ``target`` is compared with ``other``."""

    kind: str
    check: Check
    target: TargetNode
    flows: FlowSetNode
    other: TargetNode | None = None
    only: FlowSetNode | None = None
    label: str | None = None
    text: str = ""
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FlowNode:
    """A concrete flow as written (``sgverify explain --flow``)."""

    direction: Direction
    protocol: int
    src: str
    dst: str
    src_port: int | None
    dst_port: int | None
    nic: Nic | None
    peer_groups: tuple[PeerNode, ...]
    span: Span | None = field(default=None, compare=False)


Statement = (IncludeNode | ImportNode | OptionNode | AddressSetNode | PrefixListNode | PortListNode
             | GroupNode | InstanceNode | AssertNode)


@dataclass(frozen=True)
class Document:
    path: str
    statements: tuple[Statement, ...]
