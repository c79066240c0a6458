"""The one policy loader: .sgv specs (with their includes and ``import`` statements) and
cloud exports (Alibaba Cloud API JSON, Terraform, ROS, AWS; a folder stands for the exports
in it), read together and resolved into one ``Policy``. Every command and the library
load through here; every problem is a diagnostic in the returned report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Sequence

from .cloud.importer import ImportRequest, InputValues, Known, Progress, expand_paths, import_files
from .core.diagnostics import Diagnostic
from .core.files import Limits, file_problem, is_live_uri, missing_reason, paused_gc
from .core.result import SpecReport
from .lang.include_graph import imported_files, includers
from .lang.includes import LoadedSpec, read_spec
from .lang.resolve import resolve
from .lang.syntax import (
    Document,
    GroupNode,
    ImportNode,
    InstanceNode,
    PortListNode,
    PrefixListNode,
)


def load_spec(path: str, root: str | None = None, allow_outside: bool = False,
              limits: Limits = Limits(), imports: Sequence[str] = (),
              values: InputValues = InputValues()) -> LoadedSpec:
    """Read ``path``, everything it includes, and the cloud exports it imports (and
    ``imports``: inventories given beside the spec, such as ``aliyun://REGION``). Every
    problem (unreadable file, syntax, bad value, include) is a diagnostic; check for
    errors before resolving. ``values``: Terraform variables and ROS parameters for the
    imported files."""
    with paused_gc():
        spec = read_spec(path, root, allow_outside, limits)
        for extra in imports:
            if extra not in {p for p, _ in spec.imports}:
                spec.imports.append((extra, ImportNode(extra)))
        if spec.imports:
            _import(spec, limits, values)
    return spec


def known_names(documents: Sequence[Document]) -> Known:
    """What .sgv documents define, for an import run that must reference it, not redefine it."""
    sts = [st for d in documents for st in d.statements]
    groups = [st for st in sts if isinstance(st, GroupNode)]
    pls = [st for st in sts if isinstance(st, PrefixListNode)]
    prls = [st for st in sts if isinstance(st, PortListNode)]
    return Known(frozenset(g.name for g in groups), frozenset(g.gid for g in groups if g.gid),
                 frozenset(st.name for st in sts if isinstance(st, InstanceNode)),
                 frozenset([p.name for p in pls] + [p.pl_id for p in pls if p.pl_id]),
                 frozenset([p.name for p in prls] + [p.pl_id for p in prls if p.pl_id]))


def _import(spec: LoadedSpec, limits: Limits, values: InputValues) -> None:
    """Read the spec's imports as one run (references may cross imported files)."""
    result = import_files([ImportRequest(path, st.fmt, st.span) for path, st in spec.imports],
                          known_names(spec.documents), limits, values)
    spec.imported = result
    spec.documents.extend(result.documents)
    spec.sources.update(result.sources)
    spec.diagnostics.extend(result.diagnostics)


def load_policy(path: str, *, root: str | None = None, allow_outside: bool = False,
                limits: Limits = Limits(), imports: Sequence[str] = (),
                values: InputValues = InputValues()) -> SpecReport:
    """Read, parse and resolve one spec (with ``imports`` beside its own, see
    ``load_spec``; ``values`` for the files it imports); ``policy`` is None if there were
    errors."""
    return load_policy_and_spec(path, root=root, allow_outside=allow_outside, limits=limits,
                                imports=imports, values=values)[0]


def load_policy_and_spec(path: str, *, root: str | None = None, allow_outside: bool = False,
                         limits: Limits = Limits(), imports: Sequence[str] = (),
                         values: InputValues = InputValues()
                         ) -> tuple[SpecReport, LoadedSpec]:
    """``load_policy``, and the spec it read (its syntax documents: the language server
    finds names and places in them)."""
    report = SpecReport(path)
    with paused_gc():
        spec = load_spec(path, root=root, allow_outside=allow_outside, limits=limits,
                         imports=imports, values=values)
        report.sources = spec.sources
        report.real_paths = spec.real_paths
        report.imported = spec.imported is not None
        report.diagnostics.extend(spec.diagnostics)
        if report.has_errors:
            return report, spec
        policy, diags = resolve(spec.documents)
    report.diagnostics.extend(diags)
    if not report.has_errors:
        report.policy = policy
    return report, spec


@dataclass
class LoadedPolicy:
    """The resolved policy (``report.policy`` None after errors), the groups that were read
    with their rules (the default interface of ``explain``) and interface aliases."""

    report: SpecReport
    interface_groups: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)


def load_inputs(paths: Sequence[str], fmt: str | None = None,
                allow_outside: bool = False, values: InputValues = InputValues(),
                progress: Progress | None = None) -> LoadedPolicy:
    """Every path together as one policy: one .sgv spec alone loads as ``load_policy``
    does; otherwise the .sgv files load as usual (with their own imports), the other files
    are imported as one run that knows what the specs define, and everything is resolved
    as one spec. A missing path is E004. ``values``: Terraform variables and ROS
    parameters the user gives; ``progress`` is told as the cloud files are read."""
    paths = list(paths)
    if len(paths) == 1 and paths[0].endswith(".sgv") and fmt is None and \
            not os.path.isdir(paths[0]) and os.path.exists(paths[0]):
        rep = load_policy(paths[0], allow_outside=allow_outside, values=values)
        loaded = LoadedPolicy(rep)
        if rep.policy is not None:
            loaded.interface_groups = [g.name for g in rep.policy.groups]
        return loaded
    with paused_gc():  # reading makes many objects and no cycles (core.files.paused_gc)
        return _load_inputs(paths, fmt, allow_outside, values, progress)


def _load_inputs(paths: list[str], fmt: str | None, allow_outside: bool,
                 values: InputValues, progress: Progress | None) -> LoadedPolicy:
    report = SpecReport(paths[0] if paths else "")
    out = LoadedPolicy(report)
    for p in paths:
        if not is_live_uri(p) and not os.path.exists(p):
            reason = missing_reason(p)
            report.diagnostics.append(file_problem(
                "E004", p, "no such file or folder" if reason == "no such file" else reason))
    if report.has_errors:
        return out
    files, diags = expand_paths(paths, specs=True)
    # A spec that another given spec includes, and a data file that one imports, are read
    # through it: read again, everything in them would be defined twice.
    specs = [f for f in files if f.endswith(".sgv")]
    through = set(includers(specs)) | imported_files(specs)
    files = [f for f in files if os.path.realpath(f) not in through]
    report.path = files[0] if files else report.path
    report.diagnostics.extend(diags)
    documents: list[Document] = []
    for path in [f for f in files if f.endswith(".sgv")]:
        spec = load_spec(path, allow_outside=allow_outside, values=values)
        documents += spec.documents
        report.sources.update(spec.sources)
        report.diagnostics.extend(spec.diagnostics)
        if spec.imported is not None:
            out.interface_groups += spec.imported.interface_groups
            out.aliases.update(spec.imported.aliases)
    data = [f for f in files if not f.endswith(".sgv")]
    if data:
        result = import_files([ImportRequest(f, fmt) for f in data], known_names(documents),
                              values=values, progress=progress)
        documents += result.documents
        report.sources.update(result.sources)
        report.diagnostics.extend(result.diagnostics)
        out.interface_groups += result.interface_groups
        out.aliases.update(result.aliases)
    if report.has_errors:
        return out
    if not documents:
        report.diagnostics.append(Diagnostic.make("E004", "nothing to read: no group was found in "
                                                  + ", ".join(paths)))
        return out
    policy, rdiags = resolve(documents)
    report.diagnostics.extend(rdiags)
    if not report.has_errors:
        report.policy = policy
    if not out.interface_groups and report.policy is not None:
        out.interface_groups = [g.name for g in report.policy.groups]
    return out
