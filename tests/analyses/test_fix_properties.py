"""Properties of ``fix`` on small random policies and assertions:

* every repair it reports proves under the checker, under the independent box certifier,
  and the evaluator agrees on the old counterexamples;
* when it says no repair with at most k edits exists among its candidates, or that its
  repair of k edits is the smallest, a brute-force search over every set of those
  candidates, each decided by the certifier (not the checker the search used), agrees.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.analyses.fix.edits import EditRefused, apply_edits
from sgverify.analyses.fix.search import repair
from sgverify.api import check_text
from sgverify.core.evaluate import in_flow_set
from sgverify.core.result import Verdict
from sgverify.engines.boxes.certify import violation_exists

BOUND = 2
PEERS = ("10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0", "1.2.3.4/32", "internet")
PORTS = ("22", "80", "22-80", "443")

rules = st.lists(st.tuples(st.sampled_from(("accept", "drop")), st.sampled_from(PORTS),
                           st.sampled_from(PEERS[:4]), st.integers(1, 3)), min_size=0, max_size=3)
asserts = st.lists(st.tuples(st.sampled_from(PORTS), st.sampled_from(PEERS),
                             st.sampled_from(("allowed", "denied"))), min_size=1, max_size=2)


def spec(rs, ases, gtype: str) -> str:
    lines = [f"group g (vpc, {gtype}) {{"]
    lines += [f"  r{i}: ingress {a} tcp {p} from {c} priority {pr}" for i, (a, p, c, pr) in enumerate(rs)]
    lines += ["}", "instance i { ip 192.168.0.1; groups g }"]
    lines += [f"a{i}: assert i: ingress tcp {p} from {c} peer-groups none is {v}"
              for i, (p, c, v) in enumerate(ases)]
    return "\n".join(lines) + "\n"


def holds(policy) -> bool:
    return not any(violation_exists(a, policy.semantics) for a in policy.assertions)


def brute_force(policy, pool, sizes) -> list[tuple]:
    """Every set of ``sizes`` edits of ``pool`` (one edit per rule) that the certifier finds
    repairs every assertion."""
    found = []
    for k in sizes:
        for combo in itertools.combinations(pool, k):
            try:
                edited = apply_edits(policy, combo)
            except EditRefused:
                continue
            if holds(edited):
                found.append(combo)
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules, asserts, st.sampled_from(("basic", "enterprise")))
def test_repairs_prove_and_minimality_agrees_with_brute_force(rs, ases, gtype) -> None:
    rep = check_text(spec(rs, ases, gtype))
    assert rep.policy is not None, rep.diagnostics
    policy = rep.policy
    out = repair(policy, rep.results, bound=BOUND)
    if out.status == "nothing-violated":
        assert holds(policy)
        return
    if out.status == "conflict":
        c = out.conflict
        a, b = (next(x for x in policy.assertions if x.name == n) for n in c.names)
        assert in_flow_set(a.flows, c.flow, a.target.group_keys)
        assert in_flow_set(b.flows, c.flow, b.target.group_keys)
        return
    if out.repair is not None:
        fixed = out.repair
        assert all(r.verdict is Verdict.PROVED for r in fixed.results)
        assert holds(fixed.policy)
        assert len(fixed.edits) <= BOUND
        # Every smaller set of the same candidates that repairs it (decided by the
        # certifier) is one the search found and set aside for its collateral change.
        smaller = brute_force(policy, out.candidates, range(1, len(fixed.edits)))
        assert len(smaller) == out.smaller_with_collateral
        if smaller:
            assert "change flows that no violated assertion names" in out.claim
        if out.status == "repaired":
            assert not fixed.collateral
        return
    assert out.status == "no-repair", (out.status, out.claim)
    assert f"at most {BOUND} edits" in out.claim
    assert not brute_force(policy, out.candidates, range(1, BOUND + 1))
