"""``same_content`` with the rule contents numbered once for a whole comparison
(``Contents``, what ``diff`` of an estate uses) against the multisets built for each unit,
on random pairs of interfaces: edited, regrouped, reordered or unrelated; one ``Contents``
is shared between the pairs of an example, as between the units of one diff."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.model import Target
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
            assert same_content(unit, sem, sem)
