"""Issue 18: ordinary Terraform and ROS files were refused whole (exit 2): `count` on a
group, a variable with a default, splat, interpolation in an instance name, a local
module, a heredoc whose closing marker has trailing spaces, a ROS parameter with a
default, `Fn::Sub`, and a duplicate `InstanceName` in an `ALIYUN::ECS::Instance`.

    sgverify import main.tf      sgverify import template.yaml
"""

from __future__ import annotations

from tests.support.gate import cli, write

TF = '''variable "nic_type" {
  default = "intranet"
}
variable "short_name" {
  default = "web"
}
resource "alicloud_ram_policy" "p" {
  policy_document = <<EOF
{"Version": "1"}
EOF  
}
resource "alicloud_security_group" "group" {
  count  = 2
  name   = "g${count.index}"
  vpc_id = "vpc-1"
}
resource "alicloud_security_group_rule" "r" {
  type              = "ingress"
  ip_protocol       = "tcp"
  nic_type          = var.nic_type
  port_range        = "22/22"
  cidr_ip           = "10.0.0.0/8"
  security_group_id = alicloud_security_group.group[1].id
}
resource "alicloud_instance" "i" {
  instance_name   = "${var.short_name}-${format("%02d", 1)}"
  security_groups = alicloud_security_group.group.*.id
  private_ip      = "10.0.0.5"
}
'''

ROS = '''ROSTemplateFormatVersion: '2015-09-01'
Parameters:
  SecurityGroupName: {Type: String, Default: web}
  Port: {Type: Number, Default: 8080}
Resources:
  Sg:
    Type: ALIYUN::ECS::SecurityGroup
    Properties:
      SecurityGroupName: {Ref: SecurityGroupName}
      VpcId: vpc-1
      SecurityGroupIngress:
        - IpProtocol: tcp
          PortRange: {"Fn::Sub": ["${P}/${P}", {P: {Ref: Port}}]}
          SourceCidrIp: 0.0.0.0/0
  Vm:
    Type: ALIYUN::ECS::Instance
    Properties:
      InstanceName: a
      InstanceName: b
      SecurityGroupId: {Ref: Sg}
      PrivateIpAddress: 10.0.0.9
'''


def test_terraform_as_written_is_read(tmp_path) -> None:
    code, out, err = cli("import", write(tmp_path, "main.tf", TF))
    assert code == 0, err
    assert "group g1 (vpc, basic, intra accept) {\n  ingress accept tcp 22 from 10.0.0.0/8" in out
    assert "instance web-01 { ip 10.0.0.5; groups g0, g1 }" in out


def test_ros_as_written_is_read(tmp_path) -> None:
    code, out, err = cli("import", write(tmp_path, "template.yaml", ROS))
    assert code == 0, err
    assert "ingress accept tcp 8080 from 0.0.0.0/0" in out
    assert "duplicate key 'InstanceName': the last value is used" in err
