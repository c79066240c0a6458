"""``sgverify fix``: exit codes, the text and JSON reports, --write, and refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.gate import cli
from tests.support.paths import ROOT

BROKEN = ROOT / "tests" / "fixtures" / "broken"


def copy(name: str, tmp: Path) -> Path:
    dst = tmp / name
    shutil.copy(BROKEN / name, dst)
    return dst


def test_repair_is_shown_as_a_diff_with_reasons_proof_and_claim(tmp_path: Path) -> None:
    spec = copy("06-missing-rule.sgv", tmp_path)
    before = spec.read_text()
    code, out, _ = cli("fix", str(spec), "--no-timing", "--color", "never")
    assert code == 0, out
    assert "repair: 1 edit:" in out
    assert "why: no rule matched ingress tcp 1.0.0.1:1024 -> 192.168.40.5:8080" in out
    assert "+  fix-accept-1: ingress accept tcp 8080 from internet priority" in out
    assert "no collateral change" in out and "proof: all 2 assertions proved" in out
    assert "minimal: 1 edit; no repair can have fewer" in out
    assert spec.read_text() == before  # without --write nothing is touched


def test_write_applies_the_repair_and_check_then_passes(tmp_path: Path) -> None:
    spec = copy("05-drop-under-accept.sgv", tmp_path)
    code, out, _ = cli("fix", str(spec), "--write", "--no-timing")
    assert code == 0 and f"wrote {spec}" in out
    assert cli("check", str(spec))[0] == 0
    code, out, _ = cli("fix", str(spec), "--no-timing")
    assert code == 0 and "nothing to fix" in out


def test_json_gives_the_edits_as_data(tmp_path: Path) -> None:
    spec = copy("04-wrong-priority.sgv", tmp_path)
    code, out, _ = cli("fix", str(spec), "--format", "json", "--no-timing")
    doc = json.loads(out)
    assert code == 0 and doc["summary"]["status"] == "repaired" and doc["summary"]["exit_code"] == 0
    (edit,) = doc["results"]["repair"]["edits"]
    assert edit["kind"] == "priority" and edit["rule"]["name"] == "deny-all-out"
    assert edit["new_rules"][0]["priority"] == 2
    assert doc["results"]["repair"]["collateral"] == [] and doc["results"]["repair"]["changes"]
    assert all(c["required_by"] == ["listed-reachable"] for c in doc["results"]["repair"]["changes"])
    assert "-  deny-all-out: egress drop all -1/-1 to 0.0.0.0/0 priority 1" in doc["results"]["repair"]["diff"]
    assert "elapsed" not in doc


def test_conflicting_assertions_exit_1_naming_them(tmp_path: Path) -> None:
    spec = tmp_path / "c.sgv"
    spec.write_text("group g { ingress accept tcp 22 from 10.0.0.0/8 }\n"
                    "open: assert group g: ingress tcp 22 from 10.1.0.0/16 is allowed\n"
                    "shut: assert group g: ingress tcp 22 from 10.1.2.0/24 is denied\n")
    code, out, _ = cli("fix", str(spec), "--no-timing")
    assert code == 1
    assert "assertions open and shut contradict each other" in out
    assert "conflicting flow: ingress tcp 10.1.2." in out


def test_no_repair_within_the_bound_exits_1(tmp_path: Path) -> None:
    """Intra-group Accept outranks every custom rule: no rule edit drops a flow between
    members, so the assertion cannot be repaired by editing rules."""
    spec = tmp_path / "n.sgv"
    spec.write_text("group g (vpc, basic) {}\n"
                    "instance a { ip 10.0.0.1; groups g }\n"
                    "instance b { ip 10.0.0.2; groups g }\n"
                    "iso: assert a cannot reach b\n")
    code, out, _ = cli("fix", str(spec), "--no-timing")
    assert code == 1 and "no repair" in out and "at most 3 edits" in out


def test_collateral_is_refused_unless_allowed(tmp_path: Path) -> None:
    spec = tmp_path / "c.sgv"
    spec.write_text("group a { ssh: ingress accept tcp 22 from 0.0.0.0/0 }\n"
                    "instance one { ip 10.0.0.1; groups a }\n"
                    "instance two { ip 10.0.0.2; groups a }\n"
                    "shut: assert one: ingress tcp 22 from 1.2.3.4/32 peer-groups none is denied\n")
    before = spec.read_text()
    code, out, err = cli("fix", str(spec), "--write", "--no-timing")
    assert code == 1 and "refused" in out and "collateral" in out and "instance two" in out
    assert "not writing" in err and spec.read_text() == before
    code, out, _ = cli("fix", str(spec), "--allow-collateral", "--write", "--no-timing")
    assert code == 0 and spec.read_text() != before


def test_input_errors_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sgv"
    bad.write_text("group g { ingress accept tcp 22 from nowhere }\n")
    assert cli("fix", str(bad))[0] == 2
    empty = tmp_path / "empty.sgv"
    empty.write_text("group g {}\n")
    code, _, err = cli("fix", str(empty))
    assert code == 2 and "no assertion" in err


def _cloud_copy(tmp: Path, old: str, new: str) -> Path:
    shutil.copytree(ROOT / "tests" / "fixtures" / "inputs" / "aliyun", tmp / "aliyun")
    text = (ROOT / "tests" / "fixtures" / "inputs" / "web.sgv").read_text()
    assert old in text
    spec = tmp / "web.sgv"
    spec.write_text(text.replace(old, new))
    return spec


def test_cloud_inputs_get_api_calls_cli_lines_and_terraform(tmp_path: Path) -> None:
    """A rule read from Alibaba Cloud JSON is changed by ModifySecurityGroupRule (its id),
    the same call is printed as an aliyun command line and as a Terraform change."""
    spec = _cloud_copy(tmp_path, "only from 203.0.113.0/24", "only from 203.0.113.0/25")
    code, out, _ = cli("fix", str(spec), "--allow-collateral", "--format", "json", "--no-timing")
    assert code == 0
    doc = json.loads(out)
    (call,) = doc["results"]["repair"]["api_calls"]
    assert call["action"] == "ModifySecurityGroupRule"
    assert call["parameters"]["SecurityGroupRuleId"] == "sgr-bp1web000000000ssh"
    assert call["parameters"]["SourceCidrIp"] == "203.0.113.0/25"
    (line,) = doc["results"]["repair"]["aliyun_cli"]
    assert line.startswith("aliyun ecs ModifySecurityGroupRule --RegionId")
    assert "--SourceCidrIp 203.0.113.0/25" in line
    assert 'cidr_ip = "203.0.113.0/25"' in doc["results"]["repair"]["terraform"]
    assert doc["results"]["repair"]["diff"] == "" and "not read from a .sgv file" in doc["results"]["repair"]["not_written"]


def test_an_added_cloud_rule_is_authorised_with_a_terraform_resource(tmp_path: Path) -> None:
    spec = _cloud_copy(tmp_path, "https-open: assert web-1: ingress tcp 443 from internet is allowed",
                       "https-open: assert web-1: ingress tcp 8443 from internet is allowed")
    code, out, _ = cli("fix", str(spec), "--allow-collateral", "--no-timing", "--color", "never")
    assert code == 0, out
    # 'from internet' is 185 API rules: counted in text, given in JSON in calls of 100.
    assert "authorising 185 rules" in out
    doc = json.loads(cli("fix", str(spec), "--allow-collateral", "--format", "json",
                         "--no-timing")[1])
    calls = doc["results"]["repair"]["api_calls"]
    assert [c["action"] for c in calls] == ["AuthorizeSecurityGroup"] * 2
    assert calls[0]["parameters"]["Permissions.1.PortRange"] == "8443/8443"
    assert "Permissions.101.Policy" not in calls[0]["parameters"]
    assert doc["results"]["repair"]["aliyun_cli"][0].startswith("aliyun ecs AuthorizeSecurityGroup")
    tf = doc["results"]["repair"]["terraform"]
    assert tf.count('resource "alicloud_security_group_rule"') == 185
    assert 'port_range        = "8443/8443"' in tf
