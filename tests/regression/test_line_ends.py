"""Issue 20.6: with CR-only line ends (or U+2028, U+0085, VT, FF) a `#` comment ran to the
next LF and swallowed the statements after it: "no assertions to check", exit 0. Line ends
are what str.splitlines calls line ends, in the lexer, in positions and in carets.

    sgverify check spec.sgv
"""

from __future__ import annotations

import pytest

from tests.support.gate import cli, write

ENDS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
SPEC = ["group g { ingress accept tcp 22 from 0.0.0.0/0 }  # open",
        "// a comment",
        "ssh: assert group g: ingress tcp 22 from internet is denied",
        "web: assert group g: ingress tcp 80 from internet is denied"]


@pytest.mark.parametrize("end", ENDS, ids=lambda e: f"U+{ord(e[-1]):04X}")
def test_every_line_end_ends_a_comment(tmp_path, end) -> None:
    path = write(tmp_path, "spec.sgv", end.join(SPEC) + end)
    code, out, _ = cli("check", path, "--no-timing")
    assert code == 1, out
    assert "spec.sgv:3:1: error[E301]: violated: ssh" in out
    assert "spec.sgv:4:1: proved: web" in out


@pytest.mark.parametrize("end", ENDS, ids=lambda e: f"U+{ord(e[-1]):04X}")
def test_positions_and_carets_count_the_same_lines(tmp_path, end) -> None:
    text = end.join(["# one", "group g {}", "grop h {}"]) + end
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", text))
    assert code == 2 and "spec.sgv:3:1: error[E001]" in out
    assert "    3 | grop h {}" in out
