"""The fast reader of plain rule lines (lang/fast_rules) gives exactly what Lark gives:
the same nodes, spans included, and the same diagnostics, on every spec of the repository,
on generated inventories and on random group bodies full of near misses (issue 14)."""

from __future__ import annotations

from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import Shape, inventory
from sgverify.lang.build import build_document
from sgverify.lang.fast_rules import take_rules
from tests.support.paths import ROOT


def _same(text: str, path: str = "x.sgv") -> None:
    fast, fast_diags = build_document(text, path)
    lark, lark_diags = build_document(text, path, fast_rules=False)
    assert [str(d) for d in fast_diags] == [str(d) for d in lark_diags]
    assert [d.span for d in fast_diags] == [d.span for d in lark_diags]
    assert asdict(fast) == asdict(lark)  # asdict keeps the spans that == leaves out


def test_every_spec_of_the_repository() -> None:
    specs = sorted(p for p in ROOT.rglob("*.sgv") if ".venv" not in p.parts)
    assert len(specs) > 40
    for p in specs:
        _same(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))


def test_a_generated_inventory_is_read_by_the_fast_reader() -> None:
    text = inventory(Shape(groups=20, rules_per_group=50, instances=10))
    taken = take_rules(text, "inv.sgv")
    assert taken is not None and sum(map(len, taken[1].values())) > 900  # it does engage
    _same(text, "inv.sgv")


WORDS = st.sampled_from([
    "ingress", "egress", "inbound", "outbound", "Ingress", "accept", "allow", "drop", "deny",
    "forbid", "Accept", "tcp", "udp", "TCP", "icmp", "icmpv6", "gre", "all", "proto 6",
    "22", "80,443", "80, 443", "1-65535", "22/22", "-1/-1", "0", "65536", "30-20", "22 -25",
    "22 - 25", "all", "from", "to", "10.0.0.0/8", "10.0.0.1/8", "1.2.3.4/32", "300.1.1.1",
    "::/0", "2001:db8::/32", "fe80::1", "internet", "any", "group g", "group other",
    "group 123/sg-1", "office", "priority", "priority 1", "priority 100", "priority 0",
    "priority 101", "nic intranet", "nic internet", "source-port 1000-2000", "source-port all",
    "description \"x\"", "id sgr-1", ",", "except 10.1.0.0/16", "prefix-list p", "port-list pl",
    "# note", "// note", ";", "web:", "from:", "a.b-c", "except",
])
LINE = st.lists(WORDS, min_size=0, max_size=12).map(" ".join)
PLAIN = st.builds(
    lambda label, d, a, s, peers, extra: f"{label}{d} {a} {s} {'from' if d == 'ingress' else 'to'} "
                                          f"{peers}{extra}",
    st.sampled_from(["", "web: ", "r-1: "]), st.sampled_from(["ingress", "egress"]),
    st.sampled_from(["accept", "drop"]), st.sampled_from(["tcp 22", "udp 53, 123", "all", "icmp",
                                                          "tcp 8000-8080", "all -1/-1"]),
    st.sampled_from(["10.0.0.0/8", "1.2.3.4/32, 5.6.7.0/24", "::/0", "group g", "internet",
                     "office", "0.0.0.0/0, ::/0"]),
    st.sampled_from(["", " priority 5", " priority 100 nic intranet", "   # c", " priority 1 // c"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PLAIN, LINE), min_size=1, max_size=8),
       st.sampled_from(["group g {", "group g (vpc, basic) {", "group g (external) {",
                        "group g (description \"a\") {"]),
       st.sampled_from(["", "addresses office = 10.9.0.0/16\n", "group other {}\n"]))
def test_random_group_bodies(body: list[str], header: str, before: str) -> None:
    text = before + header + "\n" + "".join(f"  {line}\n" for line in body) + "}\n" + \
        "instance i { ip 10.0.0.5; groups g }\n"
    _same(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(PLAIN, min_size=2, max_size=6), st.integers(0, 5))
def test_a_rule_that_goes_on_on_the_next_line(body: list[str], split: int) -> None:
    lines = [f"  {line}" for line in body]
    i = split % len(lines)
    head, _, tail = lines[i].rpartition(" ")
    lines[i:i + 1] = [head, f"      {tail}"]  # its last word moves to the next line
    _same("group g {\n" + "\n".join(lines) + "\n}\n")
