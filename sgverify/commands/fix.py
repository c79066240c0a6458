"""``sgverify fix SPEC_OR_POLICY...``: the smallest proved repair of the violated
assertions (``analyses/fix``), with the exact semantic change it makes, as text (edits with
reasons, a unified diff of the .sgv text) or JSON; ``--write`` applies it in place.

Exit codes (``report/fix.fix_exit_code``): 0 a proved repair (or nothing violated); 1 no
repair within the bound, assertions that conflict, or a repair refused for its collateral
change; 2 an input error; 3 unknown (the solver or the difference did not finish).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from typing import IO

from ..analyses.fix.cloud import api_calls, from_cloud
from ..analyses.fix.search import DEFAULT_BOUND, DEFAULT_MAX_SETS, repair
from ..analyses.fix.text import NotWritable, file_edits
from ..cloud.importer import FORMATS
from ..core.diagnostics import REPORT_BUGS, InternalError
from ..core.files import as_given
from ..report.fix import FixReport, fix_exit_code, render_fix
from ..report.gate import EXIT_ERROR
from .common import (
    STDIN_HELP,
    add_input_arguments,
    add_verbosity_arguments,
    input_values,
    positive_int,
    seconds,
    style_for,
)
from .inventory import load_inventory
from .outputs import Refused, add_output_arguments, plan_outputs, write_reports

NAME = "fix"
HELP = "the smallest proved repair of violated assertions, with no collateral change"
INPUTS = ("inputs",)  # input arguments where '-' is standard input (cli.run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="SPEC_OR_POLICY",
                   help="the inputs, read together as one policy (as audit and reach read "
                        "them): .sgv specs with their assertions, cloud exports, folders"
                        + STDIN_HELP + " (not with --write)")
    p.add_argument("--max-edits", type=positive_int, default=DEFAULT_BOUND, metavar="N",
                   help=f"search repairs of at most N edits (default {DEFAULT_BOUND})")
    p.add_argument("--max-sets", type=positive_int, default=DEFAULT_MAX_SETS, metavar="N",
                   help=f"check at most N sets of edits (default {DEFAULT_MAX_SETS})")
    p.add_argument("--allow-collateral", action="store_true",
                   help="accept a repair that changes flows no violated assertion names "
                        "(they are listed); by default such a repair is refused (exit 1)")
    p.add_argument("--write", action="store_true",
                   help="apply the repair to the .sgv files in place (only a proved repair "
                        "without refused collateral)")
    add_output_arguments(p, ("text", "json"))
    p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                   help="time limit of each solver call (default none)")
    add_input_arguments(p, FORMATS)
    add_verbosity_arguments(p)


def _write(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` at once (a temporary file in its folder, renamed)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sgverify-fix-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    started = time.perf_counter()
    err_style = style_for(args.color, stderr)
    try:
        outputs = plan_outputs(args.outputs, "text")
    except Refused as exc:
        stderr.write(f"sgverify fix: error: {exc}\n")
        return EXIT_ERROR
    if args.write and any(as_given(p) != p for p in args.inputs):
        stderr.write("sgverify fix: error: --write cannot change standard input ('-'): give "
                     "the spec as a file, or leave out --write to print the repair\n")
        return EXIT_ERROR
    rep = load_inventory(args.inputs, stderr, err_style, args.allow_outside_includes,
                         args.input_format, input_values(args), args.quiet,
                         args.max_errors)
    if rep.policy is None:
        return EXIT_ERROR
    policy = rep.policy
    if not policy.assertions:
        stderr.write("sgverify fix: error: the inputs hold no assertion: nothing says what a "
                     "repair must achieve\n")
        return EXIT_ERROR
    timeout_ms = None if args.timeout is None else int(args.timeout * 1000)
    try:
        outcome = repair(policy, bound=args.max_edits, allow_collateral=args.allow_collateral,
                         max_sets=args.max_sets, timeout_ms=timeout_ms)
    except InternalError as exc:
        stderr.write(f"sgverify fix: internal error: {exc}; {REPORT_BUGS}\n")
        return EXIT_ERROR
    outcome = replace(outcome, elapsed=time.perf_counter() - started)
    files: tuple = ()
    not_written = None
    if outcome.repair is not None:
        try:
            files = tuple(file_edits(outcome.repair.edits, policy, rep.sources))
        except NotWritable as exc:
            not_written = str(exc)
    calls: tuple = ()
    if outcome.repair is not None and from_cloud(outcome.repair.edits, policy):
        calls = tuple(api_calls(outcome.repair.edits, policy))
    report = FixReport(rep.path, outcome, policy, files, not_written, calls=calls,
                       inputs=tuple(args.inputs))
    code = fix_exit_code(outcome)
    if args.write:
        if outcome.status != "repaired" or not files:
            why = not_written or "there is no proved repair to write" if not files else \
                "the repair was refused"
            stderr.write(f"sgverify fix: not writing: {why}\n")
        else:
            for f in files:
                _write(rep.real_paths.get(f.path, f.path), f.after)
            report = replace(report, written=tuple(f.path for f in files))
    write_reports(outputs, lambda o, style: render_fix(o.format, style, report,
                                                       not args.no_timing), stdout, args.color)
    return code
