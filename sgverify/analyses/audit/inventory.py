"""Loading an inventory for ``audit`` and ``reach``: every argument together makes one
inventory, as for ``explain`` and ``diff`` (``inputs.policy.load_inputs``): .sgv specs
(with their includes and ``import`` statements) and cloud exports (Alibaba Cloud API
JSON, Terraform, ROS, AWS; a folder stands for the exports in it). Diagnostics are
printed the way ``check`` prints them."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import IO

from ...api import SpecReport, load_policy
from ...cloud.policy import load_inputs
from ...report.text import Style, render_diagnostic


def add_inventory_arguments(p: argparse.ArgumentParser, nargs: str) -> None:
    """The INVENTORY arguments and ``--input-format``, as ``audit`` and ``reach`` take them."""
    from ...cloud.importer import FORMATS
    p.add_argument("inventories", nargs=nargs, metavar="INVENTORY",
                   help="the inventory, all arguments together: .sgv specs of groups and "
                        "instances, cloud exports (Alibaba Cloud API JSON, Terraform, ROS, "
                        "AWS), folders of exports")
    p.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                   help="force the format of the exports: " + ", ".join(FORMATS))


def load_inventory(paths: Sequence[str], stderr: IO[str], style: Style,
                   allow_outside: bool = False, fmt: str | None = None) -> SpecReport:
    """The inventory ``paths`` describe; its diagnostics (errors, warnings) go to
    ``stderr``. ``policy`` is None after errors."""
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        rep = SpecReport(missing[0])
        for p in missing:
            stderr.write(f"sgverify: error: {p}: no such file or folder\n")
        return rep
    one = paths[0] if len(paths) == 1 else None
    if one is not None and one.endswith(".sgv") and os.path.isfile(one) and fmt is None:
        rep = load_policy(one, allow_outside=allow_outside)
    else:
        rep = load_inputs(list(paths), fmt, allow_outside).report
        rep.path = " ".join(paths)
    for d in sorted(rep.diagnostics, key=lambda d: d.sort_key()):
        stderr.write(render_diagnostic(d, rep.sources, style) + "\n")
    return rep


__all__ = ["load_inventory"]
