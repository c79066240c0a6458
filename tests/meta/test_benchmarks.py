"""A smoke run of the benchmark harness (smallest sizes). No timing is asserted: these
machines are shared; benchmarks/run.py prints figures as ratios instead."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402
import run as bench  # noqa: E402


def test_generator_is_seeded_and_loads(tmp_path: Path) -> None:
    from sgverify.api import load_policy
    a = generate.inventory(generate.Shape(groups=4, rules_per_group=30, instances=10, seed=3))
    assert a == generate.inventory(generate.Shape(groups=4, rules_per_group=30, instances=10, seed=3))
    spec = tmp_path / "inv.sgv"
    spec.write_text(a + generate.single_interface(50).split("\n", 1)[1].replace("group g0", "group h0")
                    .replace("groups g0", "groups h0"))
    rep = load_policy(str(spec), root=str(tmp_path))
    assert rep.policy is not None, [str(d) for d in rep.diagnostics if d.is_error]
    assert len(rep.policy.groups) == 5


def test_harness_smoke() -> None:
    rows = [bench.bench_interface(quick=True), bench.bench_growth(quick=True)]
    assert all(r.figure and r.ratio for r in rows)
    text = bench.table(rows)
    assert text.startswith("| benchmark |") and "exponent" in text
