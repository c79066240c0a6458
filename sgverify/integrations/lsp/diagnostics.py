"""What an analysis found, as Language Server Protocol diagnostics (plain dicts in the
protocol's JSON shape, by the real path of the file they are in).

They are the findings ``sgverify check`` reports (``report.from_check``), with the same
codes and messages: input diagnostics at their spans; a violated assertion as an error on
the assertion, its message the counterexample and explanation lines the text report
prints, the deciding rule of each interface as related information at the rule; an
unknown one as a warning. Lint findings (``report.from_lint``) are warnings, a redundant
rule a hint; dead and redundant rules are tagged unnecessary (editors fade them).
"""

from __future__ import annotations

from typing import Any, Mapping

from ...core.diagnostics import Span
from ...report.findings import Finding, Outcome
from ...report.from_check import spec_file_report
from ...report.from_lint import lint_finding
from .documents import Analysis

ERROR, WARNING, INFORMATION, HINT = 1, 2, 3, 4
UNNECESSARY = 1
SOURCE = "sgverify"
_OUTCOME_SEVERITY = {Outcome.ERROR: ERROR, Outcome.FAILED: ERROR, Outcome.UNKNOWN: WARNING,
                     Outcome.WARNING: WARNING, Outcome.NOTE: INFORMATION}
_LINT_SEVERITY = {"error": WARNING, "warning": WARNING, "note": HINT}


def utf16_column(line: str, col: int) -> int:
    """The UTF-16 offset (what the protocol counts) of 0-based character column ``col``."""
    head = line[:col]
    return len(head) + sum(1 for ch in head if ord(ch) > 0xFFFF)


def character_column(line: str, units: int) -> int:
    """The 0-based character column at UTF-16 offset ``units`` (the inverse)."""
    n = 0
    for i, ch in enumerate(line):
        if n >= units:
            return i
        n += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def position(lines: list[str], line: int, col: int) -> dict[str, int]:
    """A protocol position from a 1-based line and column (as spans have them)."""
    ln = max(line - 1, 0)
    text = lines[ln] if ln < len(lines) else ""
    return {"line": ln, "character": utf16_column(text, max(col - 1, 0))}


def lsp_range(span: Span | None, text: str | None) -> dict[str, Any]:
    """The protocol range of ``span`` in ``text``; a span of the whole file (line 0) is the
    start of the file, a point span covers the rest of its word."""
    lines = (text or "").split("\n")
    if span is None or span.line == 0:
        zero = {"line": 0, "character": 0}
        return {"start": zero, "end": zero}
    start = position(lines, span.line, span.col)
    if span.end_line:
        end = position(lines, span.end_line, span.end_col)
    else:  # a point: to the end of the word there (at least one character)
        row = lines[span.line - 1] if span.line - 1 < len(lines) else ""
        stop = span.col - 1
        while stop < len(row) and not row[stop].isspace():
            stop += 1
        end = position(lines, span.line, max(stop, span.col) + 1)
    return {"start": start, "end": end}


def message_of(f: Finding) -> str:
    """The finding's message as the text report prints it, without place and caret."""
    head = f"{f.verdict}: {f.message}" if f.verdict is not None else f.message
    lines = [head] + list(f.details)
    lines += [note for span, note in f.notes if span is None]
    return "\n".join(lines)


class Places:
    """Turns spans of one analysis into protocol locations (real path, range)."""

    def __init__(self, analysis: Analysis, uri_of: Any) -> None:
        self.analysis = analysis
        self.sources = analysis.report.sources
        self.uri_of = uri_of

    def range(self, span: Span | None) -> dict[str, Any]:
        return lsp_range(span, self.sources.get(span.path) if span else None)

    def location(self, span: Span) -> dict[str, Any]:
        return {"uri": self.uri_of(self.analysis.real_of(span.path)), "range": self.range(span)}


def _diagnostic(f: Finding, places: Places, severity: int, tags: list[int]) -> dict[str, Any]:
    related = [{"location": places.location(r.span), "message": r.message} for r in f.related]
    related += [{"location": places.location(span), "message": note}
                for span, note in f.notes if span is not None]
    d: dict[str, Any] = {"range": places.range(f.location), "severity": severity,
                         "source": SOURCE, "message": message_of(f)}
    if f.code:
        d["code"] = f.code
    if related:
        d["relatedInformation"] = related
    if tags:
        d["tags"] = tags
    return d


def publishable(analysis: Analysis, uri_of: Any, main_path: str) -> dict[str, list[dict[str, Any]]]:
    """Every diagnostic of ``analysis``, by the real path of its file. A finding without a
    place goes on ``main_path`` (the spec checked). Proved assertions are not diagnostics
    (hover shows them)."""
    places = Places(analysis, uri_of)
    out: dict[str, list[dict[str, Any]]] = {}

    def put(f: Finding, severity: int, tags: list[int] | None = None) -> None:
        where = analysis.real_of(f.location.path) if f.location is not None else main_path
        out.setdefault(where, []).append(_diagnostic(f, places, severity, tags or []))

    for f in spec_file_report(analysis.report).findings:
        if f.outcome is Outcome.PASSED:
            continue
        put(f, _OUTCOME_SEVERITY[f.outcome])
    if analysis.lint is not None:
        for lf in analysis.lint.findings:
            f = lint_finding(analysis.report.path, lf, "none")
            tags = [UNNECESSARY] if lf.code in ("L101", "L102") else []
            put(f, _LINT_SEVERITY.get(lf.severity, WARNING), tags)
    return out


def merged(per_root: Mapping[str, Mapping[str, list[dict[str, Any]]]],
           path: str) -> list[dict[str, Any]]:
    """The diagnostics of ``path`` over every spec checked that read it (a fragment included
    by two specs), each once, in order of place."""
    seen: set[str] = set()
    out = []
    for root in sorted(per_root):
        for d in per_root[root].get(path, ()):
            key = repr((d["range"], d.get("code"), d["message"]))
            if key not in seen:
                seen.add(key)
                out.append(d)
    out.sort(key=lambda d: (d["range"]["start"]["line"], d["range"]["start"]["character"]))
    return out
