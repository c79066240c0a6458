"""Issue 20.1: a local group with id "1/sg-x" and account 1's group sg-x were one solver
variable, so a false comparison was proved. Such ids (and owners) are refused: E127.

    sgverify check spec.sgv        (spec below; was: proved, exit 0)
"""

from tests.support.gate import cli, write

SPEC = """\
group a (id "1/sg-x") {}
group b (owner 1, id sg-x) {}
group web (intra drop) { ingress accept tcp 22 from group a }
group web2 (intra drop) { ingress accept tcp 22 from group 1/sg-x }
cmp: assert group web2 no more permissive than group web for ingress
"""


def test_a_slash_in_a_group_id_is_refused(tmp_path):
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", SPEC))
    assert code == 2 and "error[E127]" in out and "proved:" not in out


def test_a_slash_in_an_owner_is_refused(tmp_path):
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", 'group a (owner "1/2", id x) {}\n'))
    assert code == 2 and "error[E127]" in out


def test_without_the_slash_the_comparison_is_violated(tmp_path):
    spec = SPEC.replace('id "1/sg-x"', "id sg-local")
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec))
    assert code == 1 and "violated: cmp" in out


def test_a_slash_in_an_imported_group_id_is_refused(tmp_path):
    import json
    from pathlib import Path
    src = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "aliyun" / "web-tier.json"
    data = json.loads(src.read_text())
    data["SecurityGroupId"] = "1/sg-x"
    path = write(tmp_path, "g.json", json.dumps(data))
    code, out, err = cli("import", path)
    assert code == 2 and "E127" in out + err
