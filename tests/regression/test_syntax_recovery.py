"""Issue 19 (CLI conventions, syntax recovery): a misspelt word at the start of a rule hid
the rest of the group's errors, and a missing '}' was reported as "unknown word" on the
next statement. Now the misspelt line alone is skipped, and an unclosed brace is named at
the brace, with where the '}' is missing.

    sgverify check spec.sgv
"""

from __future__ import annotations

from sgverify.lang.build import build_document


def errors(text: str) -> list[tuple[str, int, int, str]]:
    _, diags = build_document(text, "s.sgv")
    return [(d.code, d.span.line, d.span.col, d.message) for d in diags if d.is_error]


def test_a_misspelt_rule_does_not_hide_the_groups_other_errors() -> None:
    found = errors("group web {\n  ingres accept tcp 22 from 10.0.0.0/8\n"
                   "  ingress accept tcp 99999 from 10.0.0.0/8\n"
                   "  egress acept tcp 22 to 1.2.3.4\n}\n")
    found.sort(key=lambda d: d[1])
    assert [(c, line) for c, line, _, _ in found] == [("E001", 2), ("E107", 3), ("E001", 4)]
    assert "unknown word 'ingres'" in found[0][3] and "'acept'" in found[2][3]


def test_a_missing_brace_is_named_at_the_brace() -> None:
    found = errors("group web {\n  ingress accept tcp 22 from 10.0.0.0/8\n\n"
                   "instance w { ip 10.0.0.1; groups web }\ngrop x {}\n")
    assert found[0][:3] == ("E001", 1, 11)
    assert found[0][3] == "the '{' on line 1 is not closed: '}' is missing before line 4"
    assert any(line == 5 for _, line, _, _ in found)  # the rest of the file is still read
    assert not any("unknown word 'instance'" in m for *_, m in found)


def test_braces_in_strings_and_comments_do_not_count() -> None:
    assert errors('group web (description "a { b") {  # {\n'
                  "  ingress accept tcp 22 from 10.0.0.0/8\n}\ninstance w { ip 10.0.0.1; groups web }\n") == []


def test_a_missing_brace_at_the_end_of_the_file() -> None:
    (found,) = errors("group web {\n  ingress accept tcp 22 from 10.0.0.0/8\n")
    assert found == ("E003", 1, 11, "the '{' on line 1 is not closed: '}' is missing before "
                     "the end of the file")
