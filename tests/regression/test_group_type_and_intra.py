"""Issue 20.18 and 20.20: a bad SecurityGroupType gave its error and also the contradictory
"SecurityGroupType is not given" warning; an enterprise group with InnerAccessPolicy Accept
was imported without a word while ``intra accept`` on an enterprise group in a .sgv was an
error. Now a stated but bad type is only the error, and an explicit Accept on an enterprise
group is the same warning (W128, read as isolated) from a spec and from every import format.

    sgverify import group.json      sgverify check spec.sgv
"""

from __future__ import annotations

import json

import pytest

from sgverify.api import check_text
from sgverify.core.model import Action
from tests.support.gate import cli, write

WORDS = "has no effect: only basic groups have intra-group access"


@pytest.mark.parametrize("value", ['"weird"', "5", "true", '["normal"]'])
def test_a_bad_group_type_is_one_error_not_also_not_given(tmp_path, value) -> None:
    doc = ('{"SecurityGroupId": "sg-1", "SecurityGroupType": %s, "VpcId": "vpc-1", '
           '"Permissions": {"Permission": []}}' % value)
    code, out, err = cli("import", write(tmp_path, "g.json", doc))
    assert code == 2 and "not a valid SecurityGroupType" in out + err
    assert "is not given" not in out + err


def test_a_missing_group_type_is_still_not_given(tmp_path) -> None:
    doc = '{"SecurityGroupId": "sg-1", "VpcId": "vpc-1", "Permissions": {"Permission": []}}'
    code, out, err = cli("import", write(tmp_path, "g.json", doc))
    assert code == 0 and "warning[W125]" in out + err and "is not given" in out + err


def test_a_spec_and_an_import_give_the_same_warning(tmp_path) -> None:
    spec = check_text("group g (enterprise, intra accept) {}\n")
    (w,) = spec.diagnostics
    assert (w.code, w.is_error) == ("W128", False) and WORDS in w.message
    assert spec.policy.groups[0].intra is Action.DROP
    doc = {"SecurityGroupId": "sg-1", "SecurityGroupType": "enterprise", "VpcId": "vpc-1",
           "InnerAccessPolicy": "Accept", "Permissions": {"Permission": []}}
    code, out, err = cli("import", write(tmp_path, "g.json", json.dumps(doc)))
    assert code == 0 and "warning[W128]: InnerAccessPolicy: enterprise group sg-1: " \
                         f"InnerAccessPolicy Accept {WORDS}" in out + err


TERRAFORM = {"format_version": "1.0", "values": {"root_module": {"resources": [
    {"address": "alicloud_security_group.g", "mode": "managed", "type": "alicloud_security_group",
     "name": "g", "values": {"id": "sg-1", "name": "g", "vpc_id": "vpc-1",
                             "security_group_type": "enterprise", "inner_access_policy": "Accept"}}]}}}
ROS = {"ROSTemplateFormatVersion": "2015-09-01", "Resources": {"g": {
    "Type": "ALIYUN::ECS::SecurityGroup",
    "Properties": {"VpcId": "vpc-1", "SecurityGroupType": "enterprise", "InnerAccessPolicy": "Accept"}}}}
LISTING = [{"SecurityGroupId": "sg-1", "VpcId": "vpc-1", "InnerAccessPolicy": "Accept",
            "Permissions": {"Permission": []}},
           {"SecurityGroups": {"SecurityGroup": [
               {"SecurityGroupId": "sg-1", "SecurityGroupType": "enterprise", "VpcId": "vpc-1"}]}}]


@pytest.mark.parametrize("fmt", ["terraform", "ros", "type from a listing"])
def test_every_import_format_warns(tmp_path, fmt) -> None:
    if fmt == "type from a listing":  # the type arrives in another file than the policy
        paths = [write(tmp_path, f"{i}.json", json.dumps(d)) for i, d in enumerate(LISTING)]
    else:
        paths = [write(tmp_path, "g.json", json.dumps(TERRAFORM if fmt == "terraform" else ROS))]
    code, out, err = cli("import", *paths)
    assert code == 0 and "warning[W128]" in out + err and WORDS in out + err, out + err
    assert "intra accept" not in out  # the printed group is isolated, as it is read


@pytest.mark.parametrize("policy", ["Drop", None])
def test_no_warning_without_an_explicit_accept(tmp_path, policy) -> None:
    doc = {"SecurityGroupId": "sg-1", "SecurityGroupType": "enterprise", "VpcId": "vpc-1",
           "Permissions": {"Permission": []}}
    if policy:
        doc["InnerAccessPolicy"] = policy
    code, out, err = cli("import", write(tmp_path, "g.json", json.dumps(doc)))
    assert code == 0 and "W128" not in out + err
