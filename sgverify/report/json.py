"""JSON output, schema version 1 (docs/output.md): every file's diagnostics and every
assertion's verdict, location, counterexample flow, deciding rule, matched rules and
timing, with the gate's view (fingerprint, baseline, fails) of each."""

from __future__ import annotations

import json
from typing import Any

from ..core.diagnostics import Diagnostic, Span
from ..core.evaluate import Decision
from ..core.model import CompareAssertion, FleetReachAssertion, FlowAssertion, Rule
from ..core.result import Result, Verdict
from ..core.version import __version__
from .findings import Finding, RunReport
from .gate import fails, run_exit_code, tally

SCHEMA_VERSION = 1


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
    """The JSON report (schema version 1, docs/output.md)."""
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "sgverify", "version": _version()},
        "command": run.command,
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
        "summary": summary_json(run, timing),
    }
    return json.dumps(doc, indent=2) + "\n"


def _version() -> str:
    return __version__
