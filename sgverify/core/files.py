"""Reading input files safely, for every format: input limits, size and line checks,
UTF-8, how paths are shown, the project folder that bounds includes, and problems with a
whole file as diagnostics."""

from __future__ import annotations

import errno
import functools
import gc
import os
import re
import shutil
import stat
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import IO

from .diagnostics import Diagnostic, InputError, Span


@dataclass(frozen=True)
class Limits:
    """Input limits; exceeding one is error E005 naming the limit."""

    max_file_bytes: int = 64 * 1024 * 1024  # as for cloud exports: a whole estate in one spec
    max_line_length: int = 20_000
    max_include_depth: int = 16
    max_files: int = 1_000
    max_rules: int = 2_000_000  # all files of one spec together (memory stays bounded)


# The names users raise limits by (``--input-limit NAME=N``, ``limits`` in sgverify.toml) and
# the field each sets; file-mib counts mebibytes.
LIMIT_NAMES = {"file-mib": "max_file_bytes", "line-length": "max_line_length",
               "include-depth": "max_include_depth", "files": "max_files", "rules": "max_rules"}
_RAISED: ContextVar[Limits | None] = ContextVar("sgverify_raised_limits", default=None)


def limits_from(values: Mapping[str, int]) -> Limits:
    """The limits ``values`` (by ``LIMIT_NAMES``, each a whole number > 0) set, the others
    at their defaults. Raises ValueError naming an unknown name or a bad number."""
    chosen: dict[str, int] = {}
    for name, value in values.items():
        if name not in LIMIT_NAMES:
            raise ValueError(f"unknown limit '{name}' (known: {', '.join(LIMIT_NAMES)})")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"limit '{name}' must be a whole number greater than 0, "
                             f"not {value!r}")
        chosen[LIMIT_NAMES[name]] = value * 1024 * 1024 if name == "file-mib" else value
    return Limits(**chosen)


@contextmanager
def raised_limits(limits: Limits | None) -> Iterator[None]:
    """While active, every limit check uses the larger of its own limit and ``limits``'s
    (the user raised them: a limit can be raised this way, never lowered)."""
    token = _RAISED.set(limits)
    try:
        yield
    finally:
        _RAISED.reset(token)


def raise_hint(name: str) -> str:
    """How an E005 message says the limit can be raised."""
    return f" (raise it with --input-limit {name}=N, or limits in sgverify.toml)"


def widest(a: Limits, b: Limits) -> Limits:
    """Each limit the larger of ``a``'s and ``b``'s."""
    return Limits(**{f.name: max(getattr(a, f.name), getattr(b, f.name)) for f in fields(Limits)})


def in_force(limits: Limits) -> Limits:
    """``limits``, each raised to what the user asked for (``raised_limits``)."""
    raised = _RAISED.get()
    return limits if raised is None else widest(limits, raised)


DATA_BYTES = 64 * 1024 * 1024  # the largest cloud export read (cloud.importer's MAX_DATA_BYTES)

LIVE_SCHEMES = ("aliyun://", "aws://")


def is_live_uri(text: str) -> bool:
    """Does ``text`` name a live cloud inventory (``aliyun://REGION[/VPC]``,
    ``aws://REGION[/VPC]``), read through the cloud's API instead of from a file?"""
    return text.lower().startswith(LIVE_SCHEMES)


def display_path(path: str) -> str:
    """Paths as shown to users: relative to the working directory when below it (a live
    inventory URI as written; standard input, read into a file by ``stdin_file``, as
    ``<stdin>``)."""
    if is_live_uri(path):
        return path
    aliases = _SHOWN_AS.get()
    if aliases and path and os.path.realpath(path) in aliases:
        return aliases[os.path.realpath(path)]
    if os.getcwd() == os.sep:
        return os.path.abspath(path)
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def repository_root(start: str | None = None) -> str:
    """The folder report paths (SARIF URIs, fingerprints, baselines, JUnit files) are
    relative to when no ``--root`` is given: the git top level above ``start`` (default: the
    working directory), that is the nearest folder holding ``.git``; without one, the
    working directory. So a finding's identity does not change with where sgverify runs."""
    return _git_top(os.path.abspath(start or os.getcwd()), os.getcwd())


@functools.lru_cache(maxsize=64)
def _git_top(folder: str, cwd: str) -> str:
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return cwd
        folder = parent


def root_relative(path: str, root: str | None = None) -> str:
    """``path`` (as shown, relative to the working directory, or absolute) relative to
    ``root`` (default ``repository_root()``) in POSIX form; a path outside the root stays
    absolute, and a name that is not a path (``<stdin>``, ``aliyun://...``) is kept."""
    if not path or path.startswith("<") or "://" in path:
        return path
    base = os.path.abspath(root) if root else repository_root()
    full = os.path.abspath(path)
    rel = os.path.relpath(full, base) if os.path.splitdrive(full)[0] == os.path.splitdrive(base)[0] else ".."
    out = full if rel == ".." or rel.startswith(".." + os.sep) else rel
    return out.replace(os.sep, "/")


PROJECT_MARKERS = (".git", "pyproject.toml", "sgverify.toml")


def project_root(top: str) -> str:
    """The folder includes must stay in: the nearest folder above ``top`` that holds a
    project marker (.git, pyproject.toml, sgverify.toml); without one, the working
    directory when ``top`` is below it, else ``top``'s own folder. It does not depend on
    where sgverify is run from when the spec lives in a project."""
    top = os.path.abspath(top)
    folder = os.path.dirname(top)
    while True:
        if any(os.path.exists(os.path.join(folder, m)) for m in PROJECT_MARKERS):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    cwd = os.getcwd()
    return cwd if top.startswith(cwd + os.sep) else os.path.dirname(top)


def file_problem(code: str, shown: str, message: str, at: Span | None = None) -> Diagnostic:
    """A problem with a whole file: placed at the include that names it if there is one
    (and then naming the file), else at the file itself."""
    if at is not None:
        return Diagnostic.make(code, f"{shown}: {message}", at)
    return Diagnostic.make(code, message, Span.whole(shown))


def missing_reason(path: str) -> str:
    """Why ``path`` does not exist, for a message: a dangling or looping symbolic link
    says where it points."""
    if os.path.islink(path):
        try:
            os.path.realpath(path, strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symbolic link loop"
        try:
            return f"broken symbolic link (points to {os.readlink(path)})"
        except OSError:
            return "broken symbolic link"
    return "no such file"


# What str.splitlines calls a line end, besides "\n": the lexer, line numbers and carets
# must all agree on them (a comment ends at any of them).
_LINE_ENDS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


_LINE_END_CHARS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def normalise_line_ends(text: str) -> str:
    """``text`` with every line end ``str.splitlines`` knows written as "\\n". Looking for
    each character apart is a fast scan; the pattern's search took 0.25 s on 12 MB."""
    if not any(ch in text for ch in _LINE_END_CHARS):
        return text
    return _LINE_ENDS.sub("\n", text)


def not_regular(path: str) -> str | None:
    """What ``path`` is when it is neither a regular file nor a folder (a FIFO, a device,
    a socket), else None: such files are refused, never opened."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file")


# Texts that stand for files (real path -> text) while ``overlaid`` is active: an editor's
# unsaved buffers, read instead of the files on disk (integrations/lsp).
_OVERLAY: ContextVar[Mapping[str, str] | None] = ContextVar("sgverify_overlay", default=None)


@contextmanager
def overlaid(texts: Mapping[str, str]) -> Iterator[None]:
    """While active (in this thread or task), ``read_text`` and ``overlay_text`` give these
    texts (by real path) instead of what the files hold; a text may stand for a file that is
    not saved yet."""
    token = _OVERLAY.set(dict(texts))
    try:
        yield
    finally:
        _OVERLAY.reset(token)


def overlay_text(path: str) -> str | None:
    """The overlaid text of ``path`` (any spelling of it), None when it is read from disk."""
    texts = _OVERLAY.get()
    if not texts:
        return None
    return texts.get(os.path.realpath(path))


def read_text(path: str, shown: str, limits: Limits, at: Span | None = None) -> str:
    """The file's text, or InputError(E004/E005) saying exactly why it cannot be used.
    An overlaid text (``overlaid``) is used instead of the file's, with the same limits."""
    limits = in_force(limits)
    over = overlay_text(path)
    if over is not None:
        return _checked_text(over.removeprefix("\ufeff"), shown, limits, at)
    try:
        real = os.path.realpath(path, strict=True)
        if os.path.isdir(real):
            raise InputError([file_problem("E004", shown, "is a directory, not a file", at)])
        kind = not_regular(real)
        if kind:
            raise InputError([file_problem("E004", shown, f"is {kind}, not a regular file "
                                           "(reading it could block or never end)", at)])
        size = os.path.getsize(real)
        if size > limits.max_file_bytes:
            raise InputError([file_problem(
                "E005", shown, f"file is {size} bytes, over the limit of {limits.max_file_bytes}"
                f"{raise_hint('file-mib')}",
                at)])
        with open(real, "rb") as fh:
            data = fh.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise InputError([file_problem("E004", shown, missing_reason(path), at)]) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "symbolic link loop"
        else:
            reason = f"cannot read ({exc.strerror or exc})"
        raise InputError([file_problem("E004", shown, reason, at)]) from None
    if b"\x00" in data:
        raise InputError([file_problem("E004", shown, "binary file (contains NUL bytes)", at)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Diagnostic.make(
            "E004", f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); .sgv files must be UTF-8 text",
            Span(shown, line, col))]) from None
    return _checked_text(text, shown, limits, at)


def _checked_text(text: str, shown: str, limits: Limits, at: Span | None) -> str:
    """``text`` if no line is over the limit (and, overlaid, it is within the size limit)."""
    if len(text) > limits.max_file_bytes and len(text.encode("utf-8")) > limits.max_file_bytes:
        raise InputError([file_problem(
            "E005", shown, f"file is {len(text.encode('utf-8'))} bytes, over the limit of "
            f"{limits.max_file_bytes}{raise_hint('file-mib')}", at)])
    if "\x00" in text:
        raise InputError([file_problem("E004", shown, "binary file (contains NUL bytes)", at)])
    for number, line_text in enumerate(text.splitlines(), 1):
        if len(line_text) > limits.max_line_length:
            raise InputError([Diagnostic.make(
                "E005", f"line is {len(line_text)} characters long, over the limit of "
                f"{limits.max_line_length}{raise_hint('line-length')}", Span(shown, number, 1))])
    return text


STDIN = "-"              # the argument that stands for standard input
STDIN_SHOWN = "<stdin>"  # how standard input is named in messages and reports
# Real paths of files that hold what was read from standard input -> the name shown.
_SHOWN_AS: ContextVar[Mapping[str, str] | None] = ContextVar("sgverify_shown_as", default=None)
# What standard input is read as, by the suffix its copy gets: a forced --input-format, or
# else the text's first character (JSON) or a .sgv spec.
STDIN_SUFFIXES = {"hcl": ".tf", "ros": ".yaml", "aliyun": ".json", "terraform": ".json",
                  "aws": ".json"}


def as_given(path: str) -> str:
    """``path`` as the user gave it: ``<stdin>`` for standard input's copy, else unchanged."""
    aliases = _SHOWN_AS.get()
    return aliases.get(os.path.realpath(path), path) if aliases and path else path


def read_stdin(stream: IO[bytes], limits: Limits) -> bytes:
    """The bytes of standard input, refused (E005, naming ``<stdin>``) past the larger of
    the file limits, so a never-ending pipe cannot fill memory; read once."""
    cap = max(in_force(limits).max_file_bytes, DATA_BYTES)
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise InputError([file_problem("E005", STDIN_SHOWN, f"standard input is over the limit "
                                       f"of {cap} bytes{raise_hint('file-mib')}")])
    return data


def stdin_suffix(data: bytes, fmt: str | None, text: str = ".sgv") -> str:
    """The suffix of standard input's copy: its format's (``STDIN_SUFFIXES``) when forced,
    .json when it starts like JSON, else ``text``."""
    if fmt:
        return STDIN_SUFFIXES.get(fmt, ".json")
    return ".json" if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else text


@contextmanager
def stdin_file(data: bytes, suffix: str) -> Iterator[str]:
    """A private temporary file holding ``data`` (standard input), shown as ``<stdin>`` by
    ``display_path`` while active and removed after: every reader then reads standard input
    as a file, through ``read_text`` with its limits and checks. A spec read this way finds
    no includes beside it (its folder is the temporary one)."""
    folder = tempfile.mkdtemp(prefix="sgverify-stdin-")
    path = os.path.join(folder, "stdin" + suffix)
    try:
        with open(path, "wb") as fh:
            fh.write(data)
        token = _SHOWN_AS.set({**(_SHOWN_AS.get() or {}), os.path.realpath(path): STDIN_SHOWN})
        try:
            yield path
        finally:
            _SHOWN_AS.reset(token)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector off while a spec is read and resolved, back on after.
    Reading makes millions of objects and no cycles worth collecting, and each collection
    of the oldest generation walks everything made so far: on 40,000 rules it was 40% of
    the time (7.6 s against 4.4 s), with the same peak memory."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # What was made is kept (a policy, its syntax): the collector would walk all of
            # it three times over as it ages (2.5 of 6 s reading 200,000 rules). Frozen, it
            # is skipped; objects are still freed when no longer referenced. Not in a
            # long-lived process (``long_lived``), where frozen cycles would never be freed.
            if _FREEZE.get():
                gc.freeze()
            gc.enable()


_FREEZE: ContextVar[bool] = ContextVar("sgverify_freeze_after_reading", default=True)


@contextmanager
def long_lived() -> Iterator[None]:
    """Within: what a load made is not frozen out of the cycle collector (``paused_gc``).
    For a process that loads again and again (the language server): cycles among frozen
    objects are never collected, so each reload would leak them."""
    token = _FREEZE.set(False)
    try:
        yield
    finally:
        _FREEZE.reset(token)


class FileProblem(Exception):
    """A settings or data file that cannot be used: the message says why."""


def read_settings_text(path: str, shown: str) -> str:
    """The text of a small settings file (TOML, a baseline): refused unless it is a readable
    regular file of UTF-8 text."""
    kind = not_regular(path)
    if kind:
        raise FileProblem(f"{shown}: is {kind}, not a regular file")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise FileProblem(f"{shown}: cannot read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(f"{shown}: invalid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
                          "settings files must be UTF-8 text") from None


def read_toml(path: str, shown: str) -> dict:
    """A TOML file as a table (``FileProblem`` when it cannot be read or parsed)."""
    text = read_settings_text(path, shown)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileProblem(f"{shown}: invalid TOML: {exc}") from None
