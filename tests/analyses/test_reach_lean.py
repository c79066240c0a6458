"""The fast paths of the whole reach matrix (issue 14): the internet test of exposure's
rule filter, the pairs not worked out, and the one finding per kind they get in the run
report, each against the path it replaces."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.analyses.reach.answer import ask
from sgverify.load import load_inputs
from sgverify.core.addresses import INTERNET, AddrRange, AddrSpace
from sgverify.engines.atoms.matrix import Overlap
from sgverify.report.from_reach import pair_leads, reach_run
from sgverify.report.gate import run_exit_code
from sgverify.report.text import Style

MEETS = Overlap(INTERNET)


@st.composite
def spaces(draw: st.DrawFn) -> AddrSpace:
    ranges = []
    for _ in range(draw(st.integers(0, 4))):
        fam = draw(st.sampled_from([4, 6]))
        top = 2 ** 32 - 1 if fam == 4 else 2 ** 128 - 1
        lo = draw(st.integers(0, top))
        hi = draw(st.integers(lo, min(top, lo + draw(st.sampled_from([0, 255, 2 ** 24, top])))))
        ranges.append(AddrRange(fam, lo, hi))
    return AddrSpace.of(ranges)


@settings(max_examples=300, deadline=None)
@given(spaces())
def test_the_bisection_says_what_the_intersection_says(space: AddrSpace) -> None:
    assert MEETS(space) == bool(space & INTERNET)


def test_private_and_public_blocks() -> None:
    assert not MEETS(AddrSpace.parse("10.0.0.0/8"))
    assert MEETS(AddrSpace.parse("0.0.0.0/0"))
    assert MEETS(AddrSpace.parse("10.0.0.0/8") | AddrSpace.parse("8.8.8.8/32"))


def _answer(limit: int | None):  # type: ignore[no-untyped-def]
    spec = Path("tests/fixtures/audit/reach-edge.sgv")
    policy = load_inputs([str(spec)]).report.policy
    assert policy is not None
    return policy, ask(policy, None, None, limit=limit)


def _counted(f) -> int:  # type: ignore[no-untyped-def]
    """How many pairs a finding stands for: one, or the count of an aggregate."""
    if f.payload is not None:
        return 1
    return int(f.message.split()[0])


def test_pairs_not_worked_out_give_the_exit_codes_and_counts_of_the_worked_out() -> None:
    """Past ``--limit`` a kind of pairs gets one finding with its count: every format then
    exits as with a finding per pair, and accounts for every pair."""
    style = Style(False)
    policy, every = _answer(None)
    for limit in (0, 1, 3, 1000):
        _, answer = _answer(limit)
        shown = [p for p in answer.pairs if p.worked_out]
        assert len(shown) == min(limit, len(every.pairs))
        for fail, allow in ((False, False), (True, False), (False, True), (True, True)):
            full = reach_run(every, policy, "x.sgv", fail, allow, None)
            part = reach_run(answer, policy, "x.sgv", fail, allow, None)
            assert run_exit_code(part) == run_exit_code(full)
            a, b = pair_leads(full, style), pair_leads(part, style)
            by_name = {(p.sender.label, p.receiver.label): p for p in every.pairs}
            assert [a(by_name[p.sender.label, p.receiver.label]) for p in shown] == \
                [b(p) for p in shown]
            assert {(f.code, f.outcome) for f in part.findings()} == \
                {(f.code, f.outcome) for f in full.findings()}
            for code in ("R001", "R002"):
                assert sum(_counted(f) for f in part.findings() if f.code == code) == \
                    sum(1 for f in full.findings() if f.code == code)
