"""Issue 20.5: `check DIR` checked an included file only inside its includer, under the
includer's options: `check .` said "common.sgv:4:1: proved" where `check common.sgv` says
violated. A fragment that stands alone is checked on its own too; where its includer's
options differ, both verdicts are reported and the includer's says under which options.

    sgverify check DIR
"""

from tests.support.gate import cli, write

COMMON = ("group g { egress drop tcp 25 to 0.0.0.0/0 priority 100 }\n"
          "c: assert group g: egress tcp 25 to internet is denied\n")


def test_a_fragment_is_checked_under_its_own_options_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "common.sgv", COMMON)
    write(tmp_path, "main.sgv", 'include "common.sgv"\noption block-outbound-tcp25 = on\n')
    alone = cli("check", "common.sgv")
    assert alone[0] == 1 and "violated: c:" in alone[1]
    code, out, _ = cli("check", ".")
    assert code == 1
    assert "common.sgv:2:1: error[E301]: violated: c:" in out
    assert "common.sgv:2:1: proved: c:" in out
    assert "checked as part of main.sgv, under its options" in out
    assert "1 proved, 1 violated" in out


def test_same_options_report_the_assertion_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "common.sgv", COMMON)
    write(tmp_path, "main.sgv", 'include "common.sgv"\n')
    code, out, _ = cli("check", ".")
    assert code == 1 and out.count("violated: c:") == 1 and "0 proved, 1 violated" in out


def test_a_fragment_that_needs_its_includer_is_checked_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "part.sgv", "assert group h: ingress tcp 22 from internet is denied\n")
    write(tmp_path, "main.sgv", 'include "part.sgv"\ngroup h {}\n')
    code, out, _ = cli("check", ".")
    assert code == 0 and out.count("proved: group h") == 1
    assert "part.sgv: checked as part of main.sgv, which includes it (on its own it does not resolve)" in out
