"""Rule hygiene: proved findings about a policy's rules (docs/lint.md).

Each group is analysed on its own and each instance with its groups pooled. An instance
reports only what its groups on their own do not already show (a rule dead only because
another group's rule shadows it on that interface, say, names that rule). Findings are plain
data (``findings.LintFinding``); ``report.lint`` renders them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...core.model import Direction, GroupType, Policy
from .cloud import cloud_checks
from .findings import Incomplete, LintFinding, severity_rank
from .scopes import Outcome, analyse_scope, scopes_of
from .shadow import Known, Scope, ShadowResult, rule_id
from .workers import LintWork, analyse_all

DEFAULT_BUDGET = 1_000_000
DEFAULT_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class LintReport:
    """The findings of one policy, sorted by place and code, and the interfaces whose
    analysis did not complete; ``interfaces`` names those analysed ('group web', ...)."""

    path: str
    findings: tuple[LintFinding, ...]
    incomplete: tuple[Incomplete, ...] = ()
    scopes: int = 0
    interfaces: tuple[str, ...] = ()


def _sort_key(f: LintFinding) -> tuple[object, ...]:
    s = f.location
    where = (s.path, s.line, s.col) if s else ("", 0, 0)
    return where + (f.code, f.scope, f.message)


PARALLEL_RULES = 2000  # rules over all scopes below which one process is faster


def lint_policy(policy: Policy, target: str | None = None, budget_limit: int = DEFAULT_BUDGET,
                timeout_ms: int | None = DEFAULT_TIMEOUT_MS, jobs: int = 1,
                backend: str = "local", address: str | None = None, auto: bool = False,
                progress: Callable[[int, int], None] | None = None) -> LintReport:
    """Every finding of ``policy`` (or of the one interface ``target`` names). ``jobs``
    worker processes (or a Dask cluster: ``backend``, ``address``) analyse the scopes; the
    report is the same for any number. ``auto``: one process when there is little work.
    ``progress(done, total)`` in scopes, as they (or, in workers, blocks of them) are
    done. The groups are
    analysed first: an interface then leaves unexplained what its groups show alone
    (``shadow.Known``), as it reports only the rest (``_interface_only``)."""
    group_scopes, instance_scopes = scopes_of(policy, target)
    scopes = group_scopes + instance_scopes
    size = sum(len(s.target.rules(d)) for s in scopes for d in Direction)
    wide = backend == "dask" or (jobs > 1 and len(scopes) > 1 and
                                 not (auto and size < PARALLEL_RULES))
    work = LintWork(policy, target, budget_limit, timeout_ms)

    def run(lo: int, hi: int, known: list[Known | None]) -> list[Outcome]:
        """The outcomes of ``scopes[lo:hi]``, their progress counted from ``lo``."""
        step = None if progress is None else (lambda n, _: progress(lo + n, len(scopes)))
        if wide:
            return list(analyse_all(work, lo, hi, known, jobs, backend, address, step))
        out: list[Outcome] = []
        for n, (s, k) in enumerate(zip(scopes[lo:hi], known), 1):
            out.append(analyse_scope(s, policy.semantics, budget_limit, timeout_ms, k))
            if step is not None:
                step(n, hi - lo)
        return out
    outcomes = run(0, len(group_scopes), [None] * len(group_scopes))
    alone = {s.target.groups[0].key: o[0] for s, o in zip(group_scopes, outcomes)
             if not isinstance(o, str)}
    outcomes += run(len(group_scopes), len(scopes),
                    [_known(s, alone) for s in instance_scopes])
    findings: list[LintFinding] = []
    incomplete: list[Incomplete] = []
    wanted = {s.label for s in group_scopes + instance_scopes}
    wanted |= {f"group {g.name}" for s in instance_scopes for g in s.target.groups}
    findings += [f for f in cloud_checks(policy) if not _aws(policy, f) and f.scope in wanted]
    pooled: dict[str, tuple[Scope, ShadowResult]] = {}
    seen_ties: set[object] = set()
    seen_exposure: set[object] = set()
    for scope, outcome in zip(scopes, outcomes):
        if isinstance(outcome, str):
            incomplete.append(Incomplete(scope.label, outcome, scope.location))
            continue
        result, exposed = outcome
        if scope.target.kind == "group":
            findings += list(result.dead.values()) + list(result.redundant.values())
        else:
            pooled[scope.label] = (scope, result)
            findings += _interface_only(scope, result, alone)
        for key, f in result.ties.items():
            if key not in seen_ties:
                seen_ties.add(key)
                findings.append(f)
        for exposure_key, f in exposed:
            if exposure_key not in seen_exposure:
                seen_exposure.add(exposure_key)
                findings.append(f)
    findings = _note_pooled_redundancy(findings, pooled)
    findings.sort(key=_sort_key)
    return LintReport(policy.path, tuple(findings), tuple(incomplete),
                      len(group_scopes) + len(instance_scopes),
                      tuple(s.label for s in group_scopes + instance_scopes))


def _aws(policy: Policy, f: LintFinding) -> bool:
    """Alibaba Cloud's limits do not apply to groups of the AWS profile."""
    name = f.scope.split(" ", 1)[1]
    g = policy.group(name) if f.scope.startswith("group ") else None
    if g is not None:
        return g.gtype is GroupType.AWS
    inst = policy.instance(name)
    return inst is not None and all(x.gtype is GroupType.AWS for x in inst.groups)


def _known(scope: Scope, alone: dict[object, ShadowResult]) -> Known | None:
    """What the groups of an interface show on their own (None when one was not analysed
    alone: then the interface reports everything, ``_interface_only``)."""
    own = [a for a in (alone.get(g.key) for g in scope.target.groups) if a is not None]
    if len(own) < len(scope.target.groups):
        return None
    return Known(frozenset(r for a in own for r in a.dead),
                 frozenset(r for a in own for r in a.redundant),
                 frozenset(k for a in own for k in a.ties))


def _interface_only(scope: Scope, result: ShadowResult, alone: dict[object, ShadowResult]) -> list[LintFinding]:
    """Dead and redundant findings of an instance that its groups alone do not show (all of
    them, without that claim, when a group was not analysed alone)."""
    own = [alone.get(g.key) for g in scope.target.groups]
    if any(a is None for a in own):
        return list(result.dead.values()) + list(result.redundant.values())
    out = []
    for rid, f in result.dead.items():
        if not any(a is not None and rid in a.dead for a in own):
            out.append(_pooled(f, scope))
    for rid, f in result.redundant.items():
        if not any(a is not None and (rid in a.dead or rid in a.redundant) for a in own):
            out.append(_pooled(f, scope))
    return out


def _pooled(f: LintFinding, scope: Scope) -> LintFinding:
    """A finding that holds only on an interface: say which groups it pools and which of
    the rules involved belong to other groups."""
    groups = ", ".join(g.name for g in scope.target.groups)
    mine = f.rule.group if f.rule is not None else None
    others = sorted({i.rule.group_name for i in f.involved if i.rule.group != mine})
    extra = (f"it holds on this interface (groups {groups}), not in group "
             f"{f.rule.group_name if f.rule else '?'} alone")
    if others:
        extra += "; rules of group " + ", ".join(others) + " take part"
    return LintFinding(f.code, f.severity, f.message, f.scope, f.location, f.rule, f.involved,
                       f.view, f.witness, (extra,) + f.details)


def _note_pooled_redundancy(findings: list[LintFinding],
                            pooled: dict[str, tuple[Scope, ShadowResult]]) -> list[LintFinding]:
    """A rule redundant in its group alone may matter on an interface that pools the group
    with others: add a detail naming such interfaces."""
    holding: dict[object, list[tuple[str, ShadowResult]]] = {}  # by group key, in scope order
    for label, (scope, res) in pooled.items():
        for key in dict.fromkeys(g.key for g in scope.target.groups):
            holding.setdefault(key, []).append((label, res))
    out = []
    for f in findings:
        if f.code == "L102" and f.rule is not None and f.scope.startswith("group "):
            rid = rule_id(f.rule)
            matters = [label for label, res in holding.get(f.rule.group, ())
                       if rid not in res.redundant and rid not in res.shown
                       and rid not in res.dead]
            if matters:
                f = LintFinding(f.code, f.severity, f.message, f.scope, f.location, f.rule,
                                f.involved, f.view, f.witness,
                                f.details + ((f"but it is not redundant on {', '.join(matters)}, "
                                              "where the group is pooled with others"),))
        out.append(f)
    return out


def worst(findings: tuple[LintFinding, ...]) -> str | None:
    return min((f.severity for f in findings), key=severity_rank, default=None)


__all__ = ["LintReport", "lint_policy", "worst"]
