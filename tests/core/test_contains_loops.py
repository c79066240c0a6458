"""The evaluator's membership tests written as plain loops (``AddrSpace.contains``,
``model.ports_contain``) answer as the generator forms they replaced, on random address
spaces and port lists, at and around their edges."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.core.addresses import MAX, V4, V6, AddrRange, AddrSpace
from sgverify.core.model import PortRange, ports_contain
from tests.support.strategies import ADDRS, cidr_spaces, port_ranges

SETTINGS = settings(max_examples=500, deadline=None)


@SETTINGS
@given(cidr_spaces, st.sampled_from([V4, V6]), st.data())
def test_address_loop_is_the_generator_form(space: AddrSpace, family: int, data) -> None:  # type: ignore[no-untyped-def]
    edges = [v for r in space.ranges for v in (r.lo - 1, r.lo, r.hi, r.hi + 1) if 0 <= v <= MAX[family]]
    value = data.draw(st.sampled_from(ADDRS[family] + edges))
    assert space.contains(family, value) == any(r.contains(family, value) for r in space.ranges)
    extra = AddrSpace((AddrRange(family, value, value),))
    assert extra.contains(family, value) and not extra.contains(V6 if family == V4 else V4, value)


@SETTINGS
@given(port_ranges(), st.integers(0, 65536), st.data())
def test_port_loop_is_the_generator_form(ports: tuple[PortRange, ...] | None, port: int, data) -> None:  # type: ignore[no-untyped-def]
    edges = [v for p in ports or () for v in (p.lo - 1, p.lo, p.hi, p.hi + 1)]
    for q in [port] + edges:
        assert ports_contain(ports, q) == (ports is None or any(p.lo <= q <= p.hi for p in ports))
