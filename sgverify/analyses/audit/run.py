"""Running controls over an inventory: every control, on every group and every interface
it selects, proved, violated (with a counterexample and the deciding rule) or unknown;
then waivers.
"""

from __future__ import annotations

import datetime
import gc
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from ...core.diagnostics import REPORT_BUGS, InternalError
from ...core.model import FlowAssertion, Network, Policy
from ...core.parallel import can_fork
from ...core.result import Result, Verdict
from ...core.suppress import Suppressions
from ...engines.boxes.intervals import BudgetExceeded
from ...prove.box_prover import BoxProver
from ...prove.exposure import TooManyLists
from ...prove.verdicts import external_reason
from .controls import BUILTIN, OPEN, WIDE_OPEN, Control
from .plan import Item, Subject, make_plan
from .public import open_to_internet
from .settings import Settings, Waiver
from .templates import GROUP, ControlError, Template, find_controls, read_control
from .wideopen import wide_open
from .workers import AuditWork, run_in_workers

BADNESS = {v: i for i, v in enumerate(Verdict)}
PARALLEL_CHECKS = 2000  # checks below which the audit runs in one process


@dataclass(frozen=True)
class ControlResult:
    """One control on one subject: the worst verdict of its assertions, and a waiver when
    one accepts the finding."""

    control: Control
    subject: Subject
    verdict: Verdict
    results: tuple[Result, ...]
    waiver: Waiver | None = None

    @property
    def shown(self) -> Result:
        """The result that explains the verdict (the first one that has it)."""
        return next(r for r in self.results if r.verdict is self.verdict)

    @property
    def status(self) -> str:
        """proved, violated, unknown, error, or waived."""
        return "waived" if self.waiver is not None else self.verdict.value

    @property
    def elapsed(self) -> float:
        return sum(r.elapsed for r in self.results)


@dataclass
class AuditReport:
    """Everything one audit found: the controls that ran (and those disabled), one result
    per control and subject in control order, notes (settings used, stale waivers) and the
    texts of the generated control documents (``sources``, for messages)."""

    path: str
    policy: Policy
    controls: list[Control]
    disabled: list[Control]
    results: list[ControlResult]
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0

    def of(self, control: Control) -> list[ControlResult]:
        return [r for r in self.results if r.control is control]


def choose_controls(settings: Settings, only: Sequence[str] = (), disable: Sequence[str] = ()
                    ) -> tuple[list[Control], list[Control]]:
    """(controls to run, disabled controls): the built-ins and the custom ones, minus the
    disabled; ``only`` keeps just those named. Unknown names are errors."""
    custom = [read_control(p) for p in _control_files(settings.controls)]
    everything = list(BUILTIN) + custom
    seen: dict[str, Control] = {}
    for c in everything:
        for key in (c.id.lower(), c.slug.lower()):
            if key in seen and seen[key] is not c:
                raise ControlError(f"control id '{c.id}' ({c.source}) is also used by "
                                   f"{seen[key].source}")
            seen[key] = c
    names = list(settings.disable) + list(disable) + list(only) + list(settings.select)
    waived = [w.control for w in settings.waivers]  # a waiver names one control exactly
    for n in names + waived:
        if n.lower() not in seen and (n in waived or not _family(n, everything)):
            raise ControlError(f"unknown control '{n}' (known: {', '.join(c.id for c in everything)}"
                               "; or a family such as SGV1)")
    off = {c.id for n in list(settings.disable) + list(disable) for c in _named(n, seen, everything)}
    keep = {c.id for n in only for c in _named(n, seen, everything)}
    run = [c for c in everything if c.id not in off and (not keep or c.id in keep)]
    return run, [c for c in everything if c.id in off]


def _family(name: str, everything: Sequence[Control]) -> list[Control]:
    """The controls of family ``name`` (SGV1, SGV10x: a prefix of ids, as lint's L1)."""
    prefix = name.strip().upper().rstrip("X")
    return [c for c in everything if prefix and c.id.upper().startswith(prefix)]


def _named(name: str, seen: dict[str, Control], everything: Sequence[Control]) -> list[Control]:
    """The control with this id or name, else the family it names."""
    exact = seen.get(name.lower())
    return [exact] if exact is not None else _family(name, everything)


def _control_files(paths: Sequence[str]) -> list[str]:
    return find_controls(list(paths))


def run_audit(policy: Policy, controls: Sequence[Control], settings: Settings, *,
              path: str = "", timeout_ms: int | None = None,
              progress: Callable[[int, int], None] | None = None,
              today: datetime.date | None = None, disabled: Sequence[Control] = (),
              jobs: int = 1, backend: str = "local", address: str | None = None) -> AuditReport:
    """Check every control on its subjects. Raises ControlError for unusable controls.
    ``jobs`` > 1: blocks of a large plan go to forked workers, or with ``backend`` "dask"
    to a Dask cluster (``workers``); the report is the same as in one process."""
    with _collector_paused():
        return _run_audit(policy, controls, settings, path, timeout_ms, progress, today,
                          disabled, jobs, backend, address)


def _run_audit(policy: Policy, controls: Sequence[Control], settings: Settings, path: str,
               timeout_ms: int | None, progress: Callable[[int, int], None] | None,
               today: datetime.date | None, disabled: Sequence[Control], jobs: int,
               backend: str, address: str | None) -> AuditReport:
    start = time.perf_counter()
    report = AuditReport(path, policy, list(controls), list(disabled), [])
    prepared = make_plan(policy, controls, settings, timeout_ms, report.sources)
    work = AuditWork(policy, list(controls), settings, timeout_ms, prepared)
    engine, plan = prepared
    total = len(plan)
    if (backend == "dask" or (jobs > 1 and total >= PARALLEL_CHECKS and can_fork())) and total:
        every_results = run_in_workers(work, _check_item, _assertion_item, jobs, backend,
                                       address, progress, first=_is_group)
    else:
        every_results = []
        for n, item in enumerate(plan, 1):
            every_results.append(tuple(_check_item(engine, item, t) for t in item[2]))
            if progress is not None:
                progress(n, total)
    for (c, s, _), results in zip(plan, every_results):
        worst = max((r.verdict for r in results), key=BADNESS.__getitem__)
        report.results.append(ControlResult(c, s, worst, results))
    report.results = apply_waivers(report, settings.waivers, today or datetime.date.today())
    external = [g.name for g in policy.groups if not g.rules_known]
    if external:
        report.notes.append("not audited as groups (their rules are not known: external, or "
                            "referenced by imported data but not in it): " + ", ".join(external)
                            + "; interfaces in them are unknown")
    if settings.source:
        report.notes.insert(0, f"settings from {settings.source}")
    report.elapsed = time.perf_counter() - start
    return report


def _is_group(item: Item) -> bool:
    return item[1].kind == GROUP


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while an audit runs (in forked workers too, which
    inherit it): they make millions of short-lived objects and no cycles worth collecting,
    and each collection walked the caches of every subject so far (1,000 groups x 200
    rules: 3.1 of 14.1 s in one process, 7.7 of 19.5 s in two workers; the same peak
    memory). Nothing is frozen: what the checks made is freed as usual afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _check_item(engine: BoxProver, item: Item, t: Template) -> Result:
    return _check(engine, item[0], item[1], t)


def _assertion_item(engine: BoxProver, item: Item, t: Template) -> FlowAssertion:
    return _assertion(engine, item[0], item[1], t)


def _assertion(engine: BoxProver, c: Control, s: Subject, t: Template) -> FlowAssertion:
    """The assertion of one template of a control on one subject."""
    text = t.text
    for word in ("each group or interface", "each group", "each interface"):
        if word in text:
            text = text.replace(word, str(s), 1)
            break
    text = text.replace("assert ", "", 1)
    flows = t.assertion.flows
    classic_nic = c.internet_nic and s.target.network is Network.CLASSIC and flows.nic is None
    if classic_nic:
        # Internet traffic reaches a classic-network interface on its internet NIC.
        flows = engine.on_internet_nic(flows)
        for word in (": ingress ", ": egress "):
            text = text.replace(word, word + "nic internet ", 1)
    if c.kind in (WIDE_OPEN, OPEN) and c.description:
        text = f"{s}: {c.description}" + (" (nic internet)" if classic_nic else "")
    return replace(t.assertion, name=f"{c.id} {s}", text=text, target=s.target, span=s.span,
                   flows=flows)


def _check(engine: BoxProver, c: Control, s: Subject, t: Template) -> Result:
    """One template of a control on one subject; unknown when some of the subject's rules
    are not known (an interface in an external group)."""
    a = _assertion(engine, c, s, t)
    why = external_reason([s.target])
    if why:
        return Result(a, Verdict.UNKNOWN, "not verified: " + why, code="W402")
    if c.kind in (WIDE_OPEN, OPEN):
        start = time.perf_counter()
        try:
            result = wide_open(engine, a) if c.kind == WIDE_OPEN else open_to_internet(engine, a)
        except TooManyLists as exc:
            result = Result(a, Verdict.UNKNOWN, f"not verified: {exc}", code="W401")
        except BudgetExceeded as exc:
            result = Result(a, Verdict.UNKNOWN, f"not verified: the decomposition grew too large "
                            f"({exc})", code="W401")
        except InternalError as exc:
            result = Result(a, Verdict.ERROR, f"internal error: {exc}; {REPORT_BUGS}", code="E901")
        return replace(result, elapsed=time.perf_counter() - start)
    return engine.check(a)


def apply_waivers(report: AuditReport, waivers: Sequence[Waiver],
                  today: datetime.date) -> list[ControlResult]:
    """Attach the first applicable waiver to each violated or unknown result; note the
    waivers that expired and those that matched nothing."""
    used: set[int] = set()
    expired_hit: set[int] = set()
    out = []
    for r in report.results:
        if r.verdict in (Verdict.VIOLATED, Verdict.UNKNOWN):
            for n, w in enumerate(waivers):
                if r.control.matches(w.control) and w.covers(r.subject.kind, r.subject.name,
                                                              r.subject.ident):
                    if w.expired(today):
                        expired_hit.add(n)
                        continue
                    used.add(n)
                    r = replace(r, waiver=w)
                    break
        out.append(r)
    for n, w in enumerate(waivers):
        if n in expired_hit and n not in used:
            report.notes.append(f"{w.origin}: expired on {w.expires}; the findings it covered are "
                                "reported again")
        elif n not in used and n not in expired_hit:
            report.notes.append(f"{w.origin}: waives nothing ({w.control} on {w.target} is not "
                                "violated or unknown); remove it")
    return out


def apply_inline(report: AuditReport, texts: Mapping[str, str]) -> None:
    """Waive the violated or unknown results that an inline comment suppresses
    (``# sgverify: ignore[SGV101] reason``, ``core.suppress``) at the subject's definition
    or at a rule that decided its counterexample; note the comments of the controls that
    ran which waive nothing."""
    found = Suppressions(texts)
    if not found:
        return
    out = []
    for r in report.results:
        if r.verdict in (Verdict.VIOLATED, Verdict.UNKNOWN) and r.waiver is None:
            places = [r.subject.span, *(e.decision.rule.span for e in r.shown.evidence
                                        if e.decision.rule is not None)]
            hit = next((s for code in (r.control.id,) for p in places
                        if (s := found.find(code, p)) is not None), None)
            if hit is not None:
                r = replace(r, waiver=Waiver(r.control.id, str(r.subject), hit.reason, None,
                                             f"{hit.where} (inline)", inline=True))
        out.append(r)
    report.results = out
    for s, why in found.unused(c.id for c in report.controls):
        report.notes.append(f"{s.where}: the suppression of {', '.join(s.codes)} there is not "
                            f"applied: {why}")


__all__ = ["AuditReport", "ControlResult", "apply_inline", "apply_waivers", "choose_controls",
           "run_audit"]
