"""Text -> Lark parse tree. Syntax errors become diagnostics that say, in plain words,
what was expected; after an error the parser skips to the next statement or rule line
and goes on, so one run reports several errors.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources

import lark
from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..core.diagnostics import Diagnostic, InputError, Span
from ..core.numbers import cut

MAX_SYNTAX_ERRORS = 20


def grammar_text() -> str:
    """The grammar: shipped in the installed package as ``sgverify.grammar``; in a source
    checkout it is read from the top-level grammar/ folder beside the package."""
    try:
        return resources.files("sgverify.grammar").joinpath("sgverify.lark").read_text("utf-8")
    except ModuleNotFoundError:
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, os.pardir, os.pardir, "grammar", "sgverify.lark"), encoding="utf-8") as fh:
            return fh.read()


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, built once from the grammar."""
    text = grammar_text()
    # cache=True: lark stores the analysed grammar in the temporary folder, keyed by a hash
    # of the grammar and options (building the LALR tables costs ~0.3 s per start otherwise);
    # lark falls back to building when the cache cannot be read or written.
    return Lark(text, parser="lalr", start=["start", "flow", "flowset"],
                propagate_positions=True, maybe_placeholders=False, cache=True)


# Plain-words names for grammar terminals (never show raw terminal names to users).
TERMINAL_HINTS = {
    "PORT_SPEC": "a port, a port range like 8000-8080, or 'all'",
    "CIDR": "an address or CIDR block like 10.0.0.0/8",
    "NAME": "a name",
    "DIRECTION": "a direction (ingress or egress)",
    "PROTOCOL": "a protocol (tcp, udp, icmp, icmpv6, gre or proto N)",
    "NIC": "a NIC type (intranet or internet)",
    "FAMILY": "ipv4 or ipv6",
    "STRING": "a quoted string",
    "INT": "a number",
    "SIGNED_INT": "a number",
    "GROUP_XREF": "a cross-account group like 1234567890/sg-id",
    "REACH": "'can reach', 'cannot reach' or 'can partly reach'",
    "$END": "the end of the file",
}
# Terminals that, when expected, are described by one phrase instead of a list of keywords.
_ORDER = ["DIRECTION", "PROTOCOL", "PORT_SPEC", "CIDR", "NAME", "GROUP_XREF", "NIC", "INT",
          "SIGNED_INT", "STRING", "REACH", "FAMILY"]


def _keyword_of(name: str) -> str | None:
    term = next((t for t in parser().terminals if t.name == name), None)
    if term is not None and isinstance(term.pattern, lark.lexer.PatternStr):
        return term.pattern.value
    return None


def describe_expected(expected: set[str] | frozenset[str]) -> str:
    """Plain words for a set of expected terminal names."""
    phrases: list[str] = [f"'{c}'" for c in ("}", ")")
                          if any(_keyword_of(n) == c for n in expected)]  # the likely fix first
    for name in _ORDER:
        if name in expected:
            phrase = TERMINAL_HINTS[name]
            if phrase not in phrases:
                phrases.append(phrase)
    keywords = sorted({k for k in (_keyword_of(n) for n in expected if n not in TERMINAL_HINTS)
                       if k and k not in ("}", ")")})
    phrases.extend(f"'{k}'" for k in keywords)
    if "$END" in expected:
        phrases.append(TERMINAL_HINTS["$END"])
    if not phrases:
        return "something else"
    if len(phrases) > 10:
        phrases = phrases[:10] + ["..."]
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " or " + phrases[-1]


_WORD_TERMINALS = ("tcp udp icmp icmpv6 gre ingress egress inbound outbound internet intranet "
                   "ipv4 ipv6 can cannot partly reach").split()


@lru_cache(maxsize=1)
def reserved_words() -> frozenset[str]:
    """Words of the language; they cannot name groups, instances, sets or lists."""
    words = {t.pattern.value for t in parser().terminals
             if isinstance(t.pattern, lark.lexer.PatternStr)
             and re.fullmatch(r"[a-z][a-z0-9\-]*", t.pattern.value)}
    return frozenset(words | set(_WORD_TERMINALS))


def _token_text(tok: lark.Token) -> str:
    if tok.type == "$END":
        return "end of file"
    return f"'{cut(str(tok))}'"


def _previous_code_pos(text: str, pos: int) -> int:
    """Index just after the last non-blank character before ``pos``."""
    while pos > 0 and text[pos - 1] in " \t\r\n":
        pos -= 1
    return pos


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def syntax_diagnostic(err: UnexpectedInput, text: str, path: str) -> tuple[Diagnostic, int]:
    """(diagnostic, character offset to resynchronise from) for one Lark error."""
    if isinstance(err, UnexpectedToken):
        tok = err.token
        pos = tok.start_pos if tok.start_pos is not None else len(text)
        expected = describe_expected(err.accepts or err.expected)
        brace = _unclosed_brace(text, len(text) if tok.type == "$END" else pos)
        if brace is not None:  # a statement starts while a group is open: its '}' is missing
            bline, bcol = _line_col(text, brace)
            tline, _ = _line_col(text, pos)
            end = tok.type == "$END"
            return Diagnostic.make("E003" if end else "E001", f"the '{{' on line {bline} is not "
                                   "closed: '}' is missing before "
                                   + ("the end of the file" if end else f"line {tline}"),
                                   Span(path, bline, bcol, bline, bcol + 1)), \
                len(text) if end else brace
        if tok.type == "$END":
            pos = _previous_code_pos(text, len(text))
            line, col = _line_col(text, pos)
            return Diagnostic.make("E003", f"unexpected end of file; expected {expected}",
                                   Span(path, line, col, line, col + 1)), pos
        prev = _previous_code_pos(text, pos)
        line, col = _line_col(text, pos)
        if set(err.accepts or err.expected) == {"COLON"}:
            # A word the parser could only read as a label ("name:"): most likely a
            # misspelt keyword. Point at the word itself.
            m = re.search(r"[A-Za-z_][\w.\-]*$", text[:prev])
            if m:
                wline, wcol = _line_col(text, m.start())
                return Diagnostic.make(
                    "E001", f"unknown word '{m.group(0)}' (a misspelt keyword? a label needs ':' "
                    "after it)", Span(path, wline, wcol, wline, wcol + len(m.group(0)))), m.start()
        if prev < pos and text.count("\n", prev, pos):
            # The token starts a new line: the problem is most likely the end of the one before.
            pline, pcol = _line_col(text, prev)
            return Diagnostic.make(
                "E001", f"expected {expected} at the end of the line, before {_token_text(tok)} "
                f"on line {line}", Span(path, pline, pcol, pline, pcol + 1)), prev
        end = len(str(tok))
        return Diagnostic.make("E001", f"unexpected {_token_text(tok)}; expected {expected}",
                               Span(path, line, col, line, col + max(end, 1))), pos
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream or 0
        expected = describe_expected(err.allowed or set())
        ch = text[pos] if pos < len(text) else ""
        word = re.match(r"[^\s,;(){}]+", text[pos:])
        shown = word.group(0) if word else ch
        line, col = _line_col(text, pos)
        return Diagnostic.make("E002", f"unexpected '{cut(shown)}'; expected {expected}",
                               Span(path, line, col, line, col + max(len(shown), 1))), pos
    if isinstance(err, UnexpectedEOF):
        brace = _unclosed_brace(text, len(text))
        if brace is not None:
            bline, bcol = _line_col(text, brace)
            return Diagnostic.make("E003", f"the '{{' on line {bline} is not closed: '}}' is "
                                   "missing before the end of the file",
                                   Span(path, bline, bcol, bline, bcol + 1)), len(text)
        pos = _previous_code_pos(text, len(text))
        line, col = _line_col(text, pos)
        return Diagnostic.make("E003", "unexpected end of file; expected "
                               + describe_expected(set(err.expected)), Span(path, line, col)), pos
    line, col = getattr(err, "line", 1) or 1, getattr(err, "column", 1) or 1
    return Diagnostic.make("E001", str(err).splitlines()[0], Span(path, line, col)), 0


# Lines where parsing can safely resume: a top-level statement, or (inside a group) a rule
# line or a closing brace.
_TOP = re.compile(
    r"^[ \t]*(?:(?:include|import|option|addresses|prefix-list|port-list|group|instance|interface|eni"
    r"|assert)\b"
    r"|[A-Za-z_][\w.\-]*[ \t]*:[ \t]*assert\b)", re.M)
_INNER = re.compile(
    r"^[ \t]*(?:(?:ingress|egress|inbound|outbound)\b|\}"
    r"|[A-Za-z_][\w.\-]*[ \t]*:[ \t]*(?:ingress|egress|inbound|outbound)\b)", re.M)


def _open_at(text: str, start: int, end: int) -> bool:
    """Is a '{' opened in ``text[start:end]`` still open at ``end``?"""
    return bool(_open_braces(text, start, end))


def _open_braces(text: str, start: int, end: int) -> list[int]:
    """The '{' of ``text[start:end]`` not closed by ``end`` (strings and comments skipped)."""
    opened: list[int] = []
    i = start
    while i < end:
        ch = text[i]
        if ch == '"':
            m = _STRING.match(text, i)
            i = m.end() if m else i + 1
            continue
        if ch == "#" or text.startswith("//", i):
            nl = text.find("\n", i)
            i = end if nl < 0 else nl
            continue
        if ch == "{":
            opened.append(i)
        elif ch == "}" and opened:
            opened.pop()
        i += 1
    return opened


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?')


def _unclosed_brace(text: str, pos: int) -> int | None:
    """Where the '{' is that is still open at ``pos``, when ``pos`` starts a top-level
    statement (or is the end of the text) after an unfinished one: its '}' is missing.
    None otherwise. Braces in strings and comments do not count."""
    line_start = text.rfind("\n", 0, pos) + 1
    if pos < len(text) and not (_TOP.match(text, line_start) and not text[line_start:pos].strip()):
        return None
    starts = [m.start() for m in _TOP.finditer(text, 0, line_start)]
    if not starts:
        return None
    opened = _open_braces(text, starts[-1], line_start)
    return opened[0] if opened else None


def _skip_region(text: str, pos: int) -> tuple[int, int]:
    """The region to blank after an error at ``pos``: from the statement or rule line it is
    in, up to the next line where parsing can resume."""
    top = [m.start() for m in _TOP.finditer(text)]
    inner = [m.start() for m in _INNER.finditer(text)]
    line_start = text.rfind("\n", 0, pos) + 1
    before = [(p, True) for p in top if p <= line_start] + [(p, False) for p in inner if p <= line_start]
    start, is_top = max(before) if before else (0, True)
    if is_top and start < line_start and _open_at(text, start, line_start):
        # A line inside a group's braces that starts no rule (a misspelt word): skip that
        # line only, so the group's other rules are still read and checked.
        start, is_top = line_start, False
    after = [p for p in top if p > line_start] + ([] if is_top else [p for p in inner if p > line_start])
    return start, min(after) if after else len(text)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def parse_text(text: str, path: str, start: str = "start") -> Tree:
    """Parse ``text``; raise ``InputError`` with every syntax error found (up to a limit)."""
    tree, diags = parse_recovering(text, path, start)
    if diags or tree is None:
        raise InputError(diags)
    return tree


def parse_recovering(text: str, path: str, start: str = "start") -> tuple[Tree | None, list[Diagnostic]]:
    """Parse ``text``, skipping past each syntax error to the next statement or rule line.
    Returns the tree of what could be parsed (None if nothing) and the syntax errors."""
    diags: list[Diagnostic] = []
    work = text
    while True:
        try:
            return parser().parse(work, start=start), diags
        except UnexpectedInput as err:
            diag, pos = syntax_diagnostic(err, work, path)
            diags.append(diag)
            if start != "start" or len(diags) >= MAX_SYNTAX_ERRORS or diag.code == "E003":
                return None, diags
            lo, hi = _skip_region(work, pos)
            if not work[lo:hi].strip():
                return None, diags
            work = _blank(work, lo, hi)
