"""``-`` is standard input on every command that reads inputs (issue 19, CLI conventions):
check, explain, diff, lint, audit, reach, import, export and fix read it through
core/files (its limits and checks), name it ``<stdin>`` in every message and report, and
refuse it twice, with --write, or for Dask workers.

    cat web.sgv | sgverify check -      aws ec2 describe-security-groups | sgverify lint -
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from sgverify.cli import run
from sgverify.core.files import DATA_BYTES
from tests.support.gate import VIOLATED
from tests.support.paths import ROOT, TESTS

ALIYUN = (TESTS / "fixtures" / "inputs" / "aliyun" / "web-tier.json").read_text()
FLOW = "ingress tcp 1.2.3.4:40000 -> 10.0.0.1:22"


def cli_in(stdin: str | bytes, *args: str) -> tuple[int, str, str]:
    """The CLI run in-process with ``stdin`` as standard input."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    out, err = io.StringIO(), io.StringIO()
    code = run([str(a) for a in args], out, err, io.BytesIO(data))
    return code, out.getvalue(), err.getvalue()


# (arguments, exit code, text the output must hold) with VIOLATED on standard input
CASES = [
    (["check", "-"], 1, "<stdin>:2:1: error[E301]: violated: ssh-closed"),
    (["lint", "-"], 1, "<stdin>:1:11: error[L201]"),
    (["audit", "-", "--no-timing"], 1, "<stdin>:1:1: error[SGV101]"),
    (["reach", "-", "--no-timing"], 0, "answer: no"),
    (["export", "-"], 0, '"SecurityGroupId": "g"'),
    (["explain", "-", "--flow", FLOW], 0, "at <stdin>:1:11"),
    (["diff", "-", str(TESTS / "fixtures" / "diff" / "new.sgv"), "--no-timing"], 0,
     "<stdin>:1:1: note: group g is only in OLD"),
    (["fix", "-", "--no-timing"], 0, "--- a/<stdin>"),  # a proved repair
]


@pytest.mark.parametrize("args, code, shown", CASES, ids=[c[0][0] for c in CASES])
def test_a_command_reads_standard_input_as_a_file_named_stdin(args, code, shown) -> None:
    got, out, err = cli_in(VIOLATED, *args, "--color", "never")
    assert got == code, err
    assert shown in out + err
    assert "sgverify-stdin" not in out + err  # the copy's path is never shown


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit"])
def test_reports_name_it_stdin(fmt) -> None:
    code, out, err = cli_in(VIOLATED, "check", "-", "--format", fmt, "--no-cache")
    assert code == 1 and "<stdin>" in out.replace("&lt;", "<").replace("&gt;", ">")
    assert "sgverify-stdin" not in out, out
    if fmt == "json":
        doc = json.loads(out)
        assert doc["inputs"] == ["<stdin>"] and doc["results"]["files"][0]["path"] == "<stdin>"


def test_import_reads_a_cloud_export_from_standard_input() -> None:
    code, out, err = cli_in(ALIYUN, "import", "-")
    assert code == 0, err
    assert out.startswith("# sgverify import <stdin>\n") and "# from <stdin>" in out
    assert "group web-tier" in out


def test_a_json_export_and_a_spec_are_told_apart() -> None:
    code, out, err = cli_in(ALIYUN, "lint", "-", "--color", "never")
    assert "<stdin>:" in out + err and "E001" not in err, err
    code, _, err = cli_in("Resources: {}\n", "import", "-")
    assert code == 2 and "cannot tell what this file is" in err  # YAML, never read as .sgv


def test_standard_input_is_read_once() -> None:
    code, _, err = cli_in(VIOLATED, "diff", "-", "-")
    assert code == 2 and "given more than once" in err
    code, _, err = cli_in(VIOLATED, "explain", "-", "--flows", "-")
    assert code == 2 and "given more than once" in err


def test_fix_cannot_write_standard_input() -> None:
    code, _, err = cli_in(VIOLATED, "fix", "-", "--write")
    assert code == 2 and "--write cannot change standard input" in err


def test_dask_workers_cannot_read_it() -> None:
    code, _, err = cli_in(VIOLATED, "check", "-", "--backend", "dask")
    assert code == 2 and "cannot be read by --backend dask" in err


def test_the_size_limit_holds_for_standard_input() -> None:
    code, _, err = cli_in(b"#" * (DATA_BYTES + 1), "check", "-")
    assert code == 2 and "standard input is over the limit" in err


def test_invalid_utf8_is_named_at_stdin() -> None:
    code, out, err = cli_in(b"group g { }\n\xff\n", "check", "-", "--color", "never")
    assert code == 2 and "<stdin>:2:1: error[E004]: invalid UTF-8" in out + err


def test_empty_standard_input_reads_as_an_empty_file(tmp_path) -> None:
    empty = tmp_path / "empty.sgv"
    empty.write_text("")
    code, out, err = cli_in(b"", "lint", "-", "--no-timing")
    assert (code, out) == cli_in(b"", "lint", empty, "--no-timing")[:2]
    assert "internal error" not in err


@pytest.mark.parametrize("args", [["check", "-", "--no-cache"], ["lint", "-"], ["import", "-"]])
def test_through_a_real_pipe(args) -> None:
    """As a shell runs it: the process's own standard input."""
    text = ALIYUN if args[0] == "import" else VIOLATED
    proc = subprocess.run([sys.executable, "-m", "sgverify", *args, "--color", "never"],
                          input=text, capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == (0 if args[0] == "import" else 1), proc.stderr
    assert "<stdin>" in proc.stdout + proc.stderr
    assert "sgverify-stdin" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("args", [["export", "-"], ["import", str(TESTS / "fixtures" / "inputs"
                                                                  / "aliyun" / "web-tier.json")]])
def test_output_dash_is_standard_output(tmp_path, monkeypatch, args) -> None:
    """``--output -`` meant a file named '-' for import and export; it is stdout, as for
    every --format/--output pair."""
    monkeypatch.chdir(tmp_path)
    code, out, err = cli_in(VIOLATED, *args, "--output", "-")
    assert code == 0, err
    assert out.strip() and not (tmp_path / "-").exists()
