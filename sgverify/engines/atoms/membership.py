"""Which contents of the unresolved lists let a flow through one interface.

A "may reach" witness passes for some contents of unresolved prefix or port lists only.
The decision a report shows for it is the one under a membership for which the interface
accepts the flow (not the one where every list is empty, which drops it), and the report
says which membership that is, as facts about the flow: "1.0.0.1 is in prefix list p",
"port 22 is not in port list pl".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ...core.addresses import format_address
from ...core.evaluate import Decision, decide, lists_that_matter, unresolved_names
from ...core.flow import Flow
from ...core.model import Semantics, Target

MAX_LISTS = 10  # lists that can matter to one flow beyond which no membership is searched


@dataclass(frozen=True)
class Membership:
    """The interface's decision under one membership of the lists that matter to the flow;
    ``facts`` say what that membership is (empty when no list matters)."""

    decision: Decision
    facts: tuple[str, ...] = ()


def fact(target: Target, flow: Flow, name: str, holds: bool) -> str:
    """'A is in prefix list p' (the flow's peer address) or 'port N is in port list q'
    (its destination port), or the same with 'not in'."""
    word = "is in" if holds else "is not in"
    if any(r.unresolved_ports == name for r in target.rules(flow.direction)):
        return f"port {flow.dst_port} {word} {name}"
    return f"{format_address(flow.family, flow.peer_ip)} {word} {name}"


def accepting(target: Target, flow: Flow, sem: Semantics) -> Membership | None:
    """The decision under the first membership (fewest lists holding the flow, then list
    order) for which ``target`` accepts ``flow``; None when none does."""
    names = lists_that_matter(target, flow)
    if len(names) > MAX_LISTS:
        return None
    rest = {n: False for n in unresolved_names(target, flow.direction)}
    choices = sorted(itertools.product((False, True), repeat=len(names)),
                     key=lambda vs: (sum(vs), tuple(not v for v in vs)))
    for values in choices:
        dec = decide(target, flow, sem, rest | dict(zip(names, values)))
        if dec.accepted:
            return Membership(dec, tuple(fact(target, flow, n, v) for n, v in zip(names, values)))
    return None


__all__ = ["MAX_LISTS", "Membership", "accepting", "fact"]
