"""Configuration: the nearest sgverify.toml or [tool.sgverify], checked key by key, and
overlaid as defaults < file < command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sgverify.project.config import (DEFAULTS, Config, ConfigError, discover, find_config,
                                     load_config)
from tests.support.gate import SPECS, cli, write


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository folder that is the working directory."""
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def test_nearest_file_wins_walking_up(repo: Path) -> None:
    sub = repo / "a" / "b"
    sub.mkdir(parents=True)
    write(repo, "sgverify.toml", "timeout = 5\n")
    write(repo / "a", "pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.sgverify]: skipped
    assert find_config(str(sub)) == str(repo / "sgverify.toml")
    write(repo / "a", "pyproject.toml", "[tool.sgverify]\ntimeout = 7\n")
    assert find_config(str(sub)) == str(repo / "a" / "pyproject.toml")
    assert discover(str(sub)).timeout == 7.0
    write(repo / "a", "sgverify.toml", "timeout = 9\n")  # beats pyproject.toml in one folder
    assert discover(str(sub)).timeout == 9.0


def test_all_keys_and_relative_paths(repo: Path) -> None:
    write(repo, "sgverify.toml", 'timeout = 30\nfail-on = "violated"\nformat = "json"\n'
                                 'baseline = "b.json"\npaths = ["specs", "more/x.sgv"]\n')
    conf = load_config(str(repo / "sgverify.toml"))
    assert conf == Config(30.0, "violated", "json", "b.json", ("specs", "more/x.sgv"), "sgverify.toml")


def test_overlay_order() -> None:
    file = Config(timeout=5.0, fail_on="violated", format="json")
    cli_args = Config(fail_on="warning", paths=("x",))
    merged = DEFAULTS.overlay(file).overlay(cli_args)
    assert (merged.timeout, merged.fail_on, merged.format, merged.paths, merged.baseline) == \
        (5.0, "warning", "json", ("x",), None)
    assert DEFAULTS.overlay(Config()) == DEFAULTS


@pytest.mark.parametrize("text,words", [
    ("fail_on = 'violated'\n", "unknown key 'fail_on' (known keys: baseline, fail-on, format, "
                               "limits, paths, timeout); did you mean 'fail-on'?"),
    ("colour = true\n", "unknown key 'colour'"),
    ("[tool.sgverify]\ntimeout = 1\n", "in sgverify.toml write the keys at the top level"),
    ("timeout = 0\n", "'timeout' must be a finite number of seconds greater than 0, not 0"),
    ("timeout = 'soon'\n", "'timeout' must be a finite number"),
    ("fail-on = 'sometimes'\n", "'fail-on' must be one of 'violated', 'unknown', 'warning'"),
    ("format = 'yaml'\n", "'format' must be one of 'text', 'json', 'sarif', 'junit'"),
    ("paths = []\n", "'paths' must be a list of files or folders"),
    ("baseline = 3\n", "'baseline' must be a file name"),
    ("timeout = \n", "invalid TOML"),
])
def test_bad_configuration_is_a_clear_error(repo: Path, text: str, words: str) -> None:
    write(repo, "sgverify.toml", text)
    with pytest.raises(ConfigError) as exc:
        discover()
    assert words in str(exc.value) and "sgverify.toml" in str(exc.value)
    write(repo, "s.sgv", SPECS["proved"])
    code, out, err = cli("check", "s.sgv")
    assert code == 2 and words in err and "Traceback" not in err and out == ""


def test_unknown_key_in_pyproject_names_the_table(repo: Path) -> None:
    write(repo, "pyproject.toml", "[tool.sgverify]\nthreshold = 'x'\n")
    code, _, err = cli("check", "x.sgv")
    assert code == 2
    assert "pyproject.toml [tool.sgverify]: unknown key 'threshold'" in err


def test_check_uses_configured_paths_and_settings(repo: Path) -> None:
    write(repo, "specs/v.sgv", SPECS["violated"])
    write(repo, "specs/u.sgv", SPECS["unknown"])
    write(repo, "other/p.sgv", SPECS["proved"])
    write(repo, "sgverify.toml", 'paths = ["specs"]\nfail-on = "violated"\nformat = "json"\n')
    code, out, _ = cli("check")
    doc = json.loads(out)
    assert [f["path"] for f in doc["results"]["files"]] == ["specs/u.sgv", "specs/v.sgv"]
    assert doc["summary"]["fail_on"] == "violated" and code == 1
    # the command line overrides every key
    code, out, _ = cli("check", "other", "--format", "text", "--fail-on", "unknown")
    assert code == 0 and out.startswith("other/p.sgv:2:1: proved")
    code, out, _ = cli("check", "specs/u.sgv", "--format", "text")
    assert code == 0  # fail-on from the file still applies
    code, out, _ = cli("check", "specs/u.sgv", "--fail-on", "unknown")
    assert code == 3


def test_configured_paths_are_relative_to_the_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo, "specs/p.sgv", SPECS["proved"])
    write(repo, "sgverify.toml", 'paths = ["specs"]\n')
    (repo / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(repo / "deep" / "er")
    code, out, _ = cli("check", "--no-timing")
    assert code == 0 and str(repo / "specs" / "p.sgv") in out


def test_no_paths_anywhere_is_a_usage_error(repo: Path) -> None:
    code, _, err = cli("check")
    assert code == 2 and "no PATH given" in err


def test_explicit_config_file(repo: Path) -> None:
    write(repo, "ci/strict.toml", 'fail-on = "warning"\n')
    write(repo, "w.sgv", SPECS["warning"])
    assert cli("check", "w.sgv")[0] == 0
    assert cli("check", "w.sgv", "--config", "ci/strict.toml")[0] == 1
    code, _, err = cli("check", "w.sgv", "--config", "ci/none.toml")
    assert code == 2 and "ci/none.toml: cannot read" in err


def test_timeout_from_the_command_line_must_be_positive(repo: Path) -> None:
    write(repo, "p.sgv", SPECS["proved"])
    code, _, err = cli("check", "p.sgv", "--timeout", "0")
    assert code == 2 and "greater than 0" in err
