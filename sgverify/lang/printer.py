"""Syntax nodes -> .sgv text: the printer behind ``sgverify import`` and rule texts of
imported rules.

The output is canonical (one spelling per construct, clauses in a fixed order) and parses
back to equal nodes: ``build_document(format_document(doc))`` gives the same statements
(spans aside; ``text`` fields hold the canonical spelling). Long peer lists are wrapped
after commas so that no line comes near the 20,000-character limit.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Sequence

from ..core.model import PORT_PROTOCOLS, PROTOCOL_NAMES, Check, GroupType, Nic, PortRange
from .syntax import (
    AddressSetNode,
    AssertNode,
    Document,
    FlowSetNode,
    GroupNode,
    ImportNode,
    IncludeNode,
    InstanceNode,
    OptionNode,
    PeerNode,
    PortListNode,
    PrefixListNode,
    RuleNode,
    ServiceNode,
    Statement,
    TargetNode,
)

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
INT_RE = re.compile(r"[0-9]+")
WRAP = 100  # wrap peer lists of printed rules at about this many characters

# Words of the language (docs/language.md section 13, plus 'import', 'as', 'aws'): never
# printed as bare names where a string may stand instead.
RESERVED = frozenset("""
accept addresses advanced all allow allowed any as assert aws basic can cannot classic deny
denied description drop eni egress enterprise equivalent except for forbid from gre group
groups icmp icmpv6 id import include inbound ingress inner instance interface internet
intranet intra ip ipv4 ipv6 is more nic no none normal on only option or outbound owner
partly peer-groups permissive port port-list prefix-list priority proto public reach reachable
reaches source-port tag tcp than to udp unreachable vpc
""".split())


class FormatError(ValueError):
    """A node holds a value that .sgv cannot spell (for example a name with spaces)."""


def is_name(text: str) -> bool:
    """Can ``text`` stand where the grammar wants a NAME (and is not a keyword)?"""
    return bool(NAME_RE.fullmatch(text)) and text.lower() not in RESERVED


def quote(text: str) -> str:
    """A .sgv string literal that reads back as ``text``: control, format (bidi overrides,
    zero-width) and line-separator characters are written as ``\\uXXXX`` escapes, so the
    line stays one line and shows what it holds."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    if not out.isprintable():  # Cc, Cf, Cs, Co, Cn, and separators other than ' '
        out = "".join(_escape(c) for c in out)
    return '"' + out + '"'


def _escape(c: str) -> str:
    if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return c
    return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"


def ident(text: str) -> str:
    """An id, owner or option value: bare when it is a plain name or number, else quoted."""
    return text if is_name(text) or INT_RE.fullmatch(text) else quote(text)


def name(text: str) -> str:
    if not NAME_RE.fullmatch(text):
        raise FormatError(f"'{text}' cannot be written as a .sgv name (letters, digits, _ . -)")
    return text


# ---------------------------------------------------------------- pieces


def format_ports(ports: Iterable[PortRange]) -> str:
    return ", ".join(str(p) for p in ports)


def format_peer(p: PeerNode) -> str:
    if p.kind == "cidr":
        return p.text
    if p.kind == "set":
        return name(p.name)
    if p.kind in ("internet", "any"):
        return p.kind
    if p.kind == "group":
        if p.account is not None:
            ref = f"{p.account}/{p.name}"
            if not re.fullmatch(r"[0-9A-Za-z_.@\-]+/[A-Za-z0-9_.\-]+", ref):
                raise FormatError(f"group reference '{ref}' cannot be written in .sgv")
            return f"group {ref}"
        return f"group {name(p.name)}"
    if p.kind == "prefix-list":
        return f"prefix-list {name(p.name)}"
    if p.kind == "instance":
        return f"instance {name(p.name)}"
    if p.kind == "except":
        return "except " + ", ".join(format_peer(c) for c in p.children)
    raise FormatError(f"unknown peer kind {p.kind!r}")


def format_peers(peers: Iterable[PeerNode], indent: str | None = None) -> str:
    """A peer list; with ``indent``, long lists are wrapped after commas."""
    out = ""
    line = 0
    for i, p in enumerate(peers):
        text = format_peer(p)
        if p.kind == "except":
            sep = " " if i else ""
        else:
            sep = ", " if i else ""
        if indent is not None and i and line + len(sep) + len(text) > WRAP:
            out += sep.rstrip() + "\n" + indent
            line = len(indent)
        else:
            out += sep
            line += len(sep)
        out += text
        line += len(text)
    return out


def protocol_word(protocol: int) -> str:
    return PROTOCOL_NAMES.get(protocol, f"proto {protocol}")


def service_words(protocol: int | None, ports: Sequence[PortRange] | None,
                  port_list: str | None) -> str:
    """A rule's service clause: 'all', 'tcp 22', 'udp port-list p', 'icmp'."""
    if protocol is None:
        return "all"
    word = protocol_word(protocol)
    if port_list is not None:
        return f"{word} port-list {name(port_list)}"
    if protocol in PORT_PROTOCOLS:
        return f"{word} {format_ports(ports) if ports is not None else 'all'}"
    return word


def format_rule_service(rule: RuleNode) -> str:
    return service_words(rule.protocol, rule.ports, rule.port_list)


def tail_clauses(source_ports: Sequence[PortRange] | None, nic: Nic | None, priority: int,
                 description: str, rule_id: str | None) -> list[str]:
    """The clauses after a rule's peers, in order: source-port, nic (None: not written),
    priority, description, id."""
    parts = []
    if source_ports is not None:
        parts.append("source-port " + format_ports(source_ports))
    if nic is not None:
        parts.append(f"nic {nic.value}")
    parts.append(f"priority {priority}")
    if description:
        parts.append("description " + quote(description))
    if rule_id:
        parts.append("id " + ident(rule_id))
    return parts


def format_rule(rule: RuleNode, indent: str | None = None) -> str:
    """One rule on one line (``indent`` given: long peer lists wrap onto further lines).

    Clause order: from, to, source-port, nic, priority, description, id."""
    parts = []
    if rule.label:
        parts.append(f"{name(rule.label)}:")
    parts += [rule.direction.value, rule.action.value, format_rule_service(rule)]
    cont = None if indent is None else indent + "    "
    if rule.src is not None:
        parts.append("from " + format_peers(rule.src, cont))
    if rule.dst is not None:
        parts.append("to " + format_peers(rule.dst, cont))
    parts += tail_clauses(rule.source_ports, rule.nic, rule.priority, rule.description,
                          rule.rule_id)
    return " ".join(parts)


def format_group(g: GroupNode) -> str:
    attrs = [g.network.value, {GroupType.BASIC: "basic", GroupType.ENTERPRISE: "enterprise",
                               GroupType.AWS: "aws"}[g.gtype]]
    if not g.rules_known:
        attrs.append("external")
    if g.intra is not None:
        attrs.append(f"intra {g.intra.value}")
    if g.owner:
        attrs.append("owner " + ident(g.owner))
    if g.gid:
        attrs.append("id " + ident(g.gid))
    for key, value in g.tags:
        attrs.append(f"tag {name(key)}" + (f" = {ident(value)}" if value else ""))
    if g.description:
        attrs.append("description " + quote(g.description))
    head = f"group {name(g.name)} ({', '.join(attrs)})"
    if not g.rules:
        return head + " {}"
    body = "\n".join("  " + format_rule(r, indent="  ") for r in g.rules)
    return f"{head} {{\n{body}\n}}"


def _address_runs(peers: tuple[PeerNode, ...]) -> list[tuple[str, list[PeerNode]]]:
    """Private addresses as runs of 'ip' (IPv4) and 'ipv6' fields, keeping their order."""
    runs: list[tuple[str, list[PeerNode]]] = []
    for p in peers:
        word = "ipv6" if ":" in p.text else "ip"
        if runs and runs[-1][0] == word:
            runs[-1][1].append(p)
        else:
            runs.append((word, [p]))
    return runs


def format_instance(i: InstanceNode) -> str:
    fields = [f"{word} {format_peers(ps)}" for word, ps in _address_runs(i.private)]
    if i.public:
        fields.append("public " + format_peers(i.public))
    if i.groups:
        fields.append("groups " + ", ".join(name(n) for n, _ in i.groups))
    if i.iid:
        fields.append("id " + ident(i.iid))
    return f"instance {name(i.name)} {{ {'; '.join(fields)} }}" if fields else \
        f"instance {name(i.name)} {{}}"


def _list_attrs(pl_id: str | None) -> str:
    return f" (id {ident(pl_id)})" if pl_id else ""


# ---------------------------------------------------------------- flow sets and assertions


def format_service(s: ServiceNode) -> str:
    if s.protocols is None:
        return "all"
    if s.protocols == PORT_PROTOCOLS:
        return "port " + (format_ports(s.ports) if s.ports is not None else "-1/-1")
    (protocol,) = tuple(s.protocols)
    word = protocol_word(protocol)
    return f"{word} {format_ports(s.ports)}" if s.ports is not None else word


def format_flow_clauses(fs: FlowSetNode) -> list[str]:
    parts = []
    if fs.directions is not None:
        parts += [d.value for d in sorted(fs.directions, key=lambda d: d.value)]
    if fs.services is not None:
        parts.append(" or ".join(format_service(s) for s in fs.services))
    if fs.src is not None:
        parts.append("from " + format_peers(fs.src))
    if fs.dst is not None:
        parts.append("to " + format_peers(fs.dst))
    if fs.source_ports is not None:
        parts.append("source-port " + format_ports(fs.source_ports))
    if fs.nic is not None:
        parts.append(f"nic {fs.nic.value}")
    if fs.family is not None:
        parts.append(f"ipv{fs.family}")
    if fs.peer_groups is not None:
        if not fs.peer_groups:
            parts.append("peer-groups none")
        else:
            parts.append("peer-groups " + ", ".join(format_peer(p)[len("group "):]
                                                     for p in fs.peer_groups))
    return parts


def format_target(t: TargetNode) -> str:
    names = ", ".join(name(n) for n, _ in t.names)
    return {"any": names, "group": f"group {names}", "instance": f"instance {names}",
            "groups": f"groups {names}"}[t.kind]


CHECK_WORDS = {Check.ALL_ALLOWED: "is allowed", Check.ALL_DENIED: "is denied",
               Check.SOME_ALLOWED: "is reachable"}
REACH_WORDS = {Check.ALL_ALLOWED: "can reach", Check.ALL_DENIED: "cannot reach",
               Check.SOME_ALLOWED: "can partly reach"}


def format_assertion_body(a: AssertNode) -> str:
    """The assertion after ``assert`` (what ``AssertNode.text`` holds)."""
    if a.kind == "flow":
        check = CHECK_WORDS.get(a.check)
        if a.check is Check.ONLY:
            assert a.only is not None
            check = "is allowed only " + " ".join(format_flow_clauses(a.only))
        return " ".join([format_target(a.target) + ":"] + format_flow_clauses(a.flows) + [str(check)])
    if a.kind == "reach":
        assert a.other is not None
        return " ".join([name(a.target.names[0][0]), REACH_WORDS[a.check], name(a.other.names[0][0])]
                        + format_flow_clauses(a.flows))
    if a.kind == "fleet-reach":
        assert a.other is not None
        return " ".join([_reach_end(a.target), REACH_WORDS[a.check], _reach_end(a.other)]
                        + format_flow_clauses(a.flows))
    assert a.other is not None
    verb = "equivalent to" if a.check is Check.EQUIVALENT else "no more permissive than"
    clauses = format_flow_clauses(a.flows)
    tail = (" for " + " ".join(clauses)) if clauses else ""
    return f"{format_target(a.target)} {verb} {format_target(a.other)}{tail}"


def _reach_end(t: TargetNode) -> str:
    """An end of a reach assertion over sets: internet, group X or instance X."""
    if t.kind == "internet":
        return "internet"
    return f"{t.kind} {name(t.names[0][0])}"


def format_assertion(a: AssertNode) -> str:
    label = f"{name(a.label)}: " if a.label else ""
    return f"{label}assert {format_assertion_body(a)}"


# ---------------------------------------------------------------- statements


def format_statement(st: Statement) -> str:
    if isinstance(st, IncludeNode):
        return f"include {quote(st.path)}"
    if isinstance(st, ImportNode):
        return f"import {quote(st.path)}" + (f" as {name(st.fmt)}" if st.fmt else "")
    if isinstance(st, OptionNode):
        return f"option {name(st.name)} = {ident(st.value)}"
    if isinstance(st, AddressSetNode):
        return f"addresses {name(st.name)} = {format_peers(st.peers, '    ')}"
    if isinstance(st, PrefixListNode):
        entries = "" if st.peers is None else " = " + format_peers(st.peers, "    ")
        return f"prefix-list {name(st.name)}{_list_attrs(st.pl_id)}{entries}"
    if isinstance(st, PortListNode):
        entries = "" if st.ports is None else " = " + format_ports(st.ports)
        return f"port-list {name(st.name)}{_list_attrs(st.pl_id)}{entries}"
    if isinstance(st, GroupNode):
        return format_group(st)
    if isinstance(st, InstanceNode):
        return format_instance(st)
    if isinstance(st, AssertNode):
        return format_assertion(st)
    raise FormatError(f"cannot print {type(st).__name__}")


def format_statements(statements: Iterable[Statement]) -> str:
    return "".join(format_statement(st) + "\n" for st in statements)


def format_document(doc: Document) -> str:
    return format_statements(doc.statements)


__all__ = ["format_document", "format_statements", "format_statement", "format_rule",
           "format_group", "format_instance", "format_assertion", "is_name", "quote", "ident",
           "FormatError", "RESERVED"]
