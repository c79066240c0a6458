"""Long fuzzing run, on demand (not part of the test suite):

    python fuzz/fuzz_sgv.py --examples 20000          # hypothesis: .sgv text and cloud exports
    python fuzz/fuzz_sgv.py --atheris                 # coverage-guided, if atheris is installed

Every input must end in a result or a clean error (tests/fuzzing.py: survives). Failing
inputs are printed (hypothesis shrinks them) and kept in .hypothesis/ for replay.
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, os.pardir)]

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.support.fuzzing import (  # noqa: E402
    data_survives,
    generated,
    mutated,
    mutated_json,
    survives,
    token_soup,
)


def run_hypothesis(examples: int) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    @given(text=st.one_of(token_soup, mutated(), generated()))
    def prop(text: str) -> None:
        survives(text)
    prop()

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    @given(case=mutated_json())
    def data(case: tuple[str, str]) -> None:
        data_survives(*case)
    data()
    print(f"ok: {examples} .sgv inputs and {examples} cloud exports, every one ended in a "
          "result or a clean error")


def run_atheris() -> None:
    import atheris  # type: ignore[import-not-found]

    def one(data: bytes) -> None:
        survives(data.decode("utf-8", errors="replace"))
    atheris.Setup(sys.argv[:1], one)
    atheris.Fuzz()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=5000)
    p.add_argument("--atheris", action="store_true")
    a = p.parse_args()
    run_atheris() if a.atheris else run_hypothesis(a.examples)
