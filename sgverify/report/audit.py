"""Audit output: text (per control, the subjects that are not proved, with counterexample
and deciding rule), JSON (every result), and findings for the SARIF and JUnit reporters
(a waiver becomes a baseline-style accepted finding). Exit codes are the gate's: 0 every
finding proved or waived, 1 a violation, 3 an unknown and no violation, 2 an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..analyses.audit.controls import Control
from ..analyses.audit.run import AuditReport, ControlResult
from ..core.result import Verdict
from .findings import FileReport, Finding, Outcome, RuleInfo, RunReport, with_fingerprints
from .from_check import deciding_places
from .gate import FailOn, exit_code
from .json import decision_json, gate_summary, render_envelope, span_json
from .text import Style, evidence_lines

STATUSES = ("proved", "violated", "waived", "unknown", "error")
_OUTCOME = {Verdict.PROVED: Outcome.PASSED, Verdict.VIOLATED: Outcome.FAILED,
            Verdict.UNKNOWN: Outcome.UNKNOWN, Verdict.ERROR: Outcome.ERROR}
_STYLE = {"proved": "proved", "violated": "violated", "unknown": "unknown", "error": "error",
          "waived": "note"}


def counts(results: list[ControlResult]) -> dict[str, int]:
    c = Counter(r.status for r in results)
    return {s: c.get(s, 0) for s in STATUSES}


def detail_lines(r: ControlResult) -> list[str]:
    """Counterexample (or witness), what decided it, notes; no indentation of their own."""
    res = r.shown
    lines = []
    if res.flow is not None:
        word = "counterexample" if res.verdict is Verdict.VIOLATED else "flow"
        lines.append(f"{word}: {res.flow}")
    lines.append(res.summary)
    lines += [line[2:] for line in evidence_lines(res.evidence, str(res.flow) if res.flow else None)]
    lines += [f"note: {n}" for n in res.notes]
    if len(r.results) > 1:
        lines.append(f"assertion: {res.assertion.text}")
    if r.waiver is not None:
        when = f", until {r.waiver.expires}" if r.waiver.expires else ""
        lines.append(f"waived: {r.waiver.reason} ({r.waiver.origin}{when})")
    return lines


def severity_word(c: Control, r: ControlResult) -> str:
    """What a compiler would call this result: a violation at its control's level, an
    unknown a warning, a waiver a note."""
    if r.status == "violated":
        return LEVEL[c.severity]
    return {"unknown": "warning", "error": "error", "waived": "note"}.get(r.status, r.status)


def result_line(path: str, c: Control, r: ControlResult, style: Style) -> str:
    """``file:line:col: error[SGV101]: violated: group web: <title>``, so that editors and
    CI annotate it (the inventory's path when the subject has no place of its own)."""
    where = str(r.subject.span) if r.subject.span else path
    sev = severity_word(c, r)
    code = "" if r.status == "proved" else f"[{c.id}]"
    return (f"{where}: {style(sev, _STYLE.get(sev, sev))}{code}: "
            f"{style(r.status, _STYLE[r.status])}: {r.subject}: {c.title}")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def render_text(report: AuditReport, style: Style, *, verbose: bool = False,
                timing: bool = True, quiet: bool = False) -> str:
    """The audit as text: each control, what is not proved (``verbose``: also what is),
    and the summary; ``quiet`` leaves out the controls where everything is proved."""
    out = [f"audit of {report.path}: {plural(len(report.controls), 'control')}, "
           f"{plural(len(report.policy.groups), 'group')}, "
           f"{plural(len(report.policy.instances), 'interface')}"]
    out += [f"note: {n}" for n in report.notes]
    if report.disabled:
        out.append("disabled: " + ", ".join(c.id for c in report.disabled))
    for c in report.controls:
        mine = report.of(c)
        n = counts(mine)
        if quiet and all(r.status in ("proved", "waived") for r in mine):
            continue
        out.append("")
        out.append(f"{style(c.id, 'bold')} {c.severity:<8} {c.slug}: {c.title}")
        out.append(f"  why: {c.rationale}")
        for r in mine:
            if r.status == "proved" and not verbose:
                continue
            out.append(result_line(report.path, c, r, style))
            if r.status == "proved":
                continue
            out += [f"    {line}" for line in detail_lines(r)]
        if not mine:
            out.append("  (no group or interface selected)")
        out.append("  => " + ", ".join(f"{n[s]} {s}" for s in STATUSES if n[s] or s in ("proved", "violated")))
    out.append("")
    out.append(summary_line(report, timing))
    return "\n".join(out) + "\n"


def summary_line(report: AuditReport, timing: bool = True) -> str:
    """The last line of the text report: what was checked, the counts and the time of the
    whole run (reading, checking and the reachability of an HTML report)."""
    groups = sum(1 for r in report.results if r.subject.kind == "group")
    total = counts(report.results)
    t = f" in {report.elapsed:.2f} s" if timing else ""
    return (f"summary: {plural(len(report.controls), 'control')} on {groups} group and "
            f"{len(report.results) - groups} interface checks: "
            + ", ".join(f"{total[s]} {s}" for s in STATUSES) + t)


def result_json(r: ControlResult, timing: bool) -> dict[str, Any]:
    res = r.shown
    out: dict[str, Any] = {
        "control": r.control.id,
        "subject": {"kind": r.subject.kind, "name": r.subject.name, "id": r.subject.ident,
                    "location": span_json(r.subject.span)},
        "status": r.status,
        "verdict": r.verdict.value,
        "assertion": res.assertion.text,
        "summary": res.summary,
        "flow": res.flow.to_json() if res.flow else None,
        "evidence": [{"role": e.role, "interface": e.target.name, "flow": e.flow.to_json(),
                      "decision": decision_json(e.decision)} for e in res.evidence],
        "notes": list(res.notes),
        "waiver": None if r.waiver is None else {
            "reason": r.waiver.reason, "target": r.waiver.target, "origin": r.waiver.origin,
            "expires": r.waiver.expires.isoformat() if r.waiver.expires else None},
    }
    if timing:
        out["time_ms"] = round(r.elapsed * 1000, 3)
    return out


def control_json(c: Control, results: list[ControlResult]) -> dict[str, Any]:
    return {"id": c.id, "slug": c.slug, "severity": c.severity, "title": c.title,
            "rationale": c.rationale, "source": c.source, "kind": c.kind,
            "templates": list(c.templates), "selector": list(c.selector),
            "references": list(c.references), "counts": counts(results)}


def render_json(report: AuditReport, code: int, timing: bool = True,
                inputs: Sequence[str] = ()) -> str:
    """The audit in the JSON envelope: the controls that ran, one check per control and
    subject, the notes; the summary counts the checks by status."""
    results: dict[str, Any] = {
        "controls": [control_json(c, report.of(c)) for c in report.controls],
        "disabled": [c.id for c in report.disabled],
        "checks": [result_json(r, timing) for r in report.results],
        "notes": list(report.notes),
    }
    return render_envelope("audit", inputs or (report.path,), results, gate_summary(
        code, report.elapsed if timing else None, **counts(report.results)))


def finding(path: str, r: ControlResult) -> Finding:
    """One control result as a gate finding (SARIF, JUnit and the exit code read these)."""
    res = r.shown
    c = r.control
    return Finding(path, _OUTCOME[r.verdict], c.id, f"{c.id} {c.slug}: {c.title} ({r.subject})",
                   r.subject.span, name=f"{c.id} {r.subject}", verdict=r.verdict.value,
                   flow=str(res.flow) if res.flow else None, summary=res.summary,
                   details=tuple(detail_lines(r)) if r.verdict is not Verdict.PROVED else (),
                   related=deciding_places(res), elapsed=r.elapsed,
                   baselined=r.waiver.reason if r.waiver is not None else None,
                   accepted_by="waived", payload=res,
                   properties=(("suppressed_at", r.waiver.origin),)
                   if r.waiver is not None and r.waiver.inline else (),
                   level=LEVEL[c.severity] if r.verdict is Verdict.VIOLATED else None)


# A control's severity as SARIF's level and GitHub's security-severity score (GitHub reads
# over 9.0 as critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def control_rule(c: Control) -> RuleInfo:
    """A control as a SARIF rule: its title, rationale and statements, level and score."""
    name = "".join(w[:1].upper() + w[1:] for w in c.slug.split("-"))
    statements = " ".join(c.statements())
    return RuleInfo(c.id, name, c.title, LEVEL[c.severity], "docs/audit.md",
                    ("security", c.severity, c.slug), f"{c.rationale} Checks: {statements}",
                    SECURITY_SEVERITY[c.severity])


def run_report(report: AuditReport, fail_on: FailOn, elapsed: float | None,
               root: str | None = None) -> RunReport:
    findings = tuple(finding(report.path, r) for r in report.results)
    files = with_fingerprints([FileReport(report.path, findings, tuple(report.notes),
                                          dict(report.sources))])
    return RunReport("audit", files, fail_on, elapsed=elapsed, root=root,
                     rules=tuple(control_rule(c) for c in report.controls))


def audit_exit_code(report: AuditReport, fail_on: FailOn) -> int:
    return exit_code((finding(report.path, r) for r in report.results), fail_on)


__all__ = [
    "STATUSES",
    "audit_exit_code",
    "counts",
    "detail_lines",
    "render_json",
    "render_text",
    "run_report",
    "summary_line",
]


def controls_text(controls: Sequence[Control]) -> str:
    """``audit --list-controls``: each control, why it matters, its templates and selectors."""
    out = []
    for c in controls:
        out.append(f"{c.id}  {c.severity:<8} {c.slug}: {c.title}\n")
        out.append(f"    why: {c.rationale}\n")
        for t in c.statements():
            out.append(f"    {t}\n")
        if c.selector:
            out.append(f"    selects: {', '.join(c.selector)}\n")
        if c.source != "built-in":
            out.append(f"    from: {c.source}\n")
    return "".join(out)
