"""The example sessions of docs/audit.md and docs/reach.md are real output: each fenced
block that starts with ``$ sgverify ...`` runs from the repository root, and its lines
appear in the output in order (``...`` stands for any number of lines)."""

from __future__ import annotations

import io
import re
import shlex

import pytest

from sgverify.cli import run
from tests.support.paths import ROOT

BLOCK = re.compile(r"^```\n(\$ sgverify [^\n]*\n.*?)^```$", re.MULTILINE | re.DOTALL)


def sessions() -> list[tuple[str, str, list[str]]]:
    out = []
    for doc in ("audit.md", "reach.md"):
        for m in BLOCK.finditer((ROOT / "docs" / doc).read_text(encoding="utf-8")):
            command, *lines = m.group(1).splitlines()
            out.append((doc, command[2:], lines))
    return out


def follows(expected: list[str], got: list[str]) -> str | None:
    """None when ``got`` shows ``expected`` (with ``...`` gaps), else what is wrong."""
    i = 0
    gap = False
    for line in expected:
        if line == "...":
            gap = True
            continue
        while gap and i < len(got) and got[i] != line:
            i += 1
        if i >= len(got) or got[i] != line:
            return f"expected {line!r}, got {got[i] if i < len(got) else 'the end'!r}"
        i, gap = i + 1, False
    return None if gap or i == len(got) else f"unexpected {got[i]!r}"


@pytest.mark.parametrize("doc,command,lines", sessions(), ids=lambda x: x if isinstance(x, str) and x.endswith(".md") else "")
def test_session(doc: str, command: str, lines: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    run(shlex.split(command)[1:], out, io.StringIO())
    problem = follows(lines, out.getvalue().splitlines())
    assert problem is None, f"{doc}: {command}: {problem}"


def test_matcher() -> None:
    assert follows(["a", "...", "d"], ["a", "b", "c", "d"]) is None
    assert follows(["a"], ["a", "b"]) == "unexpected 'b'"
    assert follows(["a", "c"], ["a", "b"]) is not None


def test_every_page_has_sessions() -> None:
    assert {d for d, _, _ in sessions()} == {"audit.md", "reach.md"}
