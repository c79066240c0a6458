"""Findings from ``lint``: each ``LintFinding`` (and each interface whose analysis was not
completed) as a ``Finding``, lint's ``--fail-on`` folded into the outcomes, the SARIF rule
of every lint code, and the JUnit test cases: one per interface and check kind.

The gate: a finding at or above ``--fail-on`` is ``FAILED``; any other is a ``WARNING`` or
``NOTE`` that never fails; an interface not completed is ``UNKNOWN``. The run is judged
with ``FailOn.UNKNOWN``, which gives lint's exit codes (1 a finding fails, else 3 not
completed, else 0). Each finding keeps its lint severity as its ``level``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from ..analyses.lint.findings import CODES, Incomplete, LintFinding, severity_rank
from ..analyses.lint.lint import LintReport
from ..core.model import Rule
from .findings import FileReport, Finding, Outcome, Related, RuleInfo, RunReport, with_fingerprints
from .gate import FailOn, fails
from .junit import Case, Suite

DOC = "docs/lint.md"
NOT_COMPLETED = "L001"  # an interface whose analysis was not completed (SARIF and JUnit only)

_NAMES = {
    "L001": "AnalysisNotCompleted", "L101": "DeadRule", "L102": "RedundantRule",
    "L103": "PriorityTie", "L201": "OpenToTheInternet", "L301": "PriorityOutOfRange",
    "L302": "BadPortRange", "L303": "PortsWithoutPorts", "L304": "ClassicInternalRuleNotAHost",
    "L305": "EnterpriseGroupReference", "L306": "TooManyRulesInGroup",
    "L307": "TooManyRulesOnInterface", "L308": "TooManyGroupsOnInterface",
    "L309": "TooManyReferencedGroups", "L310": "ListInClassicGroup",
}

# The JUnit check kinds: every interface gets one test case per kind.
KINDS: tuple[tuple[str, str], ...] = (
    ("L101", "L101 dead rules"), ("L102", "L102 redundant rules"),
    ("L103", "L103 ties at one priority"), ("L201", "L201 open to the internet"),
    ("L3xx", "L3xx accepted by the cloud"),
)
_ANALYSED = ("L101", "L102", "L103", "L201")  # the kinds an unfinished analysis leaves unproved


def rules() -> tuple[RuleInfo, ...]:
    """The SARIF rules of lint: every code of ``lint.CODES``, then L001."""
    out = []
    for code, (severity, title) in CODES.items():
        tags = (("security",) if code.startswith("L2") else
                ("correctness",) if code.startswith("L3") else ("maintainability",))
        out.append(RuleInfo(code, _NAMES[code], title, severity, DOC, tags,
                            security_severity="8.0" if code.startswith("L2") else None))
    out.append(RuleInfo(NOT_COMPLETED, _NAMES[NOT_COMPLETED],
                        "the analysis of an interface was not completed (budget or time limit)",
                        "error", DOC, ("correctness",)))
    return tuple(out)


def lint_fails(f: LintFinding, fail_on: str) -> bool:
    """Does ``f`` reach ``--fail-on`` (error, warning, note or none)?"""
    return fail_on != "none" and severity_rank(f.severity) <= severity_rank(fail_on)


def rule_line(rule: Rule, at_place: bool = True) -> str:
    at = f" at {rule.span}" if rule.span and at_place else ""
    return (f"rule {rule.name} of group {rule.group_name} "
            f"(priority {rule.priority}, {rule.action.value}){at}")


def detail_lines(f: LintFinding) -> list[str]:
    """The lines the text report prints under a finding (without their indentation):
    the rules involved, the flows, the details and the example flow."""
    lines = []
    for i in f.involved:
        lines.append(f"{i.role}: {rule_line(i.rule)}")
        if i.rule.text:
            lines.append(f"    {i.rule.text}")
    if f.view is not None:
        lines.append(f"flows: {f.view.text()}")
    return lines + list(f.details)


_RULE_LIST = re.compile(r" \(rules? [^()]*\)$")


def finding_key(f: LintFinding) -> str:
    """What identifies a finding across runs (its fingerprint's name): the interface and
    the rule (for a tie, both rules; for an exposure, what is exposed), never a line."""
    if f.code == "L201":  # 'group web accepts tcp 3389 (RDP) from every public IPv4 address'
        return _RULE_LIST.sub("", f.message)
    key = f.scope
    if f.rule is not None:
        key += f": rule {f.rule.name} of group {f.rule.group_name}"
    if f.code == "L103":
        key += "".join(f" and rule {i.rule.name} of group {i.rule.group_name}" for i in f.involved)
    return key


def lint_finding(path: str, f: LintFinding, fail_on: str, explained: bool = True) -> Finding:
    """One lint finding, at its rule, with the other rules involved as related places.
    ``explained`` False: without what only the SARIF and JUnit reports print (details,
    related places, the flows and example flow), which the text and JSON reports take
    from the lint finding itself; a fleet's run then holds that text once, not twice."""
    if lint_fails(f, fail_on):
        outcome = Outcome.FAILED
    else:
        outcome = Outcome.NOTE if f.severity == "note" else Outcome.WARNING
    if not explained:
        return Finding(path, outcome, f.code, f.message, f.location, name=finding_key(f),
                       level=f.severity, properties=(("interface", f.scope),), payload=f)
    related = tuple(Related(i.rule.span, f"{i.role}: {rule_line(i.rule, at_place=False)}")
                    for i in f.involved if i.rule.span is not None and i.rule is not f.rule)
    props: list[tuple[str, object]] = [("interface", f.scope)]
    if f.rule is not None:
        props.append(("rule", f.rule.name))
    if f.view is not None:
        props.append(("flows", f.view.text()))
    flow = str(f.witness) if f.witness is not None else None  # one string for both
    if flow is not None:
        props.append(("witness", flow))
    return Finding(path, outcome, f.code, f.message, f.location, name=finding_key(f),
                   flow=flow,
                   details=tuple(detail_lines(f)), related=related, level=f.severity,
                   properties=tuple(props), payload=f)


def incomplete_finding(path: str, inc: Incomplete) -> Finding:
    """An interface not completed: not verified, so it fails closed (exit 3)."""
    return Finding(path, Outcome.UNKNOWN, NOT_COMPLETED, f"not completed: {inc.scope}: {inc.reason}",
                   inc.location, name=f"{inc.scope}: not completed", level="error",
                   properties=(("interface", inc.scope),), payload=inc)


def lint_files(reports: Sequence[LintReport], fail_on: str,
               sources: Sequence[Mapping[str, str]] = (),
               explained: bool = True) -> tuple[FileReport, ...]:
    """One file report per linted input (findings in lint's order, then the interfaces
    not completed), with fingerprints; ``sources[i]``: the texts of input i;
    ``explained``: as ``lint_finding`` (False when no SARIF or JUnit report is written)."""
    files = []
    for n, r in enumerate(reports):
        findings = [lint_finding(r.path, f, fail_on, explained) for f in r.findings]
        findings += [incomplete_finding(r.path, inc) for inc in r.incomplete]
        files.append(FileReport(r.path, tuple(findings), (),
                                dict(sources[n]) if n < len(sources) else {}))
    return with_fingerprints(files)


def summary(files: Sequence[FileReport], fail_on: FailOn) -> tuple[tuple[str, int], ...]:
    """The counts of the SARIF run properties."""
    c: Counter[str] = Counter()
    for fr in files:
        for f in fr.findings:
            if isinstance(f.payload, LintFinding):
                c[f.payload.severity] += 1
            elif isinstance(f.payload, Incomplete):
                c["not_completed"] += 1
            else:
                c["input_errors"] += 1
            if f.baselined is not None:
                c["baselined"] += 1
            if fails(f, fail_on):
                c["failing"] += 1
    keys = ("error", "warning", "note", "not_completed", "input_errors", "failing", "baselined")
    return tuple((k, c.get(k, 0)) for k in keys)


def kind_of(code: str) -> str:
    return "L3xx" if code.startswith("L3") else code


def lint_suites(run: RunReport, interfaces: Mapping[str, Sequence[str]]) -> list[Suite]:
    """One suite per input; for each interface (``interfaces[path]``, then any other scope
    a finding names) one test case per check kind, failing when a finding of that kind
    fails the gate. An interface not completed fails its L1xx and L201 cases (unknown). An
    input that could not be used is one ``load`` case, an error."""
    suites = []
    for fr in run.files:
        if fr.has_errors:
            suites.append(Suite(fr.path, (Case("load", fr.findings, fr.path),)))
            continue
        scopes = list(interfaces.get(fr.path, ()))
        cases: dict[tuple[str, str], list[Finding]] = {}
        for f in fr.findings:
            scope = str(f.prop("interface"))
            if scope not in scopes:
                scopes.append(scope)
            kinds = _ANALYSED if f.code == NOT_COMPLETED else (kind_of(f.code or ""),)
            for kind in kinds:
                cases.setdefault((scope, kind), []).append(f)
        suites.append(Suite(fr.path, tuple(
            Case(f"{scope}: {title}", tuple(cases.get((scope, kind), ())), fr.path)
            for scope in scopes for kind, title in KINDS)))
    return suites
