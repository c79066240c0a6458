"""Plain Terraform ``.tf`` files, parsed by python-hcl2 and evaluated statically (``tf``).

The ``.tf`` files of one folder are one root module. What Terraform knows before apply
is evaluated: input variables (defaults, ``terraform.tfvars``, ``*.auto.tfvars``,
``TF_VAR_*``, ``--var`` / ``--var-file``), locals, ``count`` / ``for_each`` (instances
named ``res[0]`` / ``res["key"]``), splat and index expressions, conditionals, templates,
the built-in functions of ``tf.functions``, ``dynamic`` blocks and local modules. A
reference to another resource's id links a rule or an instance to that group; any other
value that cannot be known (data sources, attributes known after apply, a variable with
no value) is *unknown*: named with its expression and line, it makes the rule that uses
it unknown (``terraform.convert_resources``), never the file. The resources then go
through the same conversion as ``terraform show -json`` output.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import hcl2
from hcl2.utils import SerializationOptions
from lark.exceptions import UnexpectedInput

from ..core.diagnostics import Span
from ..core.files import display_path
from .assemble import sanitize
from .jsondoc import Located
from .source import SYNTAX, Node, Sink, Src
from .terraform import GROUP, HANDLED, PREFIX, REF_ATTRS, Resource, convert_resources
from .tf.config import META, Block, Loader, Module, Where, expression_text, raw_value
from .tf.evaluate import Scope, plain
from .tf.values import Ref, Unknown, first_unknown
from .user_values import InputValues

OPTIONS = SerializationOptions(with_comments=False, preserve_heredocs=False)
ReadText = Callable[[str, Span | None], str | None]


def prepare(text: str) -> str:
    """Text python-hcl2 8.x refuses but Terraform accepts, made equivalent: a heredoc
    closing marker followed by spaces, and ``${~ ... ~}`` strip markers (the whitespace
    they strip is removed here)."""
    markers = set(re.findall(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n", text))
    for marker in markers:
        text = re.sub(rf"(?m)^([ \t]*{re.escape(marker)})[ \t]+(\r?)$", r"\1\2", text)
    text = re.sub(r"(?:[ \t]|\\n|\\t|\\r)*\$\{~", "${", text)
    text = re.sub(r"~\}(?:[ \t]|\\n|\\t|\\r)*", "}", text)
    return text


def parse(sink: Sink, shown: str, text: str) -> dict[str, Any] | None:
    try:
        return hcl2.loads(prepare(text), serialization_options=OPTIONS)  # type: ignore[no-any-return]
    except UnexpectedInput as exc:
        line, col = getattr(exc, "line", 0) or 0, getattr(exc, "column", 0) or 0
        sink.error(SYNTAX, Span(shown, line or 1, col or 1), "not valid HCL: "
                   + str(exc).strip().splitlines()[0])
    except Exception as exc:  # noqa: BLE001 - python-hcl2 raises several kinds
        sink.error(SYNTAX, Span(shown, 1, 1), f"not valid HCL: {exc}")
    return None


@dataclass
class _Reader:
    sink: Sink
    read_text: ReadText
    values: InputValues
    folders: dict[str, list[tuple[str, str, dict[str, Any]]] | None] = field(default_factory=dict)
    warned: set[tuple[str, int, str]] = field(default_factory=set)
    called: dict[str, Where] = field(default_factory=dict)  # module folders -> first call

    def warn(self, where: Where, message: str) -> None:
        key = (where.shown, where.offset, message)
        if key not in self.warned:
            self.warned.add(key)
            self.sink.warn(Span(where.shown, where.line(), 1), message)

    def load_dir(self, folder: str, where: Where) -> list[tuple[str, str, dict[str, Any]]] | None:
        """A local module's .tf files (read once per folder)."""
        self.called.setdefault(folder, where)
        if folder not in self.folders:
            self.folders[folder] = None
            try:
                names = sorted(n for n in os.listdir(folder) if n.endswith(".tf"))
            except OSError as exc:
                self.warn(where, f"module folder {folder} cannot be read ({exc.strerror or exc}): "
                          "its resources are not imported")
                return None
            files = []
            for n in names:
                path = os.path.join(folder, n)
                text = self.read_text(path, Span(where.shown, where.line(), 1))
                data = parse(self.sink, display_path(path), text) if text is not None else None
                if data is not None:
                    files.append((display_path(path), text, data))  # type: ignore[arg-type]
            self.folders[folder] = files
        return self.folders[folder]


def _tfvars(reader: _Reader, folder: str) -> dict[str, Any]:
    """Variable values from the folder's terraform.tfvars and *.auto.tfvars, then
    ``TF_VAR_*``, then ``--var-file`` and ``--var`` (later wins, as in Terraform)."""
    out: dict[str, Any] = {}
    for name, value in reader.values.environment().items():
        if name.startswith("TF_VAR_"):
            out[name[7:]] = (value, "env")
    try:
        names = sorted(os.listdir(folder or "."))
    except OSError:
        names = []
    auto = [n for n in names if n in ("terraform.tfvars", "terraform.tfvars.json")] + \
        [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    for path in [os.path.join(folder, n) for n in auto] + list(reader.values.var_files):
        out.update(_var_file(reader, path))
    for name, value in reader.values.variables:
        out[name] = (value, "cli")
    return out


def _var_file(reader: _Reader, path: str) -> dict[str, Any]:
    text = reader.read_text(path, None)
    if text is None:
        return {}
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            reader.sink.error(SYNTAX, Span(path, 1, 1), f"not valid JSON: {exc}")
            return {}
        return data if isinstance(data, dict) else {}
    parsed = parse(reader.sink, path, text)
    if parsed is None:
        return {}
    scope = Scope(lambda n: Unknown(f"a .tfvars value cannot use '{n}'"))
    return {k: plain(raw_value(v, scope)) for k, v in parsed.items()}


def read(sink: Sink, files: list[tuple[str, str]], batch: Any, read_text: ReadText,
         values: InputValues = InputValues()) -> None:
    """All .tf files of one import run: one root module per folder."""
    reader = _Reader(sink, read_text, values)
    by_folder: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for shown, text in files:
        data = parse(sink, shown, text)
        if data is not None:
            by_folder.setdefault(os.path.dirname(shown), []).append((shown, text, data))
    found: dict[str, list[Resource]] = {}
    for folder, parsed in by_folder.items():
        loader = Loader(reader.load_dir, reader.warn)
        reader.folders.setdefault(os.path.normpath(folder or "."), parsed)
        root = Module(loader, parsed, "", folder or ".", supplied=_tfvars(reader, folder))
        found[folder] = _resources(root)
    resources: list[Resource] = []
    for folder, made in found.items():
        call = reader.called.get(os.path.normpath(folder or "."))
        if call is not None:  # given, and also a module another given folder calls
            sink.warn(Span(by_folder[folder][0][0], 1, 1), f"{folder or '.'} is a module that "
                      f"{call.shown}:{call.line()} calls: it is read as that module, with its "
                      "inputs, not also as a root module of its own")
            continue
        resources += made
    convert_resources(sink, resources, batch, "hcl")


def _resources(root: Module) -> list[Resource]:
    out: list[Resource] = []
    docs: dict[str, Located] = {}
    kinds = {inst.address: inst.rtype for _, inst in root.instances()}
    for block, inst in root.instances():
        where = block.where
        doc = docs.setdefault(where.shown, Located({}, where.text))
        src = Src(where.shown, doc)
        rtype = block.labels[0]
        address = inst.address
        doc.offsets[(address,)] = where.offset
        values: dict[str, Any] = {}
        doc.value[address] = values
        r = Resource(address, re.sub(r"\[[^\]]*\]$", "", address), rtype,
                     Node(values, src, (address,)).labelled(address))
        out.append(r)
        if rtype not in HANDLED:
            continue
        count = getattr(inst, "unknown_count", None)
        if count is not None:
            r.unknown["count"] = f"{count} ({where.shown}:{where.line()})"
        for attr in inst.attrs():
            off = where.attr_offset(attr)
            if off is not None:
                doc.offsets[(address, attr)] = off
            if attr in META:
                continue
            value = inst.attr(attr)
            _store(r, attr, value, kinds, where, block, off)
        if rtype == PREFIX and "id" not in values:
            values["id"] = list_id(address)
    return out


def list_id(address: str) -> str:
    """The id a prefix list created by the configuration goes by in .sgv."""
    return sanitize(address)


def _store(r: Resource, attr: str, value: Any, kinds: dict[str, str], where: Where,
           block: Block, off: int | None) -> None:
    """Known values to ``values``; group references to ``refs``; the rest to ``unknown``."""
    value = _resolve_lists(value, kinds)
    if first_unknown(value) is None:
        r.values.value[attr] = value
        return
    items = value if isinstance(value, list) else [value]
    refs = [x for x in items if isinstance(x, Ref)]
    literal = [x for x in items if not isinstance(x, (Ref, Unknown))]
    if refs and len(refs) + len(literal) == len(items) and attr in REF_ATTRS and \
            all(first_unknown(x) is None for x in literal) and all(
                x.attr == "id" and (attr == "vpc_id" or kinds.get(x.address) == GROUP)
                for x in refs):
        if literal:
            r.values.value[attr] = literal if isinstance(value, list) else literal[0]
        r.refs[attr] = [x.address for x in refs]
        return
    raw = block.body.get(attr)
    text = expression_text(raw) if raw is not None else attr
    line = where.line(off) if off is not None else where.line()
    r.unknown[attr] = f"`{text}` ({where.shown}:{line}): {first_unknown(value)}"


def _resolve_lists(value: Any, kinds: dict[str, str]) -> Any:
    """A Ref to the id of a prefix list of the configuration is its .sgv id."""
    if isinstance(value, Ref) and value.attr == "id" and kinds.get(value.address) == PREFIX:
        return list_id(value.address)
    if isinstance(value, list):
        return [_resolve_lists(x, kinds) for x in value]
    if isinstance(value, dict):
        return {k: _resolve_lists(v, kinds) for k, v in value.items()}
    return value
