"""docs/fix.md's example session is real: the README tour's web.sgv, fixed by
``sgverify fix web.sgv``, prints exactly the block the page shows (timing aside), and the
README's shortened copy of it holds only lines of that output."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.support.gate import cli
from tests.support.paths import ROOT

FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.M | re.S)


def tour_spec() -> str:
    readme = (ROOT / "README.md").read_text()
    tour = readme[readme.index("## A short tour"):]
    return FENCE.search(tour).group(1)


def session(text: str) -> list[str]:
    for block in FENCE.findall(text):
        if block.startswith("$ sgverify fix web.sgv\n"):
            return block.splitlines()[1:]
    raise AssertionError("no 'sgverify fix web.sgv' session")


def run_fix(tmp: Path) -> list[str]:
    (tmp / "web.sgv").write_text(tour_spec())
    old = os.getcwd()
    os.chdir(tmp)
    try:
        code, out, _ = cli("fix", "web.sgv", "--no-timing", "--color", "never")
    finally:
        os.chdir(old)
    assert code == 0
    return out.splitlines()


def test_the_fix_page_session_is_the_real_output(tmp_path: Path) -> None:
    assert session((ROOT / "docs" / "fix.md").read_text()) == run_fix(tmp_path)


def test_the_readme_session_is_cut_from_the_real_output(tmp_path: Path) -> None:
    real = run_fix(tmp_path)
    shown = [line for line in session((ROOT / "README.md").read_text()) if line != "..."]
    for line in shown:
        assert any(r == line or (line.endswith("; ...") and r.startswith(line[:-4]))
                   for r in real), line
