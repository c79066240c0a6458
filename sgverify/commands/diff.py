"""``sgverify diff OLD NEW``: the exact semantic difference of two policies (``sgverify.diff``),
as compiler-style text, JSON, SARIF or JUnit XML (any number of ``--format``/``--output``
pairs, as for ``check``), and a gate on it.

The difference becomes ``report.findings.Finding`` objects (``report.from_diff``) that the
SARIF and JUnit reporters and the exit code read; text and JSON keep diff's own shapes.
Exit codes: 0 nothing fails the gate (``--fail-on``, default: report only); 1 it fails, or
with ``--expect`` a change lies outside the expected set; 2 input or internal error; 3 the
comparison was not completed (budget or solver time limit) and nothing else failed.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import IO

from ..analyses.diff.diff import diff_policies
from ..cloud.importer import FORMATS
from ..core.diagnostics import REPORT_BUGS, Diagnostic, InputError, InternalError
from ..load import load_inputs
from ..prove.difference import DEFAULT_BUDGET
from ..report.diff import input_problems, render_diff
from ..report.findings import FileReport, RunReport, with_fingerprints
from ..report.from_diff import diff_files, gate_label, rules, summary
from ..report.gate import EXIT_ERROR, FailOn, run_exit_code
from ..report.text import render_diagnostic
from .common import (
    STDIN_HELP,
    add_fail_on_argument,
    add_input_arguments,
    add_verbosity_arguments,
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
    add_output_arguments,
    plan_outputs,
    write_error_reports,
    write_reports,
)

NAME = "diff"
HELP = "the exact difference between two policies: newly allowed and newly denied flows"
INPUTS = ("old", "new")  # input arguments where '-' is standard input (cli.run)
FAIL_ON = ("none", "new-access", "any-change")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD", help="the policy before the change (.sgv or a cloud export)" + STDIN_HELP)
    p.add_argument("new", metavar="NEW", help="the policy after the change" + STDIN_HELP)
    p.add_argument("--target", help="compare one group or instance (name or id; 'group X' / "
                   "'instance X'); default: every group and instance, paired by id or name")
    p.add_argument("--expect", metavar="FLOWSET",
                   help="the intended change as a flow set (e.g. \"ingress tcp 443 from "
                   "10.0.0.0/8\"), names as in NEW: prove nothing changes outside it")
    add_fail_on_argument(p, FAIL_ON, None, "default none, or any-change for the collateral "
                                           "part with --expect")
    add_output_arguments(p)
    p.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET, metavar="BOXES",
                   help=f"box budget per interface (default {DEFAULT_BUDGET}); past it the "
                   "comparison is not completed (exit 3)")
    p.add_argument("--timeout", type=seconds, default=60.0, metavar="SECONDS",
                   help="time limit of each independent check with Z3 (default 60)")
    add_input_arguments(p, FORMATS)
    add_verbosity_arguments(p)


# ---------------------------------------------------------------- the gate

GATE = FailOn.UNKNOWN  # diff's --fail-on is folded into the findings' outcomes (from_diff)


# ---------------------------------------------------------------- text


# ---------------------------------------------------------------- run


def _errors(args: argparse.Namespace, outputs: list[Output], files: list[FileReport],
            started: float, stdout: IO[str]) -> int:
    """Write the SARIF and JUnit reports of a run stopped by errors; exit 2."""
    elapsed = None if args.no_timing else time.perf_counter() - started
    run = RunReport(NAME, with_fingerprints(files), GATE, elapsed=elapsed, rules=rules(),
                    root=args.root, help_base=args.help_uri_base, inputs=(args.old, args.new),
                    fail_on_label=args.fail_on or "none")
    write_error_reports(outputs, lambda o, style: render_diff(o.format, style, run, None,
                                                              args.fail_on, not args.no_timing),
                        stdout, args.color)
    return EXIT_ERROR


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    started = time.perf_counter()
    try:
        outputs = plan_outputs(args.outputs, "text")
    except Refused as exc:
        stderr.write(f"sgverify: error: {exc}\n")
        return EXIT_ERROR
    err_style = style_for(args.color, stderr)
    reports = []
    for p in (args.old, args.new):
        with reading_bar(stderr) as bar:
            reports.append(load_inputs([p], args.input_format, args.allow_outside_includes,
                                       input_values(args), progress=bar).report)
    if any(r.policy is None for r in reports):
        for label, rep in zip(("OLD", "NEW"), reports):
            if rep.policy is None:
                stderr.write(f"sgverify: error: {label} ({rep.path}) cannot be used:\n")
            print_diagnostics(rep, stderr, err_style, args.quiet, args.max_errors)
        return _errors(args, outputs, [input_problems(rep.path, rep.diagnostics) for rep in reports
                                       if rep.policy is None], started, stdout)
    for rep in reports:  # warnings of loading
        print_diagnostics(rep, stderr, err_style, args.quiet, args.max_errors)
    old, new = reports[0].policy, reports[1].policy
    assert old is not None and new is not None
    try:
        result = diff_policies(old, new, args.target, args.expect, args.budget, args.timeout * 1000)
    except InputError as exc:
        sources = {"<expect>": args.expect or ""}
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, sources, err_style) + "\n")
        return _errors(args, outputs, [input_problems(reports[1].path, list(exc.diagnostics))],
                       started, stdout)
    except InternalError as exc:
        stderr.write(f"sgverify: internal error: {exc}; {REPORT_BUGS}\n")
        internal = Diagnostic.make("E901", f"internal error: {exc}; {REPORT_BUGS}")
        return _errors(args, outputs, [input_problems(reports[1].path, [internal])], started, stdout)
    files = diff_files(result, args.fail_on)
    files = tuple(replace(fr, sources={**reports[0].sources, **reports[1].sources}) for fr in files)
    elapsed = None if args.no_timing else time.perf_counter() - started
    report = RunReport(NAME, files, GATE, elapsed=elapsed, rules=rules(), root=args.root,
                       help_base=args.help_uri_base, inputs=(args.old, args.new),
                       fail_on_label=gate_label(result, args.fail_on),
                       summary=summary(result, files, GATE))
    write_reports(outputs, lambda o, style: render_diff(o.format, style, report, result,
                                                        args.fail_on, not args.no_timing),
                  stdout, args.color)
    return run_exit_code(report)
