"""``sgverify lint POLICY...``: proved findings about rules (dead, redundant, tied, overly
broad, invalid for the cloud; ``sgverify.lint``), as compiler-style text or JSON.

Exit codes: 0 no finding reaches ``--fail-on`` (default: error); 1 one does; 2 input or
internal error; 3 an interface's analysis was not completed and nothing else failed.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import IO, Any

from ..api import SpecReport
from ..diagnostics import REPORT_BUGS, InputError, InternalError
from ..inputs import FORMATS
from ..lint import CODES, DEFAULT_BUDGET, LintFinding, LintReport, lint_policy, severity_rank
from ..report.text import Style, caret, render_diagnostic
from .common import EXIT_ERROR, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED, style_for
from .diff import load_input, positive_int, print_diagnostics

NAME = "lint"
HELP = "proved rule hygiene: dead, redundant, tied, overly broad and cloud-invalid rules"
FAIL_ON = ("error", "warning", "note", "none")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policies", nargs="+", metavar="POLICY",
                   help=".sgv specs or cloud exports (each linted on its own); a folder: its "
                   ".sgv files, or its exports as one inventory when it has no .sgv file")
    p.add_argument("--target", help="lint one group or instance only (name or id)")
    p.add_argument("--fail-on", choices=FAIL_ON, default="error", dest="fail_on",
                   help="the least severe finding that fails the run (default error)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET, metavar="BOXES",
                   help=f"box budget per interface (default {DEFAULT_BUDGET}); past it the "
                   "interface is not completed (exit 3)")
    p.add_argument("--timeout", type=positive_int, default=60, metavar="SECONDS",
                   help="time limit of each confirmation by Z3 (default 60)")
    p.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                   help="force the format of non-.sgv inputs: " + ", ".join(FORMATS))
    p.add_argument("--allow-outside-includes", action="store_true",
                   help="let includes and imports point outside the project folder")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")


def expand(paths: list[str]) -> list[str]:
    """Each POLICY argument as the inputs to lint: a folder's .sgv files (recursively,
    sorted), or the folder itself when it holds none (a folder of cloud exports)."""
    out = []
    for path in paths:
        if not os.path.isdir(path):
            out.append(path)
            continue
        found = []
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [os.path.join(root, n) for n in sorted(names) if n.endswith(".sgv")]
        out += found or [path]
    return out


def fails(f: LintFinding, fail_on: str) -> bool:
    return fail_on != "none" and severity_rank(f.severity) <= severity_rank(fail_on)


def exit_code(reports: list[LintReport], fail_on: str) -> int:
    if any(fails(f, fail_on) for r in reports for f in r.findings):
        return EXIT_VIOLATED
    return EXIT_UNKNOWN if any(r.incomplete for r in reports) else EXIT_OK


def finding_text(f: LintFinding, sources: dict[str, str], style: Style) -> str:
    where = str(f.location) if f.location else "<input>"
    lines = [f"{where}: {style(f.severity, f.severity)}[{f.code}]: {f.message}"]
    lines += caret(f.location, sources)
    for i in f.involved:
        at = f" at {i.rule.span}" if i.rule.span else ""
        lines.append(f"  {i.role}: rule {i.rule.name} of group {i.rule.group_name} "
                     f"(priority {i.rule.priority}, {i.rule.action.value}){at}")
        if i.rule.text:
            lines.append(f"      {i.rule.text}")
    if f.view is not None:
        lines.append(f"  flows: {f.view.text()}")
    lines += [f"  {d}" for d in f.details]
    return "\n".join(lines)


def render_text(reports: list[LintReport], sources: dict[str, str], fail_on: str, style: Style) -> str:
    out = []
    for r in reports:
        for f in r.findings:
            out.append(finding_text(f, sources, style))
        for inc in r.incomplete:
            where = str(inc.location) if inc.location else r.path
            out.append(f"{where}: {style('error', 'error')}: not completed: {inc.scope}: {inc.reason}")
    counts = {s: sum(1 for r in reports for f in r.findings if f.severity == s)
              for s in ("error", "warning", "note")}
    failing = sum(1 for r in reports for f in r.findings if fails(f, fail_on))
    parts = [f"{counts['error']} error(s)", f"{counts['warning']} warning(s)", f"{counts['note']} note(s)"]
    scopes = sum(r.scopes for r in reports)
    summary = f"summary: {', '.join(parts)} in {scopes} interface(s) of {len(reports)} input(s)"
    if fail_on != "none":
        summary += f"; {failing} at or above --fail-on {fail_on}"
    incomplete = sum(len(r.incomplete) for r in reports)
    if incomplete:
        summary += f"; {incomplete} interface(s) NOT COMPLETED: findings may be missing"
    out.append(summary)
    return "\n".join(out) + "\n"


def report_json(reports: list[LintReport], fail_on: str) -> dict[str, Any]:
    return {
        "inputs": [{"path": r.path,
                    "findings": [f.to_json() | {"fails": fails(f, fail_on)} for f in r.findings],
                    "not_completed": [{"scope": i.scope, "reason": i.reason} for i in r.incomplete]}
                   for r in reports],
        "codes": {code: {"severity": sev, "title": title} for code, (sev, title) in CODES.items()},
        "fails": exit_code(reports, fail_on) == EXIT_VIOLATED,
        "completed": not any(r.incomplete for r in reports),
    }


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    err_style = style_for(args.color, stderr)
    loaded: list[SpecReport] = [load_input(p, args.input_format, args.allow_outside_includes)
                                for p in expand(args.policies)]
    for rep in loaded:
        print_diagnostics(rep, stderr, err_style)
    if any(rep.policy is None for rep in loaded):
        return EXIT_ERROR
    reports = []
    sources: dict[str, str] = {}
    for rep in loaded:
        assert rep.policy is not None
        sources.update(rep.sources)
        try:
            reports.append(lint_policy(rep.policy, args.target, args.budget, args.timeout * 1000))
        except InputError as exc:
            for d in exc.diagnostics:
                stderr.write(f"{rep.path}: " + render_diagnostic(d, {}, err_style) + "\n")
            return EXIT_ERROR
        except InternalError as exc:
            stderr.write(f"sgverify: internal error: {exc}; {REPORT_BUGS}\n")
            return EXIT_ERROR
    if args.format == "json":
        stdout.write(json.dumps(report_json(reports, args.fail_on), indent=2) + "\n")
    else:
        stdout.write(render_text(reports, sources, args.fail_on, style_for(args.color, stdout)))
    return exit_code(reports, args.fail_on)
