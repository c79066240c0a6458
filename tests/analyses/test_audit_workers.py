"""The audit in forked worker processes gives the same report as in one process: every
verdict, flow, note and deciding rule (the very rule objects of the policy), and
byte-identical text, JSON and SARIF."""

from __future__ import annotations

import pytest

from sgverify.analyses.audit import run as audit_run
from sgverify.analyses.audit.run import choose_controls, run_audit
from sgverify.analyses.audit.settings import Settings, load_settings
from sgverify.api import load_policy
from sgverify.report.audit import render_json, render_text, run_report
from sgverify.report.gate import FailOn
from sgverify.report.sarif import render_sarif
from sgverify.report.text import Style
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "audit"


def reports(policy, settings: Settings, jobs: int):
    controls, _ = choose_controls(settings)
    return run_audit(policy, controls, settings, jobs=jobs)


@pytest.mark.parametrize("name", ["fleet.sgv", "reach-edge.sgv", "reach-classic.sgv"])
def test_workers_give_the_same_audit(name: str, monkeypatch) -> None:
    monkeypatch.setattr(audit_run, "PARALLEL_CHECKS", 1)
    policy = load_policy(str(FIXTURES / name)).policy
    assert policy is not None
    settings = load_settings(str(FIXTURES / "fleet-audit.toml")) if name == "fleet.sgv" else Settings()
    one, many = reports(policy, settings, 1), reports(policy, settings, 3)
    assert len(one.results) == len(many.results) > 10
    rules = {id(r) for g in policy.groups for r in g.rules}
    for a, b in zip(one.results, many.results):
        assert (a.control.id, str(a.subject), a.verdict, a.waiver) == \
            (b.control.id, str(b.subject), b.verdict, b.waiver)
        for x, y in zip(a.results, b.results):
            assert (x.verdict, x.summary, x.flow, x.notes, x.code, x.assertion) == \
                (y.verdict, y.summary, y.flow, y.notes, y.code, y.assertion)
            for e, f in zip(x.evidence, y.evidence, strict=True):
                assert (e.role, e.target.name, e.flow) == (f.role, f.target.name, f.flow)
                assert e.decision == f.decision
                if f.decision.rule is not None and id(e.decision.rule) in rules:
                    assert id(f.decision.rule) in rules  # the policy's own rule, not a copy
    plain = Style(False)
    assert render_text(one, plain, timing=False) == render_text(many, plain, timing=False)
    assert render_json(one, 0, False) == render_json(many, 0, False)
    fail_on = FailOn("unknown")
    assert render_sarif(run_report(one, fail_on, None), False) == \
        render_sarif(run_report(many, fail_on, None), False)


def test_dask_backend_gives_the_same_audit() -> None:
    pytest.importorskip("distributed")
    policy = load_policy(str(FIXTURES / "fleet.sgv")).policy
    assert policy is not None
    controls, _ = choose_controls(Settings())
    one = run_audit(policy, controls, Settings())
    dask = run_audit(policy, controls, Settings(), jobs=2, backend="dask")
    plain = Style(False)
    assert render_text(one, plain, timing=False) == render_text(dask, plain, timing=False)
    assert render_json(one, 0, False) == render_json(dask, 0, False)


def test_cli_jobs_and_backend_give_identical_reports() -> None:
    import io

    from sgverify.cli import run
    outs = set()
    for argv in (["--jobs", "1"], ["--jobs", "2"], ["--backend", "dask", "--jobs", "2"]):
        out = io.StringIO()
        code = run(["audit", str(FIXTURES / "fleet.sgv"), "--no-timing", "--format", "json",
                    *argv], out, io.StringIO())
        outs.add((code, out.getvalue()))
    assert len(outs) == 1


def test_a_worker_lets_go_of_each_subjects_exposure_and_answers_the_same() -> None:
    """``_work`` drops a subject's ``PublicExposure`` once its items are checked; the
    answers are those of an engine that keeps every one."""
    from sgverify.analyses.audit.plan import make_plan
    from sgverify.analyses.audit.workers import AuditWork, _blocks, _work
    policy = load_policy(str(FIXTURES / "fleet.sgv")).policy
    assert policy is not None
    settings = load_settings(str(FIXTURES / "fleet-audit.toml"))
    controls, _ = choose_controls(settings)
    work = AuditWork(policy, controls, settings, None)
    engine, plan = work.built()
    blocks = _blocks(plan, 1)
    kept = make_plan(policy, controls, settings, None, {})
    keeper = kept[0]
    keeper.done_with = lambda target: None  # type: ignore[method-assign]
    grown = 0
    for block in blocks:
        ours = _work(audit_run._check_item, work, block)
        theirs = _work(audit_run._check_item, AuditWork(policy, controls, settings, None, kept),
                       block)
        assert [[x[:5] + x[6:] for x in item] for item in ours] == \
            [[x[:5] + x[6:] for x in item] for item in theirs]  # all but the time taken
        assert not engine.exposures
        grown = max(grown, len(keeper.exposures))
    assert grown  # the subjects did ask exposure questions
