"""Terraform expressions and string templates -> small syntax trees.

python-hcl2 hands expressions back as text (``${var.a ? 1 : 2}``) and strings as their
quoted source (``"web-${var.env}"``); this module parses both, so that ``evaluate`` can
compute what is known before apply. The trees are tuples: ``(kind, ...)``. Anything this
parser does not understand is a ``ParseError`` (the value then becomes unknown, with the
text, never a refused file).
"""

from __future__ import annotations

import re
from typing import Any

Tree = tuple[Any, ...]


class ParseError(Exception):
    """An expression outside the supported syntax."""


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_\-]*(?:::[A-Za-z_][A-Za-z0-9_\-]*)*)
  | (?P<op>\.\.\.|=>|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:.,\[\](){}=])
""", re.X)


def _string_end(text: str, start: int) -> int:
    """The index just past the closing quote of the string opening at ``start``."""
    i, depth = start + 1, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if depth == 0 and c == '"':
            return i + 1
        if text.startswith(("${", "%{"), i) and not text.startswith(("$${", "%%{"), i - 1):
            depth += 1
            i += 2
            continue
        if depth and c == '"':
            i = _string_end(text, i)
            continue
        if depth and c == "{":
            depth += 1
        elif depth and c == "}":
            depth -= 1
        i += 1
    raise ParseError("a string is not closed")


def tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if text[i] == '"':
            end = _string_end(text, i)
            out.append(("str", text[i + 1:end - 1]))
            i = end
            continue
        m = _TOKEN.match(text, i)
        if not m:
            raise ParseError(f"unexpected '{text[i]}'")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group(0)))
        i = m.end()
    out.append(("end", ""))
    return out


BINARY = [("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%")]


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokens(text)
        self.i = 0

    def peek(self, k: int = 0) -> tuple[str, str]:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, value: str) -> bool:
        if self.peek()[0] == "op" and self.peek()[1] == value:
            self.i += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            raise ParseError(f"expected '{value}', found '{self.peek()[1] or 'the end'}'")

    def done(self) -> Tree:
        tree = self.expr()
        if self.peek()[0] != "end":
            raise ParseError(f"unexpected '{self.peek()[1]}'")
        return tree

    def expr(self) -> Tree:
        cond = self.binary(0)
        if self.accept("?"):
            yes = self.expr()
            self.expect(":")
            no = self.expr()
            return ("cond", cond, yes, no)
        return cond

    def binary(self, level: int) -> Tree:
        if level == len(BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in BINARY[level]:
            op = self.take()[1]
            left = ("bin", op, left, self.binary(level + 1))
        return left

    def unary(self) -> Tree:
        if self.accept("!"):
            return ("not", self.unary())
        if self.accept("-"):
            return ("neg", self.unary())
        return self.postfix(self.primary())

    def postfix(self, tree: Tree) -> Tree:
        while True:
            if self.accept("."):
                kind, value = self.take()
                if kind == "ident":
                    tree = ("attr", tree, value)
                elif kind == "num" and value.isdigit():
                    tree = ("index", tree, ("lit", int(value)))
                elif kind == "op" and value == "*":
                    tree = self.splat(tree, legacy=True)
                    return tree
                else:
                    raise ParseError(f"unexpected '{value}' after '.'")
            elif self.peek() == ("op", "[") and self.peek(1) == ("op", "*") and \
                    self.peek(2) == ("op", "]"):
                self.i += 3
                return self.splat(tree, legacy=False)
            elif self.accept("["):
                index = self.expr()
                self.expect("]")
                tree = ("index", tree, index)
            else:
                return tree

    def splat(self, tree: Tree, legacy: bool) -> Tree:
        """``a.*.b`` / ``a[*].b[0]``: the steps after the star apply to each element (the
        legacy form takes attributes only)."""
        steps: list[tuple[str, Any]] = []
        while True:
            if self.peek() == ("op", ".") and self.peek(1)[0] == "ident":
                self.i += 1
                steps.append(("attr", self.take()[1]))
            elif not legacy and self.peek() == ("op", "["):
                self.i += 1
                steps.append(("index", self.expr()))
                self.expect("]")
            else:
                break
        result: Tree = ("splat", tree, tuple(steps))
        return self.postfix(result) if legacy else result

    def primary(self) -> Tree:
        kind, value = self.take()
        if kind == "num":
            number = float(value)
            return ("lit", int(number) if number.is_integer() and "e" not in value.lower()
                    and "." not in value else number)
        if kind == "str":
            return ("tmpl", parse_template(value))
        if kind == "ident":
            if value in ("true", "false"):
                return ("lit", value == "true")
            if value == "null":
                return ("lit", None)
            if self.accept("("):
                args: list[Tree] = []
                spread = False
                while not self.accept(")"):
                    args.append(self.expr())
                    if self.accept("..."):
                        spread = True
                    if not self.accept(","):
                        self.expect(")")
                        break
                return ("call", value, tuple(args), spread)
            return ("var", value)
        if kind == "op" and value == "(":
            inner = self.expr()
            self.expect(")")
            return ("paren", inner)
        if kind == "op" and value == "[":
            return self.tuple_or_for()
        if kind == "op" and value == "{":
            return self.object_or_for()
        raise ParseError(f"unexpected '{value or 'the end'}'")

    def for_head(self) -> tuple[str | None, str, Tree]:
        first = self.take()
        if first[0] != "ident":
            raise ParseError("expected a name after 'for'")
        key, name = None, first[1]
        if self.accept(","):
            key, name = name, self.take()[1]
        if self.take() != ("ident", "in"):
            raise ParseError("expected 'in'")
        coll = self.expr()
        self.expect(":")
        return key, name, coll

    def tuple_or_for(self) -> Tree:
        if self.peek() == ("ident", "for"):
            self.i += 1
            key, name, coll = self.for_head()
            value = self.expr()
            cond = self.expr() if self.peek() == ("ident", "if") and self.take() else None
            self.expect("]")
            return ("for_list", key, name, coll, value, cond)
        items: list[Tree] = []
        while not self.accept("]"):
            items.append(self.expr())
            if not self.accept(","):
                self.expect("]")
                break
        return ("list", tuple(items))

    def object_or_for(self) -> Tree:
        if self.peek() == ("ident", "for"):
            self.i += 1
            key, name, coll = self.for_head()
            k = self.expr()
            self.expect("=>")
            v = self.expr()
            group = self.accept("...")
            cond = self.expr() if self.peek() == ("ident", "if") and self.take() else None
            self.expect("}")
            return ("for_map", key, name, coll, k, v, group, cond)
        items: list[tuple[Tree, Tree]] = []
        while not self.accept("}"):
            if self.peek()[0] == "ident" and self.peek(1)[1] in ("=", ":"):
                k: Tree = ("lit", self.take()[1])
            else:
                k = self.expr()
            if not (self.accept("=") or self.accept(":")):
                raise ParseError("expected '=' in an object")
            items.append((k, self.expr()))
            self.accept(",")
        return ("object", tuple(items))


def parse_expression(text: str) -> Tree:
    return _Parser(text).done()


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _literal(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        s = m.group(0)
        if s.startswith("\\u") or s.startswith("\\U"):
            return chr(int(s[2:], 16))
        if s in ("$${", "%%{"):
            return s[1:]
        return _ESCAPES.get(s[1], s[1])
    return re.sub(r"\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\.|\$\$\{|%%\{", one, text)


def _directive_end(text: str, start: int) -> int:
    """The index of the '}' closing the interpolation or directive opened at ``start``."""
    i, depth = start + 2, 1
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _string_end(text, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ParseError("an interpolation is not closed")


def parse_template(text: str) -> Tree:
    """The inside of a quoted string (escapes as in the source): literal parts,
    ``${...}`` interpolations and ``%{if}`` / ``%{for}`` directives."""
    parts: list[Any] = []  # str | ("interp", tree) | ("dir", words)
    i, lit = 0, ""
    while i < len(text):
        if text.startswith(("$${", "%%{"), i):
            lit += text[i:i + 3]
            i += 3
        elif text.startswith("\\", i):
            lit += text[i:i + 2]
            i += 2
        elif text.startswith(("${", "%{"), i):
            end = _directive_end(text, i)
            inner = text[i + 2:end]
            strip_l, strip_r = inner.startswith("~"), inner.endswith("~")
            inner = inner.strip("~").strip()
            if strip_l:
                lit = lit.rstrip()
            if lit:
                parts.append(_literal(lit))
            lit = ""
            if text[i] == "$":
                parts.append(("interp", parse_expression(inner)))
            else:
                parts.append(("dir", inner))
            i = end + 1
            if strip_r:
                while i < len(text) and (text[i] in " \t" or text.startswith(("\\n", "\\r", "\\t"), i)):
                    i += 1 if text[i] in " \t" else 2
        else:
            lit += text[i]
            i += 1
    if lit:
        parts.append(_literal(lit))
    seq, rest = _directives(parts, 0, ())
    if rest != len(parts):
        raise ParseError(f"unexpected %{{{parts[rest][1]}}}")
    return seq


def _directives(parts: list[Any], i: int, stop: tuple[str, ...]) -> tuple[Tree, int]:
    """Nest ``%{if}``/``%{for}`` parts until one of ``stop`` (else, endif, endfor)."""
    out: list[Any] = []
    while i < len(parts):
        p = parts[i]
        if isinstance(p, tuple) and p[0] == "dir":
            word = p[1].split(None, 1)[0] if p[1] else ""
            if word in stop:
                return ("seq", tuple(out)), i
            if word == "if":
                cond = parse_expression(p[1][2:])
                yes, i = _directives(parts, i + 1, ("else", "endif"))
                no: Tree = ("seq", ())
                if i < len(parts) and parts[i][1].split()[0] == "else":
                    no, i = _directives(parts, i + 1, ("endif",))
                if i >= len(parts) or parts[i][1].split()[0] != "endif":
                    raise ParseError("%{if} without %{endif}")
                out.append(("if", cond, yes, no))
            elif word == "for":
                m = re.fullmatch(r"for\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\s+(.*)",
                                 p[1], re.S)
                if not m:
                    raise ParseError(f"cannot read %{{{p[1]}}}")
                key, name = (m.group(1), m.group(2)) if m.group(2) else (None, m.group(1))
                body, i = _directives(parts, i + 1, ("endfor",))
                if i >= len(parts):
                    raise ParseError("%{for} without %{endfor}")
                out.append(("for", key, name, parse_expression(m.group(3)), body))
            else:
                raise ParseError(f"unexpected %{{{p[1]}}}")
            i += 1
            continue
        out.append(p)
        i += 1
    if stop:
        raise ParseError(f"missing %{{{stop[-1]}}}")
    return ("seq", tuple(out)), i
