"""Baselines: write one, accept what it records (still reported), fail on what is new,
note stale entries; fingerprints are the SARIF partialFingerprints."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest

from sgverify.report.baseline import BaselineError, baseline_for, dump_baseline, parse_baseline
from sgverify.report.findings import FileReport, Finding, Outcome
from sgverify.report.gate import FailOn
from tests.support.gate import SPECS, cli, write

TWO_VIOLATIONS = ("group g { open: ingress accept tcp 22, 3389 from 0.0.0.0/0 }\n"
                  "ssh-closed: assert g: ingress tcp 22 from internet is denied\n"
                  "rdp-closed: assert g: ingress tcp 3389 from internet is denied\n")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "specs/legacy.sgv", TWO_VIOLATIONS)
    write(tmp_path, "specs/unknown.sgv", SPECS["unknown"])
    return tmp_path


def test_write_then_accept(repo: Path) -> None:
    assert cli("check", "specs")[0] == 1
    code, out, err = cli("check", "specs", "--write-baseline", "base.json", "--no-timing")
    assert "wrote 3 baseline entries to base.json" in err
    assert code == 0  # what was just recorded is accepted
    doc = json.loads((repo / "base.json").read_text())
    assert doc["version"] == 1
    entries = {(e["code"], e["path"], e["name"]) for e in doc["entries"]}
    assert entries == {("E301", "specs/legacy.sgv", "ssh-closed"),
                       ("E301", "specs/legacy.sgv", "rdp-closed"),
                       ("W401", "specs/unknown.sgv", "maybe")}
    assert all(re.fullmatch(r"accepted on \d{4}-\d\d-\d\d", e["reason"]) for e in doc["entries"])
    code, out, _ = cli("check", "specs", "--baseline", "base.json", "--no-timing", "--color", "never")
    assert code == 0
    assert "note[E301]: violated (baselined): ssh-closed" in out  # still reported
    assert "  counterexample: ingress tcp" in out and "  baselined: accepted on " in out
    assert out.splitlines()[-1] == "summary: 0 proved, 2 violated (2 baselined), 1 unknown (1 baselined)"


def test_new_violations_fail_and_stale_entries_are_noted(repo: Path) -> None:
    cli("check", "specs", "--write-baseline", "base.json")
    # SSH is closed now (its entry goes stale) and telnet was opened (a new violation)
    write(repo, "specs/legacy.sgv", TWO_VIOLATIONS.replace("22, 3389", "3389, 23")
          + "telnet-closed: assert g: ingress tcp 23 from internet is denied\n")
    code, out, _ = cli("check", "specs", "--baseline", "base.json", "--no-timing", "--color", "never")
    assert code == 1
    assert "error[E301]: violated: telnet-closed" in out
    assert "note[E301]: violated (baselined): rdp-closed" in out
    assert ("specs/legacy.sgv: note: baseline entry E301 'ssh-closed' matches nothing any more "
            "(fixed or renamed): remove it from base.json") in out
    code, out, _ = cli("check", "specs", "--baseline", "base.json", "--format", "json")
    doc = json.loads(out)
    assert doc["results"]["baseline"] == "base.json"
    assert [n["file"] for n in doc["results"]["notes"]] == ["specs/legacy.sgv"]
    # a run over other files says nothing about entries of files it did not check
    code, out, _ = cli("check", "specs/unknown.sgv", "--baseline", "base.json")
    assert code == 0 and "matches nothing" not in out


def test_fingerprints_equal_sarif_partial_fingerprints(repo: Path) -> None:
    cli("check", "specs", "--write-baseline", "base.json")
    recorded = {e["fingerprint"] for e in json.loads((repo / "base.json").read_text())["entries"]}
    _, out, _ = cli("check", "specs", "--baseline", "base.json", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert {r["partialFingerprints"]["sgverifyFinding/v1"] for r in results} == recorded
    for r in results:
        (sup,) = r["suppressions"]
        assert sup["kind"] == "external" and sup["status"] == "accepted"
        assert sup["justification"].startswith("accepted on ")
    _, out, _ = cli("check", "specs", "--baseline", "base.json", "--format", "junit")
    assert out.count('<skipped message="baselined: accepted on ') == 3 and "<failure" not in out


def test_rewriting_keeps_edited_reasons(repo: Path) -> None:
    cli("check", "specs", "--write-baseline", "base.json")
    doc = json.loads((repo / "base.json").read_text())
    for e in doc["entries"]:
        e["reason"] = f"legacy {e['name']}, ticket SEC-1"
    (repo / "base.json").write_text(json.dumps(doc))
    write(repo, "specs/new.sgv", SPECS["violated"].replace("ssh-closed", "new-one"))
    assert cli("check", "specs", "--baseline", "base.json")[0] == 1
    cli("check", "specs", "--baseline", "base.json", "--write-baseline", "base.json")
    reasons = {e["name"]: e["reason"] for e in json.loads((repo / "base.json").read_text())["entries"]}
    assert reasons["ssh-closed"] == "legacy ssh-closed, ticket SEC-1"
    assert reasons["new-one"].startswith("accepted on ")
    assert cli("check", "specs", "--baseline", "base.json")[0] == 0


def test_input_errors_are_never_baselined(repo: Path) -> None:
    write(repo, "specs/broken.sgv", SPECS["error"])
    code, _, err = cli("check", "specs", "--write-baseline", "base.json")
    assert code == 2 and "not writing base.json" in err and not (repo / "base.json").exists()


def test_baseline_for_records_only_what_fails() -> None:
    def f(outcome: Outcome, code: str, name: str, fp: str) -> Finding:
        return Finding("s.sgv", outcome, code, name, name=name, fingerprint=fp)
    files = [FileReport("s.sgv", (f(Outcome.FAILED, "E301", "a", "1"), f(Outcome.UNKNOWN, "W401", "b", "2"),
                                  f(Outcome.WARNING, "W110", "c", "3"), f(Outcome.ERROR, "E109", "d", "4")))]
    day = datetime.date(2024, 5, 1)
    assert [e.fingerprint for e in baseline_for(files, FailOn.VIOLATED, today=day).entries] == ["1"]
    assert [e.fingerprint for e in baseline_for(files, FailOn.UNKNOWN, today=day).entries] == ["1", "2"]
    base = baseline_for(files, FailOn.WARNING, today=day)
    assert [e.fingerprint for e in base.entries] == ["1", "2", "3"]
    assert {e.reason for e in base.entries} == {"accepted on 2024-05-01"}
    assert parse_baseline(dump_baseline(base), "b.json") == base


@pytest.mark.parametrize("text,words", [
    ("[1, 2]", "not a sgverify baseline"),
    ('{"version": 2, "entries": []}', "not a sgverify baseline"),
    ('{"version": 1, "entries": [{"fingerprint": "x"}]}', 'entry 1 needs a non-empty "reason"'),
    ('{"version": 1, "entries": [{"fingerprint": "x", "reason": " "}]}',
     'entry 1 needs a non-empty "reason"'),
    ("{nope", "not valid JSON"),
])
def test_bad_baseline_files(repo: Path, text: str, words: str) -> None:
    with pytest.raises(BaselineError, match=re.escape(words)):
        parse_baseline(text, "b.json")
    (repo / "b.json").write_text(text)
    code, out, err = cli("check", "specs", "--baseline", "b.json")
    assert code == 2 and f"b.json: {words}" in err and out == ""


def test_missing_baseline_file(repo: Path) -> None:
    code, _, err = cli("check", "specs", "--baseline", "nope.json")
    assert code == 2 and "nope.json: no such baseline file (create one with --write-baseline)" in err


def test_baseline_from_configuration(repo: Path) -> None:
    cli("check", "specs", "--write-baseline", "base.json")
    write(repo, "sgverify.toml", 'paths = ["specs"]\nbaseline = "base.json"\n')
    assert cli("check")[0] == 0
