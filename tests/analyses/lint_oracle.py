"""The test oracle of lint's dead, redundant and tied rules: ``analyses/lint/shadow.py`` as it was
before lint's findings were made exactly with boxes and confirmed by one Z3 check per direction
(issue 14): per rule, redundancy by example flows and a box search on the narrowed interface,
and each claim confirmed by its own incremental Z3 check. Kept unchanged, for the property
test that compares both (tests/analyses/test_lint_exact.py).

The old module text follows.

Dead, redundant and tied rules on one interface, proved with the box engine and confirmed
with Z3.

- Dead (L101): the rule decides no flow, because what comes first (higher-precedence rules,
  the intra-group Accept policy, the platform TCP 25 block) decides everything it matches,
  possibly only together; a small cover is chosen greedily, largest overlap first (as
  Batfish's blocking lines), and says whether any of it acts the other way.
- Redundant (L102): the rule decides some flows, but without it the same verdicts follow.
- Tie (L103): an accept and a drop rule of one priority both match flows that the drop
  decides (drop wins the tie).

Each claim is checked twice: by the box engine here and by Z3 from the encoder's formulas
(a dead rule: the interface cut after the rule accepts and drops exactly the same flows
whatever the rule's action; a redundant one: removing it changes no verdict). Witnesses are
replayed through the evaluator. Disagreement is an ``InternalError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import z3  # type: ignore[import-untyped]

from sgverify.analyses.lint.findings import Involved, LintFinding
from sgverify.core.addresses import INTERNET, V6
from sgverify.core.diagnostics import InternalError, Span
from sgverify.core.evaluate import Decision, decide, rule_matches
from sgverify.core.flow import Flow, flow_problem
from sgverify.core.model import (
    TCP,
    Action,
    Direction,
    GroupKey,
    GroupType,
    Rule,
    Semantics,
    Target,
)
from sgverify.engines.boxes.certify import DIR, FAMILIES, Layout, Piece, decide_region, well_formed
from sgverify.engines.boxes.certify import layout_for as targets_layout
from sgverify.engines.boxes.intervals import Box, Budget, addr_intervals, carve, point
from sgverify.engines.boxes.merge import describe, merge_boxes, volume, witness
from sgverify.engines.boxes.narrow import Narrowing
from sgverify.engines.z3.encode import SymFlow, decision, decision_pieces, single_view
from sgverify.engines.z3.encode import well_formed as z3_well_formed
from sgverify.engines.z3.solve import SolverAnswer, SolverUnknown, check, make_solver

RuleId = tuple[GroupKey, int]
REFUTE_PIECES = 4  # pieces of a rule whose example flow is tried before the redundancy search


def rule_id(rule: Rule) -> RuleId:
    return (rule.group, rule.index)


@dataclass(frozen=True)
class Scope:
    """An interface to analyse: a group on its own or an instance (groups pooled)."""

    label: str
    target: Target
    location: Span | None = None


@dataclass
class ShadowResult:
    dead: dict[RuleId, LintFinding] = field(default_factory=dict)
    redundant: dict[RuleId, LintFinding] = field(default_factory=dict)
    ties: dict[tuple[RuleId, RuleId], LintFinding] = field(default_factory=dict)


def layout_for(target: Target) -> Layout:
    """The box layout of one interface's flows (``certify.layout_for``)."""
    return targets_layout([target], ())


@dataclass(frozen=True)
class _Cand:
    """Something that decides before a rule: an earlier rule, the intra-group Accept policy
    or the platform block."""

    label: str
    boxes: tuple[Box, ...]
    accepts: bool
    rule: Rule | None = None


def analyse(scope: Scope, sem: Semantics, budget: Budget, timeout_ms: int | None) -> ShadowResult:
    """Dead, redundant and tied rules of ``scope``. Raises BudgetExceeded past the budget
    and SolverUnknown when Z3 cannot confirm in time."""
    t = scope.target
    layout = layout_for(t)
    region = well_formed(layout, t)
    narrow = Narrowing(layout, t)  # also each rule's boxes, made once for every region
    pieces = decide_region(layout, t, sem, region, budget, cutters=narrow.cutters)
    decided: dict[int, list[Piece]] = {}
    for p in pieces:
        if p.rule is not None:
            decided.setdefault(id(p.rule), []).append(p)
    out = ShadowResult()
    for direction, dbit in ((Direction.INGRESS, 0), (Direction.EGRESS, 1)):
        rules = t.rules(direction)
        dregion = [x for x in (_in_direction(b, dbit) for b in region) if x is not None]
        confirm = _Lazy(partial(Reaching, layout, t, sem, direction, timeout_ms))
        for i, r in enumerate(rules):
            if id(r) not in decided:
                if not confirm.get().decides_nothing(i):
                    raise InternalError(f"the box engine says rule {r.name} decides nothing on "
                                        f"{t.name}; Z3 finds a flow it decides")
                out.dead[rule_id(r)] = _dead(scope, layout, sem, budget, rules[:i], r, dbit,
                                             dregion, narrow.cutters)
            else:
                found = _redundant(scope, layout, sem, budget, narrow, r, decided[id(r)])
                if found is not None:
                    if not confirm.get().removable(i):
                        raise InternalError(f"the box engine says removing rule {r.name} changes "
                                            f"nothing on {t.name}; Z3 finds a flow whose verdict "
                                            "changes")
                    out.redundant[rule_id(r)] = found
        for d in rules:
            if d.action is not Action.DROP or id(d) not in decided:
                continue
            for a in rules:
                if a.action is Action.ACCEPT and a.priority == d.priority:
                    found = _tie(scope, layout, sem, budget, a, d, decided[id(d)], narrow.cutters[id(a)])
                    if found is not None:
                        out.ties[(rule_id(a), rule_id(d))] = found
    return out


def _in_direction(box: Box, dbit: int) -> Box | None:
    if not any(lo <= dbit <= hi for lo, hi in box[DIR]):
        return None
    return (point(dbit),) + box[1:]


# ---------------------------------------------------------------- dead rules


def _before(layout: Layout, t: Target, sem: Semantics, earlier: Sequence[Rule], dbit: int,
            cutters: dict[int, list[Box]]) -> list[_Cand]:
    cands = []
    if sem.block_tcp25 and dbit == 1:
        cut = tuple(layout.make(d3=point(TCP), d4=point(25), d2=point(fb), d6=addr_intervals(INTERNET, fam))
                    for fb, fam in FAMILIES)
        cands.append(_Cand("the platform block of outbound TCP 25", cut, False))
    if sem.intra_group == "override":
        for g in t.groups:
            dim = layout.key_dim(g.key)
            if g.gtype is GroupType.BASIC and g.intra is Action.ACCEPT and dim is not None:
                box = list(layout.make(d1=point(0)))
                box[dim] = point(1)
                cands.append(_Cand(f"the intra-group accept policy of group {g.name}", (tuple(box),), True))
    for r in earlier:
        cands.append(_Cand(f"rule {r.name} of group {r.group_name}", tuple(cutters[id(r)]),
                           r.action is Action.ACCEPT, r))
    return cands


def _dead(scope: Scope, layout: Layout, sem: Semantics, budget: Budget, earlier: Sequence[Rule],
          r: Rule, dbit: int, dregion: list[Box], cutters: dict[int, list[Box]]) -> LintFinding:
    """Rule ``r`` decides nothing (confirmed by Z3): why (``cutters``: each rule's boxes)."""
    t = scope.target
    matched, _ = carve(dregion, cutters[id(r)], budget)
    if not matched:
        return LintFinding("L101", "warning", f"rule {r.name} never decides any flow on {scope.label}: "
                           "it matches no flow that can occur there", scope.label, r.span or scope.location,
                           r, details=_why_empty(r, t))
    cands = [c for c in _before(layout, t, sem, earlier, dbit, cutters)
             if carve(matched, c.boxes, budget)[0]]
    remaining, chosen = matched, []
    while remaining:
        best, best_v = None, 0
        for c in cands:
            if c in chosen:
                continue
            inside, _ = carve(remaining, c.boxes, budget)
            v = sum(volume(b) for b in inside)
            if v > best_v:
                best, best_v = c, v
        if best is None:
            raise InternalError(f"rule {r.name} decides nothing on {scope.label}, yet nothing "
                                "before it covers all it matches")
        chosen.append(best)
        _, remaining = carve(remaining, best.boxes, budget)
    for c in list(chosen):  # greedy picks can become unnecessary: drop those
        others = [b for o in chosen if o is not c for b in o.boxes]
        if not carve(matched, others, budget)[1]:
            chosen.remove(c)
    accepts = r.action is Action.ACCEPT
    opposite = [c for c in chosen if c.accepts != accepts]
    extra: list[_Cand] = []
    if not opposite:
        rivals = [(sum(volume(b) for b in carve(matched, c.boxes, budget)[0]), -i, c)
                  for i, c in enumerate(cands) if c.accepts != accepts]
        if rivals:
            extra = [max(rivals, key=lambda x: (x[0], x[1]))[2]]
    involved = tuple(Involved(c.rule, "covers it" + (" (opposite action)" if c.accepts != accepts else ""))
                     for c in chosen if c.rule is not None)
    involved += tuple(Involved(c.rule, "also overlaps it, with the opposite action")
                      for c in extra if c.rule is not None)
    details = [f"covered by {c.label}" for c in chosen if c.rule is None]
    severity = "error" if r.action is Action.DROP and opposite else "warning"
    together = "together " if len(chosen) > 1 else ""
    message = (f"rule {r.name} never decides any flow on {scope.label}: "
               f"{_names(chosen)} {together}decide{'' if len(chosen) > 1 else 's'} "
               f"everything it matches first")
    if opposite:
        message += (f"; {'they accept' if not accepts else 'they drop'} what this rule would "
                    f"{'drop' if not accepts else 'accept'}")
    box = merge_boxes(matched)[0]
    flow, assume = witness(layout, box)
    dec = replay(t, sem, flow, assume)
    if dec.rule is r:
        raise InternalError(f"the evaluator says rule {r.name} decides {flow} on {scope.label}, "
                            "the box engine says it decides nothing")
    details.append(f"for example {flow}: {dec.action.value} by {dec.describe()}")
    return LintFinding("L101", severity, message, scope.label, r.span or scope.location, r,
                       involved, describe(layout, box), flow, tuple(details))


def _names(cands: Sequence[_Cand]) -> str:
    labels = [c.label for c in cands]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _why_empty(r: Rule, t: Target) -> tuple[str, ...]:
    notes = []
    if r.local is not None and t.local is not None and not (r.local & t.local):
        notes.append(f"its interface-side block {r.local} holds none of {t.name}'s addresses")
    fams = r.peer.addresses.families()
    if (t.local is not None and fams and not r.peer.groups and not r.peer.unresolved
            and not fams & t.local.families()):
        which = "IPv6" if fams == {V6} else "IPv4"
        notes.append(f"its peer blocks are {which} only, and {t.name} has no {which} address")
    if any(p.lo > p.hi for p in (r.ports or ()) + (r.source_ports or ())):
        notes.append("a port range of it runs backwards (L302)")
    return tuple(notes)


class _Lazy:
    """A ``Reaching`` made on first use: most directions have no dead or redundant rule,
    and then nothing is encoded for Z3."""

    def __init__(self, make: Callable[[], Reaching]) -> None:
        self._make = make
        self._made: Reaching | None = None

    def get(self) -> Reaching:
        if self._made is None:
            self._made = self._make()
        return self._made


class Reaching:
    """Z3's confirmation of dead and redundant rules of one direction, from the encoder's
    pieces of the decision (``encode.decision_pieces``). One incremental solver holds a
    possible flow of the direction that nothing decides before the rules, and the verdict
    that the rules from position i on give (d[i]: rule i if it matches, else d[i+1], else
    the fallback), checked once against the encoder's whole ``decision``. Rules are then
    taken in precedence order, each one's flows removed after its turn: rule i decides
    nothing when none of the flows left matches it, and removing it changes no verdict
    when every flow left that it matches gets its action from d[i+1] too. One encoding and
    one check per rule in question: linear in the rules, where comparing two versions of
    the interface per rule was quadratic."""

    def __init__(self, layout: Layout, t: Target, sem: Semantics, direction: Direction,
                 timeout_ms: int | None) -> None:
        f = SymFlow(universe=frozenset(layout.keys))
        view = single_view(f)
        pieces = decision_pieces(t, direction, view, sem)
        rules = t.rules(direction)
        self.matches = pieces.matches
        self.actions = [r.action is Action.ACCEPT for r in rules]
        tag = "lint.d" + direction.value
        self.then = [z3.Bool(f"{tag}{i}") for i in range(len(rules) + 1)]
        s = self.solver = make_solver(timeout_ms)
        s.add(z3_well_formed(t, f), f.ingress if direction is Direction.INGRESS else z3.Not(f.ingress))
        s.add(self.then[-1] == pieces.fallback)
        for i in range(len(rules)):
            s.add(self.then[i] == z3.If(self.matches[i], z3.BoolVal(self.actions[i]), self.then[i + 1]))
        whole = z3.And(z3.Not(pieces.blocked), z3.Or(pieces.override, self.then[0]))
        if self._holds(whole != decision(t, direction, view, sem)):
            raise InternalError(f"the rule-by-rule decision of {t.name} ({direction.value}) differs "
                                "from the encoder's")
        s.add(z3.Not(pieces.override), z3.Not(pieces.blocked))
        self._removed = 0

    def _holds(self, *conditions: z3.BoolRef) -> bool:
        outcome = check(self.solver, *conditions)
        if outcome is SolverAnswer.UNKNOWN:
            raise SolverUnknown(self.solver.reason_unknown() or "unknown")
        return outcome is SolverAnswer.SAT

    def _reach(self, i: int) -> None:
        """Remove the flows of the rules before position ``i`` (asked with ``i`` ascending)."""
        while self._removed < i:
            self.solver.add(z3.Not(self.matches[self._removed]))
            self._removed += 1

    def decides_nothing(self, i: int) -> bool:
        self._reach(i)
        return not self._holds(self.matches[i])

    def removable(self, i: int) -> bool:
        self._reach(i)
        return not self._holds(self.matches[i], self.then[i + 1] != z3.BoolVal(self.actions[i]))


def replay(t: Target, sem: Semantics, flow: Flow, assume: dict[str, bool]) -> Decision:
    """The evaluator's decision for a witness the box engine produced (which must be possible)."""
    problem = flow_problem(flow, t)
    if problem is not None:
        raise InternalError(f"the box engine produced an impossible witness on {t.name}: {flow} "
                            f"({problem})")
    return decide(t, flow, sem, assume)


# ---------------------------------------------------------------- redundant rules


def without(t: Target, r: Rule) -> Target:
    groups = tuple(replace(g, rules=tuple(x for x in g.rules if x is not r)) for g in t.groups)
    return t.with_groups(groups)


def _redundant(scope: Scope, layout: Layout, sem: Semantics, budget: Budget, narrow: Narrowing,
               r: Rule, own: list[Piece]) -> LintFinding | None:
    t = scope.target
    rest = without(t, r)
    accepts = r.action is Action.ACCEPT
    # Most rules are not redundant, and a flow the rule decides that the rest decides the
    # other way shows it at the cost of one evaluation (the box search below would find
    # the same flow among its pieces and return None): try a few before searching.
    for p in own[:REFUTE_PIECES]:
        flow, assume = witness(layout, p.box)
        if flow_problem(flow, t) is None and decide(rest, flow, sem, assume).accepted != accepts:
            return None
    boxes = [p.box for p in own]
    # Only rules that can match where ``r`` matches can decide its flows instead.
    alt = decide_region(layout, without(narrow.to(*narrow.cutters[id(r)]), r), sem, boxes, budget,
                        cutters=narrow.cutters)
    if any(p.accepted != accepts for p in alt):
        return None
    instead: dict[object, tuple[str, Rule | None]] = {}
    for p in alt:
        label = (f"rule {p.rule.name} of group {p.rule.group_name}" if p.rule is not None else
                 {"default": f"the default {'accept' if accepts else 'drop'}",
                  "intra-group": "the intra-group policy",
                  "platform": "the platform block of outbound TCP 25"}[p.reason])
        instead.setdefault(rule_id(p.rule) if p.rule else p.reason, (label, p.rule))
    box = merge_boxes(boxes)[0]
    flow, assume = witness(layout, box)
    with_r, without_r = replay(t, sem, flow, assume), replay(rest, sem, flow, assume)
    if with_r.rule is not r or without_r.accepted != with_r.accepted:
        raise InternalError(f"the evaluator disagrees with the box engine on {flow}: rule {r.name} "
                            f"{'decides' if with_r.rule is r else 'does not decide'} it, and without "
                            f"the rule it is {without_r.action.value}")
    labels = [v[0] for v in instead.values()]
    message = (f"rule {r.name} is redundant on {scope.label}: without it every flow it decides "
               f"gets the same verdict ({'accept' if accepts else 'drop'}) from "
               + (labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]))
    involved = tuple(Involved(rule, "decides instead") for _, rule in instead.values() if rule is not None)
    return LintFinding("L102", "note", message, scope.label, r.span or scope.location, r, involved,
                       describe(layout, box), flow,
                       ((f"for example {flow}: decided by this rule; without it, "
                         f"{without_r.action.value} by {without_r.describe()}"),))


# ---------------------------------------------------------------- ties


def _tie(scope: Scope, layout: Layout, sem: Semantics, budget: Budget, a: Rule, d: Rule,
         won: list[Piece], a_boxes: list[Box]) -> LintFinding | None:
    t = scope.target
    overlap, _ = carve([p.box for p in won], a_boxes, budget)
    if not overlap:
        return None
    boxes = merge_boxes(overlap)
    flow, assume = witness(layout, boxes[0])
    dec = replay(t, sem, flow, assume)
    if dec.rule is not d or not rule_matches(a, flow, assume):
        raise InternalError(f"the evaluator disagrees with the box engine on {flow}: it should "
                            f"match rule {a.name} and be dropped by rule {d.name}")
    more = f" ({len(boxes)} boxes in all)" if len(boxes) > 1 else ""
    message = (f"accept rule {a.name} and drop rule {d.name} both have priority {a.priority} and "
               f"overlap on {scope.label}: drop wins there{more}")
    return LintFinding("L103", "warning", message, scope.label, a.span or scope.location, a,
                       (Involved(d, "drop wins the tie"),), describe(layout, boxes[0]), flow,
                       (f"for example {flow}: both rules match; dropped by rule {d.name}",))


__all__ = ["Scope", "ShadowResult", "analyse", "layout_for", "rule_id", "without"]
