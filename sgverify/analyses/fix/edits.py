"""Rule edits and the candidates ``fix`` tries: what an edit is, how a set of edits changes a
policy, and which edits a counterexample suggests.

An edit touches one rule of one group (delete it, change its action or priority, narrow
its peer or ports, which may split it in two, or move it to another group of the
interfaces that hold its group) or adds one rule to a group. Edits never
touch an assertion, an instance's groups or a group's type. Candidates come from the
counterexamples of violated assertions and the rule (or default) that decided them: each
is an edit that makes that interface decide the counterexample the other way, or
narrows the rule so that the region the assertion names is left out of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from ...core.addresses import INTERNET, V4, AddrSpace, format_address
from ...core.evaluate import Decision, Reason, decide_all, definitely
from ...core.flow import Flow
from ...core.model import (
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    Action,
    Assertion,
    Check,
    CompareAssertion,
    Direction,
    EndpointTerm,
    FlowAssertion,
    FlowSet,
    Group,
    GroupKey,
    GroupType,
    Instance,
    Network,
    Peer,
    Policy,
    PortRange,
    ReachAssertion,
    ReachEnd,
    Rule,
    Target,
    protocol_name,
)
from ...core.result import Result

MIN_PRIORITY, MAX_PRIORITY = 1, 100  # Alibaba Cloud's rule priorities
MAX_RULES_PER_INTERFACE = 1000  # across the groups of one interface (semantics.md, limits)
KINDS = ("delete", "action", "priority", "narrow", "move", "add")  # edit kinds, in ranking order
MAX_MOVE_TARGETS = 3  # groups a deciding rule may be moved to, per counterexample
EVERYTHING = AddrSpace.everything()


@dataclass(frozen=True)
class Edit:
    """One change to one group: ``old`` the rule changed or deleted (None: a rule added),
    ``new`` what replaces it (empty: deleted; two rules: a split narrowing); a move deletes
    ``old`` from ``group`` and adds ``new[0]`` (the same rule) to the group ``to``.
    ``reason`` says in plain words why (the counterexample and the rule that decided it)."""

    kind: str  # one of KINDS
    group: GroupKey
    group_name: str
    old: Rule | None
    new: tuple[Rule, ...]
    reason: str
    what: str = ""  # the change itself, in words ("priority 2 -> 1")
    to: GroupKey | None = None  # a move's destination group
    to_name: str = ""

    @property
    def key(self) -> tuple[object, ...]:
        """Identity and the deterministic order of candidates (content, not indexes of
        added rules)."""
        old = (self.old.index,) if self.old is not None else (-1,)
        return (KINDS.index(self.kind), str(self.group)) + old + tuple(
            _rule_sort_key(r) for r in self.new) + ((str(self.to),) if self.to else ())

    def parts(self) -> tuple[Edit, ...]:
        """The one-group edits this edit is made of: a move is a delete in its group and an
        add to ``to``; any other edit is itself."""
        if self.kind != "move" or self.to is None or self.old is None:
            return (self,)
        return (Edit("delete", self.group, self.group_name, self.old, (), self.reason, "moved"),
                Edit("add", self.to, self.to_name, None, self.new, self.reason, self.what))

    @property
    def touches(self) -> tuple[GroupKey, int] | None:
        """The existing rule this edit changes (two edits of one rule do not combine)."""
        return (self.group, self.old.index) if self.old is not None else None


def _rule_sort_key(r: Rule) -> tuple[object, ...]:
    return (r.direction.value, r.action.value, r.priority, -1 if r.protocol is None else r.protocol,
            str(r.ports), str(r.peer.addresses), tuple(sorted(map(str, r.peer.groups))),
            r.peer.unresolved, str(r.source_ports), r.nic.value)


# ---------------------------------------------------------------- applying edits


class EditRefused(Exception):
    """A set of edits breaks a platform limit (rules per interface) or cannot combine."""


def apply_edits(policy: Policy, edits: Sequence[Edit]) -> Policy:
    """``policy`` with ``edits`` applied to its groups, and every instance and assertion
    target that holds a changed group rebuilt with it. Raises EditRefused when two edits
    change one rule or an interface would hold more than 1,000 rules."""
    touched = [e.touches for e in edits if e.touches is not None]
    if len(touched) != len(set(touched)):
        raise EditRefused("two edits change the same rule")
    by_group: dict[GroupKey, list[Edit]] = {}
    for e in (p for edit in edits for p in edit.parts()):
        by_group.setdefault(e.group, []).append(e)
    changed: dict[GroupKey, Group] = {}
    for g in policy.groups:
        if g.key in by_group:
            changed[g.key] = _edited_group(g, by_group[g.key])
    missing = set(by_group) - set(changed)
    if missing:
        raise EditRefused("an edit names a group the policy does not define: "
                          + ", ".join(sorted(map(str, missing))))
    out = replace_groups(policy, changed)
    before = {(t.kind, t.name): t for t in interfaces(policy)}
    for t in interfaces(out):
        if not any(g.key in changed for g in t.groups):
            continue
        n = api_rules(t)
        old = before.get((t.kind, t.name))
        if n > MAX_RULES_PER_INTERFACE and (old is None or n > api_rules(old)):
            raise EditRefused(f"interface {t.name} would hold {n} rules as the API counts "
                              f"them, more than {MAX_RULES_PER_INTERFACE}")
    return out


def api_rules(t: Target) -> int:
    """The rules of an interface as Alibaba Cloud counts them: one per peer block (group,
    prefix list), destination port range and source port range."""
    n = 0
    for g in t.groups:
        for r in g.rules:
            peers = len(r.peer.addresses.cidrs()) + len(r.peer.groups) + len(r.peer.unresolved)
            ports = len(r.ports) if r.protocol in PORT_PROTOCOLS and r.ports else 1
            n += max(1, peers) * ports * (len(r.source_ports) if r.source_ports else 1)
    return n


def _edited_group(g: Group, edits: Sequence[Edit]) -> Group:
    by_index = {e.old.index: e for e in edits if e.old is not None}
    rules: list[Rule] = []
    top = max((r.index for r in g.rules), default=-1) + 1
    for r in g.rules:
        e = by_index.get(r.index)
        if e is None:
            rules.append(r)
            continue
        for i, n in enumerate(e.new):
            # The first replacement keeps the rule's place; a split's second part is new.
            index = r.index if i == 0 else top
            top += i > 0
            rules.append(replace(n, group=g.key, group_name=g.name, index=index))
    for e in edits:
        if e.old is None:
            for n in e.new:
                rules.append(replace(n, group=g.key, group_name=g.name, index=top))
                top += 1
    return replace(g, rules=tuple(rules))


def replace_groups(policy: Policy, changed: dict[GroupKey, Group]) -> Policy:
    """``policy`` with the groups in ``changed`` (by key) replaced everywhere they occur:
    its groups, its instances' groups, and the interfaces its assertions are about."""
    if not changed:
        return policy

    def groups(gs: tuple[Group, ...]) -> tuple[Group, ...]:
        return tuple(changed.get(g.key, g) for g in gs)

    instances: dict[str, Instance] = {}

    def inst(i: Instance) -> Instance:
        if i.name not in instances:
            instances[i.name] = replace(i, groups=groups(i.groups)) \
                if any(g.key in changed for g in i.groups) else i
        return instances[i.name]

    def target(t: Target) -> Target:
        if not any(g.key in changed for g in t.groups):
            return t
        return t.with_groups(groups(t.groups))

    def end(e: ReachEnd) -> ReachEnd:
        return replace(e, instances=tuple(inst(i) for i in e.instances))

    def assertion(a: Assertion) -> Assertion:
        if isinstance(a, FlowAssertion):
            return replace(a, target=target(a.target))
        if isinstance(a, ReachAssertion):
            return replace(a, src=inst(a.src), dst=inst(a.dst))
        if isinstance(a, CompareAssertion):
            return replace(a, left=target(a.left), right=target(a.right))
        return replace(a, src=end(a.src), dst=end(a.dst))

    return replace(policy, groups=groups(policy.groups),
                   instances=tuple(inst(i) for i in policy.instances),
                   assertions=tuple(assertion(a) for a in policy.assertions))


def interfaces(policy: Policy) -> list[Target]:
    """Every interface the policy defines or asserts about: its instances, its groups that
    no instance holds, and the targets of its assertions (once each, by kind and name)."""
    out: dict[tuple[str, str], Target] = {}
    held = {g.key for i in policy.instances for g in i.groups}
    for i in policy.instances:
        out.setdefault(("instance", i.name), i.target)
    for g in policy.groups:
        if g.key not in held and g.rules_known:
            out.setdefault(("group", g.name), Target(g.name, "group", (g,), None, g.span))
    for a in policy.assertions:
        for t in assertion_targets(a):
            out.setdefault((t.kind, t.name), t)
    return list(out.values())


def assertion_targets(a: Assertion) -> list[Target]:
    if isinstance(a, FlowAssertion):
        return [a.target]
    if isinstance(a, ReachAssertion):
        return [a.src.target, a.dst.target]
    if isinstance(a, CompareAssertion):
        return [a.left, a.right]
    return [i.target for e in (a.src, a.dst) for i in e.instances]


# ---------------------------------------------------------------- regions


@dataclass(frozen=True)
class Region:
    """The flows an assertion needs decided the other way near one counterexample, as a
    rule can say them: direction, protocol (None: all), destination ports (None: all),
    peer addresses, source ports and NIC. ``want`` says how they must be decided."""

    direction: Direction
    protocol: int | None
    ports: tuple[PortRange, ...] | None
    peer: AddrSpace
    source_ports: tuple[PortRange, ...] | None
    flow: Flow
    want: Action

    def words(self) -> str:
        proto = "all protocols" if self.protocol is None else _proto(self.protocol)
        ports = "" if self.ports is None or self.protocol not in PORT_PROTOCOLS else \
            " " + ", ".join(str(p) for p in self.ports)
        side = "from" if self.direction is Direction.INGRESS else "to"
        return f"{self.direction.value} {proto}{ports} {side} {address_words(self.peer)}"


def _proto(number: int) -> str:
    return protocol_name(number)


def address_words(space: AddrSpace) -> str:
    if space == EVERYTHING:
        return "any address"
    if space == INTERNET:
        return "the internet"
    cidrs = space.cidrs()
    if not cidrs:
        return "no address"
    if len(cidrs) > 4:
        return ", ".join(cidrs[:3]) + f" and {len(cidrs) - 3} more blocks"
    return ", ".join(cidrs)


def want_of(a: Assertion) -> Action | None:
    """How the counterexample must be decided for the assertion to hold (None: either
    interface of a comparison may move)."""
    if isinstance(a, CompareAssertion):
        return None
    if a.check in (Check.ALL_ALLOWED, Check.SOME_ALLOWED):
        return Action.ACCEPT
    return Action.DROP


def _service_of(fs: FlowSet, flow: Flow) -> tuple[int | None, tuple[PortRange, ...] | None] | None:
    """(protocol, ports) of the service of ``fs`` that holds ``flow``, as a rule says them."""
    if fs.services is None:
        return None, None
    for s in fs.services:
        if s.protocols is not None and flow.protocol not in s.protocols:
            continue
        if s.ports is not None and (flow.dst_port is None
                                    or not any(p.lo <= flow.dst_port <= p.hi for p in s.ports)):
            continue
        if s.protocols is None and s.ports is None:
            return None, None
        ports = s.ports if flow.protocol in PORT_PROTOCOLS else None
        return flow.protocol, ports
    return flow.protocol, _point_ports(flow)


def _point_ports(flow: Flow) -> tuple[PortRange, ...] | None:
    return (PortRange(flow.dst_port, flow.dst_port),) \
        if flow.protocol in PORT_PROTOCOLS and flow.dst_port is not None else None


def _peer_terms(fs: FlowSet, direction: Direction) -> tuple[EndpointTerm, ...] | None:
    return fs.src if direction is Direction.INGRESS else fs.dst


def _peer_of(terms: tuple[EndpointTerm, ...] | None, flow: Flow) -> AddrSpace:
    """The addresses of the term of ``terms`` that holds the flow's peer (everything: no
    condition on the peer's address)."""
    if terms is None:
        return EVERYTHING
    for t in terms:
        if t.addresses is None:
            return EVERYTHING
        if t.addresses.contains(flow.family, flow.peer_ip):
            return t.addresses
    return _host(flow)


def _host(flow: Flow) -> AddrSpace:
    bits = 32 if flow.family == 4 else 128
    return AddrSpace.parse(f"{_addr_text(flow)}/{bits}")


def _addr_text(flow: Flow) -> str:
    return format_address(flow.family, flow.peer_ip)


def _all_peers(terms: tuple[EndpointTerm, ...] | None) -> AddrSpace | None:
    """The union of the addresses ``terms`` admit (None: any address)."""
    if terms is None:
        return None
    out = AddrSpace()
    for t in terms:
        if t.addresses is None:
            if t.member_of is None and t.groups_exactly is None:
                return None
            continue  # admitted by group, not by address: no block a rule could name
        out = out | t.addresses
    return out


def region_of(a: Assertion, flow: Flow, want: Action) -> Region:
    """The region near ``flow`` (the flow as one interface sees it) that ``a`` needs decided
    as ``want``."""
    sport = None
    if isinstance(a, (FlowAssertion, CompareAssertion)):
        fs = a.flows
        proto, ports = _service_of(fs, flow)
        peer = _peer_of(_peer_terms(fs, flow.direction), flow)
        sport = fs.source_ports
        if isinstance(a, FlowAssertion) and a.check is Check.ONLY and a.only is not None:
            allowed = _all_peers(_peer_terms(a.only, flow.direction))
            if allowed is not None and a.only.services is None:
                peer = peer - allowed
            elif a.only.services is not None and _peer_terms(a.only, flow.direction) is None:
                other = _service_of(a.only, flow)
                if other is not None and other[1] is not None and ports is not None:
                    ports = subtract_ports(ports, other[1]) or _point_ports(flow)
                elif other is not None and other[1] is not None:
                    ports = _point_ports(flow)
    elif isinstance(a, ReachAssertion):
        proto, ports = _service_of(a.flows, flow)
        other = a.src if flow.direction is Direction.INGRESS else a.dst
        peer = other.private or other.public or _host(flow)
        sport = a.flows.source_ports
    else:  # reach over sets: the counterexample itself
        proto, ports, peer = flow.protocol, _point_ports(flow), _host(flow)
    if not peer or not peer.contains(flow.family, flow.peer_ip):
        peer = peer | _host(flow) if peer else _host(flow)
    return Region(flow.direction, proto, ports, peer, sport, flow, want)


def subtract_ports(ports: tuple[PortRange, ...] | None,
                   minus: tuple[PortRange, ...] | None) -> tuple[PortRange, ...]:
    """``ports`` (None: all) without ``minus`` (None: all), as sorted ranges."""
    have = [(p.lo, p.hi) for p in (ports or (PortRange(MIN_PORT, MAX_PORT),))]
    for m in (minus or (PortRange(MIN_PORT, MAX_PORT),)):
        nxt = []
        for lo, hi in have:
            if m.hi < lo or m.lo > hi:
                nxt.append((lo, hi))
                continue
            if lo < m.lo:
                nxt.append((lo, m.lo - 1))
            if m.hi < hi:
                nxt.append((m.hi + 1, hi))
        have = nxt
    return tuple(PortRange(lo, hi) for lo, hi in sorted(have))


# ---------------------------------------------------------------- candidates


def candidates(policy: Policy, results: Iterable[Result]) -> list[Edit]:
    """The candidate edits the violated ``results`` suggest, deduplicated and sorted."""
    out: dict[tuple[object, ...], Edit] = {}
    groups = {g.key: g for g in policy.groups}
    for r in results:
        want = want_of(r.assertion)
        for ev in r.evidence:
            target_want = want
            if target_want is None:  # a comparison: either side may flip
                target_want = Action.DROP if ev.decision.accepted else Action.ACCEPT
            if ev.decision.accepted == (target_want is Action.ACCEPT):
                continue
            region = region_of(r.assertion, ev.flow, target_want)
            for e in _for_decision(policy, groups, ev.target, ev.decision, region, r):
                out.setdefault(e.key, e)
    return [out[k] for k in sorted(out, key=_order)]


def _order(key: tuple[object, ...]) -> tuple[str, ...]:
    return tuple(str(x) for x in key)


def _name(a: Assertion) -> str:
    return a.name


def _for_decision(policy: Policy, groups: dict[GroupKey, Group], target: Target,
                  decision: Decision, region: Region, r: Result) -> list[Edit]:
    """The edits that make ``target`` decide ``region.flow`` as ``region.want``."""
    flow, want = region.flow, region.want
    shown = f"{flow}"
    out: list[Edit] = []
    if decision.reason is Reason.RULE and decision.rule is not None:
        rule = decision.rule
        g = groups.get(rule.group)
        if g is None or not g.rules_known:
            return []
        cause = (f"rule {rule.name} (priority {rule.priority}, {rule.action.value}) "
                 f"{'admitted' if rule.action is Action.ACCEPT else 'dropped'} {shown}, "
                 f"which assertion {_name(r.assertion)} needs "
                 f"{'dropped' if want is Action.DROP else 'accepted'}")
        out.append(Edit("delete", rule.group, rule.group_name, rule, (), cause + "; deleted it",
                        "deleted"))
        out.append(Edit("action", rule.group, rule.group_name, rule,
                        (replace(rule, action=want, rule_id=rule.rule_id),),
                        cause + f"; made it {want.value}", f"action {rule.action.value} -> "
                        f"{want.value}"))
        out += _narrowings(rule, region, cause)
        out += _moves(policy, g, target, rule, cause)
        out += _priorities(policy, target, decision, rule, region, cause)
        prio = rule.priority if want is Action.DROP else rule.priority - 1
        if MIN_PRIORITY <= prio:
            out += _additions(target, region, (prio,), cause + f"; added {_an(want)} rule for "
                              f"{region.words()} at priority {prio}, which it outranks"
                              if want is Action.ACCEPT else cause + f"; added a drop rule for "
                              f"{region.words()} at priority {prio} (drop wins ties)")
        return out
    if decision.reason in (Reason.DEFAULT, Reason.INTRA_GROUP):
        if decision.reason is Reason.INTRA_GROUP and decision.accepted:
            return []  # intra-group Accept outranks every custom rule: no rule edit helps
        what = "the default" if decision.reason is Reason.DEFAULT else "intra-group isolation"
        cause = (f"no rule matched {shown}, so {what} "
                 f"{'accepted' if decision.accepted else 'dropped'} it; assertion "
                 f"{_name(r.assertion)} needs it {'dropped' if want is Action.DROP else 'accepted'}")
        out += _additions(target, region, (MAX_PRIORITY, MIN_PRIORITY),
                          cause + f"; added {_an(want)} rule for {region.words()}")
    return out


def _moves(policy: Policy, g: Group, target: Target, rule: Rule, cause: str) -> list[Edit]:
    """Move ``rule`` out of ``g`` to a group that ``target`` does not hold but that an
    interface holding ``g`` also holds: the rule leaves ``target`` and stays on that
    interface. The destination has ``g``'s network and type and known rules; an enterprise
    group takes no rule naming a group (semantics.md)."""
    if target.kind != "instance":
        return []  # a group asserted on its own holds only itself: nothing to move to
    on_target = {x.key for x in target.groups}
    beside: dict[GroupKey, Group] = {}
    for inst in policy.instances:
        keys = {x.key for x in inst.groups}
        if g.key in keys:
            for other in inst.groups:
                if other.key not in on_target and other.key != g.key:
                    beside.setdefault(other.key, other)
    out = []
    for dest in sorted(beside.values(), key=lambda x: x.name)[:MAX_MOVE_TARGETS]:
        if not dest.rules_known or dest.network is not g.network or dest.gtype is not g.gtype:
            continue
        if dest.gtype is not GroupType.BASIC and rule.peer.groups:
            continue
        labels = {r.label for r in dest.rules}
        label = rule.label if rule.label not in labels else None
        moved = replace(rule, group=dest.key, group_name=dest.name, label=label, rule_id=None,
                        span=None, text="")
        out.append(Edit("move", g.key, g.name, rule, (moved,),
                        cause + f"; moved it to group {dest.name}, which {target.name} does not "
                        f"hold (the interfaces holding both groups keep it)",
                        f"moved to group {dest.name}", dest.key, dest.name))
    return out


def _an(action: Action) -> str:
    return "an accept" if action is Action.ACCEPT else "a drop"


def _narrowings(rule: Rule, region: Region, cause: str) -> list[Edit]:
    """``rule`` without the region: its peer narrowed, its ports narrowed, or split in two
    (exactly the rule minus the region)."""
    out: list[Edit] = []
    flow = region.flow
    by_address = rule.peer.addresses.contains(flow.family, flow.peer_ip)
    peer_narrow: Rule | None = None
    if by_address:
        left = rule.peer.addresses - region.peer
        peer_narrow = replace(rule, peer=replace(rule.peer, addresses=left))
    elif rule.peer.groups & flow.peer_groups:
        peer_narrow = replace(rule, peer=replace(rule.peer, groups=rule.peer.groups - flow.peer_groups))
    if peer_narrow is not None and _matches_something(peer_narrow):
        out.append(Edit("narrow", rule.group, rule.group_name, rule, (peer_narrow,),
                        cause + f"; narrowed its peer to {peer_words(peer_narrow.peer)}",
                        f"peer -> {peer_words(peer_narrow.peer)}"))
    port_narrow: Rule | None = None
    if (rule.protocol in PORT_PROTOCOLS and region.protocol == rule.protocol
            and region.ports is not None and rule.unresolved_ports is None):
        left_ports = subtract_ports(rule.ports, region.ports)
        if left_ports and left_ports != rule.ports:
            port_narrow = replace(rule, ports=left_ports)
            out.append(Edit("narrow", rule.group, rule.group_name, rule, (port_narrow,),
                            cause + f"; narrowed its ports to {_ports_words(left_ports)}",
                            f"ports -> {_ports_words(left_ports)}"))
    if peer_narrow is not None and port_narrow is not None and by_address:
        inside = rule.peer.addresses & region.peer
        second = replace(port_narrow, peer=replace(rule.peer, addresses=inside, groups=frozenset(),
                                                   unresolved=()), label=_split_label(rule),
                         rule_id=None)
        first = peer_narrow
        if _matches_something(first) and inside:
            out.append(Edit("narrow", rule.group, rule.group_name, rule, (first, second),
                            cause + f"; split it: {peer_words(first.peer)} keeps its ports, "
                            f"{address_words(inside)} keeps {_ports_words(port_narrow.ports)}",
                            "split"))
    return out


def _split_label(rule: Rule) -> str | None:
    return f"{rule.label}-rest" if rule.label else None


def _ports_words(ports: tuple[PortRange, ...] | None) -> str:
    return "all ports" if ports is None else ", ".join(str(p) for p in ports)


def peer_words(peer: Peer) -> str:
    parts = [address_words(peer.addresses)] if peer.addresses else []
    parts += [f"group {k}" for k in sorted(peer.groups)]
    parts += [f"prefix-list {n}" for n in peer.unresolved]
    return ", ".join(parts) or "nothing"


def _matches_something(rule: Rule) -> bool:
    return bool(rule.peer.addresses or rule.peer.groups or rule.peer.unresolved)


def _priorities(policy: Policy, target: Target, decision: Decision, rule: Rule, region: Region,
                cause: str) -> list[Edit]:
    """Priority changes that let another matching rule of the wanted action decide."""
    out: list[Edit] = []
    want = region.want
    for other in decision.matched:
        if other is rule or other.action is not want:
            continue
        if want is Action.DROP:
            # A drop at the same priority wins: raise the drop rule or lower the accept rule.
            moves = [(other, rule.priority), (rule, other.priority)]
        else:
            moves = [(other, rule.priority - 1), (rule, other.priority + 1)]
        for moved, prio in moves:
            if not MIN_PRIORITY <= prio <= MAX_PRIORITY or prio == moved.priority:
                continue
            out.append(Edit("priority", moved.group, moved.group_name, moved,
                            (replace(moved, priority=prio),),
                            cause + f"; moved rule {moved.name} from priority {moved.priority} to "
                            f"{prio} so that rule {other.name} ({other.action.value}) decides",
                            f"priority {moved.priority} -> {prio}"))
    return out


def _additions(target: Target, region: Region, priorities: Sequence[int], reason: str) -> list[Edit]:
    """A rule of the wanted action for ``region``, added to each group of ``target`` whose
    rules are known, at each of ``priorities``."""
    out = []
    proto = region.protocol
    ports = region.ports if proto in PORT_PROTOCOLS else None
    for g in target.groups:
        if not g.rules_known:
            continue
        # The classic network has no IPv6: its rules name IPv4 blocks only.
        peer = region.peer.only(V4) if g.network is Network.CLASSIC else region.peer
        if not peer:
            continue
        for prio in dict.fromkeys(priorities):
            rule = Rule(g.key, g.name, len(g.rules), region.direction, region.want, proto, ports,
                        Peer(addresses=peer), prio,
                        region.source_ports if proto in PORT_PROTOCOLS else None,
                        None, region.flow.nic, label=_new_label(g, region.want))
            words = reason if "priority" in reason.split(";")[-1] else reason + f" at priority {prio}"
            out.append(Edit("add", g.key, g.name, None, (rule,), words + f" to group {g.name}",
                            f"added at priority {prio}"))
    return out


def distinct_labels(policy: Policy, edits: Sequence[Edit]) -> tuple[Edit, ...]:
    """``edits`` with the labels of added rules made unique within their groups (two
    added rules were each labelled against the group alone)."""
    used: dict[GroupKey, set[str | None]] = {g.key: {r.label for r in g.rules}
                                             for g in policy.groups}
    for e in edits:
        used.setdefault(e.group, set()).update(r.label for r in e.new if e.old is not None)
    out = []
    for e in edits:
        if e.old is not None:
            out.append(e)
            continue
        new = []
        for r in e.new:
            label = r.label
            if label in used[e.group]:
                base = f"fix-{r.action.value}"
                n = 1
                while f"{base}-{n}" in used[e.group]:
                    n += 1
                label = f"{base}-{n}"
            used[e.group].add(label)
            new.append(replace(r, label=label))
        out.append(replace(e, new=tuple(new)))
    return tuple(out)


def _new_label(g: Group, action: Action) -> str:
    used = {r.label for r in g.rules}
    base = f"fix-{action.value}"
    n = 1
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


# ---------------------------------------------------------------- the quick test


def still_violates(policy: Policy, a: Assertion, flows: Sequence[Flow]) -> bool:
    """Does one of ``flows`` (the old counterexamples of ``a``, one per interface) still
    show a violation of ``a`` on ``policy``? Decided by the evaluator; False when the
    kind of assertion is not one a single flow can show (checked by the prover anyway)."""
    if isinstance(a, FlowAssertion) and a.check in (Check.ALL_ALLOWED, Check.ALL_DENIED, Check.ONLY):
        want = a.check is Check.ALL_ALLOWED
        for f in flows:
            got = definitely(decide_all(a.target, f, policy.semantics))
            if got is not None and got is not want:
                return True
        return False
    if isinstance(a, ReachAssertion) and a.check in (Check.ALL_ALLOWED, Check.ALL_DENIED):
        sides = {Direction.EGRESS: a.src.target, Direction.INGRESS: a.dst.target}
        got = [definitely(decide_all(sides[f.direction], f, policy.semantics)) for f in flows
               if f.direction in sides]
        if None in got or len(got) != 2:
            return False
        passes = all(got)
        return passes is not (a.check is Check.ALL_ALLOWED)
    return False


__all__ = ["Edit", "EditRefused", "distinct_labels", "Region", "apply_edits", "candidates",
           "interfaces", "assertion_targets", "region_of", "replace_groups", "still_violates",
           "subtract_ports", "peer_words", "address_words", "KINDS",
           "MAX_PRIORITY", "MIN_PRIORITY"]
