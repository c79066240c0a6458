"""Inline suppressions applied to a run's findings (``core.suppress`` finds the comments).

A suppressed finding is accepted as a baselined one is (it never fails the run) and says
so in every format: ``(suppressed)`` and the reason in text, ``suppressed`` in JSON, an
``inSource`` suppression in SARIF, ``<skipped message="suppressed: ...">`` in JUnit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping, Sequence

from ..core.suppress import Suppressions
from .findings import FileReport, Outcome, RunNote

SUPPRESSED = "suppressed"  # a Finding's accepted_by when a comment accepts it


def apply_suppressions(files: Sequence[FileReport], sources: Mapping[str, str],
                       owns: Iterable[str]) -> tuple[tuple[FileReport, ...], tuple[RunNote, ...]]:
    """Accept the findings an inline comment suppresses; note the comments of the
    command's own codes (``owns``: code prefixes or codes) that accept nothing."""
    found = Suppressions(sources)
    if not found:
        return tuple(files), ()
    out = []
    for fr in files:
        findings = []
        for f in fr.findings:
            if f.code and f.baselined is None and f.outcome not in (Outcome.ERROR, Outcome.PASSED):
                s = found.find(f.code, f.location)
                if s is not None:
                    f = replace(f, baselined=s.reason, accepted_by=SUPPRESSED,
                                properties=(*f.properties, ("suppressed_at", s.where)))
            findings.append(f)
        out.append(replace(fr, findings=tuple(findings)))
    notes = tuple(RunNote(f"the suppression of {', '.join(s.codes)} here is not applied: {why}",
                          s.where) for s, why in found.unused(owns))
    return tuple(out), notes
