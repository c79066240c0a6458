"""The cheap refutations of ``prove.exposure`` (the per-cell size sweep and the early-ending
walk of first claims) against the questions asked without them, and against the walk they
replaced, on random interfaces: same answers, same evidence."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.addresses import INTERNET, V4, V6, AddrSpace
from sgverify.core.model import Action, Direction, Rule, Target
from sgverify.engines.boxes.finder import pooled
from sgverify.engines.boxes.intervals import Budget, iv, point
from sgverify.prove.exposure import PublicExposure, TooManyLists
from tests.support.strategies import PORTS, semantics, targets

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROTOCOL_SETS = [point(6), point(17), iv((6, 6), (17, 17)), point(1), iv((0, 255))]


class Unfiltered(PublicExposure):
    """Every question decided by the box decomposition: no cheap refutation."""

    def _cell_large(self, fam, protocols, port):  # type: ignore[no-untyped-def]
        return True

    def _wide_enough(self, fam, protocols):  # type: ignore[no-untyped-def]
        return True

    def _large_enough(self, fam, rules):  # type: ignore[no-untyped-def]
        return True

    def _could_open(self, fam, rules, protocols, ports):  # type: ignore[no-untyped-def]
        return True


questions = st.lists(st.tuples(
    st.sampled_from([V4, V6]), st.sampled_from(PROTOCOL_SETS),
    st.one_of(st.none(), st.sampled_from(PORTS).map(point),
              st.tuples(st.sampled_from(PORTS), st.sampled_from(PORTS)).map(
                  lambda p: iv((min(p), max(p)))))), min_size=1, max_size=12)


def _answer(ask: PublicExposure, fam: int, protocols, ports):  # type: ignore[no-untyped-def]
    opened = ask.opened(fam, protocols, ports)
    shown = None if opened is None else (opened.flow, opened.rules, opened.decision.rule)
    return shown, ask.may_open(fam, protocols, ports)


@SETTINGS
@given(targets(max_rules=6), semantics, questions)
def test_refutations_change_no_answer(t: Target, sem, asked) -> None:  # type: ignore[no-untyped-def]
    target = pooled(t)
    try:
        fast = PublicExposure(target, sem, Budget(200_000))
        slow = Unfiltered(target, sem, Budget(200_000))
    except TooManyLists:
        return
    for fam, protocols, ports in asked:
        if not any(f == fam for _, f in fast.families):
            continue
        assert _answer(fast, fam, protocols, ports) == _answer(slow, fam, protocols, ports)


def _old_walk(fam: int, steps: list[tuple[Rule, bool]]) -> bool:
    """The walk as it was: undecided public addresses, and what accepts still reach."""
    public = INTERNET.only(fam)
    undecided, maybe = public, []
    for r, whole in steps:
        peer = r.peer.addresses.only(fam) & undecided
        if not peer:
            continue
        if r.action is Action.ACCEPT:
            maybe.append(peer)
        if whole:
            undecided = undecided - peer
    return not (public - AddrSpace.union(maybe))


@SETTINGS
@given(targets(max_rules=8), semantics, st.data())
def test_first_claims_is_the_old_walk(t: Target, sem, data) -> None:  # type: ignore[no-untyped-def]
    target = pooled(t)
    try:
        ask = PublicExposure(target, sem, Budget(200_000))
    except TooManyLists:
        return
    rules = [r for r in target.rules(Direction.INGRESS) if not r.peer.unresolved]
    wholes = data.draw(st.lists(st.booleans(), min_size=len(rules), max_size=len(rules)))
    steps = list(zip(rules, wholes))
    for fam in (V4, V6):
        assert ask._first_claims(fam, steps) == _old_walk(fam, steps)
