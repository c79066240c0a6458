"""``same_content`` with the rule contents numbered once for a whole comparison
(``Contents``, what ``diff`` of an estate uses) against the multisets built for each unit,
on random pairs of interfaces: edited, regrouped, reordered or unrelated; one ``Contents``
is shared between the pairs of an example, as between the units of one diff."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.model import Rule, Target
from sgverify.prove.difference import Contents, Unit, same_content
from tests.analyses.test_diff_properties import pairs
from tests.support.strategies import semantics

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def reordered(draw: st.DrawFn, t: Target) -> Target:
    """The same rules, each group's in another order (same content: must compare equal)."""
    groups = []
    for g in t.groups:
        rules = list(draw(st.permutations(g.rules)))
        groups.append(replace(g, rules=tuple(replace(r, index=k) for k, r in enumerate(rules))))
    return replace(t, groups=tuple(groups))


@st.composite
def copied(draw: st.DrawFn, t: Target) -> Target:
    """The same rules as new objects, in the same order, the groups listed in another order
    (what the second estate of a diff holds for an unchanged group: ``Contents.alike``)."""
    groups = [replace(g, rules=tuple(replace(r) for r in g.rules)) for g in t.groups]
    return replace(t, groups=tuple(draw(st.permutations(groups))))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Target, Target]:
    old, new = draw(pairs())
    kind = draw(st.sampled_from(("reordered", "copied", "copied new", "pair")))
    if kind == "reordered":
        return old, draw(reordered(old))
    if kind == "copied":
        return old, draw(copied(old))
    if kind == "copied new":
        return draw(copied(new)), new
    return old, new


@SETTINGS
@given(st.lists(cases(), min_size=1, max_size=4), semantics)
def test_numbered_contents_compare_as_the_multisets(units, sem) -> None:  # type: ignore[no-untyped-def]
    contents = Contents()
    for old, new in units:
        unit = Unit("group", "t", old, new)
        assert same_content(unit, sem, sem, contents) == same_content(unit, sem, sem)
        if contents.alike(old, new):  # a shortcut that says "the same" must be right
            # (about the rules only: the frames are compared before it, by same_content)
            assert Counter(map(_plain_content, _rules(old))) == \
                Counter(map(_plain_content, _rules(new)))


def _rules(t: Target) -> list[Rule]:
    return [r for g in t.groups for r in g.rules]


def _plain_content(r) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """What ``_content`` was written as before it became an ``attrgetter``."""
    return (r.direction, r.action, r.protocol, r.ports, r.peer, r.priority, r.source_ports,
            r.local, r.nic, r.unresolved_ports)


def _cutters_by_multisets(layout, unit: Unit):  # type: ignore[no-untyped-def]
    """``changed_cutters`` as it was: the contents counted for the unit alone."""
    from sgverify.core.model import Direction
    from sgverify.engines.boxes.certify import LOCAL, PEER, rule_boxes
    old = Counter(_plain_content(r) for g in unit.old.groups for r in g.rules)
    new = Counter(_plain_content(r) for g in unit.new.groups for r in g.rules)
    differ = set((old - new) + (new - old))
    return [b for t in (unit.old, unit.new) for g in t.groups for r in g.rules
            if _plain_content(r) in differ
            for b in rule_boxes(layout, r, 0 if r.direction is Direction.INGRESS else 1,
                                PEER, LOCAL, None)]


@SETTINGS
@given(st.lists(cases(), min_size=1, max_size=4), semantics)
def test_cutters_by_numbered_contents_are_those_of_the_multisets(units, sem) -> None:  # type: ignore[no-untyped-def]
    """``changed_cutters`` with the comparison's ``Contents`` (shared between units, as in
    a diff of an estate) gives the boxes, in order, of the contents counted per unit."""
    from sgverify.engines.boxes.certify import layout_for
    from sgverify.prove.difference import _content, changed_cutters
    contents = Contents()
    for old, new in units:
        unit = Unit("group", "t", old, new)
        for r in (r for t in (old, new) for g in t.groups for r in g.rules):
            assert _content(r) == _plain_content(r)
        layout = layout_for([old, new], set())
        same_content(unit, sem, sem, contents)  # numbers some groups first, as diff_unit does
        got = changed_cutters(layout, unit, sem, sem, contents)
        assert got == changed_cutters(layout, unit, sem, sem)
        if got is not None:  # None: the frames differ (checked before any content)
            assert got == _cutters_by_multisets(layout, unit)


@SETTINGS
@given(cases(), semantics)
def test_a_unit_without_layout_has_no_box(case, sem) -> None:  # type: ignore[no-untyped-def]
    """The layout is left out only where there is no box to read with it (same content)."""
    from sgverify.prove.difference import diff_unit
    old, new = case
    ud = diff_unit(Unit("group", "t", old, new), sem, sem, contents=Contents())
    if ud.completed:
        assert (ud.layout is None) == same_content(Unit("group", "t", old, new), sem, sem)
    if ud.layout is None:
        assert not ud.boxes
