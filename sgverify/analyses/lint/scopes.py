"""The scopes lint analyses (each group on its own, each interface) and the analysis of
one scope: its dead, redundant and tied rules and its exposures. Scopes are independent,
so ``workers`` can analyse them anywhere."""

from __future__ import annotations

from ...core.model import Policy, Semantics, Target
from ...engines.boxes.intervals import Budget, BudgetExceeded
from ...engines.z3.solve import SolverUnknown
from ...prove.exposure import TooManyLists
from ...prove.verdicts import external_reason
from .exposure import exposure
from .findings import LintFinding
from .shadow import Known, Scope, ShadowResult, analyse, boxes_of


def scopes_of(policy: Policy, target: str | None = None) -> tuple[list[Scope], list[Scope]]:
    """(groups on their own, instances) to analyse; ``target`` picks one (InputError if
    unknown)."""
    if target is not None:
        t = policy.find_target(target)
        scope = Scope(f"{t.kind} {t.name}", t, t.span)
        return ([scope], []) if t.kind == "group" else ([], [scope])
    # A group whose rules are not known (external) has nothing to analyse on its own (as
    # in the audit); an interface that pools one is reported not completed.
    groups = [Scope(f"group {g.name}", Target(g.name, "group", (g,), None, g.span), g.span)
              for g in policy.groups if g.rules_known]
    instances = [Scope(f"instance {i.name}", i.target, i.span) for i in policy.instances]
    return groups, instances


Outcome = str | tuple[ShadowResult, list[tuple[object, LintFinding]]]  # str: why incomplete


def analyse_scope(scope: Scope, sem: Semantics, budget_limit: int, timeout_ms: int | None,
                  known: Known | None = None) -> Outcome:
    """Dead, redundant, tied rules and exposures of one scope, or why it is incomplete
    (``known``: what its groups show alone, ``shadow.Known``)."""
    unknown = external_reason([scope.target])
    if unknown:
        return f"not analysed: {unknown}"
    budget = Budget(budget_limit)
    try:
        made = boxes_of(scope.target)  # the rule boxes both ask for
        return (analyse(scope, sem, budget, timeout_ms, made, known),
                exposure(scope, sem, budget, made))
    except (BudgetExceeded, SolverUnknown, TooManyLists) as exc:
        return (f"the box decomposition grew past its budget ({exc}); raise --budget"
                if isinstance(exc, BudgetExceeded) else
                f"Z3 did not confirm a finding in time ({exc}); raise --timeout"
                if isinstance(exc, SolverUnknown) else f"not attempted: {exc}")
