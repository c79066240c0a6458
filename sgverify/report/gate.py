"""The gate: which findings fail a run, and its exit code, under a ``--fail-on`` threshold.

Exit codes: 0 nothing fails; 1 a violation (or, with ``--fail-on warning``, a warning);
2 an input or internal error, whatever the threshold; 3 an unknown and no violation. The
default threshold, ``unknown``, fails closed: what was not verified fails. A baselined
finding never fails (errors cannot be baselined).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from .findings import FailOn, Finding, Outcome, RunReport

# The exit codes of docs/errors.md, for every command (the one place they are defined).
EXIT_OK, EXIT_VIOLATED, EXIT_ERROR, EXIT_UNKNOWN = 0, 1, 2, 3


_FAILING = {
    FailOn.VIOLATED: {Outcome.FAILED},
    FailOn.UNKNOWN: {Outcome.FAILED, Outcome.UNKNOWN},
    FailOn.WARNING: {Outcome.FAILED, Outcome.UNKNOWN, Outcome.WARNING},
}


def fails(f: Finding, fail_on: FailOn, *, ignore_baseline: bool = False) -> bool:
    """Does ``f`` fail the run? Errors always do; baselined findings never do."""
    if f.outcome is Outcome.ERROR:
        return True
    if f.baselined is not None and not ignore_baseline:
        return False
    return f.outcome in _FAILING[fail_on]


def relaxed(f: Finding, fail_on: FailOn) -> bool:
    """An unknown that passes only because the threshold was lowered: not verified."""
    return f.outcome is Outcome.UNKNOWN and f.baselined is None and not fails(f, fail_on)


def exit_code(findings: Iterable[Finding], fail_on: FailOn) -> int:
    failing = {f.outcome for f in findings if fails(f, fail_on)}
    if Outcome.ERROR in failing:
        return EXIT_ERROR
    if Outcome.FAILED in failing:
        return EXIT_VIOLATED
    if Outcome.UNKNOWN in failing:
        return EXIT_UNKNOWN
    if Outcome.WARNING in failing:
        return EXIT_VIOLATED
    return EXIT_OK


def exit_reason(code: int, fail_on: FailOn) -> str:
    """Why a run exits ``code`` under ``fail_on``, in the words of docs/errors.md."""
    return {EXIT_OK: "nothing fails",
            EXIT_VIOLATED: "a check was violated" + (
                " (or, with --fail-on warning, warned)" if fail_on is FailOn.WARNING else ""),
            EXIT_ERROR: "an input or internal error",
            EXIT_UNKNOWN: f"something was not verified (unknown) and --fail-on is {fail_on.value}"
            }[code]


# What each exit code means, whichever command and threshold (-v's last line, docs/errors.md).
EXIT_MEANING = {EXIT_OK: "nothing fails", EXIT_VIOLATED: "something fails the run (violated, "
                "or at or above --fail-on)", EXIT_ERROR: "an input, usage or internal error",
                EXIT_UNKNOWN: "something was not verified (unknown)"}


def run_exit_code(run: RunReport) -> int:
    return exit_code(run.findings(), run.fail_on)


def tally(run: RunReport) -> dict[str, int]:
    """Counts every reporter prints: one per verdict word, plus ``input_errors``,
    ``warnings``, ``baselined``, ``relaxed`` (unknowns let through) and ``failing``."""
    c: Counter[str] = Counter()
    for f in run.findings():
        if f.verdict is not None:
            c[f.verdict] += 1
        elif f.outcome is Outcome.ERROR:
            c["input_errors"] += 1
        elif f.outcome is Outcome.WARNING:
            c["warnings"] += 1
        if f.baselined is not None:
            c["baselined"] += 1
        if relaxed(f, run.fail_on):
            c["relaxed"] += 1
        if fails(f, run.fail_on):
            c["failing"] += 1
    return dict(c)
