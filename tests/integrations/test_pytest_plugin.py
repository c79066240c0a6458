"""The pytest plugin (run inside pytester) and the ``sgverify.testing`` assertions."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from sgverify.core.result import Verdict
from sgverify.testing import (SpecAssertionError, SpecInputError, assert_allowed, assert_denied,
                              assert_proved, assert_reachable)
from tests.support.gate import SPECS
from tests.support.paths import ROOT

pytest_plugins = ["pytester"]

# The plugin is loaded explicitly: '-p no:sgverify' first, so that an installed copy's entry
# point does not register the same module a second time. Hypothesis's plugin is left out
# of the inner runs only to keep them fast.
PLUGIN = ("-p", "no:sgverify", "-p", "sgverify.integrations.pytest_plugin", "-p", "no:hypothesispytest")

WEB = """\
group web (vpc, basic) {
  allow-https: ingress accept tcp 443 from 0.0.0.0/0 priority 1
  allow-ssh:   ingress accept tcp 22 from 1.2.3.4/32 priority 1
}
instance web-1 { ip 10.0.1.5; groups web }
https-open: assert web-1: ingress tcp 443 from internet is allowed
ssh-closed: assert web-1: ingress tcp 22 from internet peer-groups none is denied
assert web-1: ingress tcp 80 from internet peer-groups none is denied
"""


@pytest.fixture
def specs(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".sgv", web=WEB, unknown=SPECS["unknown"], broken=SPECS["error"],
                      warned=SPECS["warning"])
    return pytester


def test_collects_assertions_as_items(specs: pytest.Pytester) -> None:
    result = specs.runpytest(*PLUGIN, "--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "broken.sgv::load",
        "unknown.sgv::maybe",
        "warned.sgv::db",
        "web.sgv::https-open",
        "web.sgv::ssh-closed",
        "web.sgv::web-1: ingress tcp 80 from internet peer-groups none is denied",
    ])


def test_failures_show_counterexample_and_deciding_rule(specs: pytest.Pytester) -> None:
    result = specs.runpytest(*PLUGIN, "-rfs")
    result.assert_outcomes(passed=3, failed=3, warnings=1)
    result.stdout.fnmatch_lines([
        "*sgverify assertion: ssh-closed*",
        "web.sgv:7:1: error[E301]: violated: ssh-closed: web-1: ingress tcp 22 from internet "
        "peer-groups none is denied",
        "  counterexample: ingress tcp 1.2.3.4:1024 -> 10.0.1.5:22",
        "    decided by: rule allow-ssh of group web (priority 1, accept) at web.sgv:3:3",
    ])
    text = result.stdout.str()
    # unknown fails closed; input errors are one failing 'load' item with the diagnostics
    assert "unknown.sgv:3:1: warning[W401]: unknown: maybe: g: ingress tcp 22" in text
    assert "broken.sgv: cannot be checked (1 input error):\nbroken.sgv:1:26: error[E001]" in text
    assert "SgverifyWarning: warned.sgv:1:38: warning[W110]" in text
    assert "Traceback" not in text


def test_keyword_and_exitfirst(specs: pytest.Pytester) -> None:
    result = specs.runpytest(*PLUGIN, "-k", "https or ssh")
    result.assert_outcomes(passed=1, failed=1, deselected=4)
    result = specs.runpytest(*PLUGIN, "-x", "web.sgv")
    result.assert_outcomes(passed=1, failed=1)  # stopped at ssh-closed, before the third


def test_last_failed(specs: pytest.Pytester) -> None:
    specs.runpytest(*PLUGIN)
    result = specs.runpytest(*PLUGIN, "--lf", "-p", "cacheprovider")
    result.assert_outcomes(failed=3)


def test_config_fail_on_violated_skips_unknown(specs: pytest.Pytester) -> None:
    specs.makefile(".toml", sgverify='fail-on = "violated"\n')
    result = specs.runpytest(*PLUGIN, "unknown.sgv", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*not verified (unknown)*fail-on = \"violated\"*"])


def test_bad_config_is_a_usage_error(specs: pytest.Pytester) -> None:
    specs.makefile(".toml", sgverify="nonsense = 1\n")
    result = specs.runpytest(*PLUGIN, "web.sgv")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown key 'nonsense'*"])


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist not installed")
def test_xdist(specs: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    result = specs.runpytest_subprocess(*PLUGIN, "-p", "xdist", "-n", "2")
    outcomes = result.parseoutcomes()  # each worker collects, so each warns once
    assert (outcomes.get("passed"), outcomes.get("failed")) == (3, 3), outcomes
    result.stdout.fnmatch_lines(["*counterexample: ingress tcp 1.2.3.4:1024 -> 10.0.1.5:22*"])


# ---------------------------------------------------------------- sgverify.testing


@pytest.fixture
def web(tmp_path: Path) -> Path:
    path = tmp_path / "web.sgv"
    path.write_text(WEB)
    return path


def test_assertions_that_hold(web: Path) -> None:
    assert assert_denied(web, "web-1", "ingress tcp 80 from internet peer-groups none").verdict \
        is Verdict.PROVED
    assert_allowed(str(web), "web-1", "ingress tcp 443 from internet")
    witness = assert_reachable(web, "web-1", "ingress tcp 22")
    assert witness.flow is not None and witness.flow.dst_port == 22
    assert_denied(WEB, "group web", "ingress tcp 80 from internet peer-groups none")  # spec text


def test_a_violation_carries_the_counterexample(web: Path) -> None:
    with pytest.raises(SpecAssertionError) as exc:
        assert_denied(web, "web-1", "ingress tcp 22 from internet peer-groups none")
    err = exc.value
    assert isinstance(err, AssertionError)
    assert err.result.verdict is Verdict.VIOLATED and err.result.code == "E301"
    assert str(err.flow) == "ingress tcp 1.2.3.4:1024 -> 10.0.1.5:22"
    assert "decided by: rule allow-ssh of group web" in str(err)
    with pytest.raises(SpecAssertionError):
        assert_allowed(web, "web-1", "ingress tcp 22 from internet")
    with pytest.raises(SpecAssertionError):
        assert_reachable(web, "web-1", "ingress tcp 25 peer-groups none")


def test_unknown_is_not_a_pass(tmp_path: Path) -> None:
    with pytest.raises(SpecAssertionError) as exc:
        assert_denied(SPECS["unknown"], "g", "ingress tcp 22 from internet peer-groups none")
    assert exc.value.result.verdict is Verdict.UNKNOWN


def test_includes_resolve_from_the_real_file(tmp_path: Path) -> None:
    (tmp_path / "groups.sgv").write_text("group g { ingress accept tcp 443 from 0.0.0.0/0, ::/0 }\n")
    (tmp_path / "main.sgv").write_text('include "groups.sgv"\n')
    assert_allowed(tmp_path / "main.sgv", "g", "ingress tcp 443 from internet")


@pytest.mark.parametrize("target,flows,words", [
    ("nope", "ingress tcp 22", "nope"),
    ("web-1", "ingress tcp 70000", "E107"),
    ("web-1", "ingress tcp 22\ngroup x {}", "one non-empty line"),
    ("", "ingress", "one non-empty line"),
])
def test_bad_input_raises_input_error(web: Path, target: str, flows: str, words: str) -> None:
    with pytest.raises(SpecInputError) as exc:
        assert_denied(web, target, flows)
    assert words in str(exc.value)
    assert not isinstance(exc.value, AssertionError)


def test_assert_proved(web: Path, tmp_path: Path) -> None:
    with pytest.raises(SpecAssertionError) as exc:
        assert_proved(web)
    assert exc.value.result.assertion.name == "ssh-closed"
    ok = tmp_path / "ok.sgv"
    ok.write_text(WEB.replace("from 1.2.3.4/32", "from 10.0.0.0/8"))
    assert [r.verdict for r in assert_proved(ok)] == [Verdict.PROVED] * 3
    with pytest.raises(SpecInputError, match="no such file"):
        assert_proved(tmp_path / "missing.sgv")
    (tmp_path / "empty.sgv").write_text("group g {}\n")
    with pytest.raises(SpecInputError, match="no assertions"):
        assert_proved(tmp_path / "empty.sgv")


def test_traceback_is_hidden_in_pytest_reports(pytester: pytest.Pytester, web: Path) -> None:
    pytester.makepyfile(test_policy=f"""
        from sgverify.testing import assert_denied

        def test_ssh():
            assert_denied({str(web)!r}, "web-1", "ingress tcp 22 from internet peer-groups none")
        """)
    result = pytester.runpytest("-p", "no:sgverify", "-p", "no:hypothesispytest")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "SpecAssertionError: violated" in text and "counterexample: ingress tcp 1.2.3.4:1024" in text
    assert "def _check_one" not in text  # __tracebackhide__ keeps sgverify's frames out


def test_fragments_are_collected_through_their_includer(pytester: pytest.Pytester) -> None:
    pytester.makefile(".sgv", groups="group web { ingress accept tcp 443 from 0.0.0.0/0 }\n",
                      instances="instance w { ip 10.0.0.1; groups web }\n",
                      main='include "groups.sgv"\ninclude "instances.sgv"\n'
                           "https: assert w: ingress ipv4 tcp 443 from internet is allowed\n")
    result = pytester.runpytest(*PLUGIN, "-q", "-W", "default")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*instances.sgv: checked as part of*main.sgv*"])
