"""Each built-in control proves its proving fixture and refutes its violating one, with the
deciding rule the fixture names; and every verdict of the box engine is the Z3 Checker's.

Fixtures: tests/fixtures/audit/controls/SGVnnn-{proved,violated}.sgv, each with lines
``# expect: group|interface NAME proved|violated [by RULE]``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sgverify.analyses.audit.controls import BUILTIN
from sgverify.analyses.audit.run import choose_controls, run_audit
from sgverify.analyses.audit.settings import Settings
from sgverify.api import load_policy
from sgverify.core.result import Verdict
from sgverify.prove.run import Checker
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "audit" / "controls"
EXPECT = re.compile(r"^#\s*expect:\s*(group|interface)\s+(\S+)\s+(proved|violated)(?:\s+by\s+(\S+))?\s*$",
                    re.MULTILINE)


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("SGV*.sgv"))


def test_every_builtin_control_has_both_fixtures() -> None:
    names = {p.stem for p in fixture_files()}
    for c in BUILTIN:
        assert f"{c.id}-proved" in names and f"{c.id}-violated" in names, c.id
    assert len(BUILTIN) >= 10


def test_controls_have_ids_severities_and_rationales() -> None:
    ids = [c.id for c in BUILTIN]
    assert len(set(ids)) == len(ids)
    for c in BUILTIN:
        assert re.fullmatch(r"SGV\d{3}", c.id)
        assert c.severity in ("low", "medium", "high", "critical")
        assert c.rationale and c.title and c.templates


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.stem)
def test_control_fixture(path: Path) -> None:
    control_id, kind = path.stem.split("-")
    rep = load_policy(str(path))
    assert rep.policy is not None, [d.message for d in rep.diagnostics]
    controls, _ = choose_controls(Settings(), only=[control_id])
    audit = run_audit(rep.policy, controls, Settings())
    expected = EXPECT.findall(path.read_text())
    assert expected, f"{path.name} has no '# expect:' line"
    by_subject = {(r.subject.kind, r.subject.name): r for r in audit.results}
    for skind, name, status, rule in expected:
        r = by_subject[(skind, name)]
        assert r.verdict.value == status, (name, r.shown.summary, r.shown.flow)
        if status == "violated":
            dec = r.shown.evidence[0].decision
            shown = dec.rule.name if dec.rule is not None else dec.reason.value
            assert shown == (rule or shown), (name, shown)
            assert r.shown.flow is not None
    if kind == "proved":
        assert any(s == "proved" for _, _, s, _ in expected)
    else:
        assert any(s == "violated" for _, _, s, _ in expected)
    # The same verdicts from Z3, assertion by assertion (SGV109 is not a language assertion).
    checker = Checker(rep.policy)
    for r in audit.results:
        if r.control.kind != "assert":
            continue
        for res in r.results:
            z = checker.run(res.assertion)
            assert z.verdict is res.verdict, (res.assertion.text, z.summary, res.summary)


def test_split_cidrs_are_caught_and_priorities_honoured() -> None:
    """prior-art.md 4.4: the regression cases the rule-by-rule linters get wrong."""
    violated = load_policy(str(FIXTURES / "SGV101-violated.sgv")).policy
    proved = load_policy(str(FIXTURES / "SGV101-proved.sgv")).policy
    assert violated is not None and proved is not None
    controls, _ = choose_controls(Settings(), only=["ssh-internet"])
    split = next(r for r in run_audit(violated, controls, Settings()).results
                 if r.subject.name == "split")
    assert split.verdict is Verdict.VIOLATED
    assert str(split.shown.flow).startswith("ingress tcp 1.0.0.1:")
    verdicts = {str(r.subject): r.verdict for r in run_audit(proved, controls, Settings()).results}
    assert verdicts["group shadowed"] is Verdict.PROVED   # accept shadowed by a stronger drop
    assert verdicts["group tie"] is Verdict.PROVED        # drop wins a tie at one priority
    assert verdicts["group wide"] is Verdict.VIOLATED     # alone, the group is open...
    assert verdicts["interface pooled"] is Verdict.PROVED  # ...pooled with a guard group, not
