"""Command line: ``sgverify check`` and ``sgverify explain``. Each command is a function
(args, stdout, stderr) -> exit code; ``main`` only calls ``sys.exit(run(argv))``.

Exit codes: 0 every assertion proved; 1 an assertion violated; 2 input or usage error
(or internal error); 3 an assertion ended unknown and none was violated.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from typing import IO, Sequence

from . import __version__
from .api import SpecReport, check_file, load_policy
from .diagnostics import REPORT_BUGS, Diagnostic, InputError
from .evaluate import Reason
from .explain import Explanation, explain, find_target, matching_rules, parse_flow
from .report.json import decision_json, render_json
from .report.text import (Style, decision_lines, render_diagnostic, render_result, rule_ref,
                          summary_line, target_line)
from .result import Verdict

EXIT_OK, EXIT_VIOLATED, EXIT_ERROR, EXIT_UNKNOWN = 0, 1, 2, 3


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="sgverify", description="Prove assertions about cloud security groups.")
    p.add_argument("--version", action="version", version=f"sgverify {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="prove every assertion in .sgv files or folders")
    c.add_argument("paths", nargs="+", metavar="PATH", help=".sgv files or folders (searched recursively)")
    c.add_argument("--format", choices=["text", "json"], default="text")
    c.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    c.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="solver time limit per assertion (default 60); a timeout is 'unknown'")
    c.add_argument("-q", "--quiet", action="store_true", help="print only what is not proved")
    c.add_argument("--no-timing", action="store_true", help="leave timings out (stable output)")
    c.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    c.add_argument("--allow-outside-includes", action="store_true",
                   help="let includes point outside the project folder")

    e = sub.add_parser("explain", help="show the verdict and deciding rule for one concrete flow")
    e.add_argument("policy", metavar="POLICY", help="a .sgv file")
    e.add_argument("--target", required=True, help="group or instance name (or 'group X' / 'instance X')")
    e.add_argument("--flow", required=True,
                   help="e.g. \"ingress tcp 1.2.3.4:40000 -> 10.0.1.5:22 [nic internet] [peer-groups g]\"")
    e.add_argument("--format", choices=["text", "json"], default="text")
    e.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    return p


def _style(choice: str, stream: IO[str]) -> Style:
    if choice == "always":
        return Style(True)
    if choice == "never" or os.environ.get("NO_COLOR"):
        return Style(False)
    return Style(bool(getattr(stream, "isatty", lambda: False)()))


def collect_files(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
    files, diags = [], []
    for path in paths:
        if os.path.isdir(path):
            found = []
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, n) for n in sorted(names) if n.endswith(".sgv")]
            if not found:
                diags.append(Diagnostic.make("E004", f"{path}: no .sgv files in this folder"))
            files += found
        elif os.path.exists(path):
            files.append(path)
        else:
            diags.append(Diagnostic.make("E004", f"{path}: no such file or folder"))
    return files, diags


def exit_code(reports: Sequence[SpecReport], extra_errors: int = 0) -> int:
    verdicts = {r.verdict for rep in reports for r in rep.results}
    if extra_errors or any(rep.has_errors for rep in reports) or Verdict.ERROR in verdicts:
        return EXIT_ERROR
    if Verdict.VIOLATED in verdicts:
        return EXIT_VIOLATED
    if Verdict.UNKNOWN in verdicts:
        return EXIT_UNKNOWN
    return EXIT_OK


def cmd_check(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    started = time.perf_counter()
    files, path_diags = collect_files(args.paths)
    show_progress = bool(getattr(stderr, "isatty", lambda: False)()) and args.format == "text"
    reports = []
    for n, path in enumerate(files, 1):
        def progress(i: int, total: int, _r: object, n: int = n, path: str = path) -> None:
            if show_progress:
                stderr.write(f"\r[file {n}/{len(files)}] {path}: assertion {i}/{total}\033[K")
                stderr.flush()
        reports.append(check_file(path, timeout_ms=int(args.timeout * 1000),
                                  allow_outside=args.allow_outside_includes, progress=progress))
    if show_progress:
        stderr.write("\r\033[K")
    code = exit_code(reports, len(path_diags))
    counts: dict[str, int] = {}
    for rep in reports:
        for r in rep.results:
            counts[r.verdict.value] = counts.get(r.verdict.value, 0) + 1
    n_errors = len(path_diags) + sum(1 for rep in reports for d in rep.diagnostics if d.is_error)
    elapsed = None if args.no_timing else time.perf_counter() - started
    out = open(args.output, "w", encoding="utf-8") if args.output else stdout
    try:
        if args.format == "json":
            summary = {"files": len(files), **{v.value: counts.get(v.value, 0) for v in Verdict},
                       "input_errors": n_errors, "exit_code": code}
            out.write(render_json(reports, summary, timing=not args.no_timing))
        else:
            style = _style(args.color, out)
            blocks = [render_diagnostic(d, {}, style) for d in path_diags]
            for rep in reports:
                for d in sorted(rep.diagnostics, key=lambda d: d.sort_key()):
                    blocks.append(render_diagnostic(d, rep.sources, style))
                for r in rep.results:
                    if args.quiet and r.verdict is Verdict.PROVED:
                        continue
                    blocks.append(render_result(r, rep.sources, style, timing=not args.no_timing))
                if rep.policy is not None and not rep.results and not args.quiet:
                    blocks.append(f"{rep.path}: note: no assertions to check")
            blocks.append(summary_line(counts, n_errors, elapsed))
            out.write("\n".join(blocks) + "\n")
    finally:
        if args.output:
            out.close()
    return code


def _explanation_text(exp: Explanation, style: Style) -> str:
    lines = [f"flow: {exp.flow}", target_line(exp.target)]
    if exp.problem:
        lines.append(f"warning: this flow cannot occur on {exp.target.name}: {exp.problem}")
    if exp.definite:
        dec = exp.decisions[0]
        lines.append(f"verdict: {style(dec.action.value, 'proved' if dec.accepted else 'violated')}")
        lines += decision_lines(dec, indent="")
    else:
        lines.append("verdict: unknown: it depends on the entries of unresolved prefix list(s) "
                     + ", ".join(exp.unresolved))
    matching = matching_rules(exp)
    lines.append("matching rules in precedence order:" if matching else "no rule matches this flow")
    deciding = exp.decisions[0].rule if exp.definite and exp.decisions[0].reason is Reason.RULE else None
    for i, r in enumerate(matching, 1):
        mark = "  <- decides" if r is deciding else ""
        lines.append(f"  {i}. {rule_ref(r)}{mark}")
        if r.text:
            lines.append(f"       {r.text}")
    return "\n".join(lines)


def cmd_explain(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    rep = load_policy(args.policy)
    style = _style(args.color, stdout)
    if rep.policy is None:
        for d in sorted(rep.diagnostics, key=lambda d: d.sort_key()):
            stderr.write(render_diagnostic(d, rep.sources, style) + "\n")
        return EXIT_ERROR
    try:
        target = find_target(rep.policy, args.target)
        flow = parse_flow(args.flow, rep.policy)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {"<command line>": args.flow}, style) + "\n")
        return EXIT_ERROR
    exp = explain(rep.policy, target, flow)
    if args.format == "json":
        doc = {"flow": flow.to_json(), "target": target.name,
               "verdict": exp.decisions[0].action.value if exp.definite else "unknown",
               "possible": exp.problem is None, "problem": exp.problem,
               "decision": decision_json(exp.decisions[0]) if exp.definite else None,
               "unresolved": list(exp.unresolved),
               "matching": [r.name for r in matching_rules(exp)]}
        stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        stdout.write(_explanation_text(exp, style) + "\n")
    return EXIT_ERROR if exp.problem else EXIT_OK


COMMANDS = {"check": cmd_check, "explain": cmd_explain}


def run(argv: Sequence[str] | None = None, stdout: IO[str] | None = None,
        stderr: IO[str] | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        stderr.write(parser.format_usage() + f"sgverify: error: {exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if not args.command:
        stderr.write(parser.format_help())
        return EXIT_ERROR
    try:
        return COMMANDS[args.command](args, stdout, stderr)
    except OSError as exc:
        stderr.write(f"sgverify: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        stderr.write("sgverify: interrupted; nothing was verified\n")
        return EXIT_ERROR
    except Exception:  # noqa: BLE001 - the last line of defence: never a bare traceback
        stderr.write(f"sgverify: internal error; {REPORT_BUGS}\n")
        stderr.write(traceback.format_exc())
        return EXIT_ERROR


def main() -> None:
    sys.exit(run())
