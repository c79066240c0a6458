"""Reading a .sgv spec and its includes: each file read safely (``core.files``), includes
relative to the including file, confined to the project folder, cycles refused, a file
reached twice read once. The ``import`` statements are collected for the loader (``load``),
which reads the cloud exports they name after the .sgv files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..core.diagnostics import Diagnostic, InputError, Span
from ..core.files import (
    Limits,
    display_path,
    in_force,
    is_live_uri,
    missing_reason,
    normalise_line_ends,
    project_root,
    raise_hint,
    read_text,
)
from .syntax import Document, GroupNode, ImportNode, IncludeNode


@dataclass
class LoadedSpec:
    """The documents of one spec (top file first, then includes), their texts by shown
    path (for caret lines), and the value diagnostics (warnings and errors) of building.
    ``imports``: the cloud exports its ``import`` statements name, for the loader."""

    documents: list[Document] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    real_paths: dict[str, str] = field(default_factory=dict)  # shown path -> real path read
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rules: int = 0
    imports: list[tuple[str, ImportNode]] = field(default_factory=list)
    imported: Any = None  # the cloud ImportResult of those imports, once the loader read them


def read_spec(path: str, root: str | None = None, allow_outside: bool = False,
              limits: Limits = Limits()) -> LoadedSpec:
    """Read ``path`` and everything it includes. Every problem (unreadable file, syntax,
    bad value, include) is a diagnostic; check for errors before resolving."""
    # lazy: lark only when a file is read (the cached gate reads none)
    from .build import build_document

    limits = in_force(limits)  # raised by --input-limit or sgverify.toml (core.files.raised_limits)
    spec = LoadedSpec()
    top = os.path.abspath(path)
    if root is None:
        root = project_root(top)
    root_real = os.path.realpath(root)
    errors: list[Diagnostic] = []

    def visit(file: str, chain: tuple[str, ...], at: Span | None) -> None:
        shown = display_path(file)
        real = os.path.realpath(file)
        if real in chain:
            cycle = " -> ".join(display_path(p) for p in chain[chain.index(real):] + (real,))
            errors.append(Diagnostic.make("E113", f"include cycle: {cycle}", at))
            return
        if len(chain) > limits.max_include_depth:
            errors.append(Diagnostic.make(
                "E005", f"includes nested deeper than {limits.max_include_depth}"
                f"{raise_hint('include-depth')}", at))
            return
        if any(d.path == shown for d in spec.documents):
            return  # included twice (diamond): read once
        if len(spec.documents) >= limits.max_files:
            errors.append(Diagnostic.make("E005", f"more than {limits.max_files} files"
                                          f"{raise_hint('files')}", at))
            return
        try:
            text = normalise_line_ends(read_text(file, shown, limits, at))
            spec.sources[shown] = text
            spec.real_paths[shown] = real
            doc, diags = build_document(text, shown)
        except InputError as exc:
            errors.extend(exc.diagnostics)
            return
        spec.documents.append(doc)
        spec.diagnostics.extend(diags)
        spec.rules += sum(len(st.rules) for st in doc.statements if isinstance(st, GroupNode))
        if spec.rules > limits.max_rules:
            errors.append(Diagnostic.make(
                "E005", f"more than {limits.max_rules} rules in this spec (with its includes)"
                f"{raise_hint('rules')}", at))
            return
        for st in doc.statements:
            if isinstance(st, (IncludeNode, ImportNode)):
                word = "include" if isinstance(st, IncludeNode) else "import"
                if isinstance(st, ImportNode) and is_live_uri(st.path):
                    if (st.path, st.fmt) not in {(p, i.fmt) for p, i in spec.imports}:
                        spec.imports.append((st.path, st))  # pulled by the loader
                    continue
                target = os.path.normpath(os.path.join(os.path.dirname(file), st.path))
                target_real = os.path.realpath(target)
                if not allow_outside and not (target_real + os.sep).startswith(root_real + os.sep):
                    errors.append(Diagnostic.make(
                        "E114", f"{word} \"{st.path}\" points outside the project folder "
                        f"{os.path.abspath(root)} (use --allow-outside-includes to permit it)",
                        st.span))
                    continue
                if not os.path.exists(target):
                    errors.append(Diagnostic.make(
                        "E114", f"{word} \"{st.path}\": {missing_reason(target)} "
                        f"({display_path(target)})",
                        st.span))
                    continue
                if isinstance(st, ImportNode):
                    if (target_real, st.fmt) not in {(os.path.realpath(p), i.fmt)
                                                     for p, i in spec.imports}:
                        spec.imports.append((target, st))
                    continue
                visit(target, chain + (real,), st.span)  # noqa: F821 (del below)

    visit(top, (), None)
    # ``visit`` refers to itself through its closure: a cycle holding ``spec`` (every syntax
    # node and source text) that only the cycle collector frees, and the loader freezes what
    # it made out of the collector's reach (core.files.paused_gc). Cut, it is freed at once.
    del visit
    spec.diagnostics = errors + spec.diagnostics
    return spec


