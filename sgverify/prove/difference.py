"""The semantic diff of two policies: the complete set of flows NEW accepts and OLD drops
("newly allowed") and the reverse ("newly denied"), each as a few disjoint boxes whose union
is exactly that set, with a witness flow and the deciding rule on both sides.

How: the box engine (``certify.decide_region``) splits the flows of one interface by what
decides them in OLD, then splits each OLD piece by what decides it in NEW; the pieces whose
verdicts differ are the difference. They are merged into few boxes (``merge``). Nothing is
taken on trust: every box's witness is replayed through the evaluator (``evaluate.decide``)
on both sides, and Z3 proves, independently of the box engine, that the boxes hold only
differing flows and that no differing flow lies outside them (``_z3_confirm``). Any
disagreement is an ``InternalError``. Past the box budget or the solver's time limit a unit
is *not completed*; a partial difference is never reported as complete.

With an expected change (a flow set), the difference is split into the intended part and
the *collateral* part outside the set, and Z3 proves the collateral part empty or not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter

import z3  # type: ignore[import-untyped]

from ..core.addresses import MAX, V4, V6
from ..core.diagnostics import InputError, InternalError, Span
from ..core.evaluate import Decision, decide, in_flow_set
from ..core.flow import Flow, flow_problem
from ..core.model import (
    Direction,
    FlowSet,
    Group,
    GroupKey,
    Instance,
    Policy,
    Rule,
    Semantics,
    Target,
)
from ..engines.boxes.certify import (
    DIR,
    DPORT,
    FAM,
    LOCAL,
    NIC,
    PEER,
    PROTO,
    SPORT,
    EndLayout,
    Layout,
    Piece,
    decide_region,
    flowset_boxes,
    flowset_group_keys,
    layout_for,
    rule_boxes,
    well_formed,
)
from ..engines.boxes.intervals import Box, Budget, BudgetExceeded, Intervals, carve, disjoint
from ..engines.boxes.merge import BoxView, describe, merge_boxes, witness
from ..engines.boxes.narrow import Narrowing
from ..engines.z3.encode import (
    SymFlow,
    accepted,
    atom_var,
    flow_set,
    peer_side,
    single_sides,
    single_view,
)
from ..engines.z3.encode import well_formed as z3_well_formed
from ..engines.z3.solve import SolverUnknown, make_solver, require
from ..engines.z3.witness import decode

ABSENT = "absent"  # the flow cannot occur on that side (address or network not there)
NEWLY_ALLOWED, NEWLY_DENIED = "newly allowed", "newly denied"
DEFAULT_BUDGET = 1_000_000
DEFAULT_TIMEOUT_MS = 60_000


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Decider:
    """What decides a box of flows on one side: a rule, the default, the intra-group policy,
    the platform TCP 25 block, or nothing because the flows cannot occur there (absent)."""

    accepted: bool
    reason: str  # rule | default | intra-group | platform | absent
    rule: Rule | None = None

    @staticmethod
    def of(piece: Piece) -> Decider:
        return Decider(piece.accepted, piece.reason, piece.rule)

    @property
    def key(self) -> tuple[object, ...]:
        rule = (str(self.rule.group), self.rule.index) if self.rule else ("", -1)
        return (self.accepted, self.reason) + rule

    @property
    def action(self) -> str:
        return "accept" if self.accepted else "drop"

    def describe(self) -> str:
        if self.rule is not None:
            r = self.rule
            at = f" at {r.span}" if r.span else ""
            return f"rule {r.name} of group {r.group_name} (priority {r.priority}, {r.action.value}){at}"
        return {"default": f"the default {self.action} (no rule matches)",
                "intra-group": f"the intra-group policy ({self.action})",
                "platform": "the platform block of outbound TCP 25",
                ABSENT: "nothing: these flows cannot occur on this side"}[self.reason]


@dataclass(frozen=True)
class DiffBox:
    """One box of the difference: its fields, what decides it in OLD and in NEW, and a
    witness flow (with the memberships of unresolved lists it assumes) replayed through the
    evaluator on both sides. ``collateral``: outside the expected change (None: no
    expectation given)."""

    change: str  # NEWLY_ALLOWED or NEWLY_DENIED
    view: BoxView
    old: Decider
    new: Decider
    witness: Flow
    assume: tuple[tuple[str, bool], ...]
    old_decision: Decision | None
    new_decision: Decision | None
    collateral: bool | None = None
    box: Box = ()


@dataclass(frozen=True)
class Unit:
    """One interface compared: a group on its own or an instance (its groups pooled), as
    OLD and NEW define it."""

    kind: str  # group | instance
    name: str
    old: Target
    new: Target

    @property
    def label(self) -> str:
        renamed = f" (OLD: {self.old.name})" if self.old.name != self.new.name else ""
        return f"{self.kind} {self.name}{renamed}"

    def scope(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "old_name": self.old.name}


@dataclass(frozen=True)
class Unchanged:
    """Flows of the expected change on which OLD and NEW agree (the change missed them)."""

    view: BoxView
    witness: Flow
    accepted: bool


@dataclass(frozen=True)
class UnitDiff:
    """The difference on one interface. ``layout`` says which box dimension is which (for
    reading ``DiffBox.box``; None when there is no box: a unit found the same by content,
    or one not completed)."""

    unit: Unit
    completed: bool
    problem: str | None = None
    newly_allowed: tuple[DiffBox, ...] = ()
    newly_denied: tuple[DiffBox, ...] = ()
    unchanged_expected: tuple[Unchanged, ...] = ()
    layout: Layout | None = field(default=None, compare=False, repr=False)

    @property
    def equivalent(self) -> bool:
        return self.completed and not self.newly_allowed and not self.newly_denied

    @property
    def boxes(self) -> tuple[DiffBox, ...]:
        return self.newly_allowed + self.newly_denied


@dataclass(frozen=True)
class Presence:
    """A group or instance defined on one side only."""

    kind: str
    name: str
    side: str  # OLD or NEW
    span: Span | None = None


@dataclass(frozen=True)
class PolicyDiff:
    """The comparison of two policies: one ``UnitDiff`` per interface compared, what exists
    on one side only, notes on identities and options, and the expectation if given."""

    old_path: str
    new_path: str
    units: tuple[UnitDiff, ...]
    only_one_side: tuple[Presence, ...] = ()
    notes: tuple[str, ...] = ()
    expect: FlowSet | None = None
    expect_text: str | None = None

    @property
    def completed(self) -> bool:
        return all(u.completed for u in self.units)

    @property
    def equivalent(self) -> bool:
        return self.completed and not self.only_one_side and all(u.equivalent for u in self.units)

    @property
    def newly_allowed(self) -> list[tuple[Unit, DiffBox]]:
        return [(u.unit, b) for u in self.units for b in u.newly_allowed]

    @property
    def newly_denied(self) -> list[tuple[Unit, DiffBox]]:
        return [(u.unit, b) for u in self.units for b in u.newly_denied]

    @property
    def collateral(self) -> list[tuple[Unit, DiffBox]]:
        return [(u.unit, b) for u in self.units for b in u.boxes if b.collateral]

    @property
    def new_access(self) -> bool:
        """Does NEW accept anything OLD did not (a new instance counts: all it accepts is new)?"""
        return bool(self.newly_allowed) or any(p.kind == "instance" and p.side == "NEW"
                                               for p in self.only_one_side)

# ---------------------------------------------------------------- matching OLD and NEW


def match_groups(old: Policy, new: Policy) -> tuple[list[tuple[Group, Group]], list[Group], list[Group]]:
    """Pairs of the same group in OLD and NEW: by owner and id when both have one, then by
    owner and name; and the groups of each side left unpaired."""
    pairs: list[tuple[Group, Group]] = []
    free = list(new.groups)
    rest = []
    for g in old.groups:
        m = next((n for n in free if g.gid and n.gid == g.gid and n.owner == g.owner), None)
        if m is None:
            rest.append(g)
        else:
            pairs.append((g, m))
            free = [n for n in free if n is not m]
    left = []
    for g in rest:
        m = next((n for n in free if n.name == g.name and n.owner == g.owner), None)
        if m is None:
            left.append(g)
        else:
            pairs.append((g, m))
            free = [n for n in free if n is not m]
    order = {id(g): i for i, g in enumerate(old.groups)}
    pairs.sort(key=lambda p: order[id(p[0])])
    return pairs, left, free


def match_instances(old: Policy, new: Policy) -> tuple[list[tuple[Instance, Instance]],
                                                      list[Instance], list[Instance]]:
    """Pairs of the same instance: by id when both have one, otherwise by name."""
    pairs, left, free = [], [], list(new.instances)
    for i in old.instances:
        m = next((n for n in free if i.iid and n.iid == i.iid), None) or next(
            (n for n in free if n.name == i.name and not (i.iid and n.iid)), None)
        if m is None:
            left.append(i)
        else:
            pairs.append((i, m))
            free = [n for n in free if n is not m]
    return pairs, left, free


def rekey(policy: Policy, mapping: dict[GroupKey, GroupKey]) -> Policy:
    """``policy`` with group identities renamed (so that one group has one identity on both
    sides: a rule naming it and a flow's peer groups must agree)."""
    if not mapping:
        return policy

    def k(key: GroupKey) -> GroupKey:
        return mapping.get(key, key)

    def group(g: Group) -> Group:
        rules = tuple(replace(r, group=k(r.group),
                              peer=replace(r.peer, groups=frozenset(k(x) for x in r.peer.groups)))
                      for r in g.rules)
        return replace(g, key=k(g.key), rules=rules)

    groups = {g.key: group(g) for g in policy.groups}
    instances = tuple(replace(i, groups=tuple(groups.get(g.key) or group(g) for g in i.groups))
                      for i in policy.instances)
    return replace(policy, groups=tuple(groups.values()), instances=instances, assertions=())


def _same_identity(old: Policy, new: Policy) -> tuple[Policy, list[str]]:
    """OLD with the identities of the groups NEW also has (matched by id or name)."""
    pairs, _, _ = match_groups(old, new)
    old_keys = {g.key for g in old.groups}
    mapping, notes = {}, []
    for o, n in pairs:
        if o.key == n.key:
            continue
        if n.key in old_keys:
            notes.append(f"group {o.name} (OLD) and group {n.name} (NEW) are matched by name, but "
                         f"OLD uses the identity {n.key} for another group: references to them are "
                         "compared by identity")
            continue
        mapping[o.key] = n.key
        notes.append(f"group {o.name} is {o.key} in OLD and {n.key} in NEW: compared as one group")
    return rekey(old, mapping), notes


def plan(old: Policy, new: Policy, target: str | None = None) -> tuple[list[Unit], list[Presence], list[str]]:
    """What to compare: the interface ``target`` names on both sides, or every group and
    every instance of the inventories, paired by id or name. Raises InputError when
    ``target`` is missing on a side."""
    old, notes = _same_identity(old, new)
    if old.semantics != new.semantics:
        for name, a, b in (("intra-group", old.semantics.intra_group, new.semantics.intra_group),
                           ("block-outbound-tcp25", old.semantics.block_tcp25, new.semantics.block_tcp25)):
            if a != b:
                notes.append(f"option {name} is {_opt(a)} in OLD and {_opt(b)} in NEW; each side is "
                             "evaluated with its own")
    if target is not None:
        sides = []
        for label, policy in (("OLD", old), ("NEW", new)):
            try:
                sides.append(policy.find_target(target))
            except InputError as exc:
                raise InputError([replace(d, message=f"{label} ({policy.path}): {d.message}")
                                  for d in exc.diagnostics]) from None
        kind = sides[1].kind if sides[1].kind == sides[0].kind else "interface"
        return [Unit(kind, sides[1].name, sides[0], sides[1])], [], notes
    units, only = [], []
    pairs, left, right = match_groups(old, new)
    for o, n in pairs:
        units.append(Unit("group", n.name, Target(o.name, "group", (o,), None, o.span),
                          Target(n.name, "group", (n,), None, n.span)))
    only += [Presence("group", g.name, "OLD", g.span) for g in left]
    only += [Presence("group", g.name, "NEW", g.span) for g in right]
    ipairs, ileft, iright = match_instances(old, new)
    units += [Unit("instance", n.name, o.target, n.target) for o, n in ipairs]
    only += [Presence("instance", i.name, "OLD", i.span) for i in ileft]
    only += [Presence("instance", i.name, "NEW", i.span) for i in iright]
    return units, only, notes


def _opt(value: object) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


# ---------------------------------------------------------------- the box engine


def sides_of(local_groups: frozenset[GroupKey]) -> dict[Direction, tuple[EndLayout, EndLayout]]:
    """(source, destination) of a one-interface flow, per direction, on the layout."""
    peer, local = EndLayout(PEER, None, peer=True), EndLayout(LOCAL, local_groups)
    return {Direction.INGRESS: (peer, local), Direction.EGRESS: (local, peer)}


def side_pieces(layout: Layout, target: Target, sem: Semantics, possible: Sequence[Box],
                region: Sequence[Box], budget: Budget) -> list[Piece]:
    """``region`` split by what decides on ``target``; flows that cannot occur there (outside
    ``possible``) are one more kind of piece, ``absent`` (not accepted)."""
    inside, outside = carve(region, possible, budget)
    return decide_region(layout, target, sem, inside, budget) + [Piece(b, False, ABSENT) for b in outside]


# What a rule contributes to decisions (its group, index and names do not matter once the
# rules of an interface are pooled): the tuple of these fields, made in C (``attrgetter``),
# which a diff of an estate does for every rule of both sides.
_content: Callable[[Rule], tuple[object, ...]] = attrgetter(
    "direction", "action", "protocol", "ports", "peer", "priority", "source_ports", "local",
    "nic", "unresolved_ports")


def _frame(t: Target) -> tuple[object, ...]:
    """Everything besides the rules that decisions depend on."""
    # Keys by their fields: two keys can print alike ('123/sg-x' is also an id with a slash).
    return (t.network, t.gtype, t.local, t.private, t.public,
            tuple(sorted((g.key.account, g.key.ident, g.gtype.value, g.intra.value,
                          g.rules_known) for g in t.groups)))


class Contents:
    """The rules' contents (``_content``) as small numbers, and each group's multiset of
    them, made once for a whole comparison: a diff of an estate asks ``same_content`` of
    every group and instance, and hashing the contents again for each (peers, address
    sets) was most of its time. Equal numbers are equal contents (one dictionary)."""

    def __init__(self) -> None:
        self._ids: dict[tuple[object, ...], int] = {}
        self._groups: dict[int, Counter[int]] = {}
        self._numbers: dict[int, list[int]] = {}
        self._keep: list[Group] = []  # the groups whose ids are keys stay alive
        self._alike: dict[tuple[int, int], bool] = {}

    def alike(self, old: Target, new: Target) -> bool:
        """Each group of ``old`` has a group of ``new`` with the same key and the same rule
        contents in the same order (and no group is left over): then the pooled multisets
        are equal, without numbering a rule. Most groups of an estate diff compare so;
        False says nothing (the multisets may still be equal), and the caller compares them.
        Each pair of groups is compared once (an instance's groups are also units)."""
        if len(old.groups) != len(new.groups):
            return False
        by_key = {g.key: g for g in new.groups}
        for g in old.groups:
            h = by_key.get(g.key)
            if h is None:
                return False
            pair = (id(g), id(h))
            hit = self._alike.get(pair)
            if hit is None:
                hit = self._alike[pair] = len(g.rules) == len(h.rules) and \
                    list(map(_content, g.rules)) == list(map(_content, h.rules))
                self._keep += (g, h)
            if not hit:
                return False
        return True

    def numbers(self, g: Group) -> list[int]:
        """The number of each rule's content, in the group's order."""
        hit = self._numbers.get(id(g))
        if hit is None:
            ids = self._ids
            hit = self._numbers[id(g)] = [ids.setdefault(c, len(ids)) for c in map(_content, g.rules)]
            self._keep.append(g)
        return hit

    def group(self, g: Group) -> Counter[int]:
        hit = self._groups.get(id(g))
        if hit is None:
            hit = self._groups[id(g)] = Counter(self.numbers(g))
        return hit

    def pooled(self, t: Target) -> Counter[int]:
        """The multiset of the contents of every rule of ``t``."""
        out: Counter[int] = Counter()
        for g in t.groups:
            out.update(self.group(g))
        return out


def same_content(unit: Unit, old_sem: Semantics, new_sem: Semantics,
                 contents: Contents | None = None) -> bool:
    """OLD and NEW have the same frame and the same rules by content (``_content``), under
    the same semantics: then they decide every flow alike, whatever the rules' names, ids
    and order within a priority. ``contents``: shared between the units of one comparison."""
    if old_sem != new_sem or _frame(unit.old) != _frame(unit.new):
        return False
    if contents is not None:
        return contents.alike(unit.old, unit.new) or \
            contents.pooled(unit.old) == contents.pooled(unit.new)
    return (Counter(_content(r) for g in unit.old.groups for r in g.rules)
            == Counter(_content(r) for g in unit.new.groups for r in g.rules))


def changed_cutters(layout: Layout, unit: Unit, old_sem: Semantics, new_sem: Semantics,
                    contents: Contents | None = None) -> list[Box] | None:
    """Boxes outside which OLD and NEW decide alike, or None when that cannot be narrowed.

    When the two interfaces differ only in rules, a flow matched by no rule that one side
    has and the other lacks (compared by content) is matched by the same rules on both
    sides, so it gets the same verdict: only the flows of the changed rules can differ.
    ``contents``: the comparison's numbered contents (the same rules, compared by number)."""
    if old_sem != new_sem or _frame(unit.old) != _frame(unit.new):
        return None
    if contents is None:
        contents = Contents()
    old, new = contents.pooled(unit.old), contents.pooled(unit.new)
    differ = set((old - new) + (new - old))
    out: list[Box] = []
    for t in (unit.old, unit.new):
        for g in t.groups:
            for r, number in zip(g.rules, contents.numbers(g)):
                if number in differ:
                    out += rule_boxes(layout, r, 0 if r.direction is Direction.INGRESS else 1,
                                      PEER, LOCAL, None)
    return out


def diff_unit(unit: Unit, old_sem: Semantics, new_sem: Semantics, expect: FlowSet | None = None,
              budget_limit: int = DEFAULT_BUDGET, timeout_ms: int | None = DEFAULT_TIMEOUT_MS,
              extra_keys: Sequence[GroupKey] = (), confirm: bool = True,
              contents: Contents | None = None) -> UnitDiff:
    """The complete difference on one interface (see the module docstring). ``extra_keys``:
    more peer groups for the layout (a caller that reads the boxes against flow sets of
    its own, as ``fix`` does with the assertions' flows). ``confirm=False`` leaves out the
    independent check with Z3 (the witnesses are still replayed): for a caller that only
    compares sizes and confirms the difference it keeps. ``contents``: rule contents
    shared between the units of one comparison (``Contents``)."""
    if expect is None and same_content(unit, old_sem, new_sem, contents):
        # The same rules (by content) in the same frame under the same semantics decide
        # every flow alike: nothing to search, nothing to confirm (most units of a fleet).
        # This holds with groups whose rules are not known, too, when they are the same
        # groups on both sides: the change does not touch this interface. No box to read,
        # so no layout (making it visits every rule again).
        return UnitDiff(unit, True, None, (), (), ())
    layout = layout_for([unit.old, unit.new], flowset_group_keys(expect) | set(extra_keys))
    unknown = sorted({g.name for t in (unit.old, unit.new) for g in t.groups if not g.rules_known})
    if unknown:
        return UnitDiff(unit, False, "the rules of group " + ", ".join(unknown) + " are not known "
                        "(external, or referenced by imported data but not in it), so the "
                        "difference cannot be computed", layout=layout)
    budget = Budget(budget_limit)
    local_groups = unit.new.group_keys
    try:
        possible_old = well_formed(layout, unit.old)
        possible_new = well_formed(layout, unit.new)
        everything = disjoint(possible_old + possible_new, budget)
        cutters = changed_cutters(layout, unit, old_sem, new_sem, contents)
        region = everything if cutters is None else carve(everything, cutters, budget)[0]
        changed: dict[tuple[object, ...], tuple[str, Decider, Decider, list[Box]]] = {}
        narrow = Narrowing(layout, unit.new, lazy=True)
        for op in side_pieces(layout, unit.old, old_sem, possible_old, region, budget):
            for np in side_pieces(layout, narrow.to(op.box), new_sem, possible_new, [op.box], budget):
                if op.accepted == np.accepted:
                    continue
                old_d, new_d = Decider.of(op), Decider.of(np)
                change = NEWLY_ALLOWED if np.accepted else NEWLY_DENIED
                entry = changed.setdefault((change,) + old_d.key + new_d.key, (change, old_d, new_d, []))
                entry[3].append(np.box)
        expected = flowset_boxes(layout, expect, sides_of(local_groups)) if expect is not None else []
        groups: list[tuple[str, Decider, Decider, bool | None, list[Box]]] = []
        for change, old_d, new_d, boxes in changed.values():
            if expect is None:
                groups.append((change, old_d, new_d, None, boxes))
                continue
            inside, outside = carve(boxes, expected, budget)
            groups += [(change, old_d, new_d, False, inside), (change, old_d, new_d, True, outside)]
        unchanged: list[tuple[Box, bool]] = []
        if expect is not None:
            # The expected flows that did not change: decided alike, so OLD's verdict says how.
            wanted, _ = carve(everything, expected, budget)
            _, same = carve(wanted, [b for *_, boxes in changed.values() for b in boxes], budget)
            pieces = side_pieces(layout, unit.old, old_sem, possible_old, same, budget)
            for acc in (True, False):
                unchanged += [(b, acc) for b in merge_boxes(p.box for p in pieces if p.accepted is acc)]
    except BudgetExceeded as exc:
        return UnitDiff(unit, False, f"the box decomposition grew past its budget ({exc}); "
                        "raise --budget to complete it")
    out: list[DiffBox] = []
    for change, old_d, new_d, collateral, boxes in groups:
        for box in merge_boxes(boxes):
            out.append(_diff_box(layout, unit, old_sem, new_sem, change, old_d, new_d, collateral, box))
    out.sort(key=lambda b: (b.change, b.box, b.old.key, b.new.key))
    allowed = tuple(b for b in out if b.change == NEWLY_ALLOWED)
    denied = tuple(b for b in out if b.change == NEWLY_DENIED)
    kept = [_unchanged(layout, unit, old_sem, new_sem, box, acc) for box, acc in sorted(unchanged)]
    try:
        if confirm:
            _z3_confirm(layout, unit, old_sem, new_sem, allowed, denied, expect, timeout_ms)
    except SolverUnknown as exc:
        return UnitDiff(unit, False, f"the independent check with Z3 did not finish ({exc.reason}); "
                        "raise --timeout to complete it")
    return UnitDiff(unit, True, None, allowed, denied, tuple(kept), layout)


def _unchanged(layout: Layout, unit: Unit, old_sem: Semantics, new_sem: Semantics, box: Box,
               acc: bool) -> Unchanged:
    """An expected box that did not change, with a witness both sides decide as claimed."""
    flow, assume = witness(layout, box)
    for target, sem in ((unit.old, old_sem), (unit.new, new_sem)):
        got = flow_problem(flow, target) is None and decide(target, flow, sem, assume).accepted
        if got != acc:
            raise InternalError(f"box engine and evaluator disagree on {flow} on {target.name}: "
                                f"the box engine says it is {'accepted' if acc else 'not accepted'} "
                                "on both sides")
    return Unchanged(describe(layout, box), flow, acc)


def _diff_box(layout: Layout, unit: Unit, old_sem: Semantics, new_sem: Semantics, change: str,
              old_d: Decider, new_d: Decider, collateral: bool | None, box: Box) -> DiffBox:
    """A merged box with its witness, replayed through the evaluator on both sides."""
    flow, assume = witness(layout, box)
    decisions = []
    for side, target, sem, d in (("OLD", unit.old, old_sem, old_d), ("NEW", unit.new, new_sem, new_d)):
        decisions.append(_replay(side, target, sem, d, flow, assume))
    return DiffBox(change, describe(layout, box), old_d, new_d, flow, tuple(sorted(assume.items())),
                   decisions[0], decisions[1], collateral, box)


def _replay(side: str, target: Target, sem: Semantics, claimed: Decider, flow: Flow,
            assume: dict[str, bool]) -> Decision | None:
    """The evaluator's decision for a witness; it must be the one the box engine claimed."""
    problem = flow_problem(flow, target)
    if claimed.reason == ABSENT:
        if problem is None:
            raise InternalError(f"the box engine says {flow} cannot occur on {side} "
                                f"{target.name}, the evaluator says it can")
        return None
    if problem is not None:
        raise InternalError(f"the box engine produced an impossible witness on {side} "
                            f"{target.name}: {flow} ({problem})")
    dec = decide(target, flow, sem, assume)
    rule_ok = claimed.rule is None or (dec.rule is not None and dec.rule.group == claimed.rule.group
                                       and dec.rule.index == claimed.rule.index)
    if dec.accepted != claimed.accepted or dec.reason.value != claimed.reason or not rule_ok:
        raise InternalError(f"box engine and evaluator disagree on {flow} on {side} {target.name}: "
                            f"the box engine says {claimed.action} by {claimed.describe()}, the "
                            f"evaluator says {dec.action.value} by {dec.describe()}")
    return dec


# ---------------------------------------------------------------- the independent check


def _ivs_z3(term: z3.BitVecRef, ivs: Intervals, top: int) -> z3.BoolRef:
    parts = []
    for lo, hi in ivs:
        hi = min(hi, top)
        if lo > hi:
            continue
        if lo == hi:
            parts.append(term == lo)
        elif lo == 0 and hi == top:
            return z3.BoolVal(True)
        else:
            parts.append(z3.And(z3.ULE(lo, term), z3.ULE(term, hi)))
    return z3.Or(parts) if parts else z3.BoolVal(False)


def _bit(term: z3.BoolRef, ivs: Intervals) -> z3.BoolRef:
    values = {v for lo, hi in ivs for v in range(lo, hi + 1)}
    if values >= {0, 1}:
        return z3.BoolVal(True)
    return term if values == {1} else z3.Not(term)


def box_formula(layout: Layout, box: Box, f: SymFlow) -> z3.BoolRef:
    """Membership of the symbolic flow ``f`` in ``box`` (written from the box itself, not
    from the rules, so that Z3 checks the box engine's result)."""
    parts = [_bit(f.ingress, tuple((1 - hi, 1 - lo) for lo, hi in box[DIR])), _bit(f.internet, box[NIC]),
             _bit(f.v6, box[FAM]), _ivs_z3(f.protocol, box[PROTO], 255),
             _ivs_z3(f.dport, box[DPORT], 65535), _ivs_z3(f.sport, box[SPORT], 65535)]
    for dim, v4, v6 in ((PEER, f.peer4, f.peer6), (LOCAL, f.local4, f.local6)):
        parts.append(z3.Or(z3.And(z3.Not(f.v6), _ivs_z3(v4, box[dim], MAX[V4])),
                           z3.And(f.v6, _ivs_z3(v6, box[dim], MAX[V6]))))
    for k in layout.keys:
        parts.append(_bit(f.groups[k], box[layout.key_dim(k)]))  # type: ignore[index]
    for name in layout.atoms:
        parts.append(_bit(atom_var(name), box[layout.atom_dim(name)]))
    return z3.And(parts)


def _z3_confirm(layout: Layout, unit: Unit, old_sem: Semantics, new_sem: Semantics,
                allowed: Sequence[DiffBox], denied: Sequence[DiffBox], expect: FlowSet | None,
                timeout_ms: int | None) -> None:
    """Z3, from the encoder's formulas: every flow of the allowed (denied) boxes is newly
    allowed (denied); no differing flow lies outside them; and, with an expectation, a
    collateral change exists exactly when the box engine found one."""
    f = SymFlow(universe=frozenset(layout.keys))
    view = single_view(f)
    acc_old = z3.And(z3_well_formed(unit.old, f), accepted(unit.old, view, old_sem))
    acc_new = z3.And(z3_well_formed(unit.new, f), accepted(unit.new, view, new_sem))
    gained, lost = z3.And(acc_new, z3.Not(acc_old)), z3.And(acc_old, z3.Not(acc_new))
    in_allowed = z3.Or([box_formula(layout, b.box, f) for b in allowed] or [z3.BoolVal(False)])
    in_denied = z3.Or([box_formula(layout, b.box, f) for b in denied] or [z3.BoolVal(False)])
    checks = [
        (z3.And(gained, z3.Not(in_allowed)), "a newly allowed flow lies outside every reported box"),
        (z3.And(lost, z3.Not(in_denied)), "a newly denied flow lies outside every reported box"),
        (z3.And(in_allowed, z3.Not(gained)), "a reported newly allowed box holds a flow that is not"),
        (z3.And(in_denied, z3.Not(lost)), "a reported newly denied box holds a flow that is not"),
    ]
    # One solver for the four questions, each behind its own assumption literal: they
    # share the two interfaces' formulas, and what Z3 learns on one serves the others.
    # Z3's general solver, not its QF_BV one: on the 32 changed units of a 1,000-group
    # estate it answers the same questions in 1.0 s instead of 1.3-1.5 s.
    s = make_solver(timeout_ms, logic=None)
    for i, (query, problem) in enumerate(checks):
        s.add(z3.Implies(z3.Bool(f"confirm!{i}"), query))
    for i, (query, problem) in enumerate(checks):
        if require(s, z3.Bool(f"confirm!{i}")):
            flow = _model_text(s.model(), f)
            raise InternalError(f"Z3 and the box engine disagree on {unit.label}: {problem} ({flow})")
    if expect is None:
        return
    src, dst = single_sides(f, unit.new.group_keys)
    outside = z3.Not(flow_set(expect, f, src, dst, peer=peer_side(f)))
    s = make_solver(timeout_ms)
    s.add(z3.Or(gained, lost), outside)
    found = require(s)
    boxes = any(b.collateral for b in list(allowed) + list(denied))
    if found != boxes:
        raise InternalError(f"Z3 and the box engine disagree on {unit.label}: Z3 finds "
                            f"{'a' if found else 'no'} collateral change, the box engine "
                            f"{'finds one' if boxes else 'none'}")
    for b in list(allowed) + list(denied):
        if in_flow_set(expect, b.witness, unit.new.group_keys) == b.collateral:
            raise InternalError(f"the evaluator places witness {b.witness} "
                                f"{'inside' if b.collateral else 'outside'} the expected change, "
                                "the box engine the other way")


def _model_text(model: z3.ModelRef, f: SymFlow) -> str:
    try:
        return str(decode(model, f))
    except Exception:  # noqa: BLE001 - only for the message of an internal error
        return "no flow decoded"


__all__ = [
    "ABSENT",
    "Contents",
    "DEFAULT_BUDGET",
    "DEFAULT_TIMEOUT_MS",
    "NEWLY_ALLOWED",
    "NEWLY_DENIED",
    "Decider",
    "DiffBox",
    "PolicyDiff",
    "Presence",
    "Unchanged",
    "Unit",
    "UnitDiff",
    "box_formula",
    "diff_unit",
    "match_groups",
    "match_instances",
    "plan",
    "rekey",
    "sides_of",
]
