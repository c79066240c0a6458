"""Issue 19 (CLI conventions): a usage error printed the top-level usage; subcommands had
no description or examples; ``--color`` had no help and ignored FORCE_COLOR and TERM=dumb;
there was no ``-V``; ``export`` required its only format. Now each is as checkov, trivy and
cfn-lint users expect.

    sgverify check x.sgv --timeout nope      sgverify audit --help      sgverify -V
"""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from sgverify.cli import build_parser
from sgverify.commands import REGISTRY
from sgverify.commands.common import style_for
from tests.support.gate import cli


def subparsers() -> dict[str, argparse.ArgumentParser]:
    p = build_parser()
    return next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices


@pytest.mark.parametrize("name", [n for n, _, _ in REGISTRY])
def test_a_usage_error_prints_the_subcommands_usage(name) -> None:
    code, _, err = cli(name, "x.sgv", "y.sgv", "--no-such-option")
    assert code == 2 and err.startswith(f"usage: sgverify {name} "), err
    assert f"sgverify {name}: error: " in err, err


def test_an_unknown_option_is_named_under_its_subcommand() -> None:
    code, _, err = cli("check", "x.sgv", "--no-such-option")
    assert code == 2 and err.startswith("usage: sgverify check ")
    assert "sgverify check: error: unrecognized arguments: --no-such-option" in err


@pytest.mark.parametrize("name", [n for n, _, _ in REGISTRY])
def test_every_subcommand_has_a_description_examples_and_option_help(name) -> None:
    sp = subparsers()[name]
    assert sp.description and "examples:\n  sgverify " + name in (sp.epilog or "")
    missing = [a.option_strings or a.dest for a in sp._actions
               if not a.help and not isinstance(a, argparse._HelpAction)]
    assert not missing, missing


def test_version_short_and_long() -> None:
    for flag in ("-V", "--version"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code, _, _ = cli(flag)
        assert code == 0 and out.getvalue().startswith("sgverify ")


@pytest.mark.parametrize("env, tty, want", [
    ({}, True, True), ({}, False, False), ({"NO_COLOR": "1"}, True, False),
    ({"TERM": "dumb"}, True, False), ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False)])
def test_color_follows_the_conventions(monkeypatch, env, tty, want) -> None:
    for key in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty
    assert bool(style_for("auto", Stream()).color) is want


def test_export_defaults_its_only_format(tmp_path) -> None:
    spec = tmp_path / "s.sgv"
    spec.write_text("group g { ingress accept tcp 22 from 10.0.0.0/8 }\n")
    code, out, _ = cli("export", spec)
    assert code == 0 and out.lstrip().startswith("[")
