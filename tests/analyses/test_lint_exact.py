"""Lint's dead, redundant and tied rules, found exactly with boxes and confirmed by one Z3
check per direction, against the previous computation (``lint_oracle``: redundancy by
example flows and a box search on the narrowed interface, every claim confirmed by its own
Z3 check): the same findings, with the same code, message, span, evidence and details, on
random small interfaces; and a false claim is still refused by Z3."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.analyses.lint import confirm as confirm_module
from sgverify.analyses.lint import shadow
from sgverify.analyses.lint.shadow import Scope, analyse, layout_for
from sgverify.core.diagnostics import InternalError
from sgverify.core.model import Action, Direction, Semantics, Target
from sgverify.engines.boxes.intervals import Budget
from tests.analyses import lint_oracle
from tests.support.helpers import policy
from tests.support.strategies import semantics, targets

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _both(t: Target, sem: Semantics) -> tuple[shadow.ShadowResult, lint_oracle.ShadowResult]:
    scope = Scope("group t", t)
    return (analyse(scope, sem, Budget(1_000_000), None),
            lint_oracle.analyse(scope, sem, Budget(1_000_000), None))


@SETTINGS
@given(t=targets(max_rules=7), sem=semantics)
def test_exact_findings_equal_the_z3_confirmed_ones(t: Target, sem: Semantics) -> None:
    new, old = _both(t, sem)
    for name in ("dead", "redundant", "ties"):
        a, b = getattr(new, name), getattr(old, name)
        assert (list(a) if name != "dead" else sorted(a)) == (list(b) if name != "dead" else sorted(b))
        for key in b:
            assert a[key] == b[key], (name, key)


@st.composite
def overlapping(draw: st.DrawFn) -> Target:
    """Interfaces whose rules overlap often: each rule a copy of an earlier one with its
    action, priority or ports changed, so that dead, redundant and tied rules are common."""
    t = draw(targets(max_rules=4))
    groups = list(t.groups)
    for gi, g in enumerate(groups):
        rules = list(g.rules)
        for _ in range(draw(st.integers(0, 4))):
            pool = [r for x in groups for r in x.rules if x.network is g.network] + rules
            if not pool:
                break
            r = draw(st.sampled_from(pool))
            r = replace(r, group=g.key, group_name=g.name, index=len(rules),
                        action=draw(st.sampled_from(list(Action))),
                        priority=draw(st.integers(1, 3)))
            rules.append(r)
        groups[gi] = replace(g, rules=tuple(rules))
    return replace(t, groups=tuple(groups))


@SETTINGS
@given(t=overlapping(), sem=semantics)
def test_exact_findings_equal_the_z3_confirmed_ones_on_overlapping_rules(t: Target,
                                                                         sem: Semantics) -> None:
    new, old = _both(t, sem)
    assert sorted(new.dead) == sorted(old.dead)
    assert list(new.redundant) == list(old.redundant)
    assert list(new.ties) == list(old.ties)
    for name in ("dead", "redundant", "ties"):
        a, b = getattr(new, name), getattr(old, name)
        for key in b:
            assert a[key] == b[key], (name, key)


def _group(text: str) -> Target:
    p = policy(text)
    g = p.groups[0]
    return Target(g.name, "group", (g,), None, g.span)


def test_a_false_redundancy_claim_is_refused_by_the_batched_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """If the box engine claimed a rule redundant that is not, the one Z3 check of its
    direction is sat and the claim is named."""
    t = _group("group g { a: ingress accept tcp 22 from 10.0.0.0/8 }")
    layout = layout_for(t)
    confirm_module.confirm(layout, t, Semantics(), Direction.INGRESS, None, {}, [])
    with pytest.raises(InternalError, match="removing rule a changes nothing"):
        confirm_module.confirm(layout, t, Semantics(), Direction.INGRESS, None, {}, [0])
    with pytest.raises(InternalError, match="rule a decides nothing"):
        confirm_module.confirm(layout, t, Semantics(), Direction.INGRESS, None, {0: []}, [])


def test_true_claims_pass_the_batched_check() -> None:
    t = _group("group g { a: ingress accept tcp 22 from 10.0.0.0/8\n"
               "  b: ingress accept tcp 22 from 10.1.0.0/16\n"
               "  c: ingress accept tcp 22 from 0.0.0.0/0 }")
    result = analyse(Scope("group g", t), Semantics(), Budget(1_000_000), None)
    assert sorted(r[1] for r in result.dead) == [1]
    assert sorted(r[1] for r in result.redundant) == [0]


@settings(SETTINGS, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
@given(t=overlapping(), sem=semantics)
def test_corner_refutation_agrees_with_the_carve(t: Target, sem: Semantics,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The corner-flow refutation before the redundancy carve (``_refuted_by_points``) is
    a shortcut only: with it and without it (the carve alone), the same findings; and each
    rule it refutes, the carve finds not redundant too."""
    scope = Scope("group t", t)
    with_points = analyse(scope, sem, Budget(1_000_000), None)
    refuted: list[bool] = []
    real = shadow._refuted_by_points

    def spy(*args: object) -> bool:
        out = real(*args)  # type: ignore[arg-type]
        refuted.append(out)
        return False  # always go on to the carve
    carve_alone = shadow._redundant
    outcomes: list[bool] = []

    def redundant(*args: object, **kw: object) -> object:
        found = carve_alone(*args, **kw)  # type: ignore[arg-type]
        outcomes.append(found is None)
        return found
    with monkeypatch.context() as m:
        m.setattr(shadow, "_refuted_by_points", spy)
        m.setattr(shadow, "_redundant", redundant)
        without_points = analyse(scope, sem, Budget(1_000_000), None)
    assert with_points == without_points
    assert all(not_redundant for r, not_redundant in zip(refuted, outcomes) if r)
