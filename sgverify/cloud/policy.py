"""Load a policy from any mix of inputs: .sgv specs and cloud exports, resolved together.

This is what ``explain`` and ``export`` use for their POLICY arguments: .sgv files load as
usual (with their own imports); other files are imported as one run that knows what the
specs define; everything is then resolved as one spec.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..api import SpecReport
from ..core.diagnostics import Diagnostic
from ..load import file_problem, load_spec, missing_reason, paused_gc
from ..lang.resolve import resolve
from ..lang.syntax import Document, GroupNode, InstanceNode, PortListNode, PrefixListNode
from .importer import ImportRequest, Known, expand_paths, import_files


@dataclass
class LoadedPolicy:
    """The resolved policy (``report.policy`` None after errors), the groups that were read
    with their rules (the default interface of ``explain``) and interface aliases."""

    report: SpecReport
    interface_groups: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)


def _known(documents: list[Document]) -> Known:
    sts = [st for d in documents for st in d.statements]
    groups = [st for st in sts if isinstance(st, GroupNode)]
    pls = [st for st in sts if isinstance(st, PrefixListNode)]
    prls = [st for st in sts if isinstance(st, PortListNode)]
    return Known(frozenset(g.name for g in groups), frozenset(g.gid for g in groups if g.gid),
                 frozenset(st.name for st in sts if isinstance(st, InstanceNode)),
                 frozenset([p.name for p in pls] + [p.pl_id for p in pls if p.pl_id]),
                 frozenset([p.name for p in prls] + [p.pl_id for p in prls if p.pl_id]))


def load_inputs(paths: list[str], fmt: str | None = None, allow_outside: bool = False) -> LoadedPolicy:
    with paused_gc():  # reading makes many objects and no cycles (load.paused_gc)
        return _load_inputs(paths, fmt, allow_outside)


def _load_inputs(paths: list[str], fmt: str | None, allow_outside: bool) -> LoadedPolicy:
    files, diags = expand_paths(paths)
    report = SpecReport(files[0] if files else (paths[0] if paths else ""))
    report.diagnostics.extend(diags)
    out = LoadedPolicy(report)
    documents: list[Document] = []
    for path in [f for f in files if f.endswith(".sgv")]:
        spec = load_spec(path, allow_outside=allow_outside)
        documents += spec.documents
        report.sources.update(spec.sources)
        report.diagnostics.extend(spec.diagnostics)
        if spec.imported is not None:
            out.interface_groups += spec.imported.interface_groups
            out.aliases.update(spec.imported.aliases)
    data = [f for f in files if not f.endswith(".sgv")]
    if data:
        missing = [f for f in data if not os.path.exists(f)]
        for f in missing:
            report.diagnostics.append(file_problem("E004", f, missing_reason(f)))
        result = import_files([ImportRequest(f, fmt) for f in data if f not in missing],
                              _known(documents))
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
