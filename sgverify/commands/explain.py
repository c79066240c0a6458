"""``sgverify explain POLICY... [--target T] --flow F | --flows FILE | --flow-log FILE``.

``--flow``: one concrete flow, its verdict, the deciding rule and every matching rule in
precedence order. ``--flows``: JSON lines of flows (``Flow.to_json`` shape), one verdict per
line, in input order, through the precompiled evaluator (``core.evaluate_fast``).
``--flow-log``: Alibaba Cloud VPC flow-log records, reporting those whose logged action
disagrees with the policy (``analyses.explain.flowlog``). POLICY is a .sgv spec or cloud
exports (``load``); without ``--target`` the interface is made of every group read from the
inputs. The work is in ``analyses.explain``, the output in ``report.explain``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, BinaryIO, Iterator

from ..analyses.explain.bulk import LogTally, compare_log, default_target, explain_flows
from ..analyses.explain.explain import explain, parse_flow
from ..analyses.explain.flowlog import read_records
from ..cloud.flows import read_json_lines
from ..cloud.importer import FORMATS
from ..core.diagnostics import InputError
from ..core.files import file_problem
from ..core.model import Policy, Target
from ..core.spec_report import SpecReport
from ..load import LoadedPolicy, load_inputs
from ..report.explain import (
    FlowLines,
    explanation_json,
    explanation_text,
    line_error,
    log_line,
    log_summary,
    log_warnings,
    unknown_keys,
)
from ..report.gate import EXIT_ERROR, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED
from ..report.text import Style, render_diagnostic
from .common import print_diagnostics, style_for

NAME = "explain"
HELP = "show the verdict and deciding rule for concrete flows (one, a file of them, or a flow log)"


def add_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("policy", nargs="+", metavar="POLICY",
                   help="a .sgv file, or cloud exports (Alibaba Cloud API JSON, Terraform, ROS, AWS)")
    e.add_argument("--target", help="group or instance name (or 'group X' / 'instance X'); default: "
                   "one interface with every group read from the inputs")
    what = e.add_mutually_exclusive_group(required=True)
    what.add_argument("--flow",
                      help="e.g. \"ingress tcp 1.2.3.4:40000 -> 10.0.1.5:22 [nic internet] [peer-groups g]\"")
    what.add_argument("--flows", metavar="FILE",
                      help="JSON lines, one flow per line (keys of Flow.to_json); '-' reads stdin")
    what.add_argument("--flow-log", metavar="FILE",
                      help="Alibaba Cloud VPC flow-log records (JSON lines, or text with a header "
                      "line); reports records whose logged action disagrees with the policy")
    e.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                   help="force the format of non-.sgv POLICY files: " + ", ".join(FORMATS))
    e.add_argument("--format", choices=["text", "json"], default="text")
    e.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    e.add_argument("--fail-on", choices=["violated", "unknown"], default="unknown", dest="fail_on",
                   help="'unknown' (default): a verdict that depends on unresolved lists, or "
                        "flow-log records that could not be compared, exit 3; 'violated' lets "
                        "them pass (they are still reported)")


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    loaded = load_inputs(args.policy, args.input_format)
    rep = loaded.report
    style = style_for(args.color, stdout)
    if rep.policy is None:
        print_diagnostics(rep, stderr, style)
        return EXIT_ERROR
    if args.flows is not None or args.flow_log is not None:
        return _run_bulk(args, loaded, stdout, stderr, style_for(args.color, stderr))
    print_diagnostics(rep, stderr, style_for(args.color, stderr))  # warnings of loading
    try:
        target = rep.policy.find_target(args.target) if args.target else \
            default_target(rep.policy, loaded.interface_groups)
        flow = parse_flow(args.flow, rep.policy)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {"<command line>": args.flow}, style) + "\n")
        return EXIT_ERROR
    exp = explain(rep.policy, target, flow)
    stdout.write(explanation_json(exp) if args.format == "json" else explanation_text(exp, style))
    if exp.problem:
        return EXIT_ERROR
    return _unknown_exit(args) if not exp.definite else EXIT_OK


# ---------------------------------------------------------------- many flows


def _open(path: str) -> tuple[BinaryIO, int]:
    if path == "-":
        return sys.stdin.buffer, 0
    fh = open(path, "rb")
    return fh, os.fstat(fh.fileno()).st_size


def _lines(fh: BinaryIO, size: int, progress: IO[str] | None) -> Iterator[str]:
    """Decoded lines; a progress figure on ``progress`` (a terminal) every 5,000 lines."""
    done = 0
    for n, raw in enumerate(fh, 1):
        done += len(raw)
        if progress is not None and n % 5000 == 0:
            pct = f" ({100 * done // size}%)" if size else ""
            progress.write(f"\r{n} lines{pct}\033[K")
            progress.flush()
        yield raw.decode("utf-8", errors="replace")
    if progress is not None:
        progress.write("\r\033[K")
        progress.flush()


def _run_bulk(args: argparse.Namespace, loaded: LoadedPolicy, stdout: IO[str], stderr: IO[str],
              err_style: Style) -> int:
    rep: SpecReport = loaded.report
    policy = rep.policy
    assert policy is not None
    print_diagnostics(rep, stderr, err_style)  # warnings of loading
    path = args.flows if args.flows is not None else args.flow_log
    shown = "<stdin>" if path == "-" else path
    try:
        fixed = policy.find_target(args.target) if args.target else None
        fh, size = _open(path)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {}, err_style) + "\n")
        return EXIT_ERROR
    except OSError as exc:
        stderr.write(render_diagnostic(file_problem("E004", shown, f"cannot read "
                                                    f"({exc.strerror or exc})"), {}, err_style) + "\n")
        return EXIT_ERROR
    progress = stderr if getattr(stderr, "isatty", lambda: False)() else None
    try:
        lines = _lines(fh, size, progress)
        if args.flows is not None:
            return _flows(args, policy, fixed, loaded, lines, shown, stdout, stderr, err_style)
        return _flow_log(args, policy, fixed, loaded, lines, shown, stdout, stderr, err_style)
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def _flows(args: argparse.Namespace, policy: Policy, fixed: Target | None, loaded: LoadedPolicy,
           lines: Iterator[str], shown: str, stdout: IO[str], stderr: IO[str], style: Style) -> int:
    try:
        target = fixed or default_target(policy, loaded.interface_groups)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {}, style) + "\n")
        return EXIT_ERROR
    out = FlowLines(args.format == "json", target.name)
    errors = undecided = 0
    write = stdout.write
    for r in explain_flows(policy, target, read_json_lines(lines)):
        if r.error is not None:
            errors += 1
            stderr.write(line_error(shown, r.number, r.error, style))
        elif r.new_keys:
            stderr.write(unknown_keys(shown, r, style))
        undecided += r.error is None and r.decision is None
        write(out.line(r))
    if errors:
        return EXIT_ERROR
    return _unknown_exit(args) if undecided else EXIT_OK


def _unknown_exit(args: argparse.Namespace) -> int:
    """Fail closed: what could not be decided fails unless the user relaxed it."""
    return EXIT_OK if args.fail_on == "violated" else EXIT_UNKNOWN


def _flow_log(args: argparse.Namespace, policy: Policy, fixed: Target | None, loaded: LoadedPolicy,
              lines: Iterator[str], shown: str, stdout: IO[str], stderr: IO[str], style: Style) -> int:
    fallback: Target | None = fixed
    if fallback is None and not policy.instances:
        try:
            fallback = default_target(policy, loaded.interface_groups)
        except InputError as exc:
            for d in exc.diagnostics:
                stderr.write(render_diagnostic(d, {}, style) + "\n")
            return EXIT_ERROR
    as_json = args.format == "json"
    tally = LogTally()
    for r in compare_log(policy, fallback, loaded.aliases, read_records(lines)):
        tally.add(r)
        if r.kind == "errors":
            stderr.write(line_error(shown, r.number, r.problem or "", style))
        elif r.kind == "disagree":
            stdout.write(log_line(r, shown, as_json))
    stderr.write(log_warnings(tally, shown, style))
    (stderr if as_json else stdout).write(log_summary(tally))
    counts = tally.counts
    if counts["errors"]:
        return EXIT_ERROR
    if counts["disagree"]:
        return EXIT_VIOLATED
    not_compared = counts["undecided"] or counts["unknown-interface"] or counts["elsewhere"]
    return _unknown_exit(args) if not_compared else EXIT_OK
