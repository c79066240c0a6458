"""``sgverify fix`` accepted --var, --var-file and --parameter but never passed them to the
loader: a Terraform variable given on the command line stayed unknown, so fix answered
"unknown: nothing to repair" (exit 3) where audit and check saw the violation. Found while
giving every command the same options (issue 19).

    sgverify fix main.tf a.sgv --var cidr=0.0.0.0/0
"""

from __future__ import annotations

from tests.support.gate import cli, write

TF = ('variable "cidr" {\n  type = string\n}\n'
      'resource "alicloud_security_group" "web" {\n  name = "web"\n  vpc_id = "v"\n}\n'
      'resource "alicloud_security_group_rule" "ssh" {\n  type = "ingress"\n'
      '  ip_protocol = "tcp"\n  port_range = "22/22"\n  cidr_ip = var.cidr\n'
      '  security_group_id = alicloud_security_group.web.id\n}\n')


def test_fix_uses_the_terraform_variables_given(tmp_path) -> None:
    tf = write(tmp_path, "main.tf", TF)
    spec = write(tmp_path, "a.sgv", "ssh-closed: assert web: ingress tcp 22 from internet is "
                                    "denied\n")
    code, out, err = cli("fix", tf, spec, "--var", "cidr=0.0.0.0/0", "--no-timing",
                         "--color", "never")
    assert code == 0, out + err
    assert "1 violated assertion of 1" in out and "add to group web" in out
    assert "has no value" not in err
