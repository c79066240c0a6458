"""The search for a repair: the fewest rule edits after which every assertion of the
policy is proved, with the smallest semantic change, and the proof that nothing else moved.

How (docs/fix.md):
1. Check every assertion; the violated ones give counterexamples and deciding rules, and
   those give candidate edits (``edits.candidates``).
2. Try sets of 1, 2, ... up to ``bound`` candidates (each set changes a rule at most once),
   in a fixed order. A set must first turn every old counterexample around under the
   evaluator (a cheap necessary test), then every assertion of the policy must be proved
   by the normal checker on the edited policy. A set that fails the checker adds the
   candidates its new counterexamples suggest to the pool; when the pool grows, the smaller
   sizes are searched again with the new candidates, so that "no repair with fewer edits"
   holds over the final pool.
3. Every repair of the smallest size is compared with the old policy by the exact semantic
   difference (``prove.difference``): each changed box must lie inside the flows of a
   violated assertion, otherwise it is collateral. Repairs without collateral come first,
   then the fewest changed flows, then the smallest text change, then the order of the
   candidates.
4. The chosen repair is proved again (certified by the box engine too), and the witnesses
   are replayed through the evaluator, before it is returned.
"""

from __future__ import annotations

import difflib
import itertools
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from ...core.diagnostics import InternalError
from ...core.evaluate import Reason, decide, decide_all, definitely, in_flow_set
from ...core.flow import Flow, flow_problem
from ...core.model import (
    Assertion,
    Check,
    CompareAssertion,
    Direction,
    EndpointTerm,
    FlowAssertion,
    FlowSet,
    GroupKey,
    Policy,
    ReachAssertion,
    Target,
)
from ...core.result import Result, Verdict
from ...engines.boxes.certify import flowset_boxes, flowset_group_keys, well_formed, layout_for
from ...engines.boxes.intervals import Box, Budget, BudgetExceeded, box_and, carve, disjoint
from ...engines.boxes.merge import BoxView, describe, merge_boxes, volume, witness
from ...prove.difference import DEFAULT_BUDGET, Unit, UnitDiff, diff_unit, sides_of
from ...prove.run import Checker
from .edits import (
    Edit,
    EditRefused,
    apply_edits,
    candidates,
    distinct_labels,
    interfaces,
    still_violates,
)
from .text import NotWritable, edited_line, rule_text

DEFAULT_BOUND = 3  # edits per repair searched at most
DEFAULT_MAX_SETS = 3000  # edit sets checked at most
MAX_POOL = 80  # candidate edits kept at most


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Change:
    """A box of flows whose verdict the repair changes, on one interface. ``covered_by``:
    the violated assertions whose flows hold it (empty: collateral)."""

    unit: str
    change: str  # "newly allowed" | "newly denied"
    view: BoxView
    witness: Flow
    flows: int
    covered_by: tuple[str, ...]

    @property
    def collateral(self) -> bool:
        return not self.covered_by


@dataclass(frozen=True)
class Repair:
    """A set of edits, the edited policy, its re-proved results and its semantic change."""

    edits: tuple[Edit, ...]
    policy: Policy
    results: tuple[Result, ...]
    changes: tuple[Change, ...] = ()
    completed: bool = True  # the semantic difference was completed
    problem: str | None = None
    text_cost: int = 0
    replayed: int = 0
    measured: bool = False

    @property
    def changed_flows(self) -> int:
        return sum(c.flows for c in self.changes)

    @property
    def collateral(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.collateral)


@dataclass(frozen=True)
class Conflict:
    """Assertions that no policy satisfies together, with a flow one of them needs accepted
    and another needs dropped."""

    names: tuple[str, ...]
    flow: Flow
    target: str
    why: str


@dataclass(frozen=True)
class FixOutcome:
    """What ``fix`` found. ``status``: nothing-violated, repaired, collateral (a repair
    exists but changes other flows), no-repair, conflict, unknown or error."""

    status: str
    before: tuple[Result, ...]
    repair: Repair | None = None
    alternatives: int = 0
    bound: int = DEFAULT_BOUND
    sets_checked: int = 0
    pool: int = 0
    claim: str = ""
    conflict: Conflict | None = None
    notes: tuple[str, ...] = ()
    elapsed: float = 0.0
    edit_counts: tuple[int, ...] = field(default=())  # sizes of repairs seen
    candidates: tuple[Edit, ...] = ()  # the final pool the claim is about
    core: tuple[str, ...] = ()  # no repair: the smallest set of assertions without one
    core_flow: Flow | None = None  # a counterexample of the core
    smaller_with_collateral: int = 0  # repairs with fewer edits, each with collateral

    @property
    def violated(self) -> tuple[Result, ...]:
        return tuple(r for r in self.before if r.verdict is Verdict.VIOLATED)


# ---------------------------------------------------------------- checking


def check_all(policy: Policy, first: Sequence[str] = (), stop: bool = False,
              timeout_ms: int | None = None, certify: bool = False) -> list[Result]:
    """The results of every assertion of ``policy`` (those named in ``first`` first);
    ``stop``: stop at the first that is not proved."""
    checker = Checker(policy, timeout_ms, certify)
    order = sorted(policy.assertions, key=lambda a: (a.name not in first, first.index(a.name)
                                                     if a.name in first else 0))
    out = []
    for a in order:
        r = checker.run(a)
        out.append(r)
        if stop and r.verdict is not Verdict.PROVED:
            break
    return out


# ---------------------------------------------------------------- the required change


def required_flowsets(a: Assertion) -> list[tuple[Target, FlowSet, FlowSet | None]]:
    """(interface, flows, minus) that assertion ``a`` may need changed: a flow assertion's
    flows (less its 'only' part) on its target; for two instances, the flows between them
    on each end; for a comparison, its flows on both sides. Reach over sets: none (its
    changes are reported as collateral)."""
    if isinstance(a, FlowAssertion):
        return [(a.target, a.flows, a.only if a.check is Check.ONLY else None)]
    if isinstance(a, ReachAssertion):
        fs = a.flows
        src, dst = a.src.target, a.dst.target
        ingress = FlowSet(frozenset({Direction.INGRESS}), fs.services,
                          src=(EndpointTerm(addresses=src.local),) if src.local else None,
                          source_ports=fs.source_ports, family=fs.family)
        egress = FlowSet(frozenset({Direction.EGRESS}), fs.services,
                         dst=(EndpointTerm(addresses=dst.local),) if dst.local else None,
                         source_ports=fs.source_ports, family=fs.family)
        return [(dst, ingress, None), (src, egress, None)]
    if isinstance(a, CompareAssertion):
        return [(a.left, a.flows, None), (a.right, a.flows, None)]
    return []


def _covers(t: Target, unit: Target, kind: str, name: str) -> bool:
    """Does an assertion about ``t`` speak for interface ``unit``? The same interface, or
    ``t`` is a group (or groups) that ``unit`` holds."""
    if (t.kind, t.name) == (kind, name):
        return True
    return t.kind in ("group", "groups") and t.group_keys <= unit.group_keys


def semantic_changes(old: Policy, new: Policy, violated: Sequence[Assertion],
                     budget: int = DEFAULT_BUDGET, timeout_ms: int | None = 60_000,
                     confirm: bool = True) -> tuple[list[Change], bool, str | None]:
    """The exact difference of ``old`` and ``new`` on every interface, each changed box split
    into the part some violated assertion's flows hold and the rest (collateral). Witnesses
    of both parts are replayed through the evaluator; ``confirm``: Z3 proves the difference
    exact as well (off while repairs are only being compared)."""
    required = [(a.name, t, fs, minus) for a in violated for t, fs, minus in required_flowsets(a)]
    keys: set[GroupKey] = set()
    for _, _, fs, minus in required:
        keys |= flowset_group_keys(fs) | flowset_group_keys(minus)
    olds = {(t.kind, t.name): t for t in interfaces(old)}
    out: list[Change] = []
    for t in interfaces(new):
        o = olds.get((t.kind, t.name))
        if o is None:
            continue
        unit = Unit(t.kind, t.name, o, t)
        ud = diff_unit(unit, old.semantics, new.semantics, None, budget, timeout_ms, sorted(keys),
                       confirm)
        if not ud.completed:
            return out, False, f"{unit.label}: {ud.problem}"
        if not ud.boxes:
            continue
        try:
            out += _unit_changes(ud, old, new, required)
        except BudgetExceeded as exc:
            return out, False, f"{unit.label}: the box budget was exceeded ({exc})"
    return out, True, None


def _unit_changes(ud: UnitDiff, old: Policy, new: Policy,
                  required: Sequence[tuple[str, Target, FlowSet, FlowSet | None]]) -> list[Change]:
    layout = ud.layout
    assert layout is not None
    unit = ud.unit
    sides = sides_of(unit.new.group_keys)
    budget = Budget(DEFAULT_BUDGET)
    mine: list[tuple[str, list[Box]]] = []
    for name, t, fs, minus in required:
        if not _covers(t, unit.new, unit.kind, unit.name):
            continue
        boxes = disjoint(flowset_boxes(layout, fs, sides), budget)
        if minus is not None:
            boxes = carve(boxes, flowset_boxes(layout, minus, sides), budget)[1]
        mine.append((name, boxes))
    every = [b for _, bs in mine for b in bs]
    out: list[Change] = []
    for db in ud.boxes:
        inside, outside = carve([db.box], every, budget)
        for part, covered in ((inside, True), (outside, False)):
            for box in merge_boxes(part):
                names = tuple(n for n, bs in mine if any(box_and(box, b) is not None for b in bs)) \
                    if covered else ()
                flow, assume = witness(layout, box)
                _replay_change(unit, old, new, flow, assume, db.change)
                if covered and not names:
                    raise InternalError("a covered box lies in no assertion's flows")
                out.append(Change(unit.label, db.change, describe(layout, box), flow, volume(box),
                                  names))
    return out


def _replay_change(unit: Unit, old: Policy, new: Policy, flow: Flow, assume: dict[str, bool],
                   change: str) -> None:
    """The evaluator must agree that ``flow`` changed as the box engine says."""
    got = []
    for t, p in ((unit.old, old), (unit.new, new)):
        got.append(flow_problem(flow, t) is None and decide(t, flow, p.semantics, assume).accepted)
    if got[1] == got[0] or got[1] != (change == "newly allowed"):
        raise InternalError(f"the evaluator does not see {flow} as {change} on {unit.label}")


# ---------------------------------------------------------------- witnesses


def replay_witnesses(policy: Policy, results: Sequence[Result],
                     old_counterexamples: Sequence[tuple[Assertion, Sequence[Flow]]]) -> int:
    """Replay through the evaluator: each witness of the re-proved results is decided as
    its result says, and no old counterexample still shows a violation. Returns how many
    flows were replayed; raises InternalError on a disagreement."""
    n = 0
    for r in results:
        if r.verdict is not Verdict.PROVED:
            raise InternalError(f"assertion {r.assertion.name} is not proved on the repair")
        for ev in r.evidence:
            got = definitely(decide_all(ev.target, ev.flow, policy.semantics))
            if got is not None and got is not ev.decision.accepted:
                raise InternalError(f"the evaluator decides witness {ev.flow} of "
                                    f"{r.assertion.name} differently from the prover")
            n += 1
    by_name = {a.name: a for a in policy.assertions}
    for a, flows in old_counterexamples:
        if still_violates(policy, by_name.get(a.name, a), flows):
            raise InternalError(f"an old counterexample of {a.name} still violates it")
        n += len(flows)
    return n


# ---------------------------------------------------------------- conflicts


def find_conflict(policy: Policy) -> Conflict | None:
    """Two flow assertions about one interface, one needing a flow accepted and the other
    the same flow dropped: no rules satisfy both (checked box by box, the witness by the
    evaluator's flow-set membership). The smallest such set is a pair."""
    flows = [a for a in policy.assertions if isinstance(a, FlowAssertion)]
    budget = Budget(DEFAULT_BUDGET)
    for a, b in itertools.combinations(flows, 2):
        for acc, drop in ((a, b), (b, a)):
            if acc.check is not Check.ALL_ALLOWED or drop.check not in (Check.ALL_DENIED,
                                                                        Check.ONLY):
                continue
            if acc.target.group_keys != drop.target.group_keys or acc.target.local != drop.target.local:
                continue
            t = acc.target
            layout = layout_for([t], flowset_group_keys(acc.flows) | flowset_group_keys(drop.flows)
                                | flowset_group_keys(drop.only))
            sides = sides_of(t.group_keys)
            try:
                need = carve(disjoint(well_formed(layout, t), budget),
                             flowset_boxes(layout, acc.flows, sides), budget)[0]
                deny = flowset_boxes(layout, drop.flows, sides)
                both = carve(need, deny, budget)[0]
                if drop.only is not None and both:
                    both = carve(both, flowset_boxes(layout, drop.only, sides), budget)[1]
            except BudgetExceeded:
                continue
            for box in both:
                flow, _ = witness(layout, box)
                if (in_flow_set(acc.flows, flow, t.group_keys)
                        and in_flow_set(drop.flows, flow, t.group_keys)
                        and not (drop.only is not None and in_flow_set(drop.only, flow, t.group_keys))):
                    return Conflict((acc.name, drop.name), flow, t.name,
                                    f"{acc.name} needs {flow} accepted on {t.name}, "
                                    f"{drop.name} needs it dropped")
    return None


# ---------------------------------------------------------------- the search


@dataclass
class _Search:
    policy: Policy
    before: list[Result]
    bound: int
    max_sets: int
    allow_collateral: bool
    timeout_ms: int | None
    progress: Callable[[str], None] | None = None
    pool: list[Edit] = field(default_factory=list)
    keys: set[tuple[object, ...]] = field(default_factory=set)
    tried: set[frozenset[tuple[object, ...]]] = field(default_factory=set)
    checked: int = 0
    unknown: bool = False
    repairs: list[Repair] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # edit sets a platform limit refused
    measure_repairs: bool = True  # False: any repair will do (no difference computed)
    later: list[Result] = field(default_factory=list)  # violations of edited policies

    def notes(self) -> tuple[str, ...]:
        return tuple(f"an edit set was not tried: {why}" for why in self.refused.values())

    def __post_init__(self) -> None:
        self.violated = [r for r in self.before if r.verdict is Verdict.VIOLATED]
        self.names = [r.assertion.name for r in self.violated]
        self.counterexamples = [(r.assertion, [ev.flow for ev in r.evidence]) for r in self.violated]
        self.original = {(r.group, r.index): r for g in self.policy.groups for r in g.rules}
        self.add(candidates(self.policy, self.violated))

    def add(self, edits: Sequence[Edit]) -> bool:
        grew = False
        for e in edits:
            if len(self.pool) >= MAX_POOL or e.key in self.keys:
                continue
            if e.old is not None and self.original.get((e.group, e.old.index)) != e.old:
                continue  # a rule that an earlier edit changed: not an edit of the input
            self.pool.append(e)
            self.keys.add(e.key)
            grew = True
        return grew

    def try_set(self, combo: tuple[Edit, ...]) -> Repair | None | bool:
        """A repair, None (not one), or True when the checker's failures grew the pool."""
        ident = frozenset(e.key for e in combo)
        if ident in self.tried:
            return None
        self.tried.add(ident)
        combo = distinct_labels(self.policy, combo)
        try:
            edited = apply_edits(self.policy, combo)
        except EditRefused as exc:
            self.refused[str(exc).split(" would hold")[0]] = str(exc)
            return None
        by_name = {a.name: a for a in edited.assertions}
        if any(still_violates(edited, by_name[a.name], flows) for a, flows in self.counterexamples):
            return None
        self.checked += 1
        results = check_all(edited, self.names, stop=True, timeout_ms=self.timeout_ms)
        bad = [r for r in results if r.verdict is not Verdict.PROVED]
        if not bad:
            return Repair(combo, edited, tuple(results))
        if any(r.verdict is Verdict.UNKNOWN for r in bad):
            self.unknown = True
        self.later.extend(r for r in bad if r.verdict is Verdict.VIOLATED)
        grew = self.add(candidates(edited, [r for r in bad if r.verdict is Verdict.VIOLATED]))
        return True if grew else None

    def run(self) -> int | None:
        """Search sizes 1..bound; returns the size of the repairs found (None: none)."""
        k = 1
        found: int | None = None
        while k <= self.bound and self.checked < self.max_sets:
            grew = False
            for combo in itertools.combinations(self.pool, k):
                if self.checked >= self.max_sets:
                    break
                touched = [e.touches for e in combo if e.touches is not None]
                if len(touched) != len(set(touched)):
                    continue
                got = self.try_set(combo)
                if isinstance(got, Repair):
                    self.repairs.append(got)
                elif got is True:
                    grew = True  # even after a repair: a new candidate may make a smaller one
            if any(len(r.edits) == k for r in self.repairs) and self._acceptable(k):
                found = k
                if not grew:
                    break
            if grew:
                k = 1  # new candidates: search the smaller sizes again with them
                continue
            k += 1
        sizes = sorted({len(r.edits) for r in self.repairs})
        return found if found is not None else (sizes[0] if sizes else None)

    def _acceptable(self, k: int) -> bool:
        """Measure the repairs of size ``k``; True when one of them has no collateral (or
        collateral is allowed)."""
        if not self.measure_repairs:
            return True
        self.repairs = [r if len(r.edits) != k or r.measured else self.measure(r)
                        for r in self.repairs]
        return any(r.completed and (self.allow_collateral or not r.collateral)
                   for r in self.repairs if len(r.edits) == k)

    def measure(self, r: Repair) -> Repair:
        from_violated = [x.assertion for x in self.violated]
        changes, completed, problem = semantic_changes(self.policy, r.policy, from_violated,
                                                       timeout_ms=self.timeout_ms or 60_000,
                                                       confirm=False)
        return Repair(r.edits, r.policy, r.results, tuple(changes), completed, problem,
                      text_cost(r.edits, self.policy), measured=True)


def text_cost(edits: Sequence[Edit], policy: Policy) -> int:
    """The size of the text change: the characters a changed rule line loses and gains
    (``difflib``'s matching blocks kept), the whole line of an added or deleted rule."""
    groups = {g.key: g for g in policy.groups}
    n = 0
    for e in (p for edit in edits for p in edit.parts()):
        g = groups[e.group]
        try:
            lines = [rule_text(r, policy, g) for r in e.new]
            if e.old is not None and e.new:
                lines[0] = edited_line(e.old.text, e, policy, g)
        except NotWritable:
            n += 1000
            continue
        if e.old is None or not e.new:
            n += sum(len(x) for x in lines) + (len(e.old.text) if e.old is not None else 0)
            continue
        m = difflib.SequenceMatcher(None, e.old.text, lines[0], autojunk=False)
        kept = sum(b.size for b in m.get_matching_blocks())
        n += len(e.old.text) + len(lines[0]) - 2 * kept + sum(len(x) for x in lines[1:])
    return n


def _rank(r: Repair, pool: Sequence[Edit]) -> tuple[object, ...]:
    order = {e.key: i for i, e in enumerate(pool)}
    return (not r.completed, bool(r.collateral), r.changed_flows, r.text_cost,
            tuple(sorted(order.get(e.key, len(order)) for e in r.edits)))


def repair(policy: Policy, before: Sequence[Result] | None = None, bound: int = DEFAULT_BOUND,
           allow_collateral: bool = False, max_sets: int = DEFAULT_MAX_SETS,
           timeout_ms: int | None = None) -> FixOutcome:
    """Find the minimal proved repair of ``policy``'s violated assertions (module
    docstring). ``before``: its results if already checked."""
    start = time.perf_counter()
    results = list(before) if before is not None else check_all(policy, timeout_ms=timeout_ms)
    if any(r.verdict is Verdict.ERROR for r in results):
        return FixOutcome("error", tuple(results), bound=bound,
                          notes=("an assertion could not be checked (error); nothing to repair "
                                 "until it can",), elapsed=time.perf_counter() - start)
    if not any(r.verdict is Verdict.VIOLATED for r in results):
        status = "unknown" if any(r.verdict is Verdict.UNKNOWN for r in results) else "nothing-violated"
        return FixOutcome(status, tuple(results), bound=bound, elapsed=time.perf_counter() - start)
    conflict = find_conflict(policy)
    if conflict is not None:
        return FixOutcome("conflict", tuple(results), bound=bound, conflict=conflict,
                          claim="no rules satisfy these assertions together, whatever the edits",
                          elapsed=time.perf_counter() - start)
    s = _Search(policy, results, bound, max_sets, allow_collateral, timeout_ms)
    size = s.run()
    same = [r if r.measured else s.measure(r) for r in s.repairs
            if size is not None and len(r.edits) == size]
    ranked = sorted(same, key=lambda r: _rank(r, s.pool))
    exhausted = s.checked >= s.max_sets
    kinds = "delete a rule, change its action or priority, narrow its peer or ports (or " \
        "split it), move it to another group of an interface, add a rule"
    if not ranked:
        claim = (f"no repair with at most {bound} edits exists among the {len(s.pool)} candidate "
                 f"edits generated from the counterexamples ({kinds})")
        if exhausted:
            claim = (f"the search stopped after {s.checked} edit sets (its limit) without a "
                     f"repair; larger repairs or other candidates were not tried")
        status = "unknown" if s.unknown else "no-repair"
        core: tuple[str, ...] = ()
        flow = None
        if status == "no-repair" and not exhausted:
            core, flow = no_repair_core(policy, results, bound, timeout_ms)
        return FixOutcome(status, tuple(results), bound=bound, sets_checked=s.checked,
                          pool=len(s.pool), claim=claim, elapsed=time.perf_counter() - start,
                          candidates=tuple(s.pool),
                          notes=_intra_notes(list(results) + s.later[:50]) + s.notes(),
                          core=core, core_flow=flow)
    best = ranked[0]
    smaller = [r for r in s.repairs if len(r.edits) < size]
    plural = "s" if size != 1 else ""
    if size == 1:
        claim = "1 edit; no repair can have fewer"
    else:
        claim = (f"{size} edits; no repair with fewer edits exists among the {len(s.pool)} "
                 f"candidate edits generated from the counterexamples ({kinds})")
        if smaller:
            claim = (f"{size} edits; among the {len(s.pool)} candidate edits generated from the "
                     f"counterexamples ({kinds}), the {len(smaller)} repair"
                     f"{'s' if len(smaller) != 1 else ''} with fewer edits change flows that no "
                     "violated assertion names, and none with fewer edits changes only those")
    claim += (f"; among the {len(ranked)} repair{'s' if len(ranked) != 1 else ''} of {size} "
              f"edit{plural} found, it changes the fewest flows"
              + (" without collateral change" if not best.collateral else ""))
    if exhausted:
        claim += f" (the search stopped at its limit of {s.max_sets} edit sets)"
    status = "repaired"
    if not best.completed or (best.collateral and not allow_collateral):
        status = "collateral" if best.completed else "unknown"
    final = _proved_again(policy, best, s)
    return FixOutcome(status, tuple(results), final, alternatives=len(ranked), bound=bound,
                      sets_checked=s.checked, pool=len(s.pool), claim=claim, notes=s.notes(),
                      elapsed=time.perf_counter() - start,
                      edit_counts=tuple(sorted({len(r.edits) for r in s.repairs})),
                      candidates=tuple(s.pool), smaller_with_collateral=len(smaller))


MAX_CORE_ASSERTIONS = 12  # assertions beyond which no core is looked for
CORE_SETS = 300  # edit sets each search of the core may check


def _fails(policy: Policy, keep: Sequence[int], bound: int, timeout_ms: int | None) -> bool:
    """Does no repair within ``bound`` exist for the assertions at indexes ``keep`` (with
    something violated among them)? A search that stops at its limit counts as not
    failing, so that the core is never claimed on an unfinished search."""
    sub = replace(policy, assertions=tuple(policy.assertions[i] for i in keep))
    results = check_all(sub, timeout_ms=timeout_ms)
    if not any(r.verdict is Verdict.VIOLATED for r in results):
        return False
    if any(r.verdict is not Verdict.PROVED and r.verdict is not Verdict.VIOLATED for r in results):
        return False
    if find_conflict(sub) is not None:
        return True
    s = _Search(sub, results, bound, CORE_SETS, True, timeout_ms, measure_repairs=False)
    return s.run() is None and s.checked < CORE_SETS and not s.unknown


def no_repair_core(policy: Policy, results: Sequence[Result], bound: int,
                   timeout_ms: int | None = None) -> tuple[tuple[str, ...], Flow | None]:
    """The smallest set of assertions for which no repair within ``bound`` exists, found by
    removing assertions one at a time (each removal kept when the rest still has no
    repair), with a counterexample of one of them; empty for more than
    ``MAX_CORE_ASSERTIONS`` assertions."""
    if len(policy.assertions) > MAX_CORE_ASSERTIONS:
        return (), None
    core = list(range(len(policy.assertions)))
    for i in list(core):
        trial = [j for j in core if j != i]
        if trial and _fails(policy, trial, bound, timeout_ms):
            core = trial
    names = tuple(policy.assertions[i].name for i in core)
    flow = next((r.flow for r in results if r.assertion.name in names and r.flow is not None
                 and r.verdict is Verdict.VIOLATED), None)
    return names, flow


def _intra_notes(results: Sequence[Result]) -> tuple[str, ...]:
    """Why a counterexample gave no candidate: intra-group Accept outranks every rule."""
    out: dict[str, None] = {}
    for r in results:
        for ev in r.evidence:
            d = ev.decision
            if d.reason is Reason.INTRA_GROUP and d.accepted and d.group is not None:
                out[f"the intra-group Accept policy of group {d.group.name} decides {ev.flow} "
                    "and outranks every custom rule; fix edits rules only, not a group's "
                    "policy ('intra drop' on the group would change it)"] = None
    return tuple(out)


def _proved_again(policy: Policy, best: Repair, s: _Search) -> Repair:
    """Prove every assertion of the repaired policy again (certified by the box engine as
    well) and replay the witnesses and old counterexamples through the evaluator."""
    from_violated = [x.assertion for x in s.violated]
    changes, completed, problem = semantic_changes(policy, best.policy, from_violated,
                                                   timeout_ms=s.timeout_ms or 60_000)
    if completed and [(c.unit, c.change, c.flows, c.covered_by) for c in changes] != \
            [(c.unit, c.change, c.flows, c.covered_by) for c in best.changes]:
        raise InternalError("the semantic difference of the repair is not the same when "
                            "confirmed by Z3")
    again = check_all(best.policy, timeout_ms=s.timeout_ms, certify=True)
    bad = [r for r in again if r.verdict is not Verdict.PROVED]
    if bad:
        raise InternalError(f"the repair does not prove again: {bad[0].assertion.name} is "
                            f"{bad[0].verdict.value} ({bad[0].summary})")
    replayed = replay_witnesses(best.policy, again, s.counterexamples)
    return Repair(best.edits, best.policy, tuple(again), tuple(changes), completed,
                  problem, best.text_cost, replayed, True)


__all__ = ["Change", "Conflict", "FixOutcome", "Repair", "repair", "semantic_changes",
           "find_conflict", "check_all", "required_flowsets", "DEFAULT_BOUND", "DEFAULT_MAX_SETS",
           "replay_witnesses"]
