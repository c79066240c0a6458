"""Issue 20.11: a lone UTF-16 surrogate (``"\\ud800"`` without its pair) in a JSON group id
was read into the model and the run ended in a UnicodeEncodeError when the id was printed or
hashed. Such a string is not text: reading it is an error at the string (exit 2), in JSON,
YAML and JSON-lines input alike; a proper surrogate pair is one character and is read.

    sgverify import g.json      sgverify check g.json      sgverify explain s.sgv --flows f.jsonl
"""

from __future__ import annotations

import pytest

from tests.support.gate import cli, write

GROUP = ('{"SecurityGroupId": "sg-%s", "Permissions": {"Permission": [{"IpProtocol": "TCP", '
         '"PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0", "Policy": "Accept", '
         '"Direction": "ingress"}]}}')


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\uDBFF", "\\ud800\\ud800"])
@pytest.mark.parametrize("command", ["import", "check"])
def test_a_lone_surrogate_in_json_is_an_error_at_the_string(tmp_path, escape, command) -> None:
    path = write(tmp_path, "g.json", GROUP % escape)
    if command == "check":
        path = write(tmp_path, "spec.sgv", 'import "g.json"\n'
                     "a: assert group sg-x: ingress tcp 22 from internet is denied\n")
    code, out, err = cli(command, path)
    assert code == 2, out + err
    assert "g.json:1:21: error[E001]: not valid JSON: SecurityGroupId: a string holds a lone " \
           "UTF-16 surrogate" in out + err


def test_a_surrogate_pair_is_one_character_and_is_read(tmp_path) -> None:
    code, out, err = cli("import", write(tmp_path, "g.json", GROUP % "\\ud83d\\ude00"))
    assert code == 0 and "sg-\U0001F600" in out, out + err


def test_a_lone_surrogate_in_a_key_is_an_error(tmp_path) -> None:
    code, out, err = cli("import", write(tmp_path, "g.json", '{"\\ud800": 1, "SecurityGroupId": "sg-1"}'))
    assert code == 2 and "lone UTF-16 surrogate" in out + err


def test_a_lone_surrogate_in_yaml_is_an_error(tmp_path) -> None:
    doc = ('Resources:\n  sg:\n    Type: ALIYUN::ECS::SecurityGroup\n    Properties:\n'
           '      SecurityGroupName: "a\\ud800"\n')
    code, out, err = cli("import", write(tmp_path, "t.yaml", doc))
    assert code == 2 and "t.yaml:5:26: error[E001]: not valid YAML: " in out + err
    assert "lone UTF-16 surrogate" in out + err


def test_a_lone_surrogate_in_a_json_lines_flow_is_an_error(tmp_path) -> None:
    spec = write(tmp_path, "spec.sgv", "group g { ingress accept tcp 22 from 0.0.0.0/0 }\n")
    flows = write(tmp_path, "f.jsonl", '{"direction": "ingress", "protocol": "tcp", "src": '
                  '"1.2.3.4", "dst": "10.0.0.1", "dport": 22, "peer_groups": ["sg-\\ud800"]}\n')
    code, out, err = cli("explain", spec, "--flows", flows)
    assert code == 2 and "lone UTF-16 surrogate" in out + err and "Traceback" not in err
