"""Lark tree -> syntax nodes. Literals (ports, CIDRs, priorities, protocol numbers) are
checked and converted here, with a diagnostic for every bad one; spans are kept.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Callable

from lark import Token, Transformer, Tree
from lark.exceptions import VisitError

from ..core.addresses import AddrSpace, read_cidr
from ..core.diagnostics import Diagnostic, InputError, Span
from ..core.files import normalise_line_ends
from ..core.model import (
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    PROTOCOL_NUMBERS,
    Action,
    Check,
    GroupType,
    Network,
    Nic,
    PortRange,
)
from ..core.numbers import cut, shown, whole
from .fast_rules import merge_rules, take_rules
from .parse import parse_recovering, parse_text
from .syntax import (
    ACTIONS,
    DIRECTIONS,
    AddressSetNode,
    AssertNode,
    Document,
    FlowNode,
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
    TargetNode,
)

ALL_PROTOCOLS = object()  # marker: protocol 'all'
ALL = "all"  # marker: every port


class _Marker:
    """A tagged child value passed up the tree (clause name, payload, span)."""

    def __init__(self, tag: str, value: Any, span: Span | None) -> None:
        self.tag, self.value, self.span = tag, value, span


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def _code_point(code: str) -> int | None:
    """The character a ``uXXXX`` / ``UXXXXXXXX`` escape names; None when it names none."""
    value = int(code[1:], 16)
    return None if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF else value


def _unescape(m: re.Match[str]) -> str:
    code = m.group(1)
    if len(code) == 1:
        return code
    value = _code_point(code)
    return "\ufffd" if value is None else chr(value)  # None: reported by Builder.STRING


def _unquote(tok: str) -> str:
    """A string literal's text: ``\\uXXXX`` and ``\\UXXXXXXXX`` are code points, and ``\\``
    before any other character makes it literal (``STRING`` has refused bad code points)."""
    if len(tok) >= 2 and tok[0] == '"' and tok[-1] == '"':
        return _ESCAPE.sub(_unescape, tok[1:-1])
    return str(tok)


class Builder(Transformer):  # type: ignore[type-arg]
    """Transforms one parse tree; collects diagnostics instead of stopping at the first."""

    def __init__(self, path: str, text: str) -> None:
        super().__init__()
        self.path, self.text = path, text
        self.diags: list[Diagnostic] = []

    # ------------------------------------------------------------ helpers
    def span(self, item: Any) -> Span | None:
        if isinstance(item, Token):
            if item.line is None:
                return None
            return Span(self.path, item.line, item.column or 1, item.end_line or item.line,
                        item.end_column or (item.column or 1) + len(item))
        meta = getattr(item, "meta", item)
        if getattr(meta, "empty", True):
            return None
        return Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    def source(self, meta: Any) -> str:
        if getattr(meta, "empty", True):
            return ""
        return " ".join(self.text[meta.start_pos:meta.end_pos].split())

    def STRING(self, tok: Token) -> Token:
        """Every string literal: a code-point escape must name a character (not a lone
        surrogate, nothing past U+10FFFF)."""
        for m in _ESCAPE.finditer(tok):
            code = m.group(1)
            if len(code) > 1 and _code_point(code) is None:
                self.error("E001", f"'\\{code}' is not a character (a lone UTF-16 surrogate or "
                           "past U+10FFFF)", tok)
        return tok

    def error(self, code: str, message: str, where: Any) -> None:
        span = where if isinstance(where, Span) or where is None else self.span(where)
        self.diags.append(Diagnostic.make(code, message, span))

    def __default__(self, data: Any, children: list[Any], meta: Any) -> Any:
        return Tree(data, children, meta)

    def _call_userfunc(self, tree: Tree, new_children: list[Any] | None = None) -> Any:
        # Give every handler the tree's meta (spans) along with its children.
        children = new_children if new_children is not None else tree.children
        fn: Callable[..., Any] | None = getattr(self, tree.data, None)
        if fn is None:
            return self.__default__(tree.data, children, tree.meta)
        return fn(tree.meta, children)

    # ------------------------------------------------------------ literals
    def parse_cidr(self, tok: Token) -> AddrSpace | None:
        text = str(tok)
        cidr = read_cidr(text)
        if isinstance(cidr, str):
            self.error("E109", f"'{cut(text)}' is not an address or CIDR block: {cidr}", tok)
            return None
        if cidr.host_bits:
            self.diags.append(Diagnostic.make(
                "W110", f"'{text}' has host bits set; it is read as {cidr.network}", self.span(tok)))
        return cidr.space

    def parse_port(self, tok: Token) -> PortRange | str:
        """One port item: 22, 8000-8080, 22/22, 1/65535; -1/-1 means every port ('all')."""
        text = re.sub(r"\s+", "", str(tok))
        m = re.fullmatch(r"(-?[0-9]+)(?:[/-](-?[0-9]+))?", text)
        if not m:
            self.error("E107", f"'{shown(text)}' is not a port or port range", tok)
            return ALL
        lo, hi = whole(m.group(1)), whole(m.group(2) or m.group(1))
        if lo == -1 and hi == -1 and "/" in text:
            return ALL
        for value, end in ((lo, m.group(1)), (hi, m.group(2) or m.group(1))):
            if value is None or not MIN_PORT <= value <= MAX_PORT:
                self.error("E107", f"port {shown(end)} is outside {MIN_PORT}..{MAX_PORT} in "
                           f"'{shown(text, 40)}' (use 'all' or -1/-1 for every port)", tok)
                return PortRange(MIN_PORT, MAX_PORT)
        assert lo is not None and hi is not None
        if lo > hi:
            self.error("E108", f"port range '{text}': start {lo} is greater than end {hi}", tok)
            return PortRange(hi, lo)
        return PortRange(lo, hi)

    def ports(self, items: list[Any]) -> tuple[PortRange, ...] | str:
        """A port list: a sorted tuple of ranges, or ALL when any item means every port."""
        out: list[PortRange] = []
        every = False
        for item in items:
            rng = ALL if isinstance(item, _Marker) else self.parse_port(item)
            if isinstance(rng, PortRange):
                out.append(rng)
            else:
                every = True
        return ALL if every else tuple(sorted(set(out)))

    # ------------------------------------------------------------ top level
    def start(self, meta: Any, children: list[Any]) -> list[Any]:
        return [c for c in children if not isinstance(c, Token)]

    def include(self, meta: Any, ch: list[Any]) -> IncludeNode:
        return IncludeNode(_unquote(ch[0]), self.span(meta))

    def import_stmt(self, meta: Any, ch: list[Any]) -> ImportNode:
        fmt = str(ch[1]) if len(ch) > 1 else None
        return ImportNode(_unquote(ch[0]), fmt, self.span(meta))

    def option(self, meta: Any, ch: list[Any]) -> OptionNode:
        return OptionNode(str(ch[0]), _unquote(str(ch[1])), self.span(meta))

    def address_set(self, meta: Any, ch: list[Any]) -> AddressSetNode:
        return AddressSetNode(str(ch[0]), ch[1], self.span(meta))

    def prefix_list(self, meta: Any, ch: list[Any]) -> PrefixListNode:
        pl_id, peers = None, None
        for c in ch[1:]:
            if isinstance(c, tuple):
                peers = c
            elif isinstance(c, _Marker):
                pl_id = c.value
        return PrefixListNode(str(ch[0]), pl_id, peers, self.span(meta))

    def port_list_def(self, meta: Any, ch: list[Any]) -> PortListNode:
        pl_id, ports = None, None
        for c in ch[1:]:
            if isinstance(c, _Marker):
                pl_id = c.value
            elif c == ALL:
                ports = (PortRange(MIN_PORT, MAX_PORT),)
            else:
                ports = c
        return PortListNode(str(ch[0]), pl_id, ports, self.span(meta))

    def prefix_list_attrs(self, meta: Any, ch: list[Any]) -> _Marker:
        ids = [c for c in ch if c is not None]
        if len(ids) > 1:
            self.error("E123", "'id' given twice", meta)
        return _Marker("id", str(ids[-1]) if ids else None, self.span(meta))

    def prefix_list_attr(self, meta: Any, ch: list[Any]) -> str:
        return _unquote(str(ch[0]))

    # ------------------------------------------------------------ groups
    def group(self, meta: Any, ch: list[Any]) -> GroupNode:
        name = str(ch[0])
        attrs: dict[str, Any] = {}
        tags: list[tuple[str, str]] = []
        rules: list[RuleNode] = []
        for c in ch[1:]:
            if isinstance(c, RuleNode):
                rules.append(c)
            elif isinstance(c, list):
                for m in c:
                    if m.tag == "tag":
                        tags.append(m.value)
                        continue
                    if m.tag in attrs:
                        self.error("E123", f"group attribute '{m.tag}' given twice", m.span)
                    attrs[m.tag] = m.value
        if attrs.get("external") and rules:
            self.error("E120", f"group '{name}' is external (its rules are not given) but lists "
                       "rules: remove 'external' or the rules", meta)
        return GroupNode(name, attrs.get("network", Network.VPC), attrs.get("type", GroupType.BASIC),
                         attrs.get("intra"), attrs.get("owner", ""), attrs.get("id"),
                         tuple(tags), attrs.get("description", ""), tuple(rules), self.span(meta),
                         rules_known=not attrs.get("external"))

    def group_attrs(self, meta: Any, ch: list[Any]) -> list[_Marker]:
        return [c for c in ch if isinstance(c, _Marker)]

    def net_vpc(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("network", Network.VPC, self.span(meta))

    def net_classic(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("network", Network.CLASSIC, self.span(meta))

    def type_basic(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("type", GroupType.BASIC, self.span(meta))

    def external(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("external", True, self.span(meta))

    def type_enterprise(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("type", GroupType.ENTERPRISE, self.span(meta))

    def type_aws(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("type", GroupType.AWS, self.span(meta))

    def intra(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("intra", ch[0], self.span(meta))

    def owner(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("owner", _unquote(str(ch[0])), self.span(meta))

    def group_id(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("id", _unquote(str(ch[0])), self.span(meta))

    def tag(self, meta: Any, ch: list[Any]) -> _Marker:
        value = _unquote(str(ch[1])) if len(ch) > 1 else ""
        return _Marker("tag", (str(ch[0]), value), self.span(meta))

    def description(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("description", _unquote(str(ch[0])), self.span(meta))

    def action(self, meta: Any, ch: list[Any]) -> Action:
        return ACTIONS[str(ch[0]).lower()]

    def label(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("label", str(ch[0]), self.span(meta))

    def rule(self, meta: Any, ch: list[Any]) -> RuleNode:
        label = None
        if isinstance(ch[0], _Marker) and ch[0].tag == "label":
            label = ch[0].value
            ch = ch[1:]
        direction = DIRECTIONS[str(ch[0]).lower()]
        action: Action = ch[1]
        service: ServiceNode = ch[2]
        clauses: dict[str, _Marker] = {}
        for m in ch[3:]:
            if m.tag in clauses:
                self.error("E123", f"'{m.tag}' given twice in one rule", m.span)
            clauses[m.tag] = m
        protocol = None if service.protocols is None else next(iter(service.protocols))
        port_list = service.port_list
        priority = 1
        if "priority" in clauses:
            priority = clauses["priority"].value
            if not 1 <= priority <= 100:
                self.error("E106", f"priority {priority} is outside 1..100 (1 is the strongest)",
                           clauses["priority"].span)
                priority = max(1, min(100, priority))

        def val(tag: str, default: Any = None) -> Any:
            return clauses[tag].value if tag in clauses else default

        if "source-port" in clauses and clauses["source-port"].value is not None and (
                protocol not in PORT_PROTOCOLS):
            self.error("E117", f"a {self._pname(ALL_PROTOCOLS if protocol is None else protocol)} rule "
                       "has no source ports; 'source-port' is only for tcp and udp rules",
                       clauses["source-port"].span)

        return RuleNode(direction, action, protocol, service.ports, val("from"), val("to"),
                        priority, val("source-port"), val("nic"), label,
                        val("description", ""), val("id"), self.source(meta), port_list,
                        self.span(meta))

    def from_clause(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("from", ch[0], self.span(meta))

    def to_clause(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("to", ch[0], self.span(meta))

    def priority_clause(self, meta: Any, ch: list[Any]) -> _Marker:
        value = whole(str(ch[0]))
        if value is None:
            self.error("E106", f"priority {shown(str(ch[0]))} is outside 1..100 "
                       "(1 is the strongest)", ch[0])
            value = 1
        return _Marker("priority", value, self.span(meta))

    def nic_clause(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("nic", Nic(str(ch[0])), self.span(meta))

    def description_clause(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("description", _unquote(str(ch[0])), self.span(meta))

    def source_port_clause(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("source-port", None if ch[0] == ALL else ch[0], self.span(meta))

    def rule_id_clause(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("id", _unquote(str(ch[0])), self.span(meta))

    # ------------------------------------------------------------ services and ports
    def _service(self, meta: Any, protocol: Any, ports: Any, need_ports: bool) -> ServiceNode:
        """``ports``: None (none written), ALL, or a tuple of ranges."""
        span = self.span(meta)
        protocols = None if protocol is ALL_PROTOCOLS else frozenset({protocol})
        if protocols is None or not protocols <= PORT_PROTOCOLS:
            if ports not in (None, ALL):
                self.error("E117", f"protocol {self._pname(protocol)} has no ports; ports are "
                           "written only for tcp and udp (or -1/-1 for every port)", span)
            return ServiceNode(protocols, None, span)
        if ports is None and need_ports:
            self.error("E120", f"a {self._pname(protocol)} rule needs its ports: a port, a range "
                       "like 8000-8080, or 'all'", span)
        return ServiceNode(protocols, None if ports in (None, ALL) else ports, span)

    @staticmethod
    def _pname(protocol: Any) -> str:
        if protocol is ALL_PROTOCOLS:
            return "all"
        for name, number in PROTOCOL_NUMBERS.items():
            if number == protocol:
                return name
        return f"proto {protocol}"

    def _protocol_number(self, tok: Token) -> int:
        number = whole(str(tok))
        if number is None or not 0 <= number <= 255:
            self.error("E122", f"protocol number {shown(str(tok))} is outside 0..255", tok)
            return 255
        return number

    def named_service(self, meta: Any, ch: list[Any]) -> ServiceNode:
        proto = PROTOCOL_NUMBERS[str(ch[0]).lower()]
        return self._service(meta, proto, ch[1] if len(ch) > 1 else None, need_ports=False)

    def port_list_service(self, meta: Any, ch: list[Any]) -> ServiceNode:
        proto = PROTOCOL_NUMBERS[str(ch[0]).lower()]
        node = ServiceNode(frozenset({proto}), None, self.span(meta), port_list=str(ch[1]))
        if proto not in PORT_PROTOCOLS:
            self.error("E117", f"protocol {self._pname(proto)} has no ports, so no port list", node.span)
        return node

    def rule_named_service(self, meta: Any, ch: list[Any]) -> ServiceNode:
        proto = PROTOCOL_NUMBERS[str(ch[0]).lower()]
        return self._service(meta, proto, ch[1] if len(ch) > 1 else None, need_ports=True)

    def all_service(self, meta: Any, ch: list[Any]) -> ServiceNode:
        return self._service(meta, ALL_PROTOCOLS, ch[0] if ch else None, need_ports=False)

    def number_service(self, meta: Any, ch: list[Any]) -> ServiceNode:
        return self._service(meta, self._protocol_number(ch[0]), ch[1] if len(ch) > 1 else None,
                             need_ports=False)

    def rule_number_service(self, meta: Any, ch: list[Any]) -> ServiceNode:
        return self._service(meta, self._protocol_number(ch[0]), ch[1] if len(ch) > 1 else None,
                             need_ports=True)

    def port_service(self, meta: Any, ch: list[Any]) -> ServiceNode:
        ports = ch[0]
        return ServiceNode(PORT_PROTOCOLS, None if ports == ALL else ports, self.span(meta))

    def port_list(self, meta: Any, ch: list[Any]) -> tuple[PortRange, ...] | str:
        return self.ports(ch)

    def flow_ports(self, meta: Any, ch: list[Any]) -> tuple[PortRange, ...] | str:
        return self.ports(ch)

    def port_spec(self, meta: Any, ch: list[Any]) -> Token:
        return ch[0]  # type: ignore[no-any-return]

    def port_all(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("all", None, self.span(meta))

    # ------------------------------------------------------------ peers
    def peer_list(self, meta: Any, ch: list[Any]) -> tuple[PeerNode, ...]:
        return tuple(c for c in ch if c is not None)

    def peer_except(self, meta: Any, ch: list[Any]) -> PeerNode:
        items = tuple(c for c in ch if c is not None)
        return PeerNode("except", "except " + ", ".join(p.text for p in items), children=items,
                        span=self.span(meta))

    def cidr(self, meta: Any, ch: list[Any]) -> PeerNode | None:
        space = self.parse_cidr(ch[0])
        if space is None:
            return None
        return PeerNode("cidr", str(ch[0]), addresses=space, span=self.span(ch[0]))

    def set_ref(self, meta: Any, ch: list[Any]) -> PeerNode:
        return PeerNode("set", str(ch[0]), name=str(ch[0]), span=self.span(ch[0]))

    def internet(self, meta: Any, ch: list[Any]) -> PeerNode:
        return PeerNode("internet", "internet", span=self.span(meta))

    def any_address(self, meta: Any, ch: list[Any]) -> PeerNode:
        return PeerNode("any", "any", span=self.span(meta))

    def group_peer(self, meta: Any, ch: list[Any]) -> PeerNode:
        account, name = ch[0]
        text = f"group {account}/{name}" if account is not None else f"group {name}"
        return PeerNode("group", text, name=name, account=account, span=self.span(meta))

    def local_group_ref(self, meta: Any, ch: list[Any]) -> tuple[str | None, str]:
        return None, str(ch[0])

    def cross_group_ref(self, meta: Any, ch: list[Any]) -> tuple[str | None, str]:
        account, _, name = str(ch[0]).partition("/")
        return account, name

    def prefix_list_peer(self, meta: Any, ch: list[Any]) -> PeerNode:
        return PeerNode("prefix-list", f"prefix-list {ch[0]}", name=str(ch[0]), span=self.span(meta))

    def instance_peer(self, meta: Any, ch: list[Any]) -> PeerNode:
        return PeerNode("instance", f"instance {ch[0]}", name=str(ch[0]), span=self.span(meta))

    # ------------------------------------------------------------ instances
    def instance(self, meta: Any, ch: list[Any]) -> InstanceNode:
        name = str(ch[0])
        fields: dict[str, Any] = {}
        private: list[PeerNode] = []
        public: list[PeerNode] = []
        for m in ch[1:]:
            if not isinstance(m, _Marker):
                continue
            if m.tag in ("ip", "ipv6"):
                private.extend(m.value)
            elif m.tag == "public":
                public.extend(m.value)
            else:
                if m.tag in fields:
                    self.error("E123", f"'{m.tag}' given twice for instance {name}", m.span)
                fields[m.tag] = m.value
        return InstanceNode(name, tuple(private), tuple(public), tuple(fields.get("groups", ())),
                            fields.get("id"), self.span(meta))

    def _addresses(self, ch: list[Any], family: int | None, what: str) -> list[PeerNode]:
        out = []
        for tok in ch:
            space = self.parse_cidr(tok)
            if space is None:
                continue
            if family is not None and space.families() != {family}:
                self.error("E109", f"'{tok}' is not an IPv{family} address ({what})", tok)
                continue
            out.append(PeerNode("cidr", str(tok), addresses=space, span=self.span(tok)))
        return out

    def ip_field(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("ip", self._addresses(ch, 4, "use 'ipv6' for IPv6 addresses"), self.span(meta))

    def ipv6_field(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("ipv6", self._addresses(ch, 6, "use 'ip' for IPv4 addresses"), self.span(meta))

    def public_field(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("public", self._addresses(ch, None, ""), self.span(meta))

    def groups_field(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("groups", tuple((str(t), self.span(t)) for t in ch), self.span(meta))

    def instance_id_field(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("id", _unquote(str(ch[0])), self.span(meta))

    # ------------------------------------------------------------ flow sets
    def services(self, meta: Any, ch: list[Any]) -> tuple[ServiceNode, ...]:
        return tuple(ch)

    def f_direction(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("direction", frozenset({DIRECTIONS[str(ch[0]).lower()]}), self.span(meta))

    def f_services(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("protocol", ch[0], self.span(meta))

    def f_from(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("from", ch[0], self.span(meta))

    def f_to(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("to", ch[0], self.span(meta))

    def f_source_port(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("source-port", None if ch[0] == ALL else ch[0], self.span(meta))

    def f_nic(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("nic", Nic(str(ch[0])), self.span(meta))

    def f_family(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("family", 4 if str(ch[0]) == "ipv4" else 6, self.span(meta))

    def f_no_peer_groups(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("peer-groups", (), self.span(meta))

    def f_peer_groups(self, meta: Any, ch: list[Any]) -> _Marker:
        peers = tuple(PeerNode("group", f"group {name}", name=name, account=acct, span=self.span(meta))
                      for acct, name in ch)
        return _Marker("peer-groups", peers, self.span(meta))

    def flow_set(self, clauses: list[_Marker], span: Span | None) -> FlowSetNode:
        seen: dict[str, _Marker] = {}
        for m in clauses:
            if m.tag in seen:
                hint = ""
                if m.tag == "protocol":
                    hint = ("; join alternatives with 'or' (tcp 22 or udp 53). In a flow set a "
                            "protocol alone already means all its ports, and 'all' means any protocol")
                self.error("E123", f"'{m.tag}' given twice in one flow set{hint}", m.span)
            seen[m.tag] = m

        def val(tag: str) -> Any:
            return seen[tag].value if tag in seen else None

        return FlowSetNode(val("direction"), val("protocol"), val("from"), val("to"),
                           val("source-port"), val("nic"), val("family"), val("peer-groups"), span)

    def flowset(self, meta: Any, ch: list[Any]) -> FlowSetNode:
        return self.flow_set(ch, self.span(meta))

    def for_clause(self, meta: Any, ch: list[Any]) -> FlowSetNode:
        return self.flow_set(ch, self.span(meta))

    # ------------------------------------------------------------ assertions
    def target_any(self, meta: Any, ch: list[Any]) -> TargetNode:
        return TargetNode("any", ((str(ch[0]), self.span(ch[0])),), self.span(meta))

    def target_group(self, meta: Any, ch: list[Any]) -> TargetNode:
        return TargetNode("group", ((str(ch[0]), self.span(ch[0])),), self.span(meta))

    def target_instance(self, meta: Any, ch: list[Any]) -> TargetNode:
        return TargetNode("instance", ((str(ch[0]), self.span(ch[0])),), self.span(meta))

    def target_groups(self, meta: Any, ch: list[Any]) -> TargetNode:
        return TargetNode("groups", tuple((str(t), self.span(t)) for t in ch), self.span(meta))

    def check_allowed(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("check", (Check.ALL_ALLOWED, None), self.span(meta))

    def check_denied(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("check", (Check.ALL_DENIED, None), self.span(meta))

    check_unreachable = check_denied

    def check_reachable(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("check", (Check.SOME_ALLOWED, None), self.span(meta))

    def check_only(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("check", (Check.ONLY, self.flow_set(ch, self.span(meta))), self.span(meta))

    def check_reaches_only(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("check", (Check.ONLY, FlowSetNode(dst=ch[0], span=self.span(meta))),
                       self.span(meta))

    def flow_assertion(self, meta: Any, ch: list[Any]) -> AssertNode:
        target, clauses, check = ch[0], ch[1:-1], ch[-1]
        kind, only = check.value
        return AssertNode("flow", kind, target, self.flow_set(clauses, self.span(meta)), only=only,
                          span=self.span(meta))

    def reach_assertion(self, meta: Any, ch: list[Any]) -> AssertNode:
        src, verb, dst, clauses = ch[0], " ".join(str(ch[1]).split()), ch[2], ch[3:]
        check = {"can reach": Check.ALL_ALLOWED, "cannot reach": Check.ALL_DENIED,
                 "can partly reach": Check.SOME_ALLOWED}[verb]
        # Instance to instance is the original 'reach'; a group or the internet at either
        # end makes it a 'fleet-reach' (docs/reach.md).
        kind = "reach" if src.kind == dst.kind == "instance" else "fleet-reach"
        return AssertNode(kind, check, src, self.flow_set(clauses, self.span(meta)), other=dst,
                          span=self.span(meta))

    def reach_name(self, meta: Any, ch: list[Any]) -> TargetNode:
        return TargetNode("instance", ((str(ch[0]), self.span(ch[0])),))

    reach_instance = reach_name

    def reach_group(self, meta: Any, ch: list[Any]) -> TargetNode:
        return TargetNode("group", ((str(ch[0]), self.span(ch[0])),), self.span(meta))

    def reach_internet(self, meta: Any, ch: list[Any]) -> TargetNode:
        return TargetNode("internet", (("internet", self.span(meta)),), self.span(meta))

    def equivalent_assertion(self, meta: Any, ch: list[Any]) -> AssertNode:
        flows = ch[2] if len(ch) > 2 else FlowSetNode()
        return AssertNode("compare", Check.EQUIVALENT, ch[0], flows, other=ch[1], span=self.span(meta))

    def subset_assertion(self, meta: Any, ch: list[Any]) -> AssertNode:
        flows = ch[2] if len(ch) > 2 else FlowSetNode()
        return AssertNode("compare", Check.NO_MORE_PERMISSIVE, ch[0], flows, other=ch[1],
                          span=self.span(meta))

    def assertion(self, meta: Any, ch: list[Any]) -> AssertNode:
        label = ch[0].value if isinstance(ch[0], _Marker) else None
        node: AssertNode = ch[-1]
        text = self.source(meta)
        if label is not None:
            text = text.split(":", 1)[1].strip()
        text = re.sub(r"^assert\s+", "", text)
        return replace(node, label=label, text=text, span=self.span(meta))

    # ------------------------------------------------------------ concrete flows
    def flow(self, meta: Any, ch: list[Any]) -> FlowNode | None:
        direction = DIRECTIONS[str(ch[0]).lower()]
        protocol, src, dst = ch[1], ch[2], ch[3]
        nic, groups = None, ()
        for m in ch[4:]:
            if m.tag == "nic":
                nic = m.value
            else:
                groups = m.value
        return FlowNode(direction, protocol, src[0], dst[0], src[1], dst[1], nic, groups,
                        self.span(meta))

    def flow_proto_name(self, meta: Any, ch: list[Any]) -> int:
        return PROTOCOL_NUMBERS[str(ch[0]).lower()]

    def flow_proto_number(self, meta: Any, ch: list[Any]) -> int:
        return self._protocol_number(ch[0])

    def endpoint(self, meta: Any, ch: list[Any]) -> tuple[str, int | None]:
        port = whole(str(ch[1])) if len(ch) > 1 else None
        if len(ch) > 1 and (port is None or not MIN_PORT <= port <= MAX_PORT):
            self.error("E107", f"port {shown(str(ch[1]))} is outside {MIN_PORT}..{MAX_PORT}", ch[1])
            port = MIN_PORT
        return str(ch[0]), port

    def flow_nic(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("nic", Nic(str(ch[0])), self.span(meta))

    def flow_peer_groups(self, meta: Any, ch: list[Any]) -> _Marker:
        peers = tuple(PeerNode("group", name, name=name, account=acct, span=self.span(meta))
                      for acct, name in ch)
        return _Marker("groups", peers, self.span(meta))

    def flow_no_peer_groups(self, meta: Any, ch: list[Any]) -> _Marker:
        return _Marker("groups", (), self.span(meta))


def _transform(tree: Tree, path: str, text: str) -> tuple[Any, list[Diagnostic]]:
    builder = Builder(path, text)
    try:
        result = builder.transform(tree)
    except VisitError as exc:  # an exception inside a handler: unwrap (lark recipe)
        raise exc.orig_exc from None
    return result, builder.diags


def build_document(text: str, path: str, fast_rules: bool = True
                   ) -> tuple[Document, list[Diagnostic]]:
    """Parse and build one file, returning the document and every diagnostic: syntax
    errors first, then value errors and warnings in what could be parsed. Line ends are
    those of ``str.splitlines`` (``core.files.normalise_line_ends``). Plain rule lines are
    read by ``fast_rules`` (the same nodes, faster); ``fast_rules=False`` has Lark read
    everything, the reference that reader is tested against."""
    text = normalise_line_ends(text)
    fast = take_rules(text, path) if fast_rules else None
    if fast is not None:  # the plain rule lines read directly, Lark for the rest
        blanked, taken = fast
        tree, syntax = parse_recovering(blanked, path)
        if tree is not None and not syntax:
            _mark_rule_services(tree)
            statements, diags = _transform(tree, path, text)
            merged = merge_rules(statements, taken) if not diags else None
            if merged is not None:
                return Document(path, tuple(merged)), []
    tree, syntax = parse_recovering(text, path)
    if tree is None:
        return Document(path, ()), syntax
    _mark_rule_services(tree)
    statements, diags = _transform(tree, path, text)
    return Document(path, tuple(statements)), syntax + diags


def _mark_rule_services(tree: Tree) -> None:
    """Rules need explicit ports for tcp/udp; flow sets do not. Tag rule services."""
    for rule in tree.find_data("rule"):
        for child in rule.children:
            if isinstance(child, Tree) and child.data in ("named_service", "number_service"):
                child.data = "rule_" + str(child.data)


def build_fragment(text: str, start: str, path: str = "<command line>") -> Any:
    """Parse a command-line fragment (start 'flow' or 'flowset'); raise InputError on any error."""
    tree = parse_text(text, path, start=start)
    result, diags = _transform(tree, path, text)
    errors = [d for d in diags if d.is_error]
    if errors:
        raise InputError(errors)
    return result
