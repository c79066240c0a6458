"""Issue 19 (CLI conventions): a counterexample's source port (1024) is the solver's
preference, yet read as if it mattered. When nothing involved names a source port, the
result says any source port would do; when a rule or the flow set names one, it does not.

    sgverify check web.sgv
"""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.api import check_text
from sgverify.core.evaluate import decide
from sgverify.prove.verdicts import ANY_SOURCE_PORT
from tests.support.gate import cli, write

OPEN = "group web { a: ingress accept tcp 22 from 0.0.0.0/0 }\n"
ASSERT = "x: assert web: ingress tcp 22 from internet is denied\n"


def test_the_note_is_printed_when_no_rule_names_a_source_port(tmp_path):
    code, out, _ = cli("check", write(tmp_path, "web.sgv", OPEN + ASSERT))
    assert code == 1 and ":1024 ->" in out and ANY_SOURCE_PORT in out, out


def test_no_note_when_a_rule_names_source_ports(tmp_path):
    spec = "group web { a: ingress accept tcp 22 from 0.0.0.0/0 source-port 1000-2000 }\n" + ASSERT
    code, out, _ = cli("check", write(tmp_path, "web.sgv", spec))
    assert code == 1 and "counterexample" in out and ANY_SOURCE_PORT not in out, out


def test_no_note_when_the_flow_set_names_a_source_port(tmp_path):
    spec = OPEN + "x: assert web: ingress tcp 22 from internet source-port 1024 is denied\n"
    code, out, _ = cli("check", write(tmp_path, "web.sgv", spec))
    assert code == 1 and ANY_SOURCE_PORT not in out, out


RULES = st.lists(st.sampled_from([
    "ingress accept tcp 22 from 0.0.0.0/0", "ingress drop tcp 1-100 from 10.0.0.0/8 priority 1",
    "ingress accept all from 1.2.3.0/24 priority 2", "ingress drop tcp 22 from 0.0.0.0/0",
    "ingress accept udp 53 from 0.0.0.0/0", "ingress accept tcp 20-30 from 8.8.8.0/24"]),
    min_size=1, max_size=4)


@settings(max_examples=40, deadline=None)
@given(RULES, st.integers(0, 65535))
def test_when_the_note_is_given_every_source_port_decides_alike(rules, port):
    spec = ("group web {\n" + "\n".join(rules) + "\n}\n"
            "x: assert web: ingress tcp 1-100 from internet is denied\n")
    report = check_text(spec, name="web.sgv")
    (r,) = report.results
    if ANY_SOURCE_PORT not in r.notes:
        return
    sem = report.policy.semantics
    for e in r.evidence:
        moved = replace(e.flow, src_port=port)
        assert decide(e.target, moved, sem).accepted == e.decision.accepted
