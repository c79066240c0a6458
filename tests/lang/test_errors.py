"""Bad input: precise diagnostics (code, line, column, plain words) and never a traceback."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from sgverify.api import load_policy
from sgverify.cli import run
from tests.support.helpers import codes

# (source, code, line, column, words in the message)
SYNTAX = [
    ("group g {\n  ingress acept tcp 22 from 1.2.3.4/32\n}", "E001", 2, 11, "expected 'accept'"),
    ("group g {\n  ingress accept tcp 22 from\n}", "E001", 2, 29, "an address or CIDR block"),
    ("group g {\n  ingress accept tcp 22 from 1.2.3.4/32", "E003", 1, 9, "'}' is missing before the end of the file"),
    ("group g { ingress accept tcp 22 from 1.2.3.4/32 prio 1 }", "E001", 1, 49, "unknown word 'prio'"),
    ("assert g: ingress tcp 22 is denid", "E001", 1, 29, "'denied'"),
    ("group g { ingress accept tcp 22 from 1.2.3.4/32 } $", "E002", 1, 51, "unexpected '$'"),
    ("grop g {}", "E001", 1, 1, "unknown word 'grop'"),
]

VALUES = [
    ("group g { ingress accept tcp 70000 from 1.2.3.4/32 }", "E107", 1, 30, "port 70000 is outside 1..65535"),
    ("group g { ingress accept tcp 0 from 1.2.3.4/32 }", "E107", 1, 30, "port 0"),
    ("group g { ingress accept tcp 200/1 from 1.2.3.4/32 }", "E108", 1, 30, "start 200 is greater than end 1"),
    ("group g { ingress accept tcp 9-8 from 1.2.3.4/32 }", "E108", 1, 30, "greater than end"),
    ("group g { ingress accept tcp 22 from 1.2.3.4/33 }", "E109", 1, 38, "prefix length /33"),
    ("group g { ingress accept tcp 22 from 1.2.3.256/32 }", "E109", 1, 38, "greater than 255"),
    ("group g { ingress accept tcp 22 from 1.2.3.4 priority 0 }", "E106", 1, 46, "priority 0 is outside 1..100"),
    ("group g { ingress accept tcp 22 from 1.2.3.4 priority 101 }", "E106", 1, 46, "outside 1..100"),
    ("group g { ingress accept icmp 22 from 1.2.3.4 }", "E117", 1, 26, "icmp has no ports"),
    ("group g { ingress accept tcp from 1.2.3.4 }", "E120", 1, 26, "needs its ports"),
    ("group g { ingress accept proto 300 all from 1.2.3.4 }", "E122", 1, 32, "300 is outside 0..255"),
    ("group g { ingress accept tcp 22 from 1.2.3.4 priority 1 priority 2 }", "E123", 1, 57, "given twice"),
]

NAMES = [
    ("group g { ingress accept tcp 22 from group nope }", "E101", 1, 38, "unknown group 'nope'"),
    ("group g {}\ninstance i { ip 10.0.0.1; groups g, nope }", "E101", 2, 37, "unknown group 'nope'"),
    ("group g {}\nassert g: ingress from instance nope is denied", "E102", 2, 24, "unknown instance 'nope'"),
    ("group g { egress drop all to prefix-list nope }", "E103", 1, 30, "unknown prefix list 'nope'"),
    ("group g { ingress accept tcp 22 from office }", "E104", 1, 38, "unknown address set 'office'"),
    ("group g {}\ngroup g {}", "E105", 2, 1, "defined twice"),
    ("addresses a = b\naddresses b = a\ngroup g { ingress accept tcp 22 from a }", "E104", 2, 15, "refers to itself"),
    ("group c (classic) { ingress accept tcp 22 from 2001:db8::/32 nic intranet }", "E111", 1, 21, "no IPv6"),
    ("group g { ingress accept tcp 22 from 1.2.3.4/32 to 2001:db8::/32 }", "E116", 1, 11, "never match"),
    ("group a (vpc) {}\ngroup b (classic) {}\ninstance i { ip 10.0.0.1; groups a, b }", "E118", 3, 1, "different networks"),
    ("assert nothing: ingress is denied", "E115", 1, 8, "no group or instance"),
    ("group g {}\ninstance g { ip 10.0.0.1; groups g }\nassert g: ingress is denied", "E119", 3, 8, "both a group and an instance"),
    ("option nonsense = on", "E121", 1, 1, "unknown option"),
    ("option intra-group = maybe", "E121", 1, 1, "fallback or override"),
    ("group g (vpc) { ingress accept tcp 22 from 1.2.3.4 nic internet }", "E120", 1, 17, "nic intranet"),
    ("group g { ingress accept tcp 22 }", "E120", 1, 11, "needs its peer"),
    ("group g (aws) { ingress drop tcp 22 from 1.2.3.4 }", "E120", 1, 17, "allow rules only"),
    ("group g { ingress accept tcp 22 from instance i }", "E120", 1, 38, "cannot name an instance"),
]


def _diags(src: str):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "spec.sgv")
        Path(path).write_text(src)
        return load_policy(path, root=tmp).diagnostics


@pytest.mark.parametrize("src,code,line,col,words", SYNTAX + VALUES + NAMES)
def test_diagnostic(src, code, line, col, words) -> None:
    diags = _diags(src)
    match = [d for d in diags if d.code == code]
    assert match, [f"{d.code} {d.span} {d.message}" for d in diags]
    d = match[0]
    assert (d.span.line, d.span.col) == (line, col), f"{d.span}: {d.message}"
    assert words in d.message


def test_host_bits_is_a_warning_with_the_normalised_block() -> None:
    diags = _diags("group g { ingress accept tcp 22 from 10.0.0.1/8 }")
    assert [d.code for d in diags] == ["W110"]
    assert "10.0.0.0/8" in diags[0].message


def test_more_than_ten_groups() -> None:
    groups = "\n".join(f"group g{i} {{}}" for i in range(11))
    names = ", ".join(f"g{i}" for i in range(11))
    assert "E112" in codes(groups + f"\ninstance i {{ ip 10.0.0.1; groups {names} }}")


def test_every_unknown_group_of_an_instance_is_reported() -> None:
    src = "group g {}\ninstance i { ip 10.0.0.1; groups g, x, y }\n"
    found = [(d.code, d.span.col, d.message) for d in _diags(src) if d.is_error]
    assert found == [("E101", 37, "unknown group 'x'"), ("E101", 40, "unknown group 'y'")]


def test_several_syntax_errors_in_one_run() -> None:
    src = "group a {\n  ingress acept tcp 22 from 1.2.3.4\n  ingress accept tcp 22 from 1.2.3.4\n}\n" \
          "group b {\n  egress accept tcp 22 too 1.2.3.4\n}\nassert a: ingress is denid\n"
    found = [(d.code, d.span.line) for d in _diags(src) if d.is_error]
    assert found == [("E001", 2), ("E001", 6), ("E001", 8)]


def test_include_cycle_and_missing(tmp_path: Path) -> None:
    (tmp_path / "a.sgv").write_text('include "b.sgv"\ngroup a {}\n')
    (tmp_path / "b.sgv").write_text('include "a.sgv"\n')
    (tmp_path / "c.sgv").write_text('include "nope.sgv"\n')
    (tmp_path / "d.sgv").write_text('include "../outside.sgv"\n')
    assert [d.code for d in load_policy(str(tmp_path / "a.sgv"), root=str(tmp_path)).diagnostics] == ["E113"]
    assert [d.code for d in load_policy(str(tmp_path / "c.sgv"), root=str(tmp_path)).diagnostics] == ["E114"]
    assert [d.code for d in load_policy(str(tmp_path / "d.sgv"), root=str(tmp_path)).diagnostics] == ["E114"]


def test_include_shares_definitions(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "groups.sgv").write_text("group web { ingress accept tcp 80 from 0.0.0.0/0 }\n")
    (tmp_path / "spec.sgv").write_text('include "common/groups.sgv"\nassert web: ingress tcp 80 from internet is allowed\n')
    rep = load_policy(str(tmp_path / "spec.sgv"), root=str(tmp_path))
    assert rep.policy is not None and len(rep.policy.assertions) == 1


@pytest.mark.parametrize("content,words", [
    (b"group g {}\x00\x01", "binary file"),
    (b"group g { description \xff }", "invalid UTF-8"),
    (b"# " + b"x" * 30000 + b"\n", "over the limit"),
])
def test_unreadable_inputs(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.sgv"
    path.write_bytes(content)
    diags = load_policy(str(path), root=str(tmp_path)).diagnostics
    assert diags and words in diags[0].message


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "loop.sgv").symlink_to(tmp_path / "loop.sgv")
    diags = load_policy(str(tmp_path / "loop.sgv"), root=str(tmp_path)).diagnostics
    assert diags and diags[0].code == "E004"


CORPUS = [s for s, *_ in SYNTAX + VALUES + NAMES] + [
    "", ";;;", "{", "}", "group", "group g (", "group g (vpc,", "assert", "assert g:", "instance i {",
    "group g { ingress accept tcp 22 from 1.2.3.4 } assert g: ingress from 1.2.3.4 except is denied",
    "prefix-list p = group g", "addresses a = instance i", "group g { id x } ", "option = 1",
    'include ""', "include \"/etc/passwd\"", "group g {}\nassert g: ingress from internet except group g is denied",
    "group g {}\nassert g can reach g", "group g {}\ninstance i { groups g }\nassert i can reach i",
    "group g {}\nassert g equivalent to nope", "group g {}\nassert g: tcp 99999 is denied",
    "group g {}\nassert g: ingress peer-groups nope is denied",
]


@pytest.mark.parametrize("src", CORPUS)
def test_no_traceback_for_bad_input(tmp_path: Path, src: str) -> None:
    path = tmp_path / "bad.sgv"
    path.write_text(src)
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", str(path), "--format", "text"], out, err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert code in (0, 1, 2, 3)
    code_json = run(["check", str(path), "--format", "json"], io.StringIO(), err)
    assert code_json == code
    assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize("src,code,words", [
    ("group a (id b) {}\ngroup b {}", "E105", "already identifies group"),
    ("addresses internet = 10.0.0.0/8", "E119", "word of the language"),
    ("group tcp {}", "E119", "word of the language"),
    ("prefix-list p (id pl-1, id pl-2)", "E123", "'id' given twice"),
    ("group c (classic, enterprise) {}", "E118", "VPC only"),
    ("group e (enterprise, intra accept) {}", "W128", "members of this one are isolated"),
    ("group g { ingress accept icmp from 0.0.0.0/0 source-port 22 }", "E117", "no source ports"),
    ("group g {}\nassert g: tcp all is denied", "E123", "join alternatives with 'or'"),
    ("group c (classic) { ingress accept tcp 22 from 1.2.3.4/32 }", "W125", "nic internet"),
])
def test_more_checks(src: str, code: str, words: str) -> None:
    diags = _diags(src)
    assert any(d.code == code and words in d.message for d in diags), [f"{d.code} {d.message}" for d in diags]


def test_prefix_list_errors_reported_once() -> None:
    diags = _diags("prefix-list p = nosuch\ngroup g { ingress accept tcp 22 from prefix-list p }")
    assert [d.code for d in diags] == ["E104"]
