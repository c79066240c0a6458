"""``sgverify completion bash|zsh|tcsh``: print the shell completion script, made from the
parser by shtab (the ``completion`` extra); docs/cli.md says where each shell reads it."""

from __future__ import annotations

import argparse
from typing import IO

from ..report.gate import EXIT_ERROR, EXIT_OK
from ..report.manual import SHELLS, MissingExtra, completion_script
from .common import add_output_file_argument, full_parser, write_text

NAME = "completion"
HELP = "print the shell completion script for bash, zsh or tcsh (the 'completion' extra)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=SHELLS, help="the shell: " + ", ".join(SHELLS))
    add_output_file_argument(p, "the script")


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    try:
        text = completion_script(full_parser(args), args.shell)
    except MissingExtra as exc:
        stderr.write(f"sgverify completion: error: {exc}\n")
        return EXIT_ERROR
    write_text(text, args.output, stdout)
    return EXIT_OK
