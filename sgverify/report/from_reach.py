"""Findings from ``reach``: each pair that connects (R001), each pair whose answer is not
verified (R002: it may reach, or may reach more services, through unresolved lists or
groups whose rules are not known), and the pairs across networks that were not answered
(R003), for the SARIF and JUnit reporters and the exit code.

The gate: with ``--fail-if-reachable`` a pair that reaches is ``FAILED``, else a ``NOTE``;
what is not verified is ``UNKNOWN`` (``NOTE`` with ``--allow-unknown``). Judged with
``FailOn.UNKNOWN`` this gives reach's exit codes: 1 a pair reaches and must not, else 3 a
part of the answer is not verified, else 0. The pairs proved unreachable are counted in
one passing JUnit case (there may be millions).
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..analyses.reach.answer import Answer, Axis, Pair
from ..core.diagnostics import Span
from ..core.model import Policy
from ..engines.atoms.matrix import REACHABLE
from .findings import FileReport, Finding, Outcome, RuleInfo, RunReport, with_fingerprints
from .gate import FailOn, run_exit_code
from .html import render_html
from .junit import Case, Suite, render_cases
from .reach import not_verified, render_json, render_text, witness_lines
from .sarif import render_sarif
from .stream import Rendered
from .text import Style

DOC = "docs/reach.md"
REACHES, NOT_VERIFIED, ACROSS = "R001", "R002", "R003"


def rules() -> tuple[RuleInfo, ...]:
    return (
        RuleInfo(REACHES, "PairReaches", "a sender can connect to a receiver", "note", DOC,
                 ("security",)),
        RuleInfo(NOT_VERIFIED, "ReachNotVerified", "a pair may connect (or on more services) "
                 "depending on unresolved lists or groups whose rules are not known: not "
                 "verified", "warning", DOC, ("security",)),
        RuleInfo(ACROSS, "AcrossNetworks", "pairs across the classic network and a VPC are "
                 "not answered", "warning", DOC, ("correctness",)),
    )


def _where(policy: Policy, axis: Axis) -> Span | None:
    """Where a row or column is defined (an instance or a group), for SARIF locations."""
    if axis.kind == "instance":
        inst = policy.instance(axis.label.removeprefix("instance "))
        return inst.span if inst is not None else None
    if axis.kind == "group":
        name = axis.label.removeprefix("group ")
        g = policy.group(name)
        return g.span if g is not None else None
    return None


def _pair_findings(p: Pair, path: str, policy: Policy, fail_if_reachable: bool,
                   allow_unknown: bool,
                   places: dict[str, Span | None] | None = None) -> list[Finding]:
    """``places``: where each axis is defined, filled as asked (a matrix has a million
    pairs over a thousand axes)."""
    name = f"{p.sender.label} -> {p.receiver.label}"
    places = {} if places is None else places
    where = None
    for axis in (p.receiver, p.sender):
        if axis.label not in places:
            places[axis.label] = _where(policy, axis)
        where = places[axis.label]
        if where is not None:
            break
    unknown = Outcome.NOTE if allow_unknown else Outcome.UNKNOWN
    out = []
    if p.status == REACHABLE:
        out.append(Finding(path, Outcome.FAILED if fail_if_reachable else Outcome.NOTE, REACHES,
                           f"{name} on {p.services()}", where, name, "reaches",
                           details=tuple(x.strip() for x in
                                         witness_lines(p.evidence, p.facts, "witness")),
                           payload=p))
        if p.more:
            out.append(Finding(path, unknown, NOT_VERIFIED,
                               f"{name} may also reach on {p.also()} ({not_verified(p)})",
                               where, f"{name} (more services)", "unknown", payload=p))
    else:
        out.append(Finding(path, unknown, NOT_VERIFIED,
                           f"{name} may reach on {p.services()} ({not_verified(p)})", where,
                           name, "unknown", payload=p))
    return out


def _untold(counts: dict[tuple[int, bool], int], path: str, fail_if_reachable: bool,
            allow_unknown: bool) -> list[Finding]:
    """One finding per kind of the pairs not worked out (``--limit``): how many reach, may
    reach more, or only may reach, with the outcome each of them would have had. Their
    services are not known, so no finding says what they are."""
    unknown = Outcome.NOTE if allow_unknown else Outcome.UNKNOWN
    why = "services and witness not worked out beyond --limit: raise it, or narrow --from/--to"
    reach = sum(n for (status, _), n in counts.items() if status == REACHABLE)
    more = counts.get((REACHABLE, True), 0)
    maybe = sum(n for (status, _), n in counts.items() if status != REACHABLE)
    out = []
    if reach:
        out.append(Finding(path, Outcome.FAILED if fail_if_reachable else Outcome.NOTE, REACHES,
                           f"{reach} more {_pairs(reach)} ({why})", None,
                           "pairs not worked out (reach)", "reaches"))
    if more:
        out.append(Finding(path, unknown, NOT_VERIFIED,
                           f"{more} of the pairs not worked out may also reach on more services "
                           "(not verified)", None, "pairs not worked out (more services)",
                           "unknown"))
    if maybe:
        out.append(Finding(path, unknown, NOT_VERIFIED, f"{maybe} more {_pairs(maybe)} may reach "
                           f"(not verified; {why})", None, "pairs not worked out (may reach)",
                           "unknown"))
    return out


def _pairs(n: int) -> str:
    return "pair" if n == 1 else "pairs"


def reach_run(answer: Answer, policy: Policy, path: str, fail_if_reachable: bool,
              allow_unknown: bool, elapsed: float | None,
              root: str | None = None, inputs: Sequence[str] = ()) -> RunReport:
    """The findings of one ``reach`` answer about the inventory ``path``: one per finding of
    each pair worked out, and for the pairs not worked out (``--limit``; most of a matrix
    of a million) one per kind, with their count. The exit code depends only on which
    outcomes occur, and a pair not worked out has the outcome a worked-out pair of its
    kind has: so every format gets the exit code of a finding per pair, without the
    memory and time of one."""
    found: list[Finding] = []
    places: dict[str, Span | None] = {}
    counts: dict[tuple[int, bool], int] = {}
    for p in answer.pairs:
        if not p.worked_out:
            kind = (p.status, p.more)  # what decides the codes and outcomes of its findings
            counts[kind] = counts.get(kind, 0) + 1
            continue
        found += _pair_findings(p, path, policy, fail_if_reachable, allow_unknown, places)
    found += _untold(counts, path, fail_if_reachable, allow_unknown)
    if answer.across:
        found.append(Finding(path, Outcome.NOTE if allow_unknown else Outcome.UNKNOWN, ACROSS,
                             f"{answer.across} pair(s) across the classic network and a VPC are "
                             "not answered", None, "across networks", "unknown"))
    unreachable = answer.checked - answer.reachable - answer.unknown
    summary = (("checked", answer.checked), ("reachable", answer.reachable),
               ("unknown", answer.unknown), ("unreachable", unreachable),
               ("partly_unknown", answer.partly_unknown), ("across_networks", answer.across))
    label = ("reachable" if fail_if_reachable else "none") + ("" if allow_unknown else "+unknown")
    return RunReport("reach", with_fingerprints([FileReport(path, tuple(found))]),
                     FailOn.UNKNOWN, elapsed=elapsed, rules=rules(), fail_on_label=label,
                     summary=summary, root=root, inputs=tuple(inputs))


def reach_suites(run: RunReport, answer: Answer) -> list[Suite]:
    """One suite: a case per pair finding, and one passing case for the pairs proved
    unreachable."""
    cases = [Case(f.name or f.message, (f,), f.location.path if f.location else None,
                  f.location.line if f.location and f.location.line else None)
             for f in run.findings()]
    unreachable = answer.checked - answer.reachable - answer.unknown
    cases.append(Case(f"{unreachable} other ordered pair(s) proved unreachable"))
    return [Suite(f"reach: {answer.question}", tuple(cases))]


def render_reach(fmt: str, style: Style, answer: Answer, run: RunReport,
                 timing: bool) -> Rendered:
    """The report of one ``reach`` run in ``fmt``."""
    if fmt == "json":
        return render_json(answer, run_exit_code(run), timing, run.inputs)
    if fmt == "html":
        return render_html(reach=answer, timing=timing)
    if fmt == "sarif":
        return render_sarif(run, timing)
    if fmt == "junit":
        return render_cases(run, reach_suites(run, answer), timing)
    return render_text(answer, style, timing, pair_leads(run, style))


_SEVERITY = {Outcome.FAILED: "error", Outcome.UNKNOWN: "warning", Outcome.NOTE: "note",
             Outcome.ERROR: "error", Outcome.PASSED: "note"}


def pair_leads(run: RunReport, style: Style) -> Callable[[Pair], str]:
    """For each pair, ``file:line:col: severity[CODE]: `` of its first finding: the place
    of its receiver (or sender, or the inventory) and what the gate made of it."""
    leads: dict[int, str] = {}
    for f in run.findings():
        if isinstance(f.payload, Pair) and id(f.payload) not in leads:
            sev = _SEVERITY[f.outcome]
            leads[id(f.payload)] = f"{f.location or f.file}: {style(sev, sev)}[{f.code}]: "
    return lambda p: leads.get(id(p), "")
