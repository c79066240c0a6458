"""``sgverify diff OLD NEW``: the exact semantic difference of two policies (``sgverify.diff``),
as compiler-style text or JSON, and a gate on it.

Exit codes: 0 nothing fails the gate (``--fail-on``, default: report only); 1 it fails, or
with ``--expect`` a change lies outside the expected set; 2 input or internal error; 3 the
comparison was not completed (budget or solver time limit) and nothing else failed.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import IO

from ..api import SpecReport, load_policy
from ..diagnostics import REPORT_BUGS, Diagnostic, InputError, InternalError
from ..diff import DEFAULT_BUDGET, NEWLY_ALLOWED, DiffBox, PolicyDiff, Unit, UnitDiff, diff_policies
from ..inputs import FORMATS
from ..inputs.policy import load_inputs
from ..report.text import Style, render_diagnostic
from .common import EXIT_ERROR, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED, style_for

NAME = "diff"
HELP = "the exact difference between two policies: newly allowed and newly denied flows"
FAIL_ON = ("none", "new-access", "any-change")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD", help="the policy before the change (.sgv or a cloud export)")
    p.add_argument("new", metavar="NEW", help="the policy after the change")
    p.add_argument("--target", help="compare one group or instance (name or id; 'group X' / "
                   "'instance X'); default: every group and instance, paired by id or name")
    p.add_argument("--expect", metavar="FLOWSET",
                   help="the intended change as a flow set (e.g. \"ingress tcp 443 from "
                   "10.0.0.0/8\"), names as in NEW: prove nothing changes outside it")
    p.add_argument("--fail-on", choices=FAIL_ON, dest="fail_on",
                   help="exit 1 when NEW allows anything new (new-access) or anything changed "
                   "(any-change); default none, or any-change for the collateral part with --expect")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET, metavar="BOXES",
                   help=f"box budget per interface (default {DEFAULT_BUDGET}); past it the "
                   "comparison is not completed (exit 3)")
    p.add_argument("--timeout", type=positive_int, default=60, metavar="SECONDS",
                   help="time limit of each independent check with Z3 (default 60)")
    p.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                   help="force the format of non-.sgv inputs: " + ", ".join(FORMATS))
    p.add_argument("--allow-outside-includes", action="store_true",
                   help="let includes and imports point outside the project folder")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: '{text}'") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def load_input(path: str, fmt: str | None = None, allow_outside: bool = False) -> SpecReport:
    """One policy from a .sgv spec (with its includes and imports) or from cloud exports
    (a file, or a folder of them): any loader that yields a resolved ``Policy``."""
    if path.endswith(".sgv") and not os.path.isdir(path) and fmt is None:
        return load_policy(path, allow_outside=allow_outside)
    if not os.path.exists(path):
        rep = SpecReport(path)
        rep.diagnostics.append(Diagnostic.make("E004", f"{path}: no such file or folder"))
        return rep
    return load_inputs([path], fmt, allow_outside).report


def print_diagnostics(rep: SpecReport, stream: IO[str], style: Style) -> None:
    for d in sorted(rep.diagnostics, key=lambda d: d.sort_key()):
        stream.write(render_diagnostic(d, rep.sources, style) + "\n")


# ---------------------------------------------------------------- the gate


def failing(result: PolicyDiff, fail_on: str | None) -> list[tuple[Unit, DiffBox]]:
    """The boxes that fail the run under ``fail_on`` (with an expectation: among the
    collateral boxes only)."""
    if result.expect is not None:
        pool = result.collateral
        fail_on = fail_on or "any-change"
    else:
        pool = result.newly_allowed + result.newly_denied
    if fail_on in (None, "none"):
        return []
    if fail_on == "new-access":
        return [(u, b) for u, b in pool if b.change == NEWLY_ALLOWED]
    return pool


def exit_code(result: PolicyDiff, fail_on: str | None) -> int:
    fails = bool(failing(result, fail_on))
    if result.expect is None:
        if fail_on == "new-access":
            fails = fails or result.new_access
        if fail_on == "any-change":
            fails = fails or bool(result.only_one_side)
    if fails:
        return EXIT_VIOLATED
    return EXIT_OK if result.completed else EXIT_UNKNOWN


# ---------------------------------------------------------------- text


def _where(unit: Unit, box: DiffBox, new_path: str) -> str:
    for d in (box.new, box.old):
        if d.rule is not None and d.rule.span is not None:
            return str(d.rule.span)
    span = unit.new.span or unit.old.span
    return str(span) if span else new_path


def box_lines(unit: Unit, box: DiffBox, style: Style, severity: str, new_path: str) -> list[str]:
    head = box.change
    if box.collateral is not None:
        head = ("collateral change, outside the expected set: " if box.collateral
                else "expected change: ") + head
    classic = any(g.network.value == "classic" for g in unit.old.groups + unit.new.groups)
    first = (f"{_where(unit, box, new_path)}: {style(severity, severity)}: {head}: {unit.label}: "
             f"{box.view.text(show_nic=classic)}")
    lines = [first, f"  witness: {box.witness}"]
    lists = [f"{name} {'contains' if inside else 'does not contain'} it" for name, inside in box.assume
             if any(name == n for n, _ in box.view.unresolved)]
    if lists:
        lines.append("  assuming " + "; ".join(lists))
    for side, d in (("OLD", box.old), ("NEW", box.new)):
        lines.append(f"  {side}: {d.action} by {d.describe()}")
        if d.rule is not None and d.rule.text:
            lines.append(f"      {d.rule.text}")
    return lines


def render_text(result: PolicyDiff, fail_on: str | None, style: Style) -> str:
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
            first = u.unchanged_expected[0]
            out.append(f"{_unit_where(u, result)}: {style('note', 'note')}: {u.unit.label}: "
                       f"{len(u.unchanged_expected)} part(s) of the expected set did not change, "
                       f"e.g. {first.view.text()} (witness: {first.witness}, "
                       f"{'accepted' if first.accepted else 'dropped'} by both)")
    fails_presence = fail_on == "any-change" and result.expect is None
    for p in result.only_one_side:
        sev = "error" if fails_presence or (fail_on == "new-access" and result.expect is None
                                            and p.kind == "instance" and p.side == "NEW") else "note"
        where = str(p.span) if p.span else (result.old_path if p.side == "OLD" else result.new_path)
        extra = " (everything it accepts is new)" if p.kind == "instance" and p.side == "NEW" else ""
        out.append(f"{where}: {style(sev, sev)}: {p.kind} {p.name} is only in {p.side}{extra}")
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


# ---------------------------------------------------------------- run


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    err_style = style_for(args.color, stderr)
    reports = [load_input(p, args.input_format, args.allow_outside_includes)
               for p in (args.old, args.new)]
    if any(r.policy is None for r in reports):
        for label, rep in zip(("OLD", "NEW"), reports):
            if rep.policy is None:
                stderr.write(f"sgverify: error: {label} ({rep.path}) cannot be used:\n")
            print_diagnostics(rep, stderr, err_style)
        return EXIT_ERROR
    for rep in reports:  # warnings of loading
        print_diagnostics(rep, stderr, err_style)
    old, new = reports[0].policy, reports[1].policy
    assert old is not None and new is not None
    try:
        result = diff_policies(old, new, args.target, args.expect, args.budget, args.timeout * 1000)
    except InputError as exc:
        sources = {"<expect>": args.expect or ""}
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, sources, err_style) + "\n")
        return EXIT_ERROR
    except InternalError as exc:
        stderr.write(f"sgverify: internal error: {exc}; {REPORT_BUGS}\n")
        return EXIT_ERROR
    if args.format == "json":
        doc = result.to_json()
        doc["fails"] = exit_code(result, args.fail_on) == EXIT_VIOLATED
        stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        stdout.write(render_text(result, args.fail_on, style_for(args.color, stdout)))
    return exit_code(result, args.fail_on)
