"""Alibaba Cloud API JSON: every response kind, the awkward cases, and precise errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sgverify.core.addresses import AddrSpace
from sgverify.core.model import Action, Direction, GroupKey, GroupType, Network, Nic, PortRange
from tests.support.inputs import cli, fixture, imported, messages, resolved, web_tier, write_json


def group(policy, name):
    g = policy.group(name)
    assert g is not None, [x.name for x in policy.groups]
    return g


def test_vpc_group_every_permission_field() -> None:
    policy, result = resolved(fixture("aliyun", "web-tier.json"))
    web = group(policy, "web-tier")
    assert (web.gid, web.network, web.gtype, web.intra) == (
        "sg-bp1web0000000000001", Network.VPC, GroupType.BASIC, Action.ACCEPT)
    rules = {r.rule_id: r for r in web.rules}
    ssh = rules["sgr-bp1web000000000ssh"]  # Priority as a string, upper-case protocol
    assert (ssh.priority, ssh.protocol, ssh.ports, ssh.action) == (1, 6, (PortRange(22, 22),), Action.ACCEPT)
    assert ssh.peer.addresses == AddrSpace.parse("203.0.113.0/24")
    assert ssh.description == "ssh from the office" and ssh.nic is Nic.INTRANET
    assert rules["sgr-bp1web00000000https"].action is Action.ACCEPT  # "accept" in lower case
    assert rules["sgr-bp1web000000https6"].peer.addresses == AddrSpace.parse("::/0")
    assert rules["sgr-bp1web00000000icmp"].priority == 10  # "10"
    assert rules["sgr-bp1web00000000icmp"].source_ports is None  # "-1/-1"
    deny = rules["sgr-bp1web00000000deny"]
    assert (deny.protocol, deny.ports, deny.priority, deny.action) == (None, None, 100, Action.DROP)
    # Same-account group not in the input: declared (reported); cross-account: by account id.
    assert rules["sgr-bp1web00000000mysql"].peer.groups == {GroupKey("", "sg-bp1app0000000000001")}
    assert rules["sgr-bp1web0000000000ops"].peer.groups == {
        GroupKey("1609982529920001", "sg-bp1ops0000000000001")}
    blocked = rules["sgr-bp1web000000blocked"]
    assert blocked.direction is Direction.EGRESS and blocked.peer.unresolved == (
        "prefix list pl-bp1blocked000000001",)
    warnings = messages(result, "W125")
    assert any("sg-bp1app0000000000001 is referenced but not in the input" in m for m in warnings)
    assert any("pl-bp1blocked000000001 is not in the input" in m for m in warnings)
    assert result.interface_groups == ["web-tier"]


def test_rule_locator_is_the_rule_id_and_text_is_sgv() -> None:
    policy, _ = resolved(fixture("aliyun", "web-tier.json"))
    rule = group(policy, "web-tier").rules[0]
    assert rule.locator() == "sgr-bp1web000000000ssh"
    assert rule.text == ('ingress accept tcp 22 from 203.0.113.0/24 priority 1 description '
                         '"ssh from the office" id sgr-bp1web000000000ssh')
    assert rule.span is not None and rule.span.line == 13


def test_classic_pages_and_nic_types_merge() -> None:
    policy, result = resolved(fixture("aliyun", "classic-internet.json"),
                              fixture("aliyun", "classic-intranet-page1.json"),
                              fixture("aliyun", "classic-intranet-page2.json"))
    legacy = group(policy, "legacy-web")
    assert legacy.network is Network.CLASSIC and len(legacy.rules) == 6
    nics = {r.rule_id: r.nic for r in legacy.rules}
    assert nics["sgr-m5classic00000http"] is Nic.INTERNET
    assert nics["sgr-m5classic000ssh-in"] is Nic.INTRANET
    mysql = next(r for r in legacy.rules if r.rule_id == "sgr-m5classic0000mysql")
    assert mysql.peer.addresses == AddrSpace.parse("10.116.0.0/16") and not mysql.peer.groups
    xacct = next(r for r in legacy.rules if r.rule_id == "sgr-m5classic0000xacct")
    assert xacct.peer.groups == {GroupKey("1356526170280001", "sg-bp148p6ncq1rjuvr")}
    cidr_wins = [m for m in messages(result, "W125") if "both a CIDR block" in m]
    assert len(cidr_wins) == 1  # once per file


def test_missing_last_page_is_an_error() -> None:
    result = imported(fixture("aliyun", "classic-intranet-page1.json"))
    assert any("page of its rules is missing" in m for m in messages(result, "E120"))


def test_only_one_nic_type_of_a_classic_group_is_reported() -> None:
    result = imported(fixture("aliyun", "classic-internet.json"))
    assert any("add the NicType=intranet response" in m for m in messages(result, "W125"))


def test_whole_estate() -> None:
    folder = fixture("aliyun")
    files = sorted(str(p) for p in Path(folder).glob("*.json") if "classic" not in p.name)
    policy, result = resolved(*files)
    app = group(policy, "app-tier")
    assert app.gtype is GroupType.BASIC and app.intra is Action.DROP
    web_rule = next(r for r in app.rules if r.rule_id == "sgr-bp1app000000000web")
    assert web_rule.ports == (PortRange(8080, 8080), PortRange(8443, 8443), PortRange(9000, 9010))
    snmp = next(r for r in app.rules if r.rule_id == "sgr-bp1app00000monitor")
    assert snmp.peer.addresses == AddrSpace.parse("10.0.9.0/28")
    assert snmp.local == AddrSpace.parse("10.0.2.0/24")
    assert snmp.source_ports == (PortRange(1024, 65535),)
    assert group(policy, "payments").gtype is GroupType.ENTERPRISE
    web1 = policy.instance("web-1")
    assert web1 is not None and web1.iid == "i-bp1web000000000001"
    assert web1.public == AddrSpace.parse("47.98.10.5")
    assert web1.private == AddrSpace.parse("10.0.1.5/32") | AddrSpace.parse("2408:4000:1::5")
    eni = policy.instance("eni-bp1app00000000002")
    assert eni is not None and [g.name for g in eni.groups] == ["payments"]
    assert result.aliases["eni-bp1web00000000001"] == "web-1"
    assert result.aliases["eni-bp1app00000000001"] == "i-bp1app000000000001"
    assert not any("SecurityGroupType is not given" in m for m in messages(result))
    assert not any("is not in the input" in m for m in messages(result))


def test_missing_group_type_is_reported() -> None:
    result = imported(fixture("aliyun", "app-tier.json"), fixture("aliyun", "port-list.json"))
    assert any("SecurityGroupType is not given" in m for m in messages(result, "W125"))


def test_json_list_of_responses(tmp_path: Path) -> None:
    docs = [json.loads(Path(fixture("aliyun", n)).read_text())
            for n in ("web-tier.json", "app-tier.json", "groups.json")]
    policy, _ = resolved(write_json(tmp_path / "all.json", docs))
    assert {g.name for g in policy.groups} == {"web-tier", "app-tier"}


# ------------------------------------------------------------------ errors


def _permission_case(tmp_path: Path, field: str, value: object) -> tuple[Path, int]:
    doc = web_tier()
    doc["Permissions"]["Permission"][0][field] = value
    path = tmp_path / "web.json"
    write_json(path, doc)
    text = path.read_text().splitlines()
    line = next(i for i, t in enumerate(text, 1) if f'"{field}":' in t)
    return path, line


@pytest.mark.parametrize("field,value,code,message", [
    ("PortRange", "200/1", "E108", 'Permissions.Permission[0].PortRange: "200/1": start is greater than end'),
    ("PortRange", "0/22", "E107", 'Permissions.Permission[0].PortRange: "0/22": port 0 is outside 1..65535'),
    ("PortRange", "22", "E107", "expected a port range"),
    ("Priority", "high", "E106", 'Permissions.Permission[0].Priority: "high": a priority is a whole number'),
    ("Priority", 101, "E106", "priority 101 is outside 1..100"),
    ("IpProtocol", "SCTP", "E120", 'Permissions.Permission[0].IpProtocol: "SCTP": not a valid protocol'),
    ("Policy", "maybe", "E120", "not a valid policy"),
    ("SourceCidrIp", "10.0.0.256/8", "E109", "not an address or CIDR block"),
    ("SourceCidrIp", "2001:db8::/32", "E109", "is not an IPv4 block"),
    ("NicType", "wifi", "E120", "not a valid NIC type"),
])
def test_bad_permission_values(tmp_path: Path, field: str, value: object, code: str, message: str) -> None:
    path, line = _permission_case(tmp_path, field, value)
    result = imported(str(path))
    hits = [d for d in result.diagnostics if d.code == code and message in d.message]
    assert hits, [(d.code, d.message) for d in result.diagnostics]
    assert hits[0].span is not None and hits[0].span.line == line and hits[0].span.path.endswith("web.json")


def test_icmp_with_ports_and_missing_fields(tmp_path: Path) -> None:
    doc = web_tier()
    perms = doc["Permissions"]["Permission"]
    perms[5]["PortRange"] = "8/8"          # icmp with ports
    del perms[1]["Direction"]
    perms[2]["IpProtocol"] = ""
    perms[3]["SourceGroupId"] = ""         # no peer at all
    result = imported(write_json(tmp_path / "web.json", doc))
    got = {(d.code, d.message.split(":")[0]) for d in result.diagnostics if d.is_error}
    assert ("E117", "Permissions.Permission[5].PortRange") in got
    assert ("E120", "Permissions.Permission[1]") in got
    assert ("E120", "Permissions.Permission[2]") in got
    assert ("E120", "Permissions.Permission[3]") in got


@pytest.mark.parametrize("text,code,words", [
    ('{"SecurityGroupId": "sg-1", "SecurityGroupId": "sg-2", "Permissions": {}}', "E001",
     "duplicate key 'SecurityGroupId' (first given on line 1)"),
    ('{"SecurityGroupId": "sg-1", "Permissions": {"Permission": [}}', "E001", "not valid JSON"),
    ("[" * 80 + "]" * 80, "E005", "nested more than 64 levels deep"),
    ('{"hello": "world"}', "E004", "cannot tell what this file is"),
    ("[]", "E004", "cannot tell what this file is"),
])
def test_unreadable_documents(tmp_path: Path, text: str, code: str, words: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    result = imported(str(path))
    assert any(d.code == code and words in d.message for d in result.diagnostics), \
        [(d.code, d.message) for d in result.diagnostics]


def test_unknown_fields_are_named_once(tmp_path: Path) -> None:
    doc = web_tier()
    for p in doc["Permissions"]["Permission"]:
        p["Colour"] = "blue"
    doc["Flavour"] = 1
    result = imported(write_json(tmp_path / "web.json", doc))
    unknown = [m for m in messages(result, "W125") if "unknown field" in m]
    assert len(unknown) == 2
    assert any("unknown field 'Colour' ignored (and 8 more times in this file)" in m for m in unknown)
    assert any(m == "unknown field 'Flavour' ignored" for m in unknown)


def test_bad_input_verifies_nothing(tmp_path: Path) -> None:
    doc = web_tier()
    doc["Permissions"]["Permission"][3]["PortRange"] = "200/1"
    write_json(tmp_path / "web.json", doc)
    (tmp_path / "spec.sgv").write_text('import "web.json"\nassert web-tier: ingress tcp 22 from '
                                       '203.0.113.0/24 is allowed\n')
    code, out, _ = cli("check", str(tmp_path / "spec.sgv"), "--no-timing", "--color", "never",
                       cwd=tmp_path)
    assert code == 2
    line = next(i for i, t in enumerate((tmp_path / "web.json").read_text().splitlines(), 1)
                if '"200/1"' in t)
    assert (f'web.json:{line}:22: error[E108]: Permissions.Permission[3].PortRange: "200/1": '
            'start is greater than end') in out
    assert "proved" not in out.replace("0 proved", "")
    code, out, err = cli("import", str(tmp_path / "web.json"), "--color", "never", cwd=tmp_path)
    assert code == 2 and out == "" and "E108" in err


def test_import_statement_confined_like_include(tmp_path: Path) -> None:
    inner = tmp_path / "project"
    inner.mkdir()
    write_json(tmp_path / "outside.json", web_tier())
    (inner / "spec.sgv").write_text('import "../outside.json"\nimport "missing.json"\n')
    code, out, _ = cli("check", str(inner / "spec.sgv"), "--color", "never", cwd=inner)
    assert code == 2
    assert 'import "../outside.json" points outside the project folder' in out
    assert 'import "missing.json": no such file' in out


def test_forced_format_and_unknown_format(tmp_path: Path) -> None:
    write_json(tmp_path / "web.data", web_tier())
    (tmp_path / "spec.sgv").write_text('import "web.data" as aliyun\nimport "web.data" as excel\n')
    code, out, _ = cli("check", str(tmp_path / "spec.sgv"), "--color", "never", cwd=tmp_path)
    assert code == 2 and "unknown input format 'excel'" in out
    (tmp_path / "spec.sgv").write_text('import "web.data" as aliyun\nassert web-tier: ingress tcp 22 '
                                       'from 203.0.113.0/24 is allowed\n')
    code, out, _ = cli("check", str(tmp_path / "spec.sgv"), "--no-timing", "--color", "never",
                       cwd=tmp_path)
    assert code == 0, out


def test_assertions_about_groups_only_referenced_are_not_proved(tmp_path) -> None:
    """A group referenced by imported rules but not in the input has unknown rules: an
    assertion about it is unknown (W402), never proved (QA finding)."""
    import io
    import shutil

    from sgverify.cli import run
    from tests.support.inputs import FIXTURES
    shutil.copy(FIXTURES / "aliyun" / "web-tier.json", tmp_path / "web-tier.json")
    spec = tmp_path / "spec.sgv"
    spec.write_text('import "web-tier.json"\n'
                    "a1: assert sg-bp1app0000000000001: ingress tcp 22 from internet is denied\n"
                    "a2: assert sg-bp1app0000000000001: egress tcp 22 to internet is allowed\n")
    out = io.StringIO()
    assert run(["check", str(spec), "--no-timing"], out, io.StringIO()) == 3
    assert out.getvalue().count("W402") == 2 and "are not known" in out.getvalue()


def test_external_groups_in_the_language(tmp_path) -> None:
    from tests.support.helpers import codes, verdicts
    src = ("group theirs (external, owner 123, id sg-t) {}\n"
           "group mine { ingress accept tcp 22 from group 123/sg-t }\n"
           "instance m { ip 10.0.0.1; groups mine }\n"
           "assert mine: ingress tcp 22 from group 123/sg-t is allowed\n"
           "assert theirs: ingress tcp 22 is denied\n")
    assert list(verdicts(src).values()) == ["proved", "unknown"]
    assert "E120" in codes("group x (external) { ingress accept tcp 22 from 1.2.3.4 }")
