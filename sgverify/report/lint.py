"""``lint``'s own reports: compiler-style text and its JSON document; with the SARIF and
JUnit reporters (through ``from_lint``'s findings), the one place its output is made."""

from __future__ import annotations

from typing import Any, Mapping

from ..analyses.lint.findings import CODES, LintFinding
from ..analyses.lint.lint import LintReport
from .findings import Finding, RunReport
from .from_lint import detail_lines, lint_suites
from .gate import EXIT_VIOLATED, run_exit_code
from .gate import fails as gate_fails
from .json import gate_summary, render_envelope, rule_json, span_json, stopped_json
from .junit import render_cases
from .sarif import render_sarif
from .suppressed import SUPPRESSED
from .text import Style, caret


def _gate(run: RunReport) -> dict[int, Finding]:
    """Each lint finding's ``Finding`` (its gate view), by the lint finding's id."""
    return {id(f.payload): f for f in run.findings()}


def finding_text(f: LintFinding, sources: Mapping[str, str], style: Style,
                 baselined: str | None = None, accepted_by: str = "baselined") -> str:
    """One finding as text; ``baselined``: the reason of the baseline entry or inline
    suppression (``accepted_by``) that accepts it."""
    where = str(f.location) if f.location else "<input>"
    mark = f" ({accepted_by})" if baselined is not None else ""
    lines = [f"{where}: {style(f.severity, f.severity)}[{f.code}]{mark}: {f.message}"]
    lines += caret(f.location, sources)
    lines += [f"  {d}" for d in detail_lines(f)]
    if baselined is not None:
        lines.append(f"  {accepted_by}: {baselined}")
    return "\n".join(lines)


def lint_text(reports: list[LintReport], run: RunReport, sources: Mapping[str, str],
                style: Style, quiet: bool = False) -> str:
    """Every finding (``quiet``: those that fail the run), the interfaces not completed,
    stale baseline entries, and the summary (which counts every finding)."""
    gate = _gate(run)
    fail_on = run.gate_label
    out = []
    for r in reports:
        for f in r.findings:
            g = gate[id(f)]
            if quiet and not gate_fails(g, run.fail_on):
                continue
            out.append(finding_text(f, sources, style, g.baselined, g.accepted_by))
        for inc in r.incomplete:
            where = str(inc.location) if inc.location else r.path
            out.append(f"{where}: {style('error', 'error')}: not completed: {inc.scope}: {inc.reason}")
            if gate[id(inc)].baselined is not None:
                out.append(f"  baselined: {gate[id(inc)].baselined}")
    for n in run.notes:
        out.append(f"{n.file or '<input>'}: {style('note', 'note')}: {n.message}")
    counts = {s: sum(1 for r in reports for f in r.findings if f.severity == s)
              for s in ("error", "warning", "note")}
    failing = sum(1 for r in reports for f in r.findings if gate_fails(gate[id(f)], run.fail_on))
    parts = [f"{counts['error']} error(s)", f"{counts['warning']} warning(s)", f"{counts['note']} note(s)"]
    scopes = sum(r.scopes for r in reports)
    summary_line = f"summary: {', '.join(parts)} in {scopes} interface(s) of {len(reports)} input(s)"
    baselined = sum(1 for f in run.findings()
                    if f.baselined is not None and f.accepted_by == "baselined")
    suppressed = sum(1 for f in run.findings()
                     if f.baselined is not None and f.accepted_by == SUPPRESSED)
    if fail_on != "none":
        summary_line += f"; {failing} at or above --fail-on {fail_on}"
        if baselined or suppressed:
            summary_line += " and not " + " or ".join(
                w for w, n in (("baselined", baselined), ("suppressed", suppressed)) if n)
    if baselined:
        summary_line += f"; {baselined} baselined"
    if suppressed:
        summary_line += f"; {suppressed} suppressed inline"
    incomplete = sum(len(r.incomplete) for r in reports)
    if incomplete:
        summary_line += f"; {incomplete} interface(s) NOT COMPLETED: findings may be missing"
    out.append(summary_line)
    return "\n".join(out) + "\n"


def report_json(reports: list[LintReport], run: RunReport) -> dict[str, Any]:
    """Lint's results (the envelope's ``results``); with a baseline in force each finding
    also has its ``fingerprint`` and ``baselined``, and the results ``baseline`` and
    ``notes``."""
    gate = _gate(run)
    with_baseline = run.baseline is not None

    def finding(f: LintFinding) -> dict[str, Any]:
        g = gate[id(f)]
        out = finding_json(f) | {"fails": gate_fails(g, run.fail_on)}
        if g.accepted_by == SUPPRESSED:
            out["suppressed"] = {"reason": g.baselined, "at": g.prop("suppressed_at")}
        if with_baseline:
            out |= {"fingerprint": g.fingerprint,
                    "baselined": {"reason": g.baselined} if g.baselined is not None else None}
        return out

    doc: dict[str, Any] = {
        "files": [{"path": r.path,
                    "findings": [finding(f) for f in r.findings],
                    "not_completed": [{"scope": i.scope, "reason": i.reason} for i in r.incomplete]}
                   for r in reports],
        "codes": {code: {"severity": sev, "title": title} for code, (sev, title) in CODES.items()},
        "completed": not any(r.incomplete for r in reports),
    }
    if with_baseline or run.notes:
        doc["baseline"] = run.baseline
        doc["notes"] = [{"message": n.message, "file": n.file, "fingerprint": n.fingerprint}
                        for n in run.notes]
    return doc


def render_lint(fmt: str, style: Style, run: RunReport, reports: list[LintReport],
                sources: Mapping[str, str], timing: bool, quiet: bool = False) -> str:
    """The report of one ``lint`` run in ``fmt`` (``reports`` empty: stopped by errors);
    ``quiet`` (``-q``): the text lists only the findings that fail the run."""
    if fmt == "sarif":
        return render_sarif(run, timing)
    if fmt == "junit":
        return render_cases(run, lint_suites(run, {r.path: r.interfaces for r in reports}), timing)
    if fmt == "json":
        if not reports:
            return stopped_json(run, timing)
        code = run_exit_code(run)
        return render_envelope("lint", run.inputs, report_json(reports, run), gate_summary(
            code, run.elapsed if timing else None, **dict(run.summary),
            fail_on=run.gate_label, fails=code == EXIT_VIOLATED))
    return lint_text(reports, run, sources, style, quiet)


def finding_json(f: LintFinding) -> dict[str, Any]:
    return {
        "code": f.code, "severity": f.severity, "title": CODES[f.code][1],
        "message": f.message, "scope": f.scope, "location": span_json(f.location),
        "rule": rule_json(f.rule) if f.rule else None,
        "involved": [{"role": i.role, "rule": rule_json(i.rule)} for i in f.involved],
        "box": f.view.to_json() if f.view else None,
        "witness": f.witness.to_json() if f.witness else None,
        "details": list(f.details),
    }
