"""Issue 19.4: ``pytest specs/web.sgv`` ran no test (exit 5) when another spec included
web.sgv, while ``sgverify check specs/web.sgv`` checks it; and test ids credited the
included file's assertions to the including file. The plugin now takes the files and
assertions ``check`` takes: fragments are found among the files asked for, an included file
that stands alone owns its assertions, and one that does not is checked in its includer
under an id naming it.

    pytest web.sgv      pytest .
"""

from __future__ import annotations

import pytest

from tests.integrations.test_pytest_plugin import PLUGIN
from tests.support.gate import cli

pytest_plugins = ["pytester"]

WEB = ("group web { ingress accept tcp 443 from 0.0.0.0/0 }\n"
       "instance w { ip 10.0.0.1; groups web }\n"
       "https: assert w: ingress ipv4 tcp 443 from internet is allowed\n")
MAIN = 'include "web.sgv"\nssh: assert w: ingress tcp 22 from internet is denied\n'


@pytest.fixture
def both(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".sgv", web=WEB, main=MAIN)
    return pytester


def test_an_included_file_given_alone_is_tested(both: pytest.Pytester) -> None:
    result = both.runpytest(*PLUGIN, "web.sgv", "-q")
    result.assert_outcomes(passed=1)
    code, out, _ = cli("check", both.path / "web.sgv", "--no-cache")
    assert code == 0 and "proved: https" in out


def test_each_assertion_is_credited_to_its_own_file(both: pytest.Pytester) -> None:
    result = both.runpytest(*PLUGIN, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["main.sgv::ssh", "web.sgv::https"])
    assert "main.sgv::https" not in result.stdout.str()
    result = both.runpytest(*PLUGIN, "-q")
    result.assert_outcomes(passed=2)


def test_a_fragment_that_does_not_stand_alone_is_tested_in_its_includer(
        pytester: pytest.Pytester) -> None:
    pytester.makefile(".sgv", parts="https: assert w: ingress ipv4 tcp 443 from internet is "
                                    "allowed\n",
                      main="group web { ingress accept tcp 443 from 0.0.0.0/0 }\n"
                           "instance w { ip 10.0.0.1; groups web }\n" + 'include "parts.sgv"\n')
    result = pytester.runpytest(*PLUGIN, "--collect-only", "-q", "-W", "default")
    result.stdout.fnmatch_lines(["main.sgv::https (from parts.sgv)"])
    result = pytester.runpytest(*PLUGIN, "-q")
    result.assert_outcomes(passed=1)


def test_other_options_in_the_includer_give_a_second_item(pytester: pytest.Pytester) -> None:
    pytester.makefile(".sgv", web=WEB, main='option intra-group = fallback\n' + MAIN)
    result = pytester.runpytest(*PLUGIN, "--collect-only", "-q")
    ids = {line for line in result.stdout.lines if "::" in line}
    assert ids == {"main.sgv::https (from web.sgv, with the options of main.sgv)",
                   "main.sgv::ssh", "web.sgv::https"}
