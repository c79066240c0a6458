"""Report outputs shared by the commands: ``--format``/``--output`` pairs, where each report
goes, writing them, and writing a baseline.

A command adds the options with ``add_output_arguments`` (its own list of formats), turns
``args.outputs`` into ``Output`` objects with ``plan_outputs`` before doing any work (so a
bad ``--output`` stops the run at once, exit 2), and at the end hands ``write_reports`` a
function that renders one format. Used by ``check``, ``lint`` and ``diff``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from typing import IO, Any, Callable, Sequence
from urllib.parse import urlsplit

from ..core.files import display_path
from ..project.config import FORMATS
from ..report.baseline import Baseline, baseline_for, dump_baseline, load_baseline
from ..report.findings import FileReport, RunReport
from ..report.gate import FailOn
from ..report.stream import Rendered, write_pieces
from ..report.text import Style
from .common import style_for


class Refused(Exception):
    """Settings or arguments that stop the run before anything is checked (exit 2)."""


class PairAction(argparse.Action):
    """``--format`` and ``--output`` build (format, file) pairs in command-line order:
    each fills the latest pair still missing that half, or starts a new pair."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        pairs = [list(p) for p in (getattr(namespace, self.dest, None) or [])]
        slot = 0 if option_string == "--format" else 1
        if pairs and pairs[-1][slot] is None:
            pairs[-1][slot] = values
        else:
            pair: list[str | None] = [None, None]
            pair[slot] = values
            pairs.append(pair)
        setattr(namespace, self.dest, [tuple(p) for p in pairs])


@dataclass(frozen=True)
class Output:
    """One report to write: its format and its file (None: stdout)."""

    format: str
    file: str | None


def add_output_arguments(p: argparse.ArgumentParser, formats: Sequence[str] = FORMATS,
                         timing: bool = True) -> None:
    """``--format`` and ``--output`` (pairs, into ``args.outputs``), ``--root``,
    ``--help-uri-base`` when SARIF is among ``formats`` and, with ``timing``, ``--no-timing``."""
    names = ", ".join(formats[:-1]) + f" or {formats[-1]}"
    p.add_argument("--format", action=PairAction, dest="outputs", choices=formats,
                   help=f"report format: {names} (repeatable, each paired with the --output "
                        "that follows it; default text)")
    p.add_argument("--output", action=PairAction, dest="outputs", metavar="FILE",
                   help="write the report of the --format before it here ('-' or no "
                        "--output: stdout, which at most one format may use)")
    p.add_argument("--root", metavar="DIR",
                   help="SARIF artifact URIs and JUnit file names are relative to DIR "
                        "(default: the git top level of the working directory, else the "
                        "working directory)")
    if "sarif" in formats:
        p.add_argument("--help-uri-base", metavar="URL", type=absolute_url, dest="help_uri_base",
                       help="the URL of sgverify's docs/ folder, for each SARIF rule's helpUri "
                            "(default: the package's Documentation URL, if any; else no "
                            "helpUri)")
    if timing:
        p.add_argument("--no-timing", action="store_true",
                       help="leave timings out of every format (stable output)")


def absolute_url(text: str) -> str:
    """``--help-uri-base``: an absolute http(s) URL (a SARIF helpUri must be absolute)."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"not an absolute http(s) URL: '{text}'")
    return text.rstrip("/")


def with_help(run: RunReport, args: argparse.Namespace) -> RunReport:
    """``run`` with the documentation URL of ``--help-uri-base`` (SARIF helpUri)."""
    return replace(run, help_base=getattr(args, "help_uri_base", None))


def plan_outputs(pairs: Sequence[tuple[str | None, str | None]] | None,
                 default_format: str) -> list[Output]:
    """The reports to write: a pair without a file goes to stdout; at most one does.
    Raises ``Refused`` for two formats on stdout, a file named twice, or a missing folder."""
    outputs = [Output(fmt or default_format, None if out in (None, "-") else out)
               for fmt, out in (pairs or [(None, None)])]
    if sum(o.file is None for o in outputs) > 1:
        raise Refused("more than one --format goes to stdout; give each but one an --output FILE")
    seen: set[str] = set()
    for o in outputs:
        if o.file is None:
            continue
        real = os.path.realpath(o.file)
        if real in seen:
            raise Refused(f"{o.file} is named by two --output options")
        seen.add(real)
        writable(o.file, "--output")
    return outputs


def plan_with_baseline(pairs: Sequence[tuple[str | None, str | None]] | None, default_format: str,
                       baseline: str | None, write: str | None
                       ) -> tuple[list[Output], Baseline | None]:
    """``plan_outputs``, a check that ``--write-baseline`` can be written, and the
    ``--baseline`` read (``Refused`` or ``BaselineError`` before any work is done)."""
    outputs = plan_outputs(pairs, default_format)
    if write:
        writable(write, "--write-baseline")
    return outputs, load_baseline(baseline) if baseline else None


def writable(path: str, option: str) -> None:
    """Refuse a file whose folder does not exist (before any work is done)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise Refused(f"{option} {path}: folder {display_path(folder)} does not exist")


def write_reports(outputs: Sequence[Output], render: Callable[[Output, Style], Rendered],
                  stdout: IO[str], color: str, notice: IO[str] | None = None) -> None:
    """Write each report (whole, or in pieces as it is made: ``report.stream``): on stdout
    with colour as ``--color`` and the terminal say, in a file with colour only for
    ``--color always`` (and a line on ``notice`` naming it)."""
    for o in outputs:
        if o.file is None:
            write_pieces(stdout, render(o, style_for(color, stdout)))
        else:
            _write_file(o.file, render(o, Style(color == "always")))
            if notice is not None:
                notice.write(f"sgverify: wrote the {o.format} report to {o.file}\n")


def _write_file(path: str, report: Rendered) -> None:
    """Write a report to ``path``; one that fails while its pieces are made leaves no
    partial file behind (a CI step must not upload half a SARIF log)."""
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            write_pieces(fh, report)
    except BaseException:
        if os.path.isfile(path):
            os.unlink(path)
        raise


def write_baseline(path: str, found: Sequence[FileReport], fail_on: FailOn,
                   previous: Baseline | None, stderr: IO[str]) -> Baseline | None:
    """Record what fails now (keeping the reasons of ``previous``); refused, returning
    None, when a file had input errors: a baseline cannot accept those."""
    if any(fr.has_errors for fr in found):
        stderr.write(f"sgverify: error: not writing {path}: fix the input errors first "
                     "(a baseline cannot accept them)\n")
        return None
    new = baseline_for(found, fail_on, previous)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(dump_baseline(new))
    n = len(new.entries)
    stderr.write(f"sgverify: wrote {n} baseline entr{'y' if n == 1 else 'ies'} to {path}; "
                 "edit each reason to say why it is accepted\n")
    return new


ON_ERROR = ("json", "sarif", "junit")  # the formats still written when an input cannot be used


def write_error_reports(outputs: Sequence[Output], render: Callable[[Output, Style], Rendered],
                        stdout: IO[str], color: str) -> None:
    """After an input or internal error that stops a run before its findings exist (lint,
    diff; exit 2, diagnostics on stderr): write only the JSON, SARIF and JUnit reports,
    holding the errors, so that a CI upload step still finds them."""
    write_reports([o for o in outputs if o.format in ON_ERROR], render, stdout, color)


def add_baseline_arguments(p: argparse.ArgumentParser) -> None:
    """``--baseline`` and ``--write-baseline``, as every gating command takes them."""
    p.add_argument("--baseline", metavar="FILE",
                   help="accept the known findings recorded in this baseline file")
    p.add_argument("--write-baseline", metavar="FILE", dest="write_baseline",
                   help="record every finding that fails now in a baseline file "
                        "(keeping the reasons of --baseline entries) and accept them")
