"""Issue 20.9 and 20.16: one rule with 200,000 peers took more than 900 s and a flow set
of 30,000 'or' services 541 s (both quadratic: a merge per peer, a carve per service); a
chain of 3,000 address sets failed with "maximum recursion depth exceeded" and no file,
line or code. Peers merge once, boxes equal but in one dimension are coalesced before
they are made disjoint, and address sets resolve iteratively. The sizes at the limits run
in tests/meta/test_fuzz.py; here the results at moderate sizes.

    sgverify check spec.sgv
"""

from __future__ import annotations

from tests.meta.test_fuzz import _peers, _services, _set_chain
from tests.support.gate import cli, write


def test_many_peers_resolve_to_the_right_addresses(tmp_path) -> None:
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", _peers(5_000)), "--no-timing")
    assert code == 0 and "1 proved" in out


def test_many_services_are_decided(tmp_path) -> None:
    spec = _services(5_000).replace(" from 10.0.0.0/8 is denied",
                                    " or tcp 22 from 10.0.0.0/8 peer-groups none is denied")
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec), "--no-timing")
    assert code == 1 and "counterexample: ingress tcp 10.0.0.1:1024 -> 10.0.0.2:22" in out, out


def test_a_long_chain_of_sets_resolves_and_a_cycle_is_named(tmp_path) -> None:
    spec = _set_chain(3_000) + "assert group g: ingress tcp 22 from 10.1.2.3 peer-groups none is allowed\n"
    code, out, _ = cli("check", write(tmp_path, "spec.sgv", spec), "--no-timing")
    assert code == 0 and "1 proved" in out
    cyclic = spec.replace("addresses a0 = 10.0.0.0/8", "addresses a0 = a2999")
    code, out, _ = cli("check", write(tmp_path, "cyc.sgv", cyclic))
    assert code == 2 and "error[E104]" in out and "refers to itself (a" in out
