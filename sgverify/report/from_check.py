"""Findings from ``check``: each spec's diagnostics and assertion results as ``Finding``
objects, with the explanation lines (counterexample, deciding rule) every reporter shows."""

from __future__ import annotations

from typing import Sequence

from ..core.diagnostics import Diagnostic, Severity
from ..core.evaluate import Reason
from ..core.result import Result, SpecReport, Verdict
from .findings import FileReport, Finding, Outcome, Related
from .text import assertion_text, evidence_lines

_VERDICT_OUTCOME = {Verdict.PROVED: Outcome.PASSED, Verdict.VIOLATED: Outcome.FAILED,
                    Verdict.UNKNOWN: Outcome.UNKNOWN, Verdict.ERROR: Outcome.ERROR}
_SEVERITY_OUTCOME = {Severity.ERROR: Outcome.ERROR, Severity.WARNING: Outcome.WARNING,
                     Severity.NOTE: Outcome.NOTE}


def diagnostic_finding(file: str, d: Diagnostic) -> Finding:
    return Finding(file, _SEVERITY_OUTCOME[d.severity], d.code, d.message, d.span,
                   notes=d.notes, payload=d)


def result_finding(file: str, r: Result) -> Finding:
    """One assertion's result as a finding, with the lines the text report prints under it."""
    a = r.assertion
    flow = str(r.flow) if r.flow is not None else None
    details: list[str] = []
    if r.verdict is Verdict.PROVED:
        if flow is not None:
            details += [f"witness: {flow}", r.summary]
            details += [line[2:] for line in evidence_lines(r.evidence, flow)]
    else:
        if flow is not None:
            details.append(f"counterexample: {flow}" if r.verdict is Verdict.VIOLATED
                           else f"flow: {flow}")
        details.append(r.summary)
        details += [line[2:] for line in evidence_lines(r.evidence, flow)]
    details += [f"note: {n}" for n in r.notes]
    code = None if r.verdict is Verdict.PROVED else r.code
    return Finding(file, _VERDICT_OUTCOME[r.verdict], code, assertion_text(a), a.span,
                   name=a.name, verdict=r.verdict.value, flow=flow, summary=r.summary,
                   details=tuple(details), related=deciding_places(r), elapsed=r.elapsed,
                   payload=r)


def deciding_places(r: Result) -> tuple[Related, ...]:
    """Where each interface's decision about the shown flow comes from: the deciding
    rule, the group of an intra-group decision, or the interface for a default."""
    out = []
    for e in r.evidence:
        dec = e.decision
        rule = dec.rule
        if dec.reason is Reason.RULE and rule is not None and rule.span is not None:
            out.append(Related(rule.span, f"on {e.role}: decided by rule {rule.name} of group "
                                          f"{rule.group_name} (priority {rule.priority}, "
                                          f"{rule.action.value})"))
        elif dec.reason is Reason.INTRA_GROUP and dec.group is not None and dec.group.span:
            out.append(Related(dec.group.span, f"on {e.role}: decided by the intra-group policy "
                                               f"of group {dec.group.name}"))
        elif dec.reason is Reason.PLATFORM and e.target.span is not None:
            out.append(Related(e.target.span, f"on {e.role}: dropped by the platform block of "
                                              "outbound TCP 25"))
        elif e.target.span is not None:
            out.append(Related(e.target.span, f"on {e.role}: decided by the default "
                                              f"{dec.action.value} (no rule matched)"))
    return tuple(out)


def spec_file_report(rep: SpecReport) -> FileReport:
    """The findings of one checked spec: its diagnostics in source order, then one
    finding per assertion in the order they were written."""
    findings = [diagnostic_finding(rep.path, d)
                for d in sorted(rep.diagnostics, key=lambda d: d.sort_key())]
    findings += [result_finding(rep.path, r) for r in rep.results]
    remarks = ("no assertions to check",) if rep.policy is not None and not rep.results else ()
    return FileReport(rep.path, tuple(findings), remarks, dict(rep.sources))


def path_file_report(path: str, diagnostics: Sequence[Diagnostic]) -> FileReport:
    """A path argument that could not be used (missing, or a folder without specs)."""
    return FileReport(path, tuple(diagnostic_finding(path, d) for d in diagnostics))
