"""Dead, redundant and tied rules on one interface, proved with the box engine and confirmed
with Z3.

- Dead (L101): the rule decides no flow, because what comes first (higher-precedence rules,
  the intra-group Accept policy, the platform TCP 25 block) decides everything it matches,
  possibly only together; a small cover is chosen greedily, largest overlap first (as
  Batfish's blocking lines), and says whether any of it acts the other way.
- Redundant (L102): the rule decides some flows, but without it the same verdicts follow.
- Tie (L103): an accept and a drop rule of one priority both match flows that the drop
  decides (drop wins the tie).

Dead and redundant rules are found exactly with boxes: the interface's flows are split
once by what decides them (``certify.decide_region``); a rule with no piece is dead, and
a rule is redundant when what comes after it gives its pieces its verdict (carved by the
later rules in turn, ``_redundant``), with no per-rule re-encoding. Z3 then confirms all
the claims of one direction with one check (``confirm``) from the encoder's formulas, a
dead rule's by the cover that explains it; each witness is replayed through the evaluator.
Disagreement is an ``InternalError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ...core.addresses import INTERNET, V6
from ...core.diagnostics import InternalError, Span
from ...core.evaluate import Decision, decide, rule_matches
from ...core.flow import Flow, flow_problem
from ...core.model import TCP, Action, Direction, GroupKey, GroupType, Rule, Semantics, Target
from ...engines.boxes.certify import (
    DIR,
    FAMILIES,
    QUICK,
    Layout,
    Piece,
    decide_region,
    group_region,
    well_formed,
)
from ...engines.boxes.certify import layout_for as targets_layout
from ...engines.boxes.hull_index import Hull, HullIndex
from ...engines.boxes.intervals import Box, Budget, active_dims, addr_intervals, carve, point
from ...engines.boxes.merge import describe, merge_boxes, volume, witness
from ...engines.boxes.narrow import Narrowing
from .confirm import confirm
from .findings import Involved, LintFinding

RuleId = tuple[GroupKey, int]


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
    """The findings of one scope by rule id. ``shown``: rules redundant here too whose
    group alone already has a finding for it (``Known``): not explained again, but
    lint still asks which interfaces they are redundant on."""

    dead: dict[RuleId, LintFinding] = field(default_factory=dict)
    redundant: dict[RuleId, LintFinding] = field(default_factory=dict)
    ties: dict[tuple[RuleId, RuleId], LintFinding] = field(default_factory=dict)
    shown: set[RuleId] = field(default_factory=set)


@dataclass(frozen=True)
class Known:
    """What an interface's groups show on their own (their scopes' findings): the rules
    dead or redundant in their group and the ties within it. Lint reports an interface
    only what its groups do not already show, so its analysis leaves these unexplained:
    a rule dead in its group alone, whether dead or redundant here (nor does Z3 confirm
    it again: its group's check did); the redundancy of a rule redundant alone (only
    decided and confirmed); a tie found alone."""

    dead: frozenset[RuleId] = frozenset()
    redundant: frozenset[RuleId] = frozenset()
    ties: frozenset[tuple[RuleId, RuleId]] = frozenset()


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
    active: tuple[tuple[int, ...], ...] | None = None  # each box's ``active_dims``


Made = tuple[Layout, dict[int, list[Box]]]


def boxes_of(t: Target) -> Made:
    """The layout of ``t``'s flows and each rule's boxes in it (by rule id), made once for
    every region: the partition here and the exposure questions (``PublicExposure``)."""
    layout = layout_for(t)
    return layout, Narrowing(layout, t).cutters  # type: ignore[return-value]


def analyse(scope: Scope, sem: Semantics, budget: Budget, timeout_ms: int | None,
            made: Made | None = None, known: Known | None = None) -> ShadowResult:
    """Dead, redundant and tied rules of ``scope`` (``made``: its ``boxes_of``; ``known``:
    what its groups show alone, left unexplained). Raises BudgetExceeded past the budget
    and SolverUnknown when Z3 cannot confirm in time."""
    known = known or Known()
    t = scope.target
    layout, cutters = boxes_of(t) if made is None else made
    region = well_formed(layout, t)
    full = layout.full()
    active = {k: [active_dims(b, full) for b in v] for k, v in cutters.items()}
    pieces = decide_region(layout, t, sem, region, budget, cutters=cutters, quick=QUICK,
                           active=active)
    decided: dict[int, list[Piece]] = {}
    for p in pieces:
        if p.rule is not None:
            decided.setdefault(id(p.rule), []).append(p)
    after = _after_rules(layout, t)
    hulls = {k: _hull(v) for k, v in cutters.items() if v}
    out = ShadowResult()
    for direction, dbit in ((Direction.INGRESS, 0), (Direction.EGRESS, 1)):
        rules = t.rules(direction)
        dregion = [x for x in (_in_direction(b, dbit) for b in region) if x is not None]
        dead: list[int] = []
        redundant: list[int] = []
        for i, r in enumerate(rules):
            rid = rule_id(r)
            if rid in known.dead:
                continue  # dead in its group alone: reported and confirmed there, not here
            if id(r) not in decided:
                dead.append(i)
            else:
                instead = _redundant(t, budget, r, decided[id(r)], rules[i + 1:], cutters,
                                     hulls, active, after, dbit)
                if instead is None:
                    continue
                redundant.append(i)
                if rid in known.redundant:
                    out.shown.add(rid)
                else:
                    out.redundant[rid] = _redundant_finding(scope, layout, sem, r, decided[id(r)],
                                                            instead)
        covers: dict[int, list[int]] = {}  # each dead rule's cover, by position
        if dead:
            place = {id(r): i for i, r in enumerate(rules)}
            near = HullIndex([hulls.get(id(r)) for r in rules])
            for i in dead:
                finding, cover = _dead(scope, layout, sem, budget, rules[:i], rules[i], dbit,
                                       dregion, cutters, active, near)
                out.dead[rule_id(rules[i])] = finding
                covers[i] = [place[id(c)] for c in cover]
        confirm(layout, t, sem, direction, timeout_ms, covers, redundant)
        accepting: dict[int, list[Rule]] = {}  # accept rules by priority, in precedence order
        for a in rules:
            if a.action is Action.ACCEPT:
                accepting.setdefault(a.priority, []).append(a)
        for d in rules:
            if d.action is not Action.DROP or id(d) not in decided:
                continue
            span = _hull([p.box for p in decided[id(d)]])
            for a in accepting.get(d.priority, ()):
                other = hulls.get(id(a))
                if other is None or not _hulls_meet(span, other):
                    continue  # they share no flow: no tie
                if (rule_id(a), rule_id(d)) in known.ties:
                    continue  # the group alone has this tie
                found = _tie(scope, layout, sem, budget, a, d, decided[id(d)], cutters[id(a)],
                             active[id(a)])
                if found is not None:
                    out.ties[(rule_id(a), rule_id(d))] = found
    return out


def _in_direction(box: Box, dbit: int) -> Box | None:
    if not any(lo <= dbit <= hi for lo, hi in box[DIR]):
        return None
    return (point(dbit),) + box[1:]


# ---------------------------------------------------------------- dead rules


def _before(layout: Layout, t: Target, sem: Semantics, earlier: Iterable[Rule], dbit: int,
            cutters: dict[int, list[Box]],
            active: dict[int, list[tuple[int, ...]]]) -> Iterator[_Cand]:
    """What decides before the rules ``earlier`` and they themselves, in precedence order,
    as they are asked for."""
    if sem.block_tcp25 and dbit == 1:
        cut = tuple(layout.make(d3=point(TCP), d4=point(25), d2=point(fb), d6=addr_intervals(INTERNET, fam))
                    for fb, fam in FAMILIES)
        yield _Cand("the platform block of outbound TCP 25", cut, False)
    if sem.intra_group == "override":
        for g in t.groups:
            dim = layout.key_dim(g.key)
            if g.gtype is GroupType.BASIC and g.intra is Action.ACCEPT and dim is not None:
                box = list(layout.make(d1=point(0)))
                box[dim] = point(1)
                yield _Cand(f"the intra-group accept policy of group {g.name}", (tuple(box),), True)
    for r in earlier:
        yield _Cand(f"rule {r.name} of group {r.group_name}", tuple(cutters[id(r)]),
                    r.action is Action.ACCEPT, r, tuple(active[id(r)]))


def _dead(scope: Scope, layout: Layout, sem: Semantics, budget: Budget, earlier: Sequence[Rule],
          r: Rule, dbit: int, dregion: list[Box], cutters: dict[int, list[Box]],
          active: dict[int, list[tuple[int, ...]]],
          near: HullIndex) -> tuple[LintFinding, list[Rule]]:
    """Rule ``r`` decides nothing (for Z3 to confirm): why, and the rules of its cover
    (``cutters``: each rule's boxes, ``active`` their ``active_dims``; ``near``: the
    bounds of the boxes of ``earlier`` and the rules after them, by position: a rule whose
    bounds miss the flows of ``r`` cannot cover any)."""
    t = scope.target
    matched, _ = carve(dregion, cutters[id(r)], budget, QUICK, active[id(r)])
    if not matched:
        return LintFinding("L101", "warning", f"rule {r.name} never decides any flow on {scope.label}: "
                           "it matches no flow that can occur there", scope.label, r.span or scope.location,
                           r, details=_why_empty(r, t)), []
    span = _hull(matched)
    of_matched = _Carves(matched, budget)
    close = (earlier[j] for j in near.meeting(span, len(earlier)))
    cands = _Meeting(_before(layout, t, sem, close, dbit, cutters, active), of_matched)
    accepts = r.action is Action.ACCEPT
    first = cands.first_whole()  # the first greedy pick, when one covers it all
    remaining, chosen = ([], [first]) if first is not None else (matched, [])
    while remaining:
        best, best_v = None, 0
        for c in cands.every():
            if c in chosen:
                continue
            if remaining is matched:
                v = of_matched.volume(c)
            else:
                inside, _ = carve(remaining, c.boxes, budget, QUICK, c.active)
                v = sum(volume(b) for b in inside)
            if v > best_v:
                best, best_v = c, v
        if best is None:
            raise InternalError(f"rule {r.name} decides nothing on {scope.label}, yet nothing "
                                "before it covers all it matches")
        chosen.append(best)
        _, remaining = carve(remaining, best.boxes, budget, QUICK, best.active)
    for c in list(chosen):  # greedy picks can become unnecessary: drop those
        others = [o for o in chosen if o is not c]
        if not carve(matched, [b for o in others for b in o.boxes], budget, QUICK,
                     [d for o in others for d in _active(o)])[1]:
            chosen.remove(c)
    opposite = [c for c in chosen if c.accepts != accepts]
    extra: list[_Cand] = []
    if not opposite:
        rival = cands.first_whole(lambda c: c.accepts != accepts)
        if rival is None:
            rivals = [(of_matched.volume(c), -i, c) for i, c in enumerate(cands.every())
                      if c.accepts != accepts]
            if rivals:
                rival = max(rivals, key=lambda x: (x[0], x[1]))[2]
        extra = [rival] if rival is not None else []
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
    return (LintFinding("L101", severity, message, scope.label, r.span or scope.location, r,
                        involved, describe(layout, box), flow, tuple(details)),
            [c.rule for c in chosen if c.rule is not None])


@dataclass(slots=True)
class _Cut:
    """What one candidate carves from a dead rule's flows (``_Carves``)."""

    cand: _Cand
    inside: list[Box]
    spent: int  # the budget the carve spent
    whole: bool  # it covers every flow
    volume: int | None = None  # counted when first asked for


class _Carves:
    """What each candidate carves from the flows a dead rule matches, asked up to four
    times by ``_dead`` (does it meet them, does it cover them all, the first greedy pick,
    the rival): carved once, and each later ask spends the budget the carve spent, so that
    the budget runs out where carving at every ask would make it. The volume is counted
    only when asked for (most candidates are only asked whether they meet the flows)."""

    def __init__(self, matched: list[Box], budget: Budget) -> None:
        self.matched, self.budget = matched, budget
        self._made: dict[int, _Cut] = {}

    def _carve(self, c: _Cand) -> _Cut:
        hit = self._made.get(id(c))
        if hit is not None and hit.cand is c:
            if hit.spent:
                self.budget.spend(hit.spent)
            return hit
        before = self.budget.used
        inside, rest = carve(self.matched, c.boxes, self.budget, QUICK, c.active)
        made = self._made[id(c)] = _Cut(c, inside, self.budget.used - before, not rest)
        return made

    def inside(self, c: _Cand) -> list[Box]:
        return self._carve(c).inside

    def volume(self, c: _Cand) -> int:
        made = self._carve(c)
        if made.volume is None:
            made.volume = sum(volume(b) for b in made.inside)
        return made.volume

    def whole(self, c: _Cand) -> bool:
        """Does ``c`` cover every flow?"""
        return self._carve(c).whole


class _Meeting:
    """The candidates that cover part of a dead rule's flows (``_before``, in precedence
    order), found only as far as they are asked for: a greedy pick that covers every flow
    is the first candidate that does (a later one can only tie, and ties go to the first),
    so a dead rule one candidate covers never carves the candidates after it."""

    def __init__(self, before: Iterable[_Cand], carves: _Carves) -> None:
        self._rest: Iterator[_Cand] | None = iter(before)
        self._carves = carves
        self.found: list[_Cand] = []

    def _next(self) -> _Cand | None:
        while self._rest is not None:
            c = next(self._rest, None)
            if c is None:
                self._rest = None
            elif self._carves.inside(c):
                self.found.append(c)
                return c
        return None

    def every(self) -> list[_Cand]:
        while self._next() is not None:
            pass
        return self.found

    def first_whole(self, keep: Callable[[_Cand], bool] | None = None) -> _Cand | None:
        """The first candidate ``keep`` keeps that covers all the flows, or None."""
        for c in self.found:
            if (keep is None or keep(c)) and self._carves.whole(c):
                return c
        while (c := self._next()) is not None:
            if (keep is None or keep(c)) and self._carves.whole(c):
                return c
        return None


def _active(c: _Cand) -> tuple[tuple[int, ...], ...]:
    """Each box's ``active_dims`` (every dimension for a candidate made without them)."""
    if c.active is not None:
        return c.active
    n = len(c.boxes[0]) if c.boxes else 0
    return tuple(tuple(range(n)) for _ in c.boxes)


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


def replay(t: Target, sem: Semantics, flow: Flow, assume: dict[str, bool]) -> Decision:
    """The evaluator's decision for a witness the box engine produced (which must be
    possible): only what decides it, not every rule that matches (nothing here reads them)."""
    problem = flow_problem(flow, t)
    if problem is not None:
        raise InternalError(f"the box engine produced an impossible witness on {t.name}: {flow} "
                            f"({problem})")
    return decide(t, flow, sem, assume, every_match=False)


# ---------------------------------------------------------------- redundant rules


def without(t: Target, r: Rule) -> Target:
    return t.without_rule(r)


@dataclass(frozen=True)
class _Step:
    """What decides, after every rule, the flows no rule matched: the intra-group policy
    (accept where the peer shares an open group, drop where it shares any), then the
    default (``certify.decide_region`` in the same order)."""

    boxes: tuple[Box, ...]
    accepts: bool
    reason: str


def _hull(boxes: Sequence[Box]) -> Hull:
    """The bounds of ``boxes`` in each ``QUICK`` dimension."""
    return tuple((min(b[d][0][0] for b in boxes), max(b[d][-1][1] for b in boxes)) for d in QUICK)


def _hulls_meet(a: Hull, b: Hull) -> bool:
    for (lo, hi), (lo2, hi2) in zip(a, b):
        if lo > hi2 or lo2 > hi:
            return False
    return True


def _after_rules(layout: Layout, t: Target) -> tuple[_Step, ...]:
    return (_Step(tuple(group_region(layout, t, None, open_only=True)), True, "intra-group"),
            _Step(tuple(group_region(layout, t, None, open_only=False)), False, "intra-group"))


REFUTE_POINTS = 4  # pieces of a rule whose corner flows are tried before its carve


def _refuted_by_points(boxes: Sequence[Box], later: Sequence[Rule], cutters: dict[int, list[Box]],
                       hulls: dict[int, Hull], after: Sequence[_Step], fallback: bool,
                       accepts: bool) -> bool:
    """Does a corner flow (each dimension's lowest value) of one of ``boxes`` (pieces the
    rule decides) get the other verdict from what comes after the rule: the first of the
    ``later`` rules whose boxes hold it, else the first of ``after`` that does, else the
    default (``fallback``: accept)? Then the rule is not redundant: the carve of
    ``_redundant`` keeps that flow until what decides it takes it, and answers None there
    or earlier. False says nothing (left to the carve)."""
    for b in boxes:
        pt = tuple(d[0][0] for d in b)
        q0, q1, q2, q3, q4 = (pt[d] for d in QUICK)
        verdict = None
        for x in later:
            h = hulls.get(id(x))
            if h is None or not (h[0][0] <= q0 <= h[0][1] and h[1][0] <= q1 <= h[1][1]
                                 and h[2][0] <= q2 <= h[2][1] and h[3][0] <= q3 <= h[3][1]
                                 and h[4][0] <= q4 <= h[4][1]):
                continue
            if any(_holds_point(c, pt) for c in cutters[id(x)]):
                verdict = x.action is Action.ACCEPT
                break
        if verdict is None:
            verdict = next((step.accepts for step in after
                            if any(_holds_point(c, pt) for c in step.boxes)), fallback)
        if verdict != accepts:
            return True
    return False


def _holds_point(box: Box, pt: tuple[int, ...]) -> bool:
    for v, dim in zip(pt, box):
        for lo, hi in dim:
            if lo <= v <= hi:
                break
        else:
            return False
    return True


def _redundant(t: Target, budget: Budget, r: Rule, own: list[Piece], later: Sequence[Rule],
               cutters: dict[int, list[Box]], hulls: dict[int, Hull],
               active: dict[int, list[tuple[int, ...]]], after: Sequence[_Step],
               dbit: int) -> dict[object, tuple[str, Rule | None]] | None:
    """Is rule ``r`` redundant on ``t``: does every flow it decides (``own``) get the same
    verdict from what comes after it (the later rules in precedence order, then ``after``,
    then the default)? Exact: the flows are carved by each in turn, as ``decide_region``
    would without the rule (nothing before the rule matches them), and the first part that
    gets the other verdict says no (None). Yes: what decides them instead, by key."""
    accepts = r.action is Action.ACCEPT
    boxes = [p.box for p in own]
    fallback = dbit == 1 and t.gtype is GroupType.BASIC
    if _refuted_by_points(boxes[:REFUTE_POINTS], later, cutters, hulls, after, fallback, accepts):
        return None
    rest = boxes
    instead: dict[object, tuple[str, Rule | None]] = {}
    # The bounds of the flows at the start (they only shrink): a later rule whose bounds
    # miss them in one dimension carves nothing; the test is written out, as it runs for
    # every later rule of every rule.
    (a0, b0), (a1, b1), (a2, b2), (a3, b3), (a4, b4) = _hull(rest)
    for x in later:
        if not rest:
            break
        h = hulls.get(id(x))
        if h is None or h[0][0] > b0 or a0 > h[0][1] or h[1][0] > b1 or a1 > h[1][1] or \
                h[2][0] > b2 or a2 > h[2][1] or h[3][0] > b3 or a3 > h[3][1] or \
                h[4][0] > b4 or a4 > h[4][1]:
            continue  # nothing of the rule can meet what is left (carving takes nothing)
        inside, rest = carve(rest, cutters[id(x)], budget, QUICK, active[id(x)])
        if inside:
            if (x.action is Action.ACCEPT) != accepts:
                return None
            instead.setdefault(rule_id(x), (f"rule {x.name} of group {x.group_name}", x))
    for step in after:
        if not rest:
            break
        inside, rest = carve(rest, step.boxes, budget)
        if inside:
            if step.accepts != accepts:
                return None
            instead.setdefault(step.reason, ("the intra-group policy", None))
    if rest:
        if fallback != accepts:
            return None
        instead.setdefault("default", (f"the default {'accept' if accepts else 'drop'}", None))
    return instead


def _redundant_finding(scope: Scope, layout: Layout, sem: Semantics, r: Rule, own: list[Piece],
                       instead: dict[object, tuple[str, Rule | None]]) -> LintFinding:
    """The finding of a redundant rule ``r`` (``instead``: what ``_redundant`` found decides
    its flows without it), with a witness the evaluator replays with and without it."""
    t = scope.target
    accepts = r.action is Action.ACCEPT
    box = merge_boxes([p.box for p in own])[0]
    flow, assume = witness(layout, box)
    rest_t = without(t, r)
    with_r, without_r = replay(t, sem, flow, assume), replay(rest_t, sem, flow, assume)
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
         won: list[Piece], a_boxes: list[Box],
         a_active: list[tuple[int, ...]]) -> LintFinding | None:
    t = scope.target
    overlap, _ = carve([p.box for p in won], a_boxes, budget, QUICK, a_active)
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


__all__ = ["Known", "Made", "Scope", "ShadowResult", "analyse", "boxes_of", "layout_for", "rule_id", "without"]
