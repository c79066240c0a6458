"""``sgverify import FILE...``: read cloud exports and print the equivalent .sgv text."""

from __future__ import annotations

import argparse
from typing import IO

from ..cloud.importer import FORMATS, ImportRequest, expand_paths, import_files
from ..core.files import as_given, paused_gc
from ..lang.resolve import resolve
from ..report.gate import EXIT_ERROR, EXIT_OK
from .common import (
    add_color_argument,
    add_value_arguments,
    add_verbosity_arguments,
    input_values,
    print_all,
    reading_bar,
    style_for,
    write_text,
)

NAME = "import"
HELP = "print cloud exports (Alibaba Cloud API JSON, Terraform, ROS, AWS) as .sgv text"
INPUTS = ("files",)  # input arguments where '-' is standard input (cli.run)
STDIN_TEXT = ".yaml"  # standard input that is not JSON is read as YAML (ROS), never as .sgv


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="input files (a folder stands for its .json, .yaml, .yml and .tf files); "
                   "'-' reads standard input: JSON, else YAML (ROS), or as --input-format says")
    p.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                   help="force the format: " + ", ".join(FORMATS) + " (default: detect)")
    p.add_argument("--output", metavar="FILE", help="write the .sgv text here instead of stdout")
    add_value_arguments(p)
    add_color_argument(p)
    add_verbosity_arguments(p)


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    with paused_gc():  # reading, resolving and printing make no cycles (core.files)
        return _run(args, stdout, stderr)


def _run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    files, diags = expand_paths(args.files)
    with reading_bar(stderr) as bar:
        result = import_files([ImportRequest(f, args.input_format) for f in files],
                              values=input_values(args), progress=bar, printed=True)
    diagnostics = diags + result.diagnostics
    if not result.has_errors and not diags:
        _, rdiags = resolve(result.documents)  # the printed text must be a valid spec
        diagnostics += rdiags
    style = style_for(args.color, stderr)
    print_all(diagnostics, result.sources, stderr, style, args.quiet, args.max_errors)
    if any(d.is_error for d in diagnostics):
        stderr.write("sgverify import: nothing printed: the input has errors\n")
        return EXIT_ERROR
    parts = [f"# sgverify import {' '.join(as_given(f) for f in files)}\n"]
    assert result.printed is not None
    for doc, printed in zip(result.documents, result.printed):
        parts.append(f"\n# from {doc.path}\n" + printed)  # format_document of the whole doc
    text = "".join(parts)
    write_text(text, args.output, stdout)
    return EXIT_OK
