"""Issue 14: a rule line with a no-break space between two words (pasted from a web page)
read clean: the fast reader of plain rule lines took words apart as str.split does, where
Lark skips spaces and tabs only and reports E002. Exit 0 instead of 2.

    sgverify check spec.sgv
"""

from tests.support.gate import cli, write


def test_a_no_break_space_between_words_is_an_error(tmp_path):
    spec = "group g {\n  ingress accept tcp 22\u00a0from 10.0.0.0/8, 11.0.0.0/8\n}\n"
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 2 and "error[E002]" in out, out
