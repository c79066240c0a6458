"""Benchmark entry points for the fleet rows (benchmarks/bench_fleet.py runs each in its own
process; nothing here runs in the test suite at full size).

``bench_audit`` times the built-in controls on every group and every interface of a seeded
synthetic inventory, and the Z3 checker on a seeded sample of the same checks
(extrapolated): the sample's verdicts must be the audit's. ``bench_reach`` times the exact
reachability matrix over every ordered pair of instances (and of groups) against one Z3
``ReachAssertion`` per pair, timed on a sample and extrapolated; the sample's verdicts must
equal the matrix's, and a sample of witnesses is confirmed by the evaluator.
"""

from __future__ import annotations

import random
import resource
import time
from typing import Any

from synthetic import Shape, generate, to_policy, to_sgv

from sgverify.analyses.audit.controls import BUILTIN
from sgverify.analyses.audit.run import run_audit
from sgverify.analyses.audit.settings import Settings
from sgverify.api import load_policy
from sgverify.cloud.export import export_aliyun
from sgverify.core.model import Check, FlowSet, Policy, ReachAssertion
from sgverify.core.parallel import default_jobs
from sgverify.core.result import Verdict
from sgverify.engines.atoms.matrix import REACHABLE, UNKNOWN, UNREACHABLE, ReachMatrix
from sgverify.prove.run import Checker

STATUS = {Verdict.PROVED: REACHABLE, Verdict.UNKNOWN: UNKNOWN, Verdict.VIOLATED: UNREACHABLE}


def inventory(n_groups: int, seed: int, rules_per_group: int = 100,
              instances: int | None = None) -> Policy:
    """The seeded synthetic inventory the benchmarks use (built without the parser)."""
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


def bench_audit(n_groups: int = 1000, rules_per_group: int = 200, seed: int = 1, *,
                instances: int | None = None, controls: int = 10, baseline_checks: int = 30,
                policy: Policy | None = None) -> dict[str, Any]:
    """Audit ``n_groups`` groups of ``rules_per_group`` rules (and ``instances``
    interfaces, default as many as groups) with the first ``controls`` built-in controls."""
    t = time.perf_counter()
    policy = policy or inventory(n_groups, seed, rules_per_group, instances)
    build = time.perf_counter() - t
    chosen = list(BUILTIN[:controls])
    t = time.perf_counter()
    report = run_audit(policy, chosen, Settings(), jobs=default_jobs())  # as `sgverify audit`
    audit_s = time.perf_counter() - t
    groups_only = sum(r.elapsed for r in report.results if r.subject.kind == "group")
    statuses: dict[str, int] = {}
    for r in report.results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    rng = random.Random(seed)
    sample = rng.sample([r for r in report.results if r.control.kind == "assert"],
                        min(baseline_checks, len(report.results)))
    checker = Checker(policy, boxes=False)  # the baseline: the solver alone
    agree = True
    t = time.perf_counter()
    for r in sample:
        for res in r.results:
            agree = agree and checker.run(res.assertion).verdict is res.verdict
    per_check = (time.perf_counter() - t) / max(1, len(sample))
    baseline = per_check * len(report.results)
    return {
        "groups": len(policy.groups), "interfaces": len(policy.instances),
        "rules": sum(len(g.rules) for g in policy.groups), "controls": len(chosen),
        "checks": len(report.results), "statuses": statuses,
        "build_seconds": round(build, 3), "audit_seconds": round(audit_s, 3),
        "group_checks_seconds": round(groups_only, 3),
        "baseline_seconds_per_check": round(per_check, 6),
        "baseline_extrapolated_seconds": round(baseline, 1),
        "speedup": round(baseline / max(audit_s, 1e-9), 1), "baseline_agrees": agree,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **load_seconds(n_groups, rules_per_group, seed),
    }


def load_seconds(n_groups: int, rules_per_group: int, seed: int, sample: int = 50) -> dict[str, float]:
    """Reading such an inventory, which the audit figure leaves out: ``sample`` groups of
    the same shape loaded from .sgv text and from Alibaba Cloud API JSON (an import), the
    time scaled to ``n_groups`` (loading grows linearly, benchmark 7)."""
    import json
    import os
    import tempfile

    inv = generate(Shape(groups=sample, rules_per_group=rules_per_group, instances=sample,
                         seed=seed, cover_groups=True), planted=False)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "fleet.sgv"), "w", encoding="utf-8") as fh:
            fh.write(to_sgv(inv))
        with open(os.path.join(tmp, "fleet.json"), "w", encoding="utf-8") as fh:
            json.dump(export_aliyun(to_policy(inv)), fh)
        with open(os.path.join(tmp, "import.sgv"), "w", encoding="utf-8") as fh:
            fh.write('import "fleet.json"\n')
        for key, name in (("load_sgv_seconds", "fleet.sgv"), ("load_json_seconds", "import.sgv")):
            t = time.perf_counter()
            rep = load_policy(os.path.join(tmp, name), root=tmp)
            assert rep.policy is not None, [str(d) for d in rep.diagnostics if d.is_error]
            out[key] = round((time.perf_counter() - t) * n_groups / sample, 1)
    return out
