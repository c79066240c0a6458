"""The documentation's examples are real input.

- Every ```sgv block of docs/language.md and docs/semantics.md loads without errors (and
  checking it ends in no 'error' verdict such as an empty flow set).
- Every ```sgv-error block is refused with at least one error diagnostic, never a traceback.
- docs/errors.md documents every code of ``CODES``, with the severity of ``CODES``, and each
  one-line example in its table triggers the code of its row.

A block preceded by ``<!-- file: NAME.sgv -->`` is written under that name next to the
block being tested, so that another block of the same page can ``include`` it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from sgverify.api import check_file, load_policy
from sgverify.core.diagnostics import CODES
from sgverify.core.result import Verdict
from tests.support.paths import ROOT

DOCS = ROOT / "docs"
EXAMPLE_DOCS = ("language.md", "semantics.md")

FENCE = re.compile(r"^```(sgv|sgv-error)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
FILE_MARK = re.compile(r"<!--\s*file:\s*([\w.\-]+)\s*-->\s*$")

# Codes whose rows in docs/errors.md describe the trigger in words instead of a one-line
# input: they need a file that is not UTF-8 text, a line over 20,000 characters, or a bug.
NOT_ONE_LINE = {"E004", "E005", "E006", "E007", "E901", "W403"}


@dataclass(frozen=True)
class Block:
    doc: str
    line: int
    kind: str  # "sgv" or "sgv-error"
    name: str | None  # file name given by a <!-- file: ... --> mark
    text: str

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


def doc_blocks(doc: str) -> list[Block]:
    text = (DOCS / doc).read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = FILE_MARK.search(before)
        out.append(Block(doc, text.count("\n", 0, m.start()) + 1, m.group(1),
                         mark.group(1) if mark else None, m.group(2)))
    return out


ALL_BLOCKS = [b for doc in EXAMPLE_DOCS for b in doc_blocks(doc)]


def write_block(block: Block, folder: Path) -> Path:
    """Write ``block`` (and the named blocks of its page, for includes) into ``folder``."""
    for other in doc_blocks(block.doc):
        if other.name and other is not block:
            (folder / other.name).write_text(other.text, encoding="utf-8")
    path = folder / (block.name or "example.sgv")
    path.write_text(block.text, encoding="utf-8")
    return path


def _describe(report) -> list[str]:
    return [f"{d.code} {d.span}: {d.message}" for d in report.diagnostics]


def test_pages_have_examples() -> None:
    for doc in EXAMPLE_DOCS:
        kinds = {b.kind for b in doc_blocks(doc)}
        assert "sgv" in kinds, f"{doc} has no ```sgv example"
    assert any(b.kind == "sgv-error" for b in doc_blocks("language.md"))


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if b.kind == "sgv"], ids=str)
def test_sgv_block_is_valid(block: Block, tmp_path: Path) -> None:
    path = write_block(block, tmp_path)
    report = load_policy(str(path), root=str(tmp_path))
    assert report.policy is not None, _describe(report)
    assert not report.has_errors, _describe(report)
    checked = check_file(str(path), root=str(tmp_path))
    errors = [f"{r.assertion.name}: {r.code} {r.summary}" for r in checked.results
              if r.verdict is Verdict.ERROR]
    assert not errors, errors


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if b.kind == "sgv-error"], ids=str)
def test_sgv_error_block_is_refused(block: Block, tmp_path: Path) -> None:
    path = write_block(block, tmp_path)
    report = load_policy(str(path), root=str(tmp_path))  # must not raise
    assert report.policy is None
    assert any(d.is_error for d in report.diagnostics), _describe(report)


# ------------------------------------------------------------------ docs/errors.md

ROW = re.compile(r"^\|\s*`?([EW]\d{3})`?\s*\|(.*)\|\s*$", re.M)
ONE_SPAN = re.compile(r"^`([^`]+)`$")


def error_rows() -> dict[str, list[str]]:
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    rows: dict[str, list[str]] = {}
    for m in ROW.finditer(text):
        rows.setdefault(m.group(1), [c.strip() for c in m.group(2).split("|")])
    return rows


def test_every_code_is_documented() -> None:
    rows = error_rows()
    missing = sorted(set(CODES) - set(rows))
    assert not missing, f"codes missing from docs/errors.md: {missing}"
    unknown = sorted(set(rows) - set(CODES))
    assert not unknown, f"docs/errors.md documents codes that do not exist: {unknown}"


@pytest.mark.parametrize("code", sorted(CODES))
def test_documented_severity(code: str) -> None:
    cells = error_rows().get(code)
    assert cells, f"{code} has no row in docs/errors.md"
    assert cells[0].lower() == CODES[code][0].value, cells


@pytest.mark.parametrize("code", sorted(CODES))
def test_error_table_example_triggers_its_code(code: str, tmp_path: Path) -> None:
    cells = error_rows().get(code)
    assert cells, f"{code} has no row in docs/errors.md"
    example = cells[-1]
    m = ONE_SPAN.match(example)
    if code in NOT_ONE_LINE:
        assert not m, f"{code}: expected a description in words, found {example!r}"
        return
    assert m, f"{code}: the example cell must be exactly one `code span`: {example!r}"
    path = tmp_path / "spec.sgv"
    path.write_text(m.group(1) + "\n", encoding="utf-8")
    report = check_file(str(path), root=str(tmp_path))
    found = {d.code for d in report.diagnostics} | {r.code for r in report.results if r.code}
    assert code in found, (found, _describe(report))


def test_unreadable_and_oversized_files(tmp_path: Path) -> None:
    """The two loader codes whose examples are not one line of text (E004, E005)."""
    bad = tmp_path / "bad.sgv"
    bad.write_bytes(b"group g {}\xff\n")
    assert "E004" in {d.code for d in load_policy(str(bad), root=str(tmp_path)).diagnostics}
    long = tmp_path / "long.sgv"
    long.write_text("#" + "x" * 20_000 + "\n", encoding="utf-8")
    assert "E005" in {d.code for d in load_policy(str(long), root=str(tmp_path)).diagnostics}


def test_reserved_words_are_documented() -> None:
    from sgverify.lang.parse import reserved_words
    doc = (DOCS / "language.md").read_text()
    block = doc.split("## 13. Reserved words")[1].split("```")[1].split()
    assert set(block) == set(reserved_words())
