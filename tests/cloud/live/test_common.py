"""The shared part of pulling: retries within a bounded total time, atomic writes of a
pull folder, and the manifest that every reader skips."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.cloud.live.common import (BACKOFF_FIRST, BACKOFF_MAX, MANIFEST, Calls, Pulled, PullError,
                                        Retrier, is_manifest, write_pulled)
from tests.support.gate import cli
from tests.support.paths import ROOT


class Clock:
    """Time that passes only when the retrier sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Flaky(Exception):
    pass


def failing(times: int):
    state = {"left": times}

    def call() -> str:
        if state["left"]:
            state["left"] -= 1
            raise Flaky("busy")
        return "answer"
    return call


def failure(exc: Exception) -> PullError:
    return PullError("E007", f"DescribeX failed ({exc})")


@settings(max_examples=80, deadline=None)
@given(fails=st.integers(0, 40), budget=st.floats(0.1, 60))
def test_retries_stay_within_the_budget(fails, budget) -> None:
    clock = Clock()
    retrier = Retrier(budget, Calls(), sleep=clock.sleep, clock=clock)
    try:
        assert retrier.run("DescribeX", failing(fails), lambda e: isinstance(e, Flaky),
                           failure) == "answer"
        assert retrier.calls.retries == fails
    except PullError as exc:
        assert exc.code == "E007" and "still failing after" in exc.message
        assert "DescribeX failed (busy)" in exc.message
    assert clock.now <= budget  # never sleeps past the budget
    for k, pause in enumerate(clock.slept):  # doubles from BACKOFF_FIRST up to BACKOFF_MAX
        base = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** k)
        assert base / 2 <= pause <= base


def test_an_error_that_is_not_transient_is_not_retried() -> None:
    clock = Clock()
    retrier = Retrier(60, Calls(), sleep=clock.sleep, clock=clock)
    with pytest.raises(PullError) as info:
        retrier.run("DescribeX", failing(1), lambda e: False, failure)
    assert info.value.message == "DescribeX failed (busy)" and clock.slept == []
    assert retrier.calls.calls == 1


def test_a_pull_is_written_at_once_and_read_without_its_manifest(tmp_path) -> None:
    group = {"SecurityGroupId": "sg-1", "VpcId": "vpc-1", "SecurityGroupType": "normal",
             "InnerAccessPolicy": "Accept", "Permissions": {"Permission": [
                 {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
                  "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0", "NicType": "intranet"}]}}
    manifest = {"kind": "sgverify-pull-manifest", "counts": {"groups": 1}}
    written = write_pulled(Pulled({"sg-1.json": group}, manifest), str(tmp_path / "out"))
    assert sorted(os.path.basename(p) for p in written) == [MANIFEST, "sg-1.json"]
    assert is_manifest(json.loads((tmp_path / "out" / MANIFEST).read_text()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left
    code, out, err = cli("import", str(tmp_path / "out"), "--color", "never")
    assert code == 0 and "group sg-1" in out and "manifest" not in err, err
    code, _, err = cli("audit", str(tmp_path / "out"), "--no-timing")
    assert code == 1 and "SGV101" in _ + err


def test_a_file_in_place_of_the_folder_is_refused(tmp_path) -> None:
    (tmp_path / "out").write_text("x")
    with pytest.raises(PullError) as info:
        write_pulled(Pulled({"a.json": {}}, {}), str(tmp_path / "out"))
    assert "is not a folder" in info.value.message and (tmp_path / "out").read_text() == "x"


def test_no_alibaba_credentials_is_e007_at_once(tmp_path) -> None:
    pytest.importorskip("alibabacloud_credentials")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "sgverify", "pull", "aliyun", "--region",
                          "cn-hangzhou", "--endpoint", "http://127.0.0.1:9", "--output",
                          str(tmp_path / "out")], capture_output=True, text=True, env=env,
                         timeout=120, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "error[E007]: DescribeSecurityGroups in region cn-hangzhou: no Alibaba Cloud " \
           "credentials" in run.stderr and "still failing" not in run.stderr
    assert not (tmp_path / "out").exists()
