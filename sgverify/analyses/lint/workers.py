"""Lint scopes (a group alone, or an interface) analysed in worker processes or on a Dask
cluster, returning compact results.

Each scope is independent (``scopes.analyse_scope``). A finding names its rules; pickled as
they are, they would come back as copies of whole rules, so a worker sends each rule as
its (group, position) and the parent puts its own rule objects back: the report is the
one a single process makes. Workers rebuild the scopes from the policy (the same list in
the same order), so only the policy travels, once per worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ...core.model import Policy, Rule
from ...core.parallel import pmap_shared
from .findings import Involved, LintFinding
from .scopes import Outcome, analyse_scope, scopes_of
from .shadow import Known, RuleId, ShadowResult, rule_id

Packed = tuple[LintFinding, RuleId | None, tuple[tuple[RuleId, str], ...], bool]


@dataclass(frozen=True)
class LintWork:
    """What every worker needs to analyse scopes by their position in ``scopes_of``."""

    policy: Policy
    target: str | None
    budget_limit: int
    timeout_ms: int | None


Block = tuple[int, int, tuple[Known | None, ...]]


def blocks(lo: int, hi: int, jobs: int, known: Sequence[Known | None]) -> list[Block]:
    """The scopes at positions ``lo``..``hi`` in ranges, a few per worker so that uneven
    scopes even out, each with what its scopes' groups show alone (``known``, from ``lo``)."""
    size = max(1, -(-(hi - lo) // (jobs * 4)))
    return [(a, min(hi, a + size), tuple(known[a - lo:min(hi, a + size) - lo]))
            for a in range(lo, hi, size)]


def pack(f: LintFinding, memo: dict[object, object] | None = None) -> Packed:
    """``f`` without its rules (their ids instead); ``memo``: equal parts of the findings
    of one block made one object (``_shared``). A location that is the rule's own span
    is sent as None and taken from the parent's rule (``unpack``): comparing the copy with
    the rule's span would find its line and column in the file."""
    if memo is not None:
        f = _shared(f, memo)
    at_rule = f.rule is not None and f.location is f.rule.span
    return (replace(f, rule=None, involved=(), location=None if at_rule else f.location),
            rule_id(f.rule) if f.rule is not None else None,
            tuple((rule_id(i.rule), i.role) for i in f.involved), at_rule)


def _shared(f: LintFinding, memo: dict[object, object]) -> LintFinding:
    """``f`` with the parts of its view and witness that repeat across findings (port and
    protocol ranges, directions, the interface's addresses, the peer groups a flow is or is
    not in, the detail lines an interface's findings share) taken from ``memo``: pickle
    sends an object once per block, so the parent holds one copy instead of one per finding
    (a lint of 1,000 groups and their instances holds over 400,000 findings)."""
    def one(x: Any) -> Any:
        return memo.setdefault(x, x)
    view, flow = f.view, f.witness
    if view is not None:
        view = replace(view, directions=one(view.directions), protocols=one(view.protocols),
                       dst_ports=one(view.dst_ports), src_ports=one(view.src_ports),
                       peer=one(view.peer), local=one(view.local), nics=one(view.nics),
                       member_of=one(view.member_of), not_member_of=one(view.not_member_of))
    if flow is not None:
        flow = replace(flow, peer_groups=one(flow.peer_groups))
    return replace(f, view=view, witness=flow, scope=one(f.scope),
                   details=one(tuple([one(d) for d in f.details])))


def unpack(p: Packed, rules: dict[RuleId, Rule],
           parts: dict[object, tuple[Involved, ...]]) -> LintFinding:
    """The finding ``pack`` sent, with the parent's rules. Made field by field
    (``dataclasses.replace`` cost more than the rest of the parent's share of a lint):
    every field of ``LintFinding`` is named here. ``parts``: the rules involved, one
    object for each list that repeats (most do: an interface's rules take part in many
    of its findings)."""
    f, rid, involved, at_rule = p
    rule = rules[rid] if rid is not None else None
    at = rule.span if at_rule and rule is not None else f.location
    inv = parts.get(involved)
    if inv is None:
        inv = parts[involved] = tuple([Involved(rules[r], role) for r, role in involved])
    return LintFinding(f.code, f.severity, f.message, f.scope, at, rule, inv, f.view,
                       f.witness, f.details)


def run_block(work: LintWork, block: Block) -> list[Any]:
    """The outcomes of the scopes of ``block`` (a range of positions), packed."""
    groups, instances = scopes_of(work.policy, work.target)
    scopes = (groups + instances)[block[0]:block[1]]
    out: list[Any] = []
    memo: dict[object, object] = {}
    for scope, known in zip(scopes, block[2]):
        outcome = analyse_scope(scope, work.policy.semantics, work.budget_limit, work.timeout_ms,
                                known)
        if isinstance(outcome, str):
            out.append(outcome)
            continue
        result, exposed = outcome
        out.append(({k: pack(f, memo) for k, f in result.dead.items()},
                    {k: pack(f, memo) for k, f in result.redundant.items()},
                    {k: pack(f, memo) for k, f in result.ties.items()},
                    [(k, pack(f, memo)) for k, f in exposed], result.shown))
    return out


def unpack_outcome(packed: Any, rules: dict[RuleId, Rule],
                   parts: dict[object, tuple[Involved, ...]]) -> Outcome:
    if isinstance(packed, str):
        return packed
    dead, redundant, ties, exposed, shown = packed
    result = ShadowResult({k: unpack(p, rules, parts) for k, p in dead.items()},
                          {k: unpack(p, rules, parts) for k, p in redundant.items()},
                          {k: unpack(p, rules, parts) for k, p in ties.items()}, shown)
    return result, [(k, unpack(p, rules, parts)) for k, p in exposed]


def analyse_all(work: LintWork, lo: int, hi: int, known: Sequence[Known | None], jobs: int,
                backend: str, address: str | None,
                progress: Callable[[int, int], None] | None = None) -> Sequence[Any]:
    """The outcome of each scope at positions ``lo``..``hi``, in order, computed by workers
    (``known``: what each one's groups show alone). ``progress(scopes done, of hi - lo)``."""
    if lo >= hi:
        return []
    items = blocks(lo, hi, jobs, known)
    sizes = [b - a for a, b, _ in items]

    def ahead(done: int, _: int) -> None:
        if progress is not None:
            progress(sum(sizes[:done]), hi - lo)
    done = pmap_shared(run_block, work, items, jobs, backend, address, ahead)
    rules = {rule_id(r): r for g in work.policy.groups for r in g.rules}
    out: list[Any] = []
    parts: dict[object, tuple[Involved, ...]] = {}
    for n, block in enumerate(done):
        out += [unpack_outcome(p, rules, parts) for p in block]
        done[n] = []  # its packed copies go now, not after the last block
    return out
