"""Terraform (state, plan, .tf), ROS (JSON, YAML) and AWS inputs, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sgverify.core.addresses import AddrSpace, parse_address
from sgverify.core.evaluate import decide
from sgverify.core.flow import Flow
from sgverify.core.model import (Action, Direction, GroupKey, GroupType, Network, Nic, PortRange,
                                 Target)
from tests.support.inputs import cli, fixture, imported, messages, resolved, write_json


def flow(direction: Direction, protocol: int, src: str, dst: str, sport: int | None = None,
         dport: int | None = None, groups: frozenset[GroupKey] = frozenset()) -> Flow:
    fam, s = parse_address(src)
    _, d = parse_address(dst)
    return Flow(direction, protocol, fam, s, d, sport, dport, Nic.INTRANET, groups)


def test_terraform_state_with_modules() -> None:
    policy, result = resolved(fixture("terraform", "state.json"))
    web, db = policy.group("web"), policy.group("db")
    assert web is not None and db is not None
    assert web.gid == "sg-bp1tfweb00000000001" and db.intra is Action.DROP
    ids = {r.rule_id for r in web.rules}
    assert ids == {"sgr-bp1tfssh0000000001", "sgr-bp1tfhttps00000001", "sgr-bp1tfrdp000000001"}
    v6 = next(r for r in web.rules if r.rule_id == "sgr-bp1tfhttps00000001")  # null cidr_ip
    assert v6.peer.addresses == AddrSpace.parse("::/0")
    assert db.rules[0].peer.groups == {web.key}  # module rule naming the root module's group
    inst = policy.instance("tf-web-1")
    assert inst is not None and [g.name for g in inst.groups] == ["web"]
    assert not [m for m in messages(result) if "unknown" in m]


def test_terraform_plan_links_through_configuration() -> None:
    policy, _ = resolved(fixture("terraform", "plan.json"))
    api, lb = policy.group("api"), policy.group("lb")
    assert api is not None and lb is not None and api.gid is None
    assert api.network is Network.VPC  # vpc_id unknown, but referenced
    by_desc = {r.description: r for r in api.rules}
    assert by_desc["health checks from the lb group"].peer.groups == {lb.key}
    egress = by_desc[""]
    assert (egress.direction, egress.protocol, egress.peer.addresses) == (
        Direction.EGRESS, None, AddrSpace.parse("10.0.0.0/8"))


def test_terraform_plan_unknown_value_is_reported(tmp_path: Path) -> None:
    plan = json.loads(Path(fixture("terraform", "plan.json")).read_text())
    rule = plan["planned_values"]["root_module"]["resources"][2]["values"]
    del rule["cidr_ip"]
    cfg = plan["configuration"]["root_module"]["resources"][2]["expressions"]
    cfg["cidr_ip"] = {"references": ["var.office_cidr"]}
    result = imported(write_json(tmp_path / "plan.json", plan))
    assert not result.has_errors, messages(result)
    notes = [d for d in result.diagnostics if d.code == "W125" and "unknown value" in d.message]
    assert notes and "var.office_cidr" in notes[0].message
    assert notes[0].message.startswith("alicloud_security_group_rule.api_https:")
    policy, _ = resolved(write_json(tmp_path / "plan.json", plan))
    api = policy.group("api")
    assert api is not None
    (rule,) = [r for r in api.rules if r.unknowns]  # only this rule's peer is unknown
    assert rule.unknowns == ("prefix list unknown.alicloud_security_group_rule.api_https.cidr_ip",)


def test_tf_files() -> None:
    policy, _ = resolved(fixture("terraform", "main.tf"))
    web, db = policy.group("web"), policy.group("db")
    assert web is not None and db is not None
    assert db.rules[0].peer.groups == {web.key}
    assert db.rules[1].action is Action.DROP and db.rules[1].priority == 100
    inst = policy.instance("web-1")
    assert inst is not None and inst.private == AddrSpace.parse("10.0.1.10")


@pytest.mark.parametrize("body,words", [
    ('cidr_ip = var.office', "`var.office` ("),
    ('cidr_ip = "${var.prefix}.0.0/16"', "variable \"prefix\" has no value"),
    ('cidr_ip = data.alicloud_vpcs.v.vpcs[0].cidr_block', "data.alicloud_vpcs.v"),
])
def test_tf_unknown_values_are_named(tmp_path: Path, body: str, words: str) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "office" {}\nvariable "prefix" {}\n'
        'resource "alicloud_security_group" "g" {\n  vpc_id = "vpc-1"\n}\n'
        'resource "alicloud_security_group_rule" "r" {\n  type = "ingress"\n  ip_protocol = "tcp"\n'
        f'  {body}\n  port_range = "22/22"\n  security_group_id = alicloud_security_group.g.id\n}}\n')
    result = imported(str(tmp_path / "main.tf"))
    assert not result.has_errors, messages(result)
    hits = [d for d in result.diagnostics if d.code == "W125" and words in d.message]
    assert hits, [(d.code, d.message) for d in result.diagnostics]
    assert hits[0].message.startswith("alicloud_security_group_rule.r: unknown value: cidr_ip")
    assert "main.tf:9)" in hits[0].message
    policy, _ = resolved(str(tmp_path / "main.tf"))
    (rule,) = policy.group("g").rules  # type: ignore[union-attr]
    assert rule.unknowns == ("prefix list unknown.alicloud_security_group_rule.r.cidr_ip",)
    assert rule.ports == (PortRange(22, 22),)


def test_tf_count_instances(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "alicloud_security_group" "g" {\n  count = 2\n  name = "g${count.index}"\n'
        '  vpc_id = "vpc-1"\n}\n'
        'resource "alicloud_security_group_rule" "r" {\n  count = 2\n  type = "ingress"\n'
        '  ip_protocol = "tcp"\n  port_range = "${22 + count.index}/${22 + count.index}"\n'
        '  security_group_id = alicloud_security_group.g[count.index].id\n  cidr_ip = "10.0.0.0/8"\n}\n')
    policy, result = resolved(str(tmp_path / "main.tf"))
    assert not result.has_errors, messages(result)
    assert [r.ports for r in policy.group("g0").rules] == [(PortRange(22, 22),)]  # type: ignore[union-attr]
    assert [r.ports for r in policy.group("g1").rules] == [(PortRange(23, 23),)]  # type: ignore[union-attr]


def test_tf_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('resource "alicloud_security_group" "g" {\n  vpc_id = \n')
    result = imported(str(tmp_path / "bad.tf"))
    assert any(d.code == "E001" and "not valid HCL" in d.message for d in result.diagnostics)


def test_ros_yaml() -> None:
    policy, _ = resolved(fixture("ros", "template.yaml"))
    web, db = policy.group("WebSg"), policy.group("DbSg")
    assert web is not None and db is not None
    assert db.gtype is GroupType.ENTERPRISE and db.network is Network.VPC
    assert [r.priority for r in web.rules] == [1, 1, 100]
    from_web = db.rules[0]
    assert from_web.peer.groups == {web.key} and from_web.ports == (PortRange(3306, 3306),)
    assert {r.direction for r in db.rules[1:]} == {Direction.EGRESS}
    target = Target("db", "group", (db,))
    # Enterprise: egress not allowed by a rule is dropped; NTP to 10/8 is allowed.
    assert decide(target, flow(Direction.EGRESS, 17, "10.0.0.9", "10.1.2.3", 40000, 123)).accepted
    assert not decide(target, flow(Direction.EGRESS, 17, "10.0.0.9", "8.8.8.8", 40000, 53)).accepted


def test_ros_json_classic_and_instance() -> None:
    policy, _ = resolved(fixture("ros", "template.json"))
    legacy = policy.group("LegacySg")
    assert legacy is not None and legacy.network is Network.CLASSIC
    assert [r.nic for r in legacy.rules] == [Nic.INTERNET, Nic.INTRANET, Nic.INTERNET, Nic.INTRANET]
    assert legacy.rules[3].peer.groups == {GroupKey("1356526170280001", "sg-bp148p6ncq1rjuvr")}
    inst = policy.instance("Web")
    assert inst is not None and inst.private == AddrSpace.parse("10.116.0.20")


@pytest.mark.parametrize("value,words", [
    ({"Fn::Sub": "${Cidr}"}, "Cidr is neither a parameter nor a resource"),
    ({"Ref": "Office"}, "parameter Office has no Default (give it with --parameter Office=VALUE)"),
    ({"Fn::Jq": ["First", ".a", "{}"]}, "Fn::Jq is not evaluated by sgverify"),
])
def test_ros_unknown_values_are_named(tmp_path: Path, value: object, words: str) -> None:
    template = {"ROSTemplateFormatVersion": "2015-09-01", "Parameters": {"Office": {
        "Type": "String"}}, "Resources": {"Sg": {
            "Type": "ALIYUN::ECS::SecurityGroup", "Properties": {"VpcId": "vpc-1", "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": value}]}}}}
    result = imported(write_json(tmp_path / "t.json", template))
    assert not result.has_errors, messages(result)
    hits = [d for d in result.diagnostics if d.code == "W125" and words in d.message]
    assert hits and hits[0].message.startswith(
        "Resources.Sg.Properties.SecurityGroupIngress[0]: unknown value: SourceCidrIp"), messages(result)


def test_ros_yaml_errors(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text("ROSTemplateFormatVersion: '2015-09-01'\nResources: {}\n"
                                       "Resources: {A: {Type: 'ALIYUN::ECS::VPC'}}\n")
    result = imported(str(tmp_path / "dup.yaml"))
    assert any(d.code == "E001" and "duplicate key 'Resources'" in d.message and d.span.line == 3
               for d in result.diagnostics)
    (tmp_path / "bad.yaml").write_text("Resources: [\n")
    result = imported(str(tmp_path / "bad.yaml"))
    assert any(d.code == "E001" and "not valid YAML" in d.message for d in result.diagnostics)


def test_aws_profile() -> None:
    policy, result = resolved(fixture("aws", "describe-security-groups.json"))
    web, db = policy.group("web"), policy.group("db")
    assert web is not None and db is not None
    assert web.gtype is GroupType.AWS and all(r.action is Action.ACCEPT for r in web.rules)
    assert {r.priority for r in web.rules} == {1}
    self_rule = web.rules[3]
    assert self_rule.protocol is None and self_rule.peer.groups == {web.key}
    assert db.rules[0].peer.groups == {web.key, GroupKey("210987654321", "sg-0analytics000001")}
    target = Target("web", "group", (web,))
    s3 = {"prefix list pl-0s3endpoints00001": False}
    # No implicit intra-group access, default drop both ways, egress exactly as given.
    assert not decide(target, flow(Direction.EGRESS, 6, "10.0.0.5", "8.8.8.8", 40000, 443),
                      assume=s3).accepted
    assert decide(target, flow(Direction.EGRESS, 6, "10.0.0.5", "10.0.0.9", 40000, 5432,
                               frozenset({db.key})), assume=s3).accepted
    assert decide(target, flow(Direction.INGRESS, 17, "10.0.0.9", "10.0.0.5", 40000, 53,
                               frozenset({web.key})), assume=s3).accepted  # the explicit self rule
    db_target = Target("db", "group", (db,))
    assert not decide(db_target, flow(Direction.INGRESS, 6, "10.0.0.9", "10.0.0.7", 40000, 5432,
                                      frozenset({db.key}))).accepted  # members: no implicit access
    assert any("pl-0s3endpoints00001 is not in the input" in m for m in messages(result))


@pytest.mark.parametrize("perm,code,words", [
    ({"IpProtocol": "icmp", "FromPort": 8, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
     "E201", "ICMP type 8 code 0"),
    ({"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
     "E108", "start is greater than end"),
    ({"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, "E107", "needs FromPort and ToPort"),
    ({"IpProtocol": "999", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, "E122", "outside 0..255"),
])
def test_aws_errors(tmp_path: Path, perm: dict, code: str, words: str) -> None:
    doc = {"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "g", "VpcId": "vpc-1",
                               "IpPermissions": [perm], "IpPermissionsEgress": []}]}
    result = imported(write_json(tmp_path / "aws.json", doc))
    hits = [d for d in result.diagnostics if d.code == code and words in d.message]
    assert hits, [(d.code, d.message) for d in result.diagnostics]
    assert hits[0].message.startswith("SecurityGroups[0].IpPermissions[0]")


def test_aws_icmp_all_types_is_fine(tmp_path: Path) -> None:
    doc = {"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "g", "VpcId": "vpc-1",
                               "IpPermissions": [{"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1,
                                                  "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    policy, _ = resolved(write_json(tmp_path / "aws.json", doc))
    assert policy.groups[0].rules[0].protocol == 1


def test_checks_run_on_every_format(tmp_path: Path) -> None:
    """One spec importing every format, proved end to end."""
    spec = tmp_path / "all.sgv"
    for sub in ("terraform", "ros", "aws"):
        (tmp_path / sub).mkdir()
    import shutil
    for rel in ("terraform/state.json", "ros/template.yaml", "aws/describe-security-groups.json"):
        shutil.copy(fixture(*rel.split("/")), tmp_path / rel)
    spec.write_text('import "terraform/state.json"\nimport "ros/template.yaml"\n'
                    'import "aws/describe-security-groups.json" as aws\n'
                    'rdp: assert group sg-bp1tfweb00000000001: ingress tcp 3389 from internet is denied\n'
                    'ros-ssh: assert WebSg: ingress tcp 22 peer-groups none is denied\n'
                    'aws-db: assert db: ingress peer-groups none is denied\n')
    code, out, _ = cli("check", str(spec), "--no-timing", "--color", "never", cwd=tmp_path)
    assert code == 0, out
    assert "summary: 3 proved, 0 violated, 0 unknown" in out




def test_tf_rule_of_an_unknown_group_may_be_in_each_group(tmp_path: Path) -> None:
    """The rule's group is unknown: every group of the input may hold it, so a verdict about
    either group that it could change is unknown, and no group is refused."""
    (tmp_path / "main.tf").write_text(
        'variable "sg" {}\n'
        'resource "alicloud_security_group" "a" {\n  vpc_id = "vpc-1"\n}\n'
        'resource "alicloud_security_group" "b" {\n  vpc_id = "vpc-1"\n}\n'
        'resource "alicloud_security_group_rule" "r" {\n  type = "ingress"\n  ip_protocol = "tcp"\n'
        '  port_range = "22/22"\n  cidr_ip = "0.0.0.0/0"\n  security_group_id = var.sg\n}\n')
    policy, result = resolved(str(tmp_path / "main.tf"))
    for name in ("a", "b"):
        (rule,) = policy.group(name).rules  # type: ignore[union-attr]
        assert rule.ports == (PortRange(22, 22),) and rule.unknowns == (
            f"prefix list unknown.alicloud_security_group_rule.r.in.{name}.security_group_id",)
    assert any("may belong to any of the 2 groups" in m for m in messages(result))


@pytest.mark.parametrize("value", [{"Fn::Replace": [1, 2]}, {"Fn::Select": [9, [1]]},
                                   {"Fn::Join": [",", "x"]}, {"Fn::If": 1}, {"Ref": 5}])
def test_ros_function_of_the_wrong_shape_is_unknown_alone(tmp_path: Path, value: object) -> None:
    """It makes its own field unknown; the rule's group and its other rules are read."""
    template = {"ROSTemplateFormatVersion": "2015-09-01", "Resources": {"Sg": {
        "Type": "ALIYUN::ECS::SecurityGroup", "Properties": {"VpcId": "vpc-1", "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": value},
            {"IpProtocol": "tcp", "PortRange": "443/443", "SourceCidrIp": "0.0.0.0/0"}]}}}}
    policy, result = resolved(write_json(tmp_path / "t.json", template))
    rules = policy.group("Sg").rules  # type: ignore[union-attr]
    assert [r.ports for r in rules] == [(PortRange(22, 22),), (PortRange(443, 443),)]
    assert rules[0].unknowns and not rules[1].unknowns, messages(result)


def test_tf_group_of_unknown_type_is_external(tmp_path: Path) -> None:
    """Its type decides its defaults: unknown, the group is external (its own decisions
    unknown), not a refused file; a peer naming it still resolves."""
    (tmp_path / "main.tf").write_text(
        'variable "kind" {}\n'
        'resource "alicloud_security_group" "odd" {\n  vpc_id = "vpc-1"\n'
        '  security_group_type = var.kind\n}\n'
        'resource "alicloud_security_group" "db" {\n  vpc_id = "vpc-1"\n}\n'
        'resource "alicloud_security_group_rule" "in_odd" {\n  type = "ingress"\n'
        '  ip_protocol = "tcp"\n  port_range = "22/22"\n  cidr_ip = "0.0.0.0/0"\n'
        '  security_group_id = alicloud_security_group.odd.id\n}\n'
        'resource "alicloud_security_group_rule" "from_odd" {\n  type = "ingress"\n'
        '  ip_protocol = "tcp"\n  port_range = "5432/5432"\n'
        '  source_security_group_id = alicloud_security_group.odd.id\n'
        '  security_group_id = alicloud_security_group.db.id\n}\n')
    policy, result = resolved(str(tmp_path / "main.tf"))
    odd = policy.group("odd")
    assert odd is not None and not odd.rules_known
    assert policy.group("db").rules[0].peer.groups == {odd.key}  # type: ignore[union-attr]
    assert any("read as external" in m and "var.kind" in m for m in messages(result))
