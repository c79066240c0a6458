"""What Alibaba Cloud would refuse, or limits it enforces (L301..L310), checked on the
resolved model. The language refuses some of these already when a spec is loaded (E106,
E107, E108, E112, E117); imported inputs and policies built through the API can still hold
them, so they are checked here again.
"""

from __future__ import annotations

from ...core.model import (
    MAX_GROUPS_PER_INTERFACE,
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    Group,
    GroupKey,
    GroupType,
    Instance,
    Network,
    Nic,
    Policy,
    Rule,
    protocol_name,
)
from .findings import Involved, LintFinding

MAX_RULES_PER_GROUP = 200
MAX_RULES_PER_INTERFACE = 1000
MAX_REFERENCED_GROUPS = 20
MIN_PRIORITY, MAX_PRIORITY = 1, 100


def _rule_finding(code: str, severity: str, message: str, g: Group, r: Rule,
                  involved: tuple[Involved, ...] = ()) -> LintFinding:
    return LintFinding(code, severity, f"rule {r.name} of group {g.name}: {message}", f"group {g.name}",
                       r.span or g.span, r, involved)


def rule_checks(g: Group, r: Rule, enterprise: frozenset[GroupKey]) -> list[LintFinding]:
    out = []
    if not MIN_PRIORITY <= r.priority <= MAX_PRIORITY:
        out.append(_rule_finding("L301", "error", f"priority {r.priority} is outside "
                                 f"{MIN_PRIORITY}..{MAX_PRIORITY}", g, r))
    for what, ports in (("port range", r.ports), ("source port range", r.source_ports)):
        for p in ports or ():
            if p.lo > p.hi:
                out.append(_rule_finding("L302", "error", f"{what} {p.lo}/{p.hi} runs backwards "
                                         "(the API wants start/end with start <= end)", g, r))
            elif not (MIN_PORT <= p.lo and p.hi <= MAX_PORT):
                out.append(_rule_finding("L302", "error", f"{what} {p.lo}/{p.hi} leaves "
                                         f"{MIN_PORT}..{MAX_PORT}", g, r))
    if r.protocol not in PORT_PROTOCOLS and (r.ports is not None or r.source_ports is not None):
        out.append(_rule_finding("L303", "error", f"protocol {protocol_name(r.protocol)} takes no "
                                 "ports: the API wants -1/-1", g, r))
    if g.network is Network.CLASSIC and r.nic is Nic.INTRANET and r.peer.addresses:
        wide = [c for c in r.peer.addresses.cidrs() if not c.endswith("/32")]
        if wide:
            out.append(_rule_finding("L304", "warning", "a classic-network internal rule by "
                                     f"address must name single hosts (/32), not {', '.join(wide)}; "
                                     "authorise a group instead", g, r))
    if r.peer.groups:
        if g.gtype is GroupType.ENTERPRISE:
            out.append(_rule_finding("L305", "error", "an enterprise group cannot reference "
                                     "security groups", g, r))
        hit = sorted(str(k) for k in r.peer.groups & enterprise)
        if hit:
            out.append(_rule_finding("L305", "error", "enterprise group(s) "
                                     f"{', '.join(hit)} cannot be referenced by rules", g, r))
    if g.network is Network.CLASSIC and r.unknowns:
        out.append(_rule_finding("L310", "error", f"{', '.join(r.unknowns)}: prefix lists and port "
                                 "lists are not available in classic-network groups", g, r))
    return out


def group_checks(g: Group, enterprise: frozenset[GroupKey]) -> list[LintFinding]:
    out = []
    for r in g.rules:
        out += rule_checks(g, r, enterprise)
    if len(g.rules) > MAX_RULES_PER_GROUP:
        out.append(LintFinding("L306", "error", f"group {g.name} has {len(g.rules)} rules; a group "
                               f"holds at most {MAX_RULES_PER_GROUP} (inbound and outbound together)",
                               f"group {g.name}", g.span))
    refs = {k for r in g.rules for k in r.peer.groups}
    if len(refs) > MAX_REFERENCED_GROUPS:
        out.append(LintFinding("L309", "error", f"group {g.name} references {len(refs)} groups; a "
                               f"group may reference at most {MAX_REFERENCED_GROUPS}",
                               f"group {g.name}", g.span))
    return out


def interface_checks(inst: Instance) -> list[LintFinding]:
    out = []
    scope = f"instance {inst.name}"
    total = sum(len(g.rules) for g in inst.groups)
    if total > MAX_RULES_PER_INTERFACE:
        out.append(LintFinding("L307", "error", f"instance {inst.name} has {total} rules in its "
                               f"groups together; an interface holds at most "
                               f"{MAX_RULES_PER_INTERFACE}", scope, inst.span))
    if len(inst.groups) > MAX_GROUPS_PER_INTERFACE:
        out.append(LintFinding("L308", "error", f"instance {inst.name} is in {len(inst.groups)} "
                               f"groups; an interface can be in at most {MAX_GROUPS_PER_INTERFACE}",
                               scope, inst.span))
    return out


def cloud_checks(policy: Policy) -> list[LintFinding]:
    """Every L3xx finding of ``policy``."""
    enterprise = frozenset(g.key for g in policy.groups if g.gtype is GroupType.ENTERPRISE)
    out = []
    for g in policy.groups:
        out += group_checks(g, enterprise)
    for inst in policy.instances:
        out += interface_checks(inst)
    return out
