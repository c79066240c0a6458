"""The reachability matrix: which interfaces can open connections to which, on what.

A connection from A to B (semantics.md, section 4) passes when A's egress and B's ingress
both accept it. Interfaces are first folded into *classes*: same groups, same address atom
(``atoms``). Each ordered class pair is decided exactly, with bit masks over the service
atoms (``sides``): no solver call, no sampling. Instance pairs and group pairs are unions
of class pairs. A pair's witness is a concrete connection that the plain-Python evaluator
(``evaluate.decide``) confirms on both interfaces; witnesses are built and confirmed when
a pair is reported (``witness``), since an inventory can have a million reachable pairs.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ...core.addresses import INTERNET, AddrSpace
from ...core.diagnostics import InternalError
from ...core.evaluate import Decision, decide_all, definitely
from ...core.flow import Flow, flow_problem
from ...core.model import (
    Direction,
    Group,
    GroupKey,
    Instance,
    Network,
    Nic,
    Policy,
    PortRange,
    Rule,
    Service,
    Target,
)
from ...core.parallel import blocks, can_fork, pmap_shared
from .atoms import FAMILIES, Atoms, Cuts, nice_address
from .membership import accepting
from .services import ServiceBox, ServiceSpace
from .sides import Accepts, Side, addresses_of

UNREACHABLE, REACHABLE, UNKNOWN = 0, 1, 2
PARALLEL_CLASSES = 400  # classes below which the rows are computed in one process
def _rows_in_worker(m: ReachMatrix, block: tuple[int, int]
                    ) -> tuple[bytes, bytes, set[tuple[int, object]]]:
    """A forked worker's block of rows, and the decisions it made (side, key), so that the
    parent reports the same count as one process would."""
    lo, hi = block
    n = len(m.endpoints)
    status, partial = bytearray((hi - lo) * n), bytearray((hi - lo) * n)
    m._fill(lo, hi, status, partial)
    keys: set[tuple[int, object]] = {(i, k) for i, side in enumerate(m._sides.values())
                                     for k in side._cache}
    return bytes(status), bytes(partial), keys


@dataclass(frozen=True)
class Rebuild:
    """What a Dask worker needs to rebuild a matrix's state and compute rows of it. The
    state itself does not travel: for 1,000 groups it pickles to about 1 GB, the policy to
    about 13 MB, and rebuilding takes about a seventh of the rows' time."""

    policy: Policy
    positions: tuple[int, ...]  # the chosen instances, by position in policy.instances
    query: Query
    classes: int  # the parent's number of classes: the rebuilt matrix must have the same


_REBUILT: list[tuple[Rebuild, ReachMatrix]] = []  # this worker's matrix (one at a time)


def _rows_rebuilt(job: Rebuild, block: tuple[int, int]
                  ) -> tuple[bytes, bytes, set[tuple[int, object]]]:
    """``_rows_in_worker`` on a Dask worker: the matrix is rebuilt once per worker from the
    scattered policy (every block of a worker shares the same ``job`` object)."""
    if not _REBUILT or _REBUILT[0][0] is not job:
        _REBUILT.clear()
        m = ReachMatrix(job.policy, [job.policy.instances[i] for i in job.positions], job.query,
                        compute=False)
        if len(m.endpoints) != job.classes:
            raise InternalError(f"a worker rebuilt {len(m.endpoints)} interface classes, the "
                                f"parent has {job.classes}")
        m._prepare()
        _REBUILT.append((job, m))
    return _rows_in_worker(_REBUILT[0][1], block)


STATUS_WORDS = {UNREACHABLE: "unreachable", REACHABLE: "reachable", UNKNOWN: "unknown"}


@dataclass(frozen=True)
class Query:
    """What connections count: services (None = all), source ports and address family,
    as a reach assertion's or ``--on`` flow clauses give them."""

    services: tuple[Service, ...] | None = None
    source_ports: tuple[PortRange, ...] | None = None
    family: int | None = None

    def boxes(self) -> list[ServiceBox]:
        if self.services is None:
            return [ServiceBox(None, None, self.source_ports)]
        return [ServiceBox(s.protocols, s.ports, self.source_ports) for s in self.services]


@dataclass(frozen=True)
class Endpoint:
    """A class of interfaces: one group set, one address atom. ``groupset`` indexes
    ``ReachMatrix.groupsets``."""

    index: int
    groupset: int
    family: int
    atom: int
    network: Network


@dataclass(frozen=True)
class PairWitness:
    """A connection from ``sender`` to ``receiver`` and both interfaces' decisions, as the
    evaluator gave them. ``definite``: accepted whatever unresolved lists contain; when it
    is not, each decision is the one under a membership of the lists for which that
    interface accepts, and ``sender_facts`` / ``receiver_facts`` say which membership."""

    sender: Instance
    receiver: Instance
    egress: Flow
    ingress: Flow
    sender_decision: Decision
    receiver_decision: Decision
    definite: bool
    sender_facts: tuple[str, ...] = ()
    receiver_facts: tuple[str, ...] = ()


@dataclass
class Stats:
    instances: int = 0
    classes: int = 0
    groupsets: int = 0
    decisions: int = 0
    service_atoms: int = 0
    address_atoms: int = 0
    seconds: float = 0.0


def _rules(policy: Policy) -> list[Rule]:
    return [r for g in policy.groups for r in g.rules]


class ReachMatrix:
    """Reachability among ``instances`` (default: every instance with a private address)
    of ``policy``, restricted to the connections of ``query``."""

    def __init__(self, policy: Policy, instances: Sequence[Instance] | None = None,
                 query: Query = Query(),
                 progress: Callable[[int, int], None] | None = None, jobs: int = 1,
                 backend: str = "local", address: str | None = None,
                 compute: bool = True) -> None:
        start = time.perf_counter()
        self.policy, self.query = policy, query
        chosen = list(policy.instances if instances is None else instances)
        self._chosen = chosen
        self.instances = [i for i in chosen if i.private]
        self.skipped = [i for i in chosen if not i.private]
        self.position = {id(i): n for n, i in enumerate(self.instances)}
        everyone = AddrSpace()
        member_keys: set[GroupKey] = set()
        for inst in self.instances:
            everyone = everyone | inst.private
            member_keys |= {g.key for g in inst.groups}
        self.relevant = self._relevance(everyone, frozenset(member_keys))
        rules = [r for r in _rules(policy) if self.relevant(r)]
        self.space = ServiceSpace(rules, query.boxes())
        self.query_mask = {f: self.space.service_mask(query.services, query.source_ports)
                           & self.space.well_formed[f] if query.family in (None, f) else 0
                           for f in FAMILIES}
        cuts = Cuts(addresses_of(rules) + [INTERNET])
        pieces = {id(inst): cuts.pieces(inst.private) for inst in self.instances}
        self.atoms = Atoms((fam, alo, ahi) for ps in pieces.values() for fam, alo, ahi, _, _ in ps)
        self.internet = {f: [bool(INTERNET.contains(f, lo)) for lo, _ in self.atoms.ranges[f]]
                         for f in FAMILIES}
        # Group sets and classes.
        self.groupsets: list[tuple[Group, ...]] = []
        self.groupset_keys: list[frozenset[GroupKey]] = []
        gs_index: dict[frozenset[GroupKey], int] = {}
        self.endpoints: list[Endpoint] = []
        ep_index: dict[tuple[int, int, int], int] = {}
        self.classes_of: list[list[int]] = []  # instance -> endpoint indexes
        self.members: list[list[int]] = []     # endpoint -> instance indexes
        self.sample: list[dict[int, int]] = []  # endpoint -> {instance: address in the atom}
        for n, inst in enumerate(self.instances):
            keys = frozenset(g.key for g in inst.groups)
            gs = gs_index.get(keys)
            if gs is None:
                gs = gs_index[keys] = len(self.groupsets)
                self.groupsets.append(inst.groups)
                self.groupset_keys.append(keys)
            mine = []
            for fam, alo, _ahi, lo, hi in pieces[id(inst)]:
                atom = self.atoms.position(fam, alo)
                key = (gs, fam, atom)
                e = ep_index.get(key)
                if e is None:
                    e = ep_index[key] = len(self.endpoints)
                    self.endpoints.append(Endpoint(e, gs, fam, atom, inst.groups[0].network))
                    self.members.append([])
                    self.sample.append({})
                if e not in mine:
                    mine.append(e)
                    self.members[e].append(n)
                    self.sample[e][n] = nice_address(lo, hi, fam)
            self.classes_of.append(mine)
        self._sides: dict[tuple[int, Direction], Side] = {}
        self.stats = Stats(len(self.instances), len(self.endpoints), len(self.groupsets),
                           service_atoms=len(self.space),
                           address_atoms=sum(self.atoms.count(f) for f in FAMILIES))
        self.status = self._compute(progress, jobs, backend, address) if compute else bytearray()
        self._rows: list[tuple[int, int]] | None = None
        self._witnesses: dict[tuple[int, int], PairWitness | None] = {}
        self.stats.seconds = time.perf_counter() - start

    # ------------------------------------------------------------ building blocks
    @staticmethod
    def _relevance(everyone: AddrSpace, member_keys: frozenset[GroupKey]) -> Callable[[Rule], bool]:
        """Rules that can match a connection between two of the instances: internal NIC,
        a peer that one of them can be, an interface side that one of them has."""
        overlaps = Overlap(everyone)
        seen: dict[int, bool] = {}

        def relevant(r: Rule) -> bool:
            hit = seen.get(id(r))
            if hit is None:
                hit = (r.nic is Nic.INTRANET
                       and (r.local is None or overlaps(r.local))
                       and bool(r.peer.unresolved or (r.peer.groups & member_keys)
                                or overlaps(r.peer.addresses)))
                seen[id(r)] = hit
            return hit
        return relevant

    def side(self, groupset: int, direction: Direction) -> Side:
        key = (groupset, direction)
        s = self._sides.get(key)
        if s is None:
            groups = self.groupsets[groupset]
            target = Target("+".join(g.name for g in groups), "groups", groups)
            s = Side(target, direction, Nic.INTRANET, self.space, self.atoms, self.atoms,
                     self.policy.semantics, self.relevant)
            self._sides[key] = s
        return s

    def pair(self, c: int, d: int) -> tuple[Accepts, Accepts]:
        """(egress of class c towards d, ingress of class d from c), before the query."""
        a, b = self.endpoints[c], self.endpoints[d]
        fam = a.family
        out = self.side(a.groupset, Direction.EGRESS)
        inn = self.side(b.groupset, Direction.INGRESS)
        b_keys, a_keys = self.groupset_keys[b.groupset], self.groupset_keys[a.groupset]
        blocked = self.policy.semantics.block_tcp25 and self.internet[fam][b.atom]
        e = out.accepts(out.matched(fam, b.atom, a.atom, b_keys), out.shared(b_keys), blocked, fam,
                        out.listed_at(fam, a.atom))
        i = inn.accepts(inn.matched(fam, a.atom, b.atom, a_keys), inn.shared(a_keys), False, fam,
                        inn.listed_at(fam, b.atom))
        return e, i

    def lists(self, c: int, d: int, services: int) -> set[str]:
        """The unresolved lists that ``services`` of class c -> class d depend on (the
        lists of the rules on either interface that can match them)."""
        a, b = self.endpoints[c], self.endpoints[d]
        if a.family != b.family or a.network is not b.network or not services:
            return set()
        fam = a.family
        out = self.side(a.groupset, Direction.EGRESS)
        inn = self.side(b.groupset, Direction.INGRESS)
        b_keys, a_keys = self.groupset_keys[b.groupset], self.groupset_keys[a.groupset]
        return (out.lists_for(out.matched(fam, b.atom, a.atom, b_keys), out.listed_at(fam, a.atom),
                              services)
                | inn.lists_for(inn.matched(fam, a.atom, b.atom, a_keys), inn.listed_at(fam, b.atom),
                                services))

    def services(self, c: int, d: int) -> tuple[int, int]:
        """(sure, maybe) services of connections from class c to class d in the query."""
        a, b = self.endpoints[c], self.endpoints[d]
        if a.family != b.family or a.network is not b.network:
            return 0, 0
        e, i = self.pair(c, d)
        q = self.query_mask[a.family]
        return e.sure & i.sure & q, e.maybe & i.maybe & q

    def _prepare(self) -> None:
        """Both sides of every group set, and the classes by group set: what rows need."""
        self._outs = [self.side(gs, Direction.EGRESS) for gs in range(len(self.groupsets))]
        self._ins = [self.side(gs, Direction.INGRESS) for gs in range(len(self.groupsets))]
        by_groupset: dict[int, list[Endpoint]] = {}
        for e in self.endpoints:
            by_groupset.setdefault(e.groupset, []).append(e)
        self._by_groupset = list(by_groupset.items())

    def _compute(self, progress: Callable[[int, int], None] | None, jobs: int = 1,
                 backend: str = "local", address: str | None = None) -> bytearray:
        """The status of every ordered class pair (row-major), the core loop. With ``jobs``
        > 1 and enough classes, blocks of rows go to forked worker processes (each row is
        independent); with the Dask backend, to a cluster's workers, which rebuild the
        state from the policy (``Rebuild``). The result, and every figure shown, is the
        same as in one process."""
        n = len(self.endpoints)
        status = bytearray(n * n)
        self.partial = bytearray(n * n)  # reachable class pairs that may reach more services
        self._prepare()
        if backend == "dask" and n:
            parts = blocks(n, max(1, jobs))
            where = {id(inst): k for k, inst in enumerate(self.policy.instances)}
            job = Rebuild(self.policy, tuple(where[id(i)] for i in self._chosen), self.query, n)
            done = pmap_shared(_rows_rebuilt, job, parts, jobs, "dask", address)
        else:
            parts = blocks(n, jobs) if jobs > 1 and n >= PARALLEL_CLASSES and can_fork() else []
            done = pmap_shared(_rows_in_worker, self, parts, jobs) if len(parts) > 1 else []
        if done:
            seen: set[tuple[int, object]] = set()
            for (lo, hi), (st, pa, keys) in zip(parts, done):
                status[lo * n:hi * n] = st
                self.partial[lo * n:hi * n] = pa
                seen |= keys
                if progress is not None:
                    progress(hi, n)
            self.stats.decisions = len(seen)
        else:
            self._fill(0, n, status, self.partial, progress)
            self.stats.decisions = sum(len(s._cache) for s in self._sides.values())
        return status

    def _fill(self, lo: int, hi: int, status: bytearray, partial: bytearray,
              progress: Callable[[int, int], None] | None = None) -> None:
        """Rows ``lo`` to ``hi`` (exclusive) into ``status`` and ``partial``, which hold
        those rows only, from their start."""
        n = len(self.endpoints)
        block25 = self.policy.semantics.block_tcp25
        outs, ins, keys, groupsets = self._outs, self._ins, self.groupset_keys, self._by_groupset
        for c in range(lo, hi):
            a = self.endpoints[c]
            fam = a.family
            q = self.query_mask[fam]
            out = outs[a.groupset]
            out_peer, out_local = out.peer[fam], out.local[fam][a.atom]
            out_listed = out.listed_at(fam, a.atom)
            a_keys = keys[a.groupset]
            row = (c - lo) * n
            if not q:
                continue
            internet = self.internet[fam]
            for gs, receivers in groupsets:
                b_keys = keys[gs]
                inn = ins[gs]
                out_groups = out.group_mask(b_keys)
                out_shared = out.shared(b_keys)
                in_peer = inn.peer[fam][a.atom] | inn.group_mask(a_keys)
                in_shared = inn.shared(a_keys)
                in_local = inn.local[fam]
                in_listed = inn.listed
                for b in receivers:
                    if b.family != fam or b.network is not a.network:
                        continue
                    sent = out.accepts((out_peer[b.atom] | out_groups) & out_local, out_shared,
                                       block25 and internet[b.atom], fam, out_listed)
                    if not sent.maybe & q:
                        continue
                    here = in_local[b.atom]
                    taken = inn.accepts(in_peer & here, in_shared, False, fam, in_listed & here)
                    sure = sent.sure & taken.sure & q
                    if sure:
                        status[row + b.index] = REACHABLE
                        if sent.maybe & taken.maybe & q & ~sure:
                            partial[row + b.index] = 1
                    elif sent.maybe & taken.maybe & q:
                        status[row + b.index] = UNKNOWN
            if progress is not None:
                progress(c + 1, n)

    # ------------------------------------------------------------ instances
    def class_status(self, c: int, d: int) -> int:
        return self.status[c * len(self.endpoints) + d]

    def pair_status(self, a: int, b: int) -> int:
        """Status of instance ``a`` -> instance ``b`` (indexes into ``instances``)."""
        if a == b:
            return UNREACHABLE
        best = UNREACHABLE
        for c in self.classes_of[a]:
            for d in self.classes_of[b]:
                s = self.class_status(c, d)
                if s == REACHABLE:
                    return REACHABLE
                if s == UNKNOWN:
                    best = UNKNOWN
        return best

    def may_reach_more(self, a: int, b: int) -> bool:
        """Might instance ``a`` reach ``b`` on services beyond those it surely reaches
        (unresolved lists)? Cheap and never wrongly False: some class pair is unknown or
        reachable with more services possible; ``pair_services`` says exactly."""
        if a == b:
            return False
        n = len(self.endpoints)
        for c in self.classes_of[a]:
            for d in self.classes_of[b]:
                k = c * n + d
                if self.status[k] == UNKNOWN or self.partial[k]:
                    return True
        return False

    def pair_services(self, a: int, b: int) -> tuple[int, int]:
        sure = maybe = 0
        if a == b:
            return 0, 0
        for c in self.classes_of[a]:
            for d in self.classes_of[b]:
                s, m = self.services(c, d)
                sure |= s
                maybe |= m
        return sure, maybe

    def rows(self) -> list[tuple[int, int]]:
        """For every instance, (bitset of instances it surely reaches, bitset of those it
        may reach), without itself."""
        if self._rows is None:
            n = len(self.endpoints)
            member_bits = [sum(1 << m for m in set(ms)) for ms in self.members]
            class_rows = []
            for c in range(n):
                sure = maybe = 0
                row = self.status[c * n:(c + 1) * n]
                for d, s in enumerate(row):
                    if s == REACHABLE:
                        sure |= member_bits[d]
                    elif s == UNKNOWN:
                        maybe |= member_bits[d]
                class_rows.append((sure, maybe))
            out = []
            for a, classes in enumerate(self.classes_of):
                sure = maybe = 0
                for c in classes:
                    sure |= class_rows[c][0]
                    maybe |= class_rows[c][1]
                me = ~(1 << a)
                out.append((sure & me, (maybe & ~sure) & me))
            self._rows = out
        return self._rows

    def reachable_pairs(self) -> Iterable[tuple[int, int, int]]:
        """(sender, receiver, status) for every pair that is reachable or unknown, in
        instance order."""
        for a, (sure, maybe) in enumerate(self.rows()):
            both = sure | maybe
            while both:
                low = both & -both
                b = low.bit_length() - 1
                both ^= low
                yield a, b, REACHABLE if sure >> b & 1 else UNKNOWN

    def count(self) -> tuple[int, int]:
        """(reachable pairs, unknown pairs)."""
        sure = sum(s.bit_count() for s, _ in self.rows())
        maybe = sum(m.bit_count() for _, m in self.rows())
        return sure, maybe

    # ------------------------------------------------------------ groups
    def group_members(self) -> list[tuple[Group, list[int]]]:
        """Every group with member instances here, in policy order, with their indexes."""
        out = []
        for g in self.policy.groups:
            ms = [n for n, inst in enumerate(self.instances) if g in inst.groups]
            if ms:
                out.append((g, ms))
        return out

    def group_status(self, senders: Iterable[int], receivers: Iterable[int]) -> int:
        """Status of 'some instance of ``senders`` reaches some instance of ``receivers``'."""
        rows = self.rows()
        target = sum(1 << b for b in set(receivers))
        best = UNREACHABLE
        for a in set(senders):
            sure, maybe = rows[a]
            if sure & target:
                return REACHABLE
            if maybe & target:
                best = UNKNOWN
        return best

    def group_matrix(self) -> tuple[list[Group], list[tuple[int, int]]]:
        """The groups with members, and for each a pair of bitsets over those groups: the
        groups some member surely reaches (a member of), and those it only may reach."""
        groups = self.group_members()
        rows = self.rows()
        member_bits = [sum(1 << n for n in ms) for _, ms in groups]
        out = []
        for _, ms in groups:
            sure = maybe = 0
            for a in ms:
                sure |= rows[a][0]
                maybe |= rows[a][1]
            s = m = 0
            for h, bits in enumerate(member_bits):
                if sure & bits:
                    s |= 1 << h
                elif maybe & bits:
                    m |= 1 << h
            out.append((s, m))
        return [g for g, _ in groups], out

    def first_pair(self, senders: Iterable[int], receivers: Iterable[int],
                   want: int = REACHABLE) -> tuple[int, int] | None:
        """The first (sender, receiver) pair with status ``want``, in instance order."""
        rows = self.rows()
        target = sum(1 << b for b in set(receivers))
        for a in sorted(set(senders)):
            sure, maybe = rows[a]
            hits = (sure if want == REACHABLE else maybe) & target
            if hits:
                return a, (hits & -hits).bit_length() - 1
        return None

    # ------------------------------------------------------------ witnesses
    def witness(self, a: int, b: int) -> PairWitness | None:
        """A connection a -> b, confirmed by the evaluator on both interfaces (None when
        nothing passes). Raises InternalError when the evaluator disagrees."""
        key = (a, b)
        if key in self._witnesses:
            return self._witnesses[key]
        found = None
        for want_sure in (True, False):
            for c in self.classes_of[a]:
                for d in self.classes_of[b]:
                    sure, maybe = self.services(c, d)
                    mask = sure if want_sure else maybe
                    if mask:
                        found = self._confirm(a, b, c, d, mask, want_sure)
                        break
                if found:
                    break
            if found:
                break
        self._witnesses[key] = found
        return found

    def extra_witness(self, a: int, b: int, extra: int) -> PairWitness | None:
        """A connection a -> b on one of the services of ``extra``, which it may reach but
        not surely (unresolved lists); None when no class pair may reach them."""
        for c in self.classes_of[a]:
            for d in self.classes_of[b]:
                mask = self.services(c, d)[1] & extra
                if mask:
                    return self._confirm(a, b, c, d, mask, False)
        return None

    def lists_between(self, a: int, b: int, services: int) -> set[str]:
        """The unresolved lists that instance a -> b's ``services`` depend on."""
        out: set[str] = set()
        for c in self.classes_of[a]:
            for d in self.classes_of[b]:
                out |= self.lists(c, d, services & self.services(c, d)[1])
        return out

    def _confirm(self, a: int, b: int, c: int, d: int, mask: int, sure: bool) -> PairWitness:
        sender, receiver = self.instances[a], self.instances[b]
        ep = self.endpoints[c]
        proto, dport, sport = self.space.first(mask)
        src, dst = self.sample[c][a], self.sample[d][b]
        fam = ep.family
        egress = Flow(Direction.EGRESS, proto, fam, src, dst, sport, dport, Nic.INTRANET,
                      frozenset(g.key for g in receiver.groups))
        ingress = Flow(Direction.INGRESS, proto, fam, src, dst, sport, dport, Nic.INTRANET,
                       frozenset(g.key for g in sender.groups))
        sem = self.policy.semantics
        verdicts = []
        decisions = []
        facts: list[tuple[str, ...]] = []
        for inst, flow in ((sender, egress), (receiver, ingress)):
            problem = flow_problem(flow, inst.target)
            if problem:
                raise InternalError(f"reach witness {flow} cannot occur on {inst.name}: {problem}")
            ds = decide_all(inst.target, flow, sem)
            verdict = definitely(ds)
            verdicts.append(verdict)
            shown = accepting(inst.target, flow, sem) if verdict is None else None
            if shown is not None:
                decisions.append(shown.decision)
                facts.append(shown.facts)
            else:
                decisions.append(ds[0] if verdict is not None else
                                 next((x for x in ds if x.accepted), ds[0]))
                facts.append(())
        if sure and not all(v is True for v in verdicts):
            raise InternalError(f"the reach matrix says {sender.name} reaches {receiver.name} with "
                                f"{egress}, the evaluator disagrees")
        if not sure and any(v is False for v in verdicts):
            raise InternalError(f"the reach matrix says {sender.name} may reach {receiver.name} "
                                f"with {egress}, the evaluator says it is blocked")
        return PairWitness(sender, receiver, egress, ingress, decisions[0], decisions[1], sure,
                       facts[0], facts[1])

    def describe(self, mask: int) -> str:
        return self.space.describe(mask)


class Overlap:
    """Does an address set meet ``space``? (bisection over its ranges; fast for the many
    host addresses of an inventory)"""

    def __init__(self, space: AddrSpace) -> None:
        self.ranges = {f: [(r.lo, r.hi) for r in space if r.family == f] for f in FAMILIES}
        self.los = {f: [lo for lo, _ in self.ranges[f]] for f in FAMILIES}

    def __call__(self, other: AddrSpace) -> bool:
        for r in other:
            rs, los = self.ranges[r.family], self.los[r.family]
            k = bisect_right(los, r.hi) - 1
            if k >= 0 and rs[k][1] >= r.lo:
                return True
        return False


__all__ = [
    "REACHABLE",
    "STATUS_WORDS",
    "UNKNOWN",
    "UNREACHABLE",
    "Endpoint",
    "Query",
    "ReachMatrix",
    "PairWitness",
]
