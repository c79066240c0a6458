"""The language server's latency (issue 17): the time from an edit sent to ``sgverify lsp``
to the verdicts published for it, on every bundled spec (specs/scenarios) and on one
interface with 1,000 rules (generate.single_interface). The server runs as an editor
runs it (a subprocess over stdio, tests/support/lsp_client.py) with no debounce, a
change budget large enough for every verdict, lint on, and the result cache off. Each
edit adds a comment line (the text changes, so nothing is reused from the last check).
Verdicts are published before lint runs; the figure is the time to the verdicts, and
lint's own time is printed beside it. Prints figures only; targets (issue 17): <= 200 ms per bundled spec, <= 1 s for 1,000 rules.

    python benchmarks/bench_lsp.py [--repeat 5] [--no-lint]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402
from tests.support.lsp_client import LspClient  # noqa: E402


def change_to_verdicts(client: LspClient, path: Path,
                       repeat: int) -> tuple[float, float, int, float]:
    """(median, worst) seconds from a change to its verdicts published, the number of
    verdicts and the last lint's seconds; the first check (on open) is not counted."""
    text = path.read_text()
    client.checked(path, client.open(path), timeout=600)
    times = []
    verdicts = 0
    lint = 0.0
    for n in range(repeat):
        start = time.perf_counter()
        mark = client.change(path, text + f"# edit {n}\n")
        done = client.checked(path, mark, timeout=600, final=False)
        times.append(time.perf_counter() - start)
        lint = client.checked(path, mark, timeout=600)["params"]["lintElapsed"]  # before the next
        assert done["params"]["complete"], done
        verdicts = sum(done["params"]["verdicts"].values())
    client.notify("textDocument/didClose", {"textDocument": {"uri": path.resolve().as_uri()}})
    return statistics.median(times), max(times), verdicts, lint


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5, help="edits per spec (default 5)")
    p.add_argument("--no-lint", action="store_true", help="verdicts only (lint off)")
    p.add_argument("--rules", type=int, default=1000, help="rules of the large spec")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sgverify.toml").write_text("")
        shutil.copytree(ROOT / "specs", root / "specs")
        big = root / f"interface-{a.rules}.sgv"
        big.write_text(generate.single_interface(a.rules))
        client = LspClient(root, {"debounceMs": 0, "changeBudgetMs": 600_000,
                                  "lint": not a.no_lint, "cache": False})
        try:
            print(f"| spec | verdicts | change -> verdicts, median | worst of {a.repeat} | "
                  "then lint |")
            print("| --- | ---: | ---: | ---: | ---: |")
            medians = []
            for spec in sorted((root / "specs").rglob("*.sgv")) + [big]:
                med, worst, n, lint = change_to_verdicts(client, spec, a.repeat)
                if spec != big:
                    medians.append(med)
                print(f"| {spec.relative_to(root)} | {n} | {med * 1000:.0f} ms | "
                      f"{worst * 1000:.0f} ms | {lint * 1000:.0f} ms |", flush=True)
            print(f"\nbundled specs: median of medians {statistics.median(medians) * 1000:.0f} ms, "
                  f"slowest {max(medians) * 1000:.0f} ms (target <= 200 ms); "
                  f"{a.rules} rules: see its row (target <= 1 s)")
        finally:
            client.close()


if __name__ == "__main__":
    main()
