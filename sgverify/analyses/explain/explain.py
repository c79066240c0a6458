"""One concrete flow against one interface: read the flow text, find the target, and
return every decision (one, or one per membership of unresolved prefix lists)."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.addresses import parse_address
from ...core.diagnostics import Diagnostic, InputError, Span
from ...core.evaluate import Decision, decide_all, rule_matches
from ...core.flow import Flow, flow_problem
from ...core.model import PORT_PROTOCOLS, Nic, Policy, Rule, Target, protocol_name
from ...lang.build import build_fragment
from ...lang.syntax import FlowNode


def parse_flow(text: str, policy: Policy) -> Flow:
    """``ingress tcp 1.2.3.4:40000 -> 10.0.1.5:22 [nic internet] [peer-groups a, b]``."""
    node: FlowNode = build_fragment(text, "flow")
    try:
        (f1, src), (f2, dst) = parse_address(node.src), parse_address(node.dst)
    except ValueError as exc:
        raise InputError([Diagnostic.make("E109", f"bad address in flow: {exc}",
                                          Span("<flow>", 1, 1))]) from None
    if f1 != f2:
        raise InputError([Diagnostic.make("E116", "source and destination are of different "
                                          "address families", Span("<flow>", 1, 1))])
    has_ports = node.protocol in PORT_PROTOCOLS
    if has_ports and (node.src_port is None or node.dst_port is None):
        raise InputError([Diagnostic.make(
            "E107", f"a {protocol_name(node.protocol)} flow needs both ports, e.g. "
            "1.2.3.4:40000 -> 10.0.1.5:22", Span("<flow>", 1, 1))])
    if not has_ports and (node.src_port is not None or node.dst_port is not None):
        raise InputError([Diagnostic.make(
            "E117", f"{protocol_name(node.protocol)} flows have no ports", Span("<flow>", 1, 1))])
    groups = frozenset(policy.group_key(p.name, p.account) for p in node.peer_groups)
    return Flow(node.direction, node.protocol, f1, src, dst, node.src_port, node.dst_port,
                node.nic or Nic.INTRANET, groups)


@dataclass(frozen=True)
class Explanation:
    target: Target
    flow: Flow
    decisions: tuple[Decision, ...]
    rules: tuple[Rule, ...]  # every rule of the flow's direction, precedence order
    unresolved: tuple[str, ...]
    problem: str | None  # why the flow cannot occur on this target, if it cannot

    @property
    def definite(self) -> bool:
        return len({d.action for d in self.decisions}) == 1


def explain(policy: Policy, target: Target, flow: Flow) -> Explanation:
    rules = target.rules(flow.direction)
    unresolved = tuple(sorted({n for r in rules for n in r.unknowns}))
    decisions = tuple(decide_all(target, flow, policy.semantics))
    return Explanation(target, flow, decisions, rules, unresolved, flow_problem(flow, target))


def matching_rules(exp: Explanation) -> list[Rule]:
    """The rules that match the flow whatever the unresolved lists hold."""
    assume = {n: False for n in exp.unresolved}
    return [r for r in exp.rules if rule_matches(r, exp.flow, assume)]


def maybe_matching_rules(exp: Explanation) -> list[Rule]:
    """The rules that match the flow only if an unresolved list holds it."""
    none = {n: False for n in exp.unresolved}
    every = {n: True for n in exp.unresolved}
    return [r for r in exp.rules
            if rule_matches(r, exp.flow, every) and not rule_matches(r, exp.flow, none)]
