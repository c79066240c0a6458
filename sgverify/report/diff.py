"""``diff``'s own reports: compiler-style text and its JSON document; with the SARIF and
JUnit reporters (through ``from_diff``'s findings), the one place its output is made."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..prove.difference import Decider, DiffBox, PolicyDiff, Unit, UnitDiff
from ..core.diagnostics import Diagnostic
from .findings import FileReport, RunReport
from .from_check import diagnostic_finding
from .from_diff import (
    box_details,
    box_head,
    box_place,
    classic,
    diff_suites,
    failing,
    presence_fails,
    presence_message,
    unchanged_message,
)
from .gate import EXIT_VIOLATED, run_exit_code
from .json import gate_summary, render_envelope, rule_json, stopped_json
from .junit import render_cases
from .sarif import render_sarif
from .text import Style


def box_lines(unit: Unit, box: DiffBox, style: Style, severity: str, new_path: str) -> list[str]:
    place = box_place(unit, box)
    first = (f"{place or new_path}: {style(severity, severity)}: {box_head(box)}: {unit.label}: "
             f"{box.view.text(show_nic=classic(unit))}")
    return [first] + [f"  {line}" for line in box_details(box)]


def diff_text(result: PolicyDiff, fail_on: str | None, style: Style) -> str:
    failed = {id(b) for _, b in failing(result, fail_on)}
    out: list[str] = []
    for u in result.units:
        if not u.completed:
            out.append(f"{_unit_where(u, result)}: {style('error', 'error')}: not completed: "
                       f"{u.unit.label}: {u.problem}")
        for b in u.boxes:
            sev = "error" if id(b) in failed else ("warning" if b.collateral else "note")
            out += box_lines(u.unit, b, style, sev, result.new_path)
        if u.unchanged_expected:
            out.append(f"{_unit_where(u, result)}: {style('note', 'note')}: {unchanged_message(u)}")
    for p in result.only_one_side:
        sev = "error" if presence_fails(result, p, fail_on) else "note"
        where = str(p.span) if p.span else (result.old_path if p.side == "OLD" else result.new_path)
        out.append(f"{where}: {style(sev, sev)}: {presence_message(p)}")
    out += [f"{style('note', 'note')}: {n}" for n in result.notes]
    out.append(_summary(result))
    return "\n".join(out) + "\n"


def _unit_where(u: UnitDiff, result: PolicyDiff) -> str:
    span = u.unit.new.span or u.unit.old.span
    return str(span) if span else result.new_path


def _summary(result: PolicyDiff) -> str:
    n = len(result.units)
    compared = f"{n} interface{'s' if n != 1 else ''} compared"
    if result.equivalent:
        return f"equivalent: OLD and NEW accept exactly the same flows ({compared})"
    parts = [f"{len(result.newly_allowed)} newly allowed box(es)",
             f"{len(result.newly_denied)} newly denied box(es)"]
    changed = sum(1 for u in result.units if u.completed and not u.equivalent)
    parts.append(f"{changed} of {compared} changed")
    if result.only_one_side:
        parts.append(f"{len(result.only_one_side)} only on one side")
    if result.expect is not None:
        c = len(result.collateral)
        parts.append(f"{c} collateral box(es)" if c else "no collateral change (proved)")
    incomplete = sum(1 for u in result.units if not u.completed)
    if incomplete:
        parts.append(f"{incomplete} NOT COMPLETED: the difference shown is partial")
    return "summary: " + ", ".join(parts)


def render_diff(fmt: str, style: Style, run: RunReport, result: PolicyDiff | None,
                fail_on: str | None, timing: bool) -> str:
    """The report of one ``diff`` run in ``fmt`` (``result`` None: stopped by errors)."""
    if fmt == "sarif":
        return render_sarif(run, timing)
    if fmt == "junit":
        return render_cases(run, diff_suites(run, result), timing)
    if fmt == "json":
        if result is None:
            return stopped_json(run, timing)
        code = run_exit_code(run)
        return render_envelope("diff", run.inputs, diff_json(result), gate_summary(
            code, run.elapsed if timing else None, **dict(run.summary),
            fail_on=run.gate_label, fails=code == EXIT_VIOLATED))
    assert result is not None
    return diff_text(result, fail_on, style)


def input_problems(path: str, diagnostics: list[Diagnostic]) -> FileReport:
    """Problems with one input as error findings (the --expect text has no file: its
    problems are placed at no line of NEW and say that they are about --expect)."""
    def place(d: Diagnostic) -> Diagnostic:
        if d.span is not None and d.span.path == "<expect>":
            return replace(d, span=None, message=f"--expect, column {d.span.col}: {d.message}")
        return d
    return FileReport(path, tuple(diagnostic_finding(path, place(d))
                                  for d in sorted(diagnostics, key=lambda d: d.sort_key())))


def decider_json(d: Decider) -> dict[str, Any]:
    return {"action": d.action, "reason": d.reason,
            "rule": rule_json(d.rule) if d.rule else None}


def box_json(box: DiffBox, scope: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"scope": scope}
    out.update(box.view.to_json())
    out.update({"old": decider_json(box.old), "new": decider_json(box.new),
                "witness": box.witness.to_json(),
                "witness_assumes": {k: v for k, v in box.assume}})
    if box.collateral is not None:
        out["collateral"] = box.collateral
    return out


def diff_json(result: PolicyDiff) -> dict[str, Any]:
    """The results of a difference, in the JSON envelope (docs/diff.md#json)."""
    return {
        "equivalent": result.equivalent,
        "completed": result.completed,
        "newly_allowed": [box_json(b, u.scope()) for u, b in result.newly_allowed],
        "newly_denied": [box_json(b, u.scope()) for u, b in result.newly_denied],
        "old": result.old_path,
        "new": result.new_path,
        "units": [{"kind": u.unit.kind, "name": u.unit.name, "old_name": u.unit.old.name,
                   "completed": u.completed, "problem": u.problem,
                   "equivalent": u.equivalent, "newly_allowed": len(u.newly_allowed),
                   "newly_denied": len(u.newly_denied)} for u in result.units],
        "only_in_old": [{"kind": p.kind, "name": p.name} for p in result.only_one_side
                        if p.side == "OLD"],
        "only_in_new": [{"kind": p.kind, "name": p.name} for p in result.only_one_side
                        if p.side == "NEW"],
        "expect": None if result.expect is None else {
            "flow_set": result.expect_text,
            "collateral": len(result.collateral),
            "unchanged": [{"scope": u.unit.scope(), **c.view.to_json(),
                           "accepted": c.accepted, "witness": c.witness.to_json()}
                          for u in result.units for c in u.unchanged_expected]},
        "notes": list(result.notes),
    }
