"""The CI recipes work as written: the pre-commit hooks (run the way pre-commit runs them,
on the files staged in a git repository) and the GitHub Actions and GitLab CI snippets of
docs/ci.md (their sgverify commands run against a copy of specs/)."""

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

from gate_support import ROOT, SARIF_SCHEMA, SPECS, cli, write

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


def test_ci_snippet_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = [m.group(1).strip() for b in yaml_blocks() for m in SGVERIFY_LINE.finditer(b)]
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
