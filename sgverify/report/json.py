"""JSON output, schema version 1 (docs/output.md): every file's diagnostics and every
assertion's verdict, location, counterexample flow, deciding rule and matched rules."""

from __future__ import annotations

import json
from typing import Any

from ..api import SpecReport
from ..diagnostics import Diagnostic, Span
from ..evaluate import Decision
from ..model import CompareAssertion, FlowAssertion, Rule
from ..result import Result

SCHEMA_VERSION = 1


def span_json(span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
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
            "compare" if isinstance(a, CompareAssertion) else "reach")
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


def render_json(reports: list[SpecReport], summary: dict[str, Any], timing: bool = True) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "sgverify", "version": _version()},
        "files": [{"path": rep.path,
                   "diagnostics": [diagnostic_json(d) for d in sorted(rep.diagnostics,
                                                                      key=lambda d: d.sort_key())],
                   "results": [result_json(r, timing) for r in rep.results]}
                  for rep in reports],
        "summary": summary,
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def _version() -> str:
    from .. import __version__
    return __version__
