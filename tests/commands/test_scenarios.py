"""The bundled specs: every scenario spec is proved; every broken variant fails with the
counterexample and deciding rule pinned in its '# expect:' lines."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from sgverify.api import check_file
from sgverify.cli import run
from sgverify.core.result import Verdict
from tests.support.paths import ROOT

SPECS = sorted((ROOT / "specs").rglob("*.sgv"))
BROKEN = sorted((ROOT / "tests" / "fixtures" / "broken").glob("*.sgv"))
SCENARIOS = {int(p.name[:2]) for p in (ROOT / "specs" / "scenarios").glob("*.sgv")}


def test_all_eight_scenarios_have_specs() -> None:
    assert SCENARIOS == set(range(1, 9))
    broken = {int(p.name[:2]) for p in BROKEN}
    assert broken == set(range(1, 9))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spec_is_proved(path: Path) -> None:
    rep = check_file(str(path), root=str(ROOT))
    assert not [str(d) for d in rep.diagnostics], rep.diagnostics
    assert rep.results, "a spec with no assertions proves nothing"
    bad = [(r.assertion.name, r.verdict.value, r.summary, str(r.flow)) for r in rep.results
           if r.verdict is not Verdict.PROVED]
    assert not bad


def test_check_specs_folder_exit_0() -> None:
    out = io.StringIO()
    assert run(["check", str(ROOT / "specs"), "--no-timing"], out, io.StringIO()) == 0
    assert re.search(r"summary: \d+ proved, 0 violated, 0 unknown", out.getvalue())


def expectations(path: Path) -> list[dict[str, str]]:
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("# expect:"):
            words = shlex.split(line[len("# expect:"):])
            exp = {"name": words[0], "verdict": words[1]}
            for w in words[2:]:
                k, _, v = w.partition("=")
                exp[k] = v
            out.append(exp)
    return out


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_broken_variant(path: Path) -> None:
    exps = expectations(path)
    assert exps, "broken fixtures must say what they expect"
    rep = check_file(str(path), root=str(ROOT))
    assert not [d for d in rep.diagnostics if d.is_error]
    by_name = {r.assertion.name: r for r in rep.results}
    for exp in exps:
        r = by_name[exp["name"]]
        assert r.verdict.value == exp["verdict"], (exp, r.summary)
        if "flow" in exp:
            assert str(r.flow) == exp["flow"]
        if "decided-by" in exp:
            # The interface whose decision breaks the assertion: for a violated 'allowed' /
            # 'can reach' the one that drops, otherwise the one that accepts.
            blocking = [e for e in r.evidence if e.decision.accepted == ("blocked" not in r.summary
                                                                          and "dropped" not in r.summary)]
            names = {e.decision.rule.name if e.decision.rule else e.decision.reason.value
                     for e in blocking}
            assert exp["decided-by"] in names, (names, r.summary)


def test_broken_variants_exit_1() -> None:
    for path in BROKEN:
        assert run(["check", str(path)], io.StringIO(), io.StringIO()) == 1, path
