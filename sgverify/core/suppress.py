"""Inline suppressions: a comment in the source that accepts a finding, with a reason.

    ssh: ingress accept tcp 22 from 0.0.0.0/0   # sgverify: ignore[SGV101] bastion, by design
    # sgverify: ignore[L101, L102] kept while the old office range is retired
    #sgverify:skip=L201:the load balancer's health checks   (checkov's form, for Terraform)

A comment after code covers the findings with one of its codes whose place starts on its
line; a comment on a line of its own covers those on the next line; either covers a
finding whose place spans the comment's line. In Terraform, as with checkov, a comment
anywhere inside a ``resource`` block covers the findings at that resource. A comment without a reason suppresses nothing: the run says so, as it
does for a suppression that matches nothing. ``//`` comments (HCL) work as ``#`` ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping

from .diagnostics import Span

_IGNORE = re.compile(r"(?:#|//)\s*sgverify:\s*ignore\[([^\]]*)\]\s*(.*?)\s*$")
_SKIP = re.compile(r"(?:#|//)\s*sgverify:\s*skip\s*=\s*([A-Za-z0-9_,-]+)\s*(?::\s*(.*?))?\s*$")
_CODE = re.compile(r"[A-Z]+[0-9]+")
_BLOCK = re.compile(r'\s*(resource|data|module)\s+"')  # where a Terraform block starts


@dataclass(frozen=True)
class Suppression:
    """One suppressing comment: its codes, its reason ('' when none was given), where it
    is, and whether it is on a line of its own (then it is about the next line)."""

    codes: tuple[str, ...]
    reason: str
    span: Span
    alone: bool = False
    block: int | None = None  # the line of the Terraform block it is inside

    @property
    def where(self) -> str:
        return f"{self.span.path}:{self.span.line}"


def parse_suppressions(text: str, shown: str) -> list[Suppression]:
    """Every suppressing comment of ``text`` (the file shown as ``shown``)."""
    out: list[Suppression] = []
    if "sgverify" not in text:
        return out
    terraform = shown.endswith((".tf", ".hcl"))
    block = None
    for number, line in enumerate(text.splitlines(), 1):
        if terraform and _BLOCK.match(line):
            block = number
        if "sgverify" not in line:
            continue
        m = _IGNORE.search(line) or _SKIP.search(line)
        if m is None:
            continue
        codes = tuple(c.strip().upper() for c in re.split(r"[,\s]+", m.group(1)) if c.strip())
        out.append(Suppression(codes, (m.group(2) or "").strip(),
                               Span(shown, number, m.start() + 1), not line[:m.start()].strip(),
                               block))
    return out


class Suppressions:
    """The suppressions of a run's source texts, looked up by a finding's code and place."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self.all: list[Suppression] = []
        self._by_line: dict[tuple[str, int], list[Suppression]] = defaultdict(list)
        self._by_block: dict[tuple[str, int], list[Suppression]] = defaultdict(list)
        for shown, text in sources.items():
            for s in parse_suppressions(text, shown):
                self.all.append(s)
                self._by_line[(shown, s.span.line)].append(s)
                if s.block is not None and s.block != s.span.line:
                    self._by_block[(shown, s.block)].append(s)
        self.used: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.all)

    def find(self, code: str, span: Span | None) -> Suppression | None:
        """The suppression (with a reason) of ``code`` at ``span``, marked as used."""
        if span is None or not span.line:
            return None
        last = max(span.line, span.end_line or span.line)
        for line in (span.line, span.line - 1, *range(span.line + 1, last + 1)):
            for s in self._by_line.get((span.path, line), ()):
                if line == span.line - 1 and not s.alone:
                    continue  # a comment after code is about its own line only
                if code.upper() in s.codes and s.reason:
                    self.used.add(id(s))
                    return s
        for s in self._by_block.get((span.path, span.line), ()):
            if code.upper() in s.codes and s.reason:
                self.used.add(id(s))
                return s
        return None

    def unused(self, owns: Iterable[str]) -> list[tuple[Suppression, str]]:
        """The suppressions of codes starting with one of ``owns`` (the command's own
        codes, such as 'L' or 'SGV') that accepted nothing, each with why."""
        prefixes = tuple(owns)
        out = []
        for s in self.all:
            mine = [c for c in s.codes if c.startswith(prefixes) and _CODE.fullmatch(c)]
            if not mine or id(s) in self.used:
                continue
            where = ("its resource" if s.block is not None else
                     "the next line" if s.alone else "its line")
            why = ("it gives no reason (write one after the codes)" if not s.reason else
                   f"no {', '.join(mine)} finding starts on {where}")
            out.append((s, why))
        return out
