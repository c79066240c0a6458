"""The example sessions of docs/diff.md and docs/lint.md are real output: each block that
starts with ``$ sgverify ...`` is run from the repository root; its lines must appear in
the output in order (a line ``...`` stands for any lines, an indented ``...`` for the rest
of a box)."""

from __future__ import annotations

import io
import re
import shlex

import pytest

from sgverify.cli import run
from tests.support.paths import ROOT

FENCE = re.compile(r"^```\n(\$ sgverify .*?)^```$", re.M | re.S)


def sessions() -> list[tuple[str, str, list[str]]]:
    out = []
    for doc in ("diff.md", "lint.md"):
        for m in FENCE.finditer((ROOT / "docs" / doc).read_text(encoding="utf-8")):
            lines = m.group(1).splitlines()
            command = lines.pop(0)[2:]
            while command.endswith("\\"):
                command = command[:-1] + lines.pop(0).strip()
            out.append((doc, command, lines))
    return out


def mismatch(expected: list[str], got: list[str]) -> str | None:
    """Why ``got`` does not show ``expected`` (None when it does)."""
    pos, anything = 0, False
    for line in expected:
        if line == "...":
            anything = True
            continue
        if line.strip() == "...":  # the rest of an indented block
            while pos < len(got) and got[pos].startswith("  "):
                pos += 1
            continue
        if anything:
            while pos < len(got) and got[pos] != line:
                pos += 1
            anything = False
        if pos >= len(got) or got[pos] != line:
            return f"missing {line!r}"
        pos += 1
    if not anything and pos != len(got):
        return f"unexpected {got[pos]!r}"
    return None


@pytest.mark.parametrize("doc,command,expected", sessions(), ids=lambda x: x if isinstance(x, str) else "")
def test_session_output(doc: str, command: str, expected: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    stdout = io.StringIO()
    run(shlex.split(command)[1:], stdout, io.StringIO())
    problem = mismatch(expected, stdout.getvalue().splitlines())
    assert problem is None, f"{doc}: {command}: {problem}"


def test_the_matcher_notices_a_difference() -> None:
    assert mismatch(["a", "b"], ["a", "b"]) is None
    assert mismatch(["a", "..."], ["a", "b", "c"]) is None
    assert mismatch(["a", "  ...", "c"], ["a", "  x", "  y", "c"]) is None
    assert mismatch(["a", "b"], ["a", "c"]) == "missing 'b'"
    assert mismatch(["a"], ["a", "b"]) == "unexpected 'b'"


def test_there_are_sessions() -> None:
    assert {doc for doc, _, _ in sessions()} == {"diff.md", "lint.md"}
