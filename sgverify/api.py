"""Library entry points: load a spec and check it, phase by phase, stopping after a phase
that produced errors. The CLI and the tests call these.
"""

from __future__ import annotations

import os
import tempfile
from typing import Callable

from .lang.build import build_document
from .load import Limits, load_spec, paused_gc
from .core.model import Assertion, Policy
from .prove.prover import Checker, check_policy
from .lang.resolve import resolve
from .core.result import Result
from .core.spec_report import SpecReport


def load_policy(path: str, *, root: str | None = None, allow_outside: bool = False,
                limits: Limits = Limits()) -> SpecReport:
    """Read, parse and resolve one spec; ``policy`` is None if there were errors."""
    report = SpecReport(path)
    with paused_gc():
        spec = load_spec(path, root=root, allow_outside=allow_outside, limits=limits)
        report.sources = spec.sources
        report.real_paths = spec.real_paths
        report.imported = spec.imported is not None
        report.diagnostics.extend(spec.diagnostics)
        if report.has_errors:
            return report
        policy, diags = resolve(spec.documents)
    report.diagnostics.extend(diags)
    if not report.has_errors:
        report.policy = policy
    return report


def check_file(path: str, *, timeout_ms: int | None = None, root: str | None = None,
               allow_outside: bool = False, limits: Limits = Limits(),
               progress: Callable[[int, int, Result], None] | None = None,
               certify: bool = False) -> SpecReport:
    """Load ``path`` and prove each of its assertions (``certify``: re-decide each verdict
    with the independent box certifier)."""
    report = load_policy(path, root=root, allow_outside=allow_outside, limits=limits)
    if report.policy is not None:
        report.results = check_policy(report.policy, timeout_ms, progress, certify)
    return report


def check_text(text: str, *, name: str = "spec.sgv", timeout_ms: int | None = None) -> SpecReport:
    """Check spec text (written to a temporary folder, so includes are refused)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        report = check_file(path, timeout_ms=timeout_ms, root=tmp)
    return report


def check_assertion(policy: Policy, assertion: Assertion, *,
                    timeout_ms: int | None = None) -> Result:
    """Prove one assertion of ``policy`` (the pytest plugin checks one per test item)."""
    return Checker(policy, timeout_ms).run(assertion)


def check_extra(path: str, text: str, *, origin: str = "<assertion>",
                timeout_ms: int | None = None, root: str | None = None,
                allow_outside: bool = False, limits: Limits = Limits()) -> SpecReport:
    """Check the assertions written in ``text`` against what the spec at ``path`` defines
    (groups, instances, sets; its includes resolved from its real location). The spec's
    own assertions are not checked: ``results`` holds only those of ``text``, whose spans
    name ``origin``; ``diagnostics`` covers both."""
    report = SpecReport(path)
    spec = load_spec(path, root=root, allow_outside=allow_outside, limits=limits)
    report.sources = dict(spec.sources)
    report.diagnostics.extend(spec.diagnostics)
    doc, diags = build_document(text, origin)
    report.sources[origin] = text
    report.diagnostics.extend(diags)
    if report.has_errors:
        return report
    policy, resolved = resolve(spec.documents + [doc])
    report.diagnostics.extend(resolved)
    if any(d.is_error for d in resolved):
        return report
    report.policy = policy
    checker = Checker(policy, timeout_ms)
    report.results = [checker.run(a) for a in policy.assertions
                      if a.span is not None and a.span.path == origin]
    return report
