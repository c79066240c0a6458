"""``sgverify pull aws`` and ``aws://REGION[/VPC]``, offline: boto3 talks through
``--endpoint`` / SGVERIFY_AWS_ENDPOINT to moto's EC2 in server mode on 127.0.0.1, holding
groups with every kind of rule, a managed prefix list and network interfaces."""

from __future__ import annotations

import json
import re
import sys

import pytest

from sgverify.cloud.live.aws import Session, transient
from sgverify.cloud.live.common import Calls, PullRequest, Retrier
from tests.support.gate import cli

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def credentials(monkeypatch, tmp_path):
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "SGVERIFY_AWS_ENDPOINT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="module")
def ec2():
    """moto on 127.0.0.1 with one VPC: groups web (ssh from an office range, https from
    everywhere over IPv4 and IPv6, a managed prefix list), db (postgres from web), 30
    filler groups (more than one page at --page-size 5) and interfaces in them."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    mp = pytest.MonkeyPatch()
    mp.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    client = boto3.client("ec2", region_name=REGION, endpoint_url=url)
    vpc = client.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = client.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    pl = client.create_managed_prefix_list(
        PrefixListName="monitoring", AddressFamily="IPv4", MaxEntries=5,
        Entries=[{"Cidr": "192.0.2.0/28", "Description": "probes"},
                 {"Cidr": "198.51.100.64/26"}])["PrefixList"]["PrefixListId"]
    web = client.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    db = client.create_security_group(GroupName="db", Description="database", VpcId=vpc)["GroupId"]
    client.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "203.0.113.0/24", "Description": "office"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 9100, "ToPort": 9100,
         "PrefixListIds": [{"PrefixListId": pl}]}])
    client.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "UserIdGroupPairs": [{"GroupId": web}]}])
    fillers = []
    for i in range(30):
        g = client.create_security_group(GroupName=f"filler-{i}", Description="filler",
                                         VpcId=vpc)["GroupId"]
        client.authorize_security_group_ingress(GroupId=g, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1000 + i, "ToPort": 1000 + i,
             "IpRanges": [{"CidrIp": f"10.9.{i}.0/24"}]}])
        fillers.append(g)
    enis = [client.create_network_interface(SubnetId=subnet, Groups=groups,
                                            PrivateIpAddress=ip)["NetworkInterface"]
            ["NetworkInterfaceId"]
            for groups, ip in (([web], "10.0.1.10"), ([db], "10.0.1.20"),
                               ([fillers[0], fillers[1]], "10.0.1.30"))]
    yield {"url": url, "vpc": vpc, "web": web, "db": db, "pl": pl, "enis": enis,
           "fillers": fillers, "client": client}
    mp.undo()
    server.stop()


def pull(ec2, out, *extra: str) -> tuple[int, str, str]:
    return cli("pull", "aws", "--region", REGION, "--endpoint", ec2["url"], "--output", str(out),
               *extra)


def test_every_group_rule_prefix_list_and_interface_arrives(ec2, tmp_path) -> None:
    code, out, err = pull(ec2, tmp_path / "pulled", "--vpc", ec2["vpc"], "--page-size", "5")
    assert code == 0, err
    folder = tmp_path / "pulled"
    want = ec2["client"].describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [ec2["vpc"]]}])["SecurityGroups"]
    assert len(want) == 33  # web, db, 30 fillers and the VPC's default group
    for g in want:
        doc = json.loads((folder / f"{g['GroupId']}.json").read_text())
        assert [x["GroupId"] for x in doc["SecurityGroups"]] == [g["GroupId"]]
        assert doc["SecurityGroups"][0]["IpPermissions"] == g["IpPermissions"]
        assert doc["SecurityGroups"][0]["IpPermissionsEgress"] == g["IpPermissionsEgress"]
    lists = json.loads((folder / f"prefix-lists-{REGION}.json").read_text())
    assert lists == [{"PrefixListId": ec2["pl"], "PrefixListName": "monitoring",
                      "AddressFamily": "IPv4", "Entries": {"Entry": [
                          {"Cidr": "192.0.2.0/28", "Description": "probes"},
                          {"Cidr": "198.51.100.64/26"}]}}]
    enis = json.loads((folder / f"interfaces-{REGION}.json").read_text())[
        "NetworkInterfaceSets"]["NetworkInterfaceSet"]
    assert {e["NetworkInterfaceId"] for e in enis} == set(ec2["enis"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["provider"] == "aws" and manifest["counts"]["groups"] == 33
    # read calls only (moto answers in one page; paging is tested on the ECS server)
    assert set(manifest["calls"]["by_api"]) == {
        "DescribeSecurityGroups", "DescribeManagedPrefixLists", "GetManagedPrefixListEntries",
        "DescribeNetworkInterfaces"}


def test_pulled_aws_data_reads_like_the_cli_output(ec2, tmp_path, monkeypatch) -> None:
    # what a user exports by hand: `aws ec2 describe-security-groups` output
    dump = ec2["client"].describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [ec2["vpc"]]}])
    dump.pop("ResponseMetadata", None)
    by_hand = tmp_path / "describe-security-groups.json"
    by_hand.write_text(json.dumps(dump))
    code, _, err = pull(ec2, tmp_path / "pulled", "--vpc", ec2["vpc"])
    assert code == 0, err
    monkeypatch.setenv("SGVERIFY_AWS_ENDPOINT", ec2["url"])
    live = f"aws://{REGION}/{ec2['vpc']}"
    prefix = tmp_path / "pulled" / f"prefix-lists-{REGION}.json"
    texts = []
    for args in ([str(by_hand), str(prefix)], [str(p) for p in sorted(
            (tmp_path / "pulled").glob("sg-*.json"))] + [str(prefix)]):
        code, out, err = cli("import", *args, "--color", "never")
        assert code == 0, err
        texts.append(sorted(line for line in out.splitlines()
                            if line.strip() and not line.startswith("#")))
    assert texts[0] == texts[1]
    code, out, err = cli("import", live, "--color", "never")
    assert code == 0, err
    lines = out.splitlines()
    assert set(texts[0]) <= set(lines)
    assert any(re.match(r"instance \S+ \{ ip 10\.0\.1\.20; groups db;", line) for line in lines)
    # reach over the live estate: web reaches db on 5432, nothing else does
    code, out, err = cli("reach", live, "--no-timing", "--color", "never")
    assert code in (0, 1), err
    assert re.search(r"reaches instance \S+ on tcp 5432", out), out
    code, out, err = cli("diff", str(tmp_path / "pulled"), live, "--no-timing", "--color", "never")
    assert code == 0 and out.startswith("equivalent"), (out, err)


def test_a_denied_or_failing_call_is_e007_naming_the_api_and_action(tmp_path) -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError
    request = PullRequest("aws", (REGION,), endpoint="http://127.0.0.1:9")
    session = Session(request, REGION, Retrier(0.5, Calls(), sleep=lambda s: None))
    denied = ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"},
                          "ResponseMetadata": {"HTTPStatusCode": 403}}, "DescribeNetworkInterfaces")
    err = session.failure("DescribeNetworkInterfaces", denied)
    assert err.code == "E007" and "grant the IAM action ec2:DescribeNetworkInterfaces" in err.message
    assert "in region eu-west-1" in err.message and not transient(denied)
    throttled = ClientError({"Error": {"Code": "RequestLimitExceeded", "Message": "slow down"},
                             "ResponseMetadata": {"HTTPStatusCode": 503}}, "DescribeSecurityGroups")
    assert transient(throttled)
    assert transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    # nothing answers: retried within the budget, then exit 2 and nothing written
    code, out, err = cli("pull", "aws", "--region", REGION, "--endpoint", "http://127.0.0.1:9",
                         "--timeout", "1", "--output", str(tmp_path / "pulled"))
    assert code == 2 and "error[E007]: DescribeSecurityGroups in region eu-west-1" in err, err
    assert not (tmp_path / "pulled").exists()


def test_without_boto3_pull_aws_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    code, _, err = cli("pull", "aws", "--region", REGION, "--output", str(tmp_path / "x"))
    assert code == 2 and "error[E006]" in err and "pip install 'sgverify[aws]'" in err, err
