"""What every command shares: terminal styling, argument types and diagnostics printed
the way ``check`` prints them."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import IO

from ..cloud.user_values import InputValues
from ..core.diagnostics import Diagnostic, InputError
from ..core.files import (
    LIMIT_NAMES,
    STDIN,
    Limits,
    limits_from,
    read_stdin,
    stdin_file,
    stdin_suffix,
    widest,
)
from ..core.parallel import BACKENDS
from ..core.result import SpecReport
from ..project.config import timeout_problem
from ..report.progress import ProgressBar
from ..report.text import MAX_SAME, Style, cap_notes, over_cap, render_diagnostic


def style_for(choice: str, stream: IO[str]) -> Style:
    """``--color``: ``always`` and ``never`` as said; ``auto`` colours a terminal unless
    NO_COLOR is set or TERM is ``dumb``, and anything when FORCE_COLOR is set (and NO_COLOR
    is not), as https://no-color.org and https://force-color.org describe."""
    if choice == "always":
        return Style(True)
    if choice == "never" or os.environ.get("NO_COLOR"):
        return Style(False)
    if os.environ.get("FORCE_COLOR"):
        return Style(True)
    if os.environ.get("TERM") == "dumb":
        return Style(False)
    return Style(bool(getattr(stream, "isatty", lambda: False)()))


def add_color_argument(p: argparse.ArgumentParser) -> None:
    """``--color``, the same on every command."""
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="colour the text output: auto (a terminal, unless NO_COLOR or "
                        "TERM=dumb; FORCE_COLOR forces it), always or never")


def seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: '{text}'") from None
    problem = timeout_problem(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"the timeout must be {problem}")
    return value


def add_parallel_arguments(p: argparse.ArgumentParser, default: str) -> None:
    """``--jobs`` (``default`` says when all cores are used), ``--backend`` and
    ``--scheduler``: the same options for every command that spreads work."""
    p.add_argument("--jobs", "-j", type=jobs_arg, metavar="N",
                   help=f"worker processes (default: {default}); the output is identical for "
                        "every N")
    p.add_argument("--backend", choices=BACKENDS, default="local",
                   help="'local' processes, or 'dask': a Dask cluster (the 'distributed' extra)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --backend dask: the scheduler to use (default: start one local "
                        "cluster for the run)")


def jobs_arg(text: str) -> int:
    """``--jobs N``: a number of worker processes, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of workers: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return value


def print_diagnostics(rep: SpecReport, stream: IO[str], style: Style,
                      quiet: bool = False, cap: int = MAX_SAME) -> None:
    """Every diagnostic of a loaded input, in file order, as ``check`` prints them (past
    ``cap`` of one code in one file, counted instead: ``--max-errors``); with ``quiet``
    (``-q``) only the errors."""
    print_all(rep.diagnostics, rep.sources, stream, style, quiet, cap)


def print_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str], stream: IO[str],
              style: Style, quiet: bool = False, cap: int = MAX_SAME) -> None:
    """``diagnostics`` in file order, as ``print_diagnostics`` prints a loaded input's."""
    seen: dict[str, list[str]] = {}
    for d in sorted(diagnostics, key=lambda d: d.sort_key()):
        if quiet and not d.is_error:
            continue
        if not over_cap(seen, d.span.path if d.span else "<input>", d.code, cap):
            stream.write(render_diagnostic(d, sources, style) + "\n")
    for line in cap_notes(seen, style, cap):
        stream.write(line + "\n")


READING_BAR_FROM = 20
"""Files of one run from which reading shows a bar (on a terminal): fewer read at once."""


def reading_bar(stderr: IO[str]) -> ProgressBar:
    """The bar of a run reading many input files (``load.load_inputs``'s ``progress``);
    nothing unless ``stderr`` is a terminal. Close it when reading ends."""
    return ProgressBar(stderr, "files read", min_total=READING_BAR_FROM)


def limit_setting(text: str) -> tuple[str, int]:
    """An argparse type: ``NAME=N``, a limit of ``core.files.LIMIT_NAMES`` and its value."""
    name, sep, value = text.partition("=")
    number: object = int(value) if value.strip().isdigit() else value
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=N, found {text!r}")
    try:
        limits_from({name: number})  # type: ignore[dict-item]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return name, int(value)


def requested_limits(args: argparse.Namespace, configured: Limits | None) -> Limits | None:
    """The limits this run raises: the configuration's and ``--input-limit``'s (limits are
    only raised, so each is the larger of the two)."""
    given = dict(getattr(args, "limits", None) or ())
    if not given:
        return configured
    return widest(configured or Limits(), limits_from(given))


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, found {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number greater than 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: '{text}'") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def add_verbosity_arguments(p: argparse.ArgumentParser, quiet: str = "",
                            verbose: str = "") -> None:
    """``-q/--quiet`` and ``-v/--verbose``, the same on every command that prints (either
    one). Quiet always leaves out warnings and notes about the inputs on stderr (errors
    stay); verbose always ends the run with a line on stderr naming the inputs read and
    the exit code with its reason. ``quiet`` and ``verbose`` say what else they do here."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true",
                   help="leave out warnings and notes about the inputs" + (f"; {quiet}" if quiet
                                                                         else ""))
    g.add_argument("-v", "--verbose", action="store_true",
                   help=(f"{verbose}; " if verbose else "") + "end with a line on stderr: the "
                        "inputs read and the exit code's reason")
    p.add_argument("--input-limit", type=limit_setting, action="append", metavar="NAME=N",
                   dest="limits", help="raise an input limit for this run (repeatable): "
                   + ", ".join(f"{n}=N" for n in LIMIT_NAMES) + " (docs/errors.md, E005); "
                   "also 'limits' in sgverify.toml")
    p.add_argument("--max-errors", type=non_negative_int, default=MAX_SAME, metavar="N",
                   help=f"show at most N diagnostics of one code in one file as text, then "
                        f"count the rest (default {MAX_SAME}; 0: show all); JSON and SARIF "
                        "list them all")


# The one --fail-on vocabulary: each word means the same on every command that takes it
# (docs/cli.md). The gate words are check's, explain's and audit's (lint grades findings
# by severity, diff by kind of change, so they add their own words); input errors always
# fail, exit 2.
FAIL_ON_WORDS = {
    "none": "nothing fails but input errors",
    "violated": "a violation fails (exit 1); what is not verified is reported and passes",
    "unknown": "what is not verified fails too (exit 3)",
    "warning": "warnings fail too (exit 1)",
    "error": "a finding of severity error fails (exit 1)",
    "note": "every finding fails",
    "new-access": "NEW allowing anything OLD did not fails (exit 1)",
    "any-change": "any change fails (exit 1)",
}


def comma_list(item: Callable[[str], str]) -> Callable[[str], list[str]]:
    """An argparse type for ``--select`` / ``--ignore`` (with ``action="extend"``): one
    code, or several separated by commas, each read by ``item``."""
    def read(text: str) -> list[str]:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts:
            raise argparse.ArgumentTypeError(f"expected a code or a comma list of codes: "
                                             f"'{text}'")
        return [item(p) for p in parts]
    return read


def add_fail_on_argument(p: argparse.ArgumentParser, words: Sequence[str],
                         default: str | None, note: str = "") -> None:
    """``--fail-on``, its words and their help from ``FAIL_ON_WORDS``."""
    said = "; ".join(f"'{w}': {FAIL_ON_WORDS[w]}" for w in words)
    p.add_argument("--fail-on", choices=list(words), default=default, dest="fail_on",
                   help=f"what fails the run: {said}" + (f" ({note})" if note else
                                                          f" (default {default})"))


def add_input_arguments(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    """``--input-format``, ``--allow-outside-includes`` and ``--color`` for commands that
    read policies from any input."""
    p.add_argument("--input-format", choices=formats, metavar="FORMAT",
                   help="force the format of non-.sgv inputs: " + ", ".join(formats))
    p.add_argument("--allow-outside-includes", action="store_true",
                   help="let includes and imports point outside the project folder")
    add_value_arguments(p)
    add_color_argument(p)


def _assignment(text: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, found '{text}'")
    return name.strip(), value


def add_value_arguments(p: argparse.ArgumentParser) -> None:
    """``--var``, ``--var-file`` (Terraform variables) and ``--parameter`` (ROS) for the
    commands that read .tf files and templates (docs/inputs.md)."""
    p.add_argument("--var", dest="tf_vars", action="append", type=_assignment, default=[],
                   metavar="NAME=VALUE", help="a Terraform input variable (as terraform -var)")
    p.add_argument("--var-file", dest="tf_var_files", action="append", default=[], metavar="FILE",
                   help="a .tfvars (or .tfvars.json) file of Terraform variables")
    p.add_argument("--parameter", dest="ros_parameters", action="append", type=_assignment,
                   default=[], metavar="NAME=VALUE", help="a ROS template parameter")


def input_values(args: argparse.Namespace) -> InputValues:
    """The values ``add_value_arguments`` read (none when the command has no such options)."""
    return InputValues(tuple(getattr(args, "tf_vars", []) or []),
                       tuple(getattr(args, "tf_var_files", []) or []),
                       tuple(getattr(args, "ros_parameters", []) or []))


def add_output_file_argument(p: argparse.ArgumentParser, what: str) -> None:
    """``--output FILE`` for a command that prints one document (``-``: stdout)."""
    p.add_argument("--output", metavar="FILE",
                   help=f"write {what} to FILE instead of stdout ('-': stdout)")


def full_parser(args: argparse.Namespace) -> argparse.ArgumentParser:
    """The whole command-line parser, every subcommand loaded, for the commands that
    describe it (completion, man). The cli layer hands its builder over as the default
    ``parser_factory`` (this layer may not import it)."""
    factory = getattr(args, "parser_factory", None)
    if factory is None:
        raise RuntimeError("this command needs the parser: run it through sgverify.cli")
    parser: argparse.ArgumentParser = factory()
    return parser


def write_text(text: str | Iterable[str], path: str | None, stdout: IO[str]) -> None:
    """``text`` into ``path`` (``--output``), or on stdout (no path, or ``-``). ``text``
    may come in pieces, written as they are made (a large export is never whole)."""
    pieces = [text] if isinstance(text, str) else text
    if path and path != "-":
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(pieces)
    else:
        stdout.writelines(pieces)


class StdinRefused(Exception):
    """Standard input cannot be used as asked (exit 2, the message says why)."""


STDIN_HELP = ("; '-' reads standard input (once per run): JSON when it starts with { or [, "
              "else .sgv, or as --input-format says")


@contextmanager
def stdin_inputs(args: argparse.Namespace, inputs: Sequence[str], streams: Sequence[str],
                 stdin: IO[bytes] | None, text_suffix: str = ".sgv") -> Iterator[str | None]:
    """While active, a ``-`` among the input arguments ``inputs`` (attribute names of
    ``args``: a list of paths or one path) is a file holding standard input, read through
    ``core.files`` (its limits; shown as ``<stdin>``); yields that file (None without
    ``-``). ``streams`` name arguments the command reads from standard input itself
    (explain's ``--flows -``): standard input can be read only once. A run that reads it
    works in this process (``--jobs 1``) and reuses no cached result. ``text_suffix``: what
    standard input that is not JSON is read as (import: ``.yaml``)."""
    where = [(name, i) for name in inputs
             for i, v in enumerate(_values(getattr(args, name, None))) if v == STDIN]
    taken = [name for name in streams if getattr(args, name, None) == STDIN]
    if len(where) + len(taken) > 1:
        raise StdinRefused("'-' (standard input) is given more than once; it can be read once")
    if not where:
        yield None
        return
    if getattr(args, "backend", "local") != "local":
        raise StdinRefused("'-' (standard input) cannot be read by --backend dask workers: "
                           "give a file")
    if stdin is None:
        raise StdinRefused("'-' names standard input, but there is none")
    try:
        data = read_stdin(stdin, Limits())
    except InputError as exc:
        raise StdinRefused("; ".join(d.message for d in exc.diagnostics)) from None
    with ExitStack() as stack:
        path = stack.enter_context(stdin_file(data, stdin_suffix(
            data, getattr(args, "input_format", None), text_suffix)))
        name, i = where[0]
        value = getattr(args, name)
        setattr(args, name, path if isinstance(value, str)
                else [path if j == i else v for j, v in enumerate(value)])
        if hasattr(args, "jobs"):
            args.jobs = 1
        if hasattr(args, "no_cache"):
            args.no_cache = True
        yield path


def _values(value: object) -> list[object]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [] if value is None else [value]
