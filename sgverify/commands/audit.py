"""``sgverify audit INVENTORY...``: the built-in controls (and custom ones) on every group
and every interface; proved, violated with counterexample and deciding rule, or unknown.

Exit codes (the gate's): 0 every finding proved or waived; 1 a violation; 3 an unknown and
no violation (``--fail-on violated`` lets unknowns pass); 2 an input or settings error.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import IO

from ..analyses.audit.run import apply_inline, choose_controls, run_audit
from ..analyses.audit.settings import Settings, check_selector, discover_settings, load_settings
from ..analyses.audit.templates import ControlError
from ..analyses.reach.answer import ask
from ..core.diagnostics import InputError
from ..core.parallel import default_jobs
from ..lang.build import build_fragment
from ..report.audit import (
    audit_exit_code,
    controls_text,
    render_json,
    render_text,
    run_report,
    summary_line,
)
from ..report.gate import EXIT_ERROR, EXIT_OK, FailOn, exit_reason
from ..report.html import render_html
from ..report.junit import render_junit
from ..report.progress import ProgressBar
from ..report.sarif import render_sarif
from ..report.text import Style, render_diagnostic
from .common import (
    add_color_argument,
    add_fail_on_argument,
    add_parallel_arguments,
    add_verbosity_arguments,
    comma_list,
    input_values,
    seconds,
    style_for,
)
from .inventory import add_inventory_arguments, load_inventory
from .outputs import (
    Output,
    Refused,
    add_output_arguments,
    plan_outputs,
    with_help,
    writable,
    write_reports,
)

NAME = "audit"
HELP = "check the built-in controls on every group and interface of an inventory"
INPUTS = ("inventories",)  # input arguments where '-' is standard input (cli.run)
FORMATS = ("text", "json", "html", "sarif", "junit")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_inventory_arguments(p, "*")
    p.add_argument("--settings", metavar="FILE",
                   help="audit settings (TOML; default: sgverify-audit.toml here, if any)")
    p.add_argument("--controls", action="append", default=[], metavar="PATH",
                   help="custom control files or folders (repeatable; docs/audit.md)")
    p.add_argument("--select", "--control", action="extend", type=comma_list(str), default=[],
                   metavar="ID", dest="control",
                   help="run only these controls: an id (SGV101), a family (SGV1, SGV10x) or a "
                        "name; repeatable, or a comma list (--control is the same option)")
    p.add_argument("--ignore", "--disable", action="extend", type=comma_list(str), default=[],
                   metavar="ID", dest="disable",
                   help="do not run these controls (as --select; --disable is the same option)")
    p.add_argument("--public-services", metavar="SERVICES",
                   help="what the internet may reach (SGV110), e.g. \"tcp 80, 443 or udp 53\"")
    p.add_argument("--restricted", action="append", metavar="SELECTOR",
                   help="which groups are restricted (SGV111): tag:KEY[=VALUE], name:GLOB, "
                        "instance:GLOB (repeatable; replaces the setting)")
    p.add_argument("--restricted-egress-allow", metavar="ADDRESSES",
                   help="where restricted groups may still connect, e.g. \"100.100.0.0/16\"")
    add_output_arguments(p, FORMATS, timing=False)
    p.add_argument("--html", metavar="FILE", help="also write the HTML report to FILE")
    p.add_argument("--no-matrix", action="store_true",
                   help="leave the reachability matrix out of the HTML report")
    add_fail_on_argument(p, ("violated", "unknown"), "unknown")
    p.add_argument("--timeout", type=seconds, default=60.0, metavar="SECONDS",
                   help="solver time limit for the few checks that need Z3 (default 60)")
    add_parallel_arguments(p, "all cores from 2,000 checks up")
    add_verbosity_arguments(p, quiet="list only the controls where something is not proved",
                            verbose="also list what is proved")
    p.add_argument("--list-controls", action="store_true",
                   help="print the controls (built-in and --controls) and exit")
    p.add_argument("--no-timing", action="store_true", help="leave timings out (stable output)")
    add_color_argument(p)
    p.add_argument("--allow-outside-includes", action="store_true",
                   help="let includes point outside the project folder")


def settings(args: argparse.Namespace) -> Settings:
    path = args.settings or discover_settings()
    s = load_settings(path) if path else Settings()
    if args.controls:
        s = replace(s, controls=s.controls + tuple(args.controls))
    if args.public_services is not None:
        s = replace(s, public_services=args.public_services)
    if args.restricted:
        s = replace(s, restricted=tuple(check_selector(x, "--restricted") for x in args.restricted))
    if args.restricted_egress_allow is not None:
        s = replace(s, restricted_egress_allow=args.restricted_egress_allow)
    for key, text, option, prefix in (
            ("public-services", s.public_services, args.public_services, ""),
            ("restricted-egress-allow", s.restricted_egress_allow, args.restricted_egress_allow,
             "to ")):
        _check_setting(key, text, f"--{key}" if option is not None else (s.source or key), prefix)
    return s


def _check_setting(key: str, text: str, where: str, prefix: str) -> None:
    """A setting that fills in control templates must parse on its own, whether or not
    the control using it runs (nothing in the settings is ignored)."""
    if not text.strip():
        if key == "public-services":
            raise ControlError(f"{where}: {key} is empty (name the services the internet may reach)")
        return
    try:
        node = build_fragment(prefix + text, "flowset", where)
    except InputError as exc:
        raise ControlError(f"{where}: {key} = \"{text}\" does not parse: "
                           f"{exc.diagnostics[0].message}") from None
    extra = node.services is None if key == "public-services" else node.services is not None
    if extra or node.src is not None or node.directions is not None:
        what = "services, such as \"tcp 80, 443\"" if key == "public-services" else \
            "addresses, such as \"100.100.0.0/16\""
        raise ControlError(f"{where}: {key} = \"{text}\" must be {what}")


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    started = time.perf_counter()
    err_style = style_for(args.color, stderr)
    try:
        conf = settings(args)
        controls, disabled = choose_controls(conf, args.control, args.disable)
    except ControlError as exc:
        _refuse(exc, stderr, err_style, {})
        return EXIT_ERROR
    if args.list_controls:
        stdout.write(controls_text(controls))
        return EXIT_OK
    if not args.inventories:
        stderr.write("sgverify audit: error: name an INVENTORY (a .sgv file), or use "
                     "--list-controls\n")
        return EXIT_ERROR
    try:
        outputs = plan_outputs(args.outputs, "text")
        if args.html:
            if args.html != "-":
                writable(args.html, "--html")
            outputs.append(Output("html", None if args.html == "-" else args.html))
            if sum(o.file is None for o in outputs) > 1:
                raise Refused("more than one report goes to stdout; give --html a FILE")
    except Refused as exc:
        stderr.write(f"sgverify audit: error: {exc}\n")
        return EXIT_ERROR
    fail_on = FailOn(args.fail_on)
    rep = load_inventory(args.inventories, stderr, err_style, args.allow_outside_includes,
                         args.input_format, input_values(args), args.quiet,
                         args.max_errors)
    if rep.policy is None:
        return EXIT_ERROR
    path = rep.path
    bar = ProgressBar(stderr, f"checks of {path}")
    try:
        audit = run_audit(rep.policy, controls, conf, path=path,
                          timeout_ms=int(args.timeout * 1000), progress=bar, disabled=disabled,
                          jobs=args.jobs or default_jobs(), backend=args.backend,
                          address=args.scheduler)
    except ControlError as exc:
        bar.close()
        _refuse(exc, stderr, err_style, rep.sources)
        return EXIT_ERROR
    except RuntimeError as exc:  # the backend is missing or unreachable
        bar.close()
        stderr.write(f"sgverify audit: error: {exc}\n")
        return EXIT_ERROR
    bar.close()
    apply_inline(audit, rep.sources)
    audit.sources.update(rep.sources)
    if not audit.results:
        # A gate that checked nothing must not pass: a selector typo or a control both
        # chosen and disabled would otherwise turn it green.
        which = ", ".join(c.id for c in controls) or "none (all disabled)"
        stderr.write(f"sgverify audit: error: nothing was checked: no control selected any group "
                     f"or interface (controls: {which}); check --control, --disable and the "
                     "selectors in the settings\n")
        return EXIT_ERROR
    code = audit_exit_code(audit, fail_on)
    timing = not args.no_timing
    matrix = None
    if any(o.format == "html" for o in outputs) and not args.no_matrix:
        bar = ProgressBar(stderr, "reachability rows")
        matrix = ask(audit.policy, None, None, by="group", progress=bar,
                     jobs=args.jobs or default_jobs())
        bar.close()
    audit.elapsed = time.perf_counter() - started  # the whole run, as every report says it
    elapsed = None if args.no_timing else audit.elapsed

    def render(o: Output, style: Style) -> str:
        if o.format == "json":
            return render_json(audit, code, timing, args.inventories)
        if o.format == "sarif":
            return render_sarif(with_help(run_report(audit, fail_on, elapsed, args.root), args),
                                timing)
        if o.format == "junit":
            return render_junit(run_report(audit, fail_on, elapsed, args.root), timing)
        if o.format == "html":
            return render_html(audit=audit, reach=matrix, timing=timing)
        return render_text(audit, style, verbose=args.verbose, timing=timing, quiet=args.quiet)

    write_reports(outputs, render, stdout, args.color, notice=stderr)
    if all(o.file is not None for o in outputs):  # nothing on stdout: say how it went
        stderr.write(summary_line(audit, timing) + "\n")
        if code != EXIT_OK:
            stderr.write(f"sgverify audit: exit {code}: {exit_reason(code, fail_on)}\n")
    return code


def _refuse(exc: ControlError, stderr: IO[str], style: Style, sources: dict[str, str]) -> None:
    stderr.write(f"sgverify audit: error: {exc}\n")
    for d in exc.diagnostics:
        stderr.write(render_diagnostic(d, sources, style) + "\n")


__all__ = ["HELP", "NAME", "add_arguments", "run"]
