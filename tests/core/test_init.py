"""``sgverify init``: a starter that proves, and never an overwritten file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gate import cli, write


def test_init_writes_a_starter_that_proves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = cli("init", tmp_path / "repo")
    assert code == 0 and err == ""
    assert (tmp_path / "repo" / "specs" / "example.sgv").is_file()
    assert (tmp_path / "repo" / "sgverify.toml").is_file()
    assert "created" in out and "sgverify check" in out
    monkeypatch.chdir(tmp_path / "repo")
    code, out, _ = cli("check", "--no-timing")  # paths come from the new sgverify.toml
    assert code == 0
    assert out.splitlines()[-1] == "summary: 3 proved, 0 violated, 0 unknown"


def test_init_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("init")
    assert code == 0 and "created specs/example.sgv" in out and "cd " not in out


@pytest.mark.parametrize("existing", ["sgverify.toml", "specs/example.sgv"])
def test_init_refuses_to_overwrite(tmp_path: Path, existing: str) -> None:
    write(tmp_path, existing, "mine\n")
    code, out, err = cli("init", tmp_path)
    assert code == 2 and "never overwrites" in err and out == ""
    assert (tmp_path / existing).read_text() == "mine\n"
    others = {"sgverify.toml", "specs/example.sgv"} - {existing}
    assert not any((tmp_path / o).exists() for o in others)  # wrote nothing


def test_init_refuses_when_pyproject_already_configures(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.sgverify]\npaths = ['x']\n")
    code, _, err = cli("init", tmp_path)
    assert code == 2 and "already has a [tool.sgverify] table" in err
    assert not (tmp_path / "sgverify.toml").exists()


def test_init_target_must_be_a_folder(tmp_path: Path) -> None:
    write(tmp_path, "file", "x")
    code, _, err = cli("init", tmp_path / "file")
    assert code == 2 and "is not a folder" in err
