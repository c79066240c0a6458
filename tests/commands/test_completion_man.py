"""``sgverify completion`` and ``sgverify man`` (issue 19, CLI conventions): the scripts and
the manual page are made from the parser, so every subcommand and option is in them; the
bash script completes when bash runs it; docs/sgverify.1 is what ``sgverify man`` makes
now (it cannot drift); without the ``completion`` extra both say what to install.

    sgverify completion bash      sgverify man --output docs/sgverify.1
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys

import pytest

from sgverify.cli import build_parser
from sgverify.commands import REGISTRY
from tests.support.gate import cli
from tests.support.paths import ROOT

SHIPPED = ROOT / "docs" / "sgverify.1"


def options() -> dict[str, list[str]]:
    """Each subcommand's long options (but --help), from the parser."""
    p = build_parser()
    subs = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices
    return {name: [o for a in sp._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
            for name, sp in subs.items()}


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_the_script_names_every_subcommand_and_option(shell) -> None:
    code, out, err = cli("completion", shell)
    assert code == 0, err
    for name, opts in options().items():
        assert re.search(rf"\b{re.escape(name)}\b", out), name
        for o in opts:
            assert o in out, (shell, name, o)


def test_the_tcsh_script_completes_subcommands_and_choices() -> None:
    """tcsh's ``complete`` has no per-subcommand options: shtab gives it the subcommands
    and the values of options with choices or paths."""
    code, out, err = cli("completion", "tcsh")
    assert code == 0 and "\ncomplete sgverify " in out, err
    for name in options():
        assert re.search(rf"\b{re.escape(name)}\b", out), name
    assert "'c/--fail-on=/(violated unknown warning)/'" in out and "'c/--output=/f/'" in out


def completions(script: str, words: list[str], cwd=ROOT) -> list[str]:
    """What bash offers for the last of ``words`` with the script loaded."""
    line = " ".join(f"'{w}'" for w in words)
    prog = (f"source /dev/stdin <<'SGV_EOF'\n{script}SGV_EOF\n"
            f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _shtab_sgverify; "
            'printf "%s\\n" "${COMPREPLY[@]}"')
    proc = subprocess.run(["bash", "-c", prog], capture_output=True, text=True, cwd=cwd,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_options_choices_and_files() -> None:
    _, script, _ = cli("completion", "bash")
    assert completions(script, ["sgverify", "au"]) == ["audit"]
    assert completions(script, ["sgverify", "check", "--fail"]) == ["--fail-on"]
    assert completions(script, ["sgverify", "check", "--fail-on", ""]) == \
        ["violated", "unknown", "warning"]
    assert "docs" in completions(script, ["sgverify", "lint", "doc"])  # a path argument


def test_the_script_can_be_written_to_a_file(tmp_path) -> None:
    target = tmp_path / "sgverify.bash"
    code, out, _ = cli("completion", "bash", "--output", target)
    assert code == 0 and out == "" and target.read_text().startswith("#")


def test_the_manual_page_has_every_subcommand_option_and_example() -> None:
    code, page, err = cli("man")
    assert code == 0, err
    assert page.splitlines()[1].startswith(".TH SGVERIFY \"1\"")
    for name, opts in options().items():
        assert f"COMMAND \\fI\\,'sgverify {name}'" in page, name
        for o in opts:
            assert o.replace("-", "\\-") in page, (name, o)
    assert ".SH EXAMPLES" in page and "sgverify lint specs/" in page
    assert ".SH EXIT STATUS" in page and "NO_COLOR" in page


def test_the_manual_page_does_not_depend_on_the_terminal(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    narrow = cli("man")[1]
    monkeypatch.setenv("COLUMNS", "200")
    assert cli("man")[1] == narrow


def test_the_shipped_manual_page_is_the_generated_one() -> None:
    shipped = SHIPPED.read_text(encoding="utf-8")
    made = re.search(r"argparse of Python (\d+\.\d+)", shipped.splitlines()[0])
    assert made, "docs/sgverify.1 must start with the generator's comment"
    here = ".".join(map(str, sys.version_info[:2]))
    if made.group(1) != here:  # argparse lays out usage lines differently across versions
        pytest.skip(f"docs/sgverify.1 was made with Python {made.group(1)}, this is {here}")
    code, page, _ = cli("man")
    assert code == 0
    assert page == shipped, "docs/sgverify.1 is stale: run sgverify man --output docs/sgverify.1"


@pytest.mark.parametrize("args, library", [(["completion", "zsh"], "shtab"),
                                           (["man"], "argparse_manpage")])
def test_without_the_extra_the_error_names_the_install(monkeypatch, args, library) -> None:
    monkeypatch.setitem(sys.modules, library, None)  # import fails as if not installed
    if library == "argparse_manpage":
        monkeypatch.setitem(sys.modules, "argparse_manpage.manpage", None)
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    assert f"sgverify {args[0]}: error: " in err and "pip install 'sgverify[completion]'" in err


def test_every_command_is_in_the_registry_and_the_script() -> None:
    _, out, _ = cli("completion", "bash")
    listed = re.search(r"_shtab_sgverify_subparsers=\(([^)]*)\)", out)
    assert listed and listed.group(1).split() == [n for n, _, _ in REGISTRY]
