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
