"""``sgverify check [PATH...]``: prove every assertion of .sgv files or folders.

CheckSettings come from defaults < the nearest sgverify.toml / [tool.sgverify] < the command
line. Reports go to any number of ``--format``/``--output`` pairs (text, json, sarif,
junit; at most one to stdout). The exit code is the gate's (``report.gate``): 0 passed,
1 violated (or a warning with ``--fail-on warning``), 2 input or internal error, 3 unknown.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from typing import IO, Callable, Sequence

from ..core.diagnostics import Diagnostic
from ..core.files import (
    as_given,
    display_path,
    file_problem,
    is_live_uri,
    missing_reason,
    project_root,
)
from ..core.model import Semantics
from ..core.parallel import default_jobs
from ..core.result import SpecReport
from ..lang.include_graph import includers
from ..project.cache import DEFAULT_DIR, CheckSettings, ResultCache, folder_from
from ..project.config import DEFAULTS, FAIL_ON, FORMATS, Config, ConfigError, discover, load_config
from ..report.baseline import BaselineError, apply_baseline
from ..report.findings import FileReport, RunNote, RunReport, with_fingerprints
from ..report.from_check import path_file_report, spec_file_report
from ..report.gate import EXIT_ERROR, FailOn, run_exit_code
from ..report.gate import exit_code as gate_exit_code
from ..report.text import MAX_SAME, Style, render_text
from .common import (
    STDIN_HELP,
    add_color_argument,
    add_fail_on_argument,
    add_parallel_arguments,
    add_value_arguments,
    add_verbosity_arguments,
    input_values,
    seconds,
)
from .outputs import (
    Output,
    Refused,
    add_baseline_arguments,
    add_output_arguments,
    plan_with_baseline,
    write_baseline,
    write_reports,
)

NAME = "check"
HELP = "prove every assertion in .sgv files or folders"
INPUTS = ("paths",)  # input arguments where '-' is standard input (cli.run)


def add_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("paths", nargs="*", metavar="PATH",
                   help=".sgv files or folders, searched recursively (default: 'paths' "
                        "from the configuration); a live inventory (aliyun://REGION[/VPC], "
                        "aws://REGION[/VPC], docs/pull.md) is pulled once and read with "
                        "every spec, as if each imported it" + STDIN_HELP)
    add_output_arguments(c, FORMATS, timing=False)
    c.add_argument("--timeout", type=seconds, metavar="SECONDS",
                   help="solver time limit per assertion (default 60); a timeout is 'unknown'")
    add_fail_on_argument(c, FAIL_ON, None, "default unknown, or the configuration's fail-on")
    add_baseline_arguments(c)
    c.add_argument("--config", metavar="FILE",
                   help="read settings from this sgverify.toml or pyproject.toml instead "
                        "of the nearest one")
    add_verbosity_arguments(c, quiet="print only what is not proved",
                            verbose="print a note under every result it applies to (not once "
                                    "per run)")
    c.add_argument("--no-timing", action="store_true",
                   help="leave timings out of every format (stable output)")
    add_color_argument(c)
    add_value_arguments(c)
    c.add_argument("--allow-outside-includes", action="store_true",
                   help="let includes point outside the project folder")
    c.add_argument("--certify", action="store_true",
                   help="re-decide every verdict with the independent box certifier (no Z3); "
                        "a disagreement is an internal error, a certifier over budget leaves "
                        "the assertion unproved")
    c.add_argument("--no-cache", action="store_true", dest="no_cache",
                   help="prove everything again instead of reusing the results of files "
                        "unchanged since an earlier check (also SGVERIFY_NO_CACHE=1)")
    c.add_argument("--cache-dir", metavar="DIR", dest="cache_dir",
                   help="where results are kept for reuse (default: SGVERIFY_CACHE_DIR, "
                        "else .sgverify_cache in the working directory)")
    add_parallel_arguments(c, "all cores when there is enough work")


def find_specs(paths: Sequence[str]) -> tuple[list[str], list[tuple[str, Diagnostic]]]:
    """The .sgv files named or found (recursively, in sorted order) under ``paths``, and
    each path argument that gave none, with its E004 diagnostic."""
    files, problems = [], []
    for path in paths:
        if os.path.isdir(path):
            found = []
            unreadable: list[OSError] = []
            for root, dirs, names in os.walk(path, onerror=unreadable.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, n) for n in sorted(names) if n.endswith(".sgv")]
            for exc in unreadable:  # a folder that cannot be listed hides its specs: an error
                where = display_path(exc.filename) if exc.filename else path
                problems.append((where, file_problem(
                    "E004", where, f"cannot read this folder ({exc.strerror or exc}): the specs "
                    "in it would not be checked")))
            if not found and not unreadable:
                problems.append((path, file_problem("E004", path, "no .sgv files in this folder")))
            files += found
        elif os.path.exists(path):
            files.append(path)
        else:
            reason = missing_reason(path)
            if reason == "no such file":
                reason = "no such file or folder"
            problems.append((path, file_problem("E004", path, reason)))
    seen: set[str] = set()
    unique = []
    for f in files:  # a file named twice (or also found in a folder named) is checked once
        real = os.path.realpath(f)
        if real not in seen:
            seen.add(real)
            unique.append(f)
    return unique, problems


def file_reports(reports: Sequence[SpecReport],
                 problems: Sequence[tuple[str, Diagnostic]] = ()) -> tuple[FileReport, ...]:
    """The checked specs as findings (unusable path arguments first), with fingerprints."""
    files = [path_file_report(path, [d]) for path, d in problems]
    files += [spec_file_report(replace(rep, path=as_given(rep.path))) for rep in reports]
    return with_fingerprints(files)


def exit_code(reports: Sequence[SpecReport], extra_errors: int = 0,
              fail_on: FailOn = FailOn.UNKNOWN) -> int:
    """The exit code of checked specs (``extra_errors``: path errors beside them)."""
    if extra_errors:
        return EXIT_ERROR
    return gate_exit_code((f for fr in file_reports(reports) for f in fr.findings), fail_on)


def settings(args: argparse.Namespace) -> Config:
    """Defaults < configuration file < command line."""
    try:
        found = load_config(args.config) if args.config else discover()
    except ConfigError as exc:
        raise Refused(str(exc)) from None
    cli = Config(timeout=args.timeout, fail_on=args.fail_on, baseline=args.baseline,
                 paths=tuple(args.paths) or None)
    merged = DEFAULTS.overlay(found).overlay(cli)
    if not merged.paths:
        raise Refused("no PATH given: name .sgv files or folders, or set 'paths' in "
                      "sgverify.toml or [tool.sgverify] of pyproject.toml")
    return merged


def render(run: RunReport, output: Output, style: Style, quiet: bool, timing: bool,
           verbose: bool = False, max_errors: int = MAX_SAME) -> str:
    # lazy: a renderer only when its format is asked for (xml.etree and the SARIF tables
    # would add ~10 ms to every start of the gate)
    if output.format == "json":
        from ..report.json import render_json
        return render_json(run, timing)
    if output.format == "sarif":
        from ..report.sarif import render_sarif
        return render_sarif(run, timing)
    if output.format == "junit":
        from ..report.junit import render_junit
        return render_junit(run, timing)
    return render_text(run, style, quiet=quiet, timing=timing, verbose=verbose,
                       max_errors=max_errors)


def own_contexts(reports: list[SpecReport], fragments: set[str]
                 ) -> tuple[list[SpecReport], list[tuple[str, str, str]]]:
    """Each assertion reported under every spec it was checked in, once per distinct
    semantics: a verdict must not depend on how its file was reached. A fragment (a file
    another checked file includes) that stands alone keeps its own report, and its
    includers drop their copies of its results when their options are the same; where they
    differ both are kept, the includer's marked with its options. A fragment that does not
    stand alone (errors, or no assertion) is left to its includers: returned as
    ``(fragment, includer, why)``."""
    own = {r.path: r for r in reports if r.path in fragments}
    alone = {path: r for path, r in own.items() if r.policy is not None and r.results}
    covered: dict[str, SpecReport] = {}  # shown path of a file -> the fragment report of it
    for r in alone.values():
        for shown in r.sources:
            covered.setdefault(shown, r)
    out, skipped = [], []
    for r in reports:
        if r.path in own and r.path not in alone:
            includer = next((x.path for x in reports if x is not r and x.path not in own
                             and display_path(r.path) in x.sources), None)
            if includer is not None:
                why = "has no assertion" if r.policy is not None else "does not resolve"
                skipped.append((r.path, includer, why))
                continue
        if r.policy is None or r.path in alone:
            out.append(r)
            continue
        kept = []
        for res in r.results:
            span = res.assertion.span
            frag = covered.get(span.path) if span is not None else None
            if frag is None or frag is r:
                kept.append(res)
            elif frag.policy is not None and frag.policy.semantics != r.policy.semantics:
                kept.append(replace(res, notes=res.notes + (
                    f"checked as part of {display_path(r.path)}, under its options "
                    f"({options_text(r.policy.semantics)}); {span.path} on its own has "
                    f"{options_text(frag.policy.semantics)}",)))
        out.append(replace(r, results=kept))
    return out, skipped


def options_text(sem: Semantics) -> str:
    """The options of a spec as its text would set them."""
    return (f"intra-group = {sem.intra_group}, "
            f"block-outbound-tcp25 = {'on' if sem.block_tcp25 else 'off'}")


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    started = time.perf_counter()
    try:
        conf = settings(args)
        outputs, previous = plan_with_baseline(args.outputs, conf.format or "text", conf.baseline,
                                               args.write_baseline)
    except (Refused, BaselineError) as exc:
        stderr.write(f"sgverify: error: {exc}\n")
        return EXIT_ERROR
    fail_on = FailOn(conf.fail_on)
    assert conf.paths is not None and conf.timeout is not None

    live = tuple(p for p in conf.paths if is_live_uri(p))
    files, problems = find_specs([p for p in conf.paths if not is_live_uri(p)])
    if live and not files and not problems:
        stderr.write("sgverify: error: a live inventory is checked against .sgv specs: name "
                     "them too (sgverify check specs/ aliyun://REGION), or audit it "
                     "(sgverify audit aliyun://REGION)\n")
        return EXIT_ERROR
    # A file that another checked file includes is checked inside it and also on its own
    # (the includer's options may differ); alone it may lack names only its includer
    # defines, and is then checked only inside it (``own_contexts``).
    fragments = includers(files)
    show_progress = bool(getattr(stderr, "isatty", lambda: False)()) and not any(
        o.file is None and o.format != "text" for o in outputs)
    settings_key = CheckSettings(int(conf.timeout * 1000), args.certify, args.allow_outside_includes)
    # results against a live inventory are never reused: the estate may have changed
    folder = None if live else folder_from(args.cache_dir, args.no_cache,
                                           project_root(files[0]) if files else None)
    cache = ResultCache(folder, settings_key) if folder and files else None
    if cache is not None and not cache.usable():
        stderr.write(f"sgverify: warning: {display_path(cache.top)} is not a cache folder that "
                     "sgverify made (it has no CACHEDIR.TAG of sgverify): results are neither "
                     "reused nor kept there\n")
        cache = None
    reused = {f: rep for f in files if cache and (rep := cache.get(f)) is not None}
    todo = [f for f in files if f not in reused]
    try:
        fresh = dict(zip(todo, _check(todo, args, settings_key, stderr, show_progress, live)))
    except RuntimeError as exc:  # the backend is missing or unreachable
        stderr.write(f"\nsgverify: error: {exc}\n")
        return EXIT_ERROR
    if cache is not None:
        for rep in fresh.values():
            cache.put(rep)
    reports, skipped = own_contexts(
        [reused[f] if f in reused else fresh[f] for f in files],
        {f for f in files if os.path.realpath(f) in fragments})

    found = file_reports(reports, problems)
    shown = display_path(conf.baseline) if conf.baseline else None
    if args.write_baseline:
        written = write_baseline(args.write_baseline, found, fail_on, previous, stderr)
        if written is not None:
            previous, shown = written, display_path(args.write_baseline)
    notes: tuple[RunNote, ...] = tuple(
        RunNote(f"{display_path(f)}: checked as part of {display_path(includer)}, which "
                f"includes it (on its own it {why})", display_path(f))
        for f, includer, why in skipped)
    if reused:
        notes += (RunNote(f"the results of {len(reused)} of {len(files)} file(s) come from an "
                          "earlier check: they and their includes are unchanged (--no-cache "
                          "proves them again)", display_path(folder or DEFAULT_DIR)),)
    if previous is not None:
        found, baseline_notes = apply_baseline(found, previous, shown or "")
        notes += baseline_notes
    elapsed = None if args.no_timing else time.perf_counter() - started
    report = RunReport(NAME, found, fail_on, notes, shown, elapsed, root=args.root,
                       help_base=args.help_uri_base, inputs=conf.paths)
    timing = not args.no_timing
    write_reports(outputs, lambda o, style: render(report, o, style, args.quiet, timing,
                                                    args.verbose, args.max_errors),
                  stdout, args.color)
    return run_exit_code(report)


def _check(files: list[str], args: argparse.Namespace, key: CheckSettings, stderr: IO[str],
           show_progress: bool, imports: tuple[str, ...] = ()) -> list[SpecReport]:
    """Check ``files``: in this process, or in workers (``--jobs``, ``--backend``)."""
    if not files:
        return []
    # lazy: the parser and the solver, only when some file is not in the cache
    from ..api import check_file, check_files

    jobs = args.jobs or default_jobs()
    if jobs > 1 or args.backend == "dask":
        if show_progress and args.jobs:
            stderr.write(f"checking {len(files)} file(s) on {jobs} worker(s)...")
            stderr.flush()
        reports = check_files(files, jobs=jobs, backend=args.backend, address=args.scheduler,
                              timeout_ms=key.timeout_ms, certify=key.certify,
                              allow_outside=key.allow_outside, auto=args.jobs is None,
                              imports=imports, values=input_values(args))
    else:
        reports = [check_file(path, timeout_ms=key.timeout_ms, allow_outside=key.allow_outside,
                              certify=key.certify, imports=imports, values=input_values(args),
                              progress=_progress(stderr, n, len(files), path) if show_progress
                              else None)
                   for n, path in enumerate(files, 1)]
    if show_progress:
        stderr.write("\r\033[K")
    return reports


def _progress(stderr: IO[str], n: int, total: int, path: str) -> Callable[[int, int, object], None]:
    def progress(i: int, count: int, _r: object) -> None:
        stderr.write(f"\r[file {n}/{total}] {path}: assertion {i}/{count}\033[K")
        stderr.flush()
    return progress
