"""Benchmark entry point for the audit (the harness in benchmarks/ calls ``bench_audit``;
nothing here runs in the test suite at full size).

Times the built-in controls on every group and every interface of a seeded synthetic
inventory, and the Z3 ``Checker`` on a seeded sample of the same checks (extrapolated):
the sample's verdicts must be the audit's.
"""

from __future__ import annotations

import random
import resource
import time
from typing import Any

from ...core.model import Policy
from ...prove.run import Checker
from .controls import BUILTIN
from .run import run_audit
from .settings import Settings


def bench_audit(n_groups: int = 1000, rules_per_group: int = 200, seed: int = 1, *,
                instances: int | None = None, controls: int = 10, baseline_checks: int = 30,
                policy: Policy | None = None) -> dict[str, Any]:
    """Audit ``n_groups`` groups of ``rules_per_group`` rules (and ``instances``
    interfaces, default as many as groups) with the first ``controls`` built-in controls."""
    from ..reach.bench import inventory
    t = time.perf_counter()
    policy = policy or inventory(n_groups, seed, rules_per_group, instances)
    build = time.perf_counter() - t
    chosen = list(BUILTIN[:controls])
    t = time.perf_counter()
    from ...core.parallel import default_jobs
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

    from ...api import load_policy
    from ...cloud.export import export_aliyun
    from .synthetic import Shape, generate, to_policy, to_sgv
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


__all__ = ["bench_audit"]
