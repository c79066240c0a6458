"""Fixtures every test may use, and what every test run needs (no result cache)."""

import os

import pytest


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch):
    """Run from the repository root (paths in expected output are relative to it)."""
    from tests.support.paths import ROOT
    monkeypatch.chdir(ROOT)
    return ROOT


# The check command reuses earlier results from .sgverify_cache in the working directory;
# tests must check afresh (tests/project/test_cache.py turns it on in temporary folders).
os.environ["SGVERIFY_NO_CACHE"] = "1"
