"""Command line entry point. Each subcommand lives in ``sgverify.commands``; ``main`` only
calls ``sys.exit(run(argv))``.

Exit codes: 0 every assertion proved; 1 an assertion violated; 2 input or usage error
(or internal error); 3 an assertion ended unknown and none was violated.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import IO, Sequence

from .commands import EXAMPLES, REGISTRY, load
from .commands.common import StdinRefused, requested_limits, stdin_inputs
from .core.diagnostics import REPORT_BUGS
from .core.files import as_given, is_live_uri, raised_limits
from .core.parallel import one_cluster
from .core.version import __version__
from .project.config import ConfigError, configured_limits
from .report.gate import EXIT_ERROR, EXIT_MEANING

__all__ = ["run", "main", "build_parser"]


class UsageError(Exception):
    """A usage error, with the parser (the subcommand's, when it is one) that found it."""

    def __init__(self, message: str, parser: argparse.ArgumentParser) -> None:
        super().__init__(message)
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message, self)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that subcommand's options are loaded (the others
    are listed for --help but their modules are not imported)."""
    p = _Parser(prog="sgverify", description="Prove assertions about cloud security groups.")
    p.add_argument("-V", "--version", action="version", version=f"sgverify {__version__}",
                   help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, _module, help_text in REGISTRY:
        examples = "\n".join(f"  {e}" for e in EXAMPLES.get(name, ()))
        parser = sub.add_parser(name, help=help_text, description=help_text[:1].upper()
                                + help_text[1:] + ".", epilog="examples:\n" + examples
                                + "\n\nexit codes: 0 passed, 1 violated, 2 input or usage "
                                "error, 3 not verified (docs/errors.md)",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
        if only is None or only == name:
            load(name).add_arguments(parser)
            # commands that describe the parser (completion, man) build it whole
            parser.set_defaults(parser_factory=build_parser)
    return p


def _command_of(argv: Sequence[str]) -> str | None:
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in {n for n, _, _ in REGISTRY} else None


def verbose_line(args: argparse.Namespace, inputs: Sequence[str], code: int) -> str:
    """``-v``'s last line on stderr: the command, the inputs as given, the exit code and
    what it means."""
    given = [as_given(str(v)) for name in inputs for v in _listed(getattr(args, name, None))]
    read = f"read {', '.join(given)}; " if given else ""
    return f"sgverify {args.command}: {read}exit {code}: {EXIT_MEANING.get(code, 'unknown')}\n"


def _listed(value: object) -> list[object]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [] if value is None else [value]


def run(argv: Sequence[str] | None = None, stdout: IO[str] | None = None,
        stderr: IO[str] | None = None, stdin: IO[bytes] | None = None) -> int:
    """Run one command; ``stdin`` is what an input argument ``-`` reads (default: the
    process's standard input)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(argv))
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # a subcommand leaves what it does not know to the top: say it there
            subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            raise UsageError(f"unrecognized arguments: {' '.join(extra)}",
                             subs.choices.get(args.command or "", parser))
    except UsageError as exc:
        stderr.write(exc.parser.format_usage() + f"{exc.parser.prog}: error: {exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if not args.command:
        stderr.write(parser.format_help())
        return EXIT_ERROR
    if getattr(args, "scheduler", None) and getattr(args, "backend", "local") != "dask":
        stderr.write(parser.format_usage() + "sgverify: error: --scheduler needs --backend dask\n")
        return EXIT_ERROR
    command = load(args.command)
    if any(is_live_uri(a) for a in argv):
        # lazy: the live-inventory code only when a live URI is given; each run pulls
        # afresh (the estate may have changed since an earlier run in this process)
        from .cloud.live.fetch import forget
        forget()
    try:
        limits = requested_limits(args, configured_limits()) if hasattr(args, "limits") \
            else None
    except ConfigError as exc:
        stderr.write(f"sgverify {args.command}: error: {exc}\n")
        return EXIT_ERROR
    try:
        inputs = getattr(command, "INPUTS", ())
        with raised_limits(limits), stdin_inputs(args, inputs, getattr(command, "STREAMS", ()),
                          stdin or getattr(sys.stdin, "buffer", None),
                          getattr(command, "STDIN_TEXT", ".sgv")), one_cluster():
            code = int(command.run(args, stdout, stderr))
            if getattr(args, "verbose", False):
                stderr.write(verbose_line(args, inputs, code))
            return code
    except StdinRefused as exc:
        stderr.write(f"sgverify {args.command}: error: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:  # the reader stopped reading (`| head`): nothing more to say
        _drop_stdout(stdout)
        return EXIT_ERROR  # the report was cut short: never a pass
    except OSError as exc:
        stderr.write(f"sgverify: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        stderr.write("sgverify: interrupted; nothing was verified\n")
        return EXIT_ERROR
    except Exception:  # noqa: BLE001 - the last line of defence: never a bare traceback
        stderr.write(f"sgverify: internal error; {REPORT_BUGS}\n")
        stderr.write(traceback.format_exc())
        return EXIT_ERROR


def _drop_stdout(stdout: IO[str]) -> None:
    """After a closed pipe, point the process's stdout at the null device, so that
    Python's flush at exit does not fail on it again ('Exception ignored ...')."""
    if stdout is sys.stdout:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def main() -> None:
    sys.exit(run())
