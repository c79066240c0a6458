"""Audit checks in forked worker processes, returning compact results.

A result as the engine makes it carries its interface (whole groups and rules), so pickling
results back from workers cost more than the checks (122 MB for 10,000 results). Forked
workers already hold the policy, the subjects and the plan; so each returns for its block
of the plan only what is new: verdict, summary, flow, notes, and each decision with its
rules named by (group, position). The parent rebuilds every result with its own objects,
equal to what one process would have made, in plan order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..evaluate import Decision, Reason
from ..model import Action, Group, Rule, Target
from ..result import Evidence, Result, Verdict

Item = tuple[Any, Any, list[Any]]  # (control, subject, templates) of the plan
_STATE: tuple[Callable[[Item, Any], Result], Sequence[Item]] | None = None
SUBJECT = "subject"  # an evidence target that is the subject's own (almost always)


def _blocks(n: int, jobs: int) -> list[tuple[int, int]]:
    size = max(1, -(-n // (jobs * 8)))
    return [(lo, min(n, lo + size)) for lo in range(0, n, size)]


def run_in_workers(plan: Sequence[Item], check: Callable[[Item, Any], Result],
                   rebuild: Callable[[Item, Any], Any], jobs: int,
                   progress: Callable[[int, int], None] | None = None) -> list[tuple[Result, ...]]:
    """``[tuple(check(item, t) for t in item's templates) for item in plan]`` by forked
    workers; ``rebuild(item, t)`` makes the assertion ``check`` would have used."""
    from ..parallel import pmap
    global _STATE
    blocks = _blocks(len(plan), jobs)
    _STATE = (check, plan)
    try:
        done = pmap(_work, blocks, jobs)
    finally:
        _STATE = None
    out: list[tuple[Result, ...]] = []
    for (lo, hi), encoded in zip(blocks, done):
        for k, item_results in zip(range(lo, hi), encoded):
            item = plan[k]
            out.append(tuple(_decode(rebuild(item, t), item[1].target, enc)
                             for t, enc in zip(item[2], item_results)))
        if progress is not None:
            progress(hi, len(plan))
    return out


def _work(block: tuple[int, int]) -> list[list[tuple[Any, ...]]]:
    assert _STATE is not None, "audit blocks run in forked workers only"
    check, plan = _STATE
    out = []
    for item in plan[block[0]:block[1]]:
        out.append([_encode(check(item, t), item[1].target) for t in item[2]])
    return out


def _rule_ref(rule: Rule | None, target: Target) -> Any:
    if rule is None:
        return None
    for g in target.groups:
        if g.key == rule.group and rule.index < len(g.rules) and g.rules[rule.index] is rule:
            return (g.key, rule.index)
    return rule  # not one of the subject's own rules: sent whole


def _rule(ref: Any, target: Target) -> Rule | None:
    if ref is None or isinstance(ref, Rule):
        return ref
    key, index = ref
    return next(g for g in target.groups if g.key == key).rules[index]


def _group(group: Group | None, target: Target) -> Any:
    if group is None:
        return None
    return group.key if any(g is group for g in target.groups) else group


def _encode(r: Result, target: Target) -> tuple[Any, ...]:
    evidence = []
    for e in r.evidence:
        d, t = e.decision, (SUBJECT if e.target is target else e.target)
        on = target if t == SUBJECT else e.target
        evidence.append((e.role, t, e.flow, d.action.value, d.reason.value, _rule_ref(d.rule, on),
                         _group(d.group, on), tuple(_rule_ref(m, on) for m in d.matched)))
    return (r.verdict.value, r.summary, r.flow, tuple(evidence), r.notes, r.elapsed, r.code)


def _decode(assertion: Any, target: Target, enc: tuple[Any, ...]) -> Result:
    verdict, summary, flow, evidence, notes, elapsed, code = enc
    ev = []
    for role, t, eflow, action, reason, rule, group, matched in evidence:
        on = target if t == SUBJECT else t
        g = group if group is None or isinstance(group, Group) else \
            next(x for x in on.groups if x.key == group)
        decision = Decision(Action(action), Reason(reason), _rule(rule, on), g,
                            tuple(_rule(m, on) for m in matched))  # type: ignore[misc]
        ev.append(Evidence(role, on, eflow, decision))
    return Result(assertion, Verdict(verdict), summary, flow, tuple(ev), notes, elapsed, code)


__all__ = ["run_in_workers"]
