"""Audit checks in forked worker processes, returning compact results.

A result as the engine makes it carries its interface (whole groups and rules), so pickling
results back from workers cost more than the checks (122 MB for 10,000 results). Forked
workers already hold the policy, the subjects and the plan; so each returns for its block
of the plan only what is new: verdict, summary, flow, notes, and each decision with its
rules named by (group, position). The parent rebuilds every result with its own objects,
equal to what one process would have made, in plan order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Any

from ...core.evaluate import Decision, Reason
from ...core.model import Action, Group, Rule, Target
from ...core.parallel import pmap_shared
from ...core.result import Evidence, Result, Verdict
from .plan import Item, make_plan

SUBJECT = "subject"  # an evidence target that is the subject's own (almost always)


@dataclass
class AuditWork:
    """What every worker needs: the policy, the controls, the settings and the time limit.
    ``prepared`` (engine and plan) is made once per process by ``built``: inherited by
    forked workers from the parent, made again on a Dask worker from its copy (the same
    plan, in the same order, since it depends on nothing else)."""

    policy: Any
    controls: Any
    settings: Any
    timeout_ms: int | None
    prepared: tuple[Any, list[Item]] | None = field(default=None, compare=False, repr=False)

    def built(self) -> tuple[Any, list[Item]]:
        if self.prepared is None:
            self.prepared = make_plan(self.policy, self.controls, self.settings, self.timeout_ms, {})
        return self.prepared

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "prepared": None}  # a copy elsewhere builds its own


def _blocks(plan: list[Item], jobs: int, done: frozenset[int] = frozenset()
            ) -> list[tuple[int, ...]]:
    """The plan positions of each task: every item of a subject in one task (what the
    controls of a subject share, such as its exposure questions, is then built by one
    worker, not by each: split in plan order, every worker built it for every subject),
    subjects in plan order, a few tasks per worker so that uneven ones even out."""
    subjects = _by_subject(plan, lambda k: k not in done)
    size = max(1, -(-len(subjects) // (jobs * 8)))
    return [tuple(k for ks in subjects[lo:lo + size] for k in ks)
            for lo in range(0, len(subjects), size)]


def _by_subject(plan: list[Item], keep: Callable[[int], bool]) -> list[list[int]]:
    """The plan positions that ``keep`` keeps, one list per subject, subjects in plan order."""
    by_subject: dict[int, list[int]] = {}
    for k, item in enumerate(plan):
        if keep(k):
            by_subject.setdefault(id(item[1]), []).append(k)
    return list(by_subject.values())


def run_in_workers(work: AuditWork, check: Callable[[Any, Item, Any], Result],
                   rebuild: Callable[[Any, Item, Any], Any], jobs: int, backend: str = "local",
                   address: str | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   first: Callable[[Item], bool] | None = None) -> list[tuple[Result, ...]]:
    """``[tuple(check(engine, item, t) for t in item's templates) for item in plan]`` in
    worker processes (forked, or on a Dask cluster); ``rebuild(engine, item, t)`` makes
    the assertion ``check`` used, from the parent's own objects. ``first``: the items
    checked here before the workers start (local backend), whose caches (what each group
    shares with the interfaces holding it) the forked workers then inherit instead of
    each making them again."""
    engine, plan = work.built()
    out: list[tuple[Result, ...] | None] = [None] * len(plan)
    finished = 0
    ahead = frozenset(k for k, item in enumerate(plan)
                      if first is not None and backend == "local" and first(item))
    for ks in _by_subject(plan, ahead.__contains__):  # a subject at a time, as a worker does
        for k in ks:
            out[k] = tuple(check(engine, plan[k], t) for t in plan[k][2])
            finished += 1
            if progress is not None:
                progress(finished, len(plan))
        engine.done_with(plan[ks[0]][1].target)  # the workers check other targets
    blocks = _blocks(plan, jobs, ahead)
    done = pmap_shared(partial(_work, check), work, blocks, jobs, backend, address)
    for block, encoded in zip(blocks, done):
        for k, item_results in zip(block, encoded):
            item = plan[k]
            out[k] = tuple(_decode(rebuild(engine, item, t), item[1].target, enc)
                           for t, enc in zip(item[2], item_results))
        finished += len(block)
        if progress is not None:
            progress(finished, len(plan))
    assert all(r is not None for r in out), "a plan item no task computed"
    return out  # type: ignore[return-value]


def _work(check: Callable[[Any, Item, Any], Result], work: AuditWork,
          block: tuple[int, ...]) -> list[list[tuple[Any, ...]]]:
    engine, plan = work.built()
    out: list[list[tuple[Any, ...]]] = []
    for _, same in groupby(block, key=lambda k: id(plan[k][1])):  # together (``_blocks``)
        ks = list(same)
        target = plan[ks[0]][1].target
        out += [[_encode(check(engine, plan[k], t), target) for t in plan[k][2]] for k in ks]
        engine.done_with(target)
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


__all__ = ["AuditWork", "run_in_workers"]
