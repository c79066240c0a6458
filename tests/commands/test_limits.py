"""Input limits raised by the user (issue 14: "each can be raised in sgverify.toml /
[tool.sgverify] and on the command line"): ``--input-limit NAME=N`` on every input command and
``limits = { ... }`` in the configuration; a limit is raised, never lowered, and an E005
says how to raise it.

    sgverify check long.sgv --input-limit line-length=30000
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sgverify.core.files import Limits, in_force, limits_from, raised_limits
from tests.support.gate import cli, write

LONG = "# " + "x" * 25_000 + "\ngroup g { ingress accept tcp 22 from 10.0.0.0/8 }\n"


def test_a_long_line_is_e005_saying_how_to_raise_it(tmp_path: Path) -> None:
    spec = write(tmp_path, "long.sgv", LONG)
    code, out, err = cli("check", str(spec))
    assert code == 2
    assert "error[E005]" in out + err
    assert "(raise it with --input-limit line-length=N, or limits in sgverify.toml)" in out + err


@pytest.mark.parametrize("command", ["check", "lint", "audit", "reach", "export"])
def test_limit_on_the_command_line(tmp_path: Path, command: str) -> None:
    spec = write(tmp_path, "long.sgv", LONG)
    extra = ["--format", "aliyun"] if command == "export" else []
    code, out, err = cli(command, str(spec), *extra, "--input-limit", "line-length=30000")
    assert "E005" not in out + err
    assert code in (0, 1), err


def test_limits_in_the_configuration(tmp_path: Path, monkeypatch) -> None:
    spec = write(tmp_path, "long.sgv", LONG)
    write(tmp_path, "sgverify.toml", "limits = { line-length = 30000 }\n")
    monkeypatch.chdir(tmp_path)
    for command in ("check", "lint"):
        code, out, err = cli(command, spec.name)
        assert code == 0 and "E005" not in out + err, (command, err)


def test_include_depth_raised(tmp_path: Path) -> None:
    for i in range(20):
        write(tmp_path, f"f{i}.sgv", f'include "f{i + 1}.sgv"\n')
    write(tmp_path, "f20.sgv", "group g { ingress accept tcp 22 from 10.0.0.0/8 }\n")
    code, out, err = cli("check", str(tmp_path / "f0.sgv"))
    assert code == 2 and "includes nested deeper than 16" in out + err
    code, out, err = cli("check", str(tmp_path / "f0.sgv"), "--input-limit", "include-depth=30")
    assert code == 0, out + err


@pytest.mark.parametrize("setting, message", [
    ("line-length=abc", "must be a whole number greater than 0, not 'abc'"),
    ("line-length=0", "must be a whole number greater than 0, not 0"),
    ("nope=3", "unknown limit 'nope' (known: file-mib, line-length, include-depth"),
    ("line-length", "expected NAME=N"),
])
def test_bad_limits_are_usage_errors(tmp_path: Path, setting: str, message: str) -> None:
    spec = write(tmp_path, "long.sgv", LONG)
    code, out, err = cli("lint", str(spec), "--input-limit", setting)
    assert code == 2 and message in err


def test_a_bad_configured_limit_is_an_error_naming_the_file(tmp_path: Path, monkeypatch) -> None:
    spec = write(tmp_path, "long.sgv", LONG)
    write(tmp_path, "sgverify.toml", "limits = { files = -1 }\n")
    monkeypatch.chdir(tmp_path)
    for command in ("check", "lint"):
        code, out, err = cli(command, spec.name)
        assert code == 2 and "sgverify.toml" in out + err and "'limits'" in out + err


def test_limits_are_raised_never_lowered() -> None:
    base = Limits()
    with raised_limits(limits_from({"line-length": 10, "file-mib": 200})):
        got = in_force(base)
    assert got.max_line_length == base.max_line_length  # not lowered
    assert got.max_file_bytes == 200 * 1024 * 1024
    assert in_force(base) == base  # outside the block nothing is raised
