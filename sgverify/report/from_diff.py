"""Findings from ``diff``: every box of the difference, every interface not completed,
every group or instance on one side only, and every part of an expected change that did
not happen, as ``Finding`` objects; diff's ``--fail-on`` folded into their outcomes; the
SARIF rule of each diff code; and the JUnit test cases, one per interface compared.

Codes: D001 newly allowed, D002 newly denied, D003 collateral change (outside ``--expect``),
D004 not completed, D005 only on one side, D006 part of the expected change did not happen.
A finding that fails the gate is ``FAILED`` (level error), collateral change that does not
fail is a ``WARNING``, anything else a ``NOTE``; an interface not completed is ``UNKNOWN``
(level error). Judged with ``FailOn.UNKNOWN`` this gives diff's exit codes: 1 something
fails, else 3 not completed, else 0. Results sit at the rule of NEW that decides the box
(else OLD's, else the interface); the other side's decider and the rules that also match
the witness are related places.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.diagnostics import Span
from ..core.evaluate import Decision
from ..prove.difference import (
    ABSENT,
    NEWLY_ALLOWED,
    Decider,
    DiffBox,
    PolicyDiff,
    Presence,
    Unit,
    UnitDiff,
)
from .findings import FileReport, Finding, Outcome, Related, RuleInfo, RunReport, with_fingerprints
from .gate import FailOn, fails
from .junit import Case, Suite

DOC = "docs/diff.md"
D_ALLOWED, D_DENIED, D_COLLATERAL, D_NOT_COMPLETED, D_ONE_SIDE, D_UNCHANGED = (
    "D001", "D002", "D003", "D004", "D005", "D006")

_RULES = (
    RuleInfo(D_ALLOWED, "NewlyAllowed", "newly allowed: NEW accepts flows that OLD does not",
             "warning", DOC, ("security",)),
    RuleInfo(D_DENIED, "NewlyDenied", "newly denied: OLD accepts flows that NEW does not",
             "note", DOC, ("correctness",)),
    RuleInfo(D_COLLATERAL, "CollateralChange",
             "collateral change: a difference outside the expected change (--expect)",
             "error", DOC, ("security", "correctness")),
    RuleInfo(D_NOT_COMPLETED, "ComparisonNotCompleted",
             "the comparison of an interface was not completed (budget or time limit)",
             "error", DOC, ("correctness",)),
    RuleInfo(D_ONE_SIDE, "OnlyOnOneSide", "a group or instance exists in only one of OLD and NEW",
             "note", DOC),
    RuleInfo(D_UNCHANGED, "ExpectedChangeMissing",
             "part of the expected change (--expect) did not change", "note", DOC),
)


def rules() -> tuple[RuleInfo, ...]:
    """The SARIF rules of diff, D001 to D006."""
    return _RULES


# ---------------------------------------------------------------- the gate


def failing(result: PolicyDiff, fail_on: str | None) -> list[tuple[Unit, DiffBox]]:
    """The boxes that fail the run under ``fail_on`` (with an expectation: among the
    collateral boxes only)."""
    if result.expect is not None:
        pool = result.collateral
        fail_on = fail_on or "any-change"
    else:
        pool = result.newly_allowed + result.newly_denied
    if fail_on in (None, "none"):
        return []
    if fail_on == "new-access":
        return [(u, b) for u, b in pool if b.change == NEWLY_ALLOWED]
    return pool


def presence_fails(result: PolicyDiff, p: Presence, fail_on: str | None) -> bool:
    """Does a group or instance on one side only fail the run? With ``any-change``, yes;
    with ``new-access``, an instance only in NEW (all it accepts is new); with ``--expect``,
    never (the gate is about collateral change)."""
    if result.expect is not None:
        return False
    return fail_on == "any-change" or (fail_on == "new-access" and p.kind == "instance"
                                       and p.side == "NEW")


def gate_label(result: PolicyDiff, fail_on: str | None) -> str:
    """``--fail-on`` as in force: with ``--expect`` it defaults to any-change."""
    return fail_on or ("any-change" if result.expect is not None else "none")


# ---------------------------------------------------------------- boxes as lines


def box_head(box: DiffBox) -> str:
    """'newly allowed', or with --expect 'expected change: ...' / 'collateral change, ...'."""
    if box.collateral is None:
        return box.change
    return ("collateral change, outside the expected set: " if box.collateral
            else "expected change: ") + box.change


def classic(unit: Unit) -> bool:
    return any(g.network.value == "classic" for g in unit.old.groups + unit.new.groups)


def box_message(unit: Unit, box: DiffBox) -> str:
    return f"{box_head(box)}: {unit.label}: {box.view.text(show_nic=classic(unit))}"


def box_details(box: DiffBox) -> list[str]:
    """The lines the text report prints under a box, without their indentation: the
    witness, the list memberships it assumes, and the decider on each side."""
    lines = [f"witness: {box.witness}"]
    lists = [f"{name} {'contains' if inside else 'does not contain'} it" for name, inside in box.assume
             if any(name == n for n, _ in box.view.unresolved)]
    if lists:
        lines.append("assuming " + "; ".join(lists))
    for side, d in (("OLD", box.old), ("NEW", box.new)):
        lines.append(f"{side}: {d.action} by {d.describe()}")
        if d.rule is not None and d.rule.text:
            lines.append(f"    {d.rule.text}")
    return lines


def box_place(unit: Unit, box: DiffBox) -> Span | None:
    """Where a box is reported: the rule of NEW that decides it, else OLD's, else the
    interface (as NEW, else OLD, defines it)."""
    for d in (box.new, box.old):
        if d.rule is not None and d.rule.span is not None:
            return d.rule.span
    return unit.new.span or unit.old.span


def unit_place(u: UnitDiff) -> Span | None:
    return u.unit.new.span or u.unit.old.span


def _decider(d: Decider) -> str:
    if d.rule is not None:
        r = d.rule
        return f"rule {r.name} of group {r.group_name} (priority {r.priority}, {r.action.value})"
    return d.describe()


def _related(unit: Unit, box: DiffBox, place: Span | None) -> tuple[Related, ...]:
    """The decider of each side not at ``place`` (a rule, or the interface for a default,
    intra-group or platform decision), then the rules that also match the witness there."""
    out: list[Related] = []
    sides: tuple[tuple[str, Decider, Decision | None, Span | None], ...] = (
        ("NEW", box.new, box.new_decision, unit.new.span),
        ("OLD", box.old, box.old_decision, unit.old.span))
    for side, d, _, target_span in sides:
        span = d.rule.span if d.rule is not None else (None if d.reason == ABSENT else target_span)
        if span is not None and span != place:
            out.append(Related(span, f"{side}: {d.action} by {_decider(d)}"))
    for side, d, dec, _ in sides:
        for r in (dec.matched if dec is not None else ()):
            if r.span is not None and not (d.rule is not None and r.group == d.rule.group
                                           and r.index == d.rule.index):
                out.append(Related(r.span, f"{side}: also matches the witness, lost: rule "
                                           f"{r.name} of group {r.group_name} (priority "
                                           f"{r.priority}, {r.action.value})"))
    return tuple(out)


# ---------------------------------------------------------------- findings


def box_code(box: DiffBox) -> str:
    if box.collateral:
        return D_COLLATERAL
    return D_ALLOWED if box.change == NEWLY_ALLOWED else D_DENIED


def box_key(unit: Unit, box: DiffBox) -> str:
    """What identifies a box across runs (its fingerprint's name): the interface, the
    change, the deciding rule and the box itself, never a line number."""
    d = box.new if box.new.rule is not None else box.old
    by = f" by rule {d.rule.name} of group {d.rule.group_name}" if d.rule is not None else ""
    return f"{unit.kind} {unit.name}: {box.change}{by}: {box.view.text(show_nic=classic(unit))}"


def box_finding(path: str, unit: Unit, box: DiffBox, failed: bool) -> Finding:
    outcome = (Outcome.FAILED if failed else Outcome.WARNING if box.collateral else Outcome.NOTE)
    place = box_place(unit, box)
    props: list[tuple[str, object]] = [("interface", unit.label), ("change", box.change),
                                       ("witness", str(box.witness))]
    if box.collateral is not None:
        props.append(("collateral", box.collateral))
    for side, d in (("old", box.old), ("new", box.new)):
        props.append((side, {"action": d.action, "reason": d.reason,
                             "rule": d.rule.name if d.rule is not None else None}))
    props.append(("box", box.view.to_json()))
    return Finding(path, outcome, box_code(box), box_message(unit, box), place,
                   name=box_key(unit, box), flow=str(box.witness), details=tuple(box_details(box)),
                   related=_related(unit, box, place), properties=tuple(props), payload=box)


def unchanged_message(u: UnitDiff) -> str:
    first = u.unchanged_expected[0]
    return (f"{u.unit.label}: {len(u.unchanged_expected)} part(s) of the expected set did not "
            f"change, e.g. {first.view.text()} (witness: {first.witness}, "
            f"{'accepted' if first.accepted else 'dropped'} by both)")


def presence_message(p: Presence) -> str:
    extra = " (everything it accepts is new)" if p.kind == "instance" and p.side == "NEW" else ""
    return f"{p.kind} {p.name} is only in {p.side}{extra}"


def diff_files(result: PolicyDiff, fail_on: str | None) -> tuple[FileReport, ...]:
    """The comparison as one file report (NEW's path), with fingerprints: per interface,
    'not completed', its boxes and what of the expected change did not happen; then what
    exists on one side only."""
    path = result.new_path
    failed = {id(b) for _, b in failing(result, fail_on)}
    findings: list[Finding] = []
    for u in result.units:
        label = u.unit.label
        interface = (("interface", label),)
        if not u.completed:
            findings.append(Finding(path, Outcome.UNKNOWN, D_NOT_COMPLETED,
                                    f"not completed: {label}: {u.problem}", unit_place(u),
                                    name=f"{u.unit.kind} {u.unit.name}: not completed",
                                    level="error", properties=interface, payload=u))
        findings += [box_finding(path, u.unit, b, id(b) in failed) for b in u.boxes]
        if u.unchanged_expected:
            findings.append(Finding(path, Outcome.NOTE, D_UNCHANGED, unchanged_message(u),
                                    unit_place(u), name=f"{u.unit.kind} {u.unit.name}: "
                                    "expected change did not happen",
                                    flow=str(u.unchanged_expected[0].witness),
                                    properties=interface, payload=u))
    for p in result.only_one_side:
        outcome = Outcome.FAILED if presence_fails(result, p, fail_on) else Outcome.NOTE
        findings.append(Finding(result.old_path if p.side == "OLD" else path, outcome, D_ONE_SIDE,
                                presence_message(p), p.span, name=f"{p.kind} {p.name}: only in {p.side}",
                                properties=(("interface", f"{p.kind} {p.name}"), ("side", p.side)),
                                payload=p))
    return with_fingerprints([FileReport(path, tuple(findings))])


def summary(result: PolicyDiff, files: Sequence[FileReport], gate: FailOn) -> tuple[tuple[str, int], ...]:
    """The counts of the SARIF run properties."""
    found = [f for fr in files for f in fr.findings]
    changed = sum(1 for u in result.units if u.completed and not u.equivalent)
    return (("interfaces", len(result.units)), ("changed", changed),
            ("newly_allowed", len(result.newly_allowed)), ("newly_denied", len(result.newly_denied)),
            ("collateral", len(result.collateral)),
            ("not_completed", sum(1 for u in result.units if not u.completed)),
            ("only_one_side", len(result.only_one_side)),
            ("failing", sum(1 for f in found if fails(f, gate))))


def suite_name(result: PolicyDiff) -> str:
    return f"{result.old_path} -> {result.new_path}"


def diff_suites(run: RunReport, result: PolicyDiff | None) -> list[Suite]:
    """One suite for the comparison: a test case per interface compared, failing when a
    change there fails the gate (unknown when not completed), and one per group or
    instance on one side only. Inputs that could not be used are a ``load`` case each."""
    bad = [Suite(fr.path, (Case("load", fr.findings, fr.path),)) for fr in run.files
           if fr.has_errors]
    if result is None:
        return bad
    found = [f for fr in run.files for f in fr.findings]
    cases = []
    for u in result.units:
        place = unit_place(u)
        mine = {id(u)} | {id(b) for b in u.boxes}
        cases.append(Case(u.unit.label, tuple(f for f in found if id(f.payload) in mine),
                          place.path if place else result.new_path, place.line if place else None))
    for p in result.only_one_side:
        cases.append(Case(f"{p.kind} {p.name} (only in {p.side})",
                          tuple(f for f in found if f.payload is p),
                          p.span.path if p.span else result.new_path,
                          p.span.line if p.span else None))
    return bad + [Suite(suite_name(result), tuple(cases), tuple(f"note: {n}" for n in result.notes))]
