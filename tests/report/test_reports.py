"""The report formats: SARIF against the official schema, JUnit, JSON, several reports in
one run, colour only on a terminal, --no-timing everywhere, stable fingerprints."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.gate import SPECS, Terminal, cli, validate_sarif, write
from tests.support.paths import ROOT

jsonschema = pytest.importorskip("jsonschema")

BROKEN = ROOT / "tests" / "fixtures" / "broken"
GATE = ROOT / "tests" / "fixtures" / "gate"


def sarif_of(*args: object) -> tuple[int, dict]:
    code, out, err = cli("check", *args, "--format", "sarif")
    assert err == "", err
    return code, json.loads(out)


def test_sarif_is_valid_and_maps_every_outcome(at_root: Path) -> None:
    code, doc = sarif_of(BROKEN.relative_to(ROOT), GATE.relative_to(ROOT), "nowhere.sgv")
    validate_sarif(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) and {"E301", "W401", "E109", "W110", "E004"} <= set(ids)
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
        assert re.fullmatch(r"[0-9a-f]{32}", res["partialFingerprints"]["sgverifyFinding/v1"])
    by_rule = {}
    for res in run["results"]:
        by_rule.setdefault(res["ruleId"], []).append(res)
    assert {r["level"] for r in by_rule["E301"]} == {"error"}
    assert len(by_rule["E301"]) == 9  # the nine violations of the broken specs
    assert [r["level"] for r in by_rule["W401"]] == ["warning"]
    assert [r["level"] for r in by_rule["W110"]] == ["warning"]
    assert [r["level"] for r in by_rule["E109"]] == ["error"]
    assert [r["level"] for r in by_rule["E004"]] == ["error"]
    assert run["invocations"][0] == {"executionSuccessful": True, "exitCode": code} and code == 2


def test_sarif_violation_has_counterexample_and_deciding_rule(at_root: Path) -> None:
    spec = "tests/fixtures/broken/08-same-priority-drop-wins.sgv"
    _, doc = sarif_of(spec)
    (res,) = doc["runs"][0]["results"]
    assert res["ruleId"] == "E301" and res["level"] == "error"
    text = res["message"]["text"]
    assert text.startswith("violated: https-open: site: ingress tcp 443 from internet is allowed\n")
    assert "counterexample: ingress tcp 1.0.0.1:1024 -> 192.168.50.5:443" in text
    assert "decided by: rule drop-high-ports" in text
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (12, 1)
    (rel,) = res["relatedLocations"]
    assert rel["physicalLocation"]["artifactLocation"]["uri"] == spec
    assert rel["physicalLocation"]["region"]["startLine"] == 8  # the drop-high-ports rule
    assert "decided by rule drop-high-ports of group web-public" in rel["message"]["text"]
    assert res["properties"]["flow"] == "ingress tcp 1.0.0.1:1024 -> 192.168.50.5:443"


def test_fingerprints_ignore_line_shifts_but_not_identity(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "s.sgv", SPECS["violated"])
    _, first = sarif_of("s.sgv")
    write(tmp_path, "s.sgv", "# a comment\n\n" + SPECS["violated"])
    _, moved = sarif_of("s.sgv")
    write(tmp_path, "s.sgv", SPECS["violated"].replace("ssh-closed:", "ssh-shut:"))
    _, renamed = sarif_of("s.sgv")

    def key(doc: dict) -> tuple[str, int]:
        (res,) = doc["runs"][0]["results"]
        return (res["partialFingerprints"]["sgverifyFinding/v1"],
                res["locations"][0]["physicalLocation"]["region"]["startLine"])

    assert key(first)[1] != key(moved)[1]
    assert key(first)[0] == key(moved)[0]
    assert key(first)[0] != key(renamed)[0]


def test_junit_structure(at_root: Path) -> None:
    code, out, _ = cli("check", "tests/fixtures/broken", "tests/fixtures/gate", "--format", "junit",
                       "--no-timing")
    root = ET.fromstring(out)
    suites = root.findall("testsuite")
    names = [s.get("name") for s in suites]
    assert names[0] == "tests/fixtures/broken/01-rule-in-one-group-only.sgv"
    assert len(names) == len(set(names)) == 9 + 4
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("errors")) == sum(c.find("error") is not None for c in cases)
        assert all(c.get("classname") == suite.get("name").replace(".", "_") for c in cases)
        assert "time" not in suite.attrib and all("time" not in c.attrib for c in cases)
    assert root.get("failures") == str(9 + 1)  # nine violations, one unknown
    first = suites[0].findall("testcase")
    assert [c.get("name") for c in first] == ["talk-after", "talk-after-back"]
    failure = first[0].find("failure")
    assert failure.get("type") == "violated"
    assert "counterexample: egress tcp 172.16.3.11:1024 -> 172.16.4.11:1" in failure.text
    assert first[1].find("failure") is None
    by_name = {s.get("name"): s for s in suites}
    unknown = by_name["tests/fixtures/gate/unknown.sgv"].find("testcase/failure")
    assert unknown.get("type") == "unknown"
    (load,) = by_name["tests/fixtures/gate/input-error.sgv"].findall("testcase")
    assert load.get("name") == "load" and load.find("error").get("type") == "input-error"
    assert "error[E109]" in load.find("error").text
    warn_suite = by_name["tests/fixtures/gate/warning.sgv"]
    assert "warning[W110]" in warn_suite.find("system-out").text
    remarks = by_name["tests/fixtures/gate/no-assertions.sgv"].find("system-out").text
    assert "no assertions to check" in remarks


def test_junit_fail_on_warning_fails_the_load_case(tmp_path: Path) -> None:
    path = write(tmp_path, "w.sgv", SPECS["warning"])
    code, out, _ = cli("check", path, "--format", "junit", "--fail-on", "warning")
    root = ET.fromstring(out)
    load = root.find("testsuite/testcase[@name='load']")
    assert code == 1 and load.find("failure").get("type") == "warning"


def test_json_includes_path_problems_and_gate_fields(at_root: Path) -> None:
    code, out, _ = cli("check", "missing.sgv", "tests/fixtures/gate/unknown.sgv", "--format", "json")
    doc = json.loads(out)
    assert code == 2 and doc["schema_version"] == "2.0" and doc["command"] == "check"
    missing, unknown = doc["results"]["files"]
    assert missing["path"] == "missing.sgv" and missing["diagnostics"][0]["code"] == "E004"
    res = unknown["results"][0]
    assert res["verdict"] == "unknown" and res["fails"] is True and res["baselined"] is None
    assert res["evidence"][0]["decision"]["rule"]["name"] == "from-partners"
    assert doc["summary"]["exit_code"] == 2 and doc["summary"]["passed"] is False
    assert doc["summary"]["input_errors"] == 1 and "time_ms" in doc["summary"]


def test_no_timing_removes_every_time(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"{k}.sgv", t) for k, t in (("v", SPECS["violated"]),
                                                          ("p", SPECS["proved"]))]
    outs = {fmt: tmp_path / f"out.{fmt}" for fmt in ("text", "json", "sarif", "junit")}
    args = [a for fmt, f in outs.items() for a in ("--format", fmt, "--output", f)]
    cli("check", *paths, *args)
    timed = {fmt: f.read_text() for fmt, f in outs.items()}
    assert re.search(r" \(\d+ ms\)", timed["text"]) and re.search(r" in \d+\.\d\d s$", timed["text"].strip())
    assert '"time_ms"' in timed["json"] and '"time_ms"' in timed["sarif"]
    assert ' time="' in timed["junit"]
    cli("check", *paths, *args, "--no-timing")
    untimed = {fmt: f.read_text() for fmt, f in outs.items()}
    assert not re.search(r"\d+ ms\)|\d s$", untimed["text"])
    assert "time_ms" not in untimed["json"] and "time_ms" not in untimed["sarif"]
    assert "time=" not in untimed["junit"]
    cli("check", *paths, *args, "--no-timing")
    assert {fmt: f.read_text() for fmt, f in outs.items()} == untimed  # byte-identical


def test_several_reports_in_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, "v.sgv", SPECS["violated"])
    sarif, junit = tmp_path / "a.sarif", tmp_path / "b.xml"
    code, out, err = cli("check", path, "--format", "sarif", "--output", sarif,
                         "--format", "junit", "--output", junit, "--format", "text")
    assert code == 1 and err == ""
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert ET.fromstring(junit.read_text()).tag == "testsuites"
    assert "error[E301]" in out
    # an --output given first takes the --format that follows it
    code, out, _ = cli("check", path, "--output", sarif, "--format", "json")
    assert out == "" and json.loads(sarif.read_text())["schema_version"] == "2.0"
    # a lone --output uses the default format; '-' is stdout
    code, out, _ = cli("check", path, "--output", "-", "--no-timing")
    assert out.startswith(str(path))


@pytest.mark.parametrize("args,words", [
    (("--format", "json", "--format", "sarif"), "more than one --format goes to stdout"),
    (("--format", "json", "--output", "{d}/x", "--format", "sarif", "--output", "{d}/x"),
     "named by two --output options"),
    (("--format", "json", "--output", "{d}/no/such/dir/x.json"), "does not exist"),
    (("--format", "yaml",), "invalid choice: 'yaml'"),
])
def test_output_usage_errors(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    path = write(tmp_path, "p.sgv", SPECS["proved"])
    code, out, err = cli("check", path, *[a.format(d=tmp_path) for a in args])
    assert code == 2 and words in err and out == "" and "Traceback" not in err


def test_colour_only_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    path = write(tmp_path, "v.sgv", SPECS["violated"])
    _, out, _ = cli("check", path, stdout=Terminal())
    assert "\033[31merror\033[0m[E301]" in out
    _, out, _ = cli("check", path)
    assert "\033[" not in out
    text_file = tmp_path / "r.txt"
    cli("check", path, "--output", text_file, stdout=Terminal())
    assert "\033[" not in text_file.read_text()
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = cli("check", path, stdout=Terminal())
    assert "\033[" not in out


def test_quiet_prints_only_failures(tmp_path: Path) -> None:
    paths = [write(tmp_path, "p.sgv", SPECS["proved"]), write(tmp_path, "v.sgv", SPECS["violated"])]
    _, out, _ = cli("check", *paths, "-q", "--no-timing")
    assert "proved:" not in out and "violated: ssh-closed" in out
    assert out.splitlines()[-1] == "summary: 1 proved, 1 violated, 0 unknown"


def json_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


def test_output_doc_describes_every_json_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/output.md has a row for every key the JSON report can contain."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "specs/v.sgv", SPECS["violated"] + SPECS["violated"].split("\n")[1]
          .replace("ssh-closed", "ssh-shut") + "\n")
    write(tmp_path, "specs/w.sgv", SPECS["warning"])
    write(tmp_path, "specs/r.sgv", "group g { ingress accept tcp 22 from 0.0.0.0/0 }\n"
                                   "assert g: ingress tcp 22 is reachable\n")
    cli("check", "specs", "--write-baseline", "b.json")
    write(tmp_path, "specs/v.sgv", SPECS["violated"])  # ssh-shut's entry goes stale
    _, out, _ = cli("check", "specs", str(ROOT / "tests/fixtures/broken"), "missing.sgv",
                    "--baseline", "b.json", "--format", "json")
    doc = json.loads(out)
    assert doc["results"]["notes"] and any(r["baselined"] for f in doc["results"]["files"] for r in f["results"])
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "output.md").read_text(), re.M))
    assert json_keys(doc) - documented == set()


def test_reporters_take_generic_findings() -> None:
    """Another command (lint, diff, audit) can feed the same reporters its own findings."""
    from sgverify.core.diagnostics import Span
    from sgverify.report.findings import (FileReport, Finding, Outcome, Related, RunReport,
                                          with_fingerprints)
    from sgverify.report.gate import FailOn
    from sgverify.report.json import render_json
    from sgverify.report.junit import render_junit
    from sgverify.report.sarif import render_sarif
    from sgverify.report.text import Style, render_text

    span = Span("specs/web.sgv", 3, 3, 3, 40)
    files = with_fingerprints([FileReport("specs/web.sgv", (
        Finding("specs/web.sgv", Outcome.WARNING, "L001", "rule shadowed by a stronger rule",
                span, related=(Related(Span("specs/web.sgv", 2, 3), "the stronger rule"),)),
        Finding("specs/web.sgv", Outcome.FAILED, "D001", "web-1: new flows accepted", span,
                name="drift", verdict="violated", flow="ingress tcp 1.0.0.1:1024 -> 10.0.0.1:22",
                details=("counterexample: ingress tcp 1.0.0.1:1024 -> 10.0.0.1:22",)),
    ))])
    run = RunReport("lint", files, FailOn.WARNING)
    text = render_text(run, Style(False))
    assert "specs/web.sgv:3:3: warning[L001]: rule shadowed by a stronger rule" in text
    assert "specs/web.sgv:3:3: error[D001]: violated: web-1: new flows accepted" in text
    doc = json.loads(render_json(run))
    assert doc["command"] == "lint" and doc["summary"]["exit_code"] == 1
    assert doc["results"]["files"][0]["diagnostics"][0]["code"] == "L001"
    assert doc["results"]["files"][0]["results"][0]["name"] == "drift"
    sarif = json.loads(render_sarif(run))
    validate_sarif(sarif)
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == ["D001", "L001"]
    junit = ET.fromstring(render_junit(run))
    assert junit.get("name") == "sgverify lint"
    assert junit.find("testsuite/testcase[@name='load']/failure").get("type") == "warning"
    assert junit.find("testsuite/testcase[@name='drift']/failure").get("type") == "violated"
