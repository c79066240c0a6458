"""``lint``'s own reports: compiler-style text and its JSON document; with the SARIF and
JUnit reporters (through ``from_lint``'s findings), the one place its output is made."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Mapping

from ..analyses.lint.findings import CODES, LintFinding
from ..analyses.lint.lint import LintReport
from .findings import Finding, RunReport
from .from_lint import detail_lines, lint_suites
from .gate import EXIT_VIOLATED, run_exit_code
from .gate import fails as gate_fails
from .json import envelope, gate_summary, rule_json, span_json, stopped_json
from .junit import render_cases
from .sarif import sarif_chunks
from .stream import Later, Rendered, chunks
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
              style: Style, quiet: bool = False) -> Iterator[str]:
    """Every finding (``quiet``: those that fail the run), the interfaces not completed,
    stale baseline entries, and the summary (which counts every finding): a line (or a
    finding's lines) at a time, each ending in a line break."""
    gate = _gate(run)
    fail_on = run.gate_label
    for r in reports:
        for f in r.findings:
            g = gate[id(f)]
            if quiet and not gate_fails(g, run.fail_on):
                continue
            yield finding_text(f, sources, style, g.baselined, g.accepted_by) + "\n"
        for inc in r.incomplete:
            where = str(inc.location) if inc.location else r.path
            yield f"{where}: {style('error', 'error')}: not completed: {inc.scope}: {inc.reason}\n"
            if gate[id(inc)].baselined is not None:
                yield f"  baselined: {gate[id(inc)].baselined}\n"
    for n in run.notes:
        yield f"{n.file or '<input>'}: {style('note', 'note')}: {n.message}\n"
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
    yield summary_line + "\n"


def report_json(reports: list[LintReport], run: RunReport) -> dict[str, Any]:
    """Lint's results (the envelope's ``results``); with a baseline in force each finding
    also has its ``fingerprint`` and ``baselined``, and the results ``baseline`` and
    ``notes``. Each file's findings are made as they are written (``stream.Later``)."""
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
                    "findings": Later(lambda r=r: (finding(f) for f in r.findings)),
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


def lint_pieces(fmt: str, style: Style, run: RunReport, reports: list[LintReport],
                sources: Mapping[str, str], timing: bool, quiet: bool = False) -> Rendered:
    """The report of one ``lint`` run in ``fmt`` (``reports`` empty: stopped by errors),
    the text, JSON and SARIF in pieces as they are made (a fleet's findings need not all
    be text at once); ``quiet`` (``-q``): the text lists only the findings that fail."""
    if fmt == "sarif":
        return sarif_chunks(run, timing)
    if fmt == "junit":
        return render_cases(run, lint_suites(run, {r.path: r.interfaces for r in reports}), timing)
    if fmt == "json":
        if not reports:
            return stopped_json(run, timing)
        code = run_exit_code(run)
        return chunks(envelope("lint", run.inputs, report_json(reports, run), gate_summary(
            code, run.elapsed if timing else None, **dict(run.summary),
            fail_on=run.gate_label, fails=code == EXIT_VIOLATED)))
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
