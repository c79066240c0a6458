"""Results of earlier checks, reused when nothing that decides them has changed.

An entry holds one spec file's report and, for every file it read (the file and its
includes), the real path it resolved to (links followed: an include that now leads
elsewhere, perhaps outside the project folder, is not the same input) and the SHA-256 of
its text. It is found by a key made of everything else a result
depends on: this sgverify (the size and modification time of each of its files), the
z3 and lark installed, the Python version, the check settings (time limit, --certify,
--allow-outside-includes), the working directory (reports show paths relative to it),
the path as given and the project folder that bounds includes. It is used only when
every file it read still resolves to the same real file with the same text, so a reused result is the result a fresh
check would give. Only definite outcomes are stored: a spec with errors, imports of
cloud formats (which may read whole folders), or an assertion that ended unknown or in
an internal error is always checked again.

Entries are pickles that only the package's own model classes may appear in (anything
else is refused and the spec checked again); a cache that cannot be read or written is
skipped silently, because it only saves time. Checking this module must not import the
parser or the solver: a run where every file is unchanged starts neither.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from importlib.util import find_spec

from ..core.files import Limits, display_path, project_root, read_text
from ..core.result import SpecReport, Verdict

FORMAT = 1
DEFAULT_DIR = ".sgverify_cache"
DIR_VARIABLE = "SGVERIFY_CACHE_DIR"
OFF_VARIABLE = "SGVERIFY_NO_CACHE"
_OWN_FOLDER = re.compile(r"[0-9a-f]{24}")
# Modules whose classes an entry may hold: the report, the model and the results.
_ALLOWED = frozenset({"sgverify.core.model", "sgverify.core.result",
                      "sgverify.core.diagnostics", "sgverify.core.addresses", "sgverify.core.flow",
                      "sgverify.core.evaluate"})


@dataclass(frozen=True)
class CheckSettings:
    """The check settings a result depends on."""

    timeout_ms: int | None
    certify: bool
    allow_outside: bool


_OFF_WORDS = {"", "0", "false", "no", "off"}
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# a cache directory tag created by sgverify\n"


def folder_from(option: str | None, disabled: bool, base: str | None = None) -> str | None:
    """The cache folder to use: None when disabled (``--no-cache``, or SGVERIFY_NO_CACHE set
    to anything but empty, 0, false, no or off), else the option, SGVERIFY_CACHE_DIR, or
    .sgverify_cache in ``base`` (the project root of what is checked, so that the cache
    does not depend on where sgverify runs; default: the working directory)."""
    off = os.environ.get(OFF_VARIABLE, "").strip().lower()
    if disabled or off not in _OFF_WORDS:
        return None
    return option or os.environ.get(DIR_VARIABLE) or (
        display_path(os.path.join(base, DEFAULT_DIR)) if base else DEFAULT_DIR)


def _stat_files(h: "hashlib._Hash", folder: str, suffixes: tuple[str, ...], deep: bool) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            if deep and not e.name.startswith(("__pycache__", ".")):
                _stat_files(h, e.path, suffixes, deep)
        elif e.name.endswith(suffixes):
            st = e.stat()
            h.update(f"{e.path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())


# The sgverify package folder (this module is in sgverify/project/).
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _package_folder(name: str) -> str | None:
    spec = find_spec(name)  # finds the package without importing it
    locations = list(spec.submodule_search_locations or ()) if spec else []
    return locations[0] if locations else None


def fingerprint() -> str:
    """What the code that produced a result was: sgverify, z3, lark and Python."""
    h = hashlib.sha256(f"sgverify-cache {FORMAT}\n{sys.version}\n".encode())
    package = PACKAGE_ROOT
    _stat_files(h, package, (".py", ".lark"), deep=True)  # every subpackage, the grammar too
    _stat_files(h, os.path.join(os.path.dirname(package), "grammar"), (".lark",), deep=False)
    for name, deep in (("z3", False), ("lark", False)):
        folder = _package_folder(name)
        h.update(f"{name}: {folder}\n".encode())
        if folder:
            _stat_files(h, folder, (".py", ".so", ".dylib", ".dll"), deep)
            _stat_files(h, os.path.join(folder, "lib"), (".so", ".dylib", ".dll"), deep)
    return h.hexdigest()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if module in _ALLOWED:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")


def cacheable(report: SpecReport) -> bool:
    """Only complete, definite reports: resolved without errors or imports, and every
    assertion proved or violated."""
    return (report.policy is not None and not report.imported and not report.has_errors
            and all(r.verdict in (Verdict.PROVED, Verdict.VIOLATED) for r in report.results))


class ResultCache:
    """Reports of unchanged spec files, stored under ``folder``/<fingerprint>/."""

    def __init__(self, folder: str, settings: CheckSettings) -> None:
        self.top = folder
        self.settings = settings
        self._fp = fingerprint()
        self.folder = os.path.join(folder, self._fp[:24])
        self.reused = 0
        self._known_ours = False  # once the tag is read, not again for every file

    def _entry(self, path: str) -> str:
        s = self.settings
        key = "\0".join([self._fp, repr((s.timeout_ms, s.certify, s.allow_outside)), os.getcwd(),
                         path, os.path.realpath(path), os.path.realpath(project_root(path))])
        return os.path.join(self.folder, hashlib.sha256(key.encode()).hexdigest() + ".pickle")

    def get(self, path: str) -> SpecReport | None:
        """The stored report of ``path`` if every file it read is unchanged."""
        if not self._ours():
            return None
        try:
            with open(self._entry(path), "rb") as fh:
                digests, report = _Unpickler(io.BytesIO(fh.read())).load()
            for shown, real, digest in digests:
                if (os.path.realpath(shown) != real
                        or _digest(read_text(shown, shown, Limits())) != digest):
                    return None
        except Exception:  # noqa: BLE001 - missing, stale, corrupt or refused: check again
            return None
        if not isinstance(report, SpecReport) or report.path != path:
            return None
        self.reused += 1
        # No time was spent on them in this run (the run note says where they come from).
        report.results = [replace(r, elapsed=0.0) for r in report.results]
        return report

    def put(self, report: SpecReport) -> None:
        """Store ``report`` if it is cacheable, keyed by the texts that were checked."""
        if not cacheable(report) or set(report.real_paths) != set(report.sources):
            return
        digests = tuple((shown, report.real_paths[shown], _digest(text))
                        for shown, text in report.sources.items())
        try:
            if not self._prepare():
                return
            data = pickle.dumps((digests, report), protocol=pickle.HIGHEST_PROTOCOL)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self._entry(report.path))
        except Exception:  # noqa: BLE001 - a cache that cannot be written only costs time
            return

    def usable(self) -> bool:
        """The folder does not exist yet (it will be made) or is a cache of ours."""
        return not os.path.exists(self.top) or self._ours()

    def _ours(self) -> bool:
        """Is the folder a cache that sgverify made (its CACHEDIR.TAG says so)? Another
        folder (``--cache-dir .``, say) is neither read nor written nor cleaned."""
        if not self._known_ours:
            try:
                with open(os.path.join(self.top, "CACHEDIR.TAG"), encoding="utf-8") as fh:
                    self._known_ours = fh.read() == _TAG
            except OSError:
                return False
        return self._known_ours

    def _prepare(self) -> bool:
        """Make sure the folder is ours: create it (tagged as a cache, ignored by git) if it
        does not exist; then drop the entries of other versions of the code. False when
        the folder exists and is not a cache of ours: then nothing is written."""
        if not os.path.exists(self.top):
            os.makedirs(self.top, exist_ok=True)
            with open(os.path.join(self.top, ".gitignore"), "w", encoding="utf-8") as fh:
                fh.write("# Created by sgverify: results of earlier checks, safe to delete.\n*\n")
            with open(os.path.join(self.top, "CACHEDIR.TAG"), "w", encoding="utf-8") as fh:
                fh.write(_TAG)
        if not self._ours():
            return False
        if os.path.isdir(self.folder):
            return True
        os.makedirs(self.folder, exist_ok=True)
        for e in os.scandir(self.top):
            if (e.is_dir(follow_symlinks=False) and e.path != self.folder
                    and _OWN_FOLDER.fullmatch(e.name)):
                shutil.rmtree(e.path, ignore_errors=True)
        return True
