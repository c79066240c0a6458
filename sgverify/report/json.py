"""JSON output (docs/output.md): the one envelope every command's JSON goes through
(``envelope``: schema version, tool, command, inputs, results, summary; validated by the
JSON Schemas in sgverify/schemas), and ``check``'s results: every file's diagnostics and
every assertion's verdict, location, counterexample flow, deciding rule, matched rules and
timing, with the gate's view (fingerprint, baseline, fails) of each."""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

from ..core.diagnostics import Diagnostic, Span
from ..core.evaluate import Decision
from ..core.files import display_path
from ..core.model import CompareAssertion, FleetReachAssertion, FlowAssertion, Rule
from ..core.result import Result, Verdict
from ..core.version import __version__
from .findings import Finding, RunReport
from .gate import fails, run_exit_code, tally

# "MAJOR.MINOR": MINOR grows when fields are added, MAJOR when a field is renamed, removed
# or changes its meaning (docs/output.md). 1 was check's and diff's own documents.
SCHEMA_VERSION = "2.0"


def shown_inputs(paths: Iterable[str]) -> list[str]:
    """The inputs of a run as messages show them (``-`` is standard input)."""
    return ["<stdin>" if p == "-" else display_path(p) for p in paths if p]


def envelope(command: str, inputs: Iterable[str], results: Any,
             summary: dict[str, Any]) -> dict[str, Any]:
    """The document every command's JSON is: the same top-level keys whatever the command
    (``results`` is the command's own payload, ``summary`` its counts and exit code), so a
    reader can check ``schema_version`` and ``command`` before reading further."""
    assert "exit_code" in summary and "passed" in summary, summary
    return {"schema_version": SCHEMA_VERSION,
            "tool": {"name": "sgverify", "version": _version()},
            "command": command, "inputs": shown_inputs(inputs),
            "results": results, "summary": summary}


def dumps(doc: dict[str, Any]) -> str:
    """A document as every JSON report is written: indented, one trailing newline."""
    return json.dumps(doc, indent=2) + "\n"


ITEMS = "\x00items\x00"
"""Stands in a document for the list ``dumps_items`` writes item by item."""


def dumps_items(doc: dict[str, Any], items: Iterable[Any]) -> Iterator[str]:
    """The text of ``dumps(doc)``, in pieces, with the list of ``items`` where ``doc`` holds
    ``ITEMS``: each item is turned into text as it is written, so tens of thousands of reach
    pairs (each a tree of dicts) and their text are never all held at once."""
    head, tail = dumps(doc).split(json.dumps(ITEMS), 1)
    line = head[head.rfind("\n") + 1:]
    level = len(line) - len(line.lstrip(" "))  # where the key's line starts
    inner = "\n" + " " * (level + 2)
    yield head
    empty = True
    for x in items:
        yield ("[" if empty else ",") + inner + json.dumps(x, indent=2).replace("\n", inner)
        empty = False
    yield "[]" + tail if empty else "\n" + " " * level + "]" + tail


def render_envelope(command: str, inputs: Iterable[str], results: Any,
                    summary: dict[str, Any]) -> str:
    return dumps(envelope(command, inputs, results, summary))


def gate_summary(exit_code: int, elapsed: float | None = None,
                 **counts: Any) -> dict[str, Any]:
    """A summary: the command's counts, then ``exit_code``, ``passed`` and (unless
    ``--no-timing``) ``time_ms``, the whole run in milliseconds."""
    out: dict[str, Any] = {**counts, "exit_code": exit_code, "passed": exit_code == 0}
    if elapsed is not None:
        out["time_ms"] = round(elapsed * 1000, 3)
    return out


class StreamedEnvelope:
    """The envelope written piece by piece, for outputs made line by line (``explain
    --flows`` and ``--flow-log``): ``head`` opens ``results[key]``, ``item`` adds one entry
    on its own line, ``tail`` closes it with the summary. Memory stays constant however
    long the input, and the whole is one JSON document, the same as ``envelope`` gives."""

    def __init__(self, command: str, inputs: Iterable[str], mode: str, key: str) -> None:
        self.command, self.inputs, self.mode, self.key = command, list(inputs), mode, key
        self._first = True

    def head(self) -> str:
        doc = envelope(self.command, self.inputs, None, {"exit_code": 0, "passed": True})
        text = json.dumps({k: doc[k] for k in ("schema_version", "tool", "command", "inputs")})
        return (text[:-1] + ', "results": {"mode": ' + json.dumps(self.mode) + ", "
                + json.dumps(self.key) + ": [")

    def item(self, encoded: str) -> str:
        """One entry, already encoded as JSON."""
        lead = "\n" if self._first else ",\n"
        self._first = False
        return lead + encoded

    def tail(self, summary: dict[str, Any]) -> str:
        assert "exit_code" in summary and "passed" in summary, summary
        return ("" if self._first else "\n") + ']}, "summary": ' + json.dumps(summary) + "}\n"


def span_json(span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    if not span.line:
        return {"path": span.path, "line": None, "column": None, "end_line": None,
                "end_column": None}
    return {"path": span.path, "line": span.line, "column": span.col,
            "end_line": span.end_line or span.line, "end_column": span.end_col or span.col}


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "severity": d.severity.value, "message": d.message,
            "location": span_json(d.span),
            "notes": [{"location": span_json(s), "message": m} for s, m in d.notes]}


def rule_json(rule: Rule) -> dict[str, Any]:
    return {"name": rule.name, "label": rule.label, "id": rule.rule_id, "group": rule.group_name,
            "direction": rule.direction.value, "action": rule.action.value,
            "priority": rule.priority, "text": rule.text, "description": rule.description,
            "locator": rule.locator(), "location": span_json(rule.span)}


def decision_json(dec: Decision) -> dict[str, Any]:
    return {"action": dec.action.value, "reason": dec.reason.value,
            "rule": rule_json(dec.rule) if dec.rule else None,
            "group": dec.group.name if dec.group else (dec.rule.group_name if dec.rule else None),
            "matched": [rule_json(r) for r in dec.matched]}


def result_json(r: Result, timing: bool = True) -> dict[str, Any]:
    a = r.assertion
    kind = ("flow" if isinstance(a, FlowAssertion) else
            "compare" if isinstance(a, CompareAssertion) else
            "fleet-reach" if isinstance(a, FleetReachAssertion) else "reach")
    out: dict[str, Any] = {
        "name": a.name, "text": a.text, "kind": kind, "check": a.check.value,
        "location": span_json(a.span), "verdict": r.verdict.value, "code": r.code,
        "summary": r.summary,
        "flow": r.flow.to_json() if r.flow else None,
        "evidence": [{"role": e.role, "interface": e.target.name, "flow": e.flow.to_json(),
                      "decision": decision_json(e.decision)} for e in r.evidence],
        "notes": list(r.notes),
    }
    if timing:
        out["time_ms"] = round(r.elapsed * 1000, 3)
    return out


def finding_gate_json(f: Finding, run: RunReport) -> dict[str, Any]:
    """The gate's view of one finding (added in schema version 1, additively)."""
    return {"fingerprint": f.fingerprint,
            "baselined": {"reason": f.baselined} if f.baselined is not None else None,
            "fails": fails(f, run.fail_on)}


def generic_result_json(f: Finding, timing: bool = True) -> dict[str, Any]:
    """An assertion finding that carries no ``Result`` (from another command)."""
    out: dict[str, Any] = {"name": f.name, "text": f.message, "kind": None, "check": None,
                           "location": span_json(f.location), "verdict": f.verdict,
                           "code": f.code, "summary": f.summary, "flow": None, "evidence": [],
                           "notes": []}
    if timing and f.elapsed is not None:
        out["time_ms"] = round(f.elapsed * 1000, 3)
    return out


def finding_json(f: Finding, run: RunReport, timing: bool) -> dict[str, Any]:
    if f.verdict is not None:
        body = (result_json(f.payload, timing) if isinstance(f.payload, Result)
                else generic_result_json(f, timing))
    elif isinstance(f.payload, Diagnostic):
        body = diagnostic_json(f.payload)
    else:
        body = {"code": f.code, "severity": f.severity, "message": f.message,
                "location": span_json(f.location),
                "notes": [{"location": span_json(s), "message": m} for s, m in f.notes]}
    body.update(finding_gate_json(f, run))
    return body


def stopped_json(run: RunReport, timing: bool = True) -> str:
    """The JSON of a run that an input or internal error stopped before it had results
    (lint, diff; exit 2): each unusable input with its diagnostics."""
    errors = [{"path": fr.path, "diagnostics": [finding_json(f, run, timing) for f in fr.findings]}
              for fr in run.files]
    count = sum(len(e["diagnostics"]) for e in errors)
    return render_envelope(run.command, run.inputs, {"input_errors": errors},
                           gate_summary(run_exit_code(run), run.elapsed if timing else None,
                                        input_errors=count))


def summary_json(run: RunReport, timing: bool = True) -> dict[str, Any]:
    c = tally(run)
    out: dict[str, Any] = {"files": len(run.files), **{v.value: c.get(v.value, 0) for v in Verdict},
                           "input_errors": c.get("input_errors", 0),
                           "exit_code": run_exit_code(run),
                           "warnings": c.get("warnings", 0), "baselined": c.get("baselined", 0),
                           "fail_on": run.fail_on.value,
                           "passed": run_exit_code(run) == 0}
    if timing and run.elapsed is not None:
        out["time_ms"] = round(run.elapsed * 1000, 3)
    return out


def render_json(run: RunReport, timing: bool = True) -> str:
    """``check``'s JSON report (docs/output.md)."""
    results = {
        "files": [{"path": fr.path,
                   "diagnostics": [finding_json(f, run, timing) for f in fr.findings
                                   if f.verdict is None],
                   "results": [finding_json(f, run, timing) for f in fr.findings
                               if f.verdict is not None],
                   "notes": list(fr.remarks)}
                  for fr in run.files],
        "baseline": run.baseline,
        "notes": [{"message": n.message, "file": n.file, "fingerprint": n.fingerprint}
                  for n in run.notes],
    }
    return render_envelope(run.command, run.inputs, results, summary_json(run, timing))


def _version() -> str:
    return __version__
