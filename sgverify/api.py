"""Library entry points: load a spec and check it, phase by phase, stopping after a phase
that produced errors; check many spec files on all cores or a Dask cluster. The CLI, the
pytest plugin and the tests call these.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from .cloud.user_values import InputValues
from .core.files import Limits
from .core.model import Assertion, Policy
from .core.parallel import pmap
from .core.result import Result, SpecReport
from .lang.build import build_document
from .lang.resolve import resolve
from .load import load_policy, load_spec
from .prove.run import Checker, check_policy

__all__ = ["SpecReport", "check_assertion", "check_extra", "check_file", "check_files",
           "check_text", "load_policy"]


def check_file(path: str, *, timeout_ms: int | None = None, root: str | None = None,
               allow_outside: bool = False, limits: Limits = Limits(),
               progress: Callable[[int, int, Result], None] | None = None,
               certify: bool = False, imports: Sequence[str] = (),
               values: InputValues = InputValues()) -> SpecReport:
    """Load ``path`` and prove each of its assertions (``certify``: re-decide each verdict
    with the independent box certifier; ``imports``: inventories read with the spec, as
    if it imported them; ``values``: Terraform variables and ROS parameters for the files
    it imports)."""
    report = load_policy(path, root=root, allow_outside=allow_outside, limits=limits,
                         imports=imports, values=values)
    if report.policy is not None:
        report.results = check_policy(report.policy, timeout_ms, progress, certify)
    return report


def check_text(text: str, *, name: str = "spec.sgv", timeout_ms: int | None = None) -> SpecReport:
    """Check spec text (written to a temporary folder, so includes are refused)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        report = check_file(path, timeout_ms=timeout_ms, root=tmp)
    return report


def check_assertion(policy: Policy, assertion: Assertion, *,
                    timeout_ms: int | None = None) -> Result:
    """Prove one assertion of ``policy`` (the pytest plugin checks one per test item)."""
    return Checker(policy, timeout_ms).run(assertion)


def check_extra(path: str, text: str, *, origin: str = "<assertion>",
                timeout_ms: int | None = None, root: str | None = None,
                allow_outside: bool = False, limits: Limits = Limits()) -> SpecReport:
    """Check the assertions written in ``text`` against what the spec at ``path`` defines
    (groups, instances, sets; its includes resolved from its real location). The spec's
    own assertions are not checked: ``results`` holds only those of ``text``, whose spans
    name ``origin``; ``diagnostics`` covers both."""
    report = SpecReport(path)
    spec = load_spec(path, root=root, allow_outside=allow_outside, limits=limits)
    report.sources = dict(spec.sources)
    report.diagnostics.extend(spec.diagnostics)
    doc, diags = build_document(text, origin)
    report.sources[origin] = text
    report.diagnostics.extend(diags)
    if report.has_errors:
        return report
    policy, resolved = resolve(spec.documents + [doc])
    report.diagnostics.extend(resolved)
    if any(d.is_error for d in resolved):
        return report
    report.policy = policy
    checker = Checker(policy, timeout_ms)
    report.results = [checker.run(a) for a in policy.assertions
                      if a.span is not None and a.span.path == origin]
    return report


# ---------------------------------------------------------------- many files


@dataclass(frozen=True)
class CheckUnit:
    """Check ``indices`` (None: all) of the assertions of the spec at ``path``."""

    path: str
    indices: tuple[int, ...] | None
    timeout_ms: int | None
    certify: bool
    allow_outside: bool
    imports: tuple[str, ...] = ()
    values: InputValues = InputValues()


# Policies the parent loaded; forked workers inherit them and skip parsing again.
_LOADED: dict[str, Policy] = {}
AUTO_MIN_ASSERTIONS = 200  # below this, worker start-up and re-encoding cost more than they save
# Above this many rules, a file's assertions are not split between workers unless --jobs
# asks: every result brings its interface's groups back from the worker (pickled there,
# copied again here), which cost more than the proofs. Measured on 1,000 groups x 200
# rules and 1,000 assertions: 39 s CPU and 1,074 MB on two workers, 14 s and 530 MB in one.
AUTO_MAX_SPLIT_RULES = 20_000


def run_check_unit(unit: CheckUnit) -> list[Result]:
    policy = _LOADED.get(unit.path)
    if policy is None:
        policy = load_policy(unit.path, allow_outside=unit.allow_outside,
                             imports=unit.imports, values=unit.values).policy
    if policy is None:  # the parent reported the errors already
        return []
    checker = Checker(policy, unit.timeout_ms, unit.certify)
    assertions = policy.assertions
    picked = range(len(assertions)) if unit.indices is None else unit.indices
    return [checker.run(assertions[i]) for i in picked]


def check_files(paths: Iterable[str], *, jobs: int = 1, backend: str = "local",
                address: str | None = None, timeout_ms: int | None = None, certify: bool = False,
                allow_outside: bool = False, auto: bool = False,
                imports: Sequence[str] = (),
                values: InputValues = InputValues()) -> list[SpecReport]:
    """Load every spec here (diagnostics), then check the assertions in parallel units:
    one unit per file, large files split into chunks of assertions. Results keep the
    order of files and assertions. ``auto``: use one process when there is little work."""
    reports = [load_policy(p, allow_outside=allow_outside, imports=imports, values=values)
               for p in paths]
    total = sum(len(r.policy.assertions) for r in reports if r.policy is not None)
    if backend == "local" and (jobs <= 1 or (auto and total < AUTO_MIN_ASSERTIONS)):
        for rep in reports:
            if rep.policy is not None:
                rep.results = check_policy(rep.policy, timeout_ms, certify=certify)
        return reports
    _LOADED.clear()
    _LOADED.update({r.path: r.policy for r in reports if r.policy is not None})
    units: list[CheckUnit] = []
    owners: list[int] = []
    workers = max(1, jobs)
    for n, rep in enumerate(reports):
        if rep.policy is None or not rep.policy.assertions:
            continue
        count = len(rep.policy.assertions)
        split = workers > 1 and not (auto and backend == "local"
                                     and _rules(rep.policy) > AUTO_MAX_SPLIT_RULES)
        chunks = min(workers, max(1, count // 8)) if split else 1
        for c in range(chunks):
            idx = tuple(range(c, count, chunks)) if chunks > 1 else None
            units.append(CheckUnit(rep.path, idx, timeout_ms, certify, allow_outside,
                                   tuple(imports), values))
            owners.append(n)
    try:
        outcomes = pmap(run_check_unit, units, jobs, backend, address)
    finally:
        _LOADED.clear()
    per_file: dict[int, list[tuple[int, Any]]] = {}
    for unit, owner, results in zip(units, owners, outcomes):
        idx = unit.indices if unit.indices is not None else tuple(range(len(results)))
        per_file.setdefault(owner, []).extend(zip(idx, results))
    for n, pairs in per_file.items():
        reports[n].results = [r for _, r in sorted(pairs, key=lambda p: p[0])]
    return reports


def _rules(policy: Policy) -> int:
    """How many rules ``policy`` holds (what a worker's results drag back grows with it)."""
    return sum(len(g.rules) for g in policy.groups)
