"""Overly broad access (L201): an interface open to the internet (``prove.exposure``, the
definition audit shares) on an administration or database port, on all ports of TCP or
UDP, or on every protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.addresses import V6
from ...core.model import TCP, UDP, Action, Semantics
from ...engines.boxes.intervals import Budget, Intervals, iv, point
from ...prove.exposure import Opened, PublicExposure
from .findings import Involved, LintFinding
from .shadow import Made, Scope

ADMIN_PORTS: tuple[tuple[int, str], ...] = (
    (21, "FTP"), (22, "SSH"), (23, "Telnet"), (445, "SMB"), (1433, "SQL Server"),
    (1521, "Oracle"), (2375, "Docker API"), (2376, "Docker API over TLS"), (2379, "etcd"),
    (3306, "MySQL"), (3389, "RDP"), (5432, "PostgreSQL"), (5900, "VNC"), (6379, "Redis"),
    (9200, "Elasticsearch"), (11211, "Memcached"), (27017, "MongoDB"),
)


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


def exposure(scope: Scope, sem: Semantics, budget: Budget,
             made: Made | None = None) -> list[tuple[object, LintFinding]]:
    """The L201 findings of one interface, each with a key that is the same for the same
    exposure through the same rules on another interface (``made``: its layout and rule
    boxes, ``shadow.boxes_of``). Raises BudgetExceeded, or TooManyLists."""
    ask = PublicExposure(scope.target, sem, budget, made=made)  # type: ignore[arg-type]
    findings: list[tuple[object, LintFinding]] = []
    for _bit, fam in ask.families:
        tcp_open = False
        for item in items():
            if tcp_open and item.protocols == point(TCP) and item.ports != iv((1, 65535)):
                continue
            if cannot_open(ask, fam, item):
                continue
            opened = ask.opened(fam, item.protocols, item.ports)
            if opened is None:
                continue
            found = _finding(scope, item, opened)
            key = (item.label, fam, tuple((i.rule.group, i.rule.index) for i in found.involved))
            findings.append((key, found))
            if item.protocol_wide:
                break
            if item.protocols == point(TCP) and item.ports == iv((1, 65535)):
                tcp_open = True
    return findings


EVERY_PORT = iv((1, 65535))


def cannot_open(ask: PublicExposure, fam: int, item: Sensitive) -> bool:
    """A cheap exact refutation of an item that holds every port of TCP or UDP ('every TCP
    port', 'every UDP port', 'every protocol and port'): a port that cannot be open on its
    own (``PublicExposure.candidates``, the one-port size test) cannot be open as part of
    more (open on a set of services means open on each: its flows are among the set's).
    Saves the box partition of the wide questions, which are seldom open."""
    wide = [p for p in (TCP, UDP) if item.protocol_wide or
            (item.protocols == point(p) and item.ports == EVERY_PORT)]
    for protocol in wide:
        ports = ask.candidates(fam, point(protocol))
        if not any(lo <= 1 and 65535 <= hi for lo, hi in zip(ports.starts, ports.ends)):
            return True
    return False


def _finding(scope: Scope, item: Sensitive, opened: Opened) -> LintFinding:
    rules, flow, dec = opened.rules, opened.flow, opened.decision
    family = "IPv6" if opened.family == V6 else "IPv4"
    names = ", ".join(f"{r.name} of group {r.group_name}" for r in rules) or "no rule"
    message = (f"{scope.label} accepts {item.label} from every public {family} address "
               f"(rule{'s' if len(rules) > 1 else ''} {names})")
    involved = tuple(Involved(r, "accepts it" if r.action is Action.ACCEPT else "decides part of it")
                     for r in rules)
    first = rules[0] if rules else None
    return LintFinding("L201", "error", message, scope.label,
                       (first.span if first else None) or scope.location, first, involved,
                       None, flow, (f"for example {flow}: accepted by {dec.describe()}",))
