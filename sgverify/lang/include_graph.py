"""Which of a set of .sgv files include which (read from their include lines, without the
parser): a folder check checks a file that another includes inside it, and on its own
when it stands alone. Kept apart from ``includes`` so that the cached gate, which needs
this, loads neither the syntax tree nor the parser."""

from __future__ import annotations

import os
import re
from typing import Iterable

from ..core.files import not_regular, overlay_text

_INCLUDE = re.compile(r'^[ \t]*include[ \t]+"([^"\n]+)"', re.M)
_IMPORT = re.compile(r'^[ \t]*import[ \t]+"([^"\n]+)"', re.M)


def _head(path: str) -> str:
    """The first MiB of a spec, as the include lines are read ('' when it cannot be); an
    overlaid text (an editor's buffer, ``core.files.overlaid``) stands for the file's."""
    over = overlay_text(path)
    if over is not None:
        return over[:1 << 20]
    if not_regular(os.path.realpath(path)):
        return ""  # never opened (a FIFO would block); reading it reports why
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(1 << 20)
    except OSError:
        return ""


def imports_of(path: str) -> list[str]:
    """The real paths of the data files the spec ``path`` imports (``import "x.json"``;
    live inventories such as ``aliyun://...`` are not files and are left out)."""
    return [os.path.realpath(os.path.normpath(os.path.join(os.path.dirname(path), m.group(1))))
            for m in _IMPORT.finditer(_head(path)) if "://" not in m.group(1)]


def imported_files(specs: Iterable[str]) -> set[str]:
    """The real paths of the data files that ``specs`` import (``import "x.json"``)."""
    return {f for p in specs for f in imports_of(p)}


def includers(paths: Iterable[str]) -> dict[str, str]:
    """For each of ``paths`` that a checked one of them includes (directly or through
    others): its real path -> the checked file that includes it. Such fragments are
    checked as part of that file, not on their own (they may use names only it defines).
    The checked files are those no other of ``paths`` includes; files that include each
    other in a cycle with no such file above them are all checked (each then reports the
    cycle), so a cycle never hides a file."""
    paths = list(paths)
    real = {os.path.realpath(p): p for p in paths}
    edges: dict[str, list[str]] = {r: [] for r in real}
    included: set[str] = set()
    for r, p in real.items():
        for target in includes_of(p):
            if target in real and target != r:
                edges[r].append(target)
                included.add(target)
    out: dict[str, str] = {}
    roots = [r for r in real if r not in included]
    for root in roots:  # breadth first: each fragment goes to the first root reaching it
        todo = list(edges[root])
        while todo:
            t = todo.pop(0)
            if t in out or t in roots:
                continue
            out[t] = real[root]
            todo += edges[t]
    return out


def includes_of(path: str) -> list[str]:
    """The real paths of the files ``path`` includes directly, in the order written (read
    from its include lines, without the parser)."""
    # Resolved as the loader does: '..' by text first (normpath), then links.
    return [os.path.realpath(os.path.normpath(os.path.join(os.path.dirname(path), m.group(1))))
            for m in _INCLUDE.finditer(_head(path))]
