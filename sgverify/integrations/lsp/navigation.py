"""Names and places in .sgv documents: every definition and reference of a group,
instance, address set, prefix list and port list, the labels of rules and assertions, and
includes, read from the syntax documents of the last analysis (so across included files).
Answers go to the editor as plain protocol dicts: definition, references, the outline
(document symbols) and workspace symbols.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from ...core.diagnostics import InputError, Span
from ...core.files import display_path
from ...lang.build import build_document
from ...lang.syntax import (
    AddressSetNode,
    AssertNode,
    Document,
    FlowSetNode,
    GroupNode,
    ImportNode,
    IncludeNode,
    InstanceNode,
    PeerNode,
    PortListNode,
    PrefixListNode,
    RuleNode,
    TargetNode,
)
from .diagnostics import character_column, lsp_range
from .documents import Workspace

_PEER_KIND = {"set": "addresses", "group": "group", "prefix-list": "prefix-list",
              "instance": "instance"}
# LSP SymbolKind numbers.
_SYMBOL_KIND = {"group": 5, "instance": 19, "addresses": 14, "prefix-list": 18,
                "port-list": 18, "assertion": 12, "rule": 6, "include": 2, "import": 2}
_WORD = r"(?<![A-Za-z0-9_.\-]){}(?![A-Za-z0-9_.\-])"


@dataclass(frozen=True)
class Name:
    """One occurrence of a name: ``kind`` group, instance, addresses, prefix-list,
    port-list, target (a group or an instance, as assertion targets are read), rule,
    assertion, include or import; ``span`` is the name itself, ``whole`` the statement of
    a definition; ``parent`` the group of a rule."""

    kind: str
    name: str
    span: Span
    definition: bool = False
    whole: Span | None = None
    parent: str | None = None


def _offset(text: str, line: int, col: int) -> int:
    pos = 0
    for _ in range(line - 1):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos + col - 1


def name_span(sources: dict[str, str], span: Span | None, name: str) -> Span | None:
    """The place of ``name`` in the text of ``span`` (its first whole-word occurrence)."""
    if span is None or span.line == 0 or not name:
        return None
    text = sources.get(span.path)
    if text is None:
        return None
    start = _offset(text, span.line, span.col)
    end = _offset(text, span.end_line, span.end_col) if span.end_line else len(text)
    m = re.compile(_WORD.format(re.escape(name))).search(text, start, max(end, start))
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    return Span(span.path, line, col, line, col + len(name))


class Index:
    """Every name occurrence of some documents."""

    def __init__(self, documents: Iterable[Document], sources: dict[str, str]) -> None:
        self.sources = sources
        self.names: list[Name] = []
        for doc in documents:
            for st in doc.statements:
                self._statement(st)

    def _add(self, kind: str, name: str, span: Span | None, within: bool = True,
             definition: bool = False, whole: Span | None = None,
             parent: str | None = None) -> None:
        at = name_span(self.sources, span, name) if within else span
        if at is not None:
            self.names.append(Name(kind, name, at, definition, whole, parent))

    def _peers(self, peers: Iterable[PeerNode] | None) -> None:
        for p in peers or ():
            if p.kind == "except":
                self._peers(p.children)
            elif p.kind in _PEER_KIND and p.account is None:
                self._add(_PEER_KIND[p.kind], p.name, p.span)

    def _flows(self, f: FlowSetNode | None) -> None:
        if f is not None:
            self._peers(f.src)
            self._peers(f.dst)
            self._peers(f.peer_groups)

    def _target(self, t: TargetNode | None) -> None:
        if t is None:
            return
        kind = {"group": "group", "groups": "group", "instance": "instance"}.get(t.kind, "target")
        for name, span in t.names:
            if name != "internet" or t.kind != "internet":
                self._add(kind, name, span, within=False)

    def _statement(self, st: object) -> None:
        if isinstance(st, GroupNode):
            self._add("group", st.name, st.span, definition=True, whole=st.span)
            for r in st.rules:
                self._rule(r, st.name)
        elif isinstance(st, InstanceNode):
            self._add("instance", st.name, st.span, definition=True, whole=st.span)
            for name, span in st.groups:
                self._add("group", name, span, within=False)
        elif isinstance(st, AddressSetNode):
            self._add("addresses", st.name, st.span, definition=True, whole=st.span)
            self._peers(st.peers)
        elif isinstance(st, PrefixListNode):
            self._add("prefix-list", st.name, st.span, definition=True, whole=st.span)
            self._peers(st.peers)
        elif isinstance(st, PortListNode):
            self._add("port-list", st.name, st.span, definition=True, whole=st.span)
        elif isinstance(st, (IncludeNode, ImportNode)):
            word = "include" if isinstance(st, IncludeNode) else "import"
            if st.span is not None:
                self.names.append(Name(word, st.path, st.span, True, st.span))
        elif isinstance(st, AssertNode):
            if st.label:
                self._add("assertion", st.label, st.span, definition=True, whole=st.span)
            self._target(st.target)
            self._target(st.other)
            self._flows(st.flows)
            self._flows(st.only)

    def _rule(self, r: RuleNode, group: str) -> None:
        if r.label:
            self._add("rule", r.label, r.span, definition=True, whole=r.span, parent=group)
        elif r.span is not None:  # an unlabelled rule is still in the outline, by its text
            self.names.append(Name("rule", r.text or "rule", r.span, True, r.span, group))
        self._peers(r.src)
        self._peers(r.dst)
        if r.port_list and r.span is not None:
            text = self.sources.get(r.span.path, "")
            start = _offset(text, r.span.line, r.span.col)
            m = re.compile(r"port-list\s+" + re.escape(r.port_list)).search(text, start)
            if m is not None:
                self._add("port-list", r.port_list,
                          Span(r.span.path, *_line_col(text, m.start()), *_line_col(text, m.end())))

    def definitions(self, kind: str, name: str) -> list[Name]:
        kinds = {"group", "instance"} if kind == "target" else {kind}
        if kind in ("group", "instance"):
            kinds.add(kind)
        return [n for n in self.names if n.definition and n.kind in kinds and n.name == name]

    def references(self, kind: str, name: str) -> list[Name]:
        same = {kind, "target"} if kind in ("group", "instance") else {kind}
        if kind == "target":
            same = {"target", *{d.kind for d in self.definitions("target", name)}}
        return [n for n in self.names if n.kind in same and n.name == name]


def _line_col(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


# ---------------------------------------------------------------- finding what is at a place


def documents_of(ws: Workspace, path: str) -> tuple[list[Document], dict[str, str], Callable[[str], str]]:
    """The documents (and their texts) that ``path`` is read in: those of the last analysis
    that read it, else the file alone, parsed now. Also how their shown paths map to real
    paths."""
    real = os.path.realpath(path)
    a = ws.analysis_of(real)
    if a is not None and real in {a.real_of(s) for s in a.report.sources}:
        current = ws.open.get(real)
        shown = next(s for s in a.report.sources if a.real_of(s) == real)
        if current is None or a.report.sources.get(shown) == current:
            return a.documents, a.report.sources, a.real_of
    text = ws.text_of(real) or ""
    shown = display_path(real)
    try:
        doc, _ = build_document(text, shown)
    except InputError:
        return [], {shown: text}, lambda s: os.path.realpath(s)
    return [doc], {shown: text}, lambda s: real if s == shown else os.path.realpath(s)


def _contains(span: Span, line: int, col: int) -> bool:
    end_line = span.end_line or span.line
    end_col = span.end_col or span.col + 1
    return (span.line, span.col) <= (line, col) <= (end_line, end_col)


def located(ws: Workspace, path: str, line: int, character: int) -> tuple[Name | None, Index, Callable[[str], str]]:
    """The name at a protocol position (0-based line, UTF-16 column) of ``path``."""
    docs, sources, real_of = documents_of(ws, path)
    index = Index(docs, sources)
    real = os.path.realpath(path)
    shown = next((s for s in sources if real_of(s) == real), None)
    if shown is None:
        return None, index, real_of
    rows = sources[shown].split("\n")
    col = character_column(rows[line], character) + 1 if line < len(rows) else character + 1
    hits = [n for n in index.names if n.span.path == shown and _contains(n.span, line + 1, col)
            and not (n.kind == "rule" and n.span == n.whole)]  # an unlabelled rule: no name
    hits.sort(key=lambda n: (n.span.end_line - n.span.line, n.span.end_col - n.span.col))
    return (hits[0] if hits else None), index, real_of


def _location(n: Name, index: Index, real_of: Callable[[str], str],
              uri_of: Callable[[str], str]) -> dict[str, Any]:
    return {"uri": uri_of(real_of(n.span.path)),
            "range": lsp_range(n.span, index.sources.get(n.span.path))}


def definition(ws: Workspace, path: str, line: int, character: int,
               uri_of: Callable[[str], str]) -> list[dict[str, Any]] | None:
    """Where the name at the position is defined (for an include: the file it names)."""
    n, index, real_of = located(ws, path, line, character)
    if n is None:
        return None
    if n.kind in ("include", "import"):
        target = os.path.normpath(os.path.join(os.path.dirname(real_of(n.span.path)), n.name))
        zero = {"line": 0, "character": 0}
        return [{"uri": uri_of(os.path.realpath(target)), "range": {"start": zero, "end": zero}}]
    return [_location(d, index, real_of, uri_of) for d in index.definitions(n.kind, n.name)] or None


def references(ws: Workspace, path: str, line: int, character: int,
               uri_of: Callable[[str], str], include_declaration: bool = True
               ) -> list[dict[str, Any]] | None:
    """Every occurrence of the name at the position, in every file its spec reads."""
    n, index, real_of = located(ws, path, line, character)
    if n is None or n.kind in ("include", "import"):
        return None
    found = [r for r in index.references(n.kind, n.name)
             if include_declaration or not r.definition]
    return [_location(r, index, real_of, uri_of) for r in found]


# ---------------------------------------------------------------- outline and workspace symbols


def _symbol(n: Name, sources: dict[str, str]) -> dict[str, Any]:
    text = sources.get(n.span.path)
    label = n.name if n.kind not in ("include", "import") else f'{n.kind} "{n.name}"'
    out: dict[str, Any] = {"name": label, "kind": _SYMBOL_KIND[n.kind],
                           "range": lsp_range(n.whole or n.span, text),
                           "selectionRange": lsp_range(n.span, text)}
    detail = {"addresses": "address set", "assertion": "assert"}.get(n.kind, n.kind)
    out["detail"] = detail
    return out


def document_symbols(ws: Workspace, path: str) -> list[dict[str, Any]]:
    """The outline of ``path``: its definitions in order, a group's rules under it."""
    docs, sources, real_of = documents_of(ws, path)
    real = os.path.realpath(path)
    index = Index([d for d in docs if real_of(d.path) == real], sources)
    out: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for n in index.names:
        if not n.definition:
            continue
        sym = _symbol(n, sources)
        if n.kind == "rule" and n.parent in groups:
            groups[n.parent].setdefault("children", []).append(sym)
            continue
        if n.kind == "group":
            groups[n.name] = sym
        out.append(sym)
    return out


def _workspace_names(ws: Workspace) -> Iterator[tuple[Name, dict[str, str], Callable[[str], str]]]:
    seen: set[tuple[str, int, int]] = set()
    for f in sorted(ws.files()):
        docs, sources, real_of = documents_of(ws, f)
        for n in Index([d for d in docs if real_of(d.path) == f], sources).names:
            key = (real_of(n.span.path), n.span.line, n.span.col)
            if n.definition and n.kind not in ("include", "import") and key not in seen:
                seen.add(key)
                yield n, sources, real_of


def workspace_symbols(ws: Workspace, query: str, uri_of: Callable[[str], str],
                      limit: int = 500) -> list[dict[str, Any]]:
    """Definitions in every .sgv file of the workspace whose name contains ``query``."""
    q = query.lower()
    out = []
    for n, sources, real_of in _workspace_names(ws):
        if q in n.name.lower() and (n.kind != "rule" or n.span != n.whole):
            out.append({"name": n.name, "kind": _SYMBOL_KIND[n.kind],
                        "location": {"uri": uri_of(real_of(n.span.path)),
                                     "range": lsp_range(n.span, sources.get(n.span.path))},
                        **({"containerName": f"group {n.parent}"} if n.parent else {})})
            if len(out) >= limit:
                break
    return out
