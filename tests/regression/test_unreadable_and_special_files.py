"""Issue 20.7, 20.8 and 20.13: an unreadable subfolder was skipped silently (exit 0); a
FIFO given as a spec, an include, inside a checked folder or as sgverify.toml blocked
forever; a sgverify.toml that is not UTF-8 ended in a traceback. Each is now an error
(exit 2) that names the file or folder.

    sgverify check DIR      sgverify check fifo.sgv      sgverify check spec.sgv
"""

from __future__ import annotations

import os

import pytest

from tests.support.gate import cli, write

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def test_an_unreadable_subfolder_is_an_error(tmp_path, monkeypatch) -> None:
    write(tmp_path, "ok.sgv", "group g {}\n")
    write(tmp_path, "locked/x.sgv", "group h {}\n")
    real = os.scandir

    def scandir(path="."):  # what a folder without read permission does (tests run as root)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(os, "scandir", scandir)
    code, out, _ = cli("check", str(tmp_path))
    assert code == 2 and "locked: error[E004]: cannot read this folder (Permission denied)" in out


@pytest.mark.parametrize("how", ["alone", "include", "folder"])
def test_a_fifo_is_refused_not_read(tmp_path, how) -> None:
    os.mkfifo(tmp_path / "pipe.sgv")
    write(tmp_path, "main.sgv", 'include "pipe.sgv"\n')
    target = {"alone": tmp_path / "pipe.sgv", "include": tmp_path / "main.sgv",
              "folder": tmp_path}[how]
    code, out, _ = cli("check", str(target), "--no-cache")
    assert code == 2 and "is a named pipe (FIFO), not a regular file" in out


def test_a_fifo_settings_file_is_refused(tmp_path, monkeypatch) -> None:
    write(tmp_path, "spec.sgv", "group g {}\n")
    os.mkfifo(tmp_path / "sgverify.toml")
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("check", "spec.sgv")
    assert code == 2 and "sgverify.toml: is a named pipe (FIFO)" in err


def test_settings_that_are_not_utf8_are_an_error(tmp_path, monkeypatch) -> None:
    write(tmp_path, "spec.sgv", "group g {}\n")
    (tmp_path / "sgverify.toml").write_bytes(b'timeout = "\xff"\n')
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("check", "spec.sgv")
    assert code == 2 and "sgverify.toml: invalid UTF-8 (byte 0xff on line 1)" in err
