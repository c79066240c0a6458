"""``sgverify man``: print the manual page sgverify.1 (roff), made from the parser by
argparse-manpage (the ``completion`` extra). docs/sgverify.1 is this output, kept equal by
a test; ``sgverify man --output docs/sgverify.1`` regenerates it."""

from __future__ import annotations

import argparse
from typing import IO

from ..report.gate import EXIT_ERROR, EXIT_OK
from ..report.manual import MissingExtra, man_page
from .common import add_output_file_argument, full_parser, write_text

NAME = "man"
HELP = "print the manual page sgverify.1, made from the options (the 'completion' extra)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_output_file_argument(p, "the page")


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    try:
        text = man_page(full_parser(args))
    except MissingExtra as exc:
        stderr.write(f"sgverify man: error: {exc}\n")
        return EXIT_ERROR
    write_text(text, args.output, stdout)
    return EXIT_OK
