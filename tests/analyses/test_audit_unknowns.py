"""The audit with unresolved lists, classic-network interfaces and several reports: the
wide-open control (SGV109) bounds the lists from both sides and never passes on what it
cannot know; internet controls look at a classic interface's internet NIC; every
``--format``/``--output`` pair is written."""

from __future__ import annotations

import io
import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sgverify.analyses.audit.run import choose_controls, run_audit
from sgverify.analyses.audit.settings import Settings
from sgverify.api import load_policy
from sgverify.cli import run
from sgverify.core.evaluate import decide, unresolved_names
from sgverify.core.flow import Flow
from sgverify.core.model import Direction, Nic
from sgverify.core.result import Verdict
from tests.support.paths import TESTS

LISTS = "port-list admin-ports\nprefix-list partners\n"


def audit(tmp_path: Path, text: str, control: str) -> dict[str, object]:
    spec = tmp_path / "inv.sgv"
    spec.write_text(LISTS + text)
    rep = load_policy(str(spec))
    assert rep.policy is not None, [d.message for d in rep.diagnostics]
    controls, _ = choose_controls(Settings(), only=[control])
    return {str(r.subject): r for r in run_audit(rep.policy, controls, Settings()).results}


def memberships(target: object, flow: Flow) -> list[dict[str, bool]]:
    names = unresolved_names(target, flow.direction)  # type: ignore[arg-type]
    return [dict(zip(names, v)) for v in itertools.product((False, True), repeat=len(names))]


def test_wide_open_through_an_unresolved_list_is_unknown(tmp_path: Path) -> None:
    results = audit(tmp_path, "group web (vpc, basic) {\n  ingress accept all from prefix-list partners\n}\n",
                    "SGV109")
    r = results["group web"]
    assert r.verdict is Verdict.UNKNOWN
    res = r.results[0]
    assert "prefix list partners" in res.summary
    flow, ev = res.flow, res.evidence[0]
    assert flow is not None and ev.decision.accepted
    assert any("is in prefix list partners" in n for n in res.notes)
    # Both answers are possible: the list decides.
    decisions = {decide(ev.target, flow, assume=m).accepted for m in memberships(ev.target, flow)}
    assert decisions == {True, False}


def test_wide_open_whatever_the_lists_hold_is_violated(tmp_path: Path) -> None:
    results = audit(tmp_path, "group web (vpc, basic) {\n"
                    "  ingress accept all from 0.0.0.0/0 priority 5\n"
                    "  ingress drop tcp port-list admin-ports from 0.0.0.0/0 priority 6\n"
                    "  ingress accept tcp 22 from prefix-list partners\n}\n", "SGV109")
    r = results["group web"]
    assert r.verdict is Verdict.VIOLATED
    res = r.results[0]
    ev = res.evidence[0]
    assert res.flow is not None and ev.decision.rule is not None
    # Every protocol and port at the shown addresses, under every content of the lists.
    for proto, port in ((6, 22), (6, 3389), (17, 53), (47, None), (1, None)):
        flow = Flow(Direction.INGRESS, proto, res.flow.family, res.flow.peer_ip,
                    res.flow.local_ip, 1024 if port else None, port, Nic.INTRANET)
        for m in memberships(ev.target, flow):
            assert decide(ev.target, flow, assume=m).accepted, (proto, port, m)


def test_a_possible_drop_does_not_make_it_unknown_when_the_open_bound_is_closed(
        tmp_path: Path) -> None:
    results = audit(tmp_path, "group web (vpc, basic) {\n"
                    "  ingress accept tcp port-list admin-ports from 0.0.0.0/0\n"
                    "  ingress accept udp 1-65535 from 0.0.0.0/0\n"
                    "  ingress accept icmp from prefix-list partners\n}\n", "SGV109")
    assert results["group web"].verdict is Verdict.PROVED  # gre and the rest are never open


def test_a_drop_through_a_list_leaves_it_unknown(tmp_path: Path) -> None:
    results = audit(tmp_path, "group web (vpc, basic) {\n"
                    "  ingress accept all from 0.0.0.0/0 priority 2\n"
                    "  ingress drop tcp 22 from prefix-list partners priority 1\n}\n", "SGV109")
    assert results["group web"].verdict is Verdict.UNKNOWN


CLASSIC = """group old (classic, basic) {
  ingress accept tcp 22 from 0.0.0.0/0 nic internet
  ingress accept tcp 3389 from 0.0.0.0/0 nic intranet
}
instance o1 { ip 10.0.0.2; public 47.1.1.2; groups old }
"""


def test_internet_controls_look_at_the_internet_nic_of_classic_groups(tmp_path: Path) -> None:
    ssh = audit(tmp_path, CLASSIC, "SGV101")
    assert ssh["group old"].verdict is Verdict.VIOLATED
    flow = ssh["interface o1"].results[0].flow
    assert flow is not None and flow.nic is Nic.INTERNET
    rdp = audit(tmp_path, CLASSIC, "SGV102")  # open on the intranet NIC only
    assert rdp["group old"].verdict is Verdict.PROVED
    assert rdp["interface o1"].verdict is Verdict.PROVED


def test_every_format_output_pair_is_written(tmp_path: Path) -> None:
    spec = tmp_path / "inv.sgv"
    spec.write_text(CLASSIC)
    out, err = io.StringIO(), io.StringIO()
    files = {f: tmp_path / f"r.{f}" for f in ("json", "sarif", "junit")}
    argv = ["audit", str(spec), "--no-timing", "--html", str(tmp_path / "r.html")]
    for fmt, path in files.items():
        argv += ["--format", fmt, "--output", str(path)]
    argv += ["--format", "text"]
    code = run(argv, out, err)
    assert code == 1, err.getvalue()
    assert "SGV101" in out.getvalue()
    assert json.loads(files["json"].read_text())["summary"]["violated"] > 0
    assert json.loads(files["sarif"].read_text())["runs"][0]["results"]
    assert ET.parse(files["junit"]).getroot().iter("testcase")
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("argv", [["--format", "json", "--format", "sarif"],
                                  ["--format", "json", "--html", "-"]])
def test_two_reports_on_stdout_are_refused(tmp_path: Path, argv: list[str]) -> None:
    spec = tmp_path / "inv.sgv"
    spec.write_text(CLASSIC)
    out, err = io.StringIO(), io.StringIO()
    assert run(["audit", str(spec), *argv], out, err) == 2
    assert "stdout" in err.getvalue() and not out.getvalue()


def test_external_groups_are_not_audited_and_their_interfaces_are_unknown(tmp_path: Path) -> None:
    text = ("group ext (id sg-123, external) {}\n"
            "instance x1 { ip 10.0.0.3; public 47.1.1.3; groups ext }\n")
    for control in ("SGV101", "SGV109"):
        results = audit(tmp_path, text, control)
        assert "group ext" not in results
        r = results["interface x1"]
        assert r.verdict is Verdict.UNKNOWN and r.results[0].code == "W402"
        assert "rules of group ext are not known" in r.results[0].summary


def test_a_control_file_named_twice_is_read_once() -> None:
    folder = TESTS / "fixtures" / "audit" / "custom"
    one = str(next(folder.glob("*.sgv")))
    settings = Settings(controls=(str(folder), one, one))
    controls, _ = choose_controls(settings)
    ids = [c.id for c in controls]
    assert len(ids) == len(set(ids)) and "ORG001" in ids


def test_restricted_egress_of_classic_groups_is_on_the_internet_nic(tmp_path: Path) -> None:
    text = ("group r1 (classic, tag restricted) { egress drop all to 0.0.0.0/0 nic internet }\n"
            "instance c1 { ip 10.0.0.1; public 47.1.1.1; groups r1 }\n")
    results = audit(tmp_path, text, "SGV111")
    assert results["group r1"].verdict is Verdict.PROVED
    assert "egress nic internet" in results["group r1"].results[0].assertion.text


def test_list_controls_shows_what_sgv109_checks() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["audit", "--list-controls"], out, err) == 0
    block = out.getvalue().split("SGV109", 1)[1].split("SGV110", 1)[0]
    assert "no internet address is accepted on every protocol and port" in block
    assert "ingress from internet is denied" not in block


FLEET = str(TESTS / "fixtures" / "audit" / "fleet.sgv")


@pytest.mark.parametrize("toml, words", [
    ('[select]\nSGV101 = ["tag:nosuch"]\n', "nothing was checked"),
    ('disable = ["SGV101"]\n', "nothing was checked"),
    ('public-services = "tcp 99999"\n', "public-services = \"tcp 99999\" does not parse"),
    ('restricted-egress-allow = "tcp 80"\n', "restricted-egress-allow = \"tcp 80\" does not parse"),
    ('public-services = "from 10.0.0.0/8"\n', "must be services"),
])
def test_settings_that_would_check_nothing_or_do_not_parse_stop_the_run(
        tmp_path: Path, toml: str, words: str) -> None:
    """Even when the control that uses a setting does not run, a bad value is an error;
    and a gate that checked nothing never passes."""
    settings = tmp_path / "s.toml"
    settings.write_text(toml)
    out, err = io.StringIO(), io.StringIO()
    code = run(["audit", FLEET, "--control", "SGV101", "--settings", str(settings)], out, err)
    assert code == 2 and words in err.getvalue(), err.getvalue()


def test_a_waived_finding_is_not_called_baselined() -> None:
    toml = str(Path(FLEET).with_name("fleet-audit.toml"))
    for fmt in ("sarif", "junit"):
        out, err = io.StringIO(), io.StringIO()
        run(["audit", FLEET, "--settings", toml, "--format", fmt, "--no-timing"], out, err)
        assert "waived: " in out.getvalue() and "baselined:" not in out.getvalue(), fmt
