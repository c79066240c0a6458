"""Text output: compiler-style lines (``path:line:col: severity[CODE]: message``), the
offending source line with a caret, then counterexamples and notes, indented."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping

from ..core.diagnostics import CODES, Diagnostic, Span
from ..core.evaluate import Decision, Reason
from ..core.model import Assertion, Rule, Target
from ..core.result import Evidence, Result, Verdict
from .findings import Finding, Outcome, RunReport
from .gate import FailOn, fails, relaxed, tally

_COLORS = {"error": "31", "warning": "33", "note": "36", "proved": "32", "violated": "31",
           "unknown": "33", "bold": "1"}


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, what: str) -> str:
        if not self.color or what not in _COLORS:
            return text
        return f"\033[{_COLORS[what]}m{text}\033[0m"


def where(span: Span | None) -> str:
    return str(span) if span else "<input>"


_SPLIT: dict[int, tuple[str, list[str]]] = {}  # id(text) -> (text, its lines): the last few


def _lines(text: str) -> list[str]:
    """``text.splitlines()``, kept for the last few texts: findings come file by file, and
    splitting a 12 MB spec again for each of thousands of findings was most of a report."""
    hit = _SPLIT.get(id(text))
    if hit is not None and hit[0] is text:
        return hit[1]
    if len(_SPLIT) >= 4:
        _SPLIT.pop(next(iter(_SPLIT)))
    lines = text.splitlines()
    _SPLIT[id(text)] = (text, lines)
    return lines


def caret(span: Span | None, sources: Mapping[str, str]) -> list[str]:
    """The source line of ``span`` with a caret under it (empty if the text is unknown)."""
    if span is None or span.path not in sources:
        return []
    lines = _lines(sources[span.path])
    if not 1 <= span.line <= len(lines):
        return []
    text = lines[span.line - 1]  # tabs become one space each (expandtabs(1)), after windowing
    col = span.col
    width = 1
    if span.end_line == span.line and span.end_col > span.col:
        width = span.end_col - span.col
    if len(text) > _WINDOW:
        # One-line JSON or minified input: show a window around the column.
        start = max(0, min(col - 1 - _WINDOW // 2, len(text) - _WINDOW))
        text = ("..." if start else "") + text[start:start + _WINDOW] + (
            "..." if start + _WINDOW < len(text) else "")
        col = col - start + (3 if start else 0)
        width = min(width, _WINDOW)
    text = text.expandtabs(1)
    width = max(1, min(width, len(text) - col + 1 if len(text) >= col else 1))
    gutter = f"{span.line:>5} | "
    return [gutter + text, " " * (len(gutter) - 2) + "| " + " " * (col - 1) + "^" * width]


_WINDOW = 160  # characters of a long source line shown around the caret


def render_diagnostic(d: Diagnostic, sources: Mapping[str, str], style: Style) -> str:
    sev = d.severity.value
    lines = [f"{where(d.span)}: {style(sev, sev)}[{d.code}]: {d.message}"]
    lines += caret(d.span, sources)
    for span, note in d.notes:
        prefix = f"{span}: " if span else ""
        lines.append(f"  {prefix}{style('note', 'note')}: {note}")
    return "\n".join(lines)


def rule_ref(rule: Rule) -> str:
    at = f" at {rule.span}" if rule.span else ""
    rid = f" [{rule.rule_id}]" if rule.rule_id and rule.label else ""
    return (f"rule {rule.name}{rid} of group {rule.group_name} "
            f"(priority {rule.priority}, {rule.action.value}){at}")


def decision_lines(dec: Decision, indent: str = "  ") -> list[str]:
    lines = []
    if dec.reason is Reason.RULE and dec.rule is not None:
        lines.append(f"{indent}decided by: {rule_ref(dec.rule)}")
        if dec.rule.text:
            lines.append(f"{indent}    {dec.rule.text}")
        if dec.rule.description:
            lines.append(f"{indent}    description: {dec.rule.description}")
    elif dec.reason is Reason.INTRA_GROUP and dec.group is not None:
        if dec.accepted:
            lines.append(f"{indent}decided by: intra-group accept of group {dec.group.name} "
                         "(members of one basic group reach each other over the internal network)")
        else:
            lines.append(f"{indent}decided by: intra-group isolation of group {dec.group.name} "
                         "(no rule matched a flow between members)")
    elif dec.reason is Reason.PLATFORM:
        lines.append(f"{indent}decided by: the platform block of outbound TCP 25 (before any rule)")
    else:
        lines.append(f"{indent}decided by: the default {dec.action.value} (no rule matched)")
    lost = [r for r in dec.matched if r is not dec.rule]
    for r in lost:
        lines.append(f"{indent}also matched, lost: {rule_ref(r)}")
    return lines


def evidence_lines(evidence: Iterable[Evidence], shown_flow: str | None) -> list[str]:
    lines = []
    for e in evidence:
        head = f"  on {e.role}: {e.decision.action.value}"
        if str(e.flow) != shown_flow:
            head += f" ({e.flow})"
        lines.append(head)
        lines += decision_lines(e.decision, indent="    ")
    return lines


def assertion_text(a: Assertion) -> str:
    return a.name if a.name == a.text else f"{a.name}: {a.text}"


def render_result(r: Result, sources: dict[str, str], style: Style, timing: bool = True) -> str:
    a = r.assertion
    t = f" ({r.elapsed * 1000:.0f} ms)" if timing else ""
    if r.verdict is Verdict.PROVED:
        lines = [f"{where(a.span)}: {style('proved', 'proved')}: {assertion_text(a)}{t}"]
        if r.flow is not None:
            lines.append(f"  witness: {r.flow}")
            lines.append(f"  {r.summary}")
            lines += evidence_lines(r.evidence, str(r.flow))
        lines += [f"  note: {n}" for n in r.notes]
        return "\n".join(lines)
    sev = {Verdict.VIOLATED: "error", Verdict.UNKNOWN: "warning", Verdict.ERROR: "error"}[r.verdict]
    label = r.verdict.value
    lines = [f"{where(a.span)}: {style(sev, sev)}[{r.code or ''}]: {style(label, label)}: "
             f"{assertion_text(a)}{t}"]
    lines += caret(a.span, sources)
    if r.flow is not None:
        lines.append(f"  counterexample: {r.flow}" if r.verdict is Verdict.VIOLATED
                     else f"  flow: {r.flow}")
    lines.append(f"  {r.summary}")
    lines += evidence_lines(r.evidence, str(r.flow) if r.flow else None)
    lines += [f"  note: {n}" for n in r.notes]
    return "\n".join(lines)


def summary_line(counts: dict[str, int], errors: int, elapsed: float | None) -> str:
    parts = [f"{counts.get(v.value, 0)} {v.value}" for v in
             (Verdict.PROVED, Verdict.VIOLATED, Verdict.UNKNOWN)]
    if counts.get("error"):
        parts.append(f"{counts['error']} failed with an error")
    if errors:
        parts.append(f"{errors} input error{'s' if errors != 1 else ''}")
    t = f" in {elapsed:.2f} s" if elapsed is not None else ""
    return "summary: " + ", ".join(parts) + t


def render_finding(f: Finding, sources: Mapping[str, str], style: Style,
                   fail_on: FailOn = FailOn.UNKNOWN, timing: bool = True,
                   shared: frozenset[str] = frozenset()) -> str:
    """One finding as a block: the compiler-style line, the source line with a caret
    (unless proved), the explanation lines, and what the gate made of it; detail lines in
    ``shared`` (notes the run prints once) are left out."""
    t = f" ({f.elapsed * 1000:.0f} ms)" if timing and f.elapsed is not None else ""
    details = [d for d in f.details if d not in shared]
    if f.outcome is Outcome.PASSED:
        label = f.verdict or "passed"
        lines = [f"{where(f.location)}: {style(label, 'proved')}: {f.message}{t}"]
        return "\n".join(lines + ["  " + d for d in details])
    sev = "note" if f.baselined is not None else (f.severity or "note")
    code = f"[{f.code}]" if f.code is not None else ""
    head = f"{where(f.location)}: {style(sev, sev)}{code}: "
    if f.verdict is not None:
        mark = f" ({f.accepted_by})" if f.baselined is not None else ""
        head += f"{style(f.verdict, f.verdict)}{mark}: "
    lines = [head + f.message + t]
    lines += caret(f.location, sources)
    lines += ["  " + d for d in details]
    for span, note in f.notes:
        prefix = f"{span}: " if span else ""
        lines.append(f"  {prefix}{style('note', 'note')}: {note}")
    if f.baselined is not None and f.accepted_by != "waived":  # a waiver is in the details
        lines.append(f"  {f.accepted_by}: {f.baselined}")
    elif relaxed(f, fail_on):
        lines.append(f"  not verified: this passes only because of --fail-on {fail_on.value}")
    return "\n".join(lines)


def run_summary(run: RunReport, timing: bool = True) -> str:
    """The closing line: verdict counts, then what the gate let through or ignored."""
    c = tally(run)

    def baselined(verdict: str) -> int:
        return sum(1 for f in run.findings() if f.verdict == verdict and f.baselined is not None)

    violated = f"{c.get('violated', 0)} violated"
    if baselined("violated"):
        violated += f" ({baselined('violated')} baselined)"
    unknown = f"{c.get('unknown', 0)} unknown"
    notes = [f"{baselined('unknown')} baselined"] if baselined("unknown") else []
    if c.get("relaxed"):
        notes.append(f"not verified: {c['relaxed']} let through by --fail-on {run.fail_on.value}")
    if notes:
        unknown += f" ({'; '.join(notes)})"
    parts = [f"{c.get('proved', 0)} proved", violated, unknown]
    if c.get("error"):
        parts.append(f"{c['error']} failed with an error")
    errors = c.get("input_errors", 0)
    if errors:
        parts.append(f"{errors} input error{'s' if errors != 1 else ''}")
    warnings = sum(1 for f in run.findings()
                   if f.outcome is Outcome.WARNING and fails(f, run.fail_on))
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''} "
                     "(failing with --fail-on warning)")
    t = f" in {run.elapsed:.2f} s" if timing and run.elapsed is not None else ""
    return "summary: " + ", ".join(parts) + t


MAX_SAME = 20
"""Input diagnostics of one code shown in text before the rest are counted: a file read
without the file that defines its names would print thousands of E101s, and an inventory
of 1,000 files one W125 each."""


def over_cap(seen: dict[str, list[str]], file: str, code: str | None,
             cap: int = MAX_SAME) -> bool:
    """Count one more diagnostic of ``code`` (in ``file``); True past ``cap`` of that code
    in the whole run (0: no cap, ``--max-errors 0``)."""
    if code is None or code[:1] not in ("E", "W"):
        return False
    files = seen.setdefault(code, [])
    files.append(file)
    return 0 < cap < len(files)


def cap_notes(seen: dict[str, list[str]], style: Style, cap: int = MAX_SAME) -> list[str]:
    """One line per code whose diagnostics went past the cap, led by the file when the
    hidden ones are all in one file."""
    lines = []
    for code, files in seen.items():
        hidden = len(files) - cap
        if not (cap > 0 and hidden > 0):
            continue
        where = {*files[cap:]}
        lead = f"{files[cap]}: " if len(where) == 1 else ""
        title = CODES[code][1] if code in CODES else ""
        kind = "error" if code.startswith("E") else "warning"
        lines.append(f"{lead}{style('note', 'note')}: ... and {hidden:,} more {code}"
                     f"{f' ({title})' if title else ''} {kind}{'s' if hidden != 1 else ''}"
                     f"{f' in {len(where):,} files' if len(where) > 1 else ''} not shown "
                     f"(the first {cap} are; --max-errors N shows more, 0 all; --format json "
                     "and sarif list them all)")
    return lines


def render_text(run: RunReport, style: Style, *, quiet: bool = False, timing: bool = True,
                verbose: bool = False, max_errors: int = MAX_SAME) -> str:
    """The whole text report; ``quiet`` leaves out what passed, warnings that do not fail
    and plain remarks; a note
    several results share is printed once at the end, or with ``verbose`` under each. Input
    diagnostics past ``max_errors`` of one code are counted, not shown."""
    blocks = []
    seen: dict[str, list[str]] = {}
    shown = [f for fr in run.files for f in fr.findings
             if not (quiet and _passes_quietly(f, run))]
    repeats = Counter(d for f in shown for d in set(f.details) if d.startswith("note: "))
    shared = frozenset() if verbose else frozenset(d for d, n in repeats.items() if n > 1)
    for fr in run.files:
        for f in fr.findings:
            if quiet and _passes_quietly(f, run):
                continue
            if f.verdict is None and over_cap(seen, f.location.path if f.location else fr.path,
                                              f.code, max_errors):
                continue
            blocks.append(render_finding(f, fr.sources, style, run.fail_on, timing, shared))
        if not quiet:
            blocks += [f"{fr.path}: note: {r}" for r in fr.remarks]
    blocks += cap_notes(seen, style, max_errors)
    for d in sorted(shared, key=lambda d: -repeats[d]):  # a note many results share, once
        blocks.append(f"{style('note', 'note')} (on {repeats[d]} results): {d[len('note: '):]}")
    for n in run.notes:
        blocks.append(f"{artifact_or_input(n.file)}: {style('note', 'note')}: {n.message}")
    blocks.append(run_summary(run, timing))
    return "\n".join(blocks) + "\n"


def _passes_quietly(f: Finding, run: RunReport) -> bool:
    """Left out by ``-q``: what passed, and a warning that does not fail the run."""
    return f.outcome is Outcome.PASSED or (f.outcome is Outcome.WARNING
                                           and not fails(f, run.fail_on))


def artifact_or_input(path: str | None) -> str:
    return path if path else "<input>"


def target_line(target: Target) -> str:
    groups = ", ".join(f"{g.name} ({g.network.value}, {g.gtype.value})" for g in target.groups)
    return f"{target.kind} {target.name}: groups {groups}"


__all__ = [
    "Style",
    "render_diagnostic",
    "render_result",
    "summary_line",
    "decision_lines",
    "rule_ref",
    "target_line",
    "render_finding",
    "over_cap",
    "cap_notes",
    "MAX_SAME",
    "render_text",
    "run_summary",
]
