"""explain and reach go through the same gate as check (issue 13): SARIF that validates
against the schema, JUnit that parses, and an exit code that is the gate's and the same
as with text output, on the fixtures of every mode."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

from tests.support.gate import cli, validate_sarif
from tests.support.paths import ROOT

INPUTS = "tests/fixtures/inputs"
ESTATE = [f"{INPUTS}/aliyun/{n}.json" for n in
          ("web-tier", "instances", "prefix-lists", "app-tier", "groups", "port-list")]
FLEET = "tests/fixtures/audit/fleet.sgv"
RUNS = {
    "explain-accept": ["explain", "specs/scenarios/08-website-vpc.sgv", "--target", "site",
                       "--flow", "ingress tcp 1.2.3.4:40000 -> 192.168.50.5:80"],
    "explain-impossible": ["explain", "specs/scenarios/08-website-vpc.sgv", "--target", "site",
                           "--flow", "ingress tcp 1.2.3.4:40000 -> 10.9.9.9:80"],
    "explain-flows": ["explain", f"{INPUTS}/aliyun/web-tier.json", "--flows",
                      f"{INPUTS}/flows.jsonl"],
    "explain-flows-relaxed": ["explain", f"{INPUTS}/aliyun/web-tier.json", "--flows",
                              f"{INPUTS}/flows.jsonl", "--fail-on", "violated"],
    "explain-flow-log": ["explain", *ESTATE, "--flow-log", f"{INPUTS}/flowlogs/web-1.jsonl"],
    "reach": ["reach", FLEET, "--no-timing"],
    "reach-gate": ["reach", FLEET, "--no-timing", "--fail-if-reachable"],
    "reach-allow": ["reach", FLEET, "--no-timing", "--allow-unknown"],
}


def run(args: list[str]) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        return cli(*args)
    finally:
        os.chdir(old)


@pytest.mark.parametrize("name", RUNS)
def test_sarif_and_junit_exit_as_text_does(name: str) -> None:
    text_code = run(RUNS[name])[0]
    code, out, _ = run(RUNS[name] + ["--format", "sarif"])
    log = json.loads(out)
    validate_sarif(log)
    assert code == text_code == log["runs"][0]["invocations"][0]["exitCode"]
    code, out, _ = run(RUNS[name] + ["--format", "junit"])
    assert code == text_code
    root = ET.fromstring(out)
    assert root.tag == "testsuites" and int(root.get("tests", "0")) >= 1


def test_a_disagreeing_flow_log_record_is_a_failing_sarif_result() -> None:
    code, out, _ = run(RUNS["explain-flow-log"] + ["--format", "sarif"])
    results = json.loads(out)["runs"][0]["results"]
    failing = [r for r in results if r["ruleId"] == "X101" and r["level"] == "error"]
    assert code == 1 and len(failing) == 2
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "web-1.jsonl") for r in failing)


def test_reach_pairs_are_results_and_fail_only_with_the_gate(tmp_path) -> None:
    code, out, _ = run(RUNS["reach"] + ["--format", "sarif"])
    levels = {r["level"] for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "R001"}
    assert levels == {"note"}
    code, out, _ = run(RUNS["reach-gate"] + ["--format", "sarif"])
    levels = {r["level"] for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "R001"}
    assert code == 1 and levels == {"error"}


def test_several_outputs_in_one_run(tmp_path) -> None:
    sarif, text = tmp_path / "r.sarif", tmp_path / "r.txt"
    code, out, _ = run(RUNS["explain-flow-log"] + ["--format", "sarif", "--output", str(sarif),
                                                  "--format", "text", "--output", str(text)])
    assert code == 1 and out == ""
    assert "2 disagree" in text.read_text() and json.loads(sarif.read_text())["runs"]
    code, out, _ = run(RUNS["reach"] + ["--format", "junit", "--output", str(tmp_path / "j.xml"),
                                        "--format", "json"])
    assert json.loads(out)["summary"]["checked"] > 0 and (tmp_path / "j.xml").exists()
