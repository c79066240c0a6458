"""Issue 19.1: ``sgverify explain POLICY --flow ...`` without ``--target`` pooled every group
of the policy into one imaginary interface: a flow to db-1's address came back "accept"
while ``--target db-1`` said "drop". A flow is now decided on the instance that owns its
interface-side address; none or several is an error asking for ``--target``; inputs without
instances and with several groups have no known interface and need ``--target`` too.

    sgverify explain spec.sgv --flow "ingress tcp 1.2.3.4:4000 -> 10.0.2.10:3306"
"""

from __future__ import annotations

import json

import pytest

from tests.support.gate import cli, write

SPEC = """group web { ingress accept tcp 3306 from 0.0.0.0/0 }
group db { ingress accept tcp 3306 from 10.0.1.0/24 }
instance web-1 { ip 10.0.1.10; groups web }
instance db-1 { ip 10.0.2.10; groups db }
"""
TO_DB = "ingress tcp 1.2.3.4:4000 -> 10.0.2.10:3306"


def explain(tmp_path, *args: str) -> tuple[int, str, str]:
    return cli("explain", write(tmp_path, "spec.sgv", SPEC), *args, "--color", "never")


def test_the_flow_is_decided_on_the_instance_that_owns_the_address(tmp_path) -> None:
    code, out, err = explain(tmp_path, "--flow", TO_DB)
    assert code == 0, out + err
    alone = explain(tmp_path, "--flow", TO_DB, "--target", "db-1")[1]
    assert out == alone and "drop" in out and "accept" not in out.split("\n")[0]


@pytest.mark.parametrize("flow, words", [
    ("ingress tcp 1.2.3.4:4000 -> 10.0.9.9:3306", "no instance has the address 10.0.9.9"),
])
def test_an_address_no_instance_owns_needs_a_target(tmp_path, flow, words) -> None:
    code, out, err = explain(tmp_path, "--flow", flow)
    assert code == 2 and words in out + err and "--target" in out + err


def test_an_address_of_two_instances_needs_a_target(tmp_path) -> None:
    spec = write(tmp_path, "two.sgv", SPEC + "instance db-2 { ip 10.0.2.10; groups web }\n")
    code, out, err = cli("explain", spec, "--flow", TO_DB)
    assert code == 2 and "several instances (db-1, db-2)" in out + err


def test_flows_in_bulk_are_each_decided_on_their_own_instance(tmp_path) -> None:
    lines = [{"direction": "ingress", "protocol": "tcp", "src_ip": "1.2.3.4", "dst_ip": dst,
              "src_port": 4000, "dst_port": 3306} for dst in ("10.0.2.10", "10.0.1.10", "10.0.9.9")]
    flows = write(tmp_path, "f.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
    code, out, err = explain(tmp_path, "--flows", str(flows), "--format", "json")
    rows = json.loads(out)["results"]["lines"]
    assert [r.get("verdict") for r in rows] == ["drop", "accept", None]
    assert "no instance has the address 10.0.9.9" in rows[2]["error"] and code == 2


def test_without_instances_one_group_is_the_interface(tmp_path) -> None:
    spec = write(tmp_path, "one.sgv", "group db { ingress accept tcp 3306 from 10.0.1.0/24 }\n")
    code, out, _ = cli("explain", spec, "--flow", TO_DB)
    assert code == 0 and "drop" in out


def test_without_instances_several_groups_are_no_interface(tmp_path) -> None:
    spec = write(tmp_path, "two.sgv", "group web { ingress accept tcp 3306 from 0.0.0.0/0 }\n"
                 "group db { ingress accept tcp 3306 from 10.0.1.0/24 }\n")
    code, out, err = cli("explain", spec, "--flow", TO_DB)
    assert code == 2 and "2 groups and no instance" in out + err
