"""The diff against the evaluator on random policy pairs: a sampled flow lies in a newly
allowed (denied) box exactly when NEW accepts and OLD drops it (the reverse), whatever the
flow; and lint's dead and redundant findings hold for sampled flows."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.prove.difference import Unit, diff_unit
from sgverify.analyses.lint.shadow import Scope, analyse, rule_id, without
from sgverify.core.evaluate import decide
from sgverify.core.flow import Flow, flow_problem
from sgverify.core.model import Action, Semantics, Target
from sgverify.engines.boxes.intervals import Budget
from sgverify.engines.boxes.merge import in_box
from tests.support.strategies import flows, semantics, targets

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def accepts(t: Target, sem: Semantics, f: Flow) -> bool:
    return flow_problem(f, t) is None and decide(t, f, sem, {}).accepted


@st.composite
def mutated(draw: st.DrawFn, t: Target) -> Target:
    """NEW from OLD: a rule removed, its action or priority changed, or a rule of another
    random target added (the small edits a change review sees)."""
    groups = list(t.groups)
    i = draw(st.integers(0, len(groups) - 1))
    g = groups[i]
    rules = list(g.rules)
    edit = draw(st.sampled_from(["drop", "flip", "priority", "add"]))
    if rules and edit != "add":
        j = draw(st.integers(0, len(rules) - 1))
        r = rules[j]
        if edit == "drop":
            del rules[j]
        elif edit == "flip":
            rules[j] = replace(r, action=Action.DROP if r.action is Action.ACCEPT else Action.ACCEPT)
        else:
            rules[j] = replace(r, priority=draw(st.integers(1, 4)))
    else:
        other = draw(targets(max_rules=3))
        extra = [replace(r, group=g.key, group_name=g.name, index=len(rules) + k)
                 for k, r in enumerate(r for og in other.groups for r in og.rules
                                       if (og.network is g.network))]
        rules += extra[:2]
    groups[i] = replace(g, rules=tuple(rules))
    return replace(t, groups=tuple(groups))


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Target, Target]:
    old = draw(targets(max_rules=4))
    if draw(st.integers(0, 3)) == 0:
        return old, draw(targets(max_rules=4))
    return old, draw(mutated(old))


@SETTINGS
@given(pair=pairs(), sems=st.tuples(semantics, semantics), same_sem=st.booleans(), data=st.data())
def test_diff_boxes_are_exactly_the_differing_flows(pair, sems, same_sem, data) -> None:
    old, new = pair
    sem_old, sem_new = (sems[0], sems[0]) if same_sem else sems
    result = diff_unit(Unit("group", "t", old, new), sem_old, sem_new)
    assert result.completed, result.problem
    layout = result.layout
    for _ in range(25):
        f = data.draw(st.one_of(flows(old), flows(new)))
        gained = accepts(new, sem_new, f) and not accepts(old, sem_old, f)
        lost = accepts(old, sem_old, f) and not accepts(new, sem_new, f)
        assert any(in_box(layout, b.box, f, {}) for b in result.newly_allowed) == gained, str(f)
        assert any(in_box(layout, b.box, f, {}) for b in result.newly_denied) == lost, str(f)
    for b in result.boxes:  # the witnesses really differ as claimed
        assert accepts(new, sem_new, b.witness) == (b.change == "newly allowed")
        assert accepts(old, sem_old, b.witness) == (b.change == "newly denied")


@SETTINGS
@given(t=targets(max_rules=6), sem=semantics, data=st.data())
def test_lint_dead_and_redundant_rules_hold_on_sampled_flows(t, sem, data) -> None:
    result = analyse(Scope("t", t), sem, Budget(1_000_000), None)
    rules = {rule_id(r): r for g in t.groups for r in g.rules}
    for _ in range(25):
        f = data.draw(flows(t))
        if flow_problem(f, t) is not None:
            continue
        dec = decide(t, f, sem, {})
        if dec.rule is not None:
            assert rule_id(dec.rule) not in result.dead, (dec.rule.name, str(f))
        for rid in result.redundant:
            assert decide(without(t, rules[rid]), f, sem, {}).accepted == dec.accepted, (rid, str(f))


def _differ(a: Target, b: Target, direction, sem: Semantics) -> bool:
    """Whole decisions of two versions of an interface, compared by Z3 (the encoder's
    ``decision``): is there a possible flow of ``direction`` they decide differently?"""
    import z3

    from sgverify.analyses.lint.shadow import layout_for
    from sgverify.core.model import Direction
    from sgverify.engines.z3.encode import SymFlow, decision, single_view, well_formed
    f = SymFlow(universe=frozenset(layout_for(a).keys) | frozenset(layout_for(b).keys))
    view = single_view(f)
    s = z3.SolverFor("QF_BV")
    s.add(well_formed(a, f), f.ingress if direction is Direction.INGRESS else z3.Not(f.ingress),
          decision(a, direction, view, sem) != decision(b, direction, view, sem))
    outcome = s.check()
    assert outcome != z3.unknown
    return outcome == z3.sat


@SETTINGS
@given(t=targets(max_rules=6), sem=semantics)
def test_lint_dead_and_redundant_rules_against_whole_decisions(t, sem) -> None:
    """Exactly the dead rules are those whose action, with the rules after them removed,
    changes no verdict; removing a redundant rule changes no verdict (both by comparing the
    encoder's whole decisions, as lint did before it confirmed rule by rule)."""
    from sgverify.core.model import Direction
    result = analyse(Scope("t", t), sem, Budget(1_000_000), None)
    for direction in Direction:
        ordered = t.rules(direction)
        for i, r in enumerate(ordered):
            keep = {id(x) for x in ordered[:i]}
            variants = []
            for action in (Action.ACCEPT, Action.DROP):
                last = replace(r, action=action, priority=max(x.priority for x in ordered[:i + 1]) + 1)
                groups = tuple(replace(g, rules=tuple(x for x in g.rules if x.direction is direction
                                                      and id(x) in keep)
                                       + ((last,) if g.key == r.group else ()))
                               for g in t.groups)
                variants.append(replace(t, groups=groups))
            dead = not _differ(variants[0], variants[1], direction, sem)
            assert (rule_id(r) in result.dead) == dead, (r.name, dead)
            if rule_id(r) in result.redundant:
                assert not _differ(t, without(t, r), direction, sem), r.name
