"""Overly broad access (L201): an interface that accepts connections from **every** public
address (``addresses.INTERNET``, per family) on an administration or database port, on all
ports of TCP or UDP, or on every protocol.

This is a property of the interface, not of one rule's text: the accepted flows are
computed with the box engine, so rules that only together cover the internet
(``0.0.0.0/1`` + ``128.0.0.0/1``) are caught, and an accept rule under a higher-priority
drop is not reported. "Every public address" means: for each public address (and, for the
port-wide checks, each port and protocol) some flow from it is accepted, whatever
unresolved lists contain. Only ingress counts; in the classic network only the internet NIC.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from ...core.addresses import INTERNET, V6
from ...core.diagnostics import InternalError
from ...core.model import TCP, UDP, Action, Network, Semantics
from ...engines.boxes.certify import (DIR, DPORT, FAM, FAMILIES, NIC, PEER, PROTO, Layout, Piece,
                                      decide_region, well_formed)
from ...engines.boxes.intervals import (Box, Budget, Intervals, addr_intervals, box_and, carve, iv,
                                        point)
from ...engines.boxes.merge import merge_boxes, witness
from ...engines.boxes.narrow import Narrowing
from .findings import Involved, LintFinding
from .shadow import Scope, layout_for, replay

ADMIN_PORTS: tuple[tuple[int, str], ...] = (
    (21, "FTP"), (22, "SSH"), (23, "Telnet"), (445, "SMB"), (1433, "SQL Server"),
    (1521, "Oracle"), (2375, "Docker API"), (2376, "Docker API over TLS"), (2379, "etcd"),
    (3306, "MySQL"), (3389, "RDP"), (5432, "PostgreSQL"), (5900, "VNC"), (6379, "Redis"),
    (9200, "Elasticsearch"), (11211, "Memcached"), (27017, "MongoDB"),
)
MAX_ATOMS = 6  # unresolved lists on one interface beyond which the check is not attempted


@dataclass(frozen=True)
class Sensitive:
    """What must not be open to the internet: protocols and (None: any) destination ports."""

    label: str
    protocols: Intervals
    ports: Intervals | None
    protocol_wide: bool = False  # 'every protocol': implies every other item


def items() -> list[Sensitive]:
    out = [Sensitive("every protocol and port", iv((0, 255)), None, True),
           Sensitive("every TCP port", point(TCP), iv((1, 65535))),
           Sensitive("every UDP port", point(UDP), iv((1, 65535)))]
    out += [Sensitive(f"tcp {port} ({name})", point(TCP), point(port)) for port, name in ADMIN_PORTS]
    return out


class TooManyLists(Exception):
    """More unresolved lists than the exposure check enumerates."""


def exposure(scope: Scope, sem: Semantics, budget: Budget) -> list[tuple[object, LintFinding]]:
    """The L201 findings of one interface, each with a key that is the same for the same
    exposure through the same rules on another interface. Raises BudgetExceeded, or
    TooManyLists."""
    t = scope.target
    layout = layout_for(t)
    if len(layout.atoms) > MAX_ATOMS:
        raise TooManyLists(f"{len(layout.atoms)} unresolved lists (the exposure check handles "
                           f"up to {MAX_ATOMS})")
    classic = t.network is Network.CLASSIC
    narrow = Narrowing(layout, t)
    findings: list[tuple[object, LintFinding]] = []
    for fam_bit, fam in FAMILIES:
        if classic and fam == V6:
            continue
        base = []
        for b in well_formed(layout, t):
            box = list(b)
            box[DIR], box[NIC], box[FAM] = point(0), point(1 if classic else 0), point(fam_bit)
            for k in layout.keys:
                box[layout.key_dim(k)] = point(0)  # type: ignore[index]
            narrowed = _and(tuple(box), b)
            narrowed = _and(narrowed, _with(layout.full(), PEER, addr_intervals(INTERNET, fam)))
            if narrowed is not None:
                base.append(narrowed)
        tcp_open = False
        for item in items():
            if tcp_open and item.protocols == point(TCP) and item.ports != iv((1, 65535)):
                continue
            region = [x for x in (_and(b, _with(_with(layout.full(), PROTO, item.protocols), DPORT,
                                                     item.ports or layout.full()[DPORT])) for b in base)
                      if x is not None]
            if not region:
                continue
            pieces = decide_region(layout, narrow.to(*region), sem, region, budget,
                                   cutters=narrow.cutters)
            opened = [p for p in pieces if p.accepted]
            if not opened or not _covers(layout, region, [p.box for p in opened], budget):
                continue
            found = _finding(scope, layout, sem, item, fam, opened)
            key = (item.label, fam, tuple((i.rule.group, i.rule.index) for i in found.involved))
            findings.append((key, found))
            if item.protocol_wide:
                break
            if item.protocols == point(TCP) and item.ports == iv((1, 65535)):
                tcp_open = True
    return findings


def _with(box: Box, dim: int, value: Intervals) -> Box:
    out = list(box)
    out[dim] = value
    return tuple(out)


def _and(a: Box | None, b: Box | None) -> Box | None:
    if a is None or b is None:
        return None
    return box_and(a, b)


def _covers(layout: Layout, region: list[Box], accepted: list[Box], budget: Budget) -> bool:
    """For every membership of the unresolved lists, does every (protocol, port, peer) of
    ``region`` have some accepted flow?"""
    keep = {PROTO, DPORT, PEER}
    full = layout.full()
    atom_dims = [layout.atom_dim(n) for n in layout.atoms]

    def project(boxes: list[Box], values: tuple[int, ...]) -> list[Box]:
        """The boxes holding these list memberships, on the kept dimensions only."""
        out = []
        for b in boxes:
            if all(any(lo <= v <= hi for lo, hi in b[d]) for d, v in zip(atom_dims, values)):
                out.append(tuple(b[d] if d in keep else full[d] for d in range(len(b))))
        return merge_boxes(out, ())

    for values in product((0, 1), repeat=len(atom_dims)):
        _, rest = carve(project(region, values), project(accepted, values), budget)
        if rest:
            return False
    return True


def _finding(scope: Scope, layout: Layout, sem: Semantics, item: Sensitive, fam: int,
             opened: list[Piece]) -> LintFinding:
    rules = []
    for p in opened:
        if p.rule is not None and p.rule not in rules:
            rules.append(p.rule)
    order = {id(r): i for i, r in enumerate(scope.target.rules(rules[0].direction))} if rules else {}
    rules.sort(key=lambda r: order.get(id(r), 0))
    flow, assume = witness(layout, opened[0].box)
    dec = replay(scope.target, sem, flow, assume)
    if not dec.accepted:
        raise InternalError(f"the box engine says {flow} is accepted on {scope.label}, the "
                            f"evaluator says {dec.action.value}")
    family = "IPv6" if fam == V6 else "IPv4"
    names = ", ".join(f"{r.name} of group {r.group_name}" for r in rules) or "no rule"
    message = (f"{scope.label} accepts {item.label} from every public {family} address "
               f"(rule{'s' if len(rules) > 1 else ''} {names})")
    involved = tuple(Involved(r, "accepts it" if r.action is Action.ACCEPT else "decides part of it")
                     for r in rules)
    first = rules[0] if rules else None
    return LintFinding("L201", "error", message, scope.label,
                       (first.span if first else None) or scope.location, first, involved,
                       None, flow, (f"for example {flow}: accepted by {dec.describe()}",))
