"""Issue 20.14 and 20.17: a Terraform state resource whose ``type`` is a number, and
``terraform show -json`` output of the wrong shape (``values: null``, ``resources: null`` or
an object, items that are not resources) were read as empty or partial, exit 0. A wrong shape
is an error at the value (exit 2); the well-formed empty outputs Terraform writes still read.

    sgverify import state.json
"""

from __future__ import annotations

import json

import pytest

from tests.support.gate import cli, write

GROUP = {"address": "alicloud_security_group.g", "mode": "managed",
         "type": "alicloud_security_group", "name": "g", "values": {"id": "sg-1", "name": "g"}}

WRONG = {
    "values null": ({"values": None}, "values: expected an object, found null"),
    "values a list": ({"values": []}, "values: expected an object, found []"),
    "no root_module": ({"values": {}}, "values: expected a 'root_module'"),
    "root_module null": ({"values": {"root_module": None}},
                         "values.root_module: expected an object (a module), found null"),
    "resources null": ({"values": {"root_module": {"resources": None}}},
                       "values.root_module.resources: expected a list, found null"),
    "resources an object": ({"values": {"root_module": {"resources": {"a": GROUP}}}},
                            "values.root_module.resources: expected a list"),
    "an item a number": ({"values": {"root_module": {"resources": [GROUP, 5]}}},
                         "values.root_module.resources[1]: expected an object, found 5"),
    "type a number": ({"values": {"root_module": {"resources": [dict(GROUP, type=5)]}}},
                      "values.root_module.resources[0].type: expected a string, found 5"),
    "no address": ({"values": {"root_module": {"resources": [
        {k: v for k, v in GROUP.items() if k != "address"}]}}},
        "values.root_module.resources[0].address: expected a string, found null"),
    "resource values null": ({"values": {"root_module": {"resources": [dict(GROUP, values=None)]}}},
                             "values.root_module.resources[0].values: expected an object"),
    "child_modules a number": ({"values": {"root_module": {"child_modules": 5}}},
                               "values.root_module.child_modules: expected a list, found 5"),
    "a child module a list": ({"values": {"root_module": {"child_modules": [[GROUP]]}}},
                              "values.root_module.child_modules[0]: expected an object"),
    "planned_values null": ({"planned_values": None}, "planned_values: expected an object"),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_wrong_shape_is_an_error_at_the_value(tmp_path, case) -> None:
    doc, message = WRONG[case]
    path = write(tmp_path, "state.json", json.dumps({"format_version": "1.0", **doc}))
    code, out, err = cli("import", path)
    assert code == 2, out + err
    assert "error[E001]: " + message in out + err, out + err


@pytest.mark.parametrize("doc", [{}, {"values": {"root_module": {}}},
                                 {"values": {"root_module": {"resources": []}}}])
def test_the_empty_outputs_terraform_writes_still_read(tmp_path, doc) -> None:
    path = write(tmp_path, "state.json", json.dumps({"format_version": "1.0",
                                                     "terraform_version": "1.6.0", **doc}))
    code, out, err = cli("import", path)
    assert code == 0 and "error" not in out + err


def test_a_good_state_still_reads(tmp_path) -> None:
    doc = {"format_version": "1.0", "values": {"root_module": {"resources": [GROUP]}}}
    code, out, err = cli("import", write(tmp_path, "state.json", json.dumps(doc)))
    assert code == 0 and "group g " in out, out + err
