"""Every command shown in docs/inputs.md and in the README's 'Real inputs' section runs,
with the exit code and the output lines the documentation shows."""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.support.inputs import FIXTURES, cli
from tests.support.paths import ROOT

CONSOLE = re.compile(r"^```console[ \t]*\n(.*?)^```", re.M | re.S)


def console_examples() -> list[tuple[str, int, list[str]]]:
    """(command, expected exit code, expected output lines) of docs/inputs.md."""
    out = []
    for block in CONSOLE.findall((ROOT / "docs" / "inputs.md").read_text()):
        command, expected = None, []
        for line in block.splitlines() + ["$ "]:
            if line.startswith("$ "):
                if command is not None:
                    m = re.search(r"#\s*exit (\d+)\s*$", command)
                    code = int(m.group(1)) if m else 0
                    out.append((re.sub(r"\s*#.*$", "", command), code, expected))
                command, expected = line[2:].strip() or None, []
            elif line.strip() and line.strip() != "...":
                expected.append(line)
    return out


def test_every_format_has_an_example() -> None:
    commands = " ".join(c for c, _, _ in console_examples())
    for needle in ("aliyun/", "terraform/plan.json", "terraform/main.tf", "ros/", "aws/",
                   "--flows", "--flow-log", "export --format aliyun", "check web.sgv"):
        assert needle in commands, needle


@pytest.mark.parametrize("command,code,expected", console_examples(),
                         ids=[c for c, _, _ in console_examples()])
def test_documented_command(command: str, code: int, expected: list[str]) -> None:
    args = shlex.split(command)
    assert args[0] == "sgverify"
    got, out, err = cli(*args[1:], "--color", "never", cwd=FIXTURES)
    assert got == code, err
    lines = out.splitlines()
    for line in expected:
        assert line in lines, (line, out)


def test_readme_commands(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Real inputs", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block
    (tmp_path / "live").mkdir()
    shutil.copy(FIXTURES / "aliyun" / "web-tier.json", tmp_path / "live" / "sg-web.json")
    shutil.copy(FIXTURES / "flows.jsonl", tmp_path / "flows.jsonl")
    shutil.copy(FIXTURES / "flowlogs" / "web-1.jsonl", tmp_path / "vpc-flow.jsonl")
    (tmp_path / "web.sgv").write_text('import "live/sg-web.json"\n'
                                      "assert web-tier: ingress tcp 3389 from internet is denied\n")
    ran = 0
    for line in block.group(1).splitlines():
        line = re.sub(r"\s*#.*$", "", line).strip()
        if not line.startswith("sgverify "):
            continue
        args: list[str] = []
        for word in shlex.split(line)[1:]:
            args += sorted(glob.glob(str(tmp_path / word))) if "*" in word else [word]
        code, out, err = cli(*args, cwd=tmp_path)
        assert code in (0, 1, 3), (line, err)
        assert out, line
        ran += 1
    assert ran == 4
