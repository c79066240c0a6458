"""Every example a subcommand's --help prints is a command line that command accepts:
the options exist, choices are valid, and diff's examples run on real policies (the
``--expect no-new-allowed`` example once printed under diff ended E001)."""

from __future__ import annotations

import shlex

import pytest

from sgverify.cli import build_parser
from sgverify.commands import EXAMPLES
from tests.support.gate import cli
from tests.support.paths import TESTS

CASES = [(name, line) for name, lines in EXAMPLES.items() for line in lines]


@pytest.mark.parametrize("name,line", CASES, ids=[line for _, line in CASES])
def test_an_example_parses(name: str, line: str) -> None:
    argv = shlex.split(line)
    assert argv[0] == "sgverify"
    args, extra = build_parser(argv[1]).parse_known_args(argv[1:])
    assert extra == []
    assert args.command == argv[1]  # pull's examples include check and diff lines


@pytest.mark.parametrize("line", EXAMPLES["diff"])
def test_diff_examples_run(line: str) -> None:
    argv = shlex.split(line)[2:]
    old, new = TESTS / "fixtures" / "diff" / "old.sgv", TESTS / "fixtures" / "diff" / "new.sgv"
    argv = [str(old), str(new)] + argv[2:]
    code, out, err = cli("diff", *argv)
    assert code in (0, 1), err
    assert "error[" not in err
