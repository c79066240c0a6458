"""Every command's JSON is one envelope (schema_version, tool, command, inputs, results,
summary) that the JSON Schemas shipped in sgverify/schemas accept (issue 19): the JSON runs
of the golden table, error runs (a parse error, an unusable input, a missing file) and
runs with baselines, suppressions, unknowns and conflicts; and the schemas refuse a wrong
shape."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

from sgverify.report.schemas import load_schema, main, schema_dir, schema_path
from tests.report.test_golden_commands import RUNS, run_one
from tests.support.fuzzing import generated, mutated
from tests.support.gate import cli
from tests.support.json_reports import entries, report, validate
from tests.support.paths import ROOT

JSON_RUNS = [name for name, argv in RUNS.items()
             if "json" in argv and argv[argv.index("json") - 1] == "--format"]
COMMANDS = ("check", "lint", "diff", "audit", "reach", "explain", "fix", "pull")
TOP = ["schema_version", "tool", "command", "inputs", "results", "summary"]


def test_the_golden_table_has_a_json_run_of_every_reporting_command() -> None:
    assert {RUNS[n][0] for n in JSON_RUNS} == set(COMMANDS) - {"pull"}  # pull: tests/cloud/live


@pytest.mark.parametrize("name", JSON_RUNS)
def test_every_json_run_of_the_golden_table_validates(name: str) -> None:
    code, out, _ = run_one(name)
    doc = report(out)
    assert list(doc) == TOP
    assert doc["command"] == RUNS[name][0] and doc["summary"]["exit_code"] == code
    assert doc["summary"]["passed"] is (code == 0)
    assert "time_ms" not in json.dumps(doc)  # the golden runs are --no-timing or untimed


def test_the_same_top_level_keys_for_every_command() -> None:
    """One envelope: the keys, their order and tool are the same whatever the command."""
    docs = [json.loads(run_one(name)[1]) for name in JSON_RUNS]
    assert {tuple(d) for d in docs} == {tuple(TOP)}
    assert {json.dumps(d["tool"]) for d in docs} == {json.dumps(docs[0]["tool"])}
    assert {d["schema_version"] for d in docs} == {"2.0"}


def spec(tmp_path: Path, text: str, name: str = "web.sgv") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


WEB = """group web {
  allow-ssh: ingress accept tcp 22 from 0.0.0.0/0
  office: ingress accept tcp 443 from 10.0.0.0/24
  wide: ingress accept tcp 443 from 10.0.0.0/8
}
instance web-1 { ip 10.0.1.5; groups web }
ssh-closed: assert web-1: ingress tcp 22 from internet is denied
https: assert web-1: ingress tcp 443 from 10.0.0.9 is allowed
"""


def test_error_runs_validate(tmp_path: Path) -> None:
    """A parse error, a missing file, an unusable input of lint and diff: still one
    envelope, exit 2, the diagnostics inside."""
    bad = spec(tmp_path, "group g { ingress accept }\n", "bad.sgv")
    code, out, _ = cli("check", bad, str(tmp_path / "missing.sgv"), "--format", "json")
    doc = report(out)
    assert code == 2 and doc["summary"]["input_errors"] == 2
    assert doc["inputs"] == [bad, str(tmp_path / "missing.sgv")]
    codes = {d["code"] for f in doc["results"]["files"] for d in f["diagnostics"]}
    assert codes == {"E001", "E004"}
    for argv in (["lint", bad], ["diff", bad, bad], ["lint", str(tmp_path / "missing.sgv")]):
        code, out, _ = cli(*argv, "--format", "json")
        doc = report(out)
        assert code == 2 and doc["command"] == argv[0] and doc["summary"]["exit_code"] == 2
        assert doc["results"]["input_errors"][0]["diagnostics"]


def test_runs_with_baselines_suppressions_unknowns_and_timing_validate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    web = spec(tmp_path, WEB)
    assert cli("check", "web.sgv", "--write-baseline", "b.json")[0] == 0
    doc = report(cli("check", "web.sgv", "--baseline", "b.json", "--format", "json")[1])
    assert doc["summary"]["baselined"] == 1 and doc["results"]["baseline"] == "b.json"
    assert doc["summary"]["time_ms"] >= 0  # with timing
    assert cli("lint", "web.sgv", "--fail-on", "note", "--write-baseline", "lb.json")[0] == 0
    doc = report(cli("lint", web, "--fail-on", "note", "--baseline", "lb.json", "--format",
                     "json")[1])
    assert doc["results"]["baseline"] == "lb.json" and doc["summary"]["baselined"] >= 1
    spec(tmp_path, WEB.replace("  wide:", "  # sgverify: ignore[L101] the office is inside\n"
                                          "  wide:"), "quiet.sgv")
    report(cli("lint", "quiet.sgv", "--format", "json")[1])
    unknown = spec(tmp_path, "prefix-list partners (id pl-partners)\n"
                             "group g { ingress accept tcp 22 from prefix-list partners }\n"
                             "instance i { ip 10.0.0.1; groups g }\n"
                             "a: assert i: ingress tcp 22 from 1.2.3.4 peer-groups none is denied\n",
                   "u.sgv")
    code, out, _ = cli("check", unknown, "--format", "json")
    assert code == 3 and report(out)["summary"]["unknown"] == 1
    code, out, _ = cli("explain", unknown, "--target", "i", "--format", "json",
                       "--flow", "ingress tcp 1.2.3.4:1024 -> 10.0.0.1:22")
    doc = report(out)
    assert code == 3 and doc["results"]["verdict"] == "unknown"
    assert doc["summary"] == {"verdict": "unknown", "exit_code": 3, "passed": False}
    for argv in (["reach", web, "--by", "group"], ["reach", unknown, "--from", "internet"],
                 ["audit", web], ["audit", web, "--control", "SGV101"], ["diff", web, unknown]):
        report(cli(*argv, "--format", "json")[1])


def test_fix_outcomes_validate(tmp_path: Path) -> None:
    conflict = spec(tmp_path, "group g { ingress accept tcp 22 from 0.0.0.0/0 }\n"
                              "instance i { ip 10.0.0.1; groups g }\n"
                              "a: assert i: ingress tcp 22 from 1.2.3.4 is denied\n"
                              "b: assert i: ingress tcp 22 from 1.2.3.4 is allowed\n", "c.sgv")
    code, out, _ = cli("fix", conflict, "--format", "json")
    doc = report(out)
    assert code == 1 and doc["summary"]["status"] in ("conflict", "no-repair")
    code, out, _ = cli("fix", spec(tmp_path, WEB.replace("is denied", "is allowed"), "ok.sgv"),
                       "--format", "json")
    assert code == 0 and report(out)["summary"]["status"] == "nothing-violated"
    broken = ROOT / "tests" / "fixtures" / "broken"
    for path in sorted(broken.glob("*.sgv"))[:4]:
        report(cli("fix", str(path), "--format", "json", "--no-timing")[1])


def test_explain_streams_one_document_whatever_the_lines(tmp_path: Path) -> None:
    """--flows: the envelope opens before the first line and closes after the last, one
    entry per line (errors included), even with no line at all."""
    web = spec(tmp_path, WEB)
    flows = tmp_path / "f.jsonl"
    flows.write_text('{"direction": "ingress", "protocol": "tcp", "src_ip": "1.2.3.4", '
                     '"dst_ip": "10.0.1.5", "src_port": 1024, "dst_port": 22}\nnot json\n')
    code, out, _ = cli("explain", web, "--target", "web-1", "--flows", str(flows), "--format",
                       "json")
    lines = entries(out)
    assert code == 2 and [x["line"] for x in lines] == [1, 2] and "error" in lines[1]
    assert report(out)["summary"]["errors"] == 1 and report(out)["inputs"][-1] == str(flows)
    flows.write_text("")
    code, out, _ = cli("explain", web, "--target", "web-1", "--flows", str(flows), "--format",
                       "json")
    assert code == 0 and entries(out) == [] and report(out)["summary"]["lines"] == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=mutated() | generated())
def test_check_and_lint_json_of_any_spec_validates(tmp_path: Path, text: str) -> None:
    """Whatever the spec (a bundled one with random edits, or a generated one), the JSON of
    check and lint is an envelope the schemas accept: results, or the input errors."""
    path = spec(tmp_path, text, "fuzz.sgv")
    for command in ("check", "lint"):
        code, out, err = cli(command, path, "--format", "json", "--no-timing", "--timeout", "5")
        assert code in (0, 1, 2, 3), err
        assert report(out)["summary"]["exit_code"] == code


# ---------------------------------------------------------------- the schemas


def test_the_schemas_are_valid_draft_2020_12_and_name_each_other() -> None:
    names = sorted(p.stem for p in schema_dir().glob("*.json"))
    assert names == sorted(["envelope", "common", *COMMANDS])
    for name in names:
        doc = load_schema(name)
        Draft202012Validator.check_schema(doc)
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert doc["$id"].endswith(f"/2.0/{name}.json")
    envelope = load_schema("envelope")
    assert envelope["properties"]["command"]["enum"] == list(COMMANDS)
    for name in COMMANDS:
        assert {"results", "summary"} <= set(load_schema(name)["$defs"])


def golden(name: str) -> dict[str, Any]:
    return json.loads(run_one(name)[1])


WRONG = [
    ("check-inputs-json", lambda d: d["summary"].pop("exit_code"), "exit_code"),
    ("check-inputs-json", lambda d: d["summary"].update(passed=False), "passed"),
    ("check-inputs-json", lambda d: d.update(files=[]), "files"),
    ("check-inputs-json", lambda d: d.update(schema_version=1), "schema_version"),
    ("check-inputs-json", lambda d: d.update(command="audit"), "controls"),
    ("check-inputs-json",
     lambda d: d["results"]["files"][0]["results"][0].update(verdict="maybe"), "verdict"),
    ("audit-json", lambda d: d["results"]["checks"][0].update(status="fine"), "status"),
    ("audit-json", lambda d: d["results"]["controls"][0].update(severity="urgent"), "severity"),
    ("lint-json", lambda d: d["results"]["files"][0]["findings"][0].update(severity="fatal"),
     "severity"),
    ("diff-json", lambda d: d["results"]["newly_allowed"][0].update(bogus=1), "bogus"),
    ("explain-flows-json", lambda d: d["results"]["lines"][0].update(verdict="maybe"), "maybe"),
    ("reach-json", lambda d: d["results"]["pairs"][0].update(status="yes"), "status"),
    ("fix-json", lambda d: d["summary"].update(status="done"), "status"),
    ("fix-json", lambda d: d["tool"].update(name="other"), "sgverify"),
]


@pytest.mark.parametrize("name,mutate,word", WRONG)
def test_a_wrong_shape_is_refused(name: str, mutate, word: str) -> None:
    doc = golden(name)
    validate(doc)
    wrong = copy.deepcopy(doc)
    mutate(wrong)
    with pytest.raises(AssertionError, match=word):
        validate(wrong)


def test_the_schema_path_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0 and capsys.readouterr().out.strip() == str(schema_dir())
    assert main(["check"]) == 0 and capsys.readouterr().out.strip() == str(schema_path("check"))
    assert main(["nope"]) == 2 and "envelope" in capsys.readouterr().err


def test_the_schemas_ship_in_the_installed_package() -> None:
    """The installed sgverify (an editable install here) finds its schemas next to its
    code, through the package, not through the source tree's layout."""
    import importlib.resources

    files = importlib.resources.files("sgverify") / "schemas"
    assert sorted(p.name for p in files.iterdir() if p.name.endswith(".json")) == \
        sorted(p.name for p in schema_dir().glob("*.json"))
    assert os.path.samefile(str(files / "envelope.json"), schema_path("envelope"))
