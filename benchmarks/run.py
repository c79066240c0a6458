"""Benchmarks: each figure is measured side by side with a baseline in the same run, and
printed as a ratio so that the noise of a shared machine cancels.

    python benchmarks/run.py            # every benchmark (several minutes)
    python benchmarks/run.py --quick    # small sizes, a smoke run of the harness
    python benchmarks/run.py --only gate,interface --write   # update benchmarks/README.md
    python benchmarks/run.py --large --only audit-e2e,lint   # 10,000 groups x 200 rules

Benchmarks whose feature is not available print 'n/a' with the reason.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402


@dataclass
class Row:
    name: str
    figure: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""
    notes: list[str] = field(default_factory=list)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("SGVERIFY_NO_CACHE", "SGVERIFY_CACHE_DIR"):  # each benchmark says what it wants
        env.pop(name, None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _wall(cmd: list[str], cwd: Path = ROOT) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1, 3):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def bench_gate(quick: bool) -> Row:
    """1. `sgverify check specs/` against the floor `python -c "import z3, lark"`: as a
    developer re-runs it (unchanged files reuse their results), after editing one file,
    and with every proof made again (--no-cache, as on a clean CI clone)."""
    runs = 3 if quick else 7
    timings: dict[str, list[float]] = {"unchanged": [], "one edited": [], "cold": [], "floor": []}
    check = [sys.executable, "-m", "sgverify", "check", "specs/", "-q"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "specs", work / "specs")
        (work / "pyproject.toml").write_text("")
        edited = sorted((work / "specs").rglob("*.sgv"))[0]
        original = edited.read_text()
        _wall(check, work)  # fills the cache (and the OS file cache)
        for n in range(runs):  # alternate so that load changes hit every variant alike
            timings["unchanged"].append(_wall(check, work))
            edited.write_text(original + f"# edit {n}\n")
            timings["one edited"].append(_wall(check, work))
            timings["cold"].append(_wall(check + ["--no-cache"], work))
            timings["floor"].append(_wall([sys.executable, "-c", "import z3, lark"], work))
    m = {k: statistics.median(v) for k, v in timings.items()}
    f = m["floor"]
    row = Row("1. CLI gate: check specs/ (15 files, 62 assertions) vs import z3, lark",
              f"{m['unchanged']:.3f} s", f"{f:.3f} s", f"{m['unchanged'] / f:.1f}x", "<= 1.5x",
              "yes (unchanged files)" if m["unchanged"] / f <= 1.5 else "no")
    row.notes.append(f"one file edited (1 of 15 checked again): {m['one edited']:.3f} s, "
                     f"{m['one edited'] / f:.1f}x the floor; every proof made again "
                     f"(--no-cache, a clean CI clone): {m['cold']:.3f} s, {m['cold'] / f:.1f}x")
    return row


def bench_interface(quick: bool) -> Row:
    """2. One interface, 1,000 rules, 20 assertions: time per assertion after loading."""
    import baseline

    from sgverify.api import load_policy
    from sgverify.core.result import Verdict
    from sgverify.prove.run import Checker

    rules = 200 if quick else 1000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.sgv"
        path.write_text(generate.single_interface(rules, seed=1))
        rep = load_policy(str(path), root=tmp)
    assert rep.policy is not None, rep.diagnostics
    checker = Checker(rep.policy)
    ours, base, proved_t = [], [], []
    disagreements = 0
    for a in rep.policy.assertions:
        t = time.perf_counter()
        r = checker.run(a)
        ours.append(time.perf_counter() - t)
        if r.verdict is Verdict.PROVED:
            proved_t.append(ours[-1])
        t = time.perf_counter()
        holds = baseline.check(a, rep.policy.semantics)
        base.append(time.perf_counter() - t)
        disagreements += holds != (r.verdict is Verdict.PROVED)
    o, b = statistics.median(ours), statistics.median(base)
    row = Row(f"2. One interface, {rules} rules, {len(ours)} assertions (median per assertion)",
              f"{o * 1000:.1f} ms", f"{b * 1000:.1f} ms", f"{b / o:.1f}x faster",
              "<= 10 ms; >= 10x", "yes" if o <= 0.010 and b / o >= 10 else "no")
    row.notes.append(f"{len(proved_t)} proved (median {statistics.median(proved_t) * 1000:.1f} ms), "
                     f"{len(ours) - len(proved_t)} violated with canonical counterexample and replay"
                     if proved_t else "all violated")
    row.notes.append(f"first assertion (encoding included): {ours[0] * 1000:.0f} ms; "
                     f"verdicts differing from the baseline: {disagreements}")
    if disagreements:
        raise AssertionError("the baseline and sgverify disagree on a verdict")
    return row


def _fit_exponent(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-6)) for y in ys]
    mx, my = statistics.mean(lx), statistics.mean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def bench_growth(quick: bool) -> Row:
    """7. Time vs rules for one interface: load, encode and prove/refute one assertion."""
    from sgverify.api import load_policy
    from sgverify.prove.run import Checker

    sizes = [100, 1000] if quick else [100, 1_000, 10_000, 100_000]
    loads, checks = [], []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "g.sgv"
            path.write_text(generate.single_interface(n, seed=2, assertions=1))
            t = time.perf_counter()
            rep = load_policy(str(path), root=tmp)
            loads.append(time.perf_counter() - t)
        assert rep.policy is not None
        t = time.perf_counter()
        Checker(rep.policy).run(rep.policy.assertions[0])
        checks.append(time.perf_counter() - t)
    totals = [a + b for a, b in zip(loads, checks)]
    k = _fit_exponent([float(s) for s in sizes], totals)
    row = Row("7. Growth: rules " + " / ".join(f"{s:,}" for s in sizes),
              " / ".join(f"{t:.2f} s" for t in totals), "", f"exponent {k:.2f}", "close to 1",
              "yes" if k <= 1.2 else "no")
    row.notes.append("load (parse, resolve): " + " / ".join(f"{t:.2f}" for t in loads) +
                     " s; check one assertion: " + " / ".join(f"{t:.2f}" for t in checks) + " s")
    return row


def _optional(name: str, module: str, attr: str) -> Callable[[bool], Row]:
    def run(quick: bool) -> Row:
        try:
            mod = __import__(module, fromlist=[attr])
            fn = getattr(mod, attr)
        except (ImportError, AttributeError) as exc:
            return Row(name, "n/a", notes=[f"not available: {exc}"])
        return fn(quick)
    return run


BENCHMARKS: dict[str, Callable[[bool], Row]] = {
    "gate": bench_gate,
    "interface": bench_interface,
    "audit": _optional("3. Audit: 1,000 groups x 200 rules, 10 controls", "bench_fleet", "bench_audit_row"),
    "reach": _optional("4. Reachability matrix, 1,000 groups", "bench_fleet", "bench_reach_row"),
    "diff": _optional("5. Exact diff, two 1,000-rule interfaces, 10 rules apart", "bench_diff", "bench_diff_row"),
    "flows": _optional("6. explain --flows: 100,000 varied flows, 1,000 rules", "bench_flows", "bench_flows_row"),
    "growth": bench_growth,
    # whole commands as a user runs them, reading included (issue 14; bench_e2e.py)
    "read": _optional("8. Reading API JSON, whole command", "bench_e2e", "bench_read_row"),
    "lint": _optional("9. lint, whole command", "bench_e2e", "bench_lint_row"),
    "audit-e2e": _optional("10. audit, whole command", "bench_e2e", "bench_audit_e2e_row"),
    "export": _optional("11. export, whole command", "bench_e2e", "bench_export_row"),
    "diff-e2e": _optional("12. diff of two estates, whole command", "bench_e2e",
                          "bench_diff_e2e_row"),
    "reach-e2e": _optional("13. reach matrix, whole command", "bench_e2e", "bench_reach_e2e_row"),
    "check-e2e": _optional("14. check of 1,000 assertions, whole command", "bench_e2e",
                           "bench_check_e2e_row"),
    "growth-e2e": _optional("15. Growth of whole commands", "bench_e2e", "bench_growth_e2e_row"),
}


def machine() -> str:
    import z3
    cpu = platform.processor() or platform.machine()
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
            f"Python {platform.python_version()}, z3 {z3.get_version_string()}")


def table(rows: list[Row]) -> str:
    out = ["| benchmark | sgverify | baseline | ratio | target | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r.name} | {r.figure} | {r.baseline} | {r.ratio} | {r.target} | {r.met} |")
    notes = [f"- {r.name.split(' ', 1)[0]} {n}" for r in rows for n in r.notes]
    return "\n".join(out + ([""] + notes if notes else []))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="sgverify benchmarks")
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    p.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    p.add_argument("--write", action="store_true", help="store the table in benchmarks/README.md")
    p.add_argument("--large", action="store_true",
                   help="audit and lint rows on 10,000 groups x 200 rules (minutes, GBs)")
    a = p.parse_args(argv)
    if a.large:
        os.environ["SGVERIFY_BENCH_LARGE"] = "1"  # read by bench_e2e's audit and lint rows
    names = a.only.split(",") if a.only else list(BENCHMARKS)
    rows = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.append(BENCHMARKS[name](a.quick))
    text = f"Machine: {machine()}\nDate: {time.strftime('%Y-%m-%d')}\n\n{table(rows)}\n"
    print(text)
    if a.write:
        readme = HERE / "README.md"
        marker = "<!-- results -->"
        body = readme.read_text()
        head = body.split(marker)[0]
        readme.write_text(head + marker + "\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
