"""Issue 20.4: two instances with one id were accepted and a target by id picked the
first, so the order of two lines flipped the verdict. Duplicate ids are E105.

    sgverify check spec.sgv
"""

import pytest

from tests.support.gate import cli, write

INSTANCES = ["instance i { ip 10.0.0.1; groups a; id i-1 }",
             "instance j { ip 10.0.0.2; groups b; id i-1 }"]


@pytest.mark.parametrize("order", [1, -1])
def test_duplicate_instance_ids_are_refused(tmp_path, order):
    spec = "\n".join(["group a { ingress accept tcp 22 from 10.0.0.0/8 }", "group b {}"]
                     + INSTANCES[::order]
                     + ["assert i-1: ingress tcp 22 from 10.0.0.0/8 is allowed"]) + "\n"
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 2 and "error[E105]" in out and "already identifies instance" in out


def test_an_id_equal_to_another_instances_name_is_refused(tmp_path):
    spec = ("group a {}\ninstance i { ip 10.0.0.1; groups a }\n"
            "instance j { ip 10.0.0.2; groups a; id i }\n")
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 2 and "'i' already identifies instance 'i'" in out
