"""Many concrete flows against a policy: JSON lines of flows (``--flows``), decided one by
one with the precompiled evaluator, and Alibaba Cloud VPC flow-log records
(``--flow-log``), each compared with the verdict of the interface that logged it. Both
stream: one outcome per input line, in input order, so a file of millions of lines needs no
more memory than one line; ``report.explain`` writes each outcome as it comes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ...cloud.flows import (
    MAX_FLOW_DEPTH,
    FlowError,
    FlowFields,
    FlowReader,
    flow_from_json,
)
from ...cloud.jsondoc import DataError, loads_strict
from ...core.addresses import V4, V6, format_address
from ...core.diagnostics import Diagnostic, InputError
from ...core.evaluate import Decision
from ...core.evaluate_fast import Compiled, FieldDecider
from ...core.flow import Flow, flow_problem
from ...core.model import GRE, Direction, GroupKey, Nic, Policy, Target
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
        return self.at(flow.family, flow.local_ip)

    def at(self, family: int, address: int) -> Target:
        """The interface of a flow whose interface-side address is ``address``."""
        key = (family, address)
        hit = self._answers.get(key)
        if hit is None:
            try:
                hit = self._find(family, address)
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
    explainer = FlowExplainer(policy, target)
    for number, obj in numbered:
        yield explainer.line(number, obj)


@dataclass
class Block:
    """The outcomes of a block of ``--flows`` lines: ``rows[i]`` is line ``first + i``'s, a
    ``FlowLine``, None for a blank line, or a ``Decision`` the fast path made: the same as
    ``FlowLine(first + i, Flow(*fields[i]), decision, target=the target's name)`` (no
    unresolved list, no problem, no unknown key), ``flow_lines`` makes it one."""

    first: int
    rows: list[Decision | FlowLine | None]
    fields: list[FlowFields | None]
    names: list[str] | str  # the target of each row (one name: of every row)

    def part(self, lo: int, hi: int) -> Block:
        """The rows ``lo:hi`` as a block of their own."""
        names = self.names if isinstance(self.names, str) else self.names[lo:hi]
        return Block(self.first + lo, self.rows[lo:hi], self.fields[lo:hi], names)

    def flow_lines(self) -> Iterator[FlowLine]:
        for i, row in enumerate(self.rows):
            if isinstance(row, Decision):
                fields = self.fields[i]
                assert fields is not None
                name = self.names if isinstance(self.names, str) else self.names[i]
                yield FlowLine(self.first + i, Flow(*fields), row, target=name)
            elif row is not None:
                yield row


class FlowExplainer:
    """The outcomes of ``--flows`` lines: one parsed line at a time (``line``), or a block
    of text lines at once (``block``: the lines ``FlowReader`` reads are decided by
    ``FieldDecider`` without a ``Flow``, every other line as ``line`` does)."""

    def __init__(self, policy: Policy, target: Target | Callable[[Flow], Target]) -> None:
        self.policy = policy
        self.choose = target if callable(target) else (lambda _flow: target)
        self.fixed = None if callable(target) else target
        self.at = target.at if isinstance(target, Interfaces) else None
        self.groups = group_resolver(policy)
        self.reader = FlowReader(self.groups)
        self._compiled: dict[int, tuple[Target, Compiled, FieldDecider, _Problems]] = {}
        self.seen: set[str] = set()

    def _for(self, on: Target) -> tuple[Target, Compiled, FieldDecider, _Problems]:
        hit = self._compiled.get(id(on))
        if hit is None:
            compiled = Compiled(on, self.policy.semantics)
            hit = self._compiled[id(on)] = (on, compiled, FieldDecider(compiled), _Problems(on))
        return hit

    def line(self, number: int, obj: object) -> FlowLine:
        """The outcome of one line (its parsed JSON, or the DataError reading it)."""
        try:
            if isinstance(obj, DataError):
                raise FlowError(None, obj.message)
            flow, extra = flow_from_json(obj, self.groups)
        except FlowError as exc:
            return FlowLine(number, error=str(exc))
        new = tuple(k for k in extra if k not in self.seen)
        self.seen.update(new)
        try:
            on = self.choose(flow)
        except InputError as exc:
            return FlowLine(number, flow, error=exc.diagnostics[0].message, new_keys=new)
        return self._decided(number, flow, on, new)

    def _decided(self, number: int, flow: Flow, on: Target, new: tuple[str, ...] = ()
                 ) -> FlowLine:
        decision, names = self._for(on)[1].verdict(flow)
        return FlowLine(number, flow, decision, tuple(names), flow_problem(flow, on),
                        new_keys=new, target=on.name)

    def block(self, first: int, lines: list[str]) -> Block:
        """The outcomes of ``lines`` (numbered from ``first``, without their newline)."""
        parsed = self.reader.fields(lines)
        if self.fixed is None:
            return self._block_chosen(first, lines, parsed)
        on = self.fixed
        _, _, decider, problems = self._for(on)
        table = problems.table
        clean = table is not None and table[1] == [None, None]  # no intranet flow has one
        rows: list[Decision | FlowLine | None] = decider.decide(  # type: ignore[assignment]
            parsed, Nic.INTRANET if clean else None)
        if not clean:
            for i, decision in enumerate(rows):
                if decision is not None and problems.of(parsed[i]) is not None:  # type: ignore
                    rows[i] = None
        for i in [i for i, row in enumerate(rows) if row is None]:
            fields = parsed[i]
            if fields is not None:
                rows[i] = self._decided(first + i, Flow(*fields), on)
            elif lines[i].strip():
                rows[i] = self._read(first + i, lines[i])
        return Block(first, rows, parsed, on.name)

    def _read(self, number: int, line: str) -> FlowLine:
        """``line`` of a line ``FlowReader`` left to the JSON reader."""
        try:
            obj: object = loads_strict(line, MAX_FLOW_DEPTH)
        except DataError as exc:
            obj = exc
        return self.line(number, obj)

    def _block_chosen(self, first: int, lines: list[str], parsed: list[FlowFields | None]
                      ) -> Block:
        """``block`` when each flow's interface is chosen by its address."""
        rows: list[Decision | FlowLine | None] = [None] * len(lines)
        names = [""] * len(lines)
        for on, idx in self._targets(parsed).values():
            _, _, decider, problems = self._for(on)
            some = [parsed[i] for i in idx]
            for i, fields, decision in zip(idx, some, decider.decide(some)):
                if decision is None or problems.of(fields) is not None:  # type: ignore[arg-type]
                    rows[i] = self._decided(first + i, Flow(*fields), on)  # type: ignore[misc]
                else:
                    rows[i], names[i] = decision, on.name
        for i, row in enumerate(rows):
            if row is None and lines[i].strip():
                rows[i] = self._read(first + i, lines[i])
        return Block(first, rows, parsed, names)

    def _targets(self, parsed: list[FlowFields | None]) -> dict[int, tuple[Target, list[int]]]:
        """The lines read by ``FlowReader``, by the target each is decided on (a line
        whose interface is not known is left to ``line``, which says why)."""
        if self.at is None:
            return {}
        by: dict[int, tuple[Target, list[int]]] = {}
        for i, f in enumerate(parsed):
            if f is None:
                continue
            try:
                on = self.at(f[2], f[4] if f[0] is Direction.INGRESS else f[3])
            except InputError:
                continue
            hit = by.get(id(on))
            if hit is None:
                hit = by[id(on)] = (on, [])
            hit[1].append(i)
        return by


class _Problems:
    """``flow_problem(flow, target)`` for well-formed flows given as ``FlowFields``: it
    then depends on the flow's NIC, family and interface-side address only, and on the
    address not at all when the target's NICs hold any address (looked up once each)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.anywhere = target.local is None and all(target.local_on(n) is None for n in Nic)
        self._seen: dict[tuple[bool, int, int], str | None] = {}
        # anywhere: [nic is intranet][family is IPv6] -> the problem of every such flow
        self.table: list[list[str | None]] | None = None
        self.table = [[self.of((Direction.INGRESS, GRE, family, 0, 0, None, None, nic,
                                frozenset())) for family in (V4, V6)]
                      for nic in (Nic.INTERNET, Nic.INTRANET)] if self.anywhere else None

    def of(self, fields: FlowFields) -> str | None:
        if self.table is not None:
            return self.table[fields[7] is Nic.INTRANET][fields[2] == V6]
        direction, _, family, src, dst, _, _, nic, _ = fields
        key = (nic is Nic.INTRANET, family, 0 if self.anywhere else
               dst if direction is Direction.INGRESS else src)
        if key in self._seen:
            return self._seen[key]
        if len(self._seen) > 1 << 16:
            self._seen.clear()
        problem = self._seen[key] = flow_problem(Flow(*fields), self.target)
        return problem


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
