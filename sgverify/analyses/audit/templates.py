"""Control templates: .sgv assertions about ``each group`` / ``each interface``.

A control file is a .sgv file whose first lines are ``# key: value`` headers (``control``,
``severity``, ``rationale``; optional ``title``, ``select``, ``references``) and whose
statements are flow assertions with the placeholder target:

    # control: ORG001
    # severity: high
    # rationale: mail relays are run by the mail team only
    assert each interface: ingress tcp 25 from internet is denied

The placeholder becomes a stand-in group of the same length (so that columns in messages
stay right); the assertions are resolved once against the inventory's names (groups,
instances, address sets, prefix lists, without their rules), then aimed at each subject.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ...core.addresses import AddrSpace
from ...core.diagnostics import Diagnostic, InputError, Span
from ...core.files import Limits, display_path, read_text
from ...core.model import FlowAssertion, FlowSet, GroupKey, GroupType, Policy
from ...lang.build import build_document
from ...lang.resolve import resolve
from ...lang.syntax import (
    AddressSetNode,
    AssertNode,
    Document,
    GroupNode,
    InstanceNode,
    PeerNode,
    PrefixListNode,
)
from .controls import ASSERT, SEVERITIES, Control

PLACEHOLDER = re.compile(r"(\bassert\s+)(each\s+group\s+or\s+interface|each\s+group|each\s+interface)"
                         r"(\s*:)")
HEADER = re.compile(r"^\s*#\s*([A-Za-z-]+)\s*:\s*(.*?)\s*$")
HEADER_KEYS = ("control", "severity", "rationale", "title", "select", "references")
GROUP, INTERFACE = "group", "interface"


class ControlError(Exception):
    """A control file or setting that cannot be used; ``diagnostics`` say where."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass(frozen=True)
class Template:
    """One assertion of a control, resolved with a stand-in target."""

    control: Control
    text: str                      # as written, with the placeholder
    scope: frozenset[str]          # GROUP and/or INTERFACE
    assertion: FlowAssertion
    hole: GroupKey


def _hole(match: re.Match[str]) -> tuple[str, frozenset[str], str]:
    words = match.group(2).split()
    scope = frozenset({GROUP, INTERFACE}) if len(words) > 2 else frozenset({words[1]})
    name = ("_sgv_each" + "_" * 40)[:len(match.group(2)) - len("group ")]
    return name, scope, match.group(1) + "group " + name + match.group(3)


def substitute(text: str) -> tuple[str, dict[str, frozenset[str]]]:
    """The template text with placeholders replaced; stand-in name -> scope."""
    holes: dict[str, frozenset[str]] = {}

    def repl(m: re.Match[str]) -> str:
        name, scope, out = _hole(m)
        holes[name] = holes.get(name, frozenset()) | scope
        return out
    return PLACEHOLDER.sub(repl, text), holes


# ---------------------------------------------------------------- control files


def read_control(path: str) -> Control:
    """A custom control from a template file; ControlError when it is not one."""
    shown = display_path(path)
    try:
        text = read_text(path, shown, Limits())
    except InputError as exc:
        raise ControlError(f"{shown}: cannot read this control", exc.diagnostics) from None
    headers: dict[str, str] = {}
    lines = text.splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        m = HEADER.match(line)
        if not m:
            break
        key = m.group(1).lower()
        if key not in HEADER_KEYS:
            raise ControlError(f"{shown}:{n}: unknown header '{key}' (known: {', '.join(HEADER_KEYS)})")
        if key in headers:
            raise ControlError(f"{shown}:{n}: header '{key}' given twice")
        headers[key] = m.group(2)
    for key in ("control", "severity", "rationale"):
        if not headers.get(key):
            raise ControlError(f"{shown}: a control file needs a '# {key}: ...' header line at the top")
    cid = headers["control"]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", cid):
        raise ControlError(f"{shown}: control id '{cid}' must be a name (letters, digits, . _ -)")
    severity = headers["severity"].lower()
    if severity not in SEVERITIES:
        raise ControlError(f"{shown}: severity '{headers['severity']}' is not one of "
                           f"{', '.join(SEVERITIES)}")
    body, holes = substitute(text)
    doc, diags = build_document(body, shown)
    errors = [d for d in diags if d.is_error]
    if errors:
        raise ControlError(f"{shown}: this control does not parse", errors)
    asserts = [st for st in doc.statements if isinstance(st, AssertNode)]
    others = [st for st in doc.statements if not isinstance(st, AssertNode)]
    if others:
        span = getattr(others[0], "span", None)
        raise ControlError(f"{span or shown}: a control file holds only assertions about "
                           "'each group' / 'each interface' (define groups in the inventory)")
    if not asserts:
        raise ControlError(f"{shown}: no assertion; write for example "
                           "'assert each interface: ingress tcp 25 from internet is denied'")
    texts = []
    for a in asserts:
        if a.kind != "flow" or a.target.kind != "group" or a.target.names[0][0] not in holes:
            raise ControlError(f"{a.span or shown}: each assertion of a control is about "
                               "'each group', 'each interface' or 'each group or interface', "
                               "followed by ':' and a flow set")
        if a.label:
            raise ControlError(f"{a.span or shown}: assertions of a control take no label (the "
                               "control id names them)")
        texts.append(_line(text, a.span))
    select = tuple(s.strip() for s in headers.get("select", "").split(",") if s.strip())
    refs = tuple(s.strip() for s in headers.get("references", "").split(";") if s.strip())
    return Control(cid, cid.lower(), severity, headers.get("title") or headers["rationale"],
                   headers["rationale"], tuple(texts), select, ASSERT, refs, shown)


def _line(text: str, span: Span | None) -> str:
    """The source text of a statement (single- or multi-line) as written."""
    if span is None:
        return ""
    lines = text.splitlines()
    chunk = lines[span.line - 1:(span.end_line or span.line)]
    if len(chunk) == 1:
        return chunk[0][span.col - 1:(span.end_col - 1) if span.end_col else None].strip()
    chunk[0] = chunk[0][span.col - 1:]
    chunk[-1] = chunk[-1][:(span.end_col - 1) if span.end_col else None]
    return " ".join(" ".join(chunk).split())


def find_controls(paths: list[str]) -> list[str]:
    """Control files named or found (recursively, sorted) under folders, each once (a file
    named twice, or inside a folder also named, is read once)."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, n) for n in sorted(names) if n.endswith(".sgv")]
        elif os.path.exists(path):
            found.append(path)
        else:
            raise ControlError(f"{path}: no such control file or folder")
    out, seen = [], set()
    for f in found:
        real = os.path.realpath(f)
        if real not in seen:
            seen.add(real)
            out.append(f)
    return out


# ---------------------------------------------------------------- resolution


def stub_documents(policy: Policy) -> list[Document]:
    """What a flow set can name, from a resolved policy: groups (without rules),
    instances, address sets and known prefix lists."""
    statements: list[object] = []
    for g in policy.groups:
        statements.append(GroupNode(g.name, g.network, g.gtype,
                                    g.intra if g.gtype is GroupType.BASIC else None,
                                    g.owner, g.gid, g.tags, g.description, ()))
    for inst in policy.instances:
        statements.append(InstanceNode(inst.name, _peers(inst.private.cidrs()),
                                       _peers(inst.public.cidrs()),
                                       tuple((g.name, None) for g in inst.groups), inst.iid))
    for name, space in policy.address_sets:
        statements.append(AddressSetNode(name, _peers(space.cidrs())))
    for name, entries in policy.prefix_lists:
        statements.append(PrefixListNode(name, None, None if entries is None else _peers(entries.cidrs())))
    return [Document("<inventory names>", tuple(statements))]  # type: ignore[arg-type]


def _peers(cidrs: list[str]) -> tuple[PeerNode, ...]:
    return tuple(PeerNode("cidr", c, addresses=AddrSpace.parse(c)) for c in cidrs)


def instantiate(controls: list[tuple[Control, list[str]]], policy: Policy,
                sources: dict[str, str]) -> list[Template]:
    """Resolve the template texts of each control (``(control, texts)``, parameters
    already filled in) against ``policy``'s names. ``sources`` receives the text of
    every generated document, for messages."""
    docs = stub_documents(policy)
    pending: list[tuple[Control, str, frozenset[str], AssertNode]] = []
    holes_all: dict[str, frozenset[str]] = {}
    for control, texts in controls:
        origin = control.source if control.source != "built-in" else f"<control {control.id}>"
        body, holes = substitute("\n".join(texts) + "\n")
        doc, diags = build_document(body, origin)
        errors = [d for d in diags if d.is_error]
        if errors:
            sources[origin] = body
            raise ControlError(f"control {control.id} does not parse", errors)
        asserts = [st for st in doc.statements if isinstance(st, AssertNode)]
        if len(asserts) != len(texts):
            raise ControlError(f"control {control.id}: expected {len(texts)} assertions")
        for text, a in zip(texts, asserts):
            name = a.target.names[0][0]
            if name not in holes:
                raise ControlError(f"control {control.id}: '{text}' is not about 'each group' or "
                                   "'each interface'")
            pending.append((control, text, holes[name], a))
        holes_all.update(holes)
        docs.append(Document(origin, tuple(asserts)))
        sources.setdefault(origin, body)
    stubs = tuple(GroupNode(name) for name in holes_all)
    taken = {g.name for g in policy.groups}
    clash = [n for n in holes_all if n in taken]
    if clash:
        raise ControlError(f"the inventory defines a group named {clash[0]}, which control "
                           "templates reserve")
    resolved, diags = resolve(docs + [Document("<placeholders>", stubs)])  # type: ignore[arg-type]
    errors = [d for d in diags if d.is_error]
    if errors:
        raise ControlError("a control names something the inventory does not define", errors)
    flows = [a for a in resolved.assertions if isinstance(a, FlowAssertion)]
    if len(flows) != len(pending):
        raise ControlError("a control template did not resolve to one flow assertion each")
    hole_keys = {GroupKey("", n) for n in holes_all}
    out = []
    for (control, text, scope, _node), fa in zip(pending, flows):
        if _keys(fa.flows) & hole_keys or (fa.only is not None and _keys(fa.only) & hole_keys):
            raise ControlError(f"control {control.id}: 'each group' / 'each interface' may only be "
                               "the assertion's target")
        out.append(Template(control, text, scope, fa, next(iter(fa.target.group_keys))))
    return out


def _keys(fs: FlowSet) -> set[GroupKey]:
    keys: set[GroupKey] = set(fs.peer_groups or ())
    for terms in (fs.src, fs.dst):
        for t in terms or ():
            if t.member_of is not None:
                keys.add(t.member_of)
            keys |= t.groups_exactly or set()
    return keys


__all__ = [
    "GROUP",
    "INTERFACE",
    "ControlError",
    "Template",
    "find_controls",
    "instantiate",
    "read_control",
    "stub_documents",
    "substitute",
]
