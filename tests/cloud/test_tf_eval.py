"""The static Terraform evaluator: expressions, templates, functions, unknown values, and
HCL that Terraform accepts (heredocs, strip markers) parsed into the same values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sgverify.cloud.hcl import prepare
from sgverify.cloud.tf.evaluate import Scope, evaluate_text
from sgverify.cloud.tf.functions import SUPPORTED
from sgverify.cloud.tf.values import Ref, Unknown
from tests.support.inputs import messages, resolved

VARS: dict[str, Any] = {
    "ports": ["22", "80"], "env": "prod", "n": 3, "cidr": "10.0.0.0/16", "on": True,
    "m": {"a": 1, "b": 2}, "rules": [{"port": 22, "cidr": "10.0.0.0/8"}, {"port": 443}],
    "nested": [["a", "b"], ["c"]], "empty": "",
}


def roots(name: str) -> Any:
    if name == "var":
        from sgverify.cloud.tf.evaluate import Lazy

        class V(Lazy):
            def attr(self, n: str) -> Any:
                return VARS[n] if n in VARS else Unknown(f"variable {n} has no value")
        return V()
    if name == "ref":
        return {"id": Ref("alicloud_security_group.g", "id")}
    return Unknown(f"{name} is unknown")


def ev(text: str, template: bool = False) -> Any:
    return evaluate_text(text, Scope(roots), template)


@pytest.mark.parametrize("text,value", [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 / 4", 2.5),
    ("7 % 3", 1),
    ("-var.n", -3),
    ("!var.on", False),
    ("var.n >= 3 && var.n < 4", True),
    ('var.env == "prod" ? "p" : "d"', "p"),
    ("var.ports[1]", "80"),
    ("var.ports.0", "22"),
    ('var.m["b"]', 2),
    ("var.rules[*].port", [22, 443]),
    ("var.rules.*.port", [22, 443]),
    ("[for r in var.rules : r.port if r.port > 100]", [443]),
    ("{for k, v in var.m : v => k}", {"1": "a", "2": "b"}),
    ('{for s in ["a", "b", "a"] : s => s...}', {"a": ["a", "a"], "b": ["b"]}),
    ('format("%s/%s", var.ports[0], var.ports[0])', "22/22"),
    ('format("%03d-%v", 7, true)', "007-true"),
    ('join(",", var.ports)', "22,80"),
    ('split("/", "22/80")', ["22", "80"]),
    ("concat(var.ports, [\"443\"])", ["22", "80", "443"]),
    ("element(var.ports, 3)", "80"),
    ('lookup(var.rules[1], "cidr", "0.0.0.0/0")', "0.0.0.0/0"),
    ("merge(var.m, {c = 3})", {"a": 1, "b": 2, "c": 3}),
    ("flatten(var.nested)", ["a", "b", "c"]),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ("tolist(var.ports)", ["22", "80"]),
    ("length(var.rules)", 2),
    ("cidrsubnet(var.cidr, 8, 2)", "10.0.2.0/24"),
    ("cidrhost(var.cidr, 5)", "10.0.0.5"),
    ('cidrhost("10.0.0.0/24", -1)', "10.0.0.255"),
    ('cidrsubnets("10.0.0.0/16", 8, 8, 4)', ["10.0.0.0/24", "10.0.1.0/24", "10.0.16.0/20"]),
    ('coalesce(var.empty, "x")', "x"),
    ('compact(["a", "", "b"])', ["a", "b"]),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('try(var.rules[1].cidr, "none")', "none"),
    ("can(var.rules[5])", False),
    ("keys(var.m)", ["a", "b"]),
    ("contains(var.ports, \"80\")", True),
    ("zipmap([\"a\"], [1])", {"a": 1}),
    ('upper("ab")', "AB"),
    ("range(3)", [0, 1, 2]),
    ("max(1, 5, 3)", 5),
    ('tonumber("22")', 22),
    ("concat(var.ports...)", None),  # not a list of lists: Terraform refuses it too
])
def test_expressions(text: str, value: Any) -> None:
    got = ev(text)
    if value is None:
        assert isinstance(got, Unknown)
    else:
        assert got == value


@pytest.mark.parametrize("text,value", [
    ("web-${var.env}", "web-prod"),
    ("${var.n}", 3),  # a lone interpolation keeps its type
    ("%{ if var.on }yes%{ else }no%{ endif }", "yes"),
    ("%{ for p in var.ports }${p},%{ endfor }", "22,80,"),
    ("a $${literal} %%{x} \\\"q\\\"", 'a ${literal} %{x} "q"'),
    ("x ${~ var.env ~} y", "xprody"),
])
def test_templates(text: str, value: Any) -> None:
    assert ev(text, template=True) == value


def test_unknown_propagates_and_refs_pass_through() -> None:
    assert isinstance(ev("var.missing"), Unknown)
    assert "variable missing has no value" in str(ev('"${var.missing}-x"'))
    assert isinstance(ev("var.missing + 1"), Unknown)
    assert ev("false && var.missing") is False  # known whatever the other side is
    assert ev('var.on ? ref.id : "x"') == Ref("alicloud_security_group.g", "id")
    assert ev('concat([ref.id], [""])[0]') == Ref("alicloud_security_group.g", "id")
    assert isinstance(ev('format("%s", ref.id)'), Unknown)
    assert "jq() is not evaluated" in str(ev("jq(1)"))
    assert "provider function" in str(ev('provider::x::y("a")'))


def test_supported_functions_are_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "inputs.md").read_text()
    missing = [f for f in SUPPORTED if f"`{f}`" not in doc]
    assert not missing, missing


HEREDOCS = {
    "plain": 'policy = <<EOF\n{"Version": "1"}\nEOF\n',
    "indented": 'policy = <<-EOF\n    {"Version": "1"}\n    EOF\n',
    "marker with trailing spaces": 'policy = <<EOF\n{"Version": "1"}\nEOF   \n',
    "interpolation and directives": 'user_data = <<-EOT\n  %{ for p in [1, 2] ~}\n  echo ${p}\n'
                                    '  %{ endfor ~}\n  EOT\n',
    "strip markers": 'user_data = "a ${~ "b" ~} c"\n',
    "json function": 'policy = jsonencode({\n  Version = "1"\n  Statement = [{ Effect = "Allow" }]\n})\n',
}


@pytest.mark.parametrize("name", sorted(HEREDOCS))
def test_hcl_constructs_in_unrelated_resources(tmp_path: Path, name: str) -> None:
    """Terraform accepts these; the rule next to them is read whatever they hold."""
    (tmp_path / "main.tf").write_text(
        f'resource "alicloud_ram_policy" "p" {{\n  {HEREDOCS[name]}}}\n'
        'resource "alicloud_security_group" "g" {\n  vpc_id = "vpc-1"\n}\n'
        'resource "alicloud_security_group_rule" "r" {\n  type = "ingress"\n  ip_protocol = "tcp"\n'
        '  port_range = "22/22"\n  cidr_ip = "10.0.0.0/8"\n'
        '  security_group_id = alicloud_security_group.g.id\n}\n')
    policy, result = resolved(str(tmp_path / "main.tf"))
    assert len(policy.group("g").rules) == 1, messages(result)  # type: ignore[union-attr]


def test_prepare_keeps_text_terraform_reads_the_same() -> None:
    assert prepare('a = <<EOF\nx\nEOF  \n') == 'a = <<EOF\nx\nEOF\n'
    assert prepare('a = "x ${~ y ~} z"') == 'a = "x${ y }z"'
    assert prepare('a = "plain"') == 'a = "plain"'


def test_optional_object_attributes_take_their_defaults() -> None:
    policy, result = resolved(str(Path(__file__).parents[1] / "fixtures" / "terraform_real" /
                                  "optional_types.tf"))
    texts = sorted(r.text for r in policy.group("g").rules)  # type: ignore[union-attr]
    assert texts == ["ingress accept tcp 22 from 10.0.0.0/8 priority 1",
                     "ingress accept tcp 443 from 0.0.0.0/0 priority 5"], messages(result)


def test_variable_sources_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """default < TF_VAR_ < terraform.tfvars < *.auto.tfvars < --var-file < --var."""
    from tests.support.inputs import cli
    for key in [k for k in __import__("os").environ if k.startswith("TF_VAR_")]:
        monkeypatch.delenv(key)
    names = ["a", "b", "c", "d", "e", "f"]
    (tmp_path / "main.tf").write_text(
        "".join(f'variable "{n}" {{\n  default = "1.0.0.0/32"\n}}\n' for n in names) +
        'resource "alicloud_security_group" "g" {\n  vpc_id = "v"\n}\n' + "".join(
            f'resource "alicloud_security_group_rule" "{n}" {{\n  type = "ingress"\n'
            f'  ip_protocol = "tcp"\n  port_range = "{i + 1}/{i + 1}"\n  cidr_ip = var.{n}\n'
            '  security_group_id = alicloud_security_group.g.id\n}\n'
            for i, n in enumerate(names)))
    (tmp_path / "terraform.tfvars").write_text('c = "3.0.0.0/32"\nd = "3.0.0.0/32"\n'
                                               'e = "3.0.0.0/32"\nf = "3.0.0.0/32"\n')
    (tmp_path / "x.auto.tfvars.json").write_text('{"d": "4.0.0.0/32", "e": "4.0.0.0/32", '
                                                 '"f": "4.0.0.0/32"}')
    (tmp_path / "more.tfvars").write_text('e = "5.0.0.0/32"\nf = "5.0.0.0/32"\n')
    for n in ("b", "c", "d", "e", "f"):
        monkeypatch.setenv(f"TF_VAR_{n}", "2.0.0.0/32")
    code, out, err = cli("import", str(tmp_path / "main.tf"), "--var-file",
                         str(tmp_path / "more.tfvars"), "--var", "f=6.0.0.0/32")
    assert code == 0, err
    for i, n in enumerate(names):
        assert f"ingress accept tcp {i + 1} from {i + 1}.0.0.0/32 priority 1" in out, out


def test_typed_variable_from_the_command_line(tmp_path: Path) -> None:
    """A variable whose type is not string reads --var as an HCL value, as Terraform does."""
    from tests.support.inputs import cli
    (tmp_path / "main.tf").write_text(
        'variable "ports" {\n  type = list(number)\n}\n'
        'resource "alicloud_security_group" "g" {\n  vpc_id = "v"\n}\n'
        'resource "alicloud_security_group_rule" "r" {\n  count = length(var.ports)\n'
        '  type = "ingress"\n  ip_protocol = "tcp"\n'
        '  port_range = "${var.ports[count.index]}/${var.ports[count.index]}"\n'
        '  cidr_ip = "10.0.0.0/8"\n  security_group_id = alicloud_security_group.g.id\n}\n')
    code, out, err = cli("import", str(tmp_path / "main.tf"), "--var", "ports=[22, 8080]")
    assert code == 0, err
    assert "ingress accept tcp 22 from" in out and "ingress accept tcp 8080 from" in out
    code, out, err = cli("import", str(tmp_path / "main.tf"))  # count unknown: may exist
    assert code == 0, err
    assert "ingress accept tcp port-list unknown.alicloud_security_group_rule.r.port_range " \
        "from prefix-list unknown.alicloud_security_group_rule.r.count" in out
