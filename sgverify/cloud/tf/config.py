"""One Terraform module as Terraform reads it before apply: its variables, locals,
resources (expanded by ``count`` / ``for_each``), data sources, local child modules and
outputs, evaluated lazily through ``evaluate``.

``Module`` is built from the python-hcl2 data of a folder's ``.tf`` files. Its
``instances()`` are the resource instances with their attributes evaluated: known values,
``Ref`` to other resources, or ``Unknown`` (with the expression and why). A child module
whose ``source`` is a local path is read through ``Loader.load_dir`` (files are read by the
caller, through ``core.files``); a registry or git module is not followed, and its outputs
are unknown.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .evaluate import Lazy, Scope, evaluate, evaluate_text, plain
from .expr import ParseError, parse_expression
from .values import Ref, Unknown, first_unknown, to_bool, to_number, to_text

META = frozenset({"lifecycle", "depends_on", "provider", "providers", "count", "for_each",
                  "provisioner", "connection"})
_WRAPPED = re.compile(r"^\$\{(.*)\}$", re.S)


def expression_text(raw: Any) -> str:
    """The source-like text of a python-hcl2 value, for messages."""
    if isinstance(raw, str):
        m = _WRAPPED.match(raw)
        return m.group(1).strip() if m else raw
    return repr(raw)


def raw_value(raw: Any, scope: Scope) -> Any:
    """A python-hcl2 attribute value, evaluated."""
    if isinstance(raw, str):
        if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
            return evaluate_text(raw[1:-1], scope, template=True)
        m = _WRAPPED.match(raw)
        return evaluate_text(m.group(1) if m else raw, scope)
    if isinstance(raw, list):
        return [plain(raw_value(x, scope)) for x in raw]
    if isinstance(raw, dict):
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if k == "__is_block__":
                continue
            key = raw_value(k, scope) if k.startswith("${") else k.strip('"')
            if isinstance(key, (Unknown, Ref)):
                return Unknown(f"an object key is unknown: {first_unknown(key)}")
            out[to_text(key)] = plain(raw_value(v, scope))
        return out
    return raw


def is_block(raw: Any) -> bool:
    return isinstance(raw, list) and bool(raw) and all(
        isinstance(x, dict) and x.get("__is_block__") for x in raw)


@dataclass
class Where:
    """A block's place: its file, and the offsets of the block and of its attributes."""

    shown: str
    text: str
    offset: int
    end: int

    def attr_offset(self, attr: str) -> int | None:
        m = re.search(rf"^[ \t]*{re.escape(attr)}\b", self.text[self.offset:self.end], re.M)
        return self.offset + m.start() + len(m.group(0)) - len(attr) if m else None

    def line(self, offset: int | None = None) -> int:
        return self.text.count("\n", 0, self.offset if offset is None else offset) + 1


@dataclass
class Block:
    kind: str  # resource, data, module, variable, output
    labels: tuple[str, ...]
    body: dict[str, Any]
    where: Where


@dataclass
class Instance(Lazy):
    """One resource instance: its attributes evaluated on demand."""

    module: Module
    block: Block
    address: str
    names: dict[str, Any]  # count / each
    cache: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.address

    @property
    def rtype(self) -> str:
        return self.block.labels[0]

    def scope(self) -> Scope:
        return self.module.scope().with_names(self.names)

    def attrs(self) -> list[str]:
        names = [k for k in self.block.body if k not in ("__is_block__", "dynamic")]
        return names + [n for n, _ in dynamics(self.block.body) if n not in names]

    def attr(self, name: str) -> Any:
        if name not in self.cache:
            self.cache[name] = Unknown(f"{self.address}.{name} refers to itself")
            self.cache[name] = guarded(lambda: self._compute(name))
        return self.cache[name]

    def _compute(self, name: str) -> Any:
        body = self.block.body
        dynamic = [(n, spec) for n, spec in dynamics(body) if n == name]
        if name in body or dynamic:
            raw = body.get(name)
            if raw is not None and is_block(raw) or dynamic:
                return self.module.blocks_value(raw or [], dynamic, self.scope())
            return plain(raw_value(raw, self.scope()))
        return Ref(self.address, name)

    def index(self, key: Any) -> Any:
        return Ref(self.address, f"[{key}]").unknown()

    def whole(self) -> Any:
        out = {a: self.attr(a) for a in self.attrs() if a not in META}
        out.setdefault("id", Ref(self.address, "id"))
        return out


@dataclass
class Expanded(Lazy):
    """A resource or module block with ``count`` or ``for_each``: its instances by index
    or key (``res[0]``, ``res["a"]``)."""

    label: str
    items: list[Any] | dict[str, Any]

    def __str__(self) -> str:
        return self.label

    def instances(self) -> list[Any]:
        return list(self.items) if isinstance(self.items, list) else \
            [self.items[k] for k in sorted(self.items)]

    def attr(self, name: str) -> Any:
        return Unknown(f"{self.label} has several instances: name one, as {self.label}[0] or "
                       f"{self.label}[\"key\"] (reading .{name})")

    def index(self, key: Any) -> Any:
        if isinstance(self.items, list):
            i = int(to_number(key))
            if not 0 <= i < len(self.items):
                return Unknown(f"{self.label}[{i}] does not exist ({len(self.items)} instances)")
            return self.items[i]
        k = to_text(key)
        if k not in self.items:
            return Unknown(f"{self.label}[\"{k}\"] does not exist")
        return self.items[k]

    def whole(self) -> Any:
        return [plain(x) for x in self.items] if isinstance(self.items, list) else \
            {k: plain(v) for k, v in self.items.items()}


class _Namespace(Lazy):
    def __init__(self, label: str, get: Callable[[str], Any]) -> None:
        self.label, self.get = label, get

    def __str__(self) -> str:
        return self.label

    def attr(self, name: str) -> Any:
        return self.get(name)


@dataclass
class Loader:
    """What a module needs from its reader: the folder's parsed files, warnings."""

    load_dir: Callable[[str, Where], list[tuple[str, str, dict[str, Any]]] | None]
    warn: Callable[[Where, str], None]
    root_vars: dict[str, Any] = field(default_factory=dict)  # supplied values (raw text or value)


class Module(Lazy):
    """The blocks of one module instance (``prefix`` is ``module.app.`` or empty)."""

    def __init__(self, loader: Loader, files: list[tuple[str, str, dict[str, Any]]], prefix: str,
                 folder: str, inputs: Callable[[str], Any] | None = None,
                 supplied: dict[str, Any] | None = None) -> None:
        self.loader, self.prefix, self.folder = loader, prefix, folder
        self.inputs = inputs  # a child module: its arguments, evaluated in the caller
        self.supplied = supplied or {}  # a root module: --var, tfvars, TF_VAR_ (raw values)
        self.blocks: list[Block] = []
        self.locals: dict[str, tuple[Any, Where]] = {}
        self._cache: dict[tuple[str, str], Any] = {}
        for shown, text, data in files:
            self._collect(shown, text, data)
        self.variables = {b.labels[0]: b for b in self.blocks if b.kind == "variable"}
        self.resources = {(b.labels[0], b.labels[1]): b for b in self.blocks if b.kind == "resource"}
        self.calls = {b.labels[0]: b for b in self.blocks if b.kind == "module"}
        self.outputs = {b.labels[0]: b for b in self.blocks if b.kind == "output"}
        self.types = {t for t, _ in self.resources}

    def __str__(self) -> str:
        return self.prefix.rstrip(".") or "the root module"

    def _collect(self, shown: str, text: str, data: dict[str, Any]) -> None:
        spans = _block_spans(text)
        for kind in ("resource", "data", "module", "variable", "output"):
            for entry in data.get(kind, []) or []:
                for labels, body in _labelled(entry, 2 if kind in ("resource", "data") else 1):
                    off, end = spans.get((kind,) + labels, (0, len(text)))
                    self.blocks.append(Block(kind, labels, body, Where(shown, text, off, end)))
        for entry in data.get("locals", []) or []:
            off, end = spans.get(("locals",), (0, len(text)))
            for name, raw in entry.items():
                if name != "__is_block__":
                    self.locals[name] = (raw, Where(shown, text, off, end))

    # ------------------------------------------------------------- names
    def scope(self) -> Scope:
        return Scope(self.root)

    def root(self, name: str) -> Any:
        if name == "var":
            return _Namespace("var", self.variable)
        if name == "local":
            return _Namespace("local", self.local)
        if name == "module":
            return _Namespace("module", self.call)
        if name == "data":
            return _Namespace("data", lambda t: _Namespace(f"data.{t}", lambda n: Unknown(
                f"data.{t}.{n} is read from the cloud when Terraform plans")))
        if name == "path":
            return {"module": self.folder, "root": self.folder, "cwd": os.getcwd()}
        if name == "terraform":
            return {"workspace": "default"}
        if name in ("count", "each", "self"):
            return Unknown(f"'{name}' is used outside a resource that sets it")
        if name in self.types:
            return _Namespace(name, lambda n, t=name: self.resource(t, n))
        if name.startswith(("alicloud_", "aws_", "random_", "null_", "time_")):
            return _Namespace(name, lambda n, t=name: Unknown(f"{t}.{n} is not a resource of "
                                                               f"{self}"))
        return Unknown(f"'{name}' is not a name Terraform knows here")

    def memo(self, kind: str, name: str, compute: Callable[[], Any]) -> Any:
        key = (kind, name)
        if key not in self._cache:
            self._cache[key] = Unknown(f"{kind}.{name} depends on itself")
            self._cache[key] = guarded(compute)
        return self._cache[key]

    def variable(self, name: str) -> Any:
        return self.memo("var", name, lambda: self._variable(name))

    def _variable(self, name: str) -> Any:
        block = self.variables.get(name)
        if block is None:
            return Unknown(f"variable \"{name}\" is not declared in {self}")
        vtype = expression_text(block.body.get("type", "any"))
        if self.inputs is not None:
            value = self.inputs(name)
            if value is not None:
                return _convert(value, vtype)
        elif name in self.supplied:
            given = self.supplied[name]
            if isinstance(given, tuple):  # (text, "cli"/"env"): a string unless typed
                text = given[0]
                if vtype in ("string", "any", "") or vtype.startswith("${string"):
                    return text
                return _convert(evaluate_text(text, Scope(lambda n: Unknown(
                    f"a variable value cannot use '{n}'"))), vtype)
            return _convert(given, vtype)
        if "default" in block.body:
            return _convert(plain(raw_value(block.body["default"], Scope(lambda n: Unknown(
                f"a default cannot use '{n}'")))), vtype)
        hint = (f"give it in the module block of {self}" if self.inputs is not None else
                f"give it with --var {name}=VALUE, a .tfvars file or TF_VAR_{name}")
        return Unknown(f"variable \"{name}\" has no value ({hint})")

    def local(self, name: str) -> Any:
        if name not in self.locals:
            return Unknown(f"local.{name} is not defined in {self}")
        return self.memo("local", name, lambda: plain(raw_value(self.locals[name][0],
                                                                self.scope())))

    def resource(self, rtype: str, name: str) -> Any:
        return self.memo(rtype, name, lambda: self._expand(self.resources[(rtype, name)])
                         if (rtype, name) in self.resources else
                         Unknown(f"{rtype}.{name} is not a resource of {self}"))

    def _expand(self, block: Block) -> Any:
        label = self.prefix + ".".join(block.labels)
        made = self.expansion(block, label)
        if isinstance(made, Unknown):
            return made
        if made is None:
            return Instance(self, block, label, {})
        if isinstance(made, list):
            return Expanded(label, [Instance(self, block, f"{label}[{i}]", n)
                                    for i, n in enumerate(made)])
        return Expanded(label, {k: Instance(self, block, f"{label}[\"{k}\"]", n)
                                for k, n in made.items()})

    def expansion(self, block: Block, label: str) -> list[dict[str, Any]] | dict[str, dict[str, Any]] | Unknown | None:
        """None (one instance), the names bound for each instance, or Unknown."""
        body = block.body
        if "count" in body:
            n = plain(raw_value(body["count"], self.scope()))
            if first_unknown(n) is not None:
                return Unknown(f"count = {expression_text(body['count'])}: {first_unknown(n)}")
            try:
                count = int(to_number(n))
            except TypeError as exc:
                return Unknown(f"count = {expression_text(body['count'])}: {exc}")
            return [{"count": {"index": i}} for i in range(max(count, 0))]
        if "for_each" in body:
            coll = plain(raw_value(body["for_each"], self.scope()))
            if isinstance(coll, Unknown) or (isinstance(coll, dict) and first_unknown(list(coll))):
                return Unknown(f"for_each = {expression_text(body['for_each'])}: {first_unknown(coll)}")
            if isinstance(coll, list):
                keys = [x for x in coll]
                if any(isinstance(k, (Unknown, Ref)) for k in keys):
                    return Unknown(f"for_each = {expression_text(body['for_each'])}: "
                                   f"{first_unknown(keys)}")
                if not all(isinstance(k, str) for k in keys):
                    return Unknown(f"for_each = {expression_text(body['for_each'])}: a set of "
                                   "strings or a map is needed")
                return {k: {"each": {"key": k, "value": k}} for k in sorted(set(keys))}
            if isinstance(coll, dict):
                return {k: {"each": {"key": k, "value": coll[k]}} for k in sorted(coll)}
            return Unknown(f"for_each = {expression_text(body['for_each'])}: a map or a set "
                           "is needed")
        return None

    def blocks_value(self, raw: list[dict[str, Any]], dynamic: list[tuple[str, Any]],
                     scope: Scope) -> Any:
        """Nested blocks (a list of objects), with ``dynamic`` blocks expanded."""
        out: list[Any] = []
        for b in raw:
            out.append(self._block_body(b, scope))
        for dyn_name, dyn in dynamic:
            for spec in dyn if isinstance(dyn, list) else [dyn]:
                iterator = expression_text(spec.get("iterator", "")) or dyn_name
                coll = plain(raw_value(spec.get("for_each", "[]"), scope))
                if isinstance(coll, Unknown):
                    return Unknown(f"dynamic block for_each = {expression_text(spec.get('for_each'))}"
                                   f": {coll}")
                pairs = list(enumerate(coll)) if isinstance(coll, list) else \
                    sorted(coll.items()) if isinstance(coll, dict) else []
                for content in spec.get("content", []) or []:
                    for k, v in pairs:
                        out.append((iterator, k, v, content))
        result: list[Any] = []
        for item in out:
            if isinstance(item, tuple):
                iterator, k, v, content = item
                result.append(self._block_body(content, scope, iterator, {"key": k, "value": v}))
            else:
                result.append(item)
        return result

    def _block_body(self, body: dict[str, Any], scope: Scope, iterator: str | None = None,
                    item: dict[str, Any] | None = None) -> Any:
        if item is not None and iterator is not None:
            scope = scope.with_names({iterator: item})
        out: dict[str, Any] = {}
        for k, v in body.items():
            if k in ("__is_block__",):
                continue
            if k == "dynamic":
                for name, spec in dynamics(body):
                    out[name] = self.blocks_value(list(body.get(name) or []), [
                        (n, s) for n, s in dynamics(body) if n == name], scope)
                continue
            out[k] = self.blocks_value(v, [], scope) if is_block(v) else plain(raw_value(v, scope))
        return out

    # ------------------------------------------------------------- modules
    def call(self, name: str) -> Any:
        return self.memo("module", name, lambda: self._call(name))

    def _call(self, name: str) -> Any:
        block = self.calls.get(name)
        if block is None:
            return Unknown(f"module.{name} is not a module call of {self}")
        source = plain(raw_value(block.body.get("source", '""'), Scope(lambda n: None)))
        label = f"{self.prefix}module.{name}"
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            self.loader.warn(block.where, f"module \"{name}\" (source {source}) is not followed: "
                             "sgverify reads local modules (source \"./...\" or \"../...\") only; "
                             "for registry or git modules import `terraform show -json` of a plan")
            return Unknown(f"{label} comes from a module sgverify does not read ({source})")
        folder = os.path.normpath(os.path.join(os.path.dirname(block.where.shown) or ".", source))
        files = self.loader.load_dir(folder, block.where)
        if files is None:
            return Unknown(f"{label}: the module folder {folder} cannot be read")
        made = self.expansion(block, label)
        if isinstance(made, Unknown):
            return made

        def child(prefix: str, names: dict[str, Any]) -> Module:
            scope = self.scope().with_names(names)

            def inputs(var: str) -> Any:
                return plain(raw_value(block.body[var], scope)) if var in block.body else None
            return Module(self.loader, files, prefix + ".", folder, inputs)
        if made is None:
            return child(label, {})
        if isinstance(made, list):
            return Expanded(label, [child(f"{label}[{i}]", n) for i, n in enumerate(made)])
        return Expanded(label, {k: child(f"{label}[\"{k}\"]", n) for k, n in made.items()})

    def attr(self, name: str) -> Any:
        """An output of this (child) module."""
        out = self.outputs.get(name)
        if out is None:
            return Unknown(f"{self} has no output \"{name}\"")
        return self.memo("output", name, lambda: plain(raw_value(out.body.get("value"),
                                                                 self.scope())))

    def whole(self) -> Any:
        return {k: self.attr(k) for k in self.outputs}

    def children(self) -> Iterator[Module]:
        for name in self.calls:
            made = self.call(name)
            if isinstance(made, Module):
                yield made
            elif isinstance(made, Expanded):
                yield from (m for m in made.instances() if isinstance(m, Module))

    def instances(self) -> Iterator[tuple[Block, Instance]]:
        """Every resource instance of this module and its children (a stand-in ``res[?]``
        with ``unknown_count`` set when the block's count or for_each is unknown)."""
        for (rtype, name), block in self.resources.items():
            made = self.resource(rtype, name)
            if isinstance(made, Instance):
                yield block, made
            elif isinstance(made, Expanded):
                for inst in made.instances():
                    yield block, inst
            else:  # count / for_each unknown: one stand-in whose existence is unknown
                why = Unknown(f"{made}")
                inst = Instance(self, block, f"{self.prefix}{rtype}.{name}[?]",
                                {"count": {"index": why}, "each": {"key": why, "value": why}})
                inst.unknown_count = made  # type: ignore[attr-defined]
                yield block, inst
        for child in self.children():
            yield from child.instances()


def guarded(compute: Callable[[], Any]) -> Any:
    """``compute()``; a configuration shaped in a way this reader does not expect makes the
    value unknown (named), never a crash of the whole import."""
    try:
        return compute()
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        return Unknown(f"sgverify cannot evaluate it ({type(exc).__name__}: {exc})")


def dynamics(body: dict[str, Any]) -> list[tuple[str, Any]]:
    """The ``dynamic "NAME" {...}`` blocks of a body: (NAME, its body)."""
    out = []
    for entry in body.get("dynamic", []) or []:
        for k, spec in entry.items():
            if k != "__is_block__":
                out.append((k.strip('"'), spec))
    return out


def _convert(value: Any, vtype: str) -> Any:
    """A variable's value converted to its declared type: primitives (``"22"`` for a
    number), and the attributes an ``object`` type makes ``optional`` filled with their
    defaults, as Terraform does."""
    if first_unknown(value) is not None and not isinstance(value, (list, dict)):
        return value
    try:
        tree = parse_expression(vtype)
    except ParseError:
        return value
    try:
        return _typed(value, tree)
    except TypeError as exc:
        return Unknown(f"the value does not fit type {vtype}: {exc}")


def _typed(value: Any, t: Any) -> Any:
    if isinstance(value, (Unknown, Ref)) or value is None:
        return value
    if t[0] == "var":
        name = t[1]
        if name == "number" and isinstance(value, str):
            return to_number(value)
        if name == "bool" and isinstance(value, str):
            return to_bool(value)
        if name == "string" and isinstance(value, (int, float, bool)):
            return to_text(value)
        return value
    if t[0] != "call" or not t[2]:
        return value
    name, args = t[1], t[2]
    if name == "optional":
        return _typed(value, args[0])
    if name in ("list", "set") and isinstance(value, list):
        return [_typed(x, args[0]) for x in value]
    if name == "map" and isinstance(value, dict):
        return {k: _typed(v, args[0]) for k, v in value.items()}
    if name == "tuple" and isinstance(value, list) and args[0][0] == "list":
        return [_typed(x, et) for x, et in zip(value, args[0][1])] + value[len(args[0][1]):]
    if name == "object" and isinstance(value, dict) and args[0][0] == "object":
        out = dict(value)
        for key_t, attr_t in args[0][1]:
            key = key_t[1] if key_t[0] in ("lit", "var") else None
            if not isinstance(key, str):
                continue
            if key in out:
                out[key] = _typed(out[key], attr_t)
            elif attr_t[0] == "call" and attr_t[1] == "optional":
                default = evaluate(attr_t[2][1], Scope(lambda n: Unknown(
                    f"a type default cannot use '{n}'"))) if len(attr_t[2]) > 1 else None
                out[key] = _typed(plain(default), attr_t[2][0])
        return out
    return value


def _labelled(entry: dict[str, Any], depth: int) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    for k, v in entry.items():
        if k == "__is_block__":
            continue
        label = k.strip('"')
        if depth == 1:
            yield (label,), v
        else:
            for sub, body in _labelled(v, depth - 1):
                yield (label,) + sub, body


_TOP = re.compile(r'^[ \t]*(resource|data|module|variable|output|locals|provider|terraform|moved|'
                  r'import|check|removed)\b((?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*)[ \t]*\{', re.M)


def _block_spans(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """(kind, labels...) -> (start, end) offsets of top-level blocks, by a line scan."""
    found = [(m.start(), m.group(1), tuple(x.strip('"') for x in re.findall(
        r'"[^"\n]*"|[A-Za-z_][\w-]*', m.group(2)))) for m in _TOP.finditer(text)
        if m.start() == 0 or text[m.start() - 1] == "\n"]
    out: dict[tuple[str, ...], tuple[int, int]] = {}
    for i, (off, kind, labels) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        out.setdefault((kind,) + labels, (off, end))
    return out
