"""Shared test helpers: check spec text and look at results by assertion name."""

from __future__ import annotations

from sgverify.api import SpecReport, check_text, load_policy
from sgverify.core.result import Result, Verdict


def check(src: str) -> SpecReport:
    """Check spec text; fail the test if it has input errors."""
    rep = check_text(src)
    errors = [str(d) for d in rep.diagnostics if d.is_error]
    assert not errors, errors
    return rep


def results(src: str) -> dict[str, Result]:
    return {r.assertion.name: r for r in check(src).results}


def verdicts(src: str) -> dict[str, str]:
    return {name: r.verdict.value for name, r in results(src).items()}


def only_result(src: str) -> Result:
    res = check(src).results
    assert len(res) == 1, res
    return res[0]


def codes(src: str) -> list[str]:
    """Diagnostic codes of spec text (any phase)."""
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "spec.sgv")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(src)
        rep = load_policy(path, root=tmp)
    return [d.code for d in rep.diagnostics]


def policy(src: str):
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "spec.sgv")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(src)
        rep = load_policy(path, root=tmp)
    assert rep.policy is not None, [str(d) for d in rep.diagnostics]
    return rep.policy


__all__ = ["check", "results", "verdicts", "only_result", "codes", "policy", "Verdict"]


def reach_cli(tmp_path, spec: str, *argv: str) -> tuple[int, str, str]:
    """``sgverify reach`` on ``spec`` (written to tmp_path/inv.sgv): (exit code, stdout, stderr)."""
    import io

    from sgverify.cli import run
    path = tmp_path / "inv.sgv"
    path.write_text(spec)
    out, err = io.StringIO(), io.StringIO()
    code = run(["reach", str(path), "--no-timing", *argv], out, err)
    return code, out.getvalue(), err.getvalue()
