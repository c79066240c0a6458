"""Issue 20.12: ``--timeout 1e308`` passed the "finite and positive" check and ended in an
OverflowError when turned into milliseconds. Z3 takes an unsigned 32-bit count of
milliseconds, so the longest timeout is 4,294,967 s; a longer one is refused, on the command
line, in sgverify.toml and in the sgverify.testing helpers alike.

    sgverify check spec.sgv --timeout 1e308
"""

from __future__ import annotations

import pytest

from sgverify.project.config import MAX_TIMEOUT
from sgverify.testing import SpecInputError, assert_proved
from tests.support.gate import PROVED, cli, write


@pytest.mark.parametrize("value", ["1e308", "4294968", "1e10"])
@pytest.mark.parametrize("command", ["check", "lint", "audit"])
def test_a_timeout_past_z3s_limit_is_refused(tmp_path, value, command) -> None:
    code, out, err = cli(command, write(tmp_path, "spec.sgv", PROVED), "--timeout", value)
    assert code == 2 and "the timeout must be at most 4,294,967 seconds" in err, out + err


def test_the_longest_timeout_is_accepted(tmp_path) -> None:
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", PROVED), "--timeout", str(MAX_TIMEOUT))
    assert code == 0 and "1 proved" in out


def test_the_config_file_has_the_same_bound(tmp_path, monkeypatch) -> None:
    spec = write(tmp_path, "spec.sgv", PROVED)
    monkeypatch.chdir(tmp_path)  # sgverify.toml is found from the working folder
    write(tmp_path, "sgverify.toml", "timeout = 1e308\n")
    code, out, err = cli("check", spec)
    assert code == 2 and "'timeout' must be at most 4,294,967 seconds" in out + err


def test_the_testing_helpers_have_the_same_bound(tmp_path) -> None:
    with pytest.raises(SpecInputError, match="at most 4,294,967 seconds"):
        assert_proved(write(tmp_path, "spec.sgv", PROVED), timeout=1e308)
