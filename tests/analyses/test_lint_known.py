"""An interface leaves unexplained what its groups show alone (``shadow.Known``: lint
analyses the groups first): the same report as when every interface explains everything,
with fewer dead rules explained, on seeded synthetic fleets and the audit fixture, in one
process and with workers."""

from __future__ import annotations

import pytest

from benchmarks.synthetic import Shape, generate, to_policy
from sgverify.analyses.lint import lint as lint_module
from sgverify.analyses.lint import shadow
from sgverify.analyses.lint.lint import LintReport, lint_policy
from sgverify.api import load_policy
from sgverify.core.model import Policy
from tests.support.paths import TESTS


def _fleets() -> list[tuple[str, Policy]]:
    out = [(f"synthetic-{seed}", to_policy(generate(Shape(groups=16, rules_per_group=24,
                                                          instances=40, seed=seed))))
           for seed in (1, 2, 3)]
    rep = load_policy(str(TESTS / "fixtures" / "audit" / "fleet.sgv"))
    assert rep.policy is not None
    return out + [("fleet.sgv", rep.policy)]


FLEETS = _fleets()


def _explained(policy: Policy, monkeypatch: pytest.MonkeyPatch, jobs: int) -> tuple[LintReport, int]:
    """The report, and how many dead rules the analysis explained."""
    calls = [0]
    real = shadow._dead

    def counted(*args: object) -> object:
        calls[0] += 1
        return real(*args)  # type: ignore[arg-type]
    with monkeypatch.context() as m:
        m.setattr(shadow, "_dead", counted)
        report = lint_policy(policy, jobs=jobs)
    return report, calls[0]


@pytest.mark.parametrize("name,policy", FLEETS, ids=[n for n, _ in FLEETS])
def test_known_findings_change_no_report(name: str, policy: Policy,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    known, explained = _explained(policy, monkeypatch, jobs=1)
    with monkeypatch.context() as m:
        m.setattr(lint_module, "_known", lambda scope, alone: None)  # explain everything
        everything, all_explained = _explained(policy, monkeypatch, jobs=1)
    assert known == everything
    assert known.findings
    if name.startswith("synthetic"):  # their instances pool groups with dead rules
        assert explained < all_explained


@pytest.mark.parametrize("name,policy", FLEETS[:1], ids=[n for n, _ in FLEETS[:1]])
def test_workers_pass_what_groups_show_to_the_interfaces(name: str, policy: Policy) -> None:
    one, two = lint_policy(policy, jobs=1), lint_policy(policy, jobs=2)
    assert one == two
    assert any(f.scope.startswith("instance ") for f in one.findings)
    assert any("not redundant on instance" in d for f in one.findings for d in f.details)
