"""Whole commands as a user runs them (issue 14): the installed `sgverify` started as a
subprocess, reading included, from start to report written; each beside its floor measured
in the same run.

The inventory is `generate.py`'s (1,000 groups x 200 rules + 1,000 instances; `--quick`:
40 x 50 + 40) as one .sgv file, and its groups exported as Alibaba Cloud API JSON, one
DescribeSecurityGroupAttribute file per group (what `sgverify pull` writes). Each command
runs once per row in its own process; the figure is its CPU time (user + sys, which a
shared machine disturbs less than wall time; wall time is in the notes) and its peak
memory. Floors: `python -c "import z3, lark"` (start) and `json.load` of the same JSON
files in a fresh process.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import generate

_MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
                  "rss_mb": ru.ru_maxrss / 1024}))
"""

_JSON_FLOOR = r"""
import json, pathlib, sys
n = 0
for p in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    with open(p, "rb") as fh:
        n += len(json.load(fh)["Permissions"]["Permission"])
"""


def _sgverify() -> list[str]:
    exe = Path(sys.executable).parent / "sgverify"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sgverify"]


def measure(cmd: list[str], cwd: str) -> dict[str, Any]:
    """CPU seconds (user + sys), wall seconds and peak memory (MB) of one process tree
    (its workers included: RUSAGE_CHILDREN of a fresh parent)."""
    env = dict(os.environ, SGVERIFY_NO_CACHE="1")
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], cwd=cwd, env=env,
                          capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["rc"] not in (0, 1, 3):
        raise RuntimeError(f"{' '.join(cmd)} exited {out['rc']}")
    return out


@lru_cache(maxsize=2)
def inventory(quick: bool) -> tuple[str, int, int]:
    """A folder with inv.sgv and json/ (one API document per group): (folder, groups,
    rules per group). Made once per run."""
    groups, rules = (40, 50) if quick else (1000, 200)
    tmp = tempfile.mkdtemp(prefix="sgv-e2e-")
    atexit.register(shutil.rmtree, tmp, True)
    Path(tmp, "inv.sgv").write_text(generate.inventory(generate.Shape(groups, rules, groups, 1)))
    subprocess.run([*_sgverify(), "export", "inv.sgv", "--output", "all.json"], cwd=tmp,
                   check=True, capture_output=True)
    os.mkdir(os.path.join(tmp, "json"))
    for doc in json.loads(Path(tmp, "all.json").read_text()):
        Path(tmp, "json", f"{doc['SecurityGroupId']}.json").write_text(json.dumps(doc))
    os.remove(os.path.join(tmp, "all.json"))
    return tmp, groups, rules


def _fig(m: dict[str, Any]) -> str:
    return f"{m['cpu']:.1f} s CPU, {m['rss_mb']:.0f} MB"


def _met(m: dict[str, Any], seconds: float, quick: bool, extra: bool = True) -> str:
    if quick:
        return "n/a (--quick size; the target is for 1,000 groups)"
    return "yes" if m["cpu"] <= seconds and m["rss_mb"] <= 600 and extra else "no"


def _row(name: str, m: dict[str, Any], base: str, ratio: str, target: str, met: str) -> Any:
    from run import Row
    row = Row(name, _fig(m), base, ratio, target, met)
    row.notes.append(f"wall {m['wall']:.1f} s (2 cores shared with other work)")
    return row


def _size(quick: bool) -> str:
    _, groups, rules = inventory(quick)
    return f"{groups:,} groups x {rules} rules"


def bench_read_row(quick: bool) -> Any:
    """8. `sgverify import` of the JSON files to /dev/null, against json.load of them."""
    tmp, _, _ = inventory(quick)
    floor = measure([sys.executable, "-c", _JSON_FLOOR, "json"], tmp)
    ours = measure([*_sgverify(), "import", "json", "--output", os.devnull], tmp)
    ratio = ours["cpu"] / max(floor["cpu"], 1e-9)
    row = _row(f"8. Reading: import {_size(quick)} of API JSON (one file per group) to /dev/null",
               ours, f"{floor['cpu']:.2f} s (json.load of the same files)", f"{ratio:.1f}x",
               "<= 3 s; <= 5x", _met(ours, 3, quick, ratio <= 5))
    sgv = measure([*_sgverify(), "check", "inv.sgv", "--no-cache", "-q"], tmp)
    row.notes.append(f"from the one .sgv file (`check` of the inventory, which has no assertion: "
                     f"reading and resolving): {_fig(sgv)} (target <= 5 s)")
    return row


def bench_lint_row(quick: bool) -> Any:
    """9. `sgverify lint` over the folder of JSON files (every group alone)."""
    tmp, _, _ = inventory(quick)
    floor = measure([sys.executable, "-c", "import z3, lark"], tmp)
    ours = measure([*_sgverify(), "lint", "json", "--no-timing"], tmp)
    return _row(f"9. lint {_size(quick)}, API JSON, whole command", ours,
                f"{floor['cpu']:.2f} s (import z3, lark)", "", "<= 15 s; <= 600 MB",
                _met(ours, 15, quick))


def bench_audit_e2e_row(quick: bool) -> Any:
    """10. `sgverify audit` (10 built-in controls) over the inventory: .sgv, and JSON."""
    tmp, groups, _ = inventory(quick)
    ours = measure([*_sgverify(), "audit", "inv.sgv", "--no-matrix", "--no-timing"], tmp)
    row = _row(f"10. audit {_size(quick)} + {groups:,} instances (inv.sgv), whole command", ours,
               "", "", "<= 15 s; <= 600 MB", _met(ours, 15, quick))
    js = measure([*_sgverify(), "audit", "json", "--no-matrix", "--no-timing"], tmp)
    row.notes.append(f"the same groups from API JSON (no instances): {_fig(js)}, wall "
                     f"{js['wall']:.1f} s")
    return row


def bench_export_row(quick: bool) -> Any:
    """11. `sgverify export --format aliyun` of the .sgv inventory."""
    tmp, _, _ = inventory(quick)
    ours = measure([*_sgverify(), "export", "--format", "aliyun", "inv.sgv", "--output",
                    os.devnull], tmp)
    return _row(f"11. export --format aliyun, {_size(quick)} (inv.sgv), whole command", ours,
                "", "", "<= 5 s; <= 600 MB", _met(ours, 5, quick))
