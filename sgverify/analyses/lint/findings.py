"""Lint findings: their stable codes and severities, and the finding record every check
returns (plain data; the command renders it as text or JSON)."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.diagnostics import Span
from ...core.flow import Flow
from ...core.model import Rule
from ...engines.boxes.merge import BoxView

SEVERITIES = ("error", "warning", "note")  # worst first

# code -> (default severity, title). 1xx: proved facts about rule precedence; 2xx: exposure;
# 3xx: what Alibaba Cloud would refuse or limits it enforces. docs/lint.md documents each.
CODES: dict[str, tuple[str, str]] = {
    "L101": ("warning", "dead rule: it never decides any flow"),
    "L102": ("note", "redundant rule: removing it changes no decision"),
    "L103": ("warning", "accept and drop rules overlap at one priority (drop wins)"),
    "L201": ("error", ("open to every public address on an administration or database port, "
                       "or on all ports")),
    "L301": ("error", "priority outside 1..100"),
    "L302": ("error", "port range runs backwards or leaves 1..65535"),
    "L303": ("error", "ports other than -1/-1 for a protocol without ports"),
    "L304": ("warning", "classic-network internal rule by address that is not a single /32"),
    "L305": ("error", "enterprise group referencing groups, or referenced by a rule"),
    "L306": ("error", "more than 200 rules in one group"),
    "L307": ("error", "more than 1,000 rules on one interface"),
    "L308": ("error", "more than 10 groups on one interface"),
    "L309": ("error", "more than 20 groups referenced by one group"),
    "L310": ("error", "prefix list or port list in a classic-network group"),
}


def severity_rank(severity: str) -> int:
    """0 for error, 1 warning, 2 note: smaller is worse."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Involved:
    """A rule that takes part in a finding, and its part (e.g. 'covers it', 'drop wins')."""

    rule: Rule
    role: str


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One proved fact about a policy. ``scope`` names where it holds ('group web',
    'instance web-1'); ``rule`` is the rule it is about (None for group-wide findings);
    ``view``/``witness`` show flows that illustrate it (an overlap, an exposed port)."""

    code: str
    severity: str
    message: str
    scope: str
    location: Span | None = None
    rule: Rule | None = None
    involved: tuple[Involved, ...] = ()
    view: BoxView | None = None
    witness: Flow | None = None
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Incomplete:
    """An interface whose analysis was not completed (budget or solver time limit): its
    findings may be missing, so the run fails closed."""

    scope: str
    reason: str
    location: Span | None = None
