"""The HTML report: one self-contained file (inline CSS and a small optional script, no
network), rendered on the server with a Jinja2 template (templates/report.html.j2).

It reads as a security engineer reads an audit: the findings first, by severity (internet
exposure first within a severity); then what the internet reaches, by risk; then every
group (or instance) ordered by risk, each with its findings, its exposure and who reaches
it on what; then the reachability matrix aggregated into clusters (by a tag when the
groups carry one, otherwise by risk tier), every cell a link to its detail beside the
matrix (``:target``), every group of a cell a link to its row. Colour is risk
(``report.risk``), never a port count. Everything is in the HTML itself: without
JavaScript the page is complete; the script only adds filters and sorting. Nothing is
cut silently: where a list is summarised the page says so and names the command that
lists the rest. Output is deterministic: no timestamps, stable order.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import jinja2

from ..analyses.audit.run import AuditReport
from ..analyses.reach.answer import INTERNET, Answer, Pair
from ..core.version import __version__
from ..engines.atoms.matrix import REACHABLE
from .audit import STATUSES, counts, detail_lines
from .reach import not_verified, witness_lines
from .risk import LEVELS, SEVERITY_RANK, WORD, category, level, service_class

INBOUND_LINES = 6  # service sets listed per group (the others are counted, and said so)
SAMPLE = 5  # senders named per service set (the others are counted)
STATUS_ORDER = {"violated": 0, "error": 1, "unknown": 2, "waived": 3}


@dataclass(frozen=True)
class Ref:
    """A unit named somewhere else on the page: its label and its anchor (None: no row)."""

    label: str
    anchor: str | None


@dataclass(frozen=True)
class FindingRow:
    anchor: str
    status: str
    subject: Ref
    where: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ControlBlock:
    id: str
    title: str
    severity: str
    rationale: str
    internet: bool
    findings: tuple[FindingRow, ...]
    counts: dict[str, int]


@dataclass(frozen=True)
class SeverityBlock:
    severity: str
    controls: tuple[ControlBlock, ...]

    @property
    def total(self) -> int:
        return sum(len(c.findings) for c in self.controls)


@dataclass(frozen=True, slots=True)
class Link:
    """One pair as the report shows it: services, risk level, sure or only possible."""

    sender: str
    receiver: str
    services: str
    level: int
    maybe: bool
    pair: Pair


@dataclass(frozen=True)
class Inbound:
    """Senders that reach one unit on the same services."""

    services: str
    level: int
    maybe: bool
    count: int
    sample: tuple[Ref, ...]


@dataclass
class Unit:
    """A row of the groups table: a group (or an instance, for ``reach --by instance``)."""

    label: str
    anchor: str
    tags: str = ""
    note: str = ""
    findings: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, sev, status, anchor
    exposure: Link | None = None
    egress: Link | None = None
    inbound: list[Inbound] = field(default_factory=list)
    inbound_more: tuple[int, int] = (0, 0)  # service sets and senders not listed
    n_in: int = 0
    n_out: int = 0
    out_level: int = 0
    risk: int = 0
    rank: int = 0
    cluster: int = 0

    @property
    def name(self) -> str:
        return self.label.split(" ", 1)[1] if " " in self.label else self.label


@dataclass(frozen=True, slots=True)
class CellRow:
    unit: Unit
    count: int
    level: int
    services: str
    maybe: int


@dataclass(frozen=True)
class Cell:
    anchor: str
    row: str
    col: str
    pairs: int
    level: int
    maybe: int
    rows: tuple[CellRow, ...]
    to_internet: bool = False


@dataclass(frozen=True)
class Cluster:
    name: str
    members: tuple[Unit, ...]


def _slug(label: str, used: set[str]) -> str:
    base = "u-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", label.split(" ", 1)[-1])
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def _shown(p: Pair, seen: dict[tuple[object, ...], tuple[str, int]]) -> tuple[str, int]:
    """The services text and risk level of a pair; ``seen`` holds those already worked out
    (many pairs share their services)."""
    sure = p.status == REACHABLE
    mask = (p.sure | p.maybe) if sure else p.maybe
    if not mask:  # counted, not worked out (--limit)
        return "not worked out (--limit)", 1
    internet = p.sender.kind == INTERNET
    key = (id(p.space), p.sure, p.maybe, sure, p.more, p.lists, internet)
    if key not in seen:
        text = p.services()
        if sure and p.more:
            text += f"; may also connect on {p.also()} ({not_verified(p)})"
        seen[key] = (text, level(internet, service_class(p.space, mask)))
    return seen[key]


def _link(p: Pair, seen: dict[tuple[object, ...], tuple[str, int]]) -> Link:
    text, lv = _shown(p, seen)
    return Link(p.sender.label, p.receiver.label, text, lv, p.status != REACHABLE, p)


def _witness(link: Link) -> str:
    p = link.pair
    return "\n".join(witness_lines(p.evidence, p.facts, "witness", indent="")
                     + witness_lines(p.extra, p.extra_facts, "may-reach witness", indent=""))


def _units(audit: AuditReport | None, reach: Answer | None) -> dict[str, Unit]:
    """Every group of the policy (audit, or reach by group), or the instances of the
    answer; in model order, each with a unique anchor."""
    labels: list[str] = []
    notes: dict[str, str] = {}
    tags: dict[str, str] = {}
    policy = audit.policy if audit is not None else (reach.matrix.policy if reach is not None
                                                     and reach.matrix is not None else None)
    by_group = reach is None or reach.by == "group"
    if by_group and policy is not None:
        in_matrix = {u.label for u in (reach.senders + reach.receivers)} if reach else set()
        for g in policy.groups:
            label = f"group {g.name}"
            labels.append(label)
            tags[label] = ", ".join(f"{k}={v}" if v else k for k, v in g.tags)
            if reach is not None and label not in in_matrix:
                notes[label] = "no member instance in the matrix" if audit is not None or \
                    reach.question == "anything -> anything" else "not in the question"
    if reach is not None:
        for u in reach.senders + reach.receivers:
            if u.kind != INTERNET and u.label not in labels:
                labels.append(u.label)
    used: set[str] = set()
    return {x: Unit(x, _slug(x, used), tags.get(x, ""), notes.get(x, "")) for x in labels}


def _findings(audit: AuditReport, units: dict[str, Unit]) -> list[SeverityBlock]:
    """Findings (every result that is not proved) per severity, per control: internet
    exposure first within a severity, then by id; violated before unknown and waived."""
    blocks: dict[str, list[ControlBlock]] = defaultdict(list)
    for c in audit.controls:
        rows = []
        results = audit.of(c)
        for n, r in enumerate(sorted((r for r in results if r.status != "proved"),
                                     key=lambda r: STATUS_ORDER.get(r.status, 9))):
            label = str(r.subject)
            if r.subject.kind == "interface" and f"instance {r.subject.name}" in units:
                label = f"instance {r.subject.name}"
            unit = units.get(label)
            anchor = f"f-{c.id}-{n + 1}"
            rows.append(FindingRow(anchor, r.status, Ref(str(r.subject), unit.anchor if unit else None),
                                   str(r.subject.span) if r.subject.span else "",
                                   tuple(detail_lines(r))))
            if unit is not None:
                unit.findings.append((c.id, c.severity, r.status, anchor))
        blocks[c.severity].append(ControlBlock(c.id, c.title, c.severity, c.rationale,
                                               c.internet_nic, tuple(rows), counts(results)))
    out = []
    for sev in sorted(blocks, key=lambda s: -SEVERITY_RANK.get(s, 0)):
        ordered = sorted(blocks[sev], key=lambda b: (not b.internet, b.id))
        out.append(SeverityBlock(sev, tuple(ordered)))
    return out


@dataclass
class _Senders:
    """Senders that reach one unit on the same services: how many, the first few."""

    count: int = 0
    sample: list[str] = field(default_factory=list)


def _reach_into(units: dict[str, Unit], reach: Answer,
                seen: dict[tuple[object, ...], tuple[str, int]]) -> list[Link]:
    """Fill in every unit's exposure, egress to the internet, inbound summary and counts;
    returns the internet exposure by risk. Pairs between units are summarised as they
    stream past, never kept: at 1,000 groups there are about a million of them."""
    exposure: list[Link] = []
    inbound: dict[str, dict[tuple[str, int, bool], _Senders]] = defaultdict(dict)
    n_in: Counter[str] = Counter()
    for p in reach.pairs:
        s = units.get(p.sender.label)
        if p.sender.kind == INTERNET:
            link = _link(p, seen)
            exposure.append(link)
            if p.receiver.label in units:
                units[p.receiver.label].exposure = link
        elif p.receiver.kind == INTERNET:
            if s is not None:
                text, lv = _shown(p, seen)
                s.egress = Link(s.label, p.receiver.label, text, min(lv, 3), p.status != REACHABLE, p)
        else:
            text, lv = _shown(p, seen)
            receiver = p.receiver.label
            if receiver in units:
                n_in[receiver] += 1
                sets = inbound[receiver]
                key = (text, lv, p.status != REACHABLE)
                got = sets.get(key)
                if got is None:
                    got = sets[key] = _Senders()
                got.count += 1
                if len(got.sample) < SAMPLE:
                    got.sample.append(p.sender.label)
            if s is not None:
                s.n_out += 1
                s.out_level = max(s.out_level, lv)
    for label, sets in inbound.items():
        u = units[label]
        u.n_in = n_in[label]
        ordered = sorted(sets.items(), key=lambda kv: (-kv[0][1], -kv[1].count, kv[0][0]))
        for (text, lv, maybe), got in ordered[:INBOUND_LINES]:
            sample = tuple(Ref(s, units[s].anchor if s in units else None) for s in got.sample)
            u.inbound.append(Inbound(text, lv, maybe, got.count, sample))
        rest = ordered[INBOUND_LINES:]
        u.inbound_more = (len(rest), sum(v.count for _, v in rest))
    key = (lambda x: (-x.level, x.maybe, x.receiver, x.sender))
    return sorted(exposure, key=key)


def _rank(units: dict[str, Unit]) -> list[Unit]:
    for u in units.values():
        worst = max((SEVERITY_RANK.get(sev, 0) for _, sev, st, _ in u.findings
                     if st in ("violated", "error")), default=0)
        u.risk = max(worst, u.exposure.level if u.exposure else 0,
                     max((i.level for i in u.inbound), default=0))
    ordered = sorted(units.values(), key=lambda u: (
        -u.risk, -max((SEVERITY_RANK.get(s, 0) for _, s, _, _ in u.findings), default=0),
        -len(u.findings), -(u.exposure.level if u.exposure else 0), -u.n_in, u.label))
    for n, u in enumerate(ordered):
        u.rank = n + 1
    return ordered


def _clusters(ordered: list[Unit]) -> tuple[str, list[Cluster]]:
    """Clusters for the matrix: by a tag key when one splits the groups (at least two
    values, on at least half of them), else by risk tier."""
    keys: dict[str, Counter[str]] = defaultdict(Counter)
    for u in ordered:
        for part in filter(None, u.tags.split(", ")):
            k, _, v = part.partition("=")
            keys[k][v] += 1
    best = max((k for k, c in keys.items() if len(c) >= 2 and sum(c.values()) * 2 >= len(ordered)),
               key=lambda k: (sum(keys[k].values()), k), default=None)
    groups: dict[str, list[Unit]] = defaultdict(list)
    if best is not None:
        for u in ordered:
            tag = dict(p.partition("=")[::2] for p in filter(None, u.tags.split(", ")))
            groups[f"{best}={tag[best]}" if best in tag else f"no tag {best}"].append(u)
        names = sorted(groups, key=lambda n: (-max(u.risk for u in groups[n]), n))
        how = f"tag {best}"
    else:
        order: dict[str, tuple[int, int]] = {}
        for u in ordered:
            reached = max([u.exposure.level if u.exposure else 0] + [i.level for i in u.inbound])
            name = f"{WORD[u.risk]}: {_tier(u.risk)}" if u.risk else "reached by nothing"
            if u.risk and reached < u.risk:  # the risk is a finding's severity
                name = f"{WORD[u.risk]}: a {WORD[u.risk]} finding"
            kind = _kind(u) if u.risk == 5 else None
            if kind:
                name = f"{WORD[u.risk]}: the internet reaches {kind}"
            groups[name].append(u)
            order.setdefault(name, (u.risk, len(order)))
        names = sorted(groups, key=lambda n: (-order[n][0], order[n][1]))
        how = ("risk tier (the worst thing that reaches each group, or its worst finding; "
               "critical split by the kind of sensitive service the internet reaches)")
    out = []
    for n, name in enumerate(names):
        for u in groups[name]:
            u.cluster = n
        out.append(Cluster(name, tuple(groups[name])))
    return how, out


def _kind(u: Unit) -> str | None:
    """The kind of sensitive service the internet reaches on ``u`` (its cluster)."""
    x = u.exposure
    if x is None or x.level != 5:
        return None
    p = x.pair
    return category(p.space, (p.sure | p.maybe) if p.status == REACHABLE else p.maybe)


def _tier(risk: int) -> str:
    return next(lv.meaning for lv in LEVELS if lv.rank == risk)


@dataclass
class _Row:
    """A cell's row being summed up: pairs, the worst of them, how many only possible."""

    count: int = 0
    worst: tuple[int, bool] = (0, False)  # level, sure
    services: str = ""
    maybe: int = 0

    def add(self, lv: int, maybe: bool, services: str) -> None:
        self.count += 1
        self.maybe += maybe
        if self.count == 1 or (lv, not maybe) > self.worst:  # the first worst, as listed
            self.worst, self.services = (lv, not maybe), services


def _cells(clusters: list[Cluster], units: dict[str, Unit], exposure: list[Link],
           reach: Answer, seen: dict[tuple[object, ...], tuple[str, int]]
           ) -> dict[tuple[int, int], Cell]:
    """The aggregated matrix: row -1 is the internet, column len(clusters) the internet.
    A second pass over the pairs between units, summed as they stream past."""
    k = len(clusters)
    buckets: dict[tuple[int, int], dict[str, _Row]] = defaultdict(lambda: defaultdict(_Row))
    for x in exposure:
        if x.receiver in units:
            buckets[(-1, units[x.receiver].cluster)][x.receiver].add(x.level, x.maybe, x.services)
    for p in reach.pairs:
        if p.sender.kind == INTERNET or p.receiver.kind == INTERNET:
            continue
        s, r = units.get(p.sender.label), units.get(p.receiver.label)
        if s is not None and r is not None:
            text, lv = _shown(p, seen)
            buckets[(s.cluster, r.cluster)][r.label].add(lv, p.status != REACHABLE, text)
    for u in units.values():
        if u.egress is not None:
            x = u.egress
            buckets[(u.cluster, k)][x.sender].add(x.level, x.maybe, x.services)
    out = {}
    for (r, c), per in buckets.items():
        to_internet = c == k
        rows = [CellRow(units[label], row.count, row.worst[0], row.services, row.maybe)
                for label, row in per.items()]
        rows.sort(key=lambda x: (-x.level, -x.count, x.unit.rank))
        out[(r, c)] = Cell(f"m-{r + 1}-{c}", "the internet" if r < 0 else clusters[r].name,
                           "the internet" if to_internet else clusters[c].name,
                           sum(x.count for x in rows), max(x.level for x in rows),
                           sum(x.maybe for x in rows), tuple(rows), to_internet)
    return out


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("sgverify.report", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.globals.update(WORD=WORD, LEVELS=LEVELS)
    return env


def render_html(audit: AuditReport | None = None, reach: Answer | None = None,
                timing: bool = True) -> str:
    """The report for an audit, a reach answer, or both."""
    units = _units(audit, reach)
    severities = _findings(audit, units) if audit is not None else []
    seen: dict[tuple[object, ...], tuple[str, int]] = {}
    exposure = _reach_into(units, reach, seen) if reach is not None else []
    ordered = _rank(units)
    how, clusters = _clusters(ordered)
    cells = _cells(clusters, units, exposure, reach, seen) if reach is not None else {}
    if audit is not None:
        title = f"sgverify audit: {audit.path}"
    else:
        title = f"sgverify reach: {reach.question}" if reach is not None else "sgverify report"
    total = counts(audit.results) if audit is not None else {}
    kind = "groups" if reach is None or reach.by == "group" else "instances"
    return _environment().get_template("report.html.j2").render(
        title=title, version=__version__, audit=audit, reach=reach, timing=timing,
        severities=severities, total=total, statuses=STATUSES, exposure=exposure,
        witness=_witness, units=ordered, clusters=clusters, cells=cells, cluster_how=how,
        kind=kind, n_findings=sum(s.total for s in severities), inbound_lines=INBOUND_LINES,
        controls=_control_rows(audit) if audit is not None else [],
        anchors=defaultdict(lambda: Ref("?", None), {
            u.label: Ref(u.name, u.anchor) for u in ordered}))


def _control_rows(audit: AuditReport) -> list[tuple[object, dict[str, int]]]:
    return [(c, counts(audit.of(c))) for c in audit.controls]


__all__ = ["INBOUND_LINES", "render_html"]
