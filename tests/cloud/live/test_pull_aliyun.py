"""``sgverify pull aliyun`` and ``aliyun://REGION[/VPC]`` inventories, offline: the real
Alibaba Cloud SDK (signing with test credentials from the environment) talks through
``--endpoint`` / SGVERIFY_ALIYUN_ENDPOINT to a real HTTP server on 127.0.0.1
(tests/support/fake_ecs.py) that serves hundreds of groups over many pages, throttles,
fails pages and denies actions.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.cloud.live.common import PullError, parse_uri
from sgverify.core.files import is_live_uri
from tests.support.fake_ecs import ACCESS_KEY, FakeEcs, Faults, as_files, estate
from tests.support.gate import cli
from tests.support.json_reports import report
from tests.support.paths import ROOT

pytest.importorskip("alibabacloud_ecs20140526")

REGION = "cn-hangzhou"


@pytest.fixture(autouse=True)
def credentials(monkeypatch, tmp_path):
    """Test credentials through the SDK's default chain (environment variables first);
    nothing from the machine's own files or roles."""
    for key in ("ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_SECURITY_TOKEN",
                "ALIBABA_CLOUD_ECS_METADATA", "ALIBABA_CLOUD_ROLE_ARN",
                "SGVERIFY_ALIYUN_ENDPOINT", "SGVERIFY_PULL_TIMEOUT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY[0])
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY[1])
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", str(tmp_path / "no-such-file"))
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.alibabacloud of the machine


def pull(server: FakeEcs, out: Path, *extra: str) -> tuple[int, str, str]:
    return cli("pull", "aliyun", "--region", REGION, "--endpoint", server.url,
               "--output", str(out), *extra)


def statements(text: str) -> list[str]:
    """The lines of printed .sgv text, sorted, without the comments naming files (the
    files are named and ordered differently; the statements must be the same)."""
    return sorted(line for line in text.splitlines() if not line.startswith("#"))


def located(value: object) -> object:
    """A JSON report with file locations left out (the same data, from other files)."""
    if isinstance(value, dict):
        return {k: located(v) for k, v in value.items()
                if k not in ("path", "file", "location", "locations", "uri", "artifactLocation",
                             "line", "column", "source", "sources", "at", "inventory",
                             "inputs", "span")}
    if isinstance(value, list):
        return [located(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"(aliyun://[\w-]+|/\S+/(files|pulled))/[\w.-]+\.json(:\d+:\d+)?", "<at>",
                      value)
    return value


# ------------------------------------------------------------------ everything arrives

def test_the_json_summary_is_the_manifest_in_the_envelope(tmp_path) -> None:
    """``pull --format json``: the JSON envelope (issue 19), valid against the shipped
    schemas, whose results are the manifest written and whose summary has its counts."""
    with FakeEcs(estate(12), page=5) as server:
        code, out, err = pull(server, tmp_path / "pulled", "--format", "json")
    assert code == 0, err
    doc = report(out)
    assert doc["command"] == "pull" and doc["inputs"] == [f"aliyun://{REGION}"]
    manifest = json.loads((tmp_path / "pulled" / "manifest.json").read_text())
    assert doc["results"] == {**manifest, "output": str(tmp_path / "pulled")}
    assert doc["summary"] == {**manifest["counts"], "calls": manifest["calls"]["total"],
                              "retries": manifest["calls"]["retries"], "exit_code": 0,
                              "passed": True}


def test_every_group_rule_and_interface_arrives_over_many_pages(tmp_path) -> None:
    e = estate(300)
    with FakeEcs(e, page=7, rule_page=3) as server:
        code, out, err = pull(server, tmp_path / "pulled")
    assert code == 0, err
    folder = tmp_path / "pulled"
    files = {p.name for p in folder.iterdir()}
    assert {f"{g['SecurityGroupId']}.json" for g in e.groups} <= files
    for g in e.groups:
        doc = json.loads((folder / f"{g['SecurityGroupId']}.json").read_text())
        assert doc["Permissions"]["Permission"] == g["Permissions"], g["SecurityGroupId"]
        assert doc["SecurityGroupType"] == g["SecurityGroupType"]
        assert doc["InnerAccessPolicy"] == g["InnerAccessPolicy"]
        assert "NextToken" not in doc
    enis = json.loads((folder / f"interfaces-{REGION}.json").read_text())
    assert enis["NetworkInterfaceSets"]["NetworkInterfaceSet"] == e.enis
    lists = json.loads((folder / f"prefix-lists-{REGION}.json").read_text())
    assert [pl["PrefixListId"] for pl in lists] == list(e.prefix_lists)
    assert lists[0]["Entries"] == e.prefix_lists["pl-bp1office00000000001"]["Entries"]
    ports = json.loads((folder / f"port-lists-{REGION}.json").read_text())
    assert ports == [{"PortRangeListId": k, "Entries": v} for k, v in e.port_lists.items()]
    manifest = json.loads((folder / "manifest.json").read_text())
    rules = sum(len(g["Permissions"]) for g in e.groups)
    assert manifest["counts"] == {"groups": 300, "rules": rules, "interfaces": 600,
                                  "prefix_lists": 1, "port_lists": 1}
    assert manifest["regions"] == [REGION] and manifest["apis"]["ecs"] == "2014-05-26"
    # every page was asked for: the listing in pages of 7, each group's rules in pages of 3
    asked = [a for a, _ in server.calls]
    assert asked.count("DescribeSecurityGroups") == math.ceil(300 / 7)
    assert asked.count("DescribeSecurityGroupAttribute") == sum(
        max(1, math.ceil(len(g["Permissions"]) / 3)) for g in e.groups)
    assert asked.count("DescribeNetworkInterfaces") == math.ceil(600 / 21)
    assert set(asked) <= {"DescribeSecurityGroups", "DescribeSecurityGroupAttribute",
                          "DescribePrefixListAttributes", "DescribePortRangeListEntries",
                          "DescribeNetworkInterfaces"}  # read calls only
    assert f"{300:>7} security groups" in out and f"{600:>7} network interfaces" in out


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(page=st.integers(1, 30))
def test_any_page_size_reads_the_same_estate(tmp_path_factory, page) -> None:
    e = estate(12)
    out = tmp_path_factory.mktemp("p")
    with FakeEcs(e, page=30, rule_page=30) as server:
        code, _, err = pull(server, out / "pulled", "--page-size", str(page))
    assert code == 0, err
    got = {json.loads(p.read_text())["SecurityGroupId"]: json.loads(p.read_text())
           for p in (out / "pulled").glob("sg-*.json")}
    assert {g: d["Permissions"]["Permission"] for g, d in got.items()} == \
        {g["SecurityGroupId"]: g["Permissions"] for g in e.groups}


# ------------------------------------------------------------------ same as the files

@pytest.fixture(scope="module")
def small() -> tuple:
    return estate(40)


def test_pulled_data_imports_checks_audits_and_diffs_like_the_files(tmp_path, small,
                                                                    monkeypatch) -> None:
    files = as_files(small, tmp_path / "files")
    with FakeEcs(small) as server:
        code, _, err = pull(server, tmp_path / "pulled")
        assert code == 0, err
        monkeypatch.setenv("SGVERIFY_ALIYUN_ENDPOINT", server.url)
        pulled = str(tmp_path / "pulled")
        live = f"aliyun://{REGION}"
        # import: the same .sgv text
        a, b, c = (cli("import", src, "--color", "never") for src in (files, pulled, live))
        assert a[0] == b[0] == c[0] == 0, (a[2], b[2], c[2])
        assert statements(a[1]) == statements(b[1]) == statements(c[1])
        assert len(statements(a[1])) > 200
        # audit: the same findings (locations aside)
        runs = [cli("audit", src, "--format", "json", "--no-timing") for src in
                (files, pulled, live)]
        assert {r[0] for r in runs} == {1}, [r[2] for r in runs]
        reports = [located(json.loads(r[1])) for r in runs]
        assert reports[0] == reports[1] == reports[2]
        assert "SGV101" in runs[2][1]
        # diff: no drift between the files, the pulled folder and the live estate
        for old, new in ((str(files), pulled), (str(files), live), (live, pulled)):
            code, out, err = cli("diff", old, new, "--no-timing", "--color", "never")
            assert code == 0 and out.startswith("equivalent"), (old, new, out, err)
        # check: a spec's assertions about the estate get the same verdicts
        spec = tmp_path / "spec.sgv"
        spec.write_text("ssh: assert group app-6: ingress tcp 22 from internet is denied\n"
                        "rdp: assert group app-1: ingress tcp 3389 from internet is denied\n"
                        "db: assert group app-5: ingress tcp 5432 from group app-4 is allowed\n")
        with_files = tmp_path / "with-files.sgv"
        with_files.write_text("".join(f'import "files/{p.name}"\n' for p in sorted(files.iterdir()))
                              + spec.read_text())
        with_live = tmp_path / "with-live.sgv"
        with_live.write_text(f'import "{live}"\n' + spec.read_text())
        verdicts = []
        for args in ([with_files], [spec, live], [with_live]):
            code, out, err = cli("check", *args, "--no-timing", "--no-cache", "--color", "never")
            assert code == 1, (out, err)
            verdicts.append(re.findall(r"(proved|violated): (\w+)", out))
        assert verdicts[0] == verdicts[1] == verdicts[2] == \
            [("violated", "ssh"), ("proved", "rdp"), ("proved", "db")]


def test_drift_is_what_production_allows_that_the_spec_does_not(tmp_path, small,
                                                                monkeypatch) -> None:
    files = as_files(small, tmp_path / "files")
    drifted = estate(40)
    drifted.groups[2]["Permissions"].append(
        {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
         "PortRange": "6379/6379", "SourceCidrIp": "0.0.0.0/0", "NicType": "intranet"})
    with FakeEcs(drifted) as server:
        monkeypatch.setenv("SGVERIFY_ALIYUN_ENDPOINT", server.url)
        code, out, err = cli("diff", str(files), f"aliyun://{REGION}", "--no-timing",
                             "--color", "never", "--fail-on", "new-access")
    assert code == 1, (out, err)
    assert "6379" in out and "app-2" in out


# ------------------------------------------------------------------ robustness

def test_throttling_and_a_transient_page_failure_are_retried(tmp_path) -> None:
    faults = Faults(throttle_once={"DescribeSecurityGroups", "DescribeSecurityGroupAttribute"},
                    fail_page={("DescribeNetworkInterfaces", 2): 1})
    e = estate(20)
    with FakeEcs(e, faults=faults) as server:
        code, _, err = pull(server, tmp_path / "pulled")
    assert code == 0, err
    statuses = [s for _, s in server.answers]
    assert statuses.count(400) == 2 and statuses.count(503) == 1
    manifest = json.loads((tmp_path / "pulled" / "manifest.json").read_text())
    assert manifest["calls"]["retries"] == 3
    enis = json.loads((tmp_path / "pulled" / f"interfaces-{REGION}.json").read_text())
    assert len(enis["NetworkInterfaceSets"]["NetworkInterfaceSet"]) == len(e.enis)


def test_a_page_that_keeps_failing_is_exit_2_and_nothing_is_written(tmp_path) -> None:
    faults = Faults(fail_page={("DescribeSecurityGroupAttribute", 9): 10_000})
    with FakeEcs(estate(20), faults=faults) as server:
        code, out, err = pull(server, tmp_path / "pulled", "--timeout", "1")
    assert code == 2 and out == ""
    assert "error[E007]: DescribeSecurityGroupAttribute in region cn-hangzhou failed" in err, err
    assert "ServiceUnavailable" in err and "within the pull's 1 s" in err
    assert not (tmp_path / "pulled").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary folder left either


def test_a_failed_pull_leaves_an_earlier_pull_as_it_was(tmp_path) -> None:
    with FakeEcs(estate(5)) as server:
        assert pull(server, tmp_path / "pulled")[0] == 0
    before = {p.name: p.read_text() for p in (tmp_path / "pulled").iterdir()}
    with FakeEcs(estate(9), faults=Faults(deny={"DescribeNetworkInterfaces"})) as server:
        code, _, err = pull(server, tmp_path / "pulled")
    assert code == 2 and "DescribeNetworkInterfaces" in err
    assert {p.name: p.read_text() for p in (tmp_path / "pulled").iterdir()} == before
    with FakeEcs(estate(9)) as server:  # a good pull replaces it
        assert pull(server, tmp_path / "pulled")[0] == 0
    assert len(list((tmp_path / "pulled").glob("sg-*.json"))) == 9


def test_a_denied_call_names_the_api_and_the_ram_action(tmp_path, monkeypatch) -> None:
    with FakeEcs(estate(10), faults=Faults(deny={"DescribePrefixListAttributes"})) as server:
        code, out, err = pull(server, tmp_path / "pulled")
        assert code == 2 and not (tmp_path / "pulled").exists()
        assert "error[E007]: DescribePrefixListAttributes in region cn-hangzhou was denied " \
               "(Forbidden.RAM" in err, err
        assert "grant the RAM action ecs:DescribePrefixListAttributes" in err
        # the same through a live inventory: exit 2, an E007 diagnostic naming the API
        monkeypatch.setenv("SGVERIFY_ALIYUN_ENDPOINT", server.url)
        for args in (["audit", f"aliyun://{REGION}"], ["lint", f"aliyun://{REGION}"],
                     ["reach", f"aliyun://{REGION}"], ["export", f"aliyun://{REGION}"],
                     ["explain", f"aliyun://{REGION}", "--flow",
                      "ingress tcp 1.2.3.4:40000 -> 10.100.0.10:22"],
                     ["import", f"aliyun://{REGION}"]):
            code, out, err = cli(*args, "--color", "never")
            assert code == 2, (args, out, err)
            assert "E007" in err and "ecs:DescribePrefixListAttributes" in err, (args, err)


def test_wrong_credentials_are_refused_by_the_signature_check(tmp_path, monkeypatch) -> None:
    # in a new process: the credentials library keeps what it read from the environment
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
    with FakeEcs(estate(3)) as server:
        run = subprocess.run([sys.executable, "-m", "sgverify", "pull", "aliyun", "--region",
                              REGION, "--endpoint", server.url, "--output",
                              str(tmp_path / "pulled")], capture_output=True, text=True,
                             timeout=120, cwd=ROOT)
    code, err = run.returncode, run.stderr
    assert code == 2 and "credentials are not valid (SignatureDoesNotMatch" in err, err
    assert [s for _, s in server.answers] == [400]  # not retried: it would never pass


def test_the_sdk_signs_with_the_credentials_of_the_environment(tmp_path) -> None:
    with FakeEcs(estate(3), check_signature=True) as server:
        assert pull(server, tmp_path / "pulled")[0] == 0
    assert all(s == 200 for _, s in server.answers)  # every request's signature matched


def test_filters_by_vpc_and_group(tmp_path) -> None:
    e = estate(10)
    with FakeEcs(e) as server:
        gids = [e.groups[2]["SecurityGroupId"], e.groups[3]["SecurityGroupId"]]
        code, _, err = pull(server, tmp_path / "two", "--group", gids[0], "--group", gids[1])
        assert code == 0, err
        assert sorted(p.name for p in (tmp_path / "two").glob("sg-*.json")) == \
            sorted(f"{g}.json" for g in gids)
        enis = json.loads((tmp_path / "two" / f"interfaces-{REGION}.json").read_text())
        assert {eni["NetworkInterfaceId"] for eni in enis["NetworkInterfaceSets"][
            "NetworkInterfaceSet"]} == {"eni-bp1test000000000004", "eni-bp1test000000000005",
                                        "eni-bp1test000000000006", "eni-bp1test000000000007"}
        code, _, err = pull(server, tmp_path / "none", "--group", "sg-missing")
        assert code == 2 and "no group sg-missing" in err
        code, _, err = pull(server, tmp_path / "other", "--vpc", "vpc-other")
        assert code == 0 and not list((tmp_path / "other").glob("sg-*.json"))
        assert ("DescribeSecurityGroups", "vpc-other") in [
            (a, p.get("VpcId")) for a, p in server.calls]


def test_without_the_sdk_pull_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "alibabacloud_ecs20140526", None)
    code, out, err = cli("pull", "aliyun", "--region", REGION, "--output", str(tmp_path / "x"))
    assert code == 2 and "error[E006]" in err and "pip install 'sgverify[aliyun]'" in err, err
    code, _, err = cli("audit", f"aliyun://{REGION}")
    assert code == 2 and "E006" in err and "sgverify[aliyun]" in err


def test_a_folder_that_is_not_a_pull_is_never_replaced(tmp_path) -> None:
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    with FakeEcs(estate(2)) as server:
        code, _, err = pull(server, keep)
    assert code == 2 and "holds no earlier pull" in err
    assert [p.name for p in keep.iterdir()] == ["notes.txt"]


# ------------------------------------------------------------------ URIs

@pytest.mark.parametrize("text, provider, region, vpc", [
    ("aliyun://cn-hangzhou", "aliyun", "cn-hangzhou", None),
    ("aliyun://cn-hangzhou/vpc-bp1abc", "aliyun", "cn-hangzhou", "vpc-bp1abc"),
    ("ALIYUN://CN-Hangzhou/", "aliyun", "cn-hangzhou", None),
    ("aws://eu-west-1/vpc-0abc", "aws", "eu-west-1", "vpc-0abc")])
def test_live_uris(text, provider, region, vpc) -> None:
    assert is_live_uri(text)
    request = parse_uri(text)
    assert (request.provider, request.regions, request.vpc) == (provider, (region,), vpc)


@pytest.mark.parametrize("text", ["aliyun://", "aliyun://cn hangzhou", "aws://eu-west-1/a/b",
                                  "aliyun://cn-hangzhou/vpc?x"])
def test_malformed_live_uris_are_e007(text) -> None:
    with pytest.raises(PullError) as info:
        parse_uri(text)
    assert info.value.code == "E007" and "aliyun://REGION[/VPC]" in info.value.message
    code, _, err = cli("audit", text)
    assert code == 2 and "E007" in err


def test_files_are_not_live_uris() -> None:
    assert not any(is_live_uri(t) for t in ("estate/", "aliyun/web.json", "./aws://x", "s3://b"))


def test_check_needs_specs_beside_a_live_inventory() -> None:
    code, _, err = cli("check", f"aliyun://{REGION}")
    assert code == 2 and "checked against .sgv specs" in err


def test_progress_is_shown_on_a_terminal_only(tmp_path) -> None:
    import io

    from sgverify.cli import run

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with FakeEcs(estate(4)) as server:
        out, err = io.StringIO(), Terminal()
        code = run(["pull", "aliyun", "--region", REGION, "--endpoint", server.url,
                    "--output", str(tmp_path / "tty")], out, err)
        assert code == 0
        assert "\rcn-hangzhou: group 4/4 sg-bp1test000000000003" in err.getvalue()
        assert err.getvalue().endswith("\r\033[K")  # the line is cleared at the end
        code, _, plain = pull(server, tmp_path / "plain")
        assert code == 0 and plain == ""


def test_a_classic_groups_rules_of_both_nic_types_arrive(tmp_path) -> None:
    e = estate(3)
    classic = e.groups[1]
    classic["VpcId"] = ""
    classic["Permissions"] = [
        {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
         "PortRange": "80/80", "SourceCidrIp": "0.0.0.0/0", "NicType": "internet"},
        {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
         "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8", "NicType": "intranet"},
        {"Direction": "egress", "Policy": "Drop", "Priority": 2, "IpProtocol": "UDP",
         "PortRange": "53/53", "DestCidrIp": "0.0.0.0/0", "NicType": "internet"}]
    e.enis = [eni for eni in e.enis if classic["SecurityGroupId"] not in
              eni["SecurityGroupIds"]["SecurityGroupId"]]
    with FakeEcs(e) as server:
        code, _, err = pull(server, tmp_path / "pulled")
    assert code == 0, err
    doc = json.loads((tmp_path / "pulled" / f"{classic['SecurityGroupId']}.json").read_text())
    assert sorted(r["PortRange"] for r in doc["Permissions"]["Permission"]) == \
        ["22/22", "53/53", "80/80"]
    asked = [p.get("NicType") for a, p in server.calls if a == "DescribeSecurityGroupAttribute"
             and p["SecurityGroupId"] == classic["SecurityGroupId"]]
    assert sorted(asked) == ["internet", "intranet"]
    code, out, err = cli("import", str(tmp_path / "pulled"), "--color", "never")
    assert code == 0, err
    assert "group app-1 (classic" in out and "nic internet" in out, out
