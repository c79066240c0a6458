import os
import sys

# Tests import helpers.py from this folder.
sys.path.insert(0, os.path.dirname(__file__))


import pytest  # noqa: E402


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch):
    """Run from the repository root (paths in expected output are relative to it)."""
    from gate_support import ROOT
    monkeypatch.chdir(ROOT)
    return ROOT


# The check command reuses earlier results from .sgverify_cache in the working directory;
# tests must check afresh (tests/test_cache.py turns it on in temporary folders).
os.environ["SGVERIFY_NO_CACHE"] = "1"
