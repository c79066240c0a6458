"""Issue 20.10: an integer of more than 4,300 digits (Python's int-string limit) in a rule
port, priority or protocol number, an ``explain --flow`` port, a flow-log field or a JSON or
YAML number of imported data ended in a ValueError traceback. Each is now a clean error
(exit 2) at the number, its text shortened.

    sgverify check spec.sgv      sgverify explain spec.sgv --flow "..."      sgverify import g.json
"""

from __future__ import annotations

import json

import pytest

from sgverify.core.numbers import MAX_DIGITS, shown, whole
from tests.support.gate import cli, write

BIG = "9" * 5000
ASSERT = "a: assert group g: ingress tcp 22 from internet is denied\n"
RULES = {
    "port": (f"group g {{ ingress accept tcp {BIG} from 0.0.0.0/0 }}\n", "E107", "port 999999"),
    "range": (f"group g {{ ingress accept tcp 22-{BIG} from 0.0.0.0/0 }}\n", "E107", "port 999999"),
    "priority": (f"group g {{ ingress accept tcp 22 from 0.0.0.0/0 priority {BIG} }}\n", "E106",
                 "priority 999999"),
    "protocol": (f"group g {{ ingress accept proto {BIG} from 0.0.0.0/0 }}\n", "E122",
                 "protocol number 999999"),
    "address": (f"group g {{ ingress accept tcp 22 from 1.2.3.{BIG} }}\n", "E001", "unexpected"),
    "prefix": (f"group g {{ ingress accept tcp 22 from 1.2.3.0/{BIG} }}\n", "E109",
               "prefix length /999999999999... (5000 characters) is not in 0..32"),
}


@pytest.mark.parametrize("slot", sorted(RULES))
def test_a_huge_number_in_a_rule_is_an_error_at_it(tmp_path, slot) -> None:
    rule, code_, words = RULES[slot]
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", rule + ASSERT))
    assert code == 2 and f"error[{code_}]" in out and words in out, out
    assert "(5000 characters)" in out or slot == "address"
    assert "4300" not in out and len(out) < 2000  # no Python limit text, no 5000-digit echo


def test_a_huge_port_in_explain_flow_is_an_error(tmp_path) -> None:
    spec = write(tmp_path, "spec.sgv", "group g { ingress accept tcp 22 from 0.0.0.0/0 }\n")
    code, out, err = cli("explain", spec, "--flow", f"ingress tcp 1.2.3.4:{BIG} -> 10.0.0.1:22")
    assert code == 2 and "error[E107]: port 999999999999... (5000 characters)" in out + err


@pytest.mark.parametrize("field", ["SourceCidrIp", "PortRange"])
def test_a_huge_octet_or_port_in_json_text_is_an_error(tmp_path, field) -> None:
    value = {"SourceCidrIp": f"1.2.3.{BIG}", "PortRange": f"22/{BIG}"}[field]
    doc = {"SecurityGroupId": "sg-1", "Permissions": {"Permission": [
        {"IpProtocol": "TCP", "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0",
         "Policy": "Accept", "Direction": "ingress", field: value}]}}
    code, out, err = cli("import", write(tmp_path, "g.json", json.dumps(doc)))
    assert code == 2 and "4300" not in out + err and "Traceback" not in err
    assert ("octet greater than 255 (999999999999... (5000 characters))" if field == "SourceCidrIp"
            else "port 999999999999... (5000 characters) is outside") in out + err


@pytest.mark.parametrize("where", ["json", "yaml", "flows"])
def test_a_huge_number_in_data_is_an_error(tmp_path, where) -> None:
    if where == "json":
        doc = ('{"SecurityGroupId": "sg-1", "Permissions": {"Permission": [{"IpProtocol": "TCP",'
               ' "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0", "Policy": "Accept",'
               f' "Direction": "ingress", "Priority": {BIG}}}]}}}}')
        code, out, err = cli("import", write(tmp_path, "g.json", doc))
    elif where == "yaml":
        doc = ("Resources:\n  sg:\n    Type: ALIYUN::ECS::SecurityGroup\n    Properties:\n"
               "      SecurityGroupIngress:\n        - IpProtocol: tcp\n          PortRange: 22/22\n"
               f"          SourceCidrIp: 0.0.0.0/0\n          Priority: {BIG}\n")
        code, out, err = cli("import", write(tmp_path, "t.yaml", doc))
    else:
        spec = write(tmp_path, "spec.sgv", "group g { ingress accept tcp 22 from 0.0.0.0/0 }\n")
        line = json.dumps({"direction": "ingress", "protocol": "tcp", "src": "1.2.3.4",
                           "dst": "10.0.0.1", "dport": 22}).replace("22}", BIG + "}")
        code, out, err = cli("explain", spec, "--flows", write(tmp_path, "f.jsonl", line + "\n"))
    assert code == 2 and "a number of 5000" in out + err, out + err
    assert "4300" not in out + err


def test_a_huge_number_in_a_flow_log_is_a_bad_record(tmp_path) -> None:
    spec = write(tmp_path, "spec.sgv", "group g { ingress accept tcp 22 from 0.0.0.0/0 }\n")
    log = json.dumps({"version": "1", "vm-id": "i-1", "eni-id": "eni-1", "direction": "in",
                      "srcaddr": "1.2.3.4", "dstaddr": "10.0.0.1", "srcport": BIG,
                      "dstport": "22", "protocol": "6", "action": "ACCEPT"})
    code, out, err = cli("explain", spec, "--flow-log", write(tmp_path, "log.jsonl", log + "\n"))
    assert "4300" not in out + err and "Traceback" not in err
    assert "'999999999999... (5000 characters)' is not a number in 1..65535" in out + err


@pytest.mark.parametrize("digits", [1, 5, MAX_DIGITS, MAX_DIGITS + 1, 4300, 4301, 20000])
@pytest.mark.parametrize("sign", ["", "-", "+"])
def test_whole_agrees_with_int_where_int_answers(digits, sign) -> None:
    text = sign + "7" * digits
    expected = int(text) if digits <= MAX_DIGITS else None
    assert whole(text) == expected
    assert whole("000" + "7" * digits) == (int("7" * digits) if digits <= MAX_DIGITS else None)
    assert len(shown(text)) < 40


@pytest.mark.parametrize("text", ["", "-", "1.5", "x", "١٢", "²"])
def test_whole_refuses_what_is_not_an_ascii_number(text) -> None:
    with pytest.raises(ValueError):
        whole(text)
