"""JUnit XML output (GitLab, Jenkins and other CI test reports); standard library only.

One ``<testsuite>`` per input file (name and ``file`` = its path) and one ``<testcase>``
per assertion (name = the assertion's label or text, classname = the file path with its
dots made underscores, since readers split classnames at dots). Only the elements and
attributes of the strict JUnit schema (Jenkins xUnit's junit-10) are written, which
GitLab's parser reads too: no ``file`` or ``line`` on a test case (the failure text says
``FILE:LINE:COL``) and no ``skipped`` total on ``<testsuites>``. A violation is a
``<failure type="violated">`` carrying the counterexample and deciding rule; an unknown is
a ``<failure type="unknown">`` unless ``--fail-on violated`` lets it through, in which case
it is ``<skipped>`` with a message saying it was not verified; a baselined finding is
``<skipped>`` with the baseline's reason; an assertion that ended in an error is an
``<error>``. A file's input errors are one ``<testcase name="load">`` whose ``<error>``
lists them (with ``--fail-on warning`` its warnings fail that test case the same way).
Remarks, warnings that do not fail and stale-baseline notes go to the suite's
``<system-out>``. Times appear only with timing on; there are no timestamps.

Commands whose test cases are not one per finding (lint: one per interface and check
kind; diff: one per interface compared) describe them as ``Suite``/``Case`` objects for
``render_cases``: a case gathers the findings it covers and fails when one of them fails
the gate (see that function).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass

from .findings import FileReport, Finding, Outcome, RunReport, artifact_path
from .gate import fails, relaxed
from .text import Style, render_finding

LOAD = "load"  # the test case that stands for loading a file with input errors

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text with the characters XML 1.0 cannot carry replaced."""
    return _NOT_XML.sub("\ufffd", text)


def plain(f: Finding, run: RunReport) -> str:
    """A finding as the text report prints it, without colour, caret or timing."""
    return render_finding(f, {}, Style(False), run.fail_on, timing=False)


def classname(path: str) -> str:
    """A file path as a JUnit classname: readers split classnames at dots into package and
    class, so the dots of a path become underscores (``specs/web.sgv`` -> ``specs/web_sgv``)."""
    return xml_text(path.replace(".", "_"))


def _case(suite: ET.Element, name: str, fr: FileReport, f: Finding | None,
          timing: bool) -> ET.Element:
    case = ET.SubElement(suite, "testcase", name=xml_text(name), classname=classname(fr.path))
    if timing and f is not None and f.elapsed is not None:
        case.set("time", f"{f.elapsed:.3f}")
    return case


def _outcome(case: ET.Element, tag: str, kind: str | None, message: str, body: str) -> None:
    el = ET.SubElement(case, tag)
    if kind is not None:
        el.set("type", kind)
    el.set("message", xml_text(message))
    el.text = xml_text(body)


def _short(f: Finding) -> str:
    what = f"counterexample {f.flow}" if f.outcome is Outcome.FAILED and f.flow else f.summary
    return f"{f.code} {f.verdict}: {what}" if f.code else f"{f.verdict}: {what}"


def _assertion_case(suite: ET.Element, fr: FileReport, f: Finding, run: RunReport,
                    timing: bool) -> str | None:
    """Add the test case of one assertion; return what it counts as, if not a pass."""
    case = _case(suite, f.name or f.message, fr, f, timing)
    if f.outcome is Outcome.PASSED:
        return None
    if f.baselined is not None:
        _outcome(case, "skipped", None, f"{f.accepted_by}: {f.baselined}", plain(f, run))
        return "skipped"
    if f.outcome is Outcome.ERROR:
        _outcome(case, "error", "error", _short(f), plain(f, run))
        return "errors"
    if relaxed(f, run.fail_on):
        _outcome(case, "skipped", None,
                 f"not verified (unknown); let through by --fail-on {run.fail_on.value}",
                 plain(f, run))
        return "skipped"
    _outcome(case, "failure", f.verdict, _short(f), plain(f, run))
    return "failures"


def _suite(root: ET.Element, fr: FileReport, run: RunReport, timing: bool) -> Counter[str]:
    suite = ET.SubElement(root, "testsuite", name=xml_text(fr.path),
                          file=xml_text(artifact_path(fr.path, run.root)))
    counts: Counter[str] = Counter()
    diags = [f for f in fr.findings if f.verdict is None]
    blocking = [f for f in diags if fails(f, run.fail_on)]
    if blocking:
        case = _case(suite, LOAD, fr, None, timing)
        counts["tests"] += 1
        errors = [f for f in blocking if f.outcome is Outcome.ERROR]
        body = "\n\n".join(plain(f, run) for f in blocking)
        if errors:
            _outcome(case, "error", "input-error",
                     f"{len(errors)} input error{'s' if len(errors) != 1 else ''}", body)
            counts["errors"] += 1
        else:
            _outcome(case, "failure", "warning",
                     f"{len(blocking)} warning{'s' if len(blocking) != 1 else ''} "
                     f"(--fail-on {run.fail_on.value})", body)
            counts["failures"] += 1
    time = 0.0
    for f in fr.findings:
        if f.verdict is None:
            continue
        counts["tests"] += 1
        kind = _assertion_case(suite, fr, f, run, timing)
        if kind:
            counts[kind] += 1
        time += f.elapsed or 0.0
    out = [plain(f, run) for f in diags if not fails(f, run.fail_on)]
    out += [f"{fr.path}: note: {r}" for r in fr.remarks]
    out += [f"note: {n.message}" for n in run.notes if n.file == fr.path]
    if out:
        ET.SubElement(suite, "system-out").text = xml_text("\n".join(out) + "\n")
    for key in ("tests", "failures", "errors", "skipped"):
        suite.set(key, str(counts[key]))
    if timing:
        suite.set("time", f"{time:.3f}")
    return counts


def render_junit(run: RunReport, timing: bool = True) -> str:
    """The JUnit XML document of ``run``."""
    root = ET.Element("testsuites", name=f"sgverify {run.command}")
    totals: Counter[str] = Counter()
    for fr in run.files:
        totals.update(_suite(root, fr, run, timing))
    return _document(root, totals, run, timing)


# ---------------------------------------------------------------- cases of several findings


@dataclass(frozen=True)
class Case:
    """A test case covering some findings (possibly none: it passes). ``file``/``line``
    say where it is about (the strict schema has no place for them on a test case: the
    suite's ``file`` comes from them when its cases share one)."""

    name: str
    findings: tuple[Finding, ...] = ()
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Suite:
    """A ``<testsuite>``: its test cases, and lines for its ``<system-out>``."""

    name: str
    cases: tuple[Case, ...]
    out: tuple[str, ...] = ()


def _case_outcome(el: ET.Element, case: Case, run: RunReport) -> str | None:
    """Fill in a case's result; return what it counts as, if not a pass.

    It is an ``<error>`` if an error fails it, else a ``<failure>`` if another finding
    fails the gate (``type``: the code of the first), else ``<skipped>`` if a baseline
    accepted what would have failed; the findings that do not fail go to its
    ``<system-out>``."""
    failing = [f for f in case.findings if fails(f, run.fail_on)]
    quiet = [f for f in case.findings if not fails(f, run.fail_on)]
    accepted = [f for f in quiet if f.baselined is not None]
    kind: str | None = None
    if failing:
        first = failing[0]
        tag, kind = ("error", "errors") if any(f.outcome is Outcome.ERROR for f in failing) \
            else ("failure", "failures")
        message = (f"{first.code}: {first.message}" if len(failing) == 1 else
                   f"{len(failing)} findings fail (--fail-on {run.gate_label}): "
                   + ", ".join(sorted({f.code or "?" for f in failing})))
        _outcome(el, tag, first.code, message.split("\n")[0],
                 "\n\n".join(plain(f, run) for f in failing))
    elif accepted:
        reasons = sorted({f.baselined or "" for f in accepted})
        _outcome(el, "skipped", None, f"{accepted[0].accepted_by}: " + "; ".join(reasons),
                 "\n\n".join(plain(f, run) for f in accepted))
        kind = "skipped"
    rest = [f for f in quiet if f.baselined is None]
    if rest:
        ET.SubElement(el, "system-out").text = xml_text(
            "\n\n".join(plain(f, run) for f in rest) + "\n")
    return kind


def render_cases(run: RunReport, suites: list[Suite], timing: bool = True) -> str:
    """The JUnit XML document of ``run`` with the given suites and cases (lint, diff)."""
    root = ET.Element("testsuites", name=f"sgverify {run.command}")
    totals: Counter[str] = Counter()
    for s in suites:
        suite = ET.SubElement(root, "testsuite", name=xml_text(s.name))
        files = {c.file for c in s.cases if c.file is not None}
        if len(files) == 1:
            suite.set("file", xml_text(artifact_path(files.pop(), run.root)))
        counts: Counter[str] = Counter()
        for c in s.cases:
            el = ET.SubElement(suite, "testcase", name=xml_text(c.name),
                               classname=classname(s.name))
            counts["tests"] += 1
            kind = _case_outcome(el, c, run)
            if kind:
                counts[kind] += 1
        if s.out:
            ET.SubElement(suite, "system-out").text = xml_text("\n".join(s.out) + "\n")
        for key in ("tests", "failures", "errors", "skipped"):
            suite.set(key, str(counts[key]))
        totals.update(counts)
    return _document(root, totals, run, timing)


def _document(root: ET.Element, totals: Counter[str], run: RunReport, timing: bool) -> str:
    """The ``<testsuites>`` root with its totals (and time), as an XML document."""
    for key in ("tests", "failures", "errors"):  # the strict schema has no total of skipped
        root.set(key, str(totals[key]))
    if timing and run.elapsed is not None:
        root.set("time", f"{run.elapsed:.3f}")
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
