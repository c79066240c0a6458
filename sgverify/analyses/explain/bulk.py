"""Many concrete flows against a policy: JSON lines of flows (``--flows``), decided one by
one with the precompiled evaluator, and Alibaba Cloud VPC flow-log records
(``--flow-log``), each compared with the verdict of the interface that logged it. Both
stream: one outcome per input line, in input order, so a file of millions of lines needs no
more memory than one line; ``report.explain`` writes each outcome as it comes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ...cloud.flows import FlowError, flow_from_json
from ...cloud.jsondoc import DataError
from ...core.addresses import format_address
from ...core.diagnostics import Diagnostic, InputError
from ...core.evaluate import Decision
from ...core.evaluate_fast import Compiled
from ...core.flow import Flow, flow_problem
from ...core.model import GroupKey, Policy, Target
from .flowlog import Comparison, Record, RecordError, compare, member_addresses, record_flow


class Interfaces:
    """The interface a flow given without ``--target`` is decided on, never one that may
    not exist: the instance that owns the flow's interface-side address; with no instance
    in the inputs, their one group (``default_target``). Calling it raises E115 when no
    instance or several own the address. Each instance's addresses are joined once and each
    address's answer kept: a file of flows repeats its addresses."""

    def __init__(self, policy: Policy, names: list[str]) -> None:
        self.policy, self.names = policy, names
        self._owned = [(i, i.private | i.public) for i in policy.instances]
        self._answers: dict[tuple[int, int], Target | InputError] = {}

    def __call__(self, flow: Flow) -> Target:
        key = (flow.family, flow.local_ip)
        hit = self._answers.get(key)
        if hit is None:
            try:
                hit = self._find(flow.family, flow.local_ip)
            except InputError as exc:
                hit = exc
            self._answers[key] = hit
        if isinstance(hit, InputError):
            raise hit
        return hit

    def _find(self, family: int, address: int) -> Target:
        if not self._owned:
            return default_target(self.policy, self.names)
        owners = [i for i, space in self._owned if space.contains(family, address)]
        if len(owners) == 1:
            return owners[0].target
        addr = format_address(family, address)
        if owners:
            raise InputError([Diagnostic.make("E115", f"{addr} is an address of several "
                                              f"instances ({', '.join(i.name for i in owners)})"
                                              ": choose one with --target")])
        raise InputError([Diagnostic.make("E115", f"no instance has the address {addr} (the "
                                          "interface side of the flow): say which group or "
                                          "instance it reaches with --target")])


def default_target(policy: Policy, names: list[str]) -> Target:
    """The interface of inputs without instances: their one group (of ``names``, the groups
    read with their rules). Several groups are refused (E115): pooling them would decide
    for an interface the inputs do not show."""
    groups = tuple(g for g in policy.groups if g.name in names) or policy.groups
    if not groups:
        raise InputError([Diagnostic.make("E112", "the inputs define no group to evaluate")])
    if len(groups) > 1:
        raise InputError([Diagnostic.make(
            "E115", f"the inputs define {len(groups)} groups and no instance, so no interface is "
            f"known: choose a group with --target (one of {', '.join(g.name for g in groups[:8])}"
            f"{', ...' if len(groups) > 8 else ''}), or define the instance that has them")])
    return Target(groups[0].name, "group", groups, None, groups[0].span)


def group_resolver(policy: Policy) -> Callable[[str], GroupKey | None]:
    """A flow's peer-group text (name, id, or ACCOUNT/ID) -> its key, None when unknown;
    a name or id that picks out several groups is refused (E126), never the first."""
    cache: dict[str, GroupKey | None] = {}

    def resolve(text: str) -> GroupKey | None:
        text = text.strip()
        if text in cache:
            return cache[text]
        account, sep, ident = text.partition("/")
        try:
            key: GroupKey | None = policy.group_key(ident, account) if sep and account and ident \
                else policy.group_key(text)
        except InputError as exc:
            if exc.diagnostics[0].code == "E126":
                raise FlowError("peer_groups", exc.diagnostics[0].message) from None
            key = None
        cache[text] = key
        return key
    return resolve


@dataclass(frozen=True)
class FlowLine:
    """The outcome of one line of ``--flows``: the flow and its decision (None: it depends
    on unresolved lists, named in ``unresolved``), why it cannot occur on the target, or
    why the line was refused (``error``). ``new_keys``: unknown keys first seen here."""

    number: int
    flow: Flow | None = None
    decision: Decision | None = None
    unresolved: tuple[str, ...] = ()
    problem: str | None = None
    error: str | None = None
    new_keys: tuple[str, ...] = ()
    target: str = ""  # the interface it was decided on


def explain_flows(policy: Policy, target: Target | Callable[[Flow], Target],
                  numbered: Iterable[tuple[int, object]]) -> Iterator[FlowLine]:
    """Decide each flow of ``numbered`` (line number, parsed JSON or DataError) on
    ``target``, or on the interface ``target(flow)`` picks for it (``Interfaces``)."""
    choose = target if callable(target) else (lambda _flow: target)
    compiled_for: dict[int, tuple[Target, Compiled]] = {}
    groups = group_resolver(policy)
    seen: set[str] = set()
    for number, obj in numbered:
        try:
            if isinstance(obj, DataError):
                raise FlowError(None, obj.message)
            flow, extra = flow_from_json(obj, groups)
        except FlowError as exc:
            yield FlowLine(number, error=str(exc))
            continue
        new = tuple(k for k in extra if k not in seen)
        seen.update(new)
        try:
            on = choose(flow)
        except InputError as exc:
            yield FlowLine(number, flow, error=exc.diagnostics[0].message, new_keys=new)
            continue
        hit = compiled_for.get(id(on))
        if hit is None:
            hit = compiled_for[id(on)] = (on, Compiled(on, policy.semantics))
        decision, names = hit[1].verdict(flow)
        yield FlowLine(number, flow, decision, tuple(names), flow_problem(flow, on),
                       new_keys=new, target=on.name)


# What became of a flow-log record; the counts of a run are by these words.
KINDS = ("agree", "disagree", "undecided", "no-data", "unknown-interface", "elsewhere", "errors")


@dataclass(frozen=True)
class LogLine:
    """The outcome of one flow-log record: ``kind`` (one of ``KINDS``), the interface it
    was compared on and the comparison, or why it was not compared."""

    number: int
    kind: str
    record: Record | None = None
    target: Target | None = None
    comparison: Comparison | None = None
    problem: str | None = None  # error text, or why the flow cannot occur on its interface
    eni: str | None = None


@dataclass
class LogTally:
    """The counts of a flow-log run, with the first line of each unknown interface and of
    each interface whose records cannot occur on it."""

    counts: dict[str, int] = field(default_factory=lambda: {"records": 0, **{k: 0 for k in KINDS}})
    unknown_enis: dict[str, int] = field(default_factory=dict)
    elsewhere: dict[str, tuple[int, str]] = field(default_factory=dict)

    def add(self, line: LogLine) -> None:
        self.counts["records"] += 1
        self.counts[line.kind] += 1
        if line.kind == "unknown-interface":
            self.unknown_enis.setdefault(line.eni or "(none)", line.number)
        elif line.kind == "elsewhere" and line.target is not None:
            self.elsewhere.setdefault(line.target.name, (line.number, line.problem or ""))


def compare_log(policy: Policy, fallback: Target | None, aliases: Mapping[str, str],
                records: Iterable[tuple[int, object]]) -> Iterator[LogLine]:
    """Compare each record with the verdict of its interface: ``fallback`` for every
    record when given, else the instance (or alias) the record's interface id names."""
    members = member_addresses(policy)
    compiled: dict[str, Compiled] = {}
    for number, rec in records:
        try:
            if isinstance(rec, RecordError):
                raise rec
            record = record_flow(rec, number, members)  # type: ignore[arg-type]
        except RecordError as exc:
            yield LogLine(number, "errors", problem=str(exc))
            continue
        if record.flow is None:
            yield LogLine(number, "no-data", record)
            continue
        target = fallback
        if target is None:
            name = aliases.get(record.eni, record.eni)
            inst = policy.instance(name) if name else None
            if inst is None:
                yield LogLine(number, "unknown-interface", record, eni=record.eni)
                continue
            target = inst.target
        problem = flow_problem(record.flow, target)
        if problem:  # a stale address mapping, or another interface's traffic
            yield LogLine(number, "elsewhere", record, target, problem=problem)
            continue
        if target.name not in compiled:
            compiled[target.name] = Compiled(target, policy.semantics)
        result = compare(compiled[target.name], record)
        kind = "undecided" if result.decision is None else \
            ("disagree" if result.disagrees else "agree")
        yield LogLine(number, kind, record, target, result)
