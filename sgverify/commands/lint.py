"""``sgverify lint POLICY...``: proved findings about rules (dead, redundant, tied, overly
broad, invalid for the cloud; ``sgverify.lint``), as compiler-style text, JSON, SARIF or
JUnit XML (any number of ``--format``/``--output`` pairs, as for ``check``).

The findings become ``report.findings.Finding`` objects (``report.from_lint``) that the
SARIF and JUnit reporters, the baseline and the exit code all read; text and JSON keep
lint's own shapes. Exit codes: 0 no finding reaches ``--fail-on`` (default: error) or every
one that does is baselined; 1 one does; 2 input or internal error; 3 an interface's
analysis was not completed and nothing else failed.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from typing import IO

from ..analyses.lint.findings import CODES, LintFinding
from ..analyses.lint.lint import DEFAULT_BUDGET, lint_policy
from ..cloud.importer import FORMATS
from ..core.diagnostics import REPORT_BUGS, Diagnostic, InputError, InternalError
from ..core.files import display_path
from ..core.parallel import default_jobs
from ..core.result import SpecReport
from ..lang.include_graph import includers
from ..load import load_inputs
from ..report.baseline import BaselineError, apply_baseline
from ..report.findings import FileReport, RunNote, RunReport, with_fingerprints
from ..report.from_check import diagnostic_finding
from ..report.from_lint import lint_fails, lint_files, rules, summary
from ..report.gate import EXIT_ERROR, FailOn, run_exit_code
from ..report.lint import lint_pieces
from ..report.progress import ProgressBar
from ..report.suppressed import apply_suppressions
from ..report.text import render_diagnostic
from .common import (
    STDIN_HELP,
    add_fail_on_argument,
    add_input_arguments,
    add_parallel_arguments,
    add_verbosity_arguments,
    comma_list,
    input_values,
    positive_int,
    print_diagnostics,
    reading_bar,
    seconds,
    style_for,
)
from .outputs import (
    Output,
    Refused,
    add_baseline_arguments,
    add_output_arguments,
    plan_with_baseline,
    write_baseline,
    write_error_reports,
    write_reports,
)

NAME = "lint"
HELP = "proved rule hygiene: dead, redundant, tied, overly broad and cloud-invalid rules"
INPUTS = ("policies",)  # input arguments where '-' is standard input (cli.run)
FAIL_ON = ("error", "warning", "note", "none")
GATE = FailOn.UNKNOWN  # lint's --fail-on is folded into the findings' outcomes (from_lint)
EXPLAINED = ("sarif", "junit")  # the formats that print a gate finding's explanation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policies", nargs="+", metavar="POLICY",
                   help=".sgv specs or cloud exports (each linted on its own); a folder: its "
                   ".sgv files, or its exports as one inventory when it has no .sgv file"
                   + STDIN_HELP)
    p.add_argument("--target", help="lint one group or instance only (name or id)")
    p.add_argument("--select", action="extend", type=comma_list(code_pattern), metavar="CODE",
                   default=[], help="report only these codes (L101, or a family: L1, L1xx); "
                                    "repeatable, or a comma list")
    p.add_argument("--ignore", action="extend", type=comma_list(code_pattern), metavar="CODE",
                   default=[], help="do not report these codes (as --select); repeatable, or "
                                    "a comma list; the run says how many findings were left out")
    add_fail_on_argument(p, FAIL_ON, "error")
    add_output_arguments(p)
    add_baseline_arguments(p)
    p.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET, metavar="BOXES",
                   help=f"box budget per interface (default {DEFAULT_BUDGET}); past it the "
                   "interface is not completed (exit 3)")
    p.add_argument("--timeout", type=seconds, default=60.0, metavar="SECONDS",
                   help="time limit of each confirmation by Z3 (default 60)")
    add_input_arguments(p, FORMATS)
    add_parallel_arguments(p, "all cores from 2,000 rules to analyse up")
    add_verbosity_arguments(p, quiet="list only the findings that fail the run (--fail-on)")


def code_pattern(text: str) -> str:
    """``--select`` / ``--ignore``: a lint code (L101) or a family (L1, L1xx), as a prefix."""
    prefix = text.strip().upper().rstrip("X")
    if not prefix.startswith("L") or not any(c.startswith(prefix) for c in (*CODES, "L001")):
        raise argparse.ArgumentTypeError(f"not a lint code or family: '{text}' (codes: "
                                         + ", ".join(sorted(CODES)) + ")")
    return prefix


def chosen(code: str, select: list[str], ignore: list[str]) -> bool:
    """Is a finding of ``code`` reported under ``--select`` and ``--ignore``?"""
    return (not select or any(code.startswith(s) for s in select)) and \
        not any(code.startswith(i) for i in ignore)


def expand(paths: list[str]) -> list[str]:
    """Each POLICY argument as the inputs to lint: a folder's .sgv files (recursively,
    sorted; those another of them includes are linted through it, not twice), or the
    folder itself when it holds none (a folder of cloud exports)."""
    out: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            out.append(path)
            continue
        found = []
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [os.path.join(root, n) for n in sorted(names) if n.endswith(".sgv")]
        fragments = includers(found)
        out += [f for f in found if os.path.realpath(f) not in fragments] or [path]
    return out


def fails(f: LintFinding, fail_on: str) -> bool:
    return lint_fails(f, fail_on)


def _run_report(files: tuple[FileReport, ...], fail_on: str, notes: tuple[RunNote, ...] = (),
                baseline: str | None = None, elapsed: float | None = None,
                root: str | None = None, help_base: str | None = None,
                inputs: tuple[str, ...] = ()) -> RunReport:
    return RunReport(NAME, files, GATE, notes, baseline, elapsed, rules(), fail_on,
                     summary(files, GATE), root, help_base=help_base, inputs=inputs)


def _errors(args: argparse.Namespace, outputs: list[Output], files: list[FileReport],
            started: float, stdout: IO[str]) -> int:
    """Write the SARIF and JUnit reports of a run stopped by errors; exit 2."""
    elapsed = None if args.no_timing else time.perf_counter() - started
    run = _run_report(with_fingerprints(files), args.fail_on, elapsed=elapsed, root=args.root,
                      help_base=args.help_uri_base, inputs=tuple(args.policies))
    write_error_reports(outputs, lambda o, style: lint_pieces(o.format, style, run, [], {}, not args.no_timing),
                        stdout, args.color)
    return EXIT_ERROR


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    started = time.perf_counter()
    try:
        outputs, previous = plan_with_baseline(args.outputs, "text", args.baseline,
                                               args.write_baseline)
    except (Refused, BaselineError) as exc:
        stderr.write(f"sgverify: error: {exc}\n")
        return EXIT_ERROR
    err_style = style_for(args.color, stderr)
    loaded: list[SpecReport] = []
    for p in expand(args.policies):
        with reading_bar(stderr) as bar:
            loaded.append(load_inputs([p], args.input_format, args.allow_outside_includes,
                                      input_values(args), progress=bar).report)
    for rep in loaded:
        print_diagnostics(rep, stderr, err_style, args.quiet, args.max_errors)
    if any(rep.policy is None for rep in loaded):
        bad = [FileReport(rep.path, tuple(diagnostic_finding(rep.path, d) for d in
                                          sorted(rep.diagnostics, key=lambda d: d.sort_key())))
               for rep in loaded if rep.policy is None]
        return _errors(args, outputs, bad, started, stdout)
    reports = []
    sources: dict[str, str] = {}
    for rep in loaded:
        assert rep.policy is not None
        sources.update(rep.sources)
        bar = ProgressBar(stderr, f"interfaces of {rep.path}")
        try:
            reports.append(lint_policy(rep.policy, args.target, args.budget, args.timeout * 1000,
                                       jobs=args.jobs or default_jobs(), backend=args.backend,
                                       address=args.scheduler, auto=args.jobs is None,
                                       progress=bar))
        except RuntimeError as exc:  # the dask backend is missing or unreachable
            bar.close()
            stderr.write(f"sgverify lint: error: {exc}\n")
            return EXIT_ERROR
        except InputError as exc:
            for d in exc.diagnostics:
                stderr.write(f"{rep.path}: " + render_diagnostic(d, {}, err_style) + "\n")
            bad = [FileReport(rep.path, tuple(diagnostic_finding(rep.path, d)
                                              for d in exc.diagnostics))]
            return _errors(args, outputs, bad, started, stdout)
        except InternalError as exc:
            stderr.write(f"sgverify: internal error: {exc}; {REPORT_BUGS}\n")
            bad = [FileReport(rep.path, (diagnostic_finding(rep.path, Diagnostic.make(
                "E901", f"internal error: {exc}; {REPORT_BUGS}")),))]
            return _errors(args, outputs, bad, started, stdout)
        finally:
            bar.close()
    if args.select or args.ignore:
        left = sum(1 for r in reports for f in r.findings
                   if not chosen(f.code, args.select, args.ignore))
        reports = [replace(r, findings=tuple(f for f in r.findings
                                             if chosen(f.code, args.select, args.ignore)))
                   for r in reports]
        if left:
            stderr.write(f"sgverify lint: {left} finding{'s' if left != 1 else ''} not reported "
                         "(--select / --ignore)\n")
    explained = any(o.format in EXPLAINED for o in outputs)
    found = lint_files(reports, args.fail_on, [rep.sources for rep in loaded], explained)
    previous_shown = display_path(args.baseline) if args.baseline else None
    found, notes = apply_suppressions(found, sources, [c for c in CODES
                                                       if chosen(c, args.select, args.ignore)])
    if args.write_baseline:
        written = write_baseline(args.write_baseline, found, GATE, previous, stderr)
        if written is not None:
            previous, previous_shown = written, display_path(args.write_baseline)
    if previous is not None:
        found, stale = apply_baseline(found, previous, previous_shown or "")
        notes += stale
    elapsed = None if args.no_timing else time.perf_counter() - started
    report = _run_report(found, args.fail_on, notes, previous_shown, elapsed, args.root,
                         args.help_uri_base, tuple(args.policies))
    write_reports(outputs, lambda o, style: lint_pieces(o.format, style, report, reports, sources,
                                                   not args.no_timing, args.quiet),
                  stdout, args.color)
    return run_exit_code(report)
