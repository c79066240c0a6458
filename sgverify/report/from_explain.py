"""Findings from ``explain``, for the SARIF and JUnit reporters: one per explained flow,
per line of ``--flows``, and per compared flow-log record (with one per interface whose
records were not compared).

Outcomes follow explain's exit codes: a decided flow passes (a single ``--flow`` is a note,
so that its verdict shows in SARIF); a verdict that depends on unresolved lists is
``UNKNOWN`` (a note with ``--fail-on violated``); a single flow that cannot occur on its
target, and an unreadable line, are errors (a line of ``--flows`` that cannot occur is a
warning, as it does not change the exit code); a flow-log record whose logged action the
policy contradicts fails. Judged with ``FailOn.UNKNOWN``, the run exits as ``explain`` does.
"""

from __future__ import annotations

from ..analyses.explain.bulk import FlowLine, LogLine, LogTally
from ..analyses.explain.explain import Explanation
from ..core.diagnostics import Span
from ..core.evaluate import Decision
from .explain import describe, verdict_fields
from .findings import FileReport, Finding, Outcome, Related, RuleInfo, RunReport, with_fingerprints
from .gate import FailOn
from .junit import Case, Suite

DOC, BULK_DOC = "docs/language.md", "docs/inputs.md"
DECIDED, UNDECIDED, IMPOSSIBLE, UNREADABLE = "X001", "X002", "X003", "E001"
DISAGREES, NOT_COMPARED = "X101", "X102"


def rules() -> tuple[RuleInfo, ...]:
    return (
        RuleInfo(DECIDED, "FlowDecided", "the policy decides the flow (accept or drop)", "note",
                 DOC),
        RuleInfo(UNDECIDED, "FlowUndecided", "the verdict depends on the unknown entries of a "
                 "prefix or port list: not verified", "warning", DOC),
        RuleInfo(IMPOSSIBLE, "FlowCannotOccur", "the flow cannot occur on the interface it is "
                 "explained on", "error", DOC),
        RuleInfo(DISAGREES, "FlowLogDisagrees", "a flow-log record's logged action is not the "
                 "policy's verdict", "error", BULK_DOC, ("security",)),
        RuleInfo(NOT_COMPARED, "FlowLogNotCompared", "flow-log records of an interface were not "
                 "compared", "warning", BULK_DOC),
    )


def _related(decision: Decision | None) -> tuple[Related, ...]:
    rule = decision.rule if decision is not None else None
    if rule is None or rule.span is None:
        return ()
    return (Related(rule.span, f"decided by rule {rule.name} of group {rule.group_name}"),)


class ExplainFindings:
    """The findings of one ``explain`` run, gathered as it goes (``relaxed``: --fail-on
    violated, which lets what is not decided pass)."""

    def __init__(self, path: str, relaxed: bool) -> None:
        self.path = path
        self.relaxed = relaxed
        self.found: list[Finding] = []

    @property
    def _undecided(self) -> Outcome:
        return Outcome.NOTE if self.relaxed else Outcome.UNKNOWN

    def explanation(self, exp: Explanation) -> None:
        flow = str(exp.flow)
        if exp.problem:
            self.found.append(Finding(self.path, Outcome.ERROR, IMPOSSIBLE,
                                      f"{flow} cannot occur on {exp.target.name}: {exp.problem}",
                                      None, flow, "error"))
        if exp.definite:
            dec = exp.decisions[0]
            self.found.append(Finding(self.path, Outcome.NOTE, DECIDED,
                                      f"{flow} on {exp.target.name}: {describe(dec, ())}",
                                      dec.rule.span if dec.rule else None, flow,
                                      dec.action.value, related=_related(dec)))
        else:
            self.found.append(Finding(self.path, self._undecided, UNDECIDED,
                                      f"{flow} on {exp.target.name}: unknown: depends on the "
                                      f"entries of {', '.join(exp.unresolved)}", None, flow,
                                      "unknown"))

    def flow_line(self, r: FlowLine, shown: str, target: str) -> None:
        at = Span(shown, r.number, 1)
        name = f"{shown}:{r.number}"
        if r.error is not None:
            self.found.append(Finding(self.path, Outcome.ERROR, UNREADABLE, r.error, at, name,
                                      "error"))
            return
        if r.problem:
            self.found.append(Finding(self.path, Outcome.WARNING, IMPOSSIBLE,
                                      f"{r.flow} cannot occur on {target}: {r.problem}", at, name,
                                      level="warning"))
        if r.decision is None:
            self.found.append(Finding(self.path, self._undecided, UNDECIDED,
                                      f"{r.flow}: {describe(None, r.unresolved)}", at, name,
                                      "unknown"))
        else:
            self.found.append(Finding(self.path, Outcome.PASSED, DECIDED,
                                      f"{r.flow}: {describe(r.decision, ())}", at, name,
                                      r.decision.action.value, related=_related(r.decision),
                                      properties=tuple(verdict_fields(r.decision).items())))

    def log_line(self, r: LogLine, shown: str) -> None:
        at = Span(shown, r.number, 1)
        name = f"{shown}:{r.number}"
        if r.kind == "errors":
            self.found.append(Finding(self.path, Outcome.ERROR, UNREADABLE, r.problem or "", at,
                                      name, "error"))
        elif r.kind in ("agree", "disagree", "undecided"):
            assert r.record is not None and r.target is not None and r.comparison is not None
            logged = "ACCEPT" if r.record.logged and r.record.logged.value == "accept" else "REJECT"
            what = f"{r.record.flow} on {r.target.name}: logged {logged}, policy: " \
                   f"{describe(r.comparison.decision, ())}"
            outcome, code, verdict = {
                "agree": (Outcome.PASSED, DISAGREES, "agrees"),
                "disagree": (Outcome.FAILED, DISAGREES, "disagrees"),
                "undecided": (self._undecided, UNDECIDED, "unknown")}[r.kind]
            self.found.append(Finding(self.path, outcome, code, what, at, name, verdict,
                                      related=_related(r.comparison.decision)))

    def log_tally(self, tally: LogTally, shown: str) -> None:
        """One finding per interface whose records were not compared."""
        for eni, number in tally.unknown_enis.items():
            self.found.append(Finding(self.path, self._undecided, NOT_COMPARED,
                                      f"interface {eni} is not in the policy: its records are "
                                      "not compared", Span(shown, number, 1), f"interface {eni}",
                                      "unknown"))
        for name, (number, problem) in tally.elsewhere.items():
            self.found.append(Finding(self.path, self._undecided, NOT_COMPARED,
                                      f"records logged for {name} cannot occur on it ({problem})",
                                      Span(shown, number, 1), f"interface {name}", "unknown"))

    def run(self, elapsed: float | None = None, root: str | None = None) -> RunReport:
        label = "violated" if self.relaxed else "unknown"
        return RunReport("explain", with_fingerprints([FileReport(self.path, tuple(self.found))]),
                         FailOn.UNKNOWN, elapsed=elapsed, rules=rules(), fail_on_label=label,
                         root=root)


def explain_suites(run: RunReport) -> list[Suite]:
    """One suite, a case per finding."""
    cases = [Case(f.name or f.message, (f,), f.location.path if f.location else None,
                  f.location.line if f.location and f.location.line else None)
             for f in run.findings()]
    return [Suite("explain", tuple(cases))]
