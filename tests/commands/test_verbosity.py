"""The same ``-q/--quiet`` and ``-v/--verbose`` on every command that reads inputs (issue
19, CLI conventions): quiet leaves out warnings about the inputs (errors stay) and, where a
command lists what passes, lists only what fails; verbose ends with a line naming the
inputs and the exit code's meaning; the two together are a usage error.

    sgverify lint specs/ -q      sgverify audit estate/ -v      sgverify check web.sgv -v
"""

from __future__ import annotations

import argparse

import pytest

from sgverify.cli import build_parser
from tests.support.gate import VIOLATED, cli, write

COMMANDS = ["check", "explain", "diff", "lint", "audit", "reach", "import", "export", "fix"]
WARNED = "group g { open: ingress accept tcp 22 from 10.0.0.1/8 }\n"  # W110 host bits
PROVED = "ok: assert g: ingress tcp 22 from internet peer-groups none is denied\n"


def subparser(name: str) -> argparse.ArgumentParser:
    p = build_parser()
    return next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices[name]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_reading_command_has_both_and_they_exclude_each_other(name) -> None:
    opts = {o for a in subparser(name)._actions for o in a.option_strings}
    assert {"-q", "--quiet", "-v", "--verbose", "--color"} <= opts
    code, _, err = cli(name, "x.sgv", "-q", "-v")
    assert code == 2 and "not allowed with argument" in err


def runs(spec) -> dict[str, list]:
    return {"check": ["check", spec, "--no-cache"], "lint": ["lint", spec],
            "audit": ["audit", spec, "--no-timing"], "reach": ["reach", spec, "--no-timing"],
            "export": ["export", spec], "fix": ["fix", spec],
            "diff": ["diff", spec, spec, "--no-timing"],
            "explain": ["explain", spec, "--flow", "ingress tcp 1.2.3.4:40000 -> 10.0.0.1:22"]}


@pytest.mark.parametrize("name", sorted(runs("x")))
def test_quiet_leaves_out_warnings_about_the_inputs(tmp_path, name) -> None:
    spec = write(tmp_path, "s.sgv", WARNED + PROVED)
    args = runs(spec)[name] + ["--color", "never"]
    _, out, err = cli(*args)
    assert "warning[W110]" in out + err, (out, err)
    _, out, err = cli(*args, "-q")
    assert "W110" not in out + err


def test_quiet_keeps_errors(tmp_path) -> None:
    spec = write(tmp_path, "s.sgv", "group g { ingress accept }\n")
    code, out, err = cli("lint", spec, "-q", "--color", "never")
    assert code == 2 and "error[" in out + err


@pytest.mark.parametrize("name", sorted(runs("x")))
def test_verbose_ends_with_the_inputs_and_the_exit(tmp_path, name) -> None:
    spec = write(tmp_path, "s.sgv", VIOLATED)
    code, _, err = cli(*runs(spec)[name], "-v", "--color", "never")
    last = err.rstrip("\n").splitlines()[-1]
    assert last.startswith(f"sgverify {name}: read {spec}") and f"; exit {code}: " in last


def test_lint_quiet_lists_only_what_fails(tmp_path) -> None:
    spec = write(tmp_path, "s.sgv", "group g { ingress accept tcp 22 from 0.0.0.0/0\n"
                                    "  ingress accept tcp 22 from 10.0.0.0/8 }\n")  # L201, L101
    _, out, _ = cli("lint", spec, "--color", "never")
    assert "[L201]" in out and "[L101]" in out
    code, out, _ = cli("lint", spec, "-q", "--color", "never")
    assert code == 1 and "[L201]" in out and "[L101]" not in out
    assert "1 error(s), 1 warning(s)" in out  # the summary still counts everything


def test_audit_quiet_and_verbose(tmp_path) -> None:
    spec = write(tmp_path, "s.sgv", VIOLATED)
    _, normal, _ = cli("audit", spec, "--no-timing", "--color", "never")
    _, quiet, _ = cli("audit", spec, "--no-timing", "--color", "never", "-q")
    _, verbose, _ = cli("audit", spec, "--no-timing", "--color", "never", "-v")
    assert "SGV101" in quiet and "SGV102" in normal and "SGV102" not in quiet
    assert ": proved: " in verbose and ": proved: " not in normal


def test_check_verbose_puts_each_note_under_its_results(tmp_path) -> None:
    spec = write(tmp_path, "s.sgv", VIOLATED + "again: assert g: ingress tcp 22 from internet "
                                               "is denied\n")
    _, out, _ = cli("check", spec, "--no-cache", "--color", "never")
    assert "note (on 2 results): the source port shown" in out
    _, out, _ = cli("check", spec, "--no-cache", "--color", "never", "-v")
    assert "note (on 2 results)" not in out
    assert out.count("note: the source port shown is only the preferred pick") == 2
