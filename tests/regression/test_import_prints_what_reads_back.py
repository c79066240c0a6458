"""Issue 20.19: imported ids with NUL or RTL-override characters were printed raw, so the
.sgv that ``import`` printed could not be read back (a NUL makes it a binary file; a bidi
override hides what the line holds). Strings now print control, format and separator
characters as ``\\uXXXX`` escapes, which the language reads; ``import`` round-trips.

    sgverify import group.json > group.sgv && sgverify check group.sgv
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.lang.build import build_document
from sgverify.lang.printer import format_document, quote
from tests.lang.test_format import without_spans
from tests.support.gate import cli, write
from tests.support.inputs import imported

HOSTILE = ["sg-a\x00b", "x\u202ey", "r\u2066l\u2069", "\u200b", "a\nb\rc\u2028d", "tab\there",
           "bom\ufeff", "\x7f\x85", "quote\" and \\ back", "\\u0041 is not A", "emoji \U0001F600",
           "tag \U000E0001", "private \ue000"]


def group_json(gid: str, description: str) -> str:
    return json.dumps({"SecurityGroupId": gid, "Description": description, "VpcId": "vpc-1",
                       "SecurityGroupType": "normal", "Permissions": {"Permission": [
                           {"IpProtocol": "TCP", "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0",
                            "Policy": "Accept", "Direction": "ingress",
                            "Description": description}]}})


def round_trip(tmp_path, gid: str, description: str) -> tuple[str, list, list]:
    path = write(tmp_path, "g.json", group_json(gid, description))
    result = imported(str(path))
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    printed = "".join(format_document(doc) for doc in result.documents)
    again, diags = build_document(printed, "printed.sgv")
    assert not [d for d in diags if d.is_error], (printed, diags)
    return printed, [without_spans(s) for d in result.documents for s in d.statements], \
        [without_spans(s) for s in again.statements]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_ids_and_descriptions_print_and_read_back(tmp_path, text) -> None:
    printed, before, after = round_trip(tmp_path, "sg-" + text, text)
    assert after == before
    assert printed.isprintable() or set(printed) - set(filter(str.isprintable, printed)) <= {"\n"}
    assert "\u202e" not in printed and "\x00" not in printed


def test_the_printed_file_is_checked_by_the_command_line(tmp_path) -> None:
    code, out, err = cli("import", write(tmp_path, "g.json", group_json("sg-a\x00b", "d\u202e")))
    assert code == 0 and 'id "sg-a\\u0000b"' in out and 'description "d\\u202e"' in out
    spec = write(tmp_path, "g.sgv", out + "a: assert group sg-a-b: ingress tcp 22 from "
                                          "internet is denied\n")
    code, out, _ = cli("check", spec, "--no-cache")
    assert code == 1 and "violated: a" in out, out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gid=st.text(min_size=1, max_size=12).filter(lambda s: "/" not in s and s.strip()),
       description=st.text(max_size=20))
def test_any_text_prints_and_reads_back(tmp_path, gid, description) -> None:
    _, before, after = round_trip(tmp_path, gid, description)
    assert after == before


@given(st.text(max_size=30))
def test_a_quoted_string_reads_back_as_itself(text) -> None:
    doc, diags = build_document(f"group g (description {quote(text)}) {{}}\n", "q.sgv")
    assert not [d for d in diags if d.is_error]
    assert doc.statements[0].description == text
    assert "\n" not in quote(text) and "\r" not in quote(text)


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\U00110000"])
def test_an_escape_that_names_no_character_is_an_error(escape) -> None:
    _, diags = build_document(f'group g (id "a{escape}") {{}}\n', "q.sgv")
    assert [d.code for d in diags] == ["E001"] and "is not a character" in diags[0].message
