"""Lint's cheap refutation of the wide L201 items (``exposure.cannot_open``: a TCP or UDP
port that cannot be open alone refutes 'every TCP port', 'every UDP port' and 'every
protocol and port') against the box partition it saves: every item it refutes is not open
when asked, and the findings are those found without it, on random interfaces."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.analyses.lint import exposure as lint_exposure
from sgverify.analyses.lint.shadow import Scope
from sgverify.core.addresses import AddrSpace
from sgverify.core.model import TCP, Action, Direction, Network, Nic, Peer, PortRange, Rule, Semantics, Target
from sgverify.engines.boxes.intervals import Budget
from sgverify.prove.exposure import PublicExposure, TooManyLists
from tests.support.strategies import semantics, targets

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _without_refutation(scope: Scope, sem: Semantics):  # type: ignore[no-untyped-def]
    saved = lint_exposure.cannot_open
    lint_exposure.cannot_open = lambda ask, fam, item: False
    try:
        return lint_exposure.exposure(scope, sem, Budget(1_000_000))
    finally:
        lint_exposure.cannot_open = saved


def _open_tcp(t: Target, rules: list[Rule]) -> Target:
    """``t`` with accept rules first that open some TCP ports to every address."""
    g = t.groups[0]
    return t.with_groups((replace(g, rules=tuple(rules) + g.rules),) + t.groups[1:])


@SETTINGS
@given(targets(max_rules=7), semantics, st.data())
def test_refuted_items_are_not_open_and_findings_are_the_same(t: Target, sem: Semantics, data) -> None:  # type: ignore[no-untyped-def]
    if data.draw(st.booleans()) and t.groups:  # often open: every address on some TCP ports
        g = t.groups[0]
        ranges = data.draw(st.sampled_from([((1, 65535),), ((1, 21), (22, 65535)), ((1, 442),),
                                            ((22, 22),), ((2, 65535),)]))
        nic = Nic.INTERNET if t.network is Network.CLASSIC else Nic.INTRANET
        extra = [Rule(g.key, g.name, 1000 + i, Direction.INGRESS, Action.ACCEPT, TCP,
                      (PortRange(lo, hi),), Peer(AddrSpace.parse(cidr)), 1, nic=nic)
                 for i, (lo, hi) in enumerate(ranges)
                 for cidr in data.draw(st.sampled_from([["0.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"],
                                                        ["0.0.0.0/0", "::/0"]]))]
        t = _open_tcp(t, extra)
    scope = Scope("group t", t)
    try:
        ask = PublicExposure(t, sem, Budget(1_000_000))
    except TooManyLists:
        return
    for _bit, fam in ask.families:
        for item in lint_exposure.items():
            if lint_exposure.cannot_open(ask, fam, item):
                fresh = PublicExposure(t, sem, Budget(1_000_000))
                assert fresh.opened(fam, item.protocols, item.ports) is None, item.label
    assert lint_exposure.exposure(scope, sem, Budget(1_000_000)) == _without_refutation(scope, sem)
