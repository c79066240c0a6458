"""Assertions for Python tests: prove a property of a policy inside any test function.

    from sgverify.testing import assert_denied, assert_proved

    def test_ssh_is_closed():
        assert_denied("specs/web.sgv", "web-1", "ingress tcp 22 from internet")

    def test_every_spec_assertion():
        assert_proved("specs/web.sgv")

``assert_denied``/``assert_allowed``/``assert_reachable`` build the spec assertion
``assert TARGET: FLOWS is denied|allowed|reachable`` and check it against what the policy
defines (its own assertions are not checked). The policy is a path to a .sgv file (a
``str`` ending in ``.sgv`` or a ``PathLike``; its includes work) or spec text. When the
assertion is proved they return its ``Result``; otherwise they raise
``SpecAssertionError``, an ``AssertionError`` whose ``.result`` is the Result and whose
``.flow`` is the counterexample, with the flow and the deciding rule in its message.
Input that cannot be checked (a missing file, a typo in the flow set) raises
``SpecInputError``, a ``ValueError`` listing the diagnostics.
"""

from __future__ import annotations

import os
import tempfile
from typing import Sequence

from .api import SpecReport, check_extra, check_file
from .core.diagnostics import Diagnostic
from .core.flow import Flow
from .core.result import Result, Verdict
from .project.config import timeout_problem
from .report.from_check import result_finding
from .report.text import Style, render_diagnostic, render_finding

__all__ = ["assert_denied", "assert_allowed", "assert_reachable", "assert_proved",
           "SpecAssertionError", "SpecInputError"]


class SpecInputError(ValueError):
    """The policy or the assertion could not be checked; ``diagnostics`` says why."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)


class SpecAssertionError(AssertionError):
    """An assertion was not proved. ``result`` is its Result (verdict violated, unknown or
    error) and ``flow`` the counterexample flow, when there is one."""

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result
        self.flow: Flow | None = result.flow


def _is_path(policy: str | os.PathLike[str]) -> bool:
    if isinstance(policy, os.PathLike):
        return True
    return "\n" not in policy and policy.strip().endswith(".sgv")


def _input_error(report: SpecReport) -> SpecInputError:
    diags = [d for d in report.diagnostics if d.is_error]
    style = Style(False)
    text = "\n".join(render_diagnostic(d, report.sources, style) for d in diags)
    return SpecInputError(f"cannot check {report.path}:\n{text}", diags)


def _failure(result: Result, report: SpecReport) -> SpecAssertionError:
    shown = render_finding(result_finding(report.path, result), report.sources, Style(False),
                           timing=False)
    return SpecAssertionError(f"{result.verdict.value}: {result.assertion.text}\n{shown}", result)


def _timeout_ms(timeout: float) -> int:
    problem = timeout_problem(timeout)
    if problem is not None:
        raise SpecInputError(f"the timeout must be {problem}, not {timeout!r}")
    return int(timeout * 1000)


def _check_one(policy: str | os.PathLike[str], target: str, flows: str, check: str,
               timeout: float) -> Result:
    __tracebackhide__ = True
    for what, value in (("target", target), ("flow set", flows)):
        if not value.strip() or "\n" in value or "\r" in value:
            raise SpecInputError(f"the {what} must be one non-empty line, not {value!r}")
    text = f"assert {target}: {flows} is {check}\n"
    timeout_ms = _timeout_ms(timeout)
    if _is_path(policy):
        report = check_extra(os.fspath(policy), text, timeout_ms=timeout_ms)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "policy.sgv")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(str(policy))
            report = check_extra(path, text, timeout_ms=timeout_ms, root=tmp)
    if report.has_errors or len(report.results) != 1:
        raise _input_error(report)
    result = report.results[0]
    if result.verdict is not Verdict.PROVED:
        raise _failure(result, report)
    return result


def assert_denied(policy: str | os.PathLike[str], target: str, flows: str, *,
                  timeout: float = 60.0) -> Result:
    """Prove that ``target`` (a group or instance of ``policy``) drops every flow of
    ``flows`` (a flow set such as 'ingress tcp 22 from internet')."""
    __tracebackhide__ = True
    return _check_one(policy, target, flows, "denied", timeout)


def assert_allowed(policy: str | os.PathLike[str], target: str, flows: str, *,
                   timeout: float = 60.0) -> Result:
    """Prove that ``target`` accepts every flow of ``flows``."""
    __tracebackhide__ = True
    return _check_one(policy, target, flows, "allowed", timeout)


def assert_reachable(policy: str | os.PathLike[str], target: str, flows: str, *,
                     timeout: float = 60.0) -> Result:
    """Prove that ``target`` accepts at least one flow of ``flows``; the Result's ``flow``
    is a witness."""
    __tracebackhide__ = True
    return _check_one(policy, target, flows, "reachable", timeout)


def assert_proved(spec_path: str | os.PathLike[str], *, timeout: float = 60.0) -> list[Result]:
    """Prove every assertion of the spec file; raise on the first one not proved. A spec
    without assertions is an input error: it would prove nothing."""
    __tracebackhide__ = True
    report = check_file(os.fspath(spec_path), timeout_ms=_timeout_ms(timeout))
    if report.has_errors:
        raise _input_error(report)
    if not report.results:
        raise SpecInputError(f"{report.path} has no assertions to check")
    for result in report.results:
        if result.verdict is not Verdict.PROVED:
            raise _failure(result, report)
    return report.results
