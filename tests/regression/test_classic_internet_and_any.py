"""Issue 20.15: ``from internet`` / ``from any`` in a classic-network group was refused with a
message about IPv6 blocks the user never wrote, though the language docs list both as
peers. In a classic group both words mean their IPv4 part (the classic network has no IPv6,
docs/language.md section 8); IPv6 written in the rule or in a named set is still E111.

    sgverify check spec.sgv
"""

from __future__ import annotations

import pytest

from sgverify.api import check_text
from sgverify.core.addresses import INTERNET, V4, AddrSpace
from tests.support.gate import cli, write


@pytest.mark.parametrize("word, space", [("internet", INTERNET.only(V4)),
                                         ("any", AddrSpace.parse("0.0.0.0/0"))])
@pytest.mark.parametrize("side", ["from", "to"])
def test_the_words_mean_their_ipv4_part_in_a_classic_group(word, space, side) -> None:
    rule = f"ingress accept tcp 22 from {word}" if side == "from" else \
        f"egress accept tcp 22 to {word}"
    report = check_text(f"group g (classic) {{ {rule} nic internet }}\n")
    assert not report.has_errors, report.diagnostics
    (rule_,) = report.policy.groups[0].rules
    assert rule_.peer.addresses == space


def test_the_verdicts_are_those_of_the_ipv4_rule(tmp_path) -> None:
    words = ("group g (classic) { ingress accept tcp 22 from internet nic internet }\n"
             "a: assert g: ingress tcp 22 from internet is denied\n"
             "b: assert g: ingress tcp 22 from 10.0.0.1 peer-groups none is denied\n")
    blocks = words.replace("from internet nic", "from 0.0.0.0/0 nic")
    code, out, _ = cli("check", write(tmp_path, "w.sgv", words), "--no-timing")
    assert code == 1 and "violated: a" in out and "proved: b" in out, out
    code, out, _ = cli("check", write(tmp_path, "b.sgv", blocks), "--no-timing")
    assert "violated: a" in out and "violated: b" in out  # 0.0.0.0/0 has private addresses too


@pytest.mark.parametrize("peer", ["2001:db8::/32", "v6set", "anyset"])
def test_ipv6_written_or_named_is_still_e111(peer) -> None:
    text = ("addresses v6set = 2001:db8::/32\naddresses anyset = any\n"
            f"group g (classic) {{ ingress accept tcp 22 from {peer} nic internet }}\n")
    report = check_text(text)
    assert [d.code for d in report.diagnostics if d.is_error] == ["E111"]
    assert "written here or in an address set the rule names" in report.diagnostics[0].message
