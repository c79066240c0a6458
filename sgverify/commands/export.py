"""``sgverify export [--format aliyun] POLICY...``: groups as Alibaba Cloud API JSON."""

from __future__ import annotations

import argparse
import itertools
from typing import IO

from ..cloud.export import export_problems, export_text
from ..cloud.importer import FORMATS
from ..core.diagnostics import Diagnostic
from ..load import load_inputs
from ..report.gate import EXIT_ERROR, EXIT_OK
from .common import (
    STDIN_HELP,
    add_color_argument,
    add_value_arguments,
    add_verbosity_arguments,
    input_values,
    print_all,
    reading_bar,
    style_for,
    write_text,
)

NAME = "export"
HELP = "write the groups of a spec as DescribeSecurityGroupAttribute JSON"
INPUTS = ("policy",)  # input arguments where '-' is standard input (cli.run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", nargs="+", metavar="POLICY", help=".sgv files or cloud exports" + STDIN_HELP)
    p.add_argument("--format", choices=["aliyun"], default="aliyun",
                   help="aliyun (the default, and the only one): a JSON list, one "
                        "DescribeSecurityGroupAttribute document per group")
    p.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                   help="force the format of non-.sgv inputs")
    p.add_argument("--output", metavar="FILE", help="write the JSON here instead of stdout")
    add_value_arguments(p)
    add_color_argument(p)
    add_verbosity_arguments(p)


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    with reading_bar(stderr) as bar:
        loaded = load_inputs(args.policy, args.input_format, values=input_values(args),
                             progress=bar)
    rep = loaded.report
    style = style_for(args.color, stderr)
    diags = list(rep.diagnostics)
    if rep.policy is not None:
        diags += [Diagnostic.make("E201", p.message, p.span) for p in export_problems(rep.policy)]
    print_all(diags, rep.sources, stderr, style, args.quiet, args.max_errors)
    if rep.policy is None or any(d.is_error for d in diags):
        stderr.write("sgverify export: nothing written: the input has errors\n")
        return EXIT_ERROR
    # export_aliyun's list as indented JSON, written a group at a time as it is made
    write_text(itertools.chain(export_text(rep.policy.groups), ["\n"]), args.output, stdout)
    return EXIT_OK
