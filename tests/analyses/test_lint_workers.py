"""``lint --jobs`` and ``--backend dask``: scopes analysed in workers give the report one
process gives, with the parent's own rule objects in every finding."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest

from sgverify.analyses.lint.lint import lint_policy
from sgverify.analyses.lint.scopes import scopes_of
from sgverify.analyses.lint.workers import LintWork, run_block
from sgverify.api import load_policy
from sgverify.cli import run
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures"
POLICIES = [FIXTURES / "lint" / "web.sgv", FIXTURES / "audit" / "fleet.sgv"]


def _policy(path: Path):
    rep = load_policy(str(path))
    assert rep.policy is not None, rep.diagnostics
    return rep.policy


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_forked_workers_give_the_same_findings(path: Path) -> None:
    policy = _policy(path)
    one = lint_policy(policy, jobs=1)
    seen: list[tuple[int, int]] = []
    two = lint_policy(policy, jobs=2, progress=lambda d, t: seen.append((d, t)))
    assert one.findings and one == two
    assert seen and seen[-1][0] == seen[-1][1]  # progress ends at the total
    rules = {id(r) for g in policy.groups for r in g.rules}
    for f in two.findings:  # the parent's rules, not copies that came back from a worker
        assert f.rule is None or id(f.rule) in rules
        assert all(id(i.rule) in rules for i in f.involved)


def test_auto_stays_in_one_process_for_small_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    from sgverify.analyses.lint import workers
    monkeypatch.setattr(workers, "analyse_all", lambda *a, **k: pytest.fail("used workers"))
    lint_policy(_policy(POLICIES[0]), jobs=2, auto=True)


def test_cli_jobs_and_dask_give_identical_reports() -> None:
    pytest.importorskip("distributed")
    outs = set()
    for argv in (["--jobs", "1"], ["--jobs", "2"], ["--backend", "dask", "--jobs", "2"]):
        out, err = io.StringIO(), io.StringIO()
        code = run(["lint", str(POLICIES[1]), "--format", "json", "--no-timing", *argv], out, err)
        assert code in (0, 1), err.getvalue()
        outs.add(out.getvalue())
    assert len(outs) == 1



def test_workers_send_repeated_parts_of_findings_once() -> None:
    """Equal port ranges and empty peer-group sets of the findings of one block come back
    from a worker as one object each (a lint of 1,000 groups holds over 100,000 findings),
    and in the parent a finding's location is its rule's own span, not a copy."""
    policy = _policy(POLICIES[1])
    groups, instances = scopes_of(policy, None)
    n = len(groups) + len(instances)
    back = pickle.loads(pickle.dumps(run_block(LintWork(policy, None, 10**6, 60_000),
                                               (0, n, (None,) * n))))
    packed = [p[0] for outcome in back if not isinstance(outcome, str)
              for part in outcome[:4] for p in (part.values() if isinstance(part, dict)
                                            else [x[1] for x in part])]
    ports = [f.view.src_ports for f in packed if f.view is not None and f.view.src_ports]
    assert len(ports) > len(set(ports)) and len({id(p) for p in ports}) == len(set(ports))
    empty = [f.witness.peer_groups for f in packed
             if f.witness is not None and not f.witness.peer_groups]
    assert len(empty) > 1 and len({id(e) for e in empty}) == 1
    two = lint_policy(policy, jobs=2)
    ruled = [f for f in two.findings if f.rule is not None and f.location == f.rule.span]
    assert ruled and all(f.location is f.rule.span for f in ruled)


def test_pack_and_unpack_keep_every_field_of_a_finding() -> None:
    """``unpack`` builds a finding field by field: a field it forgot would be lost on the
    way back from a worker. Every field here differs from its default."""
    import dataclasses

    from sgverify.analyses.lint.findings import Involved, LintFinding
    from sgverify.analyses.lint.workers import pack, unpack
    from sgverify.core.diagnostics import Span
    policy = _policy(POLICIES[0])
    found = [f for f in lint_policy(policy, jobs=1).findings
             if f.rule is not None and f.view is not None and f.witness is not None]
    assert found
    rules = {(r.group, r.index): r for g in policy.groups for r in g.rules}
    other = next(r for r in rules.values() if r is not found[0].rule)
    parts: dict[object, tuple[Involved, ...]] = {}
    for f in found[:3] + [dataclasses.replace(found[0], location=Span("x.sgv", 3, 4),
                                               involved=(Involved(other, "covers it"),),
                                               details=("a", "b"))]:
        assert all(getattr(f, x.name) != x.default for x in dataclasses.fields(LintFinding)
                   if x.default is not dataclasses.MISSING)
        back = unpack(pickle.loads(pickle.dumps(pack(f, {}))), rules, parts)
        assert back == f and back.rule is f.rule
        assert all(i.rule is rules[(i.rule.group, i.rule.index)] for i in back.involved)
        again = unpack(pickle.loads(pickle.dumps(pack(f, {}))), rules, parts)
        assert again == f and again.involved is back.involved  # one list of rules, shared
        assert back.location is f.location or f.location != f.rule.span
