"""Where things are: the repository root and the tests folder (fixtures, golden files)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
