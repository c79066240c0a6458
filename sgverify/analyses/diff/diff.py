"""``sgverify diff``'s analysis: the exact semantic difference of two policies, with an
optional expected change given as flow-set text.

The machinery (pairing groups and instances, the box engine's difference of one
interface, its independent check with Z3) lives in ``prove/difference`` so that other
analyses (``fix``) share it; this module resolves the expected change against NEW and runs
the comparison over every interface asked for.
"""

from __future__ import annotations

from typing import Any

from ...core.diagnostics import InputError, Span
from ...core.model import FlowSet, GroupKey, Policy
from ...lang.build import build_fragment
from ...lang.resolve import Resolver
from ...lang.syntax import FlowSetNode
from ...prove.difference import (
    DEFAULT_BUDGET,
    DEFAULT_TIMEOUT_MS,
    Contents,
    PolicyDiff,
    diff_unit,
    plan,
)

# ---------------------------------------------------------------- the expected change


class _PolicyResolver(Resolver):
    """Resolves a flow set against an already resolved policy (its groups, instances,
    address sets and prefix lists) instead of syntax documents."""

    def __init__(self, policy: Policy) -> None:
        super().__init__(set_values=dict(policy.address_sets),
                         instances={i.name: i for i in policy.instances})
        self.policy = policy
        self.instance_names = tuple(i.name for i in policy.instances)

    def group_key(self, name: str, account: str | None, span: Span | None,
                  default_account: str = "", external_ok: bool = True) -> GroupKey | None:
        for g in self.policy.groups:
            if name in (g.name, g.gid) and (account is None or account == g.owner):
                return g.key
        if account is not None and account != default_account and external_ok:
            return GroupKey(account, name)
        self.error("E101", f"unknown group '{name}'" + (f" of account {account}" if account else ""),
                   span)
        return None

    def prefix_list(self, name: str, span: Span | None) -> tuple[Any, str] | None:
        for pname, space in self.policy.prefix_lists:
            if pname == name:
                return space, f"prefix list {name}"
        self.error("E103", f"unknown prefix list '{name}'", span)
        return None


def resolve_flowset(text: str, policy: Policy) -> FlowSet:
    """The flow set ``text`` (flow-set syntax of the language) with its names looked up in
    ``policy``. Raises InputError with every problem."""
    node: FlowSetNode = build_fragment(text, "flowset", "<expect>")
    r = _PolicyResolver(policy)
    fs = r.flow_set(node)
    errors = [d for d in r.diags if d.is_error]
    if errors:
        raise InputError(errors)
    return fs


# ---------------------------------------------------------------- entry points


def diff_policies(old: Policy, new: Policy, target: str | None = None,
                  expect: str | None = None, budget_limit: int = DEFAULT_BUDGET,
                  timeout_ms: int | None = DEFAULT_TIMEOUT_MS) -> PolicyDiff:
    """Compare two resolved policies (from any loader). ``target``: one interface by name
    or id (else every group and instance); ``expect``: the intended change as a flow set,
    resolved against NEW. Raises InputError for a bad target or flow set and
    InternalError when the engines disagree."""
    units, only, notes = plan(old, new, target)
    fs = resolve_flowset(expect, new) if expect is not None else None
    contents = Contents()  # the rules' contents, numbered once for every unit
    results = tuple(diff_unit(u, old.semantics, new.semantics, fs, budget_limit, timeout_ms,
                              contents=contents) for u in units)
    return PolicyDiff(old.path, new.path, results, tuple(only), tuple(notes), fs, expect)


__all__ = ["diff_policies", "resolve_flowset"]
