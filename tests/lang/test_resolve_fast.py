"""lang.resolve reads its commonest rules by a short way (Resolver.plain_rule); it gives
exactly what the general way gives (quick=False): the same rules, field by field with
spans, and the same diagnostics in the same order (issue 14)."""

from __future__ import annotations

from dataclasses import fields

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import Shape, inventory
from sgverify.core.model import Policy
from sgverify.lang.build import build_document
from sgverify.lang.resolve import resolve
from sgverify.lang.syntax import Document


def _rules(policy: Policy) -> list[dict[str, object]]:
    return [{f.name: getattr(r, f.name) for f in fields(r)} | {"span": r.span}
            for g in policy.groups for r in g.rules]


def _same(text: str) -> None:
    doc, diags = build_document(text, "x.sgv")
    assert not [d for d in diags if d.is_error], diags
    docs: list[Document] = [doc]
    quick, quick_diags = resolve(docs)
    general, general_diags = resolve(docs, quick=False)
    assert [(str(d), d.span, d.notes) for d in quick_diags] == \
        [(str(d), d.span, d.notes) for d in general_diags]
    assert _rules(quick) == _rules(general)
    assert quick == general


HEADERS = st.sampled_from(["", "(vpc, basic)", "(classic)", "(enterprise)", "(aws)",
                           "(owner 123, id sg-1)", "(intra drop)"])
SERVICES = st.sampled_from(["tcp 22", "udp 53", "all", "icmp", "icmpv6", "gre", "tcp 80, 443",
                            "tcp port-list web", "tcp port-list nowhere"])
PEERS = st.sampled_from(["10.0.0.0/8", "2001:db8::/32", "::/0", "group g", "group nowhere",
                         "group 123/sg-9", "group sg-1", "internet", "any", "office",
                         "10.0.0.0/8, group g", "prefix-list pl", "instance i"])
EXTRA = st.sampled_from(["", " priority 5", " nic internet", " nic intranet", " to 10.1.0.0/16",
                         " to 2001:db8::/64", " description \"d\"", " id sgr-1"])


@st.composite
def rules(draw: st.DrawFn) -> str:
    direction = draw(st.sampled_from(["ingress", "egress"]))
    action = draw(st.sampled_from(["accept", "drop"]))
    side = "from" if direction == "ingress" else "to"
    extra = draw(EXTRA)
    if direction == "egress":
        extra = extra.replace(" to ", " from ")
    label = draw(st.sampled_from(["", "", "web: "]))
    return f"{label}{direction} {action} {draw(SERVICES)} {side} {draw(PEERS)}{extra}"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(HEADERS, st.lists(rules(), max_size=5)), min_size=1, max_size=3))
def test_random_groups(groups: list[tuple[str, list[str]]]) -> None:
    text = ("addresses office = 10.9.0.0/16, 2001:db8:1::/48\nprefix-list pl (id pl-1)\n"
            "port-list web = 80, 443\ngroup g {}\n")
    for n, (header, body) in enumerate(groups):
        text += f"group h{n} {header} {{\n" + "".join(f"  {r}\n" for r in body) + "}\n"
    _same(text)


def test_a_generated_inventory() -> None:
    _same(inventory(Shape(groups=30, rules_per_group=40, instances=10)))
