"""Benchmarks 3 and 4: the fleet audit and the reachability matrix over 1,000 groups.

Each runs in its own process so that its peak memory is its own. The inventories come
from the audit/reach generator (seeded; groups of realistic rules, instances in one to
three groups). Baselines: the same checks one Z3 query at a time, on a sample,
extrapolated (the sampled verdicts must agree).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _measure(code: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "benchmarks"),
                                                       os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_audit_row(quick: bool) -> Any:
    from run import Row

    groups, rules = (100, 50) if quick else (1000, 200)
    f = _measure("import json; from fleet import bench_audit; "
                 f"print(json.dumps(bench_audit({groups}, {rules}, 1)))")
    row = Row(f"3. Audit: {groups:,} groups x {rules} rules + {f['interfaces']:,} interfaces, "
              f"{f['controls']} controls", f"{f['audit_seconds']:.1f} s ({f['checks']:,} checks)",
              f"{f['baseline_extrapolated_seconds']:.0f} s (one Z3 query per check, extrapolated)",
              f"{f['speedup']:.0f}x faster", "<= 30 s",
              "yes" if f["audit_seconds"] <= 30 and f["baseline_agrees"] else "no")
    row.notes.append(f"peak memory {f['peak_rss_mb']:.0f} MB; sampled verdicts agree with Z3: "
                     f"{f['baseline_agrees']}; outcomes {f['statuses']}")
    row.notes.append(f"reading the inventory is not included: from .sgv text about "
                     f"{f['load_sgv_seconds']:.0f} s, imported from Alibaba Cloud API JSON about "
                     f"{f['load_json_seconds']:.0f} s (50 groups loaded, scaled to {groups:,})")
    return row


def bench_reach_row(quick: bool) -> Any:
    from run import Row

    groups = 100 if quick else 1000
    f = _measure("import json; from fleet import bench_reach; "
                 f"print(json.dumps(bench_reach({groups}, 1)))")
    total = f["matrix_seconds"] + f["group_matrix_seconds"]
    row = Row(f"4. Reachability matrix: {groups:,} groups, {f['instances']:,} instances "
              f"({f['ordered_pairs']:,} ordered pairs)", f"{total:.1f} s",
              f"{f['baseline_extrapolated_seconds']:.0f} s (one Z3 query per pair, extrapolated)",
              f"{f['baseline_extrapolated_seconds'] / max(total, 1e-9):.0f}x faster",
              "<= 60 s; >= 100x", "yes" if total <= 60 and f["speedup"] >= 100
              and f["baseline_agrees"] else "no")
    row.notes.append(f"peak memory {f['peak_rss_mb']:.0f} MB; {f['interface_classes']} interface "
                     f"classes; {f['reachable_pairs']:,} reachable pairs; sampled verdicts agree "
                     f"with Z3: {f['baseline_agrees']}")
    return row
