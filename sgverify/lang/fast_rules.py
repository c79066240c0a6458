"""A fast reader for the rule lines that make up almost all of a large inventory.

A generated or exported estate is mostly lines like
``ingress accept tcp 443 from 10.0.0.0/8 priority 1`` inside ``group NAME (...) { ... }``.
Lark reads them at about 20,000 rules a second; this reads the plain ones directly into
``RuleNode`` objects, a hundred thousand a second and more, and leaves everything else to
Lark. The common shapes (one port or range, one peer, a priority, a comment) are read by
one regular expression a line; other plain lines by a reader of their words.

It is exact by construction, not by hope: a line is taken only when it is one complete rule
of a small, unambiguous subset (no strings, no ``;``, no prefix or port lists, nothing that
would raise a diagnostic, words apart by spaces and tabs only, as Lark skips them), the
next line with code starts another rule or closes the group, and the group is not
``external``. Taken lines are blanked (their characters become spaces, so
every position Lark sees is unchanged) and Lark parses the rest; ``build`` uses the result
only when that parse is free of diagnostics, and otherwise parses the original text, so
errors and warnings are always Lark's own. ``tests/lang/test_fast_rules.py`` compares both
readers node by node, spans included.
"""

from __future__ import annotations

import re

from dataclasses import replace
from functools import lru_cache
from typing import Any, Sequence

from ..core.addresses import OCTET_RE, AddrSpace, exact_block, ipv4_block, read_cidr
from ..core.diagnostics import Span
from ..core.model import (
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    PROTOCOL_NUMBERS,
    Nic,
    PortRange,
)
from ..core.records import quick_maker
from .parse import grammar_text
from .syntax import ACTIONS, DIRECTIONS, GroupNode, PeerNode, RuleNode

_HEADER = re.compile(r"\s*group\s+[A-Za-z_][A-Za-z0-9_.\-]*\s*(\([^\"#/;{}()]*\))?\s*\{\s*$")
_CLOSE = re.compile(r"\s*\}\s*$")
_BLANK = re.compile(r"\s*$")
_START = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.\-]*:\s+)?(ingress|egress|inbound|outbound)\s")
_WORD = re.compile(r"[^\s,]+|,")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_CIDR4 = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]+)?")
_CIDR6 = re.compile(r"[0-9a-fA-F]{0,4}:[0-9a-fA-F]{0,4}:[0-9a-fA-F:.]*(/[0-9]+)?")
_PORT = re.compile(r"(-?[0-9]+)(?:([/-])(-?[0-9]+))?")
_INT = re.compile(r"-?[0-9]+")
_NICS = ("internet", "intranet")
# The code of a line the general reader may read: printable ASCII, spaces and tabs (the only
# whitespace Lark skips within a line; it stops at a no-break space, which str.split would not).
_PLAIN = re.compile(r"[\x20-\x7e\t]*")


# The common shapes, read with one match: a label, a direction, an action, tcp or udp with
# one port or range (or all, icmp, icmpv6, gre), one peer (an IPv4 or IPv6 block, a group,
# internet, any or an address set), a priority, a comment. Words are apart by spaces and
# tabs only (Lark's whitespace within a line); each token is whole where it stops (what
# follows it is a space, a tab, a comment or the end), as Lark's lexer would cut it.
_NAME_RE = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_COMMON = re.compile(
    rf"[ \t]*(?:(?P<label>{_NAME_RE}):[ \t]+)?"
    r"(?P<dir>ingress|egress|inbound|outbound)[ \t]+(?P<act>accept|allow|drop|deny|forbid)[ \t]+"
    r"(?:(?P<proto>tcp|udp)[ \t]+(?P<ports>[0-9]{1,5}(?:[-/][0-9]{1,5})?)"
    r"|(?P<bare>all|icmpv6|icmp|gre))"
    r"[ \t]+(?P<side>from|to)[ \t]+"
    rf"(?P<peer>(?P<o1>{OCTET_RE})\.(?P<o2>{OCTET_RE})\.(?P<o3>{OCTET_RE})\.(?P<o4>{OCTET_RE})"
    r"(?:/(?P<plen>[0-9]+))?"
    r"|[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:/[0-9]+)?"
    r"|[0-9a-fA-F]{0,4}:[0-9a-fA-F]{0,4}:[0-9a-fA-F:.]*(?:/[0-9]+)?"
    rf"|(?P<group>group[ \t]+)?{_NAME_RE})"
    r"(?:[ \t]+priority[ \t]+(?P<prio>[0-9]{1,3}))?"
    r"[ \t]*(?:(?:#|//).*)?")
_BARE = {"all": None, "icmp": PROTOCOL_NUMBERS["icmp"], "icmpv6": PROTOCOL_NUMBERS["icmpv6"],
         "gre": PROTOCOL_NUMBERS["gre"]}
_DIGITS = frozenset("0123456789")

_span = quick_maker(Span)
_peer = quick_maker(PeerNode)
_rule = quick_maker(RuleNode)


class _Reader:
    """Reads the lines of the common shapes of one file; remembers the values it has
    converted (a fleet repeats its ports and blocks)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.ports: dict[str, tuple[PortRange, ...] | None] = {}
        self.blocks: dict[str, AddrSpace | None] = {}
        self.words = keywords()

    def port(self, text: str) -> tuple[PortRange, ...] | None:
        """The one range ``text`` names, or None when Lark would report it (E107, E108);
        remembered in ``ports``, where callers look first."""
        lo, sep, hi = text.replace("/", "-").partition("-")
        low, high = int(lo), int(hi or lo)
        out = (PortRange(low, high),) if MIN_PORT <= low <= high <= MAX_PORT else None
        self.ports[text] = out
        return out

    def block(self, text: str) -> AddrSpace | None:
        """The addresses of block ``text``, or None when Lark would report it (E109, W110);
        remembered in ``blocks``, where callers look first."""
        out = self.blocks[text] = exact_block(text)
        return out

    def common(self, number: int, line: str) -> RuleNode | None | bool:
        """The rule of ``line`` when it has a common shape; False when it has none (the
        general reader may still read it); None when it has one but Lark would say more
        (a diagnostic, a reserved word)."""
        m = _COMMON.fullmatch(line)
        if m is None:
            return False
        (label, direction, act, proto, ports_text, bare, side, peer_text, o1, o2, o3, o4, plen,
         group, prio) = m.groups()
        if proto is not None:
            protocol = PROTOCOL_NUMBERS[proto]
            ports = self.ports.get(ports_text, False)
            if ports is False:
                ports = self.port(ports_text)
            if ports is None:
                return None
        else:
            protocol, ports = _BARE[bare], None
        priority = 1
        if prio is not None:
            priority = int(prio)
            if not 1 <= priority <= 100:
                return None
        words = self.words
        if label is not None and label in words:
            return False  # a reserved word before ':' starts no rule (Lark: the rule above goes on)
        path = self.path
        start, end = m.span(8)  # the peer
        span = _span(path, number, start + 1, number, end + 1)
        if group is not None:
            name = peer_text[len(group):]
            if name in words:
                return None
            peer = _peer("group", "group " + name, None, name, None, (), span)
        elif o1 is not None:  # a plain IPv4 block: its octets are cut already
            space = ipv4_block(peer_text, o1, o2, o3, o4, plen)  # type: ignore[arg-type]
            if space is None:
                return None
            peer = _peer("cidr", peer_text, space, "", None, (), span)
        elif peer_text[0] in _DIGITS or ":" in peer_text:
            space = self.blocks.get(peer_text, False)
            if space is False:
                space = self.block(peer_text)
            if space is None:
                return None
            peer = _peer("cidr", peer_text, space, "", None, (), span)
        elif peer_text == "internet" or peer_text == "any":
            peer = _peer(peer_text, peer_text, None, "", None, (), span)
        elif peer_text in words:
            return None
        else:
            peer = _peer("set", peer_text, None, peer_text, None, (), span)
        first = m.start(1) if label is not None else m.start(2)
        last = m.end(15) if prio is not None else end
        text = line[first:last]
        if "\t" in text or "  " in text:
            text = " ".join(text.split())
        if side == "from":
            return _rule(DIRECTIONS[direction], ACTIONS[act], protocol, ports, (peer,), None,
                         priority, None, None, label, "", None, text, None,
                         _span(path, number, first + 1, number, last + 1))
        return _rule(DIRECTIONS[direction], ACTIONS[act], protocol, ports, None, (peer,),
                     priority, None, None, label, "", None, text, None,
                     _span(path, number, first + 1, number, last + 1))


class _Refused(Exception):
    """The line is not in the fast subset: Lark reads it."""


def _code(line: str) -> str:
    """The line without its comment (no strings are allowed, so '#' and '//' start one)."""
    cut = len(line)
    for mark in ("#", "//"):
        at = line.find(mark)
        if at != -1:
            cut = min(cut, at)
    return line[:cut]


class _Line:
    """Recursive descent over the words of one line."""

    def __init__(self, path: str, number: int, code: str) -> None:
        self.path, self.number = path, number
        self.words = [(m.group(), m.start() + 1, m.end() + 1) for m in _WORD.finditer(code)]
        self.at = 0

    def peek(self) -> str | None:
        return self.words[self.at][0] if self.at < len(self.words) else None

    def take(self) -> tuple[str, int, int]:
        if self.at >= len(self.words):
            raise _Refused
        self.at += 1
        return self.words[self.at - 1]

    def span(self, start: int, end: int) -> Span:
        return Span(self.path, self.number, start, self.number, end)

    def comma(self) -> bool:
        if self.peek() == ",":
            self.at += 1
            return True
        return False

    def ports(self) -> tuple[tuple[PortRange, ...] | None, int]:
        """A port list: the sorted ranges (None: every port), and where it ends."""
        out: set[PortRange] = set()
        every = False
        end = 0
        while True:
            word, _, end = self.take()
            m = _PORT.fullmatch(word)
            if m is None:
                raise _Refused
            following = self.peek()
            if following is not None and following[:1] in "-/":
                raise _Refused  # '22 -25' is one port token to Lark
            lo, hi = int(m.group(1)), int(m.group(3) or m.group(1))
            if lo == hi == -1 and m.group(2) == "/":
                every = True
            elif not (MIN_PORT <= lo <= hi <= MAX_PORT) or m.group(1).startswith("-") \
                    or (m.group(3) or "").startswith("-"):
                raise _Refused  # a diagnostic: Lark says it
            else:
                out.add(PortRange(lo, hi))
            if not self.comma():
                return (None if every else tuple(sorted(out))), end

    def peers(self) -> tuple[PeerNode, ...]:
        out = []
        while True:
            word, start, end = self.take()
            if _CIDR4.fullmatch(word) or (":" in word and _CIDR6.fullmatch(word)):
                cidr = read_cidr(word)
                if isinstance(cidr, str) or cidr.host_bits:
                    raise _Refused
                out.append(PeerNode("cidr", word, addresses=cidr.space, span=self.span(start, end)))
            elif word in ("internet", "any"):
                out.append(PeerNode(word, word, span=self.span(start, end)))
            elif word == "group":
                name, _, name_end = self.take()
                if not _NAME.fullmatch(name) or name in keywords():
                    raise _Refused
                out.append(PeerNode("group", f"group {name}", name=name,
                                    span=self.span(start, name_end)))
            elif _NAME.fullmatch(word) and word not in keywords():
                out.append(PeerNode("set", word, name=word, span=self.span(start, end)))
            else:
                raise _Refused
            if not self.comma():
                return tuple(out)

    def rule(self, text: str) -> RuleNode:
        word, first, _ = self.take()
        label = None
        if word.endswith(":"):
            label = word[:-1]
            if not _NAME.fullmatch(label) or label in keywords():
                raise _Refused
            word, _, _ = self.take()
        if word not in DIRECTIONS:
            raise _Refused
        direction = DIRECTIONS[word]
        action, _, _ = self.take()
        if action not in ACTIONS:
            raise _Refused
        proto_word, service_start, service_end = self.take()
        ports: tuple[PortRange, ...] | None = None
        if proto_word == "all":
            protocol = None
            if self.peek() is not None and self.peek()[:1] in "-0123456789":  # type: ignore[index]
                ports, service_end = self.ports()
                if ports is not None:
                    raise _Refused  # ports on 'all': a diagnostic
        elif proto_word.lower() in PROTOCOL_NUMBERS:
            protocol = PROTOCOL_NUMBERS[proto_word.lower()]
            if protocol in PORT_PROTOCOLS:
                if self.peek() == "all":
                    _, _, service_end = self.take()
                else:
                    ports, service_end = self.ports()
            elif self.peek() is not None and self.peek()[:1] in "-0123456789":  # type: ignore[index]
                raise _Refused
        else:
            raise _Refused
        clauses: dict[str, object] = {}
        end = service_end
        while self.peek() is not None:
            word, _, end = self.take()
            if word in clauses:
                raise _Refused
            if word in ("from", "to"):
                peers = self.peers()
                clauses[word] = peers
                end = self.words[self.at - 1][2]
            elif word == "priority":
                value, _, end = self.take()
                if not _INT.fullmatch(value) or not 1 <= int(value) <= 100:
                    raise _Refused
                clauses[word] = int(value)
            elif word == "nic":
                value, _, end = self.take()
                if value not in _NICS:
                    raise _Refused
                clauses[word] = value
            elif word == "source-port":
                if protocol not in PORT_PROTOCOLS or self.peek() == "all":
                    raise _Refused
                clauses[word], end = self.ports()
            else:
                raise _Refused
        if self.peek() is not None:
            raise _Refused
        nic = clauses.get("nic")
        return RuleNode(direction, ACTIONS[action], protocol, ports,
                        clauses.get("from"), clauses.get("to"),  # type: ignore[arg-type]
                        clauses.get("priority", 1), clauses.get("source-port"),  # type: ignore[arg-type]
                        Nic(nic) if isinstance(nic, str) else None, label, "", None,
                        " ".join(text[first - 1:end - 1].split()), None,
                        self.span(first, end))


@lru_cache(maxsize=1)
def keywords() -> frozenset[str]:
    """Every word the grammar reserves: its quoted literals and the words of its terminals
    (protocols, directions, NIC types, families). A name that is one is left to Lark."""
    words = set(re.findall(r'"([A-Za-z][A-Za-z-]*)"', grammar_text()))
    words |= {*DIRECTIONS, *ACTIONS, *PROTOCOL_NUMBERS, *_NICS, "ipv4", "ipv6"}
    return frozenset(words)


def _rule_starts(line: str) -> bool:
    """Does ``line`` start a rule? Not when what looks like its label is a reserved word:
    ``from: ...`` after a rule is Lark's continuation of that rule (a from-clause)."""
    m = _START.match(line)
    return m is not None and not (m.group(1) and m.group(1).split(":")[0] in keywords())


def take_rules(text: str, path: str) -> tuple[str, dict[int, list[RuleNode]]] | None:
    """The plain rule lines of ``text`` read directly: (``text`` with those lines blanked,
    the rules by the line of their group's header). None when no line qualifies or the
    group structure is not the simple one (a brace inside a rule line, a string with one):
    then Lark reads everything. A line read is taken only once the next line with code is
    known to start another rule or close the group (else the rule may go on there)."""
    lines = text.split("\n")
    common = _Reader(path).common
    taken: dict[int, list[RuleNode]] = {}
    blank: list[int] = []  # the lines taken
    mine: list[RuleNode] = []  # the rules taken in the open group
    header: int | None = None
    pending: RuleNode | None = None  # read at line ``at``, waiting for the next line with code
    at = 0
    for i, line in enumerate(lines):
        if header is not None:
            rule = common(i + 1, line)
            if rule is not False:  # a rule of a common shape: it starts a rule
                if pending is not None:
                    blank.append(at)
                    mine.append(pending)
                pending, at = rule, i  # type: ignore[assignment]
                continue
        code = _code(line)
        if header is None:
            if _HEADER.match(code) and "external" not in code:
                header = i
            continue
        if _BLANK.match(code):
            continue
        if _CLOSE.match(code):
            if pending is not None:
                blank.append(at)
                mine.append(pending)
                pending = None
            if mine:
                taken[header + 1] = mine
                mine = []
            header = None
            continue
        if "{" in line or "}" in line:
            return None  # not the simple structure: leave the whole file to Lark
        if not _rule_starts(code):
            pending = None  # the rule before may go on on this line
            continue
        if pending is not None:
            blank.append(at)
            mine.append(pending)
            pending = None
        if '"' in line or ";" in code or not _PLAIN.fullmatch(code):
            continue
        try:
            pending, at = _Line(path, i + 1, code).rule(line), i
        except _Refused:
            continue
    if not blank:
        return None
    for i in blank:
        lines[i] = " " * len(lines[i])
    return "\n".join(lines), taken


def merge_rules(statements: Sequence[Any], taken: dict[int, list[RuleNode]]) -> list[Any] | None:
    """The statements Lark built from the blanked text, with the rules read directly put
    back in their groups in line order; None if a group they belong to is missing."""
    out = []
    used = 0
    for st in statements:
        if isinstance(st, GroupNode) and st.span is not None and st.span.line in taken:
            mine = taken[st.span.line]
            used += 1
            if st.rules:
                rules = tuple(sorted([*st.rules, *mine], key=lambda r: (r.span.line, r.span.col)
                                     if r.span else (0, 0)))
            else:
                rules = tuple(mine)  # read in line order
            st = replace(st, rules=rules)
        out.append(st)
    return out if used == len(taken) else None
