"""SARIF and JUnit reports of ``lint`` and ``diff``: valid SARIF with one rule per code, results
at the rules with related places, fingerprints that survive moved lines, JUnit test cases
per interface, lint baselines, and an exit code that never depends on the format."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.gate import cli, validate_sarif, write
from tests.support.paths import ROOT

jsonschema = pytest.importorskip("jsonschema")

LINT = "tests/fixtures/lint/web.sgv"
OLD, NEW = "tests/fixtures/diff/old.sgv", "tests/fixtures/diff/new.sgv"
EXPECT = "ingress tcp 8443 from 198.51.100.0/24 peer-groups none"
FORMATS = ("text", "json", "sarif", "junit")
FP = "sgverifyFinding/v1"

ONE_NOTE = "group g { out: egress accept all to 0.0.0.0/0 }\n"  # L102 only
SLOW = "group g { ingress accept tcp 22 from 10.0.0.0/8 }\n"   # not completed with --budget 2


def sarif(*args: object) -> tuple[int, dict]:
    code, out, err = cli(*args, "--format", "sarif", "--no-timing")
    doc = json.loads(out)
    validate_sarif(doc)
    return code, doc


def junit(*args: object) -> tuple[int, ET.Element]:
    code, out, _ = cli(*args, "--format", "junit", "--no-timing")
    return code, ET.fromstring(out)


def results(doc: dict) -> list[dict]:
    return doc["runs"][0]["results"]


def region(loc: dict) -> tuple[str, int]:
    phys = loc["physicalLocation"]
    return phys["artifactLocation"]["uri"], phys["region"]["startLine"]


# ---------------------------------------------------------------- lint: SARIF


def test_lint_sarif_has_one_result_per_finding_at_its_rule(at_root: Path) -> None:
    code, doc = sarif("lint", LINT)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["L101", "L102", "L103", "L201"]
    assert {r["id"]: r["name"] for r in rules}["L101"] == "DeadRule"
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in rules} == {
        "L101": "warning", "L102": "note", "L103": "warning", "L201": "error"}
    lint_json = json.loads(cli("lint", LINT, "--format", "json")[1])
    found = lint_json["results"]["files"][0]["findings"]
    assert len(results(doc)) == len(found) == 9
    for res, f in zip(results(doc), found):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == f["code"]
        assert res["level"] == f["severity"]  # lint's severity, whatever --fail-on says
        assert region(res["locations"][0]) == (LINT, f["location"]["line"])
        assert res["properties"]["fails"] == f["fails"]
        assert res["properties"]["interface"] == f["scope"]
        assert re.fullmatch(r"[0-9a-f]{32}", res["partialFingerprints"][FP])
    office = next(r for r in results(doc) if r["properties"].get("rule") == "office")
    assert office["ruleId"] == "L101" and region(office["locations"][0]) == (LINT, 5)
    # the covering rules are the related places; the example flow is in the message
    assert [region(r) for r in office["relatedLocations"]] == [(LINT, 3), (LINT, 4)]
    assert office["relatedLocations"][0]["message"]["text"].startswith("covers it: rule half-1")
    assert "for example ingress tcp 10.0.0.1:1024 -> 10.0.0.2:22" in office["message"]["text"]
    assert office["properties"]["witness"] == "ingress tcp 10.0.0.1:1024 -> 10.0.0.2:22"
    assert run["properties"]["failOn"] == "error"
    assert run["properties"]["summary"]["failing"] == 2
    assert run["invocations"][0]["exitCode"] == code == 1
    assert len({r["partialFingerprints"][FP] for r in results(doc)}) == 9


def test_lint_sarif_keeps_the_severity_when_fail_on_lowers_the_bar(at_root: Path) -> None:
    _, doc = sarif("lint", LINT, "--fail-on", "note")
    assert {r["level"] for r in results(doc) if r["ruleId"] == "L102"} == {"note"}
    assert all(r["properties"]["fails"] for r in results(doc))


def test_lint_not_completed_is_reported_and_fails_closed(tmp_path: Path) -> None:
    path = write(tmp_path, "slow.sgv", SLOW)
    code, doc = sarif("lint", path, "--budget", "2")
    (res,) = results(doc)
    assert code == 3 and res["ruleId"] == "L001" and res["level"] == "error"
    assert res["message"]["text"].startswith("not completed: group g: ")
    code, root = junit("lint", path, "--budget", "2")
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert code == 3 and failed == ["group g: L101 dead rules", "group g: L102 redundant rules",
                                    "group g: L103 ties at one priority",
                                    "group g: L201 open to the internet"]
    assert root.find("testsuite/testcase/failure").get("type") == "L001"


# ---------------------------------------------------------------- diff: SARIF


def test_diff_sarif_results_sit_at_the_deciding_rule(at_root: Path) -> None:
    code, doc = sarif("diff", OLD, NEW, "--fail-on", "new-access")
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["D001"]
    assert code == 1 and len(results(doc)) == 2
    for res in results(doc):
        assert res["ruleId"] == "D001" and res["level"] == "error" and res["properties"]["fails"]
        assert region(res["locations"][0]) == (NEW, 6)  # allow-admin, the rule of NEW
        # OLD decided by its default: the related place is OLD's interface
        (rel,) = res["relatedLocations"]
        assert rel["physicalLocation"]["artifactLocation"]["uri"] == OLD
        assert rel["message"]["text"] == "OLD: drop by the default drop (no rule matches)"
        assert f"witness: {res['properties']['witness']}" in res["message"]["text"]
    assert run["properties"]["failOn"] == "new-access"
    # without a gate the same boxes are notes that do not fail
    code, doc = sarif("diff", OLD, NEW)
    assert code == 0 and {(r["level"], r["properties"]["fails"]) for r in results(doc)} == {("note", False)}


def test_diff_sarif_codes_for_collateral_and_expected(at_root: Path) -> None:
    code, doc = sarif("diff", OLD, NEW, "--expect", EXPECT)
    by_code: dict[str, list[dict]] = {}
    for res in results(doc):
        by_code.setdefault(res["ruleId"], []).append(res)
    assert code == 1 and sorted(by_code) == ["D001", "D003", "D006"]
    assert [r["level"] for r in by_code["D003"]] == ["error", "error"]
    assert all(r["properties"]["collateral"] for r in by_code["D003"])
    assert [r["level"] for r in by_code["D001"]] == ["note", "note"]
    assert by_code["D006"][0]["message"]["text"].startswith("group db: 1 part(s) of the expected set")


def test_diff_newly_denied_sits_at_the_old_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "old.sgv", "group g {\n  ssh: ingress accept tcp 22 from 10.0.0.0/8\n"
                               "  web: ingress accept tcp 443 from 0.0.0.0/0\n}\n")
    write(tmp_path, "new.sgv", "group g {\n  web: ingress accept tcp 443 from 0.0.0.0/0\n}\n"
                               "instance i { ip 10.1.0.1; groups g }\n")
    code, doc = sarif("diff", "old.sgv", "new.sgv", "--fail-on", "any-change")
    denied, presence = results(doc)
    assert code == 1 and denied["ruleId"] == "D002" and denied["level"] == "error"
    assert region(denied["locations"][0]) == ("old.sgv", 2)  # only OLD has a deciding rule
    assert [region(r) for r in denied["relatedLocations"]] == [("new.sgv", 1)]
    assert denied["relatedLocations"][0]["message"]["text"].startswith("NEW: drop by the default drop")
    assert presence["ruleId"] == "D005" and region(presence["locations"][0]) == ("new.sgv", 4)
    assert presence["message"]["text"] == "instance i is only in NEW (everything it accepts is new)"
    # D005 fails new-access too (a new instance is new access), D002 does not
    code, doc = sarif("diff", "old.sgv", "new.sgv", "--fail-on", "new-access")
    assert code == 1 and [r["properties"]["fails"] for r in results(doc)] == [False, True]
    code, root = junit("diff", "old.sgv", "new.sgv", "--fail-on", "new-access")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert sorted(cases) == ["group g", "instance i (only in NEW)"]
    assert cases["group g"].find("failure") is None and cases["group g"].find("system-out") is not None
    assert cases["instance i (only in NEW)"].find("failure").get("type") == "D005"


def test_diff_not_completed(tmp_path: Path) -> None:
    old = write(tmp_path, "old.sgv", SLOW)
    new = write(tmp_path, "new.sgv", SLOW.replace("/8", "/7"))
    code, doc = sarif("diff", old, new, "--budget", "3")
    assert code == 3 and [r["ruleId"] for r in results(doc)] == ["D004"]
    code, root = junit("diff", old, new, "--budget", "3")
    assert code == 3 and root.find("testsuite/testcase/failure").get("type") == "D004"


# ---------------------------------------------------------------- fingerprints


def fingerprints(doc: dict) -> list[tuple[str, str]]:
    return sorted((r["ruleId"], r["partialFingerprints"][FP]) for r in results(doc))


def test_lint_fingerprints_survive_moved_lines_not_renamed_rules(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (ROOT / LINT).read_text()
    write(tmp_path, "web.sgv", text)
    first = fingerprints(sarif("lint", "web.sgv")[1])
    write(tmp_path, "web.sgv", "# moved\n\n\n" + text)
    _, moved = sarif("lint", "web.sgv")
    assert fingerprints(moved) == first
    assert region(results(moved)[0]["locations"][0])[1] == 6  # the lines did move
    write(tmp_path, "web.sgv", text.replace("office:", "office-ssh:"))
    renamed = fingerprints(sarif("lint", "web.sgv")[1])
    assert len(set(renamed) - set(first)) == 1  # only the finding about the renamed rule


def test_diff_fingerprints_survive_moved_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    old, new = (ROOT / OLD).read_text(), (ROOT / NEW).read_text()
    write(tmp_path, "old.sgv", old)
    write(tmp_path, "new.sgv", new)
    first = fingerprints(sarif("diff", "old.sgv", "new.sgv")[1])
    write(tmp_path, "new.sgv", "# moved\n" + new)
    assert fingerprints(sarif("diff", "old.sgv", "new.sgv")[1]) == first
    write(tmp_path, "new.sgv", new.replace("198.51.0.0/16", "198.51.0.0/17"))
    assert set(fingerprints(sarif("diff", "old.sgv", "new.sgv")[1])).isdisjoint(first)


# ---------------------------------------------------------------- JUnit


def test_lint_junit_one_case_per_interface_and_kind(at_root: Path) -> None:
    code, root = junit("lint", LINT)
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert code == 1 and suite.get("name") == LINT and len(cases) == 5 * 5 == int(suite.get("tests"))
    assert cases[0].get("name") == "group web: L101 dead rules"
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert sorted(failed) == ["group guarded: L101 dead rules", "group web: L201 open to the internet"]
    assert failed["group web: L201 open to the internet"].get("type") == "L201"
    assert "for example ingress tcp 1.0.0.1:1024 -> 10.0.0.1:3389" in failed[
        "group web: L201 open to the internet"].text
    # findings below --fail-on are reported in the case's output, the case passes
    dead_web = next(c for c in cases if c.get("name") == "group web: L101 dead rules")
    assert "warning[L101]: rule office never decides any flow" in dead_web.find("system-out").text
    assert root.get("failures") == "2" and "time" not in root.attrib
    assert junit("lint", LINT, "--fail-on", "none")[1].get("failures") == "0"
    assert junit("lint", LINT, "--fail-on", "warning")[1].get("failures") == "5"


def test_diff_junit_one_case_per_interface(at_root: Path) -> None:
    code, root = junit("diff", OLD, NEW)
    cases = root.findall("testsuite/testcase")
    assert code == 0 and [c.get("name") for c in cases] == ["group web", "group db", "instance web-1"]
    assert root.get("failures") == "0"
    # the strict schema has no file or line on a test case: the suite names the file
    assert "file" not in cases[0].attrib and root.find("testsuite").get("file") == NEW
    code, root = junit("diff", OLD, NEW, "--fail-on", "any-change")
    assert code == 1 and root.get("failures") == "2"


# ---------------------------------------------------------------- the gate across formats


LINT_TABLE = [  # (spec, extra arguments, exit code)
    (ONE_NOTE, ("--fail-on", "error"), 0),
    (ONE_NOTE, ("--fail-on", "warning"), 0),
    (ONE_NOTE, ("--fail-on", "note"), 1),
    (ONE_NOTE, ("--fail-on", "none"), 0),
    (SLOW, ("--budget", "2"), 3),
    (SLOW, ("--budget", "2", "--fail-on", "none"), 3),
    ("group g { ingress accept }\n", (), 2),
]


@pytest.mark.parametrize("spec,args,expected", LINT_TABLE)
def test_lint_exit_code_does_not_depend_on_the_format(tmp_path: Path, spec: str,
                                                      args: tuple[str, ...], expected: int) -> None:
    path = write(tmp_path, "p.sgv", spec)
    for fmt in FORMATS:
        code, out, _ = cli("lint", path, *args, "--format", fmt, "--no-timing")
        assert code == expected, fmt
        if fmt == "sarif":
            assert json.loads(out)["runs"][0]["invocations"][0]["exitCode"] == expected
        if fmt == "junit":
            root = ET.fromstring(out)
            assert (root.get("failures") != "0") == (expected in (1, 3))
            assert (root.get("errors") != "0") == (expected == 2)


DIFF_TABLE = [  # (OLD, NEW, extra arguments, exit code)
    (OLD, NEW, (), 0),
    (OLD, NEW, ("--fail-on", "new-access"), 1),
    (OLD, NEW, ("--fail-on", "any-change"), 1),
    (OLD, NEW, ("--target", "db", "--fail-on", "any-change"), 0),
    (OLD, NEW, ("--expect", EXPECT), 1),
    (OLD, NEW, ("--expect", EXPECT, "--fail-on", "none"), 0),
    (NEW, OLD, ("--fail-on", "new-access"), 0),  # only a denial
    (NEW, OLD, ("--fail-on", "any-change"), 1),
    (OLD, "missing.sgv", (), 2),
    (OLD, NEW, ("--expect", "ingress tcp 99999"), 2),
]


@pytest.mark.parametrize("old,new,args,expected", DIFF_TABLE)
def test_diff_exit_code_does_not_depend_on_the_format(at_root: Path, old: str, new: str,
                                                      args: tuple[str, ...], expected: int) -> None:
    for fmt in FORMATS:
        code, out, _ = cli("diff", old, new, *args, "--format", fmt, "--no-timing")
        assert code == expected, fmt
        if fmt == "sarif":
            doc = json.loads(out)
            validate_sarif(doc)
            assert doc["runs"][0]["invocations"][0]["exitCode"] == expected
        if fmt == "junit":
            root = ET.fromstring(out)
            assert (root.get("failures") != "0") == (expected == 1)
            assert (root.get("errors") != "0") == (expected == 2)
        if fmt == "text" and expected == 2:
            assert out == ""  # as before: the diagnostics go to stderr only


# ---------------------------------------------------------------- outputs


def test_several_reports_in_one_run_and_timing(tmp_path: Path, at_root: Path) -> None:
    files = {fmt: tmp_path / f"r.{fmt}" for fmt in ("sarif", "junit", "json")}
    args = [a for fmt, f in files.items() for a in ("--format", fmt, "--output", f)]
    code, out, err = cli("lint", LINT, *args, "--format", "text")
    assert code == 1 and err == "" and out.startswith(f"{LINT}:3:3: note[L102]")
    assert "time_ms" in files["sarif"].read_text() and ' time="' in files["junit"].read_text()
    assert json.loads(files["json"].read_text())["summary"]["fails"] is True
    cli("lint", LINT, *args, "--no-timing")
    assert "time_ms" not in files["sarif"].read_text() and "time=" not in files["junit"].read_text()
    code, out, err = cli("diff", OLD, NEW, "--format", "junit", "--output", files["junit"],
                         "--format", "sarif", "--output", files["sarif"], "--no-timing")
    assert (code, out, err) == (0, "", "")
    assert ET.fromstring(files["junit"].read_text()).get("name") == "sgverify diff"
    # an --output given first takes the --format after it; a lone --output is text
    code, out, _ = cli("diff", OLD, NEW, "--output", files["sarif"], "--format", "json")
    assert out == "" and json.loads(files["sarif"].read_text())["command"] == "diff"
    code, out, _ = cli("lint", LINT, "--output", files["sarif"])
    assert out == "" and files["sarif"].read_text().startswith(f"{LINT}:3:3: note[L102]")


def test_each_lint_report_is_the_same_alone_and_beside_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Text and JSON alone are made from gate findings without the explanation that only
    SARIF and JUnit print (``from_lint.lint_finding``'s ``explained``): every report must
    be the same whichever others the run writes, with a baseline and a suppression."""
    monkeypatch.chdir(tmp_path)
    text = (ROOT / LINT).read_text().replace(
        "  office:", "  # sgverify: ignore[L101] kept for the audit\n  office:")
    write(tmp_path, "web.sgv", text)
    assert cli("lint", "web.sgv", "--fail-on", "note", "--write-baseline", "b.json")[0] == 0
    write(tmp_path, "web.sgv", text.replace("  https:", "  extra: ingress accept tcp 22 from "
                                            "10.0.0.0/26 priority 3\n  https:"))
    alone = {}
    for fmt in FORMATS:
        code, out, _ = cli("lint", "web.sgv", "--baseline", "b.json", "--no-timing",
                           "--format", fmt, "--output", f"alone.{fmt}")
        alone[fmt] = (code, (tmp_path / f"alone.{fmt}").read_text())
    assert "(suppressed)" in alone["text"][1] and "(baselined)" in alone["text"][1]
    assert "decides everything it matches first" in alone["text"][1]
    for pair in (("text", "sarif"), ("json", "junit"), FORMATS):
        args = [a for fmt in pair for a in ("--format", fmt, "--output", f"both.{fmt}")]
        code, _, _ = cli("lint", "web.sgv", "--baseline", "b.json", "--no-timing", *args)
        for fmt in pair:
            assert (code, (tmp_path / f"both.{fmt}").read_text()) == alone[fmt], (pair, fmt)


@pytest.mark.parametrize("command", [("lint", LINT), ("diff", OLD, NEW)])
def test_output_usage_errors(at_root: Path, tmp_path: Path, command: tuple[str, ...]) -> None:
    code, out, err = cli(*command, "--format", "json", "--format", "sarif")
    assert code == 2 and out == "" and "more than one --format goes to stdout" in err
    code, _, err = cli(*command, "--format", "sarif", "--output", tmp_path / "no" / "x.sarif")
    assert code == 2 and "does not exist" in err


def test_an_unusable_input_still_gives_sarif_and_junit(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.sgv", "group g { ingress accept }\n")
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in ("sarif", "junit", "json")}
    args = [a for fmt, f in out.items() for a in ("--format", fmt, "--output", f)]
    code, _, err = cli("lint", bad, *args)
    assert code == 2 and "error[E001]" in err
    doc = json.loads(out["sarif"].read_text())
    validate_sarif(doc)
    assert [r["ruleId"] for r in results(doc)] == ["E001"]
    load = ET.fromstring(out["junit"].read_text()).find("testsuite/testcase")
    assert load.get("name") == "load" and load.find("error").get("type") == "E001"
    # JSON too: the envelope with each unusable input's diagnostics, and no results
    stopped = json.loads(out["json"].read_text())
    assert stopped["command"] == "lint" and stopped["summary"]["exit_code"] == 2
    (problem,) = stopped["results"]["input_errors"]
    assert problem["path"] == str(bad) and [d["code"] for d in problem["diagnostics"]] == ["E001"]
    assert stopped["summary"]["input_errors"] == 1 and stopped["summary"]["passed"] is False
    code, _, _ = cli("diff", bad, bad, "--format", "sarif", "--output", out["sarif"],
                     "--format", "json", "--output", out["json"])
    assert code == 2 and [r["ruleId"] for r in results(json.loads(out["sarif"].read_text()))] == [
        "E001", "E001"]
    stopped = json.loads(out["json"].read_text())
    assert stopped["command"] == "diff" and stopped["inputs"] == [str(bad), str(bad)]
    assert [len(p["diagnostics"]) for p in stopped["results"]["input_errors"]] == [1, 1]


# ---------------------------------------------------------------- lint baselines


def test_lint_baseline_accepts_known_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (ROOT / LINT).read_text()
    write(tmp_path, "web.sgv", text)
    code, _, err = cli("lint", "web.sgv", "--fail-on", "warning", "--write-baseline", "b.json")
    entries = json.loads((tmp_path / "b.json").read_text())["entries"]
    assert code == 0 and "wrote 5 baseline entries" in err
    assert {e["code"] for e in entries} == {"L101", "L103", "L201"}
    assert "group web: rule office of group web" in {e["name"] for e in entries}
    # accepted: exit 0 in every format, and every format says so
    code, out, _ = cli("lint", "web.sgv", "--fail-on", "warning", "--baseline", "b.json")
    assert code == 0 and "warning[L101] (baselined): rule office" in out
    assert out.splitlines()[-1].endswith(
        "0 at or above --fail-on warning and not baselined; 5 baselined")
    _, doc = sarif("lint", "web.sgv", "--fail-on", "warning", "--baseline", "b.json")
    assert sum("suppressions" in r for r in results(doc)) == 5
    _, root = junit("lint", "web.sgv", "--fail-on", "warning", "--baseline", "b.json")
    assert (root.get("failures"), root.find("testsuite").get("skipped")) == ("0", "5")
    doc = json.loads(cli("lint", "web.sgv", "--fail-on", "warning", "--baseline", "b.json",
                         "--format", "json")[1])
    office = next(f for f in doc["results"]["files"][0]["findings"] if f["rule"] and f["rule"]["name"] == "office")
    assert doc["summary"]["fails"] is False and doc["results"]["baseline"] == "b.json"
    assert office["fails"] is False and office["baselined"]["reason"].startswith("accepted on ")
    # a new finding still fails; a fixed one leaves a stale entry
    write(tmp_path, "web.sgv", text.replace("  https:", "  extra: ingress accept tcp 22 from "
                                            "10.0.0.0/26 priority 3\n  https:")
          .replace("  office:", "  # office:"))
    code, out, _ = cli("lint", "web.sgv", "--fail-on", "warning", "--baseline", "b.json")
    assert code == 1 and "web.sgv:6:3: warning[L101]: rule extra never decides any flow" in out
    assert "web.sgv: note: baseline entry L101 'group web: rule office of group web' matches " \
           "nothing any more" in out


def test_diff_has_no_baseline(at_root: Path) -> None:
    code, _, err = cli("diff", OLD, NEW, "--baseline", "b.json")
    assert code == 2 and "unrecognized arguments: --baseline" in err
