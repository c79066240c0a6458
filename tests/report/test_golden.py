"""Golden reports: every format (text, JSON, SARIF, JUnit) on the scenario specs, on the
broken variants and on the gate fixtures, and of ``lint`` and ``diff`` on their fixtures,
compared byte for byte with tests/golden/.

The reports are made with ``--no-timing --color never`` from the repository root, so paths
are relative; the tool version is replaced by ``<version>`` so that a release does not
change them. Two runs must give identical bytes.

After an intended change, regenerate and review the diff:

    SGVERIFY_UPDATE_GOLDEN=1 python -m pytest tests/report/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.gate import cli
from tests.support.golden import UPDATE, normalise
from tests.support.paths import ROOT, TESTS

GOLDEN = TESTS / "golden"
SETS = {"scenarios": "specs", "broken": "tests/fixtures/broken", "gate": "tests/fixtures/gate"}
EXIT = {"scenarios": 0, "broken": 1, "gate": 2}
FORMATS = {"text": "txt", "json": "json", "sarif": "sarif", "junit": "xml"}


def render_set(name: str, out_dir: Path) -> dict[str, str]:
    """All four reports of one set, from a single run."""
    args = [a for fmt, ext in FORMATS.items()
            for a in ("--format", fmt, "--output", str(out_dir / f"{name}.{ext}"))]
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        code, out, err = cli("check", SETS[name], *args, "--no-timing", "--color", "never")
    finally:
        os.chdir(old)
    assert (code, out, err) == (EXIT[name], "", "")
    return {fmt: normalise((out_dir / f"{name}.{ext}").read_text(encoding="utf-8"))
            for fmt, ext in FORMATS.items()}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return {name: render_set(name, tmp_path_factory.mktemp(name)) for name in SETS}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", SETS)
def test_golden(reports: dict[str, dict[str, str]], name: str, fmt: str) -> None:
    path = GOLDEN / f"{name}.{FORMATS[fmt]}"
    actual = reports[name][fmt]
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"missing {path}; run with SGVERIFY_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (f"{path.name} differs; if the change is intended, regenerate "
                                "with SGVERIFY_UPDATE_GOLDEN=1 and review the diff")


def test_reports_are_byte_identical_across_runs(reports: dict[str, dict[str, str]],
                                                tmp_path: Path) -> None:
    assert render_set("broken", tmp_path) == reports["broken"]


# lint and diff: every format of one run each (SARIF and JUnit are theirs through
# report.from_lint / report.from_diff; text and JSON are their own, kept as they were).
EXPECT = "ingress tcp 8443 from 198.51.100.0/24 peer-groups none"
RUNS = {
    "lint": (("lint", "tests/fixtures/lint/web.sgv"), 1),
    "diff": (("diff", "tests/fixtures/diff/old.sgv", "tests/fixtures/diff/new.sgv",
              "--fail-on", "new-access"), 1),
    "diff-expect": (("diff", "tests/fixtures/diff/old.sgv", "tests/fixtures/diff/new.sgv",
                     "--expect", EXPECT), 1),
}


def render_run(name: str, out_dir: Path) -> dict[str, str]:
    command, expected = RUNS[name]
    args = [a for fmt, ext in FORMATS.items()
            for a in ("--format", fmt, "--output", str(out_dir / f"{name}.{ext}"))]
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        code, out, err = cli(*command, *args, "--no-timing", "--color", "never")
    finally:
        os.chdir(old)
    assert (code, out, err) == (expected, "", "")
    return {fmt: normalise((out_dir / f"{name}.{ext}").read_text(encoding="utf-8"))
            for fmt, ext in FORMATS.items()}


@pytest.fixture(scope="module")
def command_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return {name: render_run(name, tmp_path_factory.mktemp(name)) for name in RUNS}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", RUNS)
def test_golden_lint_and_diff(command_reports: dict[str, dict[str, str]], name: str,
                              fmt: str) -> None:
    test_golden(command_reports, name, fmt)


def test_lint_and_diff_reports_are_byte_identical_across_runs(
        command_reports: dict[str, dict[str, str]], tmp_path: Path) -> None:
    assert render_run("lint", tmp_path) == command_reports["lint"]
    assert render_run("diff-expect", tmp_path) == command_reports["diff-expect"]
