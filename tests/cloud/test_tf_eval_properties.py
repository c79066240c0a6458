"""Property: a .tf configuration that computes its rules (variables, locals, for_each,
count, templates, functions, a conditional) reads as the same policy as the
``terraform show -json`` state or plan Terraform would write for the same values; a rule
whose peer is a variable without a value is the same unknown in the .tf and in the plan."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.cloud.importer import ImportRequest, import_files
from sgverify.lang.resolve import resolve

RULE = st.fixed_dictionaries({
    "type": st.sampled_from(["ingress", "egress"]),
    "protocol": st.sampled_from(["tcp", "udp", "icmp", "all"]),
    "lo": st.integers(1, 65535),
    "span": st.integers(0, 100),
    "cidr": st.tuples(st.integers(0, 255), st.integers(0, 255), st.sampled_from([8, 16, 24, 32])),
    "policy": st.sampled_from(["accept", "drop"]),
    "priority": st.integers(1, 100),
})


def _port_range(r: dict[str, Any]) -> str:
    if r["protocol"] in ("icmp", "all"):
        return "-1/-1"
    hi = min(65535, r["lo"] + r["span"])
    return f"{r['lo']}/{hi}"


def _cidr(r: dict[str, Any]) -> str:
    a, b, bits = r["cidr"]
    full = [a, b, 0, 0] if bits <= 16 else [a, b, 7, 0] if bits == 24 else [a, b, 7, 9]
    if bits == 8:
        full = [a, 0, 0, 0]
    return ".".join(map(str, full)) + f"/{bits}"


def _tf(rules: list[dict[str, Any]], use_count: bool) -> str:
    """The rules as a variable of objects, expanded by for_each (or count) and rebuilt with
    templates and functions."""
    items = ",\n".join(
        "    { "
        f'type = "{r["type"]}", protocol = "{r["protocol"]}", '
        f'ports = {json.dumps(_port_range(r).split("/"))}, '
        f'octets = {json.dumps(_cidr(r).split("/")[0].split("."))}, bits = {_cidr(r).split("/")[1]}, '
        f'policy = "{r["policy"]}", priority = {r["priority"]}'
        " }" for r in rules)
    expand = ('count = length(var.rules)', "var.rules[count.index]") if use_count else \
        ('for_each = { for i, r in var.rules : format("r%03d", i) => r }', "each.value")
    it = expand[1]
    return f'''
variable "rules" {{
  default = [
{items}
  ]
}}
variable "strict" {{
  default = true
}}
locals {{
  name = var.strict ? "app" : "other"
}}
resource "alicloud_security_group" "g" {{
  security_group_name = "${{local.name}}"
  vpc_id              = "vpc-1"
}}
variable "office" {{}}
resource "alicloud_security_group_rule" "u" {{
  type              = "ingress"
  ip_protocol       = "tcp"
  port_range        = "22/22"
  cidr_ip           = var.office
  security_group_id = alicloud_security_group.g.id
}}
resource "alicloud_security_group_rule" "r" {{
  {expand[0]}
  type              = {it}.type
  ip_protocol       = upper({it}.protocol) == "TCP" ? "tcp" : {it}.protocol
  port_range        = join("/", {it}.ports)
  cidr_ip           = "${{join(".", {it}.octets)}}/${{{it}.bits}}"
  policy            = lookup({it}, "policy", "accept")
  priority          = tonumber({it}.priority)
  security_group_id = alicloud_security_group.g.id
}}
'''


def _state(rules: list[dict[str, Any]], use_count: bool, plan: bool) -> dict[str, Any]:
    """What ``terraform show -json`` prints: of a state (ids known), or of a plan (the
    group's id unknown, its references in ``configuration``)."""
    group_values: dict[str, Any] = {"security_group_name": "app", "vpc_id": "vpc-1",
                                    "inner_access_policy": None, "security_group_type": "normal"}
    if not plan:
        group_values["id"] = "sg-1"
    resources: list[dict[str, Any]] = [{
        "address": "alicloud_security_group.g", "mode": "managed",
        "type": "alicloud_security_group", "name": "g", "values": group_values}]
    for i, r in enumerate(rules):
        key: Any = i if use_count else f"r{i:03d}"
        values = {"type": r["type"], "ip_protocol": r["protocol"],
                  "port_range": _port_range(r), "cidr_ip": _cidr(r), "policy": r["policy"],
                  "priority": r["priority"], "nic_type": "intranet"}
        if not plan:
            values["security_group_id"] = "sg-1"
        resources.append({
            "address": f"alicloud_security_group_rule.r[{json.dumps(key)}]", "mode": "managed",
            "type": "alicloud_security_group_rule", "name": "r", "index": key, "values": values})
    if not plan:
        return {"format_version": "1.0", "terraform_version": "1.7.5",
                "values": {"root_module": {"resources": resources}}}
    resources.append({"address": "alicloud_security_group_rule.u", "mode": "managed",
                      "type": "alicloud_security_group_rule", "name": "u",
                      "values": {"type": "ingress", "ip_protocol": "tcp", "port_range": "22/22",
                                 "policy": "accept", "priority": 1}})
    group_ref = {"references": ["alicloud_security_group.g.id", "alicloud_security_group.g"]}
    config = [{"address": "alicloud_security_group.g", "mode": "managed",
               "type": "alicloud_security_group", "name": "g", "expressions": {}},
              {"address": "alicloud_security_group_rule.r", "mode": "managed",
               "type": "alicloud_security_group_rule", "name": "r",
               "expressions": {"security_group_id": group_ref}},
              {"address": "alicloud_security_group_rule.u", "mode": "managed",
               "type": "alicloud_security_group_rule", "name": "u",
               "expressions": {"security_group_id": group_ref,
                               "cidr_ip": {"references": ["var.office"]}}}]
    return {"format_version": "1.2", "terraform_version": "1.7.5",
            "planned_values": {"root_module": {"resources": resources}},
            "configuration": {"root_module": {"resources": config}}}


def _rules(path: str) -> list[str]:
    result = import_files([ImportRequest(path)])
    assert not result.has_errors, [d.message for d in result.diagnostics if d.is_error]
    policy, diags = resolve(result.documents)
    assert not [d for d in diags if d.is_error]
    group = policy.group("app")
    assert group is not None
    return sorted(r.text for r in group.rules)


@settings(max_examples=25, deadline=None)
@given(st.lists(RULE, min_size=1, max_size=6), st.booleans(), st.booleans())
def test_static_evaluation_matches_terraform_show_json(rules: list[dict[str, Any]],
                                                       use_count: bool, plan: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tf = Path(tmp) / "tf" / "main.tf"
        tf.parent.mkdir()
        tf.write_text(_tf(rules, use_count))
        shown = Path(tmp) / "show.json"
        shown.write_text(json.dumps(_state(rules, use_count, plan)))
        from_tf = _rules(str(tf))
        unknown = "ingress accept tcp 22 from prefix-list unknown.alicloud_security_group_rule" \
            ".u.cidr_ip priority 1"
        assert unknown in from_tf
        expected = _rules(str(shown))
        if not plan:
            from_tf.remove(unknown)
        assert from_tf == expected
