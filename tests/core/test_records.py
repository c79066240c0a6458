"""core.records.quick_maker makes the objects the dataclass's own constructor makes: equal,
with the same fields (spans included, which == leaves out), hashes, order and pickles."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, fields, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sgverify.cloud.assemble import with_text
from sgverify.core.addresses import AddrRange, AddrSpace
from sgverify.core.diagnostics import Span
from sgverify.core.model import Action, Direction, GroupKey, Nic, Peer, PortRange, Rule
from sgverify.core.records import quick_maker
from sgverify.lang.syntax import PeerNode, RuleNode

def _values(made: object) -> tuple[object, ...]:
    return tuple(getattr(made, f.name) for f in fields(made))  # type: ignore[arg-type]


_spans = st.builds(Span, st.text(max_size=5), st.integers(0, 99), st.integers(0, 99),
                   st.integers(0, 99), st.integers(0, 99))


@given(_spans)
def test_spans(span: Span) -> None:
    made = quick_maker(Span)(span.path, span.line, span.col, span.end_line, span.end_col)
    assert made == span and hash(made) == hash(span) and _values(made) == _values(span)
    assert not made < span and not span < made
    assert pickle.loads(pickle.dumps(made)) == span


@given(st.sampled_from(list(Direction)), st.sampled_from(list(Action)),
       st.one_of(st.none(), st.integers(0, 255)), st.text(max_size=4), _spans,
       st.one_of(st.none(), st.sampled_from(list(Nic))))
def test_rule_nodes_peer_nodes_and_rules(direction: Direction, action: Action,
                                         protocol: int | None, text: str, span: Span,
                                         nic: Nic | None) -> None:
    peer = PeerNode("cidr", "10.0.0.0/8", AddrSpace.parse("10.0.0.0/8"), "", None, (), span)
    assert _values(quick_maker(PeerNode)(*_values(peer))) == _values(peer)
    node = RuleNode(direction, action, protocol, (PortRange(1, 2),), (peer,), None, 3, None, nic,
                    text or None, text, None, text, None, span)
    made = quick_maker(RuleNode)(*(getattr(node, f.name) for f in fields(RuleNode)))
    assert made == node and _values(made) == _values(node) and hash(made) == hash(node)
    retexted = with_text(node, text + "!")  # the assembler's copy with the final text
    assert _values(retexted) == _values(replace(node, text=text + "!"))
    assert pickle.loads(pickle.dumps(made)) == node
    rule = Rule(GroupKey("", "g"), "g", 0, direction, action, protocol, None,
                Peer(AddrSpace.parse("10.0.0.0/8")), 5, None, None, nic or Nic.INTRANET,
                text or None, text, None, None, text, span)
    made_rule = quick_maker(Rule)(*(getattr(rule, f.name) for f in fields(Rule)))
    assert made_rule == rule and _values(made_rule) == _values(rule) and repr(made_rule) == repr(rule)
    assert pickle.loads(pickle.dumps(made_rule)) == rule


def test_a_check_in_post_init_is_skipped_only_when_the_caller_says_so() -> None:
    with pytest.raises(TypeError):
        quick_maker(AddrRange)
    assert quick_maker(AddrRange, checked=True)(4, 1, 2) == AddrRange(4, 1, 2)


def test_classes_it_cannot_make_are_refused() -> None:
    @dataclass
    class Open:
        x: int

    for cls in (Open, int):
        with pytest.raises(TypeError):
            quick_maker(cls)
