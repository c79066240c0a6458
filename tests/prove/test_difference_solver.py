"""The diff's independent check asks Z3's general solver (``make_solver(logic=None)``)
instead of its QF_BV one: on random pairs of interfaces (edited or unrelated), each of the
four questions of ``_z3_confirm`` about the box engine's answer, and the question whether
the two interfaces differ at all, gets the same answer from both."""

from __future__ import annotations

import z3
from hypothesis import given

from sgverify.engines.z3.encode import SymFlow, accepted, single_view
from sgverify.engines.z3.encode import well_formed as z3_well_formed
from sgverify.engines.z3.solve import make_solver, require
from sgverify.prove.difference import Unit, box_formula, diff_unit
from tests.analyses.test_diff_properties import SETTINGS, pairs
from tests.support.strategies import semantics


@SETTINGS
@given(pair=pairs(), sem=semantics)
def test_the_general_solver_answers_as_the_qf_bv_one(pair, sem) -> None:  # type: ignore[no-untyped-def]
    old, new = pair
    ud = diff_unit(Unit("group", "t", old, new), sem, sem, confirm=False)
    assert ud.completed, ud.problem
    layout = ud.layout
    f = SymFlow(universe=frozenset(layout.keys) if layout is not None else frozenset())
    view = single_view(f)
    acc_old = z3.And(z3_well_formed(old, f), accepted(old, view, sem))
    acc_new = z3.And(z3_well_formed(new, f), accepted(new, view, sem))
    gained, lost = z3.And(acc_new, z3.Not(acc_old)), z3.And(acc_old, z3.Not(acc_new))
    boxes = [box_formula(layout, b.box, f) for b in ud.boxes] if layout is not None else []
    # Half of the reported boxes, so that some questions are satisfiable.
    some = z3.Or(boxes[: len(boxes) // 2] or [z3.BoolVal(False)])
    questions = [acc_old != acc_new, z3.And(gained, z3.Not(some)), z3.And(lost, z3.Not(some)),
                 z3.And(some, z3.Not(gained)), z3.And(some, z3.Not(lost))]
    for logic in ("QF_BV", None):
        s = make_solver(10_000, logic=logic)
        for i, q in enumerate(questions):
            s.add(z3.Implies(z3.Bool(f"q!{i}"), q))
        answers = [require(s, z3.Bool(f"q!{i}")) for i in range(len(questions))]
        if logic == "QF_BV":
            expected = answers
        else:
            assert answers == expected
    assert expected[0] == bool(ud.boxes)
