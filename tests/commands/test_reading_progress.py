"""Reading many input files shows a bar on a terminal (issue 14: "long runs show progress
(a bar on a TTY: reading, checking, writing), nothing on a pipe"). Reading 1,000 API JSON
files took seconds with nothing on the screen.

    sgverify lint FOLDER_OF_1000_JSON_FILES
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sgverify.cli import run
from sgverify.commands.common import READING_BAR_FROM


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def group(i: int) -> str:
    return json.dumps({
        "SecurityGroupId": f"sg-bp1a{i:014d}", "SecurityGroupName": f"g{i}",
        "SecurityGroupType": "normal", "VpcId": "vpc-bp1main0000000000001",
        "InnerAccessPolicy": "Accept",
        "Permissions": {"Permission": [
            {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
             "PortRange": "22/22", "SourceCidrIp": f"10.0.{i}.0/24", "NicType": "intranet"}]}})


def folder(tmp_path: Path, n: int) -> str:
    for i in range(n):
        (tmp_path / f"g{i:03d}.json").write_text(group(i))
    return str(tmp_path)


@pytest.mark.parametrize("command", [["import"], ["lint"], ["audit", "--no-matrix"],
                                     ["export", "--format", "aliyun"], ["reach"]])
def test_a_terminal_sees_a_bar_while_many_files_are_read(tmp_path: Path, command) -> None:
    path = folder(tmp_path, READING_BAR_FROM + 5)
    err = Tty()
    run([command[0], path, *command[1:]], io.StringIO(), err)
    text = err.getvalue()
    assert f"/{READING_BAR_FROM + 5} files read" in text, text
    assert f"{READING_BAR_FROM + 5}/{READING_BAR_FROM + 5} files read" in text  # it ends full
    assert "\r\033[K" in text  # and the line is cleared


def test_nothing_on_a_pipe_nor_for_a_few_files(tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    err = io.StringIO()
    run(["import", folder(many, READING_BAR_FROM + 5)], io.StringIO(), err)
    assert "files read" not in err.getvalue()
    few = tmp_path / "few"
    few.mkdir()
    err = Tty()
    run(["import", folder(few, 3)], io.StringIO(), err)
    assert "files read" not in err.getvalue()
