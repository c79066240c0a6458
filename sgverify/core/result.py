"""Verdicts, results, and what checking one spec file produced: pure data that every
reporter and the cache read (no z3, no lark)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .evaluate import Decision
from .flow import Flow
from .model import Assertion, Policy, Target


class Verdict(enum.Enum):
    """Ordered by badness for exit codes: proved < unknown < violated < error."""

    PROVED = "proved"
    UNKNOWN = "unknown"
    VIOLATED = "violated"
    ERROR = "error"


@dataclass(frozen=True)
class Evidence:
    """How one interface decided the shown flow: ``role`` says which interface and why it
    is involved (for example 'sender web-1 (egress)')."""

    role: str
    target: Target
    flow: Flow
    decision: Decision


@dataclass(frozen=True)
class Result:
    """The outcome of one assertion. ``flow`` is the counterexample of a violated
    assertion, or the witness of a proved 'reachable' one. ``code`` is the diagnostic code
    for violated/unknown/error results."""

    assertion: Assertion
    verdict: Verdict
    summary: str
    flow: Flow | None = None
    evidence: tuple[Evidence, ...] = ()
    notes: tuple[str, ...] = ()
    elapsed: float = 0.0
    code: str | None = None


@dataclass
class SpecReport:
    """Everything one spec file produced: diagnostics (any phase), the resolved policy
    when it got that far, and one result per assertion when it was checked."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    policy: Policy | None = None
    results: list[Result] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    real_paths: dict[str, str] = field(default_factory=dict)  # of the files read, by shown path
    imported: bool = False  # it imports cloud formats (Terraform, ROS, ...): never cached

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)
