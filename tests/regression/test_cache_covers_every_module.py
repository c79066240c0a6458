"""The cache's code fingerprint covered only sgverify/project/ after the package moved into
folders, so a changed prover or lexer reused stale results (found while fixing issue 20.6:
a CR-only file kept its old "no assertions" report). Every module of every subpackage, and
the grammar, is part of the fingerprint.

    sgverify check spec.sgv   (twice, with sgverify changed in between)
"""

from __future__ import annotations

import os

import pytest

from sgverify.project import cache
from tests.support.paths import ROOT

MODULES = sorted(p for p in (ROOT / "sgverify").rglob("*.py") if "__pycache__" not in p.parts)


def touched_changes_the_fingerprint(path) -> bool:
    """Does a newer mtime of ``path`` change the cache fingerprint (restored after)?"""
    before = cache.fingerprint()
    st = path.stat()
    try:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        return cache.fingerprint() != before
    finally:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("path", [p for p in MODULES if p.parent.name in
                                  ("core", "prove", "z3", "lang", "report")][:12],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_touching_any_module_changes_the_fingerprint(path) -> None:
    assert touched_changes_the_fingerprint(path)


def test_the_grammar_is_part_of_the_fingerprint() -> None:
    assert touched_changes_the_fingerprint(ROOT / "grammar" / "sgverify.lark")
