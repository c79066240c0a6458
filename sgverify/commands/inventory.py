"""The INVENTORY arguments of ``audit`` and ``reach``, and loading an inventory with its
diagnostics printed: every argument together makes one policy (``load.load_inputs``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import IO

from ..cloud.importer import FORMATS, InputValues
from ..core.files import as_given
from ..core.result import SpecReport
from ..load import load_inputs
from ..report.text import MAX_SAME, Style
from .common import STDIN_HELP, add_value_arguments, print_diagnostics, reading_bar


def add_inventory_arguments(p: argparse.ArgumentParser, nargs: str) -> None:
    """The INVENTORY arguments and ``--input-format``, as ``audit`` and ``reach`` take them."""
    p.add_argument("inventories", nargs=nargs, metavar="INVENTORY",
                   help="the inventory, all arguments together: .sgv specs of groups and "
                        "instances, cloud exports (Alibaba Cloud API JSON, Terraform, ROS, "
                        "AWS), folders of exports" + STDIN_HELP)
    p.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                   help="force the format of the exports: " + ", ".join(FORMATS))
    add_value_arguments(p)


def load_inventory(paths: Sequence[str], stderr: IO[str], style: Style,
                   allow_outside: bool = False, fmt: str | None = None,
                   values: InputValues = InputValues(), quiet: bool = False,
                   cap: int = MAX_SAME) -> SpecReport:
    """The inventory ``paths`` describe together (``load.load_inputs``); its diagnostics
    (errors, warnings) go to ``stderr``. ``policy`` is None after errors."""
    with reading_bar(stderr) as bar:
        rep = load_inputs(paths, fmt, allow_outside, values, progress=bar).report
    if len(paths) > 1 or not paths[0].endswith(".sgv") or as_given(paths[0]) != paths[0]:
        rep.path = " ".join(as_given(p) for p in paths)
    print_diagnostics(rep, stderr, style, quiet, cap)
    return rep
