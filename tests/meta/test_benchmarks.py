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


def test_estate_variants_for_the_whole_command_rows(tmp_path: Path) -> None:
    """bench_e2e's diff input differs from the inventory in exactly 10 rule lines, and its
    check input includes the inventory and loads with 1,000 assertions."""
    import bench_e2e

    from sgverify.api import load_policy
    text = generate.inventory(generate.Shape(groups=6, rules_per_group=20, instances=6, seed=2))
    moved = bench_e2e.changed(text, 10)
    differ = [(a, b) for a, b in zip(text.split("\n"), moved.split("\n")) if a != b]
    assert len(differ) == 10 and moved.count("\n") == text.count("\n")
    assert all(a.split()[:1] == b.split()[:1] for a, b in differ)  # same direction
    (tmp_path / "inv.sgv").write_text(text)
    (tmp_path / "checks.sgv").write_text(bench_e2e.checks(6, 1000))
    rep = load_policy(str(tmp_path / "checks.sgv"), root=str(tmp_path))
    assert rep.policy is not None, [str(d) for d in rep.diagnostics if d.is_error]
    assert len(rep.policy.assertions) == 1000 and len(rep.policy.instances) == 6
