"""The whole matrix by instance reads each pair's status from the sender's row (one
instance each); by group, and for pairs that are not one instance each, group_status
decides. Both against group_status of every pair on random estates: same pairs, same
statuses, same counts of pairs checked and across networks."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from benchmarks.synthetic import Shape, generate, to_sgv
from sgverify.analyses.reach.answer import ask
from sgverify.api import load_policy
from sgverify.core.addresses import V4, V6
from sgverify.core.model import Network
from sgverify.engines.atoms.matrix import UNREACHABLE

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _mixed(policy):  # type: ignore[no-untyped-def]
    """Every other group moved to the classic network (its IPv6 rules dropped), so that
    some pairs span two networks."""
    moved = {}
    for n, g in enumerate(policy.groups):
        if n % 2:
            moved[g.key] = g
            continue
        rules = tuple(r for r in g.rules if not r.peer.addresses.only(V6) or r.peer.groups)
        moved[g.key] = dataclasses.replace(g, network=Network.CLASSIC, rules=rules)
    instances = tuple(dataclasses.replace(i, groups=tuple(moved[g.key] for g in i.groups[:1]),
                                          private=i.private.only(V4), public=i.public.only(V4))
                      for i in policy.instances)
    return dataclasses.replace(policy, groups=tuple(moved[g.key] for g in policy.groups),
                               instances=instances)


def _estate(seed: int, groups: int, instances: int):  # type: ignore[no-untyped-def]
    inv = generate(Shape(groups=groups, rules_per_group=5, instances=instances, seed=seed),
                   planted=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e.sgv"
        path.write_text(to_sgv(inv))
        rep = load_policy(str(path), root=tmp)
    assume(rep.policy is not None)  # the generator's tiny shapes may not parse: not ours
    return rep.policy


@SETTINGS
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(2, 12),
       st.sampled_from(["instance", "group"]), st.booleans())
def test_row_statuses_are_group_status(seed: int, groups: int, instances: int, by: str,
                                       mixed: bool) -> None:
    policy = _estate(seed, groups, instances)
    if mixed:
        policy = _mixed(policy)
    answer = ask(policy, None, None, by=by, limit=0, internet=False)
    m = answer.matrix
    assert m is not None
    nets = [i.groups[0].network if i.groups else None for i in m.instances]
    k = len(m.instances)
    want, checked, across = [], 0, 0
    for s in answer.senders:
        for r in answer.receivers:
            sm = tuple(n for n in s.members if n < k)
            rm = tuple(n for n in r.members if n < k)
            if not sm or not rm or (s.kind == r.kind == "instance" and sm == rm):
                continue
            status = m.group_status(sm, rm)
            if status == UNREACHABLE and len({nets[n] for n in sm + rm}) > 1:
                across += 1
                continue
            checked += 1
            if status != UNREACHABLE:
                want.append((s.label, r.label, status))
    got = [(p.sender.label, p.receiver.label, p.status) for p in answer.pairs]
    assert sorted(got) == sorted(want)
    assert (answer.checked, answer.across) == (checked, across)
