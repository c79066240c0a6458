"""A Terraform state whose security group is a data source (``"mode": "data"``, or any
mode but "managed") crashed ``import``: the group was skipped, another group's rule that
names it by id found only the rules added to it, and printing that rule failed with
``FormatError: '' cannot be written as a .sgv name`` (an internal error, exit 2 with a
traceback). Data-source groups are now read as groups that exist but whose rules are not
in the state: a rule naming one as its peer resolves to it (declared without rules, W),
and rules the state adds to one are E120 naming the data source.

    sgverify import state.json        # module.db's rule names a data-source group
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.gate import cli, write

STATE = Path(__file__).parents[1] / "fixtures" / "inputs" / "terraform" / "state.json"


def _resources(module: dict) -> list[dict]:
    return module.get("resources", []) + [r for c in module.get("child_modules", [])
                                          for r in _resources(c)]


def state_with(mode_of: dict[str, str]) -> str:
    doc = json.loads(STATE.read_text())
    for r in _resources(doc["values"]["root_module"]):
        if r["address"] in mode_of:
            r["mode"] = mode_of[r["address"]]
    return json.dumps(doc)


def test_a_rule_naming_a_data_source_group_is_read_not_a_crash(tmp_path) -> None:
    # the web group is a data source and keeps rules of its own in the state: those are
    # E120 (its other rules are elsewhere); db's rule names web as its peer.
    path = write(tmp_path, "state.json", state_with({"alicloud_security_group.web": "data"}))
    code, out, err = cli("import", path)
    assert code == 2 and "Traceback" not in err and "internal error" not in err, err
    assert "error[E120]" in err and "Terraform data source" in err, err


def test_a_data_source_group_used_only_as_a_peer_imports(tmp_path) -> None:
    doc = json.loads(state_with({"alicloud_security_group.web": "data"}))
    root = doc["values"]["root_module"]
    root["resources"] = [r for r in root["resources"]
                         if not (r["type"] == "alicloud_security_group_rule"
                                 and r["values"]["security_group_id"] == "sg-bp1tfweb00000000001")
                         and r["type"] != "alicloud_instance"]
    path = write(tmp_path, "state.json", json.dumps(doc))
    code, out, err = cli("import", path)
    assert code == 0, err
    # db's rule keeps its peer: the data-source group, declared without rules
    assert "group web (vpc" in out and "Terraform data source" in out, out
    assert "ingress accept tcp 5432 from group web" in out, out
    assert "W125" in err and "declared without rules" in err, err


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mode=st.sampled_from(["data", "", "unknown", "DATA"]),
       which=st.sampled_from(["alicloud_security_group.web", "module.db.alicloud_security_group.db"]))
def test_any_unmanaged_mode_ends_cleanly(tmp_path, mode, which) -> None:
    path = write(tmp_path, "state.json", state_with({which: mode}))
    code, _, err = cli("import", path)
    assert code in (0, 2) and "Traceback" not in err and "internal error" not in err, err


@pytest.mark.parametrize("fmt", ["terraform"])
def test_the_managed_state_still_imports(tmp_path, fmt) -> None:
    code, out, err = cli("import", str(STATE), "--input-format", fmt)
    assert code == 0 and "group web" in out and "group db" in out, err
