"""Inline suppressions (issue 19, "Select and silence"): ``# sgverify: ignore[CODE] reason``
on a .sgv rule or group, and checkov's ``#sgverify:skip=CODE:reason`` inside a Terraform
resource, accept lint and audit findings, and every format says they were suppressed.

    sgverify lint web.sgv --fail-on warning
    sgverify audit fleet.sgv --control SGV101 --format sarif
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sgverify.core.diagnostics import Span
from sgverify.core.suppress import Suppressions, parse_suppressions
from tests.support.gate import cli, write

LINT = """group web {
  office: ingress accept tcp 22 from 10.0.0.0/24{office}
  half-1: ingress accept tcp 22 from 10.0.0.0/25
  half-2: ingress accept tcp 22 from 10.0.0.128/25
}
"""
FLEET = """group bastion {
  ssh: ingress accept tcp 22 from 0.0.0.0/0{ssh}
}
"""
TF = """resource "alicloud_security_group" "web" {
  name   = "web"
  vpc_id = "vpc-1"
}

resource "alicloud_security_group_rule" "ssh" {
{skip}  type              = "ingress"
  ip_protocol       = "tcp"
  port_range        = "22/22"
  security_group_id = alicloud_security_group.web.id
  cidr_ip           = "0.0.0.0/0"
  policy            = "accept"
  priority          = 1
}
"""


def test_comment_forms() -> None:
    text = ("a  # sgverify: ignore[L101, l102] old range\n"
            "  // sgverify:ignore[SGV101]\n"
            "  #sgverify:skip=L201:health checks\n")
    found = parse_suppressions(text, "x.sgv")
    assert [(s.codes, s.reason, s.span.line, s.alone) for s in found] == [
        (("L101", "L102"), "old range", 1, False), (("SGV101",), "", 2, True),
        (("L201",), "health checks", 3, True)]


def test_a_trailing_comment_is_about_its_own_line_and_a_lone_one_about_the_next() -> None:
    sup = Suppressions({"x.sgv": "r1  # sgverify: ignore[L101] why\nr2\n"
                                 "# sgverify: ignore[L101] why\nr4\n"})
    assert sup.find("L101", Span("x.sgv", 1, 1)) is not None
    assert sup.find("L101", Span("x.sgv", 2, 1)) is None      # below a trailing comment
    assert sup.find("L101", Span("x.sgv", 4, 1)) is not None  # below a lone comment
    assert sup.find("L102", Span("x.sgv", 1, 1)) is None      # another code


def _lint(tmp_path: Path, office: str, *args: str) -> tuple[int, str, str]:
    path = write(tmp_path, "web.sgv", LINT.replace("{office}", office))
    return cli("lint", path, "--fail-on", "warning", "--no-timing", "--color", "never", *args)


def test_lint_suppressed_finding_does_not_fail_and_says_so(tmp_path: Path) -> None:
    code, out, _ = _lint(tmp_path, "")
    assert code == 1 and out.count("warning[L101]:") == 2
    # the two dead rules are half-1 and half-2: suppress each on its own line
    path = write(tmp_path, "web.sgv", LINT.replace("{office}", "").replace(
        "10.0.0.0/25\n", "10.0.0.0/25   # sgverify: ignore[L101] covered by office\n").replace(
        "  half-2:", "  # sgverify: ignore[L101] covered by office\n  half-2:"))
    code, out, _ = cli("lint", path, "--fail-on", "warning", "--no-timing", "--color", "never")
    assert code == 0, out
    assert out.count("warning[L101] (suppressed):") == 2
    assert out.count("  suppressed: covered by office") == 2
    assert out.rstrip().endswith("2 suppressed inline")
    doc = json.loads(cli("lint", path, "--fail-on", "warning", "--format", "json")[1])
    marks = [f.get("suppressed") for i in doc["results"]["files"] for f in i["findings"] if f["code"] == "L101"]
    assert [m["reason"] for m in marks] == ["covered by office"] * 2
    sarif = json.loads(cli("lint", path, "--fail-on", "warning", "--format", "sarif")[1])
    sups = [r.get("suppressions") for r in sarif["runs"][0]["results"] if r["ruleId"] == "L101"]
    assert all(s and s[0]["kind"] == "inSource" for s in sups) and len(sups) == 2
    junit = ET.fromstring(cli("lint", path, "--fail-on", "warning", "--format", "junit")[1])
    skipped = [s.get("message") for s in junit.iter("skipped")]
    assert skipped == ["suppressed: covered by office"]  # one test case: the L101 ones of web


@pytest.mark.parametrize("comment,why", [
    ("   # sgverify: ignore[L101]", "it gives no reason"),
    ("   # sgverify: ignore[L103] no tie here", "no L103 finding starts on its line"),
])
def test_lint_notes_suppressions_that_do_nothing(tmp_path: Path, comment: str, why: str) -> None:
    code, out, _ = _lint(tmp_path, comment)
    assert code == 1 and why in out and "web.sgv:2: note: the suppression of" in out


def test_audit_suppression_on_the_deciding_rule(tmp_path: Path) -> None:
    plain = write(tmp_path, "a.sgv", FLEET.replace("{ssh}", ""))
    assert cli("audit", plain, "--control", "SGV101", "--no-matrix")[0] == 1
    path = write(tmp_path, "b.sgv", FLEET.replace(
        "{ssh}", "   # sgverify: ignore[SGV101] the bastion is the way in"))
    code, out, _ = cli("audit", path, "--control", "SGV101", "--no-timing", "--color", "never")
    assert code == 0, out
    assert "waived: the bastion is the way in (" in out and "b.sgv:2 (inline))" in out
    sarif = json.loads(cli("audit", path, "--control", "SGV101", "--format", "sarif")[1])
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "SGV101")
    assert result["suppressions"][0]["kind"] == "inSource"


def test_terraform_checkov_style_comment_inside_the_resource(tmp_path: Path) -> None:
    plain = write(tmp_path, "a/main.tf", TF.replace("{skip}", ""))
    assert cli("lint", plain)[0] == 1
    path = write(tmp_path, "b/main.tf", TF.replace("{skip}", "  #sgverify:skip=L201:the bastion\n"))
    code, out, _ = cli("lint", path, "--color", "never")
    assert code == 0 and "error[L201] (suppressed)" in out and "suppressed: the bastion" in out
