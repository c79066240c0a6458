"""``fix`` built its outcome positionally after two fields (``core``, ``core_flow``) were
added before ``smaller_with_collateral``: the number of smaller repairs set aside for
their collateral landed in ``core`` (the no-repair core) and JSON's
``smaller_with_collateral`` was always 0. Found by the brute-force property test.

    sgverify fix spec.sgv --format json
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.gate import cli, write

SPEC = """\
group g (vpc, basic) {
  r0: ingress drop tcp 22-80 from 10.0.0.0/8 priority 2
}
instance i { ip 192.168.0.1; groups g }
a0: assert i: ingress tcp 22 from 10.0.0.0/8 peer-groups none is allowed
a1: assert i: ingress tcp 80 from 10.0.0.0/8 peer-groups none is allowed
"""


def test_the_smaller_repair_with_collateral_is_counted(tmp_path: Path) -> None:
    # 'make r0 accept' repairs both in one edit but also opens 23-79: two adds win.
    path = write(tmp_path, "spec.sgv", SPEC)
    code, out, err = cli("fix", str(path), "--format", "json")
    assert code == 0, err
    results = json.loads(out)["results"]
    assert len(results["repair"]["edits"]) == 2
    assert results["repair"]["smaller_with_collateral"] == 1
    assert results["no_repair_core"] is None
