"""Baselines: known findings accepted by fingerprint, each with a reason.

A team adopting the gate on an existing estate records today's violations in a baseline
(``sgverify check ... --write-baseline FILE``), edits each reason, and passes
``--baseline FILE`` from then on: baselined findings are still reported, marked as
baselined, but do not fail the run, so only new problems do. An entry whose finding is
gone (fixed or renamed) is reported as a stale note. Fingerprints are the findings'
fingerprints, identical to SARIF ``partialFingerprints``. Input and internal errors cannot
be baselined: they always fail.

The file (JSON)::

    {"version": 1,
     "entries": [{"fingerprint": "...", "code": "E301", "path": "specs/web.sgv",
                  "name": "ssh-closed", "reason": "accepted on 2024-05-01"}]}

Only ``fingerprint`` and ``reason`` decide anything; ``code``, ``path`` and ``name`` say
what the entry is about (``path`` also limits stale notes to files checked in this run).
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, replace
from typing import Any, Sequence

from ..core.diagnostics import SgverifyError
from ..core.files import FileProblem, display_path, read_settings_text
from .findings import FileReport, Finding, Outcome, RunNote, artifact_path
from .gate import FailOn, fails

BASELINE_VERSION = 1


class BaselineError(SgverifyError):
    """A baseline file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    reason: str
    code: str = ""
    path: str = ""
    name: str = ""

    def to_json(self) -> dict[str, str]:
        return {"fingerprint": self.fingerprint, "code": self.code, "path": self.path,
                "name": self.name, "reason": self.reason}


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...] = ()

    def reasons(self) -> dict[str, str]:
        return {e.fingerprint: e.reason for e in self.entries}


def parse_baseline(text: str, shown: str) -> Baseline:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{shown}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("version") != BASELINE_VERSION \
            or not isinstance(doc.get("entries"), list):
        raise BaselineError(f"{shown}: not a sgverify baseline (expected an object with "
                            f"\"version\": {BASELINE_VERSION} and a list \"entries\")")
    entries = []
    for i, item in enumerate(doc["entries"], 1):
        if not isinstance(item, dict):
            raise BaselineError(f"{shown}: entry {i} is not an object")
        for key in ("fingerprint", "reason"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise BaselineError(f"{shown}: entry {i} needs a non-empty \"{key}\" string")
        entries.append(Entry(item["fingerprint"], item["reason"], str(item.get("code", "")),
                             str(item.get("path", "")), str(item.get("name", ""))))
    return Baseline(tuple(entries))


def load_baseline(path: str) -> Baseline:
    shown = display_path(path)
    if not os.path.exists(path):
        raise BaselineError(f"{shown}: no such baseline file (create one with "
                            "--write-baseline)")
    try:
        text = read_settings_text(path, shown)
    except FileProblem as exc:
        raise BaselineError(str(exc)) from None
    return parse_baseline(text, shown)


def can_baseline(f: Finding, fail_on: FailOn) -> bool:
    """Would ``f`` fail the run, and is it something a baseline may accept?"""
    return (f.fingerprint is not None and f.outcome is not Outcome.ERROR
            and fails(f, fail_on, ignore_baseline=True))


def apply_baseline(files: Sequence[FileReport], baseline: Baseline,
                   shown: str) -> tuple[tuple[FileReport, ...], tuple[RunNote, ...]]:
    """Mark the findings the baseline accepts, and note its entries that match nothing in
    a file this run checked completely (files with input errors are not judged)."""
    reasons = baseline.reasons()
    matched: set[str] = set()
    out = []
    for fr in files:
        findings = []
        for f in fr.findings:
            if f.fingerprint in reasons and f.outcome not in (Outcome.ERROR, Outcome.PASSED):
                matched.add(f.fingerprint)
                f = replace(f, baselined=reasons[f.fingerprint])
            findings.append(f)
        out.append(replace(fr, findings=tuple(findings)))
    checked = {artifact_path(p) for fr in files if not fr.has_errors
               for p in (fr.path, *fr.sources)}
    notes = tuple(
        RunNote(f"baseline entry {e.code or '?'} '{e.name or e.fingerprint}' matches nothing "
                f"any more (fixed or renamed): remove it from {shown}", e.path, e.fingerprint)
        for e in baseline.entries if e.fingerprint not in matched and e.path in checked)
    return tuple(out), notes


def baseline_for(files: Sequence[FileReport], fail_on: FailOn, previous: Baseline | None = None,
                 today: datetime.date | None = None) -> Baseline:
    """A baseline accepting every finding that fails now (errors excepted). Entries the
    previous baseline already had keep their reasons; new ones get a dated placeholder."""
    old = previous.reasons() if previous else {}
    stamp = f"accepted on {(today or datetime.date.today()).isoformat()}"
    entries: dict[str, Entry] = {}
    for fr in files:
        for f in fr.findings:
            if can_baseline(f, fail_on) and f.fingerprint not in entries:
                assert f.fingerprint is not None
                entries[f.fingerprint] = Entry(f.fingerprint, old.get(f.fingerprint, stamp),
                                               f.code or "", f.artifact,
                                               f.name if f.name is not None else f.message)
    ordered = sorted(entries.values(), key=lambda e: (e.path, e.name, e.code, e.fingerprint))
    return Baseline(tuple(ordered))


def dump_baseline(baseline: Baseline) -> str:
    doc: dict[str, Any] = {"version": BASELINE_VERSION,
                           "entries": [e.to_json() for e in baseline.entries]}
    return json.dumps(doc, indent=2) + "\n"
