"""The gate: exit code for every --fail-on threshold and mix of outcomes, in the policy
function and through the command line; relaxing never hides what was not verified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sgverify.report import gate
from sgverify.report.findings import Finding, Outcome
from sgverify.report.gate import FailOn, exit_code
from tests.support.gate import SPECS, cli, write
from tests.support.paths import ROOT


def finding(kind: str) -> Finding:
    """A finding of one kind; 'baselined-X' is X accepted by a baseline."""
    baselined = kind.startswith("baselined-")
    kind = kind.removeprefix("baselined-")
    outcome, code, verdict = {
        "proved": (Outcome.PASSED, None, "proved"),
        "violated": (Outcome.FAILED, "E301", "violated"),
        "unknown": (Outcome.UNKNOWN, "W401", "unknown"),
        "unsupported": (Outcome.UNKNOWN, "E201", "unknown"),
        "assertion-error": (Outcome.ERROR, "E901", "error"),
        "warning": (Outcome.WARNING, "W110", None),
        "input-error": (Outcome.ERROR, "E109", None),
        "note": (Outcome.NOTE, "N1", None),
    }[kind]
    return Finding("s.sgv", outcome, code, kind, verdict=verdict,
                   baselined="accepted" if baselined else None)


# mix of findings -> exit code under --fail-on violated, unknown (default), warning
TABLE = [
    ((), (0, 0, 0)),
    (("proved",), (0, 0, 0)),
    (("note",), (0, 0, 0)),
    (("violated",), (1, 1, 1)),
    (("unknown",), (0, 3, 3)),
    (("unsupported",), (0, 3, 3)),
    (("warning",), (0, 0, 1)),
    (("input-error",), (2, 2, 2)),
    (("assertion-error",), (2, 2, 2)),
    (("proved", "violated"), (1, 1, 1)),
    (("violated", "unknown"), (1, 1, 1)),
    (("unknown", "warning"), (0, 3, 3)),
    (("violated", "warning"), (1, 1, 1)),
    (("proved", "warning"), (0, 0, 1)),
    (("input-error", "violated", "unknown", "warning"), (2, 2, 2)),
    (("assertion-error", "proved"), (2, 2, 2)),
    (("baselined-violated",), (0, 0, 0)),
    (("baselined-violated", "violated"), (1, 1, 1)),
    (("baselined-violated", "unknown"), (0, 3, 3)),
    (("baselined-unknown",), (0, 0, 0)),
    (("baselined-warning",), (0, 0, 0)),
    (("baselined-warning", "warning"), (0, 0, 1)),
    (("baselined-input-error",), (2, 2, 2)),  # errors cannot be accepted
]
THRESHOLDS = (FailOn.VIOLATED, FailOn.UNKNOWN, FailOn.WARNING)


@pytest.mark.parametrize("mix,codes", TABLE, ids=lambda v: "+".join(v) if isinstance(v, tuple)
                         and all(isinstance(x, str) for x in v) else None)
def test_exit_code_table(mix: tuple[str, ...], codes: tuple[int, int, int]) -> None:
    for fail_on, expected in zip(THRESHOLDS, codes):
        assert exit_code([finding(k) for k in mix], fail_on) == expected, fail_on


def test_exit_codes_agree_with_the_documented_table() -> None:
    import re
    table = (ROOT / "docs" / "errors.md").read_text()
    section = table.split("## Exit codes", 1)[1]
    rows = dict(re.findall(r"^\| (\d) \| ([^|]+)", section, re.M)[:4])
    assert rows[str(gate.EXIT_ERROR)].startswith("An input error")
    assert rows[str(gate.EXIT_VIOLATED)].startswith("Some assertion was violated")
    assert rows[str(gate.EXIT_UNKNOWN)].startswith("Some assertion ended unknown")
    assert rows[str(gate.EXIT_OK)].startswith("Every assertion was proved")


# Through the CLI, with real specs: (specs, expected exit code per threshold).
CLI_TABLE = [
    (("proved",), (0, 0, 0)),
    (("violated",), (1, 1, 1)),
    (("unknown",), (0, 3, 3)),
    (("warning",), (0, 0, 1)),
    (("error",), (2, 2, 2)),
    (("proved", "unknown"), (0, 3, 3)),
    (("violated", "unknown"), (1, 1, 1)),
    (("unknown", "warning"), (0, 3, 3)),
    (("violated", "warning"), (1, 1, 1)),
    (("error", "violated", "unknown"), (2, 2, 2)),
]


@pytest.mark.parametrize("mix,codes", CLI_TABLE, ids=lambda v: "+".join(v) if isinstance(v, tuple)
                         and all(isinstance(x, str) for x in v) else None)
def test_cli_exit_code_table(tmp_path: Path, mix: tuple[str, ...],
                             codes: tuple[int, int, int]) -> None:
    paths = [write(tmp_path, f"{k}.sgv", SPECS[k]) for k in mix]
    for fail_on, expected in zip(("violated", "unknown", "warning"), codes):
        code, out, err = cli("check", *paths, "--fail-on", fail_on, "--no-timing")
        assert code == expected, (fail_on, out, err)
    # the default is 'unknown' (fail closed)
    assert cli("check", *paths)[0] == codes[1]


def test_relaxed_unknown_is_still_reported_as_not_verified(tmp_path: Path) -> None:
    path = write(tmp_path, "u.sgv", SPECS["unknown"])
    junit, report = tmp_path / "j.xml", tmp_path / "r.json"
    code, out, _ = cli("check", path, "--fail-on", "violated", "--no-timing", "--color", "never",
                       "--format", "text", "--format", "junit", "--output", junit,
                       "--format", "json", "--output", report)
    assert code == 0
    assert "warning[W401]: unknown: maybe:" in out
    assert "not verified: this passes only because of --fail-on violated" in out
    assert out.splitlines()[-1] == ("summary: 0 proved, 0 violated, 1 unknown "
                                    "(not verified: 1 let through by --fail-on violated)")
    doc = json.loads(report.read_text())
    res = doc["results"]["files"][0]["results"][0]
    assert res["verdict"] == "unknown" and res["fails"] is False
    assert doc["summary"]["unknown"] == 1 and doc["summary"]["passed"] is True
    assert doc["summary"]["fail_on"] == "violated"
    xml = junit.read_text()
    assert '<skipped message="not verified (unknown); let through by --fail-on violated">' in xml
    assert "<failure" not in xml


def test_default_threshold_fails_unknown_everywhere(tmp_path: Path) -> None:
    path = write(tmp_path, "u.sgv", SPECS["unknown"])
    junit = tmp_path / "j.xml"
    code, out, _ = cli("check", path, "--format", "junit", "--output", junit, "--format", "text")
    assert code == 3
    assert 'type="unknown"' in junit.read_text() and "not verified: this passes" not in out


def test_warning_threshold_fails_on_warnings_only_then(tmp_path: Path) -> None:
    path = write(tmp_path, "w.sgv", SPECS["warning"])
    code, out, _ = cli("check", path, "--fail-on", "warning", "--no-timing")
    assert code == 1
    assert out.splitlines()[-1].endswith("1 warning (failing with --fail-on warning)")
    code, out, _ = cli("check", path, "--no-timing")
    assert code == 0 and "warning[W110]" in out and "failing with" not in out


def test_bad_fail_on_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, "p.sgv", SPECS["proved"])
    code, _, err = cli("check", path, "--fail-on", "never")
    assert code == 2 and "invalid choice: 'never'" in err
