"""Benchmark entry points for the reachability matrix (the harness in benchmarks/ calls
``bench_reach``; nothing here runs in the test suite at full size).

The figure is the exact matrix over every ordered pair of instances (and of groups), set
against the straightforward method: one Z3 ``ReachAssertion`` (``Check.SOME_ALLOWED``) per
ordered pair, timed on a seeded sample of pairs and extrapolated. The sample's verdicts
must equal the matrix's, and a sample of witnesses is confirmed by the evaluator.
"""

from __future__ import annotations

import random
import resource
import time
from typing import Any

from ...core.model import Check, FlowSet, Policy, ReachAssertion
from ...prove.run import Checker
from ...core.result import Verdict
from ...engines.atoms.matrix import REACHABLE, UNKNOWN, UNREACHABLE, ReachMatrix

STATUS = {Verdict.PROVED: REACHABLE, Verdict.UNKNOWN: UNKNOWN, Verdict.VIOLATED: UNREACHABLE}


def inventory(n_groups: int, seed: int, rules_per_group: int = 100,
              instances: int | None = None) -> Policy:
    """The seeded synthetic inventory the benchmarks use (built without the parser)."""
    from ..audit.synthetic import Shape, generate, to_policy
    shape = Shape(groups=n_groups, rules_per_group=rules_per_group,
                  instances=n_groups if instances is None else instances, seed=seed,
                  cover_groups=True)
    return to_policy(generate(shape, planted=False))


def bench_reach(n_groups: int = 1000, seed: int = 1, *, rules_per_group: int = 100,
                instances: int | None = None, baseline_pairs: int = 20,
                witnesses: int = 200, policy: Policy | None = None) -> dict[str, Any]:
    """Time the matrix over ``n_groups`` groups (one instance per group by default, in that
    group and up to two more: a million ordered pairs of instances, and of groups, at
    1,000) and the per-pair baseline.
    ``policy`` replaces the generated inventory (for example one the harness loaded)."""
    t = time.perf_counter()
    policy = policy or inventory(n_groups, seed, rules_per_group, instances)
    build = time.perf_counter() - t
    t = time.perf_counter()
    from ...core.parallel import default_jobs
    m = ReachMatrix(policy, jobs=default_jobs())  # as `sgverify reach` runs it
    matrix_s = time.perf_counter() - t
    t = time.perf_counter()
    reachable, unknown = m.count()
    groups, _ = m.group_matrix()
    group_s = time.perf_counter() - t
    n = len(m.instances)
    r = random.Random(seed)
    reach_pairs = [(a, b) for a, b, s in m.reachable_pairs() if s == REACHABLE]
    t = time.perf_counter()
    for a, b in r.sample(reach_pairs, min(witnesses, len(reach_pairs))):
        m.witness(a, b)  # raises if the evaluator disagrees
    witness_s = (time.perf_counter() - t) / max(1, min(witnesses, len(reach_pairs)))
    checker = Checker(policy)
    sample = [(r.randrange(n), r.randrange(n)) for _ in range(baseline_pairs * 2)]
    sample = [(a, b) for a, b in sample if a != b][:baseline_pairs]
    t = time.perf_counter()
    agree = True
    for a, b in sample:
        res = checker.run(ReachAssertion("bench", "bench", m.instances[a], m.instances[b],
                                         FlowSet(), Check.SOME_ALLOWED))
        want = UNREACHABLE if res.verdict is Verdict.ERROR else STATUS.get(res.verdict, -1)
        agree = agree and want == m.pair_status(a, b)
    per_pair = (time.perf_counter() - t) / max(1, len(sample))
    ordered = n * (n - 1)
    baseline = per_pair * ordered
    return {
        "groups": len(policy.groups), "instances": n, "ordered_pairs": ordered,
        "group_pairs": len(groups) ** 2, "interface_classes": m.stats.classes,
        "service_atoms": m.stats.service_atoms, "decisions": m.stats.decisions,
        "reachable_pairs": reachable, "unknown_pairs": unknown,
        "build_seconds": round(build, 3), "matrix_seconds": round(matrix_s, 3),
        "group_matrix_seconds": round(group_s, 3),
        "witness_seconds_per_pair": round(witness_s, 6),
        "baseline_seconds_per_pair": round(per_pair, 6), "baseline_pairs": len(sample),
        "baseline_extrapolated_seconds": round(baseline, 1),
        "speedup": round(baseline / max(matrix_s, 1e-9), 1),
        "baseline_agrees": agree,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


__all__ = ["bench_reach", "inventory"]
