"""Real inputs: security groups, rules and interfaces read from cloud exports.

Formats (auto-detected from the file's extension and shape, or forced):

- ``aliyun``: Alibaba Cloud OpenAPI JSON (``aliyun`` CLI / SDK output), see ``aliyun``;
- ``terraform``: ``terraform show -json`` of a state or plan, see ``terraform``;
- ``hcl``: plain ``.tf`` files, see ``hcl``;
- ``ros``: ROS templates, JSON or YAML, see ``ros``;
- ``aws``: ``aws ec2 describe-security-groups`` JSON, verified under the AWS profile.

A live inventory, ``aliyun://REGION[/VPC]`` or ``aws://REGION[/VPC]``, is pulled into
memory through ``live`` and read as the files ``sgverify pull`` writes (docs/pull.md); the
manifest of a pull folder is skipped.

``import_files`` reads the files of one run together (references may cross files) and
returns syntax ``Document``s for the normal resolver, with every problem as a diagnostic
naming the file, the line and the JSON path. ``docs/inputs.md`` documents each format.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from typing import Callable

from ..core.diagnostics import Diagnostic, InputError, Span
from ..core.files import DATA_BYTES, Limits, display_path, is_live_uri, paused_gc, read_text
from ..lang.syntax import Document
from . import aliyun, aws, hcl, ros, terraform
from .assemble import Batch, Known
from .jsondoc import DataError, Located, parse_json
from .live.common import PullError, is_manifest
from .live.fetch import pull_uri
from .source import LIMIT, SYNTAX, UNREADABLE, Node, Sink, Src
from .user_values import InputValues
from .yamldoc import parse_yaml

FORMATS = ("aliyun", "terraform", "hcl", "ros", "aws")
DATA_EXTENSIONS = (".json", ".yaml", ".yml", ".tf")
MAX_DATA_BYTES = DATA_BYTES  # terraform state and API dumps can be large and one line

__all__ = [
    "FORMATS",
    "ImportRequest",
    "ImportResult",
    "import_files",
    "expand_paths",
    "detect_format",
    "InputValues",
]


@dataclass(frozen=True)
class ImportRequest:
    """One file to import: its path, a forced format (None: detect) and, for an ``import``
    statement, where the statement is (for errors about the file itself)."""

    path: str
    fmt: str | None = None
    at: Span | None = None


@dataclass
class ImportResult:
    documents: list[Document] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    interface_groups: list[str] = field(default_factory=list)  # groups read with their rules
    aliases: dict[str, str] = field(default_factory=dict)  # interface ids -> instance names
    # import_files(printed=True): each document's .sgv text; ``documents`` then hold only
    # what the resolver could report something about (assemble.Batch.finish)
    printed: list[str] | None = None

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def expand_paths(paths: list[str], specs: bool = False) -> tuple[list[str], list[Diagnostic]]:
    """Files as given; a folder stands for its .json, .yaml, .yml and .tf files (sorted),
    and with ``specs`` (an inventory: audit, lint, reach, ...) its .sgv files too."""
    out, diags = [], []
    kinds = DATA_EXTENSIONS + ((".sgv",) if specs else ())
    for path in paths:
        if os.path.isdir(path):
            try:
                names = os.listdir(path)
            except OSError as exc:
                diags.append(Diagnostic.make("E004", f"{path}: cannot read this folder "
                                             f"({exc.strerror or exc})"))
                continue
            found = sorted(os.path.join(path, n) for n in names
                           if n.endswith(kinds) and os.path.isfile(os.path.join(path, n)))
            if not found:
                diags.append(Diagnostic.make("E004", f"{path}: no {'.sgv, ' if specs else ''}"
                                             ".json, .yaml, .yml or .tf files in this folder"))
            out += found
        else:
            out.append(path)
    return out, diags


def detect_format(value: object) -> str | None:
    """The format of a parsed JSON/YAML document, from its shape (None: not recognised)."""
    for name, module in (("terraform", terraform), ("ros", ros), ("aws", aws), ("aliyun", aliyun)):
        if module.looks_like(value):
            return name
    return None


def _parse(text: str, shown: str, yaml_first: bool) -> Located:
    """Keys given twice are kept (the last value wins) and listed: only a ROS template
    accepts them, where they do not change a security-group value."""
    if yaml_first:
        return parse_yaml(text, keep_duplicates=True)
    return parse_json(text, keep_duplicates=True)


def _read_data(shown: str, text: str, fmt: str | None, yaml_first: bool, sink: Sink,
               batch: Batch, result: ImportResult,
               parameters: dict[str, str] | None = None) -> None:
    """Parse one JSON/YAML input and read it in its format (detected unless ``fmt``;
    ``parameters``: the user's values of ROS template parameters)."""
    try:
        doc = _parse(text, shown, yaml_first)
    except DataError as exc:
        result.sources[shown] = text
        batch.file(shown)
        code = LIMIT if "levels deep" in exc.message or "values (aliases" in exc.message else SYNTAX
        what = "YAML" if yaml_first else "JSON"
        message = exc.message if exc.message.startswith("not valid") else \
            f"not valid {what}: {exc.message}"
        sink.error(code, Span(shown, exc.line or 1, exc.col or 1), message)
        return
    if fmt is None and is_manifest(doc.value):
        return  # the manifest of a `sgverify pull` folder: what was read, not groups
    result.sources[shown] = text
    batch.file(shown)
    root = Node.root(Src(shown, doc))
    kind = fmt or detect_format(doc.value)
    if doc.duplicates and kind != "ros":
        _path, message, line, col, _differs = doc.duplicates[0]
        sink.error(SYNTAX, Span(shown, line or 1, col or 1),
                   f"not valid {'YAML' if yaml_first else 'JSON'}: {message}")
        return
    if kind is None:
        sink.error(UNREADABLE, Span(shown, 1, 1), "cannot tell what this file is: not a "
                   "DescribeSecurityGroupAttribute (or other Alibaba Cloud) response, a "
                   "`terraform show -json` output, a ROS template or `aws ec2 "
                   "describe-security-groups` output; force the format with "
                   "--input-format / `as FORMAT`")
        return
    if kind == "ros":
        ros.read(sink, root, batch, parameters or {})
    else:
        {"aliyun": aliyun.read, "terraform": terraform.read, "aws": aws.read}[kind](sink, root, batch)
    # The drafts hold the parts of the file they need; the decoded root would keep all of
    # it until the documents are made (``assemble.Batch.finish`` lets each group's go).
    doc.value = None


def _read_live(req: ImportRequest, sink: Sink, batch: Batch, result: ImportResult) -> None:
    """A live inventory (``aliyun://REGION[/VPC]``, ``aws://REGION[/VPC]``): pulled into
    memory and read file by file as ``sgverify pull`` would write them (nothing written)."""
    try:
        pulled = pull_uri(req.path)
    except PullError as exc:
        result.diagnostics.append(Diagnostic.make(exc.code, f"{req.path}: {exc.message}", req.at))
        return
    top = req.path.rstrip("/")
    for name, value in pulled.files.items():
        _read_data(f"{top}/{name}", json.dumps(value, indent=1, ensure_ascii=False), None, False,
                   sink, batch, result)


Progress = Callable[[int, int], None]
"""Told (files read, files in all) as a run reads its files: a progress bar's call."""


def import_files(requests: list[ImportRequest], known: Known = Known(),
                 limits: Limits = Limits(), values: InputValues = InputValues(),
                 progress: Progress | None = None, printed: bool = False) -> ImportResult:
    """Read ``requests`` as one import run; ``values`` are the user's Terraform variables
    and ROS parameters; ``progress`` is told as each file is read. ``printed``: for
    ``sgverify import``, the documents' .sgv text in ``printed``, and ``documents`` fit
    only for resolving them for their diagnostics (rules the resolver has nothing to say
    about are left out: most rules of an estate are never made into nodes)."""
    with paused_gc():  # many objects and no cycles (load.paused_gc)
        return _import_files(requests, known, limits, values, progress, printed)


def _import_files(requests: list[ImportRequest], known: Known, limits: Limits,
                  values: InputValues, progress: Progress | None,
                  printed: bool = False) -> ImportResult:
    result = ImportResult()
    sink = Sink()
    batch = Batch(sink, known)
    data_limits = replace(limits, max_file_bytes=max(limits.max_file_bytes, MAX_DATA_BYTES),
                          max_line_length=max(limits.max_file_bytes, MAX_DATA_BYTES))
    tf_files: list[tuple[str, str]] = []
    for i, req in enumerate(requests):
        if progress is not None:
            progress(i, len(requests))
        shown = display_path(req.path)
        fmt = req.fmt.lower() if req.fmt else None
        if fmt is not None and fmt not in FORMATS:
            sink.error(UNREADABLE, req.at or Span(shown, 1, 1), f"unknown input format '{req.fmt}' "
                       f"(known: {', '.join(FORMATS)})")
            continue
        if req.path.endswith(".sgv"):
            sink.error(UNREADABLE, req.at or Span(shown, 1, 1), f"{shown} is a .sgv spec: use "
                       "'include' (or give it as the spec), not an import")
            continue
        if is_live_uri(req.path):
            _read_live(req, sink, batch, result)
            continue
        try:
            text = read_text(req.path, shown, data_limits, req.at)
        except InputError as exc:
            result.diagnostics.extend(exc.diagnostics)
            continue
        if fmt == "hcl" or (fmt is None and req.path.endswith(".tf")):
            result.sources[shown] = text
            batch.file(shown)
            tf_files.append((shown, text))
            continue
        yaml_first = req.path.endswith((".yaml", ".yml")) or (
            fmt == "ros" and not text.lstrip().startswith(("{", "[")))
        _read_data(shown, text, fmt, yaml_first, sink, batch, result, dict(values.parameters))
    if tf_files:
        def more(path: str, at: Span | None) -> str | None:
            """A file the .tf files name (a local module's, a .tfvars): read with the limits."""
            shown = display_path(path)
            try:
                text = read_text(path, shown, data_limits, at)
            except InputError as exc:
                result.diagnostics.extend(exc.diagnostics)
                return None
            result.sources[shown] = text
            return text
        hcl.read(sink, tf_files, batch, more, values)
    if progress is not None:
        progress(len(requests), len(requests))
    assembled = batch.finish(printed)
    batch.release()
    sink.finish()
    result.documents = assembled.documents
    result.printed = assembled.printed
    result.interface_groups = assembled.interface_groups
    result.aliases = assembled.aliases
    result.diagnostics.extend(sink.diagnostics)
    return result
