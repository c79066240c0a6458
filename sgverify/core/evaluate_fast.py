"""The concrete evaluator, precompiled for many flows against one interface.

``evaluate.decide`` tests every rule against every flow. ``Compiled`` instead indexes the
rules of each (direction, NIC type) bucket, once: each rule is one bit, numbered in
precedence order, and every flow field maps to the set of rules it satisfies (a dict for
protocols; interval indexes, looked up by bisection, for ports and addresses; a dict for
peer groups). A flow's matching rules are the AND of those sets, and the deciding rule is
the lowest set bit. The precedence after that (platform block, intra-group policy,
defaults) is ``evaluate.decide``'s, line for line; a differential test keeps them equal.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from typing import Iterable, Mapping

from .addresses import INTERNET, V4, V6, AddrSpace
from .evaluate import Decision, Reason
from .flow import Flow
from .model import TCP, Action, Direction, GroupType, Nic, PortRange, Rule, Semantics, Target


class IntervalIndex:
    """Integer -> bit set, for rules each holding a set of integer intervals."""

    __slots__ = ("starts", "bits")

    def __init__(self, items: Iterable[tuple[int, Iterable[tuple[int, int]]]]) -> None:
        events: dict[int, int] = {}
        for bit, intervals in items:
            for lo, hi in _merge(intervals):
                events[lo] = events.get(lo, 0) ^ bit
                events[hi + 1] = events.get(hi + 1, 0) ^ bit
        self.starts: list[int] = []
        self.bits: list[int] = []
        state = 0
        for point in sorted(events):
            state ^= events[point]
            self.starts.append(point)
            self.bits.append(state)

    def lookup(self, value: int) -> int:
        i = bisect.bisect_right(self.starts, value) - 1
        return self.bits[i] if i >= 0 else 0


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _port_pairs(ports: tuple[PortRange, ...]) -> list[tuple[int, int]]:
    return [(p.lo, p.hi) for p in ports]


def _space_pairs(space: AddrSpace, family: int) -> list[tuple[int, int]]:
    return [(r.lo, r.hi) for r in space if r.family == family]


@dataclass
class Bucket:
    """The rules of one direction and NIC type, in precedence order, indexed by field."""

    rules: tuple[Rule, ...]
    all_bits: int
    proto_any: int                  # rules with no protocol condition
    proto: dict[int, int]           # protocol -> rules that match it (protocol-any included)
    dport_any: int                  # rules with no destination-port condition
    dport: IntervalIndex
    sport_any: int
    sport: IntervalIndex
    local_any: int                  # rules with no interface-side block
    local: dict[int, IntervalIndex]  # family -> index
    peer: dict[int, IntervalIndex]   # family -> index over peer addresses
    groups: dict[object, int]       # group key -> rules naming it as a peer
    plain: int                      # rules that depend on no unresolved list
    peer_lists: dict[str, int]      # unresolved prefix list -> rules whose peer may be in it
    port_lists: dict[str, int]      # unresolved port list -> rules whose ports it holds

    @staticmethod
    def build(rules: tuple[Rule, ...]) -> Bucket:
        bits = [1 << i for i in range(len(rules))]
        all_bits = (1 << len(rules)) - 1
        proto_any = sum(b for b, r in zip(bits, rules) if r.protocol is None)
        proto: dict[int, int] = {}
        for b, r in zip(bits, rules):
            if r.protocol is not None:
                proto[r.protocol] = proto.get(r.protocol, proto_any) | b
        dport_any = sum(b for b, r in zip(bits, rules) if r.ports is None)
        sport_any = sum(b for b, r in zip(bits, rules) if r.source_ports is None)
        local_any = sum(b for b, r in zip(bits, rules) if r.local is None)
        groups: dict[object, int] = {}
        peer_lists: dict[str, int] = {}
        port_lists: dict[str, int] = {}
        for b, r in zip(bits, rules):
            for k in r.peer.groups:
                groups[k] = groups.get(k, 0) | b
            for name in r.peer.unresolved:
                peer_lists[name] = peer_lists.get(name, 0) | b
            if r.unresolved_ports is not None:
                port_lists[r.unresolved_ports] = port_lists.get(r.unresolved_ports, 0) | b
        plain = all_bits & ~sum(port_lists.values())
        return Bucket(
            rules, all_bits, proto_any, proto,
            dport_any, IntervalIndex((b, _port_pairs(r.ports)) for b, r in zip(bits, rules)
                                     if r.ports is not None),
            sport_any, IntervalIndex((b, _port_pairs(r.source_ports)) for b, r in zip(bits, rules)
                                     if r.source_ports is not None),
            local_any, {f: IntervalIndex((b, _space_pairs(r.local, f)) for b, r in zip(bits, rules)
                                         if r.local is not None) for f in (V4, V6)},
            {f: IntervalIndex((b, _space_pairs(r.peer.addresses, f)) for b, r in zip(bits, rules))
             for f in (V4, V6)},
            groups, plain, peer_lists, port_lists)

    def candidates(self, flow: Flow) -> tuple[int, int]:
        """(rules that surely match, rules whose match depends on unresolved lists)."""
        m = self.proto.get(flow.protocol, self.proto_any)
        if not m:
            return 0, 0
        dp = flow.dst_port
        m &= self.dport_any | (self.dport.lookup(dp) if dp is not None else 0)
        if not m:
            return 0, 0
        sp = flow.src_port
        m &= self.sport_any | (self.sport.lookup(sp) if sp is not None else 0)
        if not m:
            return 0, 0
        if self.local_any != self.all_bits:
            m &= self.local_any | self.local[flow.family].lookup(flow.local_ip)
        peer = self.peer[flow.family].lookup(flow.peer_ip)
        if self.groups and flow.nic is Nic.INTRANET:
            for k in flow.peer_groups:
                peer |= self.groups.get(k, 0)
        maybe_peer = 0
        for bits in self.peer_lists.values():
            maybe_peer |= bits
        sure = m & peer & self.plain
        maybe = m & ~sure & (peer | maybe_peer)
        return sure, maybe

    def matching(self, flow: Flow, assume: Mapping[str, bool]) -> int:
        """The rules matching ``flow`` when unresolved lists are as ``assume`` says
        (a KeyError, as in ``evaluate``, for a needed list that ``assume`` does not cover)."""
        sure, maybe = self.candidates(flow)
        if not maybe:
            return sure
        peer = self.peer[flow.family].lookup(flow.peer_ip)
        if self.groups and flow.nic is Nic.INTRANET:
            for k in flow.peer_groups:
                peer |= self.groups.get(k, 0)
        out = sure
        rest = maybe
        while rest:
            low = rest & -rest
            rest ^= low
            r = self.rules[low.bit_length() - 1]
            if r.unresolved_ports is not None and not _assumed(assume, r.unresolved_ports):
                continue
            if peer & low or any(_assumed(assume, n) for n in r.peer.unresolved):
                out |= low
        return out

    def lists_of(self, bits: int) -> set[str]:
        names: set[str] = set()
        while bits:
            low = bits & -bits
            bits ^= low
            names.update(self.rules[low.bit_length() - 1].unknowns)
        return names


def _assumed(assume: Mapping[str, bool], name: str) -> bool:
    if name not in assume:
        raise KeyError(f"membership of unresolved list {name!r} not assumed")
    return bool(assume[name])


class Compiled:
    """One interface (``Target``) compiled for fast, exact concrete evaluation."""

    def __init__(self, target: Target, semantics: Semantics = Semantics()) -> None:
        self.target, self.semantics = target, semantics
        self.buckets: dict[tuple[Direction, Nic], Bucket] = {}
        for direction in Direction:
            ordered = target.rules(direction)  # precedence order, as evaluate.decide uses
            for nic in Nic:
                self.buckets[(direction, nic)] = Bucket.build(
                    tuple(r for r in ordered if r.nic is nic))
        self.basic = target.gtype is GroupType.BASIC
        self.keys = {g.key: g for g in target.groups}
        self.open = {g.key for g in target.groups
                     if g.gtype is GroupType.BASIC and g.intra is Action.ACCEPT}

    def decide(self, flow: Flow, assume: Mapping[str, bool] | None = None,
               with_matched: bool = True) -> Decision:
        """Exactly ``evaluate.decide(target, flow, semantics, assume)``; ``with_matched``
        False leaves ``matched`` empty (faster: only the deciding rule is needed)."""
        bucket = self.buckets[(flow.direction, flow.nic)]
        bits = bucket.matching(flow, assume or {})
        return self._decision(flow, bucket, bits, with_matched)

    def _decision(self, flow: Flow, bucket: Bucket, bits: int, with_matched: bool) -> Decision:
        matched: tuple[Rule, ...] = ()
        if with_matched and bits:
            out = []
            rest = bits
            while rest:
                low = rest & -rest
                rest ^= low
                out.append(bucket.rules[low.bit_length() - 1])
            matched = tuple(out)
        sem = self.semantics
        if (sem.block_tcp25 and flow.direction is Direction.EGRESS and flow.protocol == TCP
                and flow.dst_port == 25 and INTERNET.contains(flow.family, flow.peer_ip)):
            return Decision(Action.DROP, Reason.PLATFORM, matched=matched)
        shared = [g for g in self.target.groups if g.key in flow.peer_groups] \
            if flow.nic is Nic.INTRANET and flow.peer_groups else []
        open_groups = [g for g in shared if g.key in self.open]
        if open_groups and sem.intra_group == "override":
            return Decision(Action.ACCEPT, Reason.INTRA_GROUP, group=open_groups[0], matched=matched)
        if bits:
            first = bucket.rules[(bits & -bits).bit_length() - 1]
            return Decision(first.action, Reason.RULE, rule=first, matched=matched)
        if open_groups:
            return Decision(Action.ACCEPT, Reason.INTRA_GROUP, group=open_groups[0])
        if shared:
            return Decision(Action.DROP, Reason.INTRA_GROUP, group=shared[0])
        if flow.direction is Direction.EGRESS and self.basic:
            return Decision(Action.ACCEPT, Reason.DEFAULT)
        return Decision(Action.DROP, Reason.DEFAULT)

    def verdict(self, flow: Flow) -> tuple[Decision | None, tuple[str, ...]]:
        """(the decision, when it does not depend on unresolved lists; else None) and the
        unresolved lists the flow's verdict could depend on. When the verdict is the same
        whatever the lists hold, the decision shown is the one with every list empty (as
        ``explain`` shows)."""
        bucket = self.buckets[(flow.direction, flow.nic)]
        sure, maybe = bucket.candidates(flow)
        if not maybe:
            return self._decision(flow, bucket, sure, False), ()
        names = tuple(sorted(bucket.lists_of(maybe)))
        decisions = []
        for values in itertools.product((False, True), repeat=len(names)):
            bits = bucket.matching(flow, dict(zip(names, values)))
            decisions.append(self._decision(flow, bucket, bits, False))
        if len({d.action for d in decisions}) == 1:
            return decisions[0], names
        return None, names


class _Tables:
    """One bucket's indexes with each looked-up value's rules kept (a file of flows repeats
    its ports and addresses), for ``FieldDecider``."""

    __slots__ = ("bucket", "proto", "proto_any", "dport", "sport", "local", "peer", "groups",
                 "plain", "maybe_peer", "check_local", "check_sport", "lists", "by_rule",
                 "default")

    def __init__(self, bucket: Bucket, by_rule: list[Decision], default: Decision) -> None:
        self.bucket = bucket
        self.proto, self.proto_any = bucket.proto, bucket.proto_any
        self.dport: dict[int, int] = {}
        self.sport: dict[int, int] = {}
        self.local: dict[int, dict[int, int]] = {V4: {}, V6: {}}
        self.peer: dict[int, dict[int, int]] = {V4: {}, V6: {}}
        self.groups = bucket.groups
        self.plain = bucket.plain
        self.maybe_peer = 0
        for bits in bucket.peer_lists.values():
            self.maybe_peer |= bits
        self.check_local = bucket.local_any != bucket.all_bits
        self.check_sport = bucket.sport_any != bucket.all_bits
        self.lists = bool(self.maybe_peer) or bucket.plain != bucket.all_bits
        self.by_rule, self.default = by_rule, default

    def trim(self) -> None:
        for cache in (self.dport, self.sport, *self.local.values(), *self.peer.values()):
            if len(cache) > _CACHE_SIZE:
                cache.clear()


_CACHE_SIZE = 1 << 16


class FieldDecider:
    """``Compiled.verdict`` for many flows given as ``Flow`` arguments (``FlowFields`` of
    ``cloud.flows``: no ``Flow`` is built), with each port's and address's rules looked up
    once. It decides the flows whose verdict is a rule's or a default: None for the others
    (a peer group of the target's own, the platform block of TCP 25, a rule depending on an
    unresolved list), which the caller gives to ``Compiled.verdict``. The precedence is
    ``Compiled._decision``'s for those cases; a differential test keeps them equal."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        target = compiled.target
        self.own = frozenset(compiled.keys)
        self.block25 = compiled.semantics.block_tcp25
        # [direction is INGRESS][nic is INTRANET]: identity tests, no enum hashing per flow
        self.tables: list[list[_Tables]] = []
        for direction in (Direction.EGRESS, Direction.INGRESS):
            row = []
            for nic in (Nic.INTERNET, Nic.INTRANET):
                bucket = compiled.buckets[(direction, nic)]
                by_rule = [Decision(r.action, Reason.RULE, rule=r) for r in bucket.rules]
                accept = direction is Direction.EGRESS and target.gtype is GroupType.BASIC
                default = Decision(Action.ACCEPT if accept else Action.DROP, Reason.DEFAULT)
                row.append(_Tables(bucket, by_rule, default))
            self.tables.append(row)

    def decide(self, rows: list[tuple | None], only: Nic | None = None) -> list[Decision | None]:
        """The decision of each flow of ``rows`` (``Flow`` arguments; None for a row that
        is not a flow), None: see the class; with ``only``, also None for flows on the
        other NIC."""
        out: list[Decision | None] = []
        add = out.append
        ingress, intranet = Direction.INGRESS, Nic.INTRANET
        tables, own, block25 = self.tables, self.own, self.block25
        for t in (x for row in tables for x in row):
            t.trim()
        for row in rows:
            if row is None:
                add(None)
                continue
            direction, protocol, family, src, dst, sport, dport, nic, groups = row
            if only is not None and nic is not only:
                add(None)
                continue
            inbound = direction is ingress
            t = tables[inbound][nic is intranet]
            if groups and not own.isdisjoint(groups):
                add(None)  # intra-group precedence: Compiled._decision
                continue
            if block25 and not inbound and protocol == TCP and dport == 25:
                add(None)  # maybe the platform block: Compiled._decision
                continue
            m = t.proto.get(protocol, t.proto_any)
            if m and dport is not None:
                bits = t.dport.get(dport)
                if bits is None:
                    b = t.bucket
                    bits = t.dport[dport] = b.dport_any | b.dport.lookup(dport)
                m &= bits
            elif m:
                m &= t.bucket.dport_any
            if m and t.check_sport:
                if sport is None:
                    m &= t.bucket.sport_any
                else:
                    bits = t.sport.get(sport)
                    if bits is None:
                        b = t.bucket
                        bits = t.sport[sport] = b.sport_any | b.sport.lookup(sport)
                    m &= bits
            if m and t.check_local:
                local_ip = dst if inbound else src
                cache = t.local[family]
                bits = cache.get(local_ip)
                if bits is None:
                    b = t.bucket
                    bits = cache[local_ip] = b.local_any | b.local[family].lookup(local_ip)
                m &= bits
            if not m:
                add(t.default)
                continue
            peer_ip = src if inbound else dst
            cache = t.peer[family]
            peer = cache.get(peer_ip)
            if peer is None:
                peer = cache[peer_ip] = t.bucket.peer[family].lookup(peer_ip)
            if groups and t.groups and nic is intranet:
                for k in groups:
                    peer |= t.groups.get(k, 0)
            if t.lists:
                sure = m & peer & t.plain
                if m & ~sure & (peer | t.maybe_peer):
                    add(None)  # depends on unresolved lists: Compiled.verdict
                    continue
            else:
                sure = m & peer
            if sure:
                add(t.by_rule[(sure & -sure).bit_length() - 1])
            else:
                add(t.default)
        return out
