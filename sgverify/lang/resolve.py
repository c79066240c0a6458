"""Syntax documents -> resolved ``model.Policy``: names looked up, references checked,
well-formedness enforced. Every problem is one diagnostic with its span; resolution goes
on after an error so that one run reports them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from ..core.addresses import ANY, INTERNET, V4, V6, AddrSpace
from ..core.diagnostics import Diagnostic, Span
from ..core.records import quick_maker
from ..core.model import (
    ICMP,
    ICMPV6,
    MAX_GROUPS_PER_INTERFACE,
    Action,
    Assertion,
    CompareAssertion,
    Direction,
    EndpointTerm,
    FleetReachAssertion,
    FlowAssertion,
    FlowSet,
    Group,
    GroupKey,
    GroupType,
    Instance,
    Network,
    Nic,
    Peer,
    Policy,
    ReachAssertion,
    ReachEnd,
    Rule,
    Semantics,
    Service,
    Target,
    intra_has_no_effect,
)
from .parse import reserved_words
from .syntax import (
    AddressSetNode,
    AssertNode,
    Document,
    FlowSetNode,
    GroupNode,
    InstanceNode,
    OptionNode,
    PeerNode,
    PortListNode,
    PrefixListNode,
    RuleNode,
    TargetNode,
)

OPTIONS: dict[str, dict[str, str | bool]] = {
    "intra-group": {"override": "override", "fallback": "fallback"},
    "block-outbound-tcp25": {"on": True, "off": False, "true": True, "false": False},
}


_AMBIGUOUS = GroupNode("<ambiguous>")  # a reference that E126 refused
_NO_ADDRESSES = AddrSpace()
_NO_GROUPS: frozenset[GroupKey] = frozenset()
_rule = quick_maker(Rule)
_peer = quick_maker(Peer)


def _by_name_or_id(table: dict, name: str, id_field: str = "pl_id") -> Any:
    """The entry of ``table`` (by name) whose name or id is ``name``. Names and ids of one
    kind share a namespace (``unique_idents`` refuses a clash), so at most one matches."""
    hit = table.get(name)
    if hit is not None:
        return hit
    return next((v for v in table.values() if getattr(v, id_field) == name), None)


@dataclass
class Resolver:
    diags: list[Diagnostic] = field(default_factory=list)
    sets: dict[str, AddressSetNode] = field(default_factory=dict)
    set_values: dict[str, AddrSpace] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixListNode] = field(default_factory=dict)
    port_lists: dict[str, PortListNode] = field(default_factory=dict)
    pl_values: dict[str, AddrSpace] = field(default_factory=dict)
    group_nodes: dict[str, GroupNode] = field(default_factory=dict)
    keys: dict[str, GroupKey] = field(default_factory=dict)  # group name -> key
    groups: dict[str, Group] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)  # address sets being resolved
    # group_nodes by name and by id, rebuilt when a group is added (lookups were a scan of
    # every group per reference: quadratic on an estate)
    _by_ident: tuple[int, dict[str, list[GroupNode]]] = (-1, {})
    quick: bool = True  # False: every rule the general way (the reference plain_rule is tested against)

    def error(self, code: str, message: str, span: Span | None,
              notes: tuple[tuple[Span | None, str], ...] = ()) -> None:
        self.diags.append(Diagnostic.make(code, message, span, notes))

    # ------------------------------------------------------------ definitions
    def define(self, table: dict, name: str, node: object, what: str, span: Span | None) -> bool:
        if name in reserved_words():
            self.error("E119", f"'{name}' is a word of the language and cannot name a {what}", span)
            return False
        if name in table:
            first = getattr(table[name], "span", None)
            self.error("E105", f"{what} '{name}' is defined twice", span,
                       ((first, "first defined here"),))
            return False
        table[name] = node
        return True

    def address_set(self, name: str, span: Span | None) -> AddrSpace:
        """The addresses of set ``name``, with every set it refers to resolved first,
        iteratively (a chain of thousands of sets needs no deep recursion); a set that
        refers to itself is E104 naming the cycle."""
        if name in self.set_values:
            return self.set_values[name]
        if name in self._resolving:
            return AddrSpace()  # closes a cycle, reported where it was found
        node = self.sets.get(name)
        if node is None:
            self.error("E104", f"unknown address set '{name}'", span)
            return AddrSpace()
        path = [name]
        self._resolving.add(name)
        pending = [iter([p for p in node.peers if p.kind == "set"])]
        while pending:
            ref = next(pending[-1], None)
            if ref is None:
                done = path.pop()
                pending.pop()
                self.set_values[done] = self.addresses(self.sets[done].peers, "address set")
                self._resolving.discard(done)
                continue
            if ref.name in self.set_values or ref.name not in self.sets:
                continue  # known, or reported as unknown when its user is resolved
            if ref.name in self._resolving:
                chain = path[path.index(ref.name):] + [ref.name]
                self.error("E104", f"address set '{ref.name}' refers to itself "
                           f"({' -> '.join(chain)})", ref.span)
                continue
            path.append(ref.name)
            self._resolving.add(ref.name)
            pending.append(iter([p for p in self.sets[ref.name].peers if p.kind == "set"]))
        return self.set_values[name]

    def addresses(self, peers: Iterable[PeerNode], what: str,
                  family: int | None = None) -> AddrSpace:
        """Peers that must all be addresses (CIDRs, sets, internet, any). With ``family``
        (a classic-network rule: IPv4 only) the words ``internet`` and ``any`` mean their
        part in that family; blocks and sets are taken as written."""
        out: list[AddrSpace] = []
        for p in peers:
            if p.kind == "cidr" and p.addresses is not None:
                out.append(p.addresses)
            elif p.kind == "set":
                out.append(self.address_set(p.name, p.span))
            elif p.kind in ("internet", "any"):
                space = INTERNET if p.kind == "internet" else ANY
                out.append(space if family is None else space.only(family))
            elif p.kind == "except":
                self.error("E120", "'except' is only for flow sets in assertions; in "
                           f"{what} list the addresses to include", p.span)
            else:
                self.error("E120", f"{what} can hold only addresses, not '{p.text}'", p.span)
        return AddrSpace.union(out)

    def prefix_list(self, name: str, span: Span | None) -> tuple[AddrSpace | None, str] | None:
        node = _by_name_or_id(self.prefix_lists, name)
        if node is None:
            self.error("E103", f"unknown prefix list '{name}'", span)
            return None
        label = f"prefix list {node.pl_id or node.name}"
        if node.peers is None:
            return None, label
        if node.name not in self.pl_values:  # resolve (and report problems) once
            self.pl_values[node.name] = self.addresses(node.peers, "a prefix list")
        return self.pl_values[node.name], label

    def group_key(self, name: str, account: str | None, span: Span | None,
                  default_account: str = "", external_ok: bool = True) -> GroupKey | None:
        """Resolve a group reference by name or id. ``account/id`` may name a group that
        is not defined here (another account's group): it is then known only by its key."""
        found = self.group_nodes_named(name, account, span)
        if found is not None:
            return self.keys[found.name] if found is not _AMBIGUOUS else None
        if account is not None and account != default_account and external_ok:
            return GroupKey(account, name)
        self.error("E101", f"unknown group '{name}'" + (f" of account {account}" if account else ""),
                   span, ((None, "declare it (for example `group " + name + " (external) {}`) if "
                           "only its membership matters"),))
        return None

    def group_nodes_named(self, name: str, account: str | None, span: Span | None) -> GroupNode | None:
        """The one group whose name or id is ``name`` (of ``account`` when given); None when
        there is none. Two or more is error E126 listing them (returned as ``_AMBIGUOUS``):
        a bare id that groups of several accounts share must not pick whichever comes first."""
        if self._by_ident[0] != len(self.group_nodes):
            index: dict[str, list[GroupNode]] = {}
            for gname, node in self.group_nodes.items():
                for ident in dict.fromkeys(x for x in (gname, node.gid) if x):
                    index.setdefault(ident, []).append(node)
            self._by_ident = (len(self.group_nodes), index)
        matches = [node for node in self._by_ident[1].get(name, ())
                   if account is None or account == node.owner]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            return None
        listed = ", ".join(f"'{n.name}' (account {n.owner or 'local'}, id {n.gid or n.name})"
                           for n in matches)
        self.error("E126", f"'{name}' names {len(matches)} groups: {listed}; refer to one by "
                   "its name, or as ACCOUNT/ID", span,
                   tuple((n.span, f"group '{n.name}' is defined here") for n in matches))
        return _AMBIGUOUS

    def defined_group(self, name: str, span: Span | None) -> tuple[Group | None, bool]:
        """The resolved group a target or an interface's ``groups`` names (by name or id),
        and whether the name is known at all (ambiguous names are known: E126 was given)."""
        node = self.group_nodes_named(name, None, span)
        if node is _AMBIGUOUS:
            return None, True
        if node is None:
            return None, False
        return self.groups.get(node.name), True

    def defined_instance(self, name: str, span: Span | None) -> Instance | None:
        """The instance named ``name`` (by name or id); ids and names are unique (E105)."""
        return _by_name_or_id(self.instances, name, "iid")

    # ------------------------------------------------------------ rules and groups
    def rule(self, node: RuleNode, g: GroupNode, key: GroupKey, index: int) -> Rule | None:
        """The resolved rule, or None after an error. The commonest rule (one block or one
        group as its peer, no interface-side block, no port list, in a VPC group that is not
        AWS) is resolved by ``plain_rule``; ``tests/lang/test_resolve_fast.py`` compares it
        with the general way, diagnostics included."""
        if self.quick and node.port_list is None and g.network is Network.VPC and \
                g.gtype is not GroupType.AWS:
            made = self.plain_rule(node, g, key, index)
            if made is not False:
                return made  # type: ignore[return-value]
        return self.any_rule(node, g, key, index)

    def plain_rule(self, node: RuleNode, g: GroupNode, key: GroupKey, index: int
                   ) -> Rule | None | bool:
        """``any_rule`` for a rule with one peer (a block or a group) and no interface-side
        block in a VPC group; False for any other rule. What ``any_rule`` checks that
        cannot apply here is left out: a VPC rule's NIC is the intranet (and 'nic internet'
        an error), there is no local side to compare families with and no IPv6 limit."""
        inbound = node.direction is Direction.INGRESS
        peers, local = (node.src, node.dst) if inbound else (node.dst, node.src)
        if local is not None or peers is None or len(peers) != 1 or node.nic is Nic.INTERNET:
            return False
        p = peers[0]
        kind = p.kind
        if kind == "cidr" and p.addresses is not None:
            addresses = p.addresses
            peer = _peer(addresses, _NO_GROUPS, ())
            if node.protocol == ICMP or node.protocol == ICMPV6:
                families = addresses.families()
                if node.protocol == ICMP and families == {V6}:
                    self.error("E116", "icmp is IPv4 only; use icmpv6 for IPv6 peers", node.span)
                if node.protocol == ICMPV6 and addresses and V6 not in families:
                    self.error("E116", "icmpv6 is IPv6 only; use icmp for IPv4 peers", node.span)
        elif kind == "group":
            k = self.group_key(p.name, p.account, p.span, g.owner)
            peer = _peer(_NO_ADDRESSES, frozenset((k,)) if k is not None else _NO_GROUPS, ())
        else:
            return False
        return _rule(key, g.name, index, node.direction, node.action, node.protocol,
                     node.ports, peer, node.priority, node.source_ports, None, Nic.INTRANET,
                     node.label, node.description, node.rule_id, None, node.text, node.span)

    def any_rule(self, node: RuleNode, g: GroupNode, key: GroupKey, index: int) -> Rule | None:
        """``rule``, for every rule."""
        inbound = node.direction is Direction.INGRESS
        peer_nodes = node.src if inbound else node.dst
        local_nodes = node.dst if inbound else node.src
        if peer_nodes is None:
            self.error("E120", f"an {node.direction.value} rule needs its peer: "
                       f"'{'from' if inbound else 'to'} <addresses, group or prefix list>'",
                       node.span)
            return None
        spaces: list[AddrSpace] = []
        groups, unresolved = set(), []
        plain = []  # address peers, resolved together (one merge for the whole list)
        for p in peer_nodes:
            if p.kind == "group":
                k = self.group_key(p.name, p.account, p.span, g.owner)
                if k is not None:
                    groups.add(k)
            elif p.kind == "prefix-list":
                resolved = self.prefix_list(p.name, p.span)
                if resolved is not None:
                    space, label = resolved
                    if space is None:
                        unresolved.append(label)
                    else:
                        spaces.append(space)
            elif p.kind == "instance":
                self.error("E120", "a rule cannot name an instance; use its addresses or one of "
                           "its groups", p.span)
            else:
                plain.append(p)
        family = V4 if g.network is Network.CLASSIC else None  # the classic network has no IPv6
        spaces.append(self.addresses(plain, "a peer", family))
        addresses = AddrSpace.union(spaces)
        local = self.addresses(local_nodes, "the interface side of a rule", family) \
            if local_nodes else None
        ports, unresolved_ports = node.ports, None
        if node.port_list is not None:
            pl = _by_name_or_id(self.port_lists, node.port_list)
            if pl is None:
                self.error("E103", f"unknown port list '{node.port_list}'", node.span)
            elif pl.ports is None:
                unresolved_ports = f"port list {pl.pl_id or pl.name}"
            else:
                ports = pl.ports
        if g.gtype is GroupType.AWS and node.action is Action.DROP:
            self.error("E120", "AWS groups have allow rules only (their rules are a union; "
                       "a 'drop' rule has no meaning there)", node.span)
        nic = node.nic
        if g.network is Network.CLASSIC and nic is None and addresses:
            self.diags.append(Diagnostic.make(
                "W125", "classic-network rule without 'nic': read as 'nic internet' (the API default); "
                "write 'nic intranet' for the internal network", node.span))
        if g.network is Network.VPC:
            if nic is Nic.INTERNET:
                self.error("E120", "VPC groups have only 'nic intranet' rules (they cover public "
                           "and internal traffic)", node.span)
            nic = Nic.INTRANET
        elif nic is None:
            nic = Nic.INTRANET if groups and not addresses else Nic.INTERNET
        if groups and nic is Nic.INTERNET:
            self.error("E120", "group authorisation works on the internal network only: use "
                       "'nic intranet'", node.span)
        families = addresses.families() | (local.families() if local else frozenset())
        if g.network is Network.CLASSIC and V6 in families:
            self.error("E111", "the classic network has no IPv6: IPv6 blocks (written here or "
                       f"in an address set the rule names) are not allowed in classic group "
                       f"'{g.name}'", node.span)
        if local is not None and not groups and not unresolved and addresses and \
                not addresses.families() & local.families():
            self.error("E116", "the peer and the interface-side block are of different address "
                       "families, so this rule can never match", node.span)
        if node.protocol == ICMP and addresses and addresses.families() == {V6} and not groups:
            self.error("E116", "icmp is IPv4 only; use icmpv6 for IPv6 peers", node.span)
        if node.protocol == ICMPV6 and addresses and V6 not in addresses.families() and not groups:
            self.error("E116", "icmpv6 is IPv6 only; use icmp for IPv4 peers", node.span)
        return Rule(key, g.name, index, node.direction, node.action, node.protocol, ports,
                    Peer(addresses, frozenset(groups), tuple(unresolved)), node.priority,
                    node.source_ports, local, nic, node.label, node.description, node.rule_id,
                    unresolved_ports, node.text, node.span)

    def group(self, node: GroupNode) -> Group:
        key = self.keys[node.name]
        if node.gtype is GroupType.ENTERPRISE and node.network is Network.CLASSIC:
            self.error("E118", f"enterprise group '{node.name}' cannot be in the classic network "
                       "(enterprise groups are VPC only)", node.span)
        if node.gtype is not GroupType.BASIC and node.intra is Action.ACCEPT:
            self.diags.append(Diagnostic.make("W128", intra_has_no_effect(
                f"{node.gtype.value} group '{node.name}'", "'intra accept'"), node.span))
        rules = []
        labels: dict[str, RuleNode] = {}
        plain = self.quick and node.network is Network.VPC and node.gtype is not GroupType.AWS
        for i, rn in enumerate(node.rules):
            if rn.label:
                if rn.label in labels:
                    self.error("E105", f"rule label '{rn.label}' is used twice in group "
                               f"'{node.name}'", rn.span, ((labels[rn.label].span, "first used here"),))
                labels[rn.label] = rn
            r = self.plain_rule(rn, node, key, i) if plain and rn.port_list is None else False
            if r is False:  # (what ``rule`` does, its test once for the whole group)
                r = self.any_rule(rn, node, key, i)
            if r is not None:
                rules.append(r)
        intra = (node.intra or Action.ACCEPT) if node.gtype is GroupType.BASIC else Action.DROP
        return Group(key, node.name, node.network, node.gtype, intra, node.gid, node.owner,
                     node.tags, node.description, tuple(rules), node.span, node.rules_known)

    def interface_groups(self, names: Iterable[tuple[str, Span | None]], who: str,
                         span: Span | None) -> tuple[Group, ...] | None:
        groups, unknown = [], False
        for name, nspan in names:
            g, known = self.defined_group(name, nspan)
            if g is None:   # report every unknown name, not just the first
                if not known:
                    self.error("E101", f"unknown group '{name}'", nspan)
                unknown = True
            else:
                groups.append(g)
        if unknown:
            return None
        if not groups:
            self.error("E112", f"{who} must belong to at least one group", span)
            return None
        if len(groups) > MAX_GROUPS_PER_INTERFACE:
            self.error("E112", f"{who} is in {len(groups)} groups; an interface can be in at most "
                       f"{MAX_GROUPS_PER_INTERFACE}", span)
            return None
        kinds = {(g.network, g.gtype) for g in groups}
        if len(kinds) > 1:
            desc = ", ".join(f"{g.name} ({g.network.value}, {g.gtype.value})" for g in groups)
            self.error("E118", f"{who} mixes groups of different networks or types: {desc}; all "
                       "groups of one interface are of one network and one type", span)
            return None
        if len({g.key for g in groups}) != len(groups):  # keys: hashing a group hashes its rules
            self.error("E105", f"{who} lists the same group twice", span)
            return None
        return tuple(groups)

    def instance(self, node: InstanceNode) -> Instance | None:
        groups = self.interface_groups(node.groups, f"instance '{node.name}'", node.span)
        if groups is None:
            return None
        private = self.addresses(node.private, "instance addresses")
        public = self.addresses(node.public, "instance addresses")
        if groups[0].network is Network.CLASSIC and V6 in (private | public).families():
            self.error("E111", f"instance '{node.name}' is in the classic network, which has no IPv6",
                       node.span)
        return Instance(node.name, groups, private, public, node.iid, node.span)

    # ------------------------------------------------------------ assertions
    def target(self, node: TargetNode) -> Target | None:
        if node.kind == "groups":
            groups = self.interface_groups(node.names, "this group list", node.span)
            if groups is None:
                return None
            return Target("+".join(g.name for g in groups), "groups", groups, None, node.span)
        name, nspan = node.names[0]
        g, g_known = self.defined_group(name, nspan) if node.kind in ("any", "group") else (None, False)
        i = self.defined_instance(name, nspan)
        if g_known and g is None:
            return None  # ambiguous (E126) or a group with errors
        if node.kind == "any" and g is not None and i is not None:
            self.error("E119", f"'{name}' is both a group and an instance: write 'group {name}' or "
                       f"'instance {name}'", nspan)
            return None
        if node.kind in ("any", "group") and g is not None:
            return Target(g.name, "group", (g,), None, node.span)
        if node.kind in ("any", "instance") and i is not None:
            return i.target
        known = name in self.group_nodes or any(n == name for n in self.instance_names)
        if not known and not g_known:
            what = {"group": "group", "instance": "instance"}.get(node.kind, "group or instance")
            self.error("E115" if node.kind == "any" else ("E101" if node.kind == "group" else "E102"),
                       f"this assertion is about '{name}', but no {what} of that name exists", nspan)
        return None

    instance_names: tuple[str, ...] = ()

    def endpoints(self, peers: tuple[PeerNode, ...] | None) -> tuple[EndpointTerm, ...] | None:
        if peers is None:
            return None
        terms = []
        excluded = AddrSpace()
        for p in peers:
            if p.kind == "except":
                excluded = excluded | self.addresses(p.children, "'except'")
        for p in peers:
            if p.kind == "except":
                continue
            if p.kind == "internet":
                terms.append(EndpointTerm(INTERNET, groups_exactly=frozenset()))
            elif p.kind == "group":
                k = self.group_key(p.name, p.account, p.span)
                if k is not None:
                    terms.append(EndpointTerm(member_of=k))
            elif p.kind == "instance":
                inst = self.defined_instance(p.name, p.span)
                if inst is None:
                    if p.name not in self.instance_names:
                        self.error("E102", f"unknown instance '{p.name}'", p.span)
                    continue
                terms.append(EndpointTerm(inst.private | inst.public,
                                          groups_exactly=frozenset(g.key for g in inst.groups)))
            elif p.kind == "prefix-list":
                resolved = self.prefix_list(p.name, p.span)
                if resolved is not None:
                    if resolved[0] is None:
                        self.error("E201", f"prefix list '{p.name}' has no known entries, so a flow "
                                   "set cannot use it", p.span)
                    else:
                        terms.append(EndpointTerm(resolved[0]))
            else:
                terms.append(EndpointTerm(self.addresses([p], "a flow end")))
        if excluded:
            terms = [replace(t, addresses=(ANY if t.addresses is None else t.addresses) - excluded)
                     for t in terms]
        return tuple(terms)

    def flow_set(self, node: FlowSetNode | None) -> FlowSet:
        if node is None:
            return FlowSet()
        services = None
        if node.services is not None:
            services = tuple(Service(s.protocols, s.ports) for s in node.services)
        peer_groups = None
        if node.peer_groups is not None:
            keys = [self.group_key(p.name, p.account, p.span) for p in node.peer_groups]
            peer_groups = frozenset(k for k in keys if k is not None)
        return FlowSet(node.directions, services, self.endpoints(node.src), self.endpoints(node.dst),
                       node.source_ports, node.nic, node.family, peer_groups)

    def assertion(self, node: AssertNode, index: int) -> Assertion | None:
        name = node.label or node.text
        flows = self.flow_set(node.flows)
        if node.kind == "flow":
            target = self.target(node.target)
            only = self.flow_set(node.only) if node.only is not None else None
            if target is None:
                return None
            return FlowAssertion(name, node.text, target, flows, node.check, only, node.span)
        if node.kind == "reach":
            ends = []
            for tnode in (node.target, node.other):
                assert tnode is not None
                iname, ispan = tnode.names[0]
                inst = self.defined_instance(iname, ispan)
                if inst is None:
                    if iname not in self.instance_names:
                        self.error("E102", f"unknown instance '{iname}'", ispan)
                    return None
                if not inst.private:
                    self.error("E115", f"instance '{iname}' has no private address, so nothing can "
                               "reach it or come from it over the internal network", ispan)
                    return None
                ends.append(inst)
            return ReachAssertion(name, node.text, ends[0], ends[1], flows, node.check, node.span)
        if node.kind == "fleet-reach":
            assert node.other is not None
            return self.fleet_reach(node, name, flows)
        assert node.other is not None
        left, right = self.target(node.target), self.target(node.other)
        if left is None or right is None:
            return None
        return CompareAssertion(name, node.text, left, right, flows, node.check, node.span)


    def fleet_reach(self, node: AssertNode, name: str, flows: FlowSet) -> FleetReachAssertion | None:
        """A reach assertion with a group or the internet at an end (docs/reach.md)."""
        assert node.other is not None
        if node.target.kind == node.other.kind == "internet":
            self.error("E120", "a reach assertion needs an instance or a group at one end at "
                       "least", node.span)
            return None
        other_internet = {id(node.target): node.other.kind == "internet",
                          id(node.other): node.target.kind == "internet"}
        ends = []
        for tnode in (node.target, node.other):
            ename, espan = tnode.names[0]
            if tnode.kind == "internet":
                ends.append(ReachEnd("internet", "internet"))
                continue
            if tnode.kind == "group":
                g, known = self.defined_group(ename, espan)
                if g is None:
                    if not known:
                        self.error("E101", f"unknown group '{ename}'", espan)
                    return None
                members = tuple(i for i in self.instances.values() if g in i.groups)
                ends.append(ReachEnd("group", g.name, members))
                continue
            inst = self.defined_instance(ename, espan)
            if inst is None:
                if ename not in self.instance_names:
                    self.error("E102", f"unknown instance '{ename}'", espan)
                return None
            if not inst.private and not other_internet[id(tnode)]:
                self.error("E115", f"instance '{ename}' has no private address, so nothing can "
                           "reach it or come from it over the internal network", espan)
                return None
            ends.append(ReachEnd("instance", inst.name, (inst,)))
        return FleetReachAssertion(name, node.text, ends[0], ends[1], flows, node.check, node.span)


def unique_idents(r: Resolver, nodes: list[Any], what: str, id_field: str) -> None:
    """E105 when a name or id of one of ``nodes`` is already the name or id of another
    (the same node may carry its name as its id; a name defined twice is reported where
    it is defined)."""
    seen: dict[str, Any] = {}
    for node in nodes:
        for ident in dict.fromkeys(x for x in (node.name, getattr(node, id_field)) if x):
            other = seen.get(ident)
            if other is not None and other is not node and other.name != node.name:
                role = "name" if other.name == ident else "id"
                r.error("E105", f"'{ident}' already identifies {what} '{other.name}' (as its "
                        f"{role}); names and ids of {what}s must all differ", node.span,
                        ((other.span, "first used here"),))
            seen.setdefault(ident, node)


def resolve(documents: list[Document], quick: bool = True) -> tuple[Policy, list[Diagnostic]]:
    """Resolve the documents of one spec (top file first) into a Policy. ``quick=False``
    resolves every rule the general way (``Resolver.any_rule``), for tests."""
    r = Resolver(quick=quick)
    options: dict[str, tuple[object, OptionNode]] = {}
    groups: list[GroupNode] = []
    instances: list[InstanceNode] = []
    asserts: list[AssertNode] = []
    for doc in documents:
        for st in doc.statements:
            if isinstance(st, OptionNode):
                choices = OPTIONS.get(st.name)
                if choices is None:
                    r.error("E121", f"unknown option '{st.name}'; known options: "
                            + ", ".join(sorted(OPTIONS)), st.span)
                elif st.value.lower() not in choices:
                    r.error("E121", f"option {st.name} takes " + " or ".join(sorted(choices)) +
                            f", not '{st.value}'", st.span)
                else:
                    value = choices[st.value.lower()]
                    if st.name in options and options[st.name][0] != value:
                        r.error("E121", f"option {st.name} is set twice with different values", st.span,
                                ((options[st.name][1].span, "first set here"),))
                    options[st.name] = (value, st)
            elif isinstance(st, AddressSetNode):
                r.define(r.sets, st.name, st, "address set", st.span)
            elif isinstance(st, PrefixListNode):
                r.define(r.prefix_lists, st.name, st, "prefix list", st.span)
            elif isinstance(st, PortListNode):
                r.define(r.port_lists, st.name, st, "port list", st.span)
            elif isinstance(st, GroupNode):
                if r.define(r.group_nodes, st.name, st, "group", st.span):
                    groups.append(st)
            elif isinstance(st, InstanceNode):
                instances.append(st)
            elif isinstance(st, AssertNode):
                asserts.append(st)
    # Every name and id must pick out one group of its account: they are how rules, flows
    # and results refer to groups, and the identity used for intra-group policy. A group's
    # identity is (account, id): '/' separates the two in references and in printed flows,
    # so neither may hold one (or '1/sg-x' of this account and sg-x of account 1 would be
    # one group to the solver and to a reader).
    idents: dict[tuple[str, str], GroupNode] = {}
    for g in groups:
        for what, value in (("id", g.gid), ("owner", g.owner)):
            if value and "/" in value:
                r.error("E127", f"group '{g.name}' has {what} '{value}': a group's {what} cannot "
                        "contain '/', which separates the account from the id in references "
                        "(write owner ACCOUNT and id ID apart)", g.span)
    for g in groups:
        for ident in dict.fromkeys((g.name, g.gid or g.name)):
            other = idents.get((g.owner, ident))
            if other is not None and other is not g:
                r.error("E105", f"'{ident}' already identifies group '{other.name}' (as its "
                        f"{'name' if other.name == ident else 'id'}); names and ids of groups of "
                        "one account must all differ", g.span, ((other.span, "first used here"),))
            idents[(g.owner, ident)] = g
        r.keys[g.name] = GroupKey(g.owner, g.gid or g.name)
    for g in groups:
        r.groups[g.name] = r.group(g)
    # Names and ids of lists, and of instances, share one namespace per kind: a reference
    # may use either, so one word must never stand for two of them.
    unique_idents(r, list(r.prefix_lists.values()), "prefix list", "pl_id")
    unique_idents(r, list(r.port_lists.values()), "port list", "pl_id")
    unique_idents(r, instances, "instance", "iid")
    r.instance_names = tuple(i.name for i in instances)
    for inode in instances:
        if inode.name in reserved_words():  # 'internet' in a target would be the built-in
            r.error("E119", f"'{inode.name}' is a word of the language and cannot name an "
                    "instance", inode.span)
            continue
        if inode.name in r.instances:
            r.error("E105", f"instance '{inode.name}' is defined twice", inode.span,
                    ((r.instances[inode.name].span, "first defined here"),))
            continue
        inst = r.instance(inode)
        if inst is not None:
            r.instances[inode.name] = inst
    for name, node in r.sets.items():
        r.address_set(name, node.span)
    assertions = []
    labels: dict[str, AssertNode] = {}
    for i, a in enumerate(asserts):
        if a.label:
            if a.label in labels:
                r.error("E105", f"assertion label '{a.label}' is used twice", a.span,
                        ((labels[a.label].span, "first used here"),))
            labels[a.label] = a
        resolved = r.assertion(a, i)
        if resolved is not None:
            assertions.append(resolved)
    sem = Semantics(
        intra_group=str(options["intra-group"][0]) if "intra-group" in options else "override",
        block_tcp25=bool(options["block-outbound-tcp25"][0]) if "block-outbound-tcp25" in options else False)
    pls = tuple((n, (r.prefix_list(n, None) or (None, ""))[0]) for n in r.prefix_lists)
    policy = Policy(documents[0].path if documents else "", tuple(r.groups.values()),
                    tuple(r.instances.values()), tuple(assertions), sem,
                    tuple(r.set_values.items()), pls)
    return policy, r.diags
