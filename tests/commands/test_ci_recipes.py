"""The CI recipes work as written: the pre-commit hooks (run the way pre-commit runs them,
on the files staged in a git repository) and the GitHub Actions and GitLab CI snippets of
docs/ci.md (their sgverify commands run against a copy of specs/; the lint and diff ones
also against a changed specs/web.sgv and its base)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.gate import SARIF_SCHEMA, SPECS, cli, write
from tests.support.paths import ROOT

HOOKS = ROOT / ".pre-commit-hooks.yaml"
CI_DOC = ROOT / "docs" / "ci.md"
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```$", re.M | re.S)
SGVERIFY_LINE = re.compile(r"^\s*(?:-\s+)?(?:run:\s+)?(sgverify\s[^#\n]*)", re.M)


def parse_hooks(text: str) -> list[dict[str, object]]:
    """The flat list-of-mappings YAML of .pre-commit-hooks.yaml, without PyYAML."""
    hooks: list[dict[str, object]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.fullmatch(r"(- |  )([\w-]+):\s*(.*)", line)
        assert m, f"unexpected line in .pre-commit-hooks.yaml: {line!r}"
        if m.group(1) == "- ":
            hooks.append({})
        value: object = m.group(3)
        if value in ("true", "false"):
            value = value == "true"
        elif isinstance(value, str) and value[:1] in "'\"":
            value = value[1:-1]
        hooks[-1][m.group(2)] = value
    return hooks


def test_hooks_file_shape() -> None:
    hooks = {h["id"]: h for h in parse_hooks(HOOKS.read_text())}
    assert set(hooks) == {"sgverify-check", "sgverify-check-all"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["entry"] == "sgverify check"
        assert re.search(str(hook["files"]), "specs/web.sgv")
        assert not re.search(str(hook["files"]), "README.md")
        assert not re.search(str(hook["files"]), "specs/web.sgv.bak")
    assert hooks["sgverify-check"]["pass_filenames"] is True
    assert hooks["sgverify-check-all"]["pass_filenames"] is False
    # the entry's command is the console script the package installs
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "sgverify" in scripts


def test_hooks_file_is_yaml() -> None:
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(HOOKS.read_text()) == parse_hooks(HOOKS.read_text())


def run_hook(hook: dict[str, object], repo: Path) -> int:
    """Run a hook as pre-commit would: on the staged files its 'files' pattern selects."""
    staged = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR"],
                            cwd=repo, capture_output=True, text=True, check=True).stdout.split()
    selected = [f for f in staged if re.search(str(hook["files"]), f)]
    if not selected:
        return 0  # pre-commit skips a hook with no files
    argv = shlex.split(str(hook["entry"]))
    assert argv[0] == "sgverify"
    return cli(*argv[1:], *(selected if hook["pass_filenames"] else []))[0]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hooks_on_staged_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = {h["id"]: h for h in parse_hooks(HOOKS.read_text())}
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    write(repo, "specs/good.sgv", SPECS["proved"])
    write(repo, "specs/bad.sgv", SPECS["violated"])
    write(repo, "README.md", "notes\n")
    write(repo, "sgverify.toml", 'paths = ["specs"]\n')

    def stage(*names: str) -> None:
        subprocess.run(["git", "add", *names], cwd=repo, check=True)

    stage("README.md")
    assert run_hook(hooks["sgverify-check"], repo) == 0  # no .sgv staged: skipped
    stage("specs/good.sgv")
    assert run_hook(hooks["sgverify-check"], repo) == 0  # only the staged good spec
    assert run_hook(hooks["sgverify-check-all"], repo) == 1  # every configured spec
    stage("specs/bad.sgv")
    assert run_hook(hooks["sgverify-check"], repo) == 1


def yaml_blocks() -> list[str]:
    return YAML_BLOCK.findall(CI_DOC.read_text(encoding="utf-8"))


def test_ci_snippets_are_valid_yaml() -> None:
    blocks = yaml_blocks()
    assert len(blocks) >= 3  # GitHub Actions, GitLab CI, pre-commit
    yaml = pytest.importorskip("yaml")
    docs = [yaml.safe_load(b) for b in blocks]
    github = next(d for d in docs if "jobs" in d)
    steps = github["jobs"]["prove"]["steps"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == "results.sarif" and "always()" in upload["if"]
    gitlab = next(d for d in docs if "sgverify" in d and isinstance(d["sgverify"], dict))
    assert gitlab["sgverify"]["artifacts"]["reports"]["junit"] == "sgverify-junit.xml"
    assert gitlab["sgverify"]["artifacts"]["when"] == "always"


def snippet_commands(command: str) -> list[str]:
    """The sgverify command lines of the YAML snippets that run ``command``."""
    lines = [m.group(1).strip() for b in yaml_blocks() for m in SGVERIFY_LINE.finditer(b)]
    return [c for c in lines if shlex.split(c)[1] == command]


def test_ci_snippet_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = snippet_commands("check")
    assert any("--format sarif --output results.sarif" in c for c in commands)
    assert any("--format junit --output sgverify-junit.xml" in c for c in commands)
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    proved = set()
    for command in commands:
        argv = shlex.split(command)
        code, out, err = cli(*argv[1:])
        assert code == 0, (command, out, err)
        m = re.match(r"summary: (\d+) proved, 0 violated, 0 unknown", out.rstrip().splitlines()[-1])
        assert m, out
        proved.add(m.group(1))
    assert len(proved) == 1
    sarif = json.loads((tmp_path / "results.sarif").read_text())
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    junit = ET.parse(tmp_path / "sgverify-junit.xml").getroot()
    assert junit.get("tests") == proved.pop() and junit.get("failures") == "0"


def test_lint_and_diff_snippet_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lint, diff = snippet_commands("lint"), snippet_commands("diff")
    assert lint and diff and {shlex.split(c)[0] for c in lint + diff} == {"sgverify"}
    assert any("--format sarif --output lint.sarif" in c for c in lint)
    assert any("--format junit --output lint.xml" in c for c in lint)
    assert all("--fail-on new-access" in c and "--format junit --output diff.xml" in c for c in diff)
    # the pull request: specs/ plus specs/web.sgv, changed from its base version
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copy(ROOT / "tests/fixtures/diff/new.sgv", tmp_path / "specs" / "web.sgv")
    (tmp_path / "base" / "specs").mkdir(parents=True)
    shutil.copy(ROOT / "tests/fixtures/diff/old.sgv", tmp_path / "base" / "specs" / "web.sgv")
    monkeypatch.chdir(tmp_path)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema = pytest.importorskip("jsonschema")
    for command in lint:
        code, out, err = cli(*shlex.split(command)[1:])
        # the scenarios open SSH and RDP to the internet on purpose: L201, errors
        assert code == 1 and err == "" and "4 at or above --fail-on error" in out, (command, err)
    sarif = json.loads((tmp_path / "lint.sarif").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"] if r["level"] == "error"} == {"L201"}
    lint_xml = ET.parse(tmp_path / "lint.xml").getroot()
    failed = [(s.get("name"), c.get("name")) for s in lint_xml.iter("testsuite")
              for c in s.iter("testcase") if c.find("failure") is not None]
    assert failed == [(f"specs/scenarios/06-internet-access-{net}.sgv",
                       "group remote: L201 open to the internet") for net in ("classic", "vpc")]
    for command in diff:
        code, out, err = cli(*shlex.split(command)[1:])
        assert code == 1 and err == "" and "error: newly allowed: group web" in out, (command, err)
    report = ET.parse(tmp_path / "diff.xml").getroot()
    failed = [c.get("name") for c in report.iter("testcase") if c.find("failure") is not None]
    assert failed == ["group web", "instance web-1"]
    # without the change the same commands pass
    shutil.copy(ROOT / "tests/fixtures/diff/old.sgv", tmp_path / "specs" / "web.sgv")
    assert {cli(*shlex.split(c)[1:])[0] for c in diff} == {0}
