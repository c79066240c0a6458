"""``sgverify audit`` as users run it: text, JSON, SARIF, JUnit and HTML; exit codes;
settings and waivers; the progress bar on terminals only; errors without tracebacks."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sgverify.cli import run
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "audit"
FLEET = str(FIXTURES / "fleet.sgv")
SETTINGS = str(FIXTURES / "fleet-audit.toml")


def sgv(*argv: str, tty: bool = False) -> tuple[int, str, str]:
    out = io.StringIO()
    err = _Tty() if tty else io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_report_and_exit_code() -> None:
    code, out, err = sgv("audit", FLEET, "--no-timing")
    assert code == 1, err  # violations
    assert "SGV101 high     ssh-internet: SSH is not open to the internet" in out
    assert "fleet.sgv:20:1: error[SGV101]: violated: group bastion: SSH is not open" in out
    assert "counterexample: ingress tcp 1.0.0.1:1024 -> 10.0.0.1:22" in out
    assert "decided by: rule ssh of group bastion (priority 1, accept)" in out
    assert "fleet.sgv:27:1: warning[SGV110]: unknown: group dev:" in out and "prefix list pl-partners" in out
    assert out.rstrip().splitlines()[-1].startswith("summary: 11 controls")
    assert "Traceback" not in err
    # Deterministic.
    assert sgv("audit", FLEET, "--no-timing")[1] == out


def test_settings_waivers_and_custom_controls() -> None:
    code, out, _ = sgv("audit", FLEET, "--settings", SETTINGS, "--no-timing")
    assert code == 1
    assert "fleet.sgv:20:1: note[SGV101]: waived: group bastion:" in out and "waived: the bastion host" in out
    assert "disabled: SGV108" in out and "SGV108 medium" not in out
    assert "ORG001 high" in out and "waives nothing" in out
    only = sgv("audit", FLEET, "--settings", SETTINGS, "--control", "SGV101", "--no-timing")
    assert only[0] == 0  # the only violation is waived


def test_fail_on_violated_lets_unknowns_pass() -> None:
    code, _, _ = sgv("audit", FLEET, "--control", "SGV110", "--public-services",
                     "tcp 22, 80, 443, 3306", "--no-timing")
    assert code == 3  # only the unknowns of the unresolved prefix list remain
    code, _, _ = sgv("audit", FLEET, "--control", "SGV110", "--public-services",
                     "tcp 22, 80, 443, 3306", "--fail-on", "violated")
    assert code == 0


def test_json_report() -> None:
    code, out, _ = sgv("audit", FLEET, "--format", "json", "--no-timing")
    doc = json.loads(out)
    assert doc["schema_version"] == "2.0" and doc["command"] == "audit"
    assert doc["summary"]["exit_code"] == code == 1
    assert len(doc["results"]["controls"]) == 11
    bastion = next(r for r in doc["results"]["checks"]
                   if r["control"] == "SGV101" and r["subject"]["name"] == "bastion"
                   and r["subject"]["kind"] == "group")
    assert bastion["status"] == "violated"
    assert bastion["flow"]["dst_port"] == 22
    assert bastion["evidence"][0]["decision"]["rule"]["name"] == "ssh"
    assert {r["status"] for r in doc["results"]["checks"]} >= {"proved", "violated", "unknown"}


def test_sarif_and_junit() -> None:
    _, sarif, _ = sgv("audit", FLEET, "--format", "sarif", "--no-timing")
    log = json.loads(sarif)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"SGV101", "SGV104"}
    assert all(r["partialFingerprints"] for r in results)
    _, xml, _ = sgv("audit", FLEET, "--settings", SETTINGS, "--format", "junit", "--no-timing")
    root = ET.fromstring(xml)
    cases = root.findall(".//testcase")
    assert any(c.find("failure") is not None for c in cases)
    assert any(c.find("skipped") is not None for c in cases)  # the waived ones


def test_html_report_file(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, text, _ = sgv("audit", FLEET, "--format", "html", "--output", str(out), "--no-timing")
    assert code == 1 and text == ""
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'id="findings"' in page and 'id="heat"' in page
    assert "sgv-data" not in page  # no embedded data: the page is the report
    both = tmp_path / "b.html"
    code, text, _ = sgv("audit", FLEET, "--html", str(both), "--no-timing", "--no-matrix")
    page = both.read_text()
    assert "summary:" in text and 'id="findings"' in page and 'id="matrix"' not in page
    assert 'id="u-web"' in page  # every group still has its row, ranked by its findings


def test_list_controls() -> None:
    code, out, _ = sgv("audit", "--list-controls", "--controls", str(FIXTURES / "custom"))
    assert code == 0
    assert out.count("\n    why: ") == 12 and "ORG001" in out and "from: " in out
    assert "check each group or interface: tcp 22: none is accepted from every public address" in out


def test_progress_bar_only_on_a_terminal() -> None:
    _, _, err = sgv("audit", FLEET, "--no-timing", tty=True)
    assert "checks of" in err and "\r" in err
    _, _, err = sgv("audit", FLEET, "--no-timing")
    assert "checks of" not in err


@pytest.mark.parametrize("argv,words", [
    (["audit"], "name an INVENTORY"),
    (["audit", "nope.sgv"], "no such file or folder"),
    (["audit", str(TESTS / "support")], "no .sgv, .json, .yaml, .yml or .tf files"),
    (["audit", FLEET, "--disable", "SGV999"], "unknown control"),
    (["audit", FLEET, "--restricted", "env:prod"], "selector"),
    (["audit", FLEET, "--settings", "missing.toml"], "cannot read"),
    (["audit", FLEET, FLEET, "--format", "json"], "E105"),  # one inventory: defined twice
    (["audit", FLEET, "--output", "/no/such/dir/r.txt"], "does not exist"),
    (["audit", FLEET, "--format", "json", "--format", "sarif"], "stdout"),
    (["audit", FLEET, "--public-services", "tcp 99999"], "does not parse"),
])
def test_input_errors(argv: list[str], words: str) -> None:
    code, _, err = sgv(*argv)
    assert code == 2 and words in err and "Traceback" not in err


def test_cloud_exports_are_inventories_too() -> None:
    exports = str(TESTS / "fixtures" / "inputs" / "aliyun")
    code, out, err = sgv("audit", exports, "--control", "SGV110", "--no-timing")
    assert code == 1, err
    assert re.search(r"web-tier\.json:\d+:\d+: \w+\[SGV110\]: violated: group web-tier:", out), out
    # SSH from the office's /24 is reachable from the internet, but not open to it.
    code, out, err = sgv("audit", exports, "--control", "SGV101", "--no-timing")
    assert code == 0 and "0 violated" in out, out


def test_broken_inventory_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sgv"
    bad.write_text("group g { ingress accept tcp 22 from nowhere }\n")
    code, _, err = sgv("audit", str(bad))
    assert code == 2 and "E104" in err
