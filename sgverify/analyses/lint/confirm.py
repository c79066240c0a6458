"""Z3's confirmation of the dead and redundant rules the box engine found on one direction of
an interface: one encoding and one check for all of them together.

From the encoder's pieces of the decision (``encode.decision_pieces``): with flows possible
on the interface in that direction that nothing decides before the rules (no intra-group
override, no platform block), reach[i] says no rule before position i matches, and then[i]
is the verdict the rules from position i on give (rule i if it matches, else then[i+1],
else the fallback). A dead rule i comes with its cover, earlier rules the box engine found
take everything it matches: it decides nothing when match[i] holds on no flow that the
cover misses (which implies that reach[i] and match[i] cannot hold together, and is a much
smaller question than the chain before it). Removing rule i changes no verdict when
reach[i], match[i] and then[i+1] differing from its action cannot hold together. The check
asks for a flow that breaks any one claim, or on which the rule-by-rule decision differs
from the encoder's whole ``decision``: unsat confirms every claim at once. Only when it is
sat are the claims asked one by one, to say which failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import z3  # type: ignore[import-untyped]

from ...core.diagnostics import InternalError
from ...core.model import Action, Direction, Rule, Semantics, Target
from ...engines.boxes.certify import Layout
from ...engines.z3.decision import DecisionText
from ...engines.z3.encode import SymFlow, decision, decision_pieces, single_view
from ...engines.z3.encode import well_formed as z3_well_formed
from ...engines.z3.solve import SolverAnswer, SolverUnknown, check, make_solver


def confirm(layout: Layout, t: Target, sem: Semantics, direction: Direction,
            timeout_ms: int | None, dead: Mapping[int, Sequence[int]],
            redundant: Sequence[int]) -> None:
    """Confirm that each rule whose position in ``t.rules(direction)`` is a key of ``dead``
    decides nothing, because the rules at the earlier positions it maps to (its cover)
    match everything it matches, and that removing any one of those at ``redundant``
    changes no verdict. Raises InternalError naming the first claim Z3 refutes,
    SolverUnknown when it cannot tell.

    The formulas are written as SMT-LIB text with one definition per rule and parsed in
    one call (``engines.z3.decision``): through the Python API the same terms cost about
    ten times as much, more than the check itself."""
    if not dead and not redundant:
        return
    f = SymFlow(universe=frozenset(layout.keys))
    view = single_view(f)
    w = DecisionText(view.flow, view.peer4, view.peer6, view.local4, view.local6,
                     view.member, view.atom)
    rules = t.rules(direction)
    _earlier(rules, dead)
    n = len(rules)
    defs = [f"(define-fun |lint.m{i}| () Bool {w.rule(r)})" for i, r in enumerate(rules)]
    override = w.shared_open(t) if sem.intra_group == "override" else "false"
    blocked = w.blocked() if sem.block_tcp25 and direction is Direction.EGRESS else "false"
    defs.append(f"(define-fun |lint.t{n}| () Bool {w.fallback(t, direction)})")
    acts = ["true" if r.action is Action.ACCEPT else "false" for r in rules]
    for i in range(n - 1, -1, -1):
        defs.append(f"(define-fun |lint.t{i}| () Bool (ite |lint.m{i}| {acts[i]} |lint.t{i + 1}|))")
    defs.append("(define-fun |lint.r0| () Bool true)")
    for i in range(1, max(redundant, default=0) + 1):  # reach: only the redundant claims ask
        defs.append(f"(define-fun |lint.r{i}| () Bool (and |lint.r{i - 1}| (not |lint.m{i - 1}|)))")
    whole = f"(and (not {blocked}) (or {override} |lint.t0|))"
    claims = [f"(and |lint.m{i}| {' '.join(f'(not |lint.m{c}|)' for c in cover)})" if cover
              else f"|lint.m{i}|" for i, cover in dead.items()]
    claims += [f"(and |lint.r{i}| |lint.m{i}| (not (= |lint.t{i + 1}| {acts[i]})))"
               for i in redundant]
    query = (f"(or (not (= {whole} {w.decision(t, direction, sem)})) "
             f"(and (not {override}) (not {blocked}) (or {' '.join(claims)})))")
    decls = [f"(declare-fun {name} () {'Bool' if z3.is_bool(term) else f'(_ BitVec {term.size()})'})"
             for name, term in sorted(w.used.items())]
    parsed = z3.parse_smt2_string("\n".join(decls + defs + [f"(assert {query})"]))
    s = make_solver(timeout_ms)
    s.add(z3_well_formed(t, f), f.ingress if direction is Direction.INGRESS else z3.Not(f.ingress))
    if _holds(s, parsed[0]):
        _by_claims(layout, t, sem, direction, timeout_ms, dead, redundant)


def _earlier(rules: Sequence[Rule], dead: Mapping[int, Sequence[int]]) -> None:
    """A cover holds only rules before the one it covers (else it would prove nothing)."""
    for i, cover in dead.items():
        if any(not 0 <= c < i for c in cover):
            raise InternalError(f"the cover of rule {rules[i].name} names a rule that does not "
                                "come before it")


def _by_claims(layout: Layout, t: Target, sem: Semantics, direction: Direction,
               timeout_ms: int | None, dead: Mapping[int, Sequence[int]],
               redundant: Sequence[int]) -> None:
    """The claims asked one by one, through the Python API (only after the one check
    was sat): raises InternalError naming the one Z3 refutes."""
    f = SymFlow(universe=frozenset(layout.keys))
    view = single_view(f)
    pieces = decision_pieces(t, direction, view, sem)
    rules = t.rules(direction)
    tag = "lint.d" + direction.value
    then = [z3.Bool(f"{tag}{i}") for i in range(len(rules) + 1)]
    reach = [z3.Bool(f"{tag}r{i}") for i in range(len(rules))]
    acts = [z3.BoolVal(r.action is Action.ACCEPT) for r in rules]
    s = make_solver(timeout_ms)
    s.add(z3_well_formed(t, f), f.ingress if direction is Direction.INGRESS else z3.Not(f.ingress))
    s.add(then[-1] == pieces.fallback)
    for i, m in enumerate(pieces.matches):
        s.add(then[i] == z3.If(m, acts[i], then[i + 1]))
    if rules:
        s.add(reach[0])
    for i in range(1, len(rules)):
        s.add(reach[i] == z3.And(reach[i - 1], z3.Not(pieces.matches[i - 1])))
    whole = z3.And(z3.Not(pieces.blocked), z3.Or(pieces.override, then[0]))
    if _holds(s, whole != decision(t, direction, view, sem)):
        raise InternalError(f"the rule-by-rule decision of {t.name} ({direction.value}) differs "
                            "from the encoder's")
    before = z3.And(z3.Not(pieces.override), z3.Not(pieces.blocked))
    claims = sorted([(i, z3.And(reach[i], pieces.matches[i]), True) for i in dead] +
                    [(i, z3.And(reach[i], pieces.matches[i], then[i + 1] != acts[i]), False)
                     for i in redundant], key=lambda x: x[0])
    for i, c, is_dead in claims:
        if _holds(s, before, c):
            raise InternalError(_refuted(rules[i], t, is_dead))
    for i, cover in sorted(dead.items()):
        if _holds(s, before, pieces.matches[i], *(z3.Not(pieces.matches[c]) for c in cover)):
            raise InternalError(f"the box engine says rules {', '.join(rules[c].name for c in cover)}"
                                f" cover rule {rules[i].name} on {t.name}; Z3 finds a flow the "
                                "rule matches that none of them does")
    raise InternalError(f"Z3 refutes a finding on {t.name} ({direction.value}) as a whole "
                        "but none on its own")


def _refuted(r: Rule, t: Target, dead: bool) -> str:
    if dead:
        return (f"the box engine says rule {r.name} decides nothing on {t.name}; Z3 finds a "
                "flow it decides")
    return (f"the box engine says removing rule {r.name} changes nothing on {t.name}; Z3 "
            "finds a flow whose verdict changes")


def _holds(s: z3.Solver, *conditions: z3.BoolRef) -> bool:
    outcome = check(s, *conditions)
    if outcome is SolverAnswer.UNKNOWN:
        raise SolverUnknown(s.reason_unknown() or "unknown")
    return outcome is SolverAnswer.SAT


__all__ = ["confirm"]
