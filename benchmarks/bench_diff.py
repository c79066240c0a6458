"""Benchmark 5: exact diff of two 1,000-rule interfaces that differ in 10 rules.

Baseline: the question a plain equivalence check answers (one Z3 query: "is there any flow
they treat differently?", with one witness), which says nothing about the complete
difference; sgverify's diff returns every differing flow as boxes, each replayed and the
whole proved exact by Z3.

    python benchmarks/bench_diff.py [--rules 1000] [--changes 10]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402


def policies(rules: int, changes: int, seed: int = 5) -> tuple[str, str]:
    """(OLD, NEW) .sgv texts: NEW has ``changes`` rules replaced by other realistic rules."""
    shape = generate.Shape(groups=1, rules_per_group=rules, instances=0, seed=seed, group_ref_share=0.0)
    old = generate.inventory(shape)
    lines = old.splitlines()
    rule_lines = [i for i, line in enumerate(lines) if line.startswith("  ")]
    r = random.Random(seed + 1)
    for i in r.sample(rule_lines, changes):
        lines[i] = generate.rule_line(r, shape, 1, i)
    return old, "\n".join(lines) + "\n"


def run(rules: int, changes: int) -> dict[str, Any]:
    from sgverify.analyses.diff.diff import diff_policies
    from sgverify.api import load_policy
    from sgverify.core.model import Check, CompareAssertion, FlowSet, Policy
    from sgverify.prove.run import Checker

    old_text, new_text = policies(rules, changes)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "old.sgv").write_text(old_text)
        (Path(tmp) / "new.sgv").write_text(new_text.replace("group g0", "group g0"))
        old = load_policy(str(Path(tmp) / "old.sgv"), root=tmp).policy
        new = load_policy(str(Path(tmp) / "new.sgv"), root=tmp).policy
    assert old is not None and new is not None
    t = time.perf_counter()
    result = diff_policies(old, new, target="g0")
    elapsed = time.perf_counter() - t
    boxes = sum(len(u.newly_allowed) + len(u.newly_denied) for u in result.units)
    a = CompareAssertion("eq", "eq", _target(old), _target(new), FlowSet(), Check.EQUIVALENT)
    t = time.perf_counter()
    Checker(Policy("b", assertions=(a,), semantics=old.semantics)).run(a)
    baseline = time.perf_counter() - t
    return {"elapsed": elapsed, "boxes": boxes, "baseline": baseline, "completed": result.completed}


def _target(policy: Any) -> Any:
    from sgverify.core.model import Target
    g = policy.groups[0]
    return Target(g.name, "group", (g,))


def bench_diff_row(quick: bool) -> Any:
    from run import Row  # the harness's row type

    rules = 200 if quick else 1000
    f = run(rules, 10)
    row = Row(f"5. Exact diff: two {rules:,}-rule interfaces, 10 rules apart",
              f"{f['elapsed']:.2f} s ({f['boxes']} boxes)",
              f"{f['baseline']:.2f} s (one Z3 equivalence query, one witness)",
              f"{f['elapsed'] / f['baseline']:.1f}x the single query", "<= 1 s",
              "yes" if f["elapsed"] <= 1.0 and f["completed"] else "no")
    if not f["completed"]:
        row.notes.append("the diff did not complete within its budget")
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rules", type=int, default=1000)
    p.add_argument("--changes", type=int, default=10)
    a = p.parse_args(argv)
    f = run(a.rules, a.changes)
    print(f"{a.rules} rules, {a.changes} changed: diff {f['elapsed']:.2f} s, {f['boxes']} boxes, "
          f"completed={f['completed']}; one equivalence query {f['baseline']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
