"""A Terraform state whose rules add to a group that is not in the state, while another
module's rule names that group as its peer, crashed ``import`` (``printer.name('')``: an
internal error, exit 2 with a traceback; found by tests/meta/test_fuzz.py's mutated cloud
exports). A group known only from rules added to it is partial: it is no peer to resolve
to, so the adding rule is E120 and nothing is printed; with no rule adding to it, the peer
is declared external without rules (W125).

    sgverify import tf_rule_on_missing_group.json
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.gate import cli, write

CASE = Path(__file__).parents[1] / "fixtures" / "regression" / "tf_rule_on_missing_group.json"


def test_rules_added_to_a_missing_group_are_e120_not_a_crash() -> None:
    code, out, err = cli("import", str(CASE))
    assert code == 2
    assert "Traceback" not in err and "internal error" not in err
    assert "error[E120]" in err and "sg-bp1tfweb00000000001" in err
    assert out == ""


def test_the_missing_group_as_a_peer_alone_is_declared_external(tmp_path) -> None:
    doc = json.loads(CASE.read_text())
    root = doc["values"]["root_module"]
    root["resources"] = [r for r in root["resources"]
                         if r["type"] != "alicloud_security_group_rule"]
    path = write(tmp_path, "state.json", json.dumps(doc))
    code, out, err = cli("import", str(path))
    assert code == 0, err
    assert "warning[W125]" in err
    assert "from group sg-bp1tfweb00000000001" in out
    assert "group sg-bp1tfweb00000000001 (vpc, basic, external" in out
