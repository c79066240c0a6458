"""``reach`` at the edges of the model: instances with only a public address (the internet
reaches them; no internal pair includes them) and pairs across networks (not answered,
so the answer is incomplete)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from sgverify.core.result import Verdict
from tests.support.helpers import reach_cli
from tests.support.paths import TESTS

reach = reach_cli


PUBLIC_ONLY = """group web { ingress accept tcp 22 from 0.0.0.0/0 }
instance pubonly { public 47.98.3.3; groups web }
instance w1 { ip 10.0.0.1; groups web }
"""


def test_the_internet_reaches_an_instance_with_only_a_public_address(tmp_path: Path) -> None:
    code, out, err = reach(tmp_path, PUBLIC_ONLY, "--from", "internet", "--to", "pubonly",
                           "--fail-if-reachable")
    assert code == 1, out + err
    assert "internet reaches instance pubonly on tcp 22" in out
    assert "witness: ingress tcp 1.0.0.1:1024 -> 47.98.3.3:22" in out
    code, out, _ = reach(tmp_path, PUBLIC_ONLY, "--format", "json")
    doc = json.loads(out)
    pairs = {(p["sender"], p["receiver"]) for p in doc["results"]["pairs"]}
    assert ("internet", "instance pubonly") in pairs
    # No internal pair includes it: it has no private address.
    assert not any("pubonly" in a and "w1" in b or "w1" in a and "pubonly" in b for a, b in pairs)


ACROSS = """group cl (classic) { ingress accept all from 10.0.0.0/8 nic intranet }
group v { ingress accept all from 10.0.0.0/8 }
instance c1 { ip 10.0.0.1; groups cl }
instance v1 { ip 10.0.0.2; groups v }
"""


def test_pairs_across_networks_are_not_answered(tmp_path: Path) -> None:
    code, out, _ = reach(tmp_path, ACROSS, "--no-internet", "--fail-if-reachable")
    assert code == 3
    assert "2 pair(s) across networks (classic and VPC) are not answered" in out
    assert "answer: unknown" in out
    code, out, _ = reach(tmp_path, ACROSS, "--no-internet", "--format", "json")
    doc = json.loads(out)
    assert doc["summary"]["across_networks"] == 2 and doc["summary"]["checked"] == 0
    assert reach(tmp_path, ACROSS, "--no-internet", "--allow-unknown")[0] == 0


V6 = """group web { }
group db { ingress accept tcp 3306 from 0.0.0.0/0 }
instance w1 { ip 10.0.0.1; ipv6 fd00::1; groups web }
instance w2 { ip 10.0.0.2; groups web }
instance d1 { ip 10.0.0.3; groups db }
"""


@pytest.mark.parametrize("assertion", [
    "group web can reach group web on icmpv6",
    "group web can partly reach group db on tcp 3306 ipv6",
    "group web cannot reach group db on tcp 3306 ipv6",
    "group web can reach group db on tcp 3306 ipv6",
    "internet can reach group db on tcp 3306 ipv6",
    "internet can partly reach group db on tcp 3306 ipv6",
    "internet cannot reach group db on tcp 3306 ipv6",
])
def test_a_set_with_no_possible_connection_is_not_proved(assertion: str) -> None:
    """No member pair has addresses of the family asked for: nothing to prove (E124),
    never a vacuous proof (of both an assertion and its negation)."""
    from sgverify.api import check_text
    (r,) = check_text(V6 + f"assert {assertion}\n").results
    assert r.verdict is Verdict.ERROR and r.code == "E124", (r.verdict, r.summary)


T25 = """group web { }
instance w1 { ip 10.0.0.1; ipv6 2408::1; groups web }
instance w2 { ip 10.0.0.2; groups web }
"""


def test_notes_only_where_they_apply(tmp_path: Path) -> None:
    from sgverify.api import check_text
    from sgverify.prove.verdicts import REACH_NOTE, TCP25_NOTE
    code, out, _ = reach(tmp_path, T25, "--to", "internet", "--on", "tcp 25")
    assert "witness: egress tcp 10.0.0.1:1024 -> 1.0.0.1:25" in out and TCP25_NOTE in out
    to_net, from_net = check_text(T25 + "assert group web can reach internet on tcp 25\n"
                                  "assert internet cannot reach w1 on tcp 22\n").results
    assert TCP25_NOTE in to_net.notes and REACH_NOTE not in to_net.notes
    assert from_net.verdict is Verdict.PROVED and REACH_NOTE not in from_net.notes


def test_ipv6_internet_witnesses_use_a_global_unicast_peer(tmp_path: Path) -> None:
    spec = T25.replace("group web { }", "group web { ingress accept tcp 80 from ::/0 }")
    code, out, _ = reach(tmp_path, spec, "--from", "internet", "--on", "ipv6")
    assert "witness: ingress tcp [2000::1]:1024 -> [2408::1]:80" in out, out


def test_matrix_rows_in_worker_processes_give_the_same_answer(tmp_path: Path, monkeypatch) -> None:
    """Rows computed by forked workers: the same statuses, the same figures, and
    byte-identical output for any --jobs."""
    from sgverify.api import load_policy
    from sgverify.engines.atoms import matrix
    monkeypatch.setattr(matrix, "PARALLEL_CLASSES", 2)  # small fixtures take the worker path
    fixtures = TESTS / "fixtures" / "audit"
    for name in ("fleet.sgv", "reach-edge.sgv", "reach-classic.sgv"):
        policy = load_policy(str(fixtures / name)).policy
        assert policy is not None
        one, two = matrix.ReachMatrix(policy, jobs=1), matrix.ReachMatrix(policy, jobs=3)
        assert len(one.endpoints) > 2
        assert one.status == two.status and one.partial == two.partial
        assert one.stats.decisions == two.stats.decisions
    spec = (fixtures / "fleet.sgv").read_text()
    outs = {reach(tmp_path, spec, "--jobs", str(j), "--format", "json")[1] for j in (1, 2, 3)}
    assert len(outs) == 1


def test_internet_exposure_in_worker_processes_gives_the_same_answer(monkeypatch) -> None:
    """The exposure of the instances to and from the internet, worked out by forked
    workers or a Dask cluster: the same services, witnesses and lists as in one process,
    in the same order (instances with the same groups and addresses share one answer)."""
    from sgverify.analyses.reach import exposure
    from sgverify.api import load_policy
    from sgverify.core.model import Direction
    monkeypatch.setattr(exposure, "PARALLEL_INSTANCES", 2)  # small fixtures take the worker path
    fixtures = TESTS / "fixtures" / "audit"
    backends = [("local", 3)] + ([("dask", 2)] if importlib.util.find_spec("distributed") else [])
    exposed = 0
    for name in ("fleet.sgv", "reach-edge.sgv", "reach-classic.sgv"):
        policy = load_policy(str(fixtures / name)).policy
        assert policy is not None and len(policy.instances) > 2
        for direction in Direction:
            one, _ = exposure.exposures(policy, direction=direction)
            exposed += sum(1 for e in one if e.sure)
            for backend, jobs in backends:
                many, _ = exposure.exposures(policy, direction=direction, jobs=jobs,
                                             backend=backend)
                assert [(e.instance.name, e.sure, e.maybe, e.flow, e.facts, e.lists,
                         e.extra and e.extra.flow) for e in one] == \
                    [(e.instance.name, e.sure, e.maybe, e.flow, e.facts, e.lists,
                      e.extra and e.extra.flow) for e in many], (name, backend)
    assert exposed > 2  # the fixtures do expose instances


def test_matrix_rows_on_a_dask_cluster_give_the_same_answer(tmp_path: Path) -> None:
    """With --backend dask the workers rebuild the matrix from the scattered policy (the
    state itself does not travel) and return the same rows; a subset of the instances keeps
    its positions."""
    pytest.importorskip("distributed")
    from sgverify.api import load_policy
    from sgverify.engines.atoms import matrix
    fixtures = TESTS / "fixtures" / "audit"
    policy = load_policy(str(fixtures / "fleet.sgv")).policy
    assert policy is not None
    some = policy.instances[1::2]
    one = matrix.ReachMatrix(policy, some, jobs=1)
    dask = matrix.ReachMatrix(policy, some, jobs=2, backend="dask")
    assert len(one.endpoints) > 2 and one.status.count(matrix.REACHABLE) > 0
    assert one.status == dask.status and one.partial == dask.partial
    assert one.stats.decisions == dask.stats.decisions
    spec = (fixtures / "fleet.sgv").read_text()
    local = reach(tmp_path, spec, "--jobs", "1", "--format", "json", "--no-timing")
    remote = reach(tmp_path, spec, "--backend", "dask", "--jobs", "2", "--format", "json",
                   "--no-timing")
    assert remote == local


EXT = """group norm { ingress accept tcp 80 from 0.0.0.0/0 }
group ext (id sg-9, external) {}
instance n1 { ip 10.0.0.1; groups norm }
instance e1 { ip 10.0.0.2; groups norm, ext }
"""


@pytest.mark.parametrize("assertion, verdict", [
    ("internet can partly reach group norm on tcp 80", Verdict.PROVED),     # n1 settles it
    ("internet cannot reach group norm on tcp 80", Verdict.VIOLATED),      # n1 settles it
    ("internet cannot reach group norm on tcp 22", Verdict.UNKNOWN),       # e1 might
    ("group norm can partly reach instance n1 on tcp 80", Verdict.UNKNOWN),  # only e1 -> n1
    ("internet can partly reach group ext on tcp 22", Verdict.UNKNOWN),
])
def test_set_assertions_through_external_groups(assertion: str, verdict: Verdict) -> None:
    """A member in a group whose rules are not known makes its own pairs unknown; a pair
    of known members still settles the verdict when it can."""
    from sgverify.api import check_text
    (r,) = check_text(EXT + f"assert {assertion}\n").results
    assert r.verdict is verdict, (r.summary, r.code)
    if verdict is Verdict.UNKNOWN:
        assert r.code == "W402" and "rules of group ext are not known" in r.summary
