"""Findings: the one shape every reporter and the gate read.

A command turns what it found into ``Finding`` objects, grouped by file (``FileReport``)
into one ``RunReport``. The text, JSON, SARIF and JUnit reporters and the exit-code gate
read only these, so ``check``, ``lint`` and ``diff`` share them. This module also
computes the fingerprints that SARIF ``partialFingerprints`` and baselines both use;
``from_check``, ``from_lint`` and ``from_diff`` build findings from each command's results.
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterator, Mapping, Sequence

from ..core.diagnostics import Span
from ..core.files import root_relative


class FailOn(enum.Enum):
    """The least bad outcome that fails the run; each level includes those above it."""

    VIOLATED = "violated"  # violations only: unknowns pass, but are still reported
    UNKNOWN = "unknown"    # violations and unknowns (the default: fail closed)
    WARNING = "warning"    # also warning diagnostics such as W110



class Outcome(enum.Enum):
    """What a finding means, from harmless to worst."""

    PASSED = "passed"    # a proved assertion: a passing test case
    NOTE = "note"        # information only
    WARNING = "warning"  # a warning diagnostic (fails only with --fail-on warning)
    UNKNOWN = "unknown"  # not decided, so NOT verified (fails unless relaxed)
    FAILED = "failed"    # violated: a counterexample exists
    ERROR = "error"      # input or internal error: nothing was verified


SEVERITY: dict[Outcome, str | None] = {
    Outcome.PASSED: None, Outcome.NOTE: "note", Outcome.WARNING: "warning",
    Outcome.UNKNOWN: "warning", Outcome.FAILED: "error", Outcome.ERROR: "error",
}


@dataclass(frozen=True, slots=True)
class Related:
    """A place that explains a finding, such as the rule that decided a counterexample."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a run found: a checked assertion (``verdict`` set, ``name`` its test-case
    name) or a diagnostic (``verdict`` None). ``details`` are explanation lines
    (counterexample, deciding rule, notes) without indentation of their own; ``payload``
    is the command's own object (a ``Result`` or ``Diagnostic``) for the JSON reporter."""

    file: str
    outcome: Outcome
    code: str | None
    message: str
    location: Span | None = None
    name: str | None = None
    verdict: str | None = None
    flow: str | None = None
    summary: str = ""
    details: tuple[str, ...] = ()
    notes: tuple[tuple[Span | None, str], ...] = ()
    related: tuple[Related, ...] = ()
    elapsed: float | None = None
    fingerprint: str | None = None
    baselined: str | None = None  # the reason of the baseline entry that accepts it
    accepted_by: str = "baselined"  # what accepts it: a baseline entry, or an audit "waived"
    level: str | None = None  # the severity shown, when it is not the outcome's (lint)
    properties: tuple[tuple[str, object], ...] = ()  # extra SARIF result properties
    payload: object = field(default=None, compare=False, repr=False)

    @property
    def severity(self) -> str | None:
        """The severity reporters show: ``level`` if set, else the outcome's. Lint, say,
        shows a warning as a warning even when ``--fail-on warning`` makes it fail."""
        return self.level if self.level is not None else SEVERITY[self.outcome]

    def prop(self, key: str) -> object:
        """One of ``properties`` (None when absent)."""
        return dict(self.properties).get(key)

    @property
    def artifact(self) -> str:
        """The file the finding points at (an included file, say), relative to the git top
        level (else the working directory), as fingerprints and baselines name it."""
        return artifact_path(self.location.path if self.location else self.file)


@dataclass(frozen=True)
class FileReport:
    """The findings of one input file (or of a path argument that could not be used).
    ``remarks`` are plain notes about the file such as 'no assertions to check';
    ``sources`` maps shown paths to their text, for caret lines."""

    path: str
    findings: tuple[Finding, ...] = ()
    remarks: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def has_errors(self) -> bool:
        return any(f.outcome is Outcome.ERROR for f in self.findings)


@dataclass(frozen=True)
class RunNote:
    """A note about the run rather than about one input, e.g. a stale baseline entry."""

    message: str
    file: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True)
class RuleInfo:
    """A finding code that a command defines besides the diagnostic codes of
    ``diagnostics.CODES`` (lint's L101, diff's D001, ...): its SARIF reportingDescriptor."""

    code: str
    name: str     # a short CamelCase name, e.g. 'DeadRule'
    title: str    # one line, e.g. 'dead rule: it never decides any flow'
    level: str    # the default level: error, warning or note
    doc: str      # the page that explains it, e.g. 'docs/lint.md'
    tags: tuple[str, ...] = ()
    help: str = ""  # what it checks and why, for SARIF's help and fullDescription
    security_severity: str | None = None  # GitHub's 0.0-10.0 score of a security finding


@dataclass(frozen=True)
class RunReport:
    """Everything one command run reports, plus the gate policy it is judged by.

    A command whose ``--fail-on`` has its own words (lint, diff) folds that threshold into
    the outcomes of its findings, is judged with ``FailOn.UNKNOWN``, and names its own
    threshold in ``fail_on_label``. ``rules`` describes its finding codes; ``summary``
    replaces the verdict counts in the SARIF run properties."""

    command: str
    files: tuple[FileReport, ...]
    fail_on: FailOn
    notes: tuple[RunNote, ...] = ()
    baseline: str | None = None
    elapsed: float | None = None
    rules: tuple[RuleInfo, ...] = ()
    fail_on_label: str | None = None
    summary: tuple[tuple[str, int], ...] = ()
    root: str | None = None  # --root: SARIF URIs and JUnit files are relative to it
    help_base: str | None = None  # --help-uri-base: the docs folder's URL, for SARIF helpUri
    inputs: tuple[str, ...] = ()  # the input arguments as given (JSON's ``inputs``)

    def findings(self) -> Iterator[Finding]:
        for fr in self.files:
            yield from fr.findings

    @property
    def gate_label(self) -> str:
        """The ``--fail-on`` value as the user gave it."""
        return self.fail_on_label if self.fail_on_label is not None else self.fail_on.value


def artifact_path(path: str, root: str | None = None) -> str:
    """A shown path as SARIF URIs, fingerprints, baselines and JUnit name it: relative to
    ``root`` (``--root``; default: the git top level, else the working directory), POSIX."""
    return root_relative(path, root)


def fingerprint(code: str, path: str, name: str, occurrence: int = 1) -> str:
    """A finding's identity across runs: its code, file and name (the assertion's label
    or text, or a diagnostic's message), never a line number, which shifts on edits."""
    parts = ["sgverify/v1", code, path, name] + ([str(occurrence)] if occurrence > 1 else [])
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def with_fingerprints(files: Sequence[FileReport]) -> tuple[FileReport, ...]:
    """Give every coded finding its fingerprint (its file relative to the git top level,
    so it does not change with the working directory); a repeat of the same (code, file,
    name) in one run is numbered so that the two stay distinct."""
    seen: Counter[tuple[str, str, str]] = Counter()
    artifacts: dict[str, str] = {}  # shown path -> artifact_path (one per file, not finding)
    out = []
    for fr in files:
        findings = []
        for f in fr.findings:
            if f.code is not None:
                shown = f.location.path if f.location else f.file
                art = artifacts.get(shown)
                if art is None:
                    art = artifacts[shown] = artifact_path(shown)
                key = (f.code, art, f.name if f.name is not None else f.message)
                seen[key] += 1
                f = replace(f, fingerprint=fingerprint(*key, occurrence=seen[key]))
            findings.append(f)
        out.append(replace(fr, findings=tuple(findings)))
    return tuple(out)
