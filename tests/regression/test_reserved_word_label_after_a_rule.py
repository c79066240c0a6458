"""A rule line followed by a line whose "label" is a reserved word read clean, as two
rules, through the fast rule reader, while the grammar reads that line as the rule above
going on (a from-clause) and reports E001 at the ':'. Found by the fast reader's property
test in CI; the reader had it since before the fast paths of issue 14.

    sgverify check spec.sgv      # spec.sgv below
"""

from __future__ import annotations

from pathlib import Path

from tests.support.gate import cli, write

SPEC = """group g {
  ingress accept tcp 22 from 10.0.0.0/8
  from: ingress accept all from 10.0.0.0/8
}
"""


def test_the_line_is_the_rule_above_going_on_as_the_grammar_reads_it(tmp_path: Path) -> None:
    spec = write(tmp_path, "spec.sgv", SPEC)
    code, out, err = cli("check", str(spec))
    assert code == 2, out + err
    assert "spec.sgv:3:7: error[E001]: unexpected ':'" in out + err


def test_a_plain_label_still_starts_a_rule(tmp_path: Path) -> None:
    spec = write(tmp_path, "spec.sgv", SPEC.replace("from:", "web:"))
    code, out, err = cli("check", str(spec))
    assert code == 0, out + err
