"""``Narrowing`` with each rule's boxes made on demand (``lazy``, what ``diff`` uses) keeps
the same rules as with every rule's boxes made first, on random interfaces and boxes: the
quick test that skips a rule (direction, NIC, protocol, ports) never skips one that meets."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.model import Direction
from sgverify.engines.boxes.certify import DIR, DPORT, LOCAL, NIC, PEER, PROTO, layout_for, rule_boxes
from sgverify.engines.boxes.intervals import normalise
from sgverify.engines.boxes.narrow import Narrowing
from tests.support.strategies import PORTS, targets

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SPANS = {DIR: 1, NIC: 1, PROTO: 255, DPORT: 65535}
# The rules' own ports and protocols, and their neighbours: boxes that end just on, before
# or after a rule's edge.
_EDGES = {DPORT: sorted({q for p in PORTS for q in (p - 1, p, p + 1) if 0 <= q <= 65535}),
          PROTO: [0, 1, 2, 5, 6, 7, 16, 17, 18, 47, 58, 255]}


@st.composite
def intervals(draw: st.DrawFn, dim: int) -> tuple[tuple[int, int], ...]:
    top = _SPANS[dim]
    value = st.sampled_from(_EDGES[dim]) if dim in _EDGES else st.integers(0, top)
    pairs = draw(st.lists(st.tuples(value, value), min_size=1, max_size=3))
    return normalise((min(a, b), max(a, b)) for a, b in pairs) or ((0, top),)


@st.composite
def boxes(draw: st.DrawFn, full: tuple) -> tuple:  # type: ignore[type-arg]
    box = list(full)
    for dim in _SPANS:
        if draw(st.booleans()):
            box[dim] = draw(intervals(dim))
    return tuple(box)


@SETTINGS
@given(st.data(), targets(max_rules=6))
def test_lazy_narrowing_keeps_the_same_rules(data, target) -> None:  # type: ignore[no-untyped-def]
    layout = layout_for([target], set())
    asked = data.draw(st.lists(boxes(layout.full()), min_size=1, max_size=3))
    edges = sorted({e for g in target.groups for r in g.rules for p in r.ports or ()
                    for e in (p.lo, p.hi)})
    if edges:  # a box of one port on a rule's first or last port
        port = data.draw(st.sampled_from(edges))
        asked.append(tuple(((port, port),) if d == DPORT else v
                           for d, v in enumerate(layout.full())))
    eager, lazy = Narrowing(layout, target), Narrowing(layout, target, lazy=True)
    assert lazy.cutters == {}

    def meeting(*some: tuple) -> list:  # type: ignore[type-arg]
        """The rules one of whose boxes meets one of ``some``, by the boxes alone."""
        return [r for g in target.groups for r in g.rules if any(
            eager._meets(c, box) for box in some for c in rule_boxes(
                layout, r, 0 if r.direction is Direction.INGRESS else 1, PEER, LOCAL, None))]
    for some in [(box,) for box in asked] + [tuple(asked)]:
        want = meeting(*some)
        assert [r for g in eager.to(*some).groups for r in g.rules] == want
        assert [r for g in lazy.to(*some).groups for r in g.rules] == want
