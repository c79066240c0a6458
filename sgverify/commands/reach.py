"""``sgverify reach INVENTORY``: which instances (or groups) can open connections to which,
on which protocols and ports, with a witness for every pair; the internet included.

    sgverify reach inv.sgv                                  # the whole matrix
    sgverify reach inv.sgv --to db-1 --on "tcp 3306"        # who can reach the database?
    sgverify reach inv.sgv --from tag:env=dev --to tag:env=prod --by group
    sgverify reach inv.sgv --from internet                  # what the internet reaches

Exit codes: 0 answered; 3 when some pair's answer is unknown, a pair that reaches may
reach more services (unresolved lists), or a pair spans two networks (classic and VPC):
the answer is incomplete (``--allow-unknown``
relaxes this); with ``--fail-if-reachable``: 1 when some pair reaches; 2 on input errors.
"""

from __future__ import annotations

import argparse
import time
from typing import IO

from ..analyses.reach.answer import ask
from ..analyses.reach.select import SelectError, select
from ..core.diagnostics import InputError
from ..core.model import Service
from ..core.parallel import default_jobs
from ..engines.atoms.matrix import Query
from ..lang.build import build_fragment
from ..report.from_reach import reach_run, render_reach
from ..report.gate import EXIT_ERROR, run_exit_code
from ..report.progress import ProgressBar
from ..report.text import render_diagnostic
from .common import (
    add_color_argument,
    add_parallel_arguments,
    add_verbosity_arguments,
    input_values,
    non_negative_int,
    style_for,
)
from .inventory import add_inventory_arguments, load_inventory
from .outputs import Refused, add_output_arguments, plan_outputs, with_help, write_reports

NAME = "reach"
HELP = "who can reach whom across an inventory, on what (with witnesses)"
INPUTS = ("inventories",)  # input arguments where '-' is standard input (cli.run)
TEXT_LIMIT = 200  # pairs worked out by default for a text report (read by a person)
MACHINE_LIMIT = 10_000  # and for the other formats (a whole matrix would not fit in memory)
FORMATS = ("text", "json", "html", "sarif", "junit")


ALL = -1  # ``--limit all``


def _limit(text: str) -> int:
    """``--limit``: a count, or ``all`` (every pair worked out)."""
    if text.strip().lower() == "all":
        return ALL
    try:
        return non_negative_int(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (or 'all')") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_inventory_arguments(p, "+")
    p.add_argument("--from", dest="src", metavar="SELECTOR",
                   help="senders: internet, instance NAME, group NAME, tag:KEY[=VALUE] or a name "
                        "(globs allowed; default: everything, the internet included)")
    p.add_argument("--to", dest="dst", metavar="SELECTOR", help="receivers (same forms)")
    p.add_argument("--on", metavar="SERVICES",
                   help="only these connections: flow clauses such as \"tcp 3306\", "
                        "\"udp 53 or tcp 53\", \"ipv6\", \"source-port 1024-65535\"")
    p.add_argument("--by", choices=["instance", "group"], default="instance",
                   help="rows and columns: instances (default) or groups (their members)")
    p.add_argument("--no-internet", action="store_true",
                   help="leave the internet out when --from or --to is not given")
    add_output_arguments(p, FORMATS, timing=False)
    p.add_argument("--limit", type=_limit, metavar="N",
                   help=f"work out services and witness for at most N pairs, or 'all' "
                        f"(default {TEXT_LIMIT} for text, {MACHINE_LIMIT:,} for the other "
                        "formats; the rest are counted)")
    p.add_argument("--fail-if-reachable", action="store_true",
                   help="exit 1 when some pair reaches (3 when some only might): a CI gate")
    p.add_argument("--allow-unknown", action="store_true",
                   help="exit 0 even when some pairs are unknown or may reach more services "
                        "(they are still reported); by default an incomplete answer exits 3")
    add_parallel_arguments(p, "all cores from 400 interface classes up, for the matrix rows; "
                              "from 200 instances up, for what the internet reaches")
    p.add_argument("--no-timing", action="store_true",
                   help="leave timings out of every format (stable output)")
    add_color_argument(p)
    add_verbosity_arguments(p)
    p.add_argument("--allow-outside-includes", action="store_true",
                   help="let includes point outside the project folder")


def query_of(text: str | None) -> Query:
    """``--on`` flow clauses as a query; only services, source ports and a family."""
    if not text:
        return Query()
    node = build_fragment(text, "flowset", "--on")
    extra = [name for name, value in (("direction", node.directions), ("from", node.src),
                                      ("to", node.dst), ("nic", node.nic),
                                      ("peer-groups", node.peer_groups)) if value is not None]
    if extra:
        raise ValueError(f"--on takes services, source-port and ipv4/ipv6 only, not {', '.join(extra)} "
                         "(use --from and --to for the ends)")
    services = None if node.services is None else tuple(Service(s.protocols, s.ports)
                                                        for s in node.services)
    return Query(services, node.source_ports, node.family)


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    started = time.perf_counter()
    err_style = style_for(args.color, stderr)
    try:
        outputs = plan_outputs(args.outputs, "text")
    except Refused as exc:
        stderr.write(f"sgverify reach: error: {exc}\n")
        return EXIT_ERROR
    try:
        query = query_of(args.on)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {"--on": args.on}, err_style) + "\n")
        return EXIT_ERROR
    except ValueError as exc:
        stderr.write(f"sgverify reach: error: {exc}\n")
        return EXIT_ERROR
    rep = load_inventory(args.inventories, stderr, err_style, args.allow_outside_includes,
                         args.input_format, input_values(args), args.quiet,
                         args.max_errors)
    if rep.policy is None:
        return EXIT_ERROR
    policy = rep.policy
    try:
        src = select(policy, args.src) if args.src else None
        dst = select(policy, args.dst) if args.dst else None
    except SelectError as exc:
        stderr.write(f"sgverify reach: error: {exc}\n")
        return EXIT_ERROR
    if src is not None and dst is not None and src.internet and dst.internet:
        stderr.write("sgverify reach: error: --from internet --to internet is not about your groups\n")
        return EXIT_ERROR
    text_only = all(o.format == "text" for o in outputs)
    limit = TEXT_LIMIT if text_only else MACHINE_LIMIT
    if args.limit is not None:
        limit = None if args.limit == ALL else args.limit
    bar = ProgressBar(stderr, "reachability rows")
    try:
        answer = ask(policy, src, dst, query, args.by, limit, internet=not args.no_internet,
                     progress=bar, jobs=args.jobs or default_jobs(), backend=args.backend,
                     address=args.scheduler)
    except RuntimeError as exc:  # the dask backend is missing or unreachable
        bar.close()
        stderr.write(f"sgverify reach: error: {exc}\n")
        return EXIT_ERROR
    bar.close()
    timing = not args.no_timing
    elapsed = None if args.no_timing else time.perf_counter() - started
    run_report = with_help(reach_run(answer, policy, rep.path, args.fail_if_reachable,
                                     args.allow_unknown, elapsed, args.root, args.inventories),
                           args)
    write_reports(outputs, lambda o, style: render_reach(o.format, style, answer, run_report,
                                                         timing), stdout, args.color)
    return run_exit_code(run_report)
