"""The parallel audit checks the group subjects in the parent first (the forked workers
inherit what each group shares with its interfaces) and the interfaces in workers: on
generated inventories it gives the same report as one process, and the cycle collector is
back as it was afterwards."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.analyses.audit import run as audit_run
from sgverify.analyses.audit.run import choose_controls, run_audit
from sgverify.analyses.audit.settings import Settings
from sgverify.api import load_policy
from sgverify.report.audit import render_json, render_text
from sgverify.report.text import Style
from tests.support.paths import TESTS

sys.path.insert(0, str(TESTS.parent / "benchmarks"))
from generate import Shape, inventory  # noqa: E402


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), groups=st.integers(1, 6), rules=st.integers(1, 30),
       instances=st.integers(0, 8), jobs=st.integers(2, 3))
def test_groups_first_then_workers_is_the_same_audit(tmp_path: Path, monkeypatch, seed: int,
                                                     groups: int, rules: int, instances: int,
                                                     jobs: int) -> None:
    monkeypatch.setattr(audit_run, "PARALLEL_CHECKS", 1)
    path = tmp_path / f"inv-{seed}-{groups}-{rules}-{instances}.sgv"
    path.write_text(inventory(Shape(groups, rules, instances, seed, drop_share=0.3)))
    policy = load_policy(str(path)).policy
    assert policy is not None
    controls, _ = choose_controls(Settings())
    was = gc.isenabled()
    one = run_audit(policy, controls, Settings(), jobs=1)
    many = run_audit(policy, controls, Settings(), jobs=jobs)
    assert gc.isenabled() == was
    assert [(r.control.id, str(r.subject), r.verdict) for r in one.results] == \
        [(r.control.id, str(r.subject), r.verdict) for r in many.results]
    for a, b in zip(one.results, many.results):
        for x, y in zip(a.results, b.results, strict=True):
            assert (x.verdict, x.summary, x.flow, x.notes, x.code) == \
                (y.verdict, y.summary, y.flow, y.notes, y.code)
            assert [e.decision for e in x.evidence] == [e.decision for e in y.evidence]
    plain = Style(False)
    assert render_text(one, plain, timing=False) == render_text(many, plain, timing=False)
    assert render_json(one, 0, False) == render_json(many, 0, False)
