"""``sgverify check PATH...``: prove every assertion of .sgv files or folders."""

from __future__ import annotations

import argparse
import os
import time
from typing import IO, Sequence

from ..api import SpecReport, check_file
from ..diagnostics import Diagnostic
from ..report.json import render_json
from ..report.text import render_diagnostic, render_result, summary_line
from ..result import Verdict
from .common import EXIT_ERROR, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED, style_for

NAME = "check"
HELP = "prove every assertion in .sgv files or folders"


def add_arguments(c: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
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
            style = style_for(args.color, out)
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


