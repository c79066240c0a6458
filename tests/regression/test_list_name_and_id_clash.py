"""Issue 20.2: `prefix-list x (id y)` and `prefix-list y` became one unknown list, so a
false assertion was proved. A list's name or id that is already another list's name or id
is E105 (the same for port lists).

    sgverify check spec.sgv        (was: proved, exit 0)
"""

from tests.support.gate import cli, write


def test_prefix_list_id_equal_to_another_name_is_refused(tmp_path):
    spec = ("prefix-list x (id y)\nprefix-list y\n"
            "group g { ingress accept tcp 22 from prefix-list x }\n"
            "assert group g: ingress tcp 22 from 10.0.0.0/8 is denied\n")
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 2 and "error[E105]" in out and "'y' already identifies prefix list 'x'" in out


def test_port_list_id_equal_to_another_name_is_refused(tmp_path):
    spec = ("port-list p (id q)\nport-list q = 80\n"
            "group g { ingress accept tcp port-list q from 10.0.0.0/8 }\n")
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 2 and "'q' already identifies port list 'p'" in out


def test_two_lists_with_one_id_are_refused(tmp_path):
    spec = "prefix-list a (id pl-1)\nprefix-list b (id pl-1)\n"
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 2 and "'pl-1' already identifies prefix list 'a'" in out
