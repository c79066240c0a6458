"""Issue 20.3: a bare group id that two accounts share resolved to whichever group came
first, so swapping two lines flipped proved and violated. It is E126, listing both.

    sgverify check spec.sgv
"""

import pytest

from tests.support.gate import cli, write

GROUPS = ["group a (owner 1, id sg-1) { ingress accept tcp 22 from 0.0.0.0/0 }",
          "group b (owner 2, id sg-1) {}"]
USES = {
    "rule": "group web { ingress accept tcp 22 from group sg-1 }",
    "instance": "instance i { ip 10.0.0.1; groups sg-1 }",
    "target": "assert group sg-1: ingress tcp 22 from 1.2.3.4 is denied",
    "flow set": "assert group a: ingress from group sg-1 is denied",
    "peer-groups": "assert group a: ingress peer-groups sg-1 is denied",
}


@pytest.mark.parametrize("use", sorted(USES))
@pytest.mark.parametrize("order", [1, -1])
def test_an_ambiguous_bare_id_is_an_error_in_either_order(tmp_path, use, order):
    spec = "\n".join(GROUPS[::order] + [USES[use]]) + "\n"
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 2 and "error[E126]" in out, out
    assert "'a' (account 1, id sg-1)" in out and "'b' (account 2, id sg-1)" in out


def test_account_and_id_or_the_name_pick_one(tmp_path):
    spec = "\n".join(GROUPS + ["assert group a: ingress tcp 22 from 1.2.3.4 is denied",
                               "assert group web: ingress tcp 22 from group 1/sg-1 peer-groups 1/sg-1 is allowed",
                               "group web (intra drop) { ingress accept tcp 22 from group 1/sg-1 }"]) + "\n"
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 1 and "[E126]" not in out and "1 proved, 1 violated" in out, out
