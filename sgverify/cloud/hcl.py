"""Plain Terraform ``.tf`` files, parsed by python-hcl2.

Only literal values are read. A reference to another resource's id
(``alicloud_security_group.web.id``) links a rule or an instance to that group; any other
expression (variables, locals, functions, interpolation, ``count``, ``for_each``,
``dynamic`` blocks) is reported (E201), never guessed. The resources then go through the
same conversion as ``terraform show -json`` output.
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions
from lark.exceptions import UnexpectedInput

from ..core.diagnostics import Span
from .jsondoc import Located
from .source import SYNTAX, UNSUPPORTED, Node, Sink, Src
from .terraform import HANDLED, Resource, convert_resources, note_reference

OPTIONS = SerializationOptions(with_comments=False, preserve_heredocs=False)
_EXPR = re.compile(r"^\$\{(.*)\}$", re.S)
_RESOURCE_ID = re.compile(r"^(alicloud_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_]+$")
META = frozenset({"lifecycle", "depends_on", "provider", "timeouts"})
NOT_STATIC = ("count", "for_each", "dynamic")


class _Expr:
    """An expression python-hcl2 handed back unevaluated."""

    def __init__(self, text: str) -> None:
        self.text = text


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)),
                  text)


def _value(v: Any) -> Any:
    """python-hcl2 values -> literals, lists, dicts, or ``_Expr`` for anything computed."""
    if isinstance(v, str):
        if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
            inner = v[1:-1]
            if "${" in inner or "%{" in inner:
                return _Expr(v)
            return _unescape(inner)
        m = _EXPR.match(v)
        return _Expr(m.group(1).strip() if m else v)
    if isinstance(v, list):
        return [_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items() if k != "__is_block__"}
    return v


def _positions(text: str) -> list[tuple[int, str, str, int]]:
    """(offset, type, name, end offset) of each resource block, by a line scan."""
    starts = [(m.start(), m.group(1), m.group(2)) for m in re.finditer(
        r'^[ \t]*resource[ \t]+"([^"]+)"[ \t]+"([^"]+)"', text, re.M)]
    tops = [m.start() for m in re.finditer(
        r"^(?:resource|data|module|variable|output|locals|provider|terraform|moved|import|check)\b",
        text, re.M)]
    out = []
    for off, rtype, name in starts:
        end = min([t for t in tops if t > off] + [len(text)])
        out.append((off, rtype, name, end))
    return out


def read_file(sink: Sink, shown: str, text: str, resources: list[Resource]) -> None:
    try:
        data = hcl2.loads(text, serialization_options=OPTIONS)
    except UnexpectedInput as exc:
        line, col = getattr(exc, "line", 0) or 0, getattr(exc, "column", 0) or 0
        sink.error(SYNTAX, Span(shown, line or 1, col or 1), "not valid HCL: "
                   + str(exc).strip().splitlines()[0])
        return
    except Exception as exc:  # noqa: BLE001 - python-hcl2 raises several kinds
        sink.error(SYNTAX, _file_span(shown), f"not valid HCL: {exc}")
        return
    doc = Located({}, text)
    src = Src(shown, doc)
    blocks = {(t, n): (off, end) for off, t, n, end in _positions(text)}
    for module in data.get("module", []) or []:
        for name in module:
            sink.warn(_file_span(shown), f"module \"{name.strip(chr(34))}\" is not followed: "
                      "import the module's own .tf files")
    for block in data.get("resource", []) or []:
        for rtype_q, named in block.items():
            rtype = rtype_q.strip('"')
            for name_q, body in named.items():
                name = name_q.strip('"')
                address = f"{rtype}.{name}"
                off, end = blocks.get((rtype, name), (0, len(text)))
                doc.offsets[(address,)] = off
                values: dict[str, Any] = {}
                doc.value[address] = values
                node = Node(values, src, (address,)).labelled(address)
                r = Resource(address, address, rtype, node)
                for attr, raw in body.items():
                    if attr == "__is_block__":
                        continue
                    m = re.search(rf"^[ \t]*{re.escape(attr)}\b", text[off:end], re.M)
                    if m:
                        doc.offsets[(address, attr)] = off + m.start() + len(m.group(0)) - len(attr)
                    if attr in META:
                        continue
                    if attr in NOT_STATIC and rtype in HANDLED:
                        sink.error(UNSUPPORTED, node.child(attr), f"'{attr}' makes the resources "
                                   "unknown to a static reader; use `terraform show -json` of a plan "
                                   "or state instead")
                        continue
                    value = _value(raw)
                    _store(r, attr, value)
                resources.append(r)


def _store(r: Resource, attr: str, value: Any) -> None:
    """Literal parts go to the values; expressions to refs or unknown."""
    values = r.values.value
    if isinstance(value, _Expr):
        _expression(r, attr, [value])
        return
    if isinstance(value, list) and any(isinstance(x, _Expr) for x in value):
        literal = [x for x in value if not isinstance(x, _Expr)]
        if literal:
            values[attr] = literal
        _expression(r, attr, [x for x in value if isinstance(x, _Expr)])
        return
    if _has_expr(value):
        r.unknown[attr] = "an expression inside it"
        return
    values[attr] = value


def _has_expr(value: Any) -> bool:
    if isinstance(value, _Expr):
        return True
    if isinstance(value, list):
        return any(_has_expr(x) for x in value)
    if isinstance(value, dict):
        return any(_has_expr(x) for x in value.values())
    return False


def _expression(r: Resource, attr: str, exprs: list[_Expr]) -> None:
    refs = []
    for e in exprs:
        m = _RESOURCE_ID.match(e.text)
        if not m:
            r.unknown[attr] = f"the expression `{e.text}`"
            return
        refs.append(f"{m.group(1)}.{m.group(2)}")
    note_reference(r, attr, refs, "")


def _file_span(shown: str) -> Span:
    return Span(shown, 1, 1)


def read(sink: Sink, files: list[tuple[str, str]], batch: Any) -> None:
    """All .tf files of one import run, read together (references cross files)."""
    resources: list[Resource] = []
    for shown, text in files:
        read_file(sink, shown, text, resources)
    convert_resources(sink, resources, batch, "hcl")
