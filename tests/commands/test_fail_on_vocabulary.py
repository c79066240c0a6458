"""One ``--fail-on`` vocabulary (issue 19, CLI conventions): every command that has the
option takes its words from commands.common.FAIL_ON_WORDS, so a word means the same
wherever it is accepted: 'unknown' fails what is not verified (exit 3), 'violated' lets it
pass, 'warning' fails warnings too, 'none' only input errors.

    sgverify check a.sgv --fail-on violated      sgverify audit a.sgv --fail-on violated
"""

from __future__ import annotations

import argparse

import pytest

from sgverify.cli import build_parser
from sgverify.commands.common import FAIL_ON_WORDS
from tests.support.gate import UNKNOWN, cli, write


def fail_on_actions() -> dict[str, argparse.Action]:
    p = build_parser()
    subs = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices
    return {name: a for name, sp in subs.items() for a in sp._actions
            if "--fail-on" in a.option_strings}


def test_every_fail_on_uses_the_shared_words_and_their_meanings() -> None:
    found = fail_on_actions()
    assert set(found) == {"check", "explain", "diff", "lint", "audit"}
    for name, action in found.items():
        for word in action.choices:
            assert word in FAIL_ON_WORDS, (name, word)
            assert f"'{word}': {FAIL_ON_WORDS[word]}" in action.help, (name, word)


@pytest.mark.parametrize("name", ["check", "audit"])
def test_unknown_and_violated_mean_the_same_on_check_and_audit(tmp_path, name) -> None:
    spec = write(tmp_path, "s.sgv", UNKNOWN)
    args = [name, spec, "--no-timing"] + (["--no-cache"] if name == "check" else [])
    unknown = cli(*args)[0]
    assert unknown == 3
    assert cli(*args, "--fail-on", "unknown")[0] == 3
    assert cli(*args, "--fail-on", "violated")[0] == 0
