"""SARIF 2.1.0 output, for code scanning (GitHub and other SARIF readers).

One ``rule`` (reportingDescriptor) per diagnostic code that the run reports, with the code
as its stable id (E301 assertion violated, W401 unknown, E1xx input errors, ...; titles
from ``diagnostics.CODES``; a command's own codes, such as lint's L101 or diff's D001, from
``RunReport.rules``). Every finding that is not a pass becomes a ``result`` at its
location: violations and errors at level error, unknowns and warnings at level warning
(a finding's own ``level`` wins), the deciding rules as ``relatedLocations`` and the
counterexample in the message. ``partialFingerprints`` carry the finding's fingerprint
(code, file, assertion name; no line numbers), the same value a baseline records; a
baselined result carries an accepted external ``suppression``. Artifact URIs are relative
to the repository root (``--root``, else the git top level of the working directory,
else the working directory; ``uriBaseId`` %SRCROOT%), and so are the fingerprints' paths,
so neither changes with where sgverify runs. The output has no timestamps and is byte-identical for identical input.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import PurePath
from typing import Any
from urllib.parse import quote, urlsplit

from ..core.diagnostics import CODES, Span
from ..core.version import __version__
from .findings import Finding, Outcome, RuleInfo, RunReport, artifact_path
from .gate import fails, relaxed, run_exit_code, tally
from .stream import Later, chunks

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "sgverifyFinding/v1"
SRCROOT = "%SRCROOT%"

LEVEL = {Outcome.ERROR: "error", Outcome.FAILED: "error", Outcome.UNKNOWN: "warning",
         Outcome.WARNING: "warning", Outcome.NOTE: "note"}


def rule_name(title: str) -> str:
    """'assertion violated' -> 'AssertionViolated' (SARIF's readable rule name)."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", title) if w)


# Where each documentation page lists its codes: a rule's ``helpUri`` is BASE/PAGE#ANCHOR,
# BASE the URL of the docs/ folder (``--help-uri-base``, else the package's Documentation
# URL); a page not listed here, or no BASE, gives no helpUri, never a guess. The anchors are
# GitHub's heading ids (tests/report/test_sarif_help.py checks each exists in docs/).
HELP_SECTIONS = {
    "docs/errors.md": "errors.md#codes",
    "docs/lint.md": "lint.md#codes",
    "docs/audit.md": "audit.md#controls",
    "docs/diff.md": "diff.md#sarif-and-junit",
    "docs/reach.md": "output.md#sarif-and-junit-of-reach-and-explain",
    "docs/language.md": "output.md#sarif-and-junit-of-reach-and-explain",  # explain's X00x
    "docs/inputs.md": "output.md#sarif-and-junit-of-reach-and-explain",    # flow logs' X10x
}
DOCUMENTATION_LABELS = ("documentation", "docs")


@functools.lru_cache(maxsize=1)
def documentation_base() -> str | None:
    """The docs/ folder's URL from the installed package's metadata (``[project.urls]``
    Documentation), None when there is none or it is not an absolute http(s) URL."""
    try:
        urls = metadata("sgverify").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        url = url.strip()
        if label.strip().lower() in DOCUMENTATION_LABELS and urlsplit(url).scheme in (
                "http", "https") and urlsplit(url).netloc:
            return url.rstrip("/")
    return None


def help_uri(doc: str, base: str | None) -> str | None:
    """The helpUri of a rule explained on page ``doc`` (None: none can be given)."""
    base = base or documentation_base()
    section = HELP_SECTIONS.get(doc)
    return f"{base}/{section}" if base and section else None


def command_descriptor(info: RuleInfo, base: str | None = None) -> dict[str, Any]:
    """The reportingDescriptor of a command's own finding code (lint, diff)."""
    full = f"{info.code}: {info.title}. {info.help}" if info.help else \
        f"{info.code}: {info.title} (see {info.doc})"
    out: dict[str, Any] = {
        "id": info.code, "name": info.name, "shortDescription": {"text": info.title},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": info.level},
        "help": {"text": f"sgverify finding {info.code}: {info.title}. "
                         + (f"{info.help} " if info.help else "")
                         + f"{info.doc} explains each code and what to do about it.",
                 "markdown": f"**{info.code}** {info.title}\n\n"
                             + (f"{info.help}\n\n" if info.help else "")
                             + f"See `{info.doc}` in the sgverify documentation."},
    }
    uri = help_uri(info.doc, base)
    if uri:
        out["helpUri"] = uri
    properties: dict[str, Any] = {}
    if info.tags:
        properties["tags"] = list(info.tags)
    if info.security_severity is not None:
        properties["security-severity"] = info.security_severity
    if properties:
        out["properties"] = properties
    return out


def descriptor(code: str, base: str | None = None) -> dict[str, Any]:
    severity, title = CODES.get(code, (None, code))
    level = severity.value if severity else {"E": "error", "W": "warning"}.get(code[:1], "note")
    out: dict[str, Any] = {
        "id": code, "name": rule_name(title), "shortDescription": {"text": title},
        "fullDescription": {"text": f"{code}: {title} (see docs/errors.md)"},
        "defaultConfiguration": {"level": level},
        "help": {"text": f"sgverify diagnostic {code}: {title}. docs/errors.md explains "
                         "each code and how to fix it.",
                 "markdown": f"**{code}** {title}\n\nSee `docs/errors.md` in the sgverify "
                             "documentation: each code, an example, and how to fix it."},
    }
    uri = help_uri("docs/errors.md", base)
    if uri:
        out["helpUri"] = uri
    if code in ("E301", "W401"):
        out["properties"] = {"tags": ["security", "correctness"]}
    return out


def artifact_location(path: str, root: str | None) -> dict[str, Any]:
    """A path below the root (``--root``, else the git top level, else the working
    directory) is relative, based at %SRCROOT%; any other is a file: URI."""
    shown = artifact_path(path, root)
    if PurePath(shown).is_absolute():
        return {"uri": PurePath(os.path.abspath(path)).as_uri()}
    return {"uri": quote(shown, safe="/"), "uriBaseId": SRCROOT}


def region(span: Span | None) -> dict[str, Any]:
    if span is None:
        return {"startLine": 1}
    out = {"startLine": span.line, "startColumn": span.col}
    if span.end_line and span.end_col:
        out.update(endLine=span.end_line, endColumn=span.end_col)
    return out


def physical(span: Span | None, file: str, root: str | None) -> dict[str, Any]:
    where: dict[str, Any] = {"artifactLocation": artifact_location(span.path if span else file,
                                                                   root)}
    if span is None or span.line:
        where["region"] = region(span)   # a whole-file problem has no region
    return {"physicalLocation": where}


def message_text(f: Finding, run: RunReport) -> str:
    head = f"{f.verdict}: {f.message}" if f.verdict is not None else f.message
    lines = [head] + list(f.details)
    lines += [f"note: {n}" + (f" ({s})" if s else "") for s, n in f.notes]
    if f.baselined is not None:
        if f.accepted_by != "waived":  # an audit's waiver is among its details already
            lines.append(f"{f.accepted_by}: {f.baselined}")
    elif relaxed(f, run.fail_on):
        lines.append(f"not verified: this passes only because of --fail-on {run.fail_on.value}")
    return "\n".join(lines)


def result_json(f: Finding, run: RunReport, rule_index: dict[str, int],
                timing: bool) -> dict[str, Any]:
    assert f.code is not None
    out: dict[str, Any] = {
        "ruleId": f.code, "ruleIndex": rule_index[f.code], "level": f.level or LEVEL[f.outcome],
        "message": {"text": message_text(f, run)},
        "locations": [physical(f.location, f.file, run.root)],
    }
    related = [(r.span, r.message) for r in f.related]
    related += [(s, f"note: {m}") for s, m in f.notes if s is not None]
    if related:
        out["relatedLocations"] = [
            {"id": i, **physical(span, f.file, run.root), "message": {"text": m}}
            for i, (span, m) in enumerate(related, 1)]
    if f.fingerprint is not None:
        out["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if f.baselined is not None:  # a baseline or waiver outside the source, or a comment in it
        inline = f.accepted_by == "suppressed" or f.prop("suppressed_at") is not None
        kind = "inSource" if inline else "external"
        out["suppressions"] = [{"kind": kind, "status": "accepted",
                                "justification": f.baselined}]
    props: dict[str, Any] = {"file": artifact_path(f.file, run.root),
                             "fails": fails(f, run.fail_on)}
    if f.verdict is not None:
        props.update(assertion=f.name, verdict=f.verdict)
        if f.flow is not None:
            props["flow"] = f.flow
        if timing and f.elapsed is not None:
            props["time_ms"] = round(f.elapsed * 1000, 3)
    props.update(f.properties)
    out["properties"] = props
    return out


def render_sarif(run: RunReport, timing: bool = True) -> str:
    """The SARIF log of ``run``: one run, all rules, one result per non-passing finding."""
    return "".join(sarif_chunks(run, timing))


def sarif_chunks(run: RunReport, timing: bool = True) -> Iterator[str]:
    """``render_sarif`` in pieces, each result made as it is written (``stream.Later``)."""
    reported = [f for f in run.findings() if f.outcome is not Outcome.PASSED and f.code is not None]
    used = {f.code for f in reported if f.code is not None}
    own = {r.code: r for r in run.rules}
    order = {c: i for i, c in enumerate([*own, *CODES])}
    codes = sorted(used, key=lambda c: (order.get(c, len(order)), c))
    rule_index = {c: i for i, c in enumerate(codes)}
    results = Later(lambda: (result_json(f, run, rule_index, timing) for f in reported))
    invocation: dict[str, Any] = {
        "executionSuccessful": not any(f.code == "E901" for f in run.findings()),
        "exitCode": run_exit_code(run),
    }
    if run.notes:
        invocation["toolConfigurationNotifications"] = [
            {"level": "note", "message": {"text": n.message}} for n in run.notes]
    counts = tally(run)
    summary = dict(run.summary) if run.summary else {k: counts.get(k, 0) for k in (
        "proved", "violated", "unknown", "error", "input_errors", "warnings", "baselined")}
    props: dict[str, Any] = {"command": run.command, "failOn": run.gate_label,
                             "summary": summary}
    if timing and run.elapsed is not None:
        props["time_ms"] = round(run.elapsed * 1000, 3)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "sgverify", "version": __version__,
                                "semanticVersion": __version__,
                                "rules": [command_descriptor(own[c], run.help_base)
                                          if c in own else descriptor(c, run.help_base)
                                          for c in codes]}},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": props,
        }],
    }
    return chunks(log)
