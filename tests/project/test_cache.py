"""``check`` reuses the results of unchanged files (sgverify.cache): the same report as a
fresh check, and a fresh check whenever anything that decides a result has changed."""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from sgverify.cli import run
from tests.support.paths import ROOT

GROUPS = """
group web (vpc) {
  http: ingress accept tcp 80 from any priority 1
  ssh: ingress accept tcp 22 from 10.0.0.0/8 priority 1
}
"""
SPEC = """include "groups.sgv"
open-http: assert web: ingress tcp 80 from internet is allowed
closed-ssh: assert web: ingress tcp 22 from internet is denied
wrong: assert web: ingress tcp 22 from any is denied
"""
NOTE = "come from an earlier check"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder as the working directory, with the cache turned on."""
    monkeypatch.delenv("SGVERIFY_NO_CACHE", raising=False)
    monkeypatch.delenv("SGVERIFY_CACHE_DIR", raising=False)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "groups.sgv").write_text(GROUPS)
    (tmp_path / "spec.sgv").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*argv: str) -> tuple[int, dict]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", "spec.sgv", "--format", "json", "--no-timing", *argv], out, err)
    return code, json.loads(out.getvalue())


def reused(report: dict) -> bool:
    return any(NOTE in n["message"] for n in report["results"]["notes"])


def without_notes(report: dict) -> dict:
    return {**report, "results": {k: v for k, v in report["results"].items() if k != "notes"}}


def test_an_unchanged_spec_is_reported_exactly_as_a_fresh_check(project: Path) -> None:
    code1, first = check()
    assert code1 == 1 and not reused(first)
    assert (project / ".sgverify_cache" / ".gitignore").read_text().endswith("*\n")
    code2, second = check()
    assert code2 == 1 and reused(second)
    assert without_notes(second) == without_notes(first)  # counterexample and rule included
    note = next(n for n in second["results"]["notes"] if NOTE in n["message"])
    assert note["file"] == ".sgverify_cache" and "1 of 1 file" in note["message"]


@pytest.mark.parametrize("edited", ["spec.sgv", "groups.sgv"])
def test_editing_the_spec_or_an_include_checks_again(project: Path, edited: str) -> None:
    check()
    path = project / edited
    path.write_text(path.read_text()
                    .replace("open-http: assert web: ingress tcp 80 from internet is allowed",
                             "open-http: assert web: ingress tcp 80 from internet is denied")
                    .replace("http: ingress accept tcp 80", "http: ingress drop tcp 80"))
    code, report = check()
    assert code == 1 and not reused(report)
    verdicts = [r["verdict"] for r in report["results"]["files"][0]["results"]]
    # Either edit breaks open-http (the assertion now says denied / the rule now drops).
    assert verdicts == ["violated", "proved", "violated"]
    assert reused(check()[1])


def test_other_settings_or_another_working_directory_check_again(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check()
    assert not reused(check("--certify")[1])
    assert not reused(check("--timeout", "30")[1])
    assert reused(check()[1])
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    out = io.StringIO()
    run(["check", "../spec.sgv", "--format", "json", "--cache-dir", "../.sgverify_cache"],
        out, io.StringIO())
    assert not reused(json.loads(out.getvalue()))  # paths are shown relative to here


def test_unknown_and_erroneous_specs_are_never_reused(project: Path) -> None:
    (project / "spec.sgv").write_text(
        "prefix-list partners (id pl-1)\n"
        "group g (vpc) { ingress accept tcp 443 from prefix-list partners }\n"
        "assert g: ingress tcp 443 from internet is denied\n")
    assert check()[0] == 3
    code, report = check()
    assert code == 3 and not reused(report)
    (project / "spec.sgv").write_text("group g (vpc) { ingress accept tcp 99999 from any }\n")
    assert check()[0] == 2 and check()[0] == 2
    assert not list(project.glob(".sgverify_cache/*/*.pickle"))


def entries(project: Path) -> list[Path]:
    return sorted((project / ".sgverify_cache").glob("*/*.pickle"))


def test_a_corrupt_entry_is_checked_again_and_replaced(project: Path) -> None:
    _, first = check()
    [entry] = entries(project)
    entry.write_bytes(b"not a pickle")
    _, second = check()
    assert not reused(second) and second == first
    assert reused(check()[1])


class Trap:
    """Anything outside the model must never be loaded from a cache entry."""

    def __reduce__(self) -> tuple:
        return (os.system, ("echo pwned > pwned.txt",))


def test_an_entry_holding_other_objects_is_refused(project: Path) -> None:
    check()
    [entry] = entries(project)
    entry.write_bytes(pickle.dumps(((), Trap())))
    _, report = check()
    assert not reused(report) and not (project / "pwned.txt").exists()


def test_no_cache_writes_and_reads_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check("--no-cache")
    assert not (project / ".sgverify_cache").exists()
    monkeypatch.setenv("SGVERIFY_NO_CACHE", "1")
    check()
    assert not (project / ".sgverify_cache").exists()
    monkeypatch.setenv("SGVERIFY_NO_CACHE", "0")
    monkeypatch.setenv("SGVERIFY_CACHE_DIR", str(project / "elsewhere"))
    check()
    assert len(list((project / "elsewhere").glob("*/*.pickle"))) == 1
    assert reused(check()[1]) and not reused(check("--no-cache")[1])


def test_a_folder_sgverify_did_not_make_is_never_touched(project: Path) -> None:
    """--cache-dir . (or any folder of the user's) is neither read, written nor cleaned."""
    mine = project / ("0" * 24)
    mine.mkdir()
    (mine / "data.txt").write_text("important")
    out, err = io.StringIO(), io.StringIO()
    run(["check", "spec.sgv", "--cache-dir", "."], out, err)
    assert "is not a cache folder that sgverify made" in err.getvalue()
    assert (mine / "data.txt").exists() and not (project / ".gitignore").exists()
    assert not list(project.glob("*/*.pickle"))


def test_entries_of_other_versions_are_cleared(project: Path) -> None:
    check()
    stale = project / ".sgverify_cache" / ("0" * 24)
    stale.mkdir()
    [entry] = entries(project)
    current = entry.parent
    import shutil
    shutil.rmtree(current)  # as after an upgrade: this version's folder is made anew
    check()
    assert not stale.exists() and len(entries(project)) == 1


@pytest.mark.parametrize("value, off", [("1", True), ("true", True), ("yes", True),
                                        ("0", False), ("false", False), ("off", False), ("", False)])
def test_the_environment_switch_reads_common_words(project: Path, monkeypatch, value, off) -> None:
    monkeypatch.setenv("SGVERIFY_NO_CACHE", value)
    check()
    assert (project / ".sgverify_cache").exists() is not off


def test_an_include_that_now_leads_elsewhere_is_checked_again(project: Path) -> None:
    """Same text, other real file (here outside the project folder): a fresh check refuses
    it, so the stored result must not be reused."""
    outside = project.parent / (project.name + "-outside")
    outside.mkdir()
    (outside / "groups.sgv").write_text(GROUPS)
    (project / "real.sgv").write_text(GROUPS)
    (project / "groups.sgv").unlink()
    (project / "groups.sgv").symlink_to("real.sgv")
    assert check()[0] == 1
    (project / "groups.sgv").unlink()
    (project / "groups.sgv").symlink_to(outside / "groups.sgv")
    code, report = check()
    assert code == 2 and not reused(report)


def test_a_run_of_unchanged_files_starts_neither_parser_nor_solver(project: Path) -> None:
    """What makes the warm gate fast: z3 and lark are not even imported."""
    script = ("import sys; from sgverify.cli import run; code = run(['check', 'spec.sgv', "
              "'-q']); print(code, 'z3' in sys.modules, 'lark' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "SGVERIFY_NO_CACHE"}
    root = str(ROOT)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env=env, cwd=project, check=False).stdout.split()[-3:]
            for _ in range(2)]
    assert runs == [["1", "True", "True"], ["1", "False", "False"]]
