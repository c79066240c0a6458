"""What every command shares: exit codes and terminal styling."""

from __future__ import annotations

import argparse
import math
import os
from typing import IO

from ..report.text import Style

EXIT_OK, EXIT_VIOLATED, EXIT_ERROR, EXIT_UNKNOWN = 0, 1, 2, 3


def style_for(choice: str, stream: IO[str]) -> Style:
    """Colour only on a terminal (or when asked), never when NO_COLOR is set."""
    if choice == "always":
        return Style(True)
    if choice == "never" or os.environ.get("NO_COLOR"):
        return Style(False)
    return Style(bool(getattr(stream, "isatty", lambda: False)()))


def seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: '{text}'") from None
    if not math.isfinite(value) or not value > 0:
        raise argparse.ArgumentTypeError("the timeout must be a finite number of seconds "
                                         "greater than 0")
    return value


def add_parallel_arguments(p: argparse.ArgumentParser, default: str) -> None:
    """``--jobs`` (``default`` says when all cores are used), ``--backend`` and
    ``--scheduler``: the same options for every command that spreads work."""
    from ..core.parallel import BACKENDS
    p.add_argument("--jobs", "-j", type=jobs_arg, metavar="N",
                   help=f"worker processes (default: {default}); the output is identical for "
                        "every N")
    p.add_argument("--backend", choices=BACKENDS, default="local",
                   help="'local' processes, or 'dask': a Dask cluster (the 'distributed' extra)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --backend dask: the scheduler to use (default: start a local "
                        "cluster)")


def jobs_arg(text: str) -> int:
    """``--jobs N``: a number of worker processes, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of workers: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return value
