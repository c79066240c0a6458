"""Issue 19, "SARIF and JUnit as their consumers read them":

    cd repo/sub && sgverify check web.sgv --format sarif     # URIs were relative to sub/
    sgverify check web.sgv --format junit                     # <testcase file= line=>

SARIF artifact URIs and fingerprints were relative to the working directory, so the same
finding had another identity when sgverify ran from a subfolder; the cache folder was made
wherever the command ran; JUnit carried attributes the strict schema (Jenkins xUnit) refuses
and classnames with the file's dots. Now URIs are relative to the git top level (or
``--root``), fingerprints too, the cache sits at the project root, and JUnit validates."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.gate import SPECS, cli, write
from tests.support.junit_strict import problems
from tests.support.paths import TESTS


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "net" / "prod"
    sub.mkdir(parents=True)
    write(sub, "web.sgv", SPECS["violated"])
    return sub


def _sarif(*args: str) -> dict:
    code, out, _ = cli("check", *args, "--format", "sarif", "--no-cache")
    assert code == 1
    return json.loads(out)


def test_sarif_uris_and_fingerprints_do_not_depend_on_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = _repo(tmp_path)
    monkeypatch.chdir(sub)
    from_sub = _sarif("web.sgv")["runs"][0]["results"][0]
    monkeypatch.chdir(tmp_path)
    from_top = _sarif("net/prod/web.sgv")["runs"][0]["results"][0]
    where = from_sub["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "net/prod/web.sgv", "uriBaseId": "%SRCROOT%"}
    assert where == from_top["locations"][0]["physicalLocation"]["artifactLocation"]
    assert from_sub["partialFingerprints"] == from_top["partialFingerprints"]


def test_root_option_sets_what_uris_are_relative_to(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sub = _repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = _sarif("net/prod/web.sgv", "--root", "net")["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "prod/web.sgv"
    outside = _sarif("net/prod/web.sgv", "--root", str(sub / "elsewhere"))["runs"][0]["results"][0]
    uri = outside["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": (sub / "web.sgv").as_uri()}  # outside the root: absolute, no base


def test_cache_folder_is_at_the_project_root(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sub = _repo(tmp_path)
    monkeypatch.chdir(sub)
    monkeypatch.delenv("SGVERIFY_NO_CACHE", raising=False)
    monkeypatch.delenv("SGVERIFY_CACHE_DIR", raising=False)
    cli("check", "web.sgv")
    assert (tmp_path / ".sgverify_cache").is_dir()
    assert not (sub / ".sgverify_cache").exists()


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_junit_of_check_is_strict(tmp_path: Path, kind: str) -> None:
    path = write(tmp_path, f"{kind}.v1.sgv", SPECS[kind])
    _, out, _ = cli("check", path, "--format", "junit", "--no-cache")
    assert problems(out) == []
    assert all("." not in c for c in _classnames(out))


GOLDEN_JUNIT = sorted([*(TESTS / "golden").glob("*.xml"),
                       *(TESTS / "golden" / "commands").glob("*-junit.out")])


@pytest.mark.parametrize("path", GOLDEN_JUNIT, ids=lambda p: p.name)
def test_every_commands_junit_is_strict(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert problems(text) == []
    assert all("." not in c for c in _classnames(text))


def test_the_checker_refuses_what_the_schema_refuses() -> None:
    bad = ('<testsuites skipped="1"><testsuite name="a" tests="1" failures="0" errors="0">'
           '<testcase name="x" file="a.sgv" line="3"/></testsuite></testsuites>')
    assert len(problems(bad)) == 3
    assert problems('<testsuite name="a" tests="1"/>') == [
        "testsuite: attribute 'errors' missing", "testsuite: attribute 'failures' missing"]


def _classnames(xml: str) -> list[str]:
    return [c.get("classname", "") for c in ET.fromstring(xml).iter("testcase")]
