"""Benchmark: time to a proved repair with ``sgverify fix`` (issue 15).

1. One violated assertion on a 1,000-rule interface (target <= 1 s): SSH opened to
   0.0.0.0/0 among 999 other rules; the assertion says SSH is denied (from anywhere).
2. Ten violated assertions on a 200-rule group (target <= 5 s): one rule opens ten ports to
   0.0.0.0/0; one assertion per port says it is denied from the internet.

The time covers everything ``fix`` does: the first check, the candidate edits, the search
(each candidate re-proved by the checker), the exact semantic difference of every repair
of the smallest size, the proof again with the certifier and the replay of witnesses.
Figures are printed; nothing is asserted about them.

    python benchmarks/bench_fix.py [--rules 1000] [--group-rules 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]


def rules(n: int, seed: int) -> list[str]:
    """``n`` rules that never touch ports 22 or 2000-2009 nor the internet's ports below
    1024: accepts and drops of private blocks, priorities 1..100."""
    r = random.Random(seed)
    out = []
    for i in range(n):
        action = r.choice(("accept", "accept", "drop"))
        port = r.randrange(3000, 60000)
        block = f"10.{r.randrange(256)}.{r.randrange(256)}.0/24"
        proto = r.choice(("tcp", "udp"))
        out.append(f"  r{i}: ingress {action} {proto} {port}-{port + r.randrange(50)} from {block} "
                   f"priority {r.randrange(1, 101)}")
    return out


def one_violation(n: int) -> str:
    lines = ["group big (vpc, basic) {"] + rules(n - 1, 1)
    lines += ["  ssh-any: ingress accept tcp 22 from 0.0.0.0/0 priority 1", "}",
              "instance web { ip 192.168.0.10; groups big }",
              "ssh-closed: assert web: ingress tcp 22 peer-groups none is denied"]
    return "\n".join(lines) + "\n"


def ten_violations(n: int) -> str:
    lines = ["group mid (vpc, basic) {"] + rules(n - 1, 2)
    lines += ["  wide: ingress accept tcp 2000-2009 from 0.0.0.0/0 priority 5", "}",
              "instance app { ip 192.168.0.20; groups mid }"]
    lines += [f"p{p}-closed: assert app: ingress tcp {p} from internet peer-groups none is denied"
              for p in range(2000, 2010)]
    return "\n".join(lines) + "\n"


def time_fix(text: str) -> tuple[float, str, int]:
    from sgverify.analyses.fix.search import repair
    from sgverify.load import load_policy

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.sgv"
        path.write_text(text)
        policy = load_policy(str(path)).policy
        assert policy is not None
        t = time.perf_counter()
        out = repair(policy)
        elapsed = time.perf_counter() - t
    edits = len(out.repair.edits) if out.repair else 0
    return elapsed, out.status, edits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--group-rules", type=int, default=200)
    args = ap.parse_args()
    for label, text, target in (
            (f"1 violated assertion, {args.rules:,}-rule interface", one_violation(args.rules),
             "<= 1 s"),
            (f"10 violated assertions, {args.group_rules:,}-rule group",
             ten_violations(args.group_rules), "<= 5 s")):
        elapsed, status, edits = time_fix(text)
        print(f"{label}: {elapsed:.2f} s to a {status} outcome with {edits} edit(s) "
              f"(target {target})")


if __name__ == "__main__":
    main()
