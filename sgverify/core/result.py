"""Verdicts and results: pure data that every reporter reads (no z3, no lark)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .evaluate import Decision
from .flow import Flow
from .model import Assertion, Target


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
