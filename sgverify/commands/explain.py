"""``sgverify explain POLICY... [--target T] --flow F | --flows FILE | --flow-log FILE``.

``--flow``: one concrete flow, its verdict, the deciding rule and every matching rule in
precedence order. ``--flows``: JSON lines of flows (``Flow.to_json`` shape), one verdict per
line, in input order, through the precompiled evaluator (``core.evaluate_fast``).
``--flow-log``: Alibaba Cloud VPC flow-log records, reporting those whose logged action
disagrees with the policy (``analyses.explain.flowlog``). POLICY is a .sgv spec or cloud
exports (``load``); without ``--target`` a flow is decided on the instance that owns its
interface-side address (``analyses.explain.bulk.Interfaces``). The work is in ``analyses.explain``, the output in ``report.explain``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import IO, BinaryIO, Iterator

from ..analyses.explain.bulk import (
    Block,
    FlowExplainer,
    FlowLine,
    Interfaces,
    LogTally,
    compare_log,
    default_target,
)
from ..analyses.explain.explain import explain, parse_flow
from ..analyses.explain.flowlog import read_records
from ..cloud.flows import line_blocks
from ..cloud.importer import FORMATS
from ..core.diagnostics import InputError
from ..core.files import file_problem
from ..core.flow import Flow
from ..core.model import Policy, Target
from ..core.result import SpecReport
from ..load import LoadedPolicy, load_inputs
from ..report.explain import (
    FlowLines,
    LogLines,
    explanation_json,
    explanation_text,
    line_error,
    log_summary,
    log_warnings,
    unknown_keys,
)
from ..report.from_explain import ExplainFindings, explain_suites
from ..report.gate import EXIT_ERROR, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED
from ..report.junit import render_cases
from ..report.sarif import render_sarif
from ..report.text import Style, render_diagnostic
from .common import (
    STDIN_HELP,
    add_color_argument,
    add_fail_on_argument,
    add_value_arguments,
    add_verbosity_arguments,
    input_values,
    print_diagnostics,
    reading_bar,
    style_for,
)
from .outputs import Output, Refused, add_output_arguments, plan_outputs, write_reports

NAME = "explain"
HELP = "show the verdict and deciding rule for concrete flows (one, a file of them, or a flow log)"
INPUTS = ("policy",)  # input arguments where '-' is standard input (cli.run)
STREAMS = ("flows", "flow_log")  # read from standard input by this command itself
FORMATS_OUT = ("text", "json", "sarif", "junit")
STREAMED = ("text", "json")  # formats written line by line for --flows and --flow-log


def add_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("policy", nargs="+", metavar="POLICY",
                   help="a .sgv file, or cloud exports (Alibaba Cloud API JSON, Terraform, ROS, "
                   "AWS)" + STDIN_HELP)
    e.add_argument("--target", help="group or instance name (or 'group X' / 'instance X'); default: "
                   "the instance that owns the flow's interface-side address (without "
                   "instances: the inputs' one group)")
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
    add_value_arguments(e)
    add_output_arguments(e, FORMATS_OUT, timing=False)
    add_color_argument(e)
    add_verbosity_arguments(e)
    add_fail_on_argument(e, ("violated", "unknown"), "unknown",
                         "default unknown: a verdict that depends on unresolved lists, or "
                         "flow-log records that could not be compared, exit 3")


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    try:
        outputs = plan_outputs(args.outputs, "text")
    except Refused as exc:
        stderr.write(f"sgverify explain: error: {exc}\n")
        return EXIT_ERROR
    with reading_bar(stderr) as bar:
        loaded = load_inputs(args.policy, args.input_format, values=input_values(args),
                             progress=bar)
    rep = loaded.report
    style = style_for(args.color, stdout)
    if rep.policy is None:
        print_diagnostics(rep, stderr, style, args.quiet, args.max_errors)
        return EXIT_ERROR
    gathered = ExplainFindings(rep.path, args.fail_on == "violated") \
        if any(o.format not in STREAMED for o in outputs) else None
    if args.flows is not None or args.flow_log is not None:
        return _run_bulk(args, loaded, outputs, gathered, stdout, stderr,
                         style_for(args.color, stderr))
    print_diagnostics(rep, stderr, style_for(args.color, stderr), args.quiet,
                      args.max_errors)  # warnings of loading
    try:
        flow = parse_flow(args.flow, rep.policy)
        target = rep.policy.find_target(args.target) if args.target else \
            Interfaces(rep.policy, loaded.interface_groups)(flow)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {"<command line>": args.flow}, style) + "\n")
        return EXIT_ERROR
    exp = explain(rep.policy, target, flow)
    if gathered is not None:
        gathered.explanation(exp)
    code = EXIT_ERROR if exp.problem else _unknown_exit(args) if not exp.definite else EXIT_OK
    write_reports(outputs, lambda o, st: explanation_json(exp, code, args.policy)
                  if o.format == "json" else explanation_text(exp, st) if o.format == "text" else
                  render_gathered(o.format, gathered, args.root, args.help_uri_base), stdout,
                  args.color)
    return code


def render_gathered(fmt: str, gathered: ExplainFindings | None, root: str | None,
                    help_base: str | None = None) -> str:
    """The SARIF or JUnit report of what explain found."""
    assert gathered is not None
    run = replace(gathered.run(root=root), help_base=help_base)
    return render_sarif(run, False) if fmt == "sarif" else \
        render_cases(run, explain_suites(run), False)


class Sinks:
    """The streamed outputs of ``--flows`` and ``--flow-log`` (text or JSON lines, each on
    stdout or in its file), written line by line as outcomes come."""

    def __init__(self, outputs: list[Output], stdout: IO[str]) -> None:
        self.streams: list[tuple[str, IO[str], bool]] = []
        for o in outputs:
            if o.format in STREAMED:
                fh = stdout if o.file is None else open(o.file, "w", encoding="utf-8", newline="\n")
                self.streams.append((o.format, fh, o.file is not None))

    def formats(self) -> set[str]:
        return {f for f, _, _ in self.streams}

    def write(self, fmt: str, text: str) -> None:
        for f, fh, _ in self.streams:
            if f == fmt:
                fh.write(text)

    def close(self) -> None:
        for _, fh, owned in self.streams:
            if owned:
                fh.close()


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


def _blocks(fh: BinaryIO, size: int, progress: IO[str] | None
            ) -> Iterator[tuple[int, list[str]]]:
    """``line_blocks`` of the file; a progress figure on ``progress`` (a terminal) every
    5,000 lines (the share read: the block's end)."""
    for first, lines, done in line_blocks(fh):
        if progress is not None:
            pct = f" ({100 * done // size}%)" if size else ""
            for n in range((first + 4999) // 5000 * 5000, first + len(lines), 5000):
                if n:
                    progress.write(f"\r{n} lines{pct}\033[K")
            progress.flush()
        yield first, lines
    if progress is not None:
        progress.write("\r\033[K")
        progress.flush()


def _run_bulk(args: argparse.Namespace, loaded: LoadedPolicy, outputs: list[Output],
              gathered: ExplainFindings | None, stdout: IO[str], stderr: IO[str],
              err_style: Style) -> int:
    rep: SpecReport = loaded.report
    policy = rep.policy
    assert policy is not None
    print_diagnostics(rep, stderr, err_style, args.quiet, args.max_errors)  # warnings of loading
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
    sinks = Sinks(outputs, stdout)
    try:
        if args.flows is not None:
            code = _flows(args, policy, fixed, loaded, _blocks(fh, size, progress), shown, sinks,
                          gathered, stderr, err_style)
        else:
            code = _flow_log(args, policy, fixed, loaded, _lines(fh, size, progress), shown,
                             sinks, gathered, stderr, err_style)
    finally:
        sinks.close()
        if fh is not sys.stdin.buffer:
            fh.close()
    if gathered is not None:
        write_reports([o for o in outputs if o.format not in STREAMED],
                      lambda o, st: render_gathered(o.format, gathered, args.root,
                                                    args.help_uri_base), stdout, args.color)
    return code


def _flows(args: argparse.Namespace, policy: Policy, fixed: Target | None, loaded: LoadedPolicy,
           blocks: Iterator[tuple[int, list[str]]], shown: str, sinks: Sinks,
           gathered: ExplainFindings | None, stderr: IO[str], style: Style) -> int:
    target: Target | Callable[[Flow], Target]
    try:
        target = fixed or (default_target(policy, loaded.interface_groups) if not policy.instances
                           else Interfaces(policy, loaded.interface_groups))
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {}, style) + "\n")
        return EXIT_ERROR
    writers = {fmt: FlowLines(fmt == "json", (*args.policy, shown)) for fmt in sinks.formats()}
    for fmt, w in writers.items():
        sinks.write(fmt, w.start())
    errors = undecided = 0
    explainer = FlowExplainer(policy, target)
    gc.freeze()  # the policy lives to the end: the collector need not walk it for every block
    threshold = gc.get_threshold()  # a block's objects die by reference count: collect rarely
    gc.set_threshold(max(threshold[0], 100_000), *threshold[1:])

    def write(block: Block) -> None:
        for fmt, w in writers.items():
            sinks.write(fmt, w.block(block))

    try:
        for first, lines in blocks:
            block = explainer.block(first, lines)
            rows = block.rows
            start = 0  # rows before a diagnostic are written before it, as line by line
            for i in [i for i, r in enumerate(rows) if type(r) is FlowLine]:
                r = rows[i]
                assert isinstance(r, FlowLine)
                if r.error is not None or r.new_keys:
                    write(block.part(start, i))
                    start = i
                    if r.error is not None:
                        errors += 1
                        stderr.write(line_error(shown, r.number, r.error, style))
                    else:
                        stderr.write(unknown_keys(shown, r, style))
                undecided += r.error is None and r.decision is None
            write(block.part(start, len(rows)) if start else block)
            if gathered is not None:
                for line in block.flow_lines():
                    gathered.flow_line(line, shown, line.target)
    finally:
        gc.set_threshold(*threshold)
    code = EXIT_ERROR if errors else _unknown_exit(args) if undecided else EXIT_OK
    for fmt, w in writers.items():
        sinks.write(fmt, w.end(code))
    return code


def _unknown_exit(args: argparse.Namespace) -> int:
    """Fail closed: what could not be decided fails unless the user relaxed it."""
    return EXIT_OK if args.fail_on == "violated" else EXIT_UNKNOWN


def _flow_log(args: argparse.Namespace, policy: Policy, fixed: Target | None, loaded: LoadedPolicy,
              lines: Iterator[str], shown: str, sinks: Sinks, gathered: ExplainFindings | None,
              stderr: IO[str], style: Style) -> int:
    fallback: Target | None = fixed
    if fallback is None and not policy.instances:
        try:
            fallback = default_target(policy, loaded.interface_groups)
        except InputError as exc:
            for d in exc.diagnostics:
                stderr.write(render_diagnostic(d, {}, style) + "\n")
            return EXIT_ERROR
    formats = sinks.formats()
    writers = {fmt: LogLines(fmt == "json", (*args.policy, shown)) for fmt in formats}
    for fmt, w in writers.items():
        sinks.write(fmt, w.start())
    tally = LogTally()
    for r in compare_log(policy, fallback, loaded.aliases, read_records(lines)):
        tally.add(r)
        if r.kind == "errors":
            stderr.write(line_error(shown, r.number, r.problem or "", style))
        elif r.kind == "disagree":
            for fmt, w in writers.items():
                sinks.write(fmt, w.line(r, shown))
        if gathered is not None:
            gathered.log_line(r, shown)
    if gathered is not None:
        gathered.log_tally(tally, shown)
    stderr.write(log_warnings(tally, shown, style))
    if "text" in formats:
        sinks.write("text", log_summary(tally))
    else:  # JSON lines on stdout stay JSON; the summary is for the reader
        stderr.write(log_summary(tally))
    counts = tally.counts
    not_compared = counts["undecided"] or counts["unknown-interface"] or counts["elsewhere"]
    code = EXIT_ERROR if counts["errors"] else EXIT_VIOLATED if counts["disagree"] else \
        _unknown_exit(args) if not_compared else EXIT_OK
    for fmt, w in writers.items():
        sinks.write(fmt, w.end(tally, code))
    return code
