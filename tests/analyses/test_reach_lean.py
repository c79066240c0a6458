"""The fast paths of the whole reach matrix (issue 14): the internet test of exposure's
rule filter, the pairs not worked out, and the lean run report of a text report, each
against the path it replaces."""

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


def _answer(tmp_path: Path, limit: int):  # type: ignore[no-untyped-def]
    spec = Path("tests/fixtures/audit/reach-edge.sgv")
    policy = load_inputs([str(spec)]).report.policy
    assert policy is not None
    return policy, ask(policy, None, None, limit=limit)


def test_the_lean_report_has_the_leads_and_exit_codes_of_the_full_one(tmp_path: Path) -> None:
    style = Style(False)
    for limit in (0, 1, 3, 1000):
        policy, answer = _answer(tmp_path, limit)
        shown = [p for p in answer.pairs if p.evidence or p.sure or p.maybe]
        for fail, allow in ((False, False), (True, False), (False, True), (True, True)):
            full = reach_run(answer, policy, "x.sgv", fail, allow, None)
            lean = reach_run(answer, policy, "x.sgv", fail, allow, None, lean=True)
            assert run_exit_code(lean) == run_exit_code(full)
            a, b = pair_leads(full, style), pair_leads(lean, style)
            assert [a(p) for p in shown] == [b(p) for p in shown]
            assert {(f.code, f.outcome) for f in lean.findings()} == \
                {(f.code, f.outcome) for f in full.findings()}
