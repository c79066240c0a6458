"""Command line entry point. Each subcommand lives in ``sgverify.commands``; ``main`` only
calls ``sys.exit(run(argv))``.

Exit codes: 0 every assertion proved; 1 an assertion violated; 2 input or usage error
(or internal error); 3 an assertion ended unknown and none was violated.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from typing import IO, Sequence

from . import __version__
from .commands import COMMANDS
from .commands.common import EXIT_ERROR, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED
from .diagnostics import REPORT_BUGS

__all__ = ["run", "main", "build_parser", "EXIT_OK", "EXIT_VIOLATED", "EXIT_ERROR", "EXIT_UNKNOWN"]


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="sgverify", description="Prove assertions about cloud security groups.")
    p.add_argument("--version", action="version", version=f"sgverify {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.add_arguments(sub.add_parser(module.NAME, help=module.HELP))
    return p


def run(argv: Sequence[str] | None = None, stdout: IO[str] | None = None,
        stderr: IO[str] | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        stderr.write(parser.format_usage() + f"sgverify: error: {exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if not args.command:
        stderr.write(parser.format_help())
        return EXIT_ERROR
    command = next(m for m in COMMANDS if m.NAME == args.command)
    try:
        return int(command.run(args, stdout, stderr))
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


def main() -> None:
    sys.exit(run())
