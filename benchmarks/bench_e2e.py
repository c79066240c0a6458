"""Whole commands as a user runs them (issue 14): the installed `sgverify` started as a
subprocess, reading included, from start to report written; each beside its floor measured
in the same run.

The inventory is `generate.py`'s (1,000 groups x 200 rules + 1,000 instances; `--quick`:
40 x 50 + 40) as one .sgv file, and its groups exported as Alibaba Cloud API JSON, one
DescribeSecurityGroupAttribute file per group (what `sgverify pull` writes). Each command
runs once per row in its own process; the figure is its CPU time (user + sys, which a
shared machine disturbs less than wall time; wall time is in the notes) and its peak
memory. Floors: `python -c "import z3, lark"` (start), `json.load` of the same JSON
files in a fresh process, and `check inv.sgv -q` (reading the estate alone): rows 12-14
show the command's own part beside it, the figure minus that floor.

`--large` (run.py; environment SGVERIFY_BENCH_LARGE=1) runs the audit and lint rows on
10,000 groups x 200 rules + 10,000 instances instead (not by default: minutes and GBs).
"""

from __future__ import annotations

import atexit
import compileall
import json
import os
import random
import re
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


def _large() -> bool:
    return os.environ.get("SGVERIFY_BENCH_LARGE") == "1"


@lru_cache(maxsize=1)
def compiled() -> None:
    """The package's byte code written, as an installed package has it (pip compiles on
    install): with PYTHONDONTWRITEBYTECODE set, every timed run would compile the sources
    of an editable checkout again (about 0.3 s CPU a command)."""
    import sgverify  # lazy: the package under test, only for where it is
    compileall.compile_dir(str(Path(sgverify.__file__).parent), quiet=1)


@lru_cache(maxsize=8)
def estate(groups: int, rules: int) -> str:
    """A folder with inv.sgv (``groups`` x ``rules`` + as many instances), json/ (one API
    document per group), changed.sgv (inv.sgv with 10 rules changed) and checks.sgv
    (inv.sgv included, 1,000 assertions). Made once per run."""
    tmp = tempfile.mkdtemp(prefix="sgv-e2e-")
    atexit.register(shutil.rmtree, tmp, True)
    compiled()
    text = generate.inventory(generate.Shape(groups, rules, groups, 1))
    Path(tmp, "inv.sgv").write_text(text)
    Path(tmp, "changed.sgv").write_text(changed(text, 10))
    Path(tmp, "checks.sgv").write_text(checks(groups, 1000))
    subprocess.run([*_sgverify(), "export", "inv.sgv", "--output", "all.json"], cwd=tmp,
                   check=True, capture_output=True)
    os.mkdir(os.path.join(tmp, "json"))
    for doc in json.loads(Path(tmp, "all.json").read_text()):
        Path(tmp, "json", f"{doc['SecurityGroupId']}.json").write_text(json.dumps(doc))
    os.remove(os.path.join(tmp, "all.json"))
    return tmp


def inventory(quick: bool, large: bool = False) -> tuple[str, int, int]:
    """(folder, groups, rules per group) of the estate of this run's size (``estate``)."""
    groups, rules = (40, 50) if quick else (10_000, 200) if large else (1000, 200)
    return estate(groups, rules), groups, rules


_PORT = re.compile(r"\b(tcp|udp) (\d+)")


def changed(text: str, n: int, seed: int = 7) -> str:
    """``text`` with ``n`` rules changed, as a change review sees them: every other one
    has its action flipped, the others their first port moved by one (or their action
    flipped when they have no port)."""
    lines = text.split("\n")
    rules = [k for k, line in enumerate(lines) if line.startswith(("  ingress ", "  egress "))]
    for m, k in enumerate(sorted(random.Random(seed).sample(rules, min(n, len(rules))))):
        line = lines[k]
        port = _PORT.search(line)
        if m % 2 and port:
            moved = int(port.group(2)) % 65535 + 1
            lines[k] = line[:port.start(2)] + str(moved) + line[port.end(2):]
        else:
            lines[k] = line.replace(" accept ", " drop ", 1) if " accept " in line else \
                line.replace(" drop ", " accept ", 1)
    return "\n".join(lines)


def checks(instances: int, count: int) -> str:
    """A spec that includes inv.sgv and makes ``count`` assertions about its interfaces,
    cycling through the instances and generate.ASSERTIONS (some proved, some violated)."""
    out = ['include "inv.sgv"']
    for k in range(count):
        what = generate.ASSERTIONS[(k + k // instances) % len(generate.ASSERTIONS)]
        out.append(f"assert i{k % instances}: {what}")
    return "\n".join(out) + "\n"


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


def _size(quick: bool, large: bool = False) -> str:
    _, groups, rules = inventory(quick, large)
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
    tmp, _, _ = inventory(quick, _large())
    floor = measure([sys.executable, "-c", "import z3, lark"], tmp)
    ours = measure([*_sgverify(), "lint", "json", "--no-timing"], tmp)
    return _row(f"9. lint {_size(quick, _large())}, API JSON, whole command", ours,
                f"{floor['cpu']:.2f} s (import z3, lark)", "", "<= 15 s; <= 600 MB",
                _met(ours, 15, quick))


def bench_audit_e2e_row(quick: bool) -> Any:
    """10. `sgverify audit` (10 built-in controls) over the inventory: .sgv, and JSON."""
    tmp, groups, _ = inventory(quick, _large())
    ours = measure([*_sgverify(), "audit", "inv.sgv", "--no-matrix", "--no-timing"], tmp)
    row = _row(f"10. audit {_size(quick, _large())} + {groups:,} instances (inv.sgv), whole "
               "command", ours,
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


def _reading(tmp: str) -> dict[str, Any]:
    """The floor of rows 12-14: reading and resolving inv.sgv alone (no assertion)."""
    return measure([*_sgverify(), "check", "inv.sgv", "--no-cache", "-q"], tmp)


def _own_row(name: str, cmd: list[str], reads: int, seconds: float, quick: bool) -> Any:
    """A whole command beside the floor of reading the estate ``reads`` times, measured in
    the same run; the ratio column is the command's own part (figure minus floor)."""
    tmp, _, _ = inventory(quick)
    floor = _reading(tmp)
    ours = measure(cmd, tmp)
    own = ours["cpu"] - reads * floor["cpu"]
    times = f"{reads} x " if reads > 1 else ""
    row = _row(name, ours, f"{times}{floor['cpu']:.1f} s (check inv.sgv -q: reading)",
               f"own part {own:.1f} s", f"<= {seconds:g} s; <= 600 MB",
               _met(ours, seconds, quick))
    row.notes.append(f"peak of reading alone {floor['rss_mb']:.0f} MB")
    return row


def bench_diff_e2e_row(quick: bool) -> Any:
    """12. `sgverify diff` of the estate and a copy with 10 rules changed."""
    return _own_row(f"12. diff of two estates of {_size(quick)}, 10 rules apart, whole command",
                    [*_sgverify(), "diff", "inv.sgv", "changed.sgv", "--no-timing"], 2, 10, quick)


def bench_reach_e2e_row(quick: bool) -> Any:
    """13. `sgverify reach` (the whole matrix, text) over the estate."""
    _, groups, _ = inventory(quick)
    return _own_row(f"13. reach matrix, {_size(quick)} + {groups:,} instances, whole command",
                    [*_sgverify(), "reach", "inv.sgv", "--no-timing"], 1, 20, quick)


def bench_check_e2e_row(quick: bool) -> Any:
    """14. `sgverify check` of 1,000 assertions over the estate (a spec including it)."""
    return _own_row(f"14. check of 1,000 assertions over {_size(quick)}, whole command",
                    [*_sgverify(), "check", "checks.sgv", "--no-cache", "-q"], 1, 15, quick)


GROWTH_COMMANDS = {
    "import": ["import", "json", "--output", os.devnull],
    "audit": ["audit", "inv.sgv", "--no-matrix", "--no-timing"],
    "lint": ["lint", "json", "--no-timing"],
    "export": ["export", "--format", "aliyun", "inv.sgv", "--output", os.devnull],
    "diff": ["diff", "inv.sgv", "changed.sgv", "--no-timing"],
    "reach": ["reach", "inv.sgv", "--no-timing"],
    "check": ["check", "checks.sgv", "--no-cache", "-q"],
}


def bench_growth_e2e_row(quick: bool) -> Any:
    """15. Growth of whole commands: the fitted exponent of CPU time against rules."""
    from run import Row, _fit_exponent
    sizes = [(10, 50), (20, 50), (40, 50)] if quick else [(100, 200), (300, 200), (1000, 200)]
    rules = [float(g * r) for g, r in sizes]
    figures: dict[str, list[float]] = {name: [] for name in GROWTH_COMMANDS}
    for groups, per in sizes:
        tmp = estate(groups, per)
        for name, args in GROWTH_COMMANDS.items():
            figures[name].append(measure([*_sgverify(), *args], tmp)["cpu"])
    exps = {name: _fit_exponent(rules, ys) for name, ys in figures.items()}
    worst = max(exps.values())
    row = Row("15. Growth of whole commands: rules " + " / ".join(f"{g * r:,}" for g, r in sizes),
              ", ".join(f"{n} {k:.2f}" for n, k in exps.items()), "", f"worst exponent {worst:.2f}",
              "<= 1.1 each", "n/a (--quick sizes)" if quick else
              ("yes" if worst <= 1.1 else "no: " + ", ".join(n for n, k in exps.items() if k > 1.1)))
    for name, ys in figures.items():
        row.notes.append(f"{name}: " + " / ".join(f"{y:.1f}" for y in ys) + " s CPU")
    row.notes.append(_reach_in_rules(quick))
    return row


def _reach_in_rules(quick: bool) -> str:
    """Reach's growth in rules alone: the same interfaces, more rules a group. The growth
    row's estates add interfaces with the rules, and the matrix has a cell per pair of
    interfaces, so there it grows with their square whatever the engine does."""
    from run import _fit_exponent
    groups, per = (20, [25, 50, 100]) if quick else (300, [50, 100, 200])
    ys = [measure([*_sgverify(), *GROWTH_COMMANDS["reach"]], estate(groups, r))["cpu"] for r in per]
    k = _fit_exponent([float(groups * r) for r in per], ys)
    return (f"reach at a fixed {groups:,} groups + {groups:,} instances, " + " / ".join(map(str, per))
            + f" rules a group: exponent {k:.2f} (" + " / ".join(f"{y:.1f}" for y in ys)
            + " s CPU); the estates above add interfaces with the rules, and the matrix has one "
              "cell per pair of interfaces")
