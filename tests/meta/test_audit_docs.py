"""The example sessions of docs/audit.md, docs/reach.md and docs/inputs.md are real
output: each fenced block that starts with ``$ sgverify ...`` runs (from the repository
root; inputs.md's from tests/fixtures/inputs, where its files are), and its lines appear in
the output in order (``...`` stands for any number of lines; a ``   # comment`` after the
command is not part of it)."""

from __future__ import annotations

import io
import re
import shlex

import pytest

from sgverify.cli import run
from tests.support.paths import ROOT

BLOCK = re.compile(r"^```(?:console)?\n(\$ sgverify [^\n]*\n.*?)^```$", re.MULTILINE | re.DOTALL)
FOLDER = {"audit.md": ROOT, "reach.md": ROOT, "inputs.md": ROOT / "tests" / "fixtures" / "inputs"}


def sessions() -> list[tuple[str, str, list[str]]]:
    out = []
    for doc in FOLDER:
        for m in BLOCK.finditer((ROOT / "docs" / doc).read_text(encoding="utf-8")):
            command, *lines = m.group(1).splitlines()
            out.append((doc, command[2:].split("   #")[0].rstrip(), lines))
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
    monkeypatch.chdir(FOLDER[doc])
    out = io.StringIO()
    run(shlex.split(command)[1:], out, io.StringIO())
    problem = follows(lines, out.getvalue().splitlines())
    assert problem is None, f"{doc}: {command}: {problem}"


def test_matcher() -> None:
    assert follows(["a", "...", "d"], ["a", "b", "c", "d"]) is None
    assert follows(["a"], ["a", "b"]) == "unexpected 'b'"
    assert follows(["a", "c"], ["a", "b"]) is not None


def test_every_page_has_sessions() -> None:
    assert {d for d, _, _ in sessions()} == set(FOLDER)
