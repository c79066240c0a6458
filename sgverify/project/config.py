"""Settings from ``[tool.sgverify]`` in pyproject.toml or from a sgverify.toml.

The nearest configuration found walking up from the working directory is used: in each
folder a sgverify.toml (keys at its top level) comes before a pyproject.toml, and a
pyproject.toml without a ``[tool.sgverify]`` table is passed over. Values overlay in the
order defaults < configuration file < command line (``Config.overlay``). Relative paths in
a file (``baseline``, ``paths``) are relative to that file's folder. An unknown key or a
value of the wrong kind is a ``ConfigError`` naming the file and the key.
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass, fields
from typing import Any

from ..core.diagnostics import SgverifyError
from ..core.files import FileProblem, Limits, display_path, limits_from, not_regular, read_toml

FORMATS = ("text", "json", "sarif", "junit")
FAIL_ON = ("violated", "unknown", "warning")
KEYS = ("timeout", "fail-on", "format", "baseline", "paths", "limits")


class ConfigError(SgverifyError):
    """A configuration file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Config:
    """Settings that may each be unset (None); ``source`` is the file they came from."""

    timeout: float | None = None
    fail_on: str | None = None
    format: str | None = None
    baseline: str | None = None
    paths: tuple[str, ...] | None = None
    source: str | None = None
    limits: Limits | None = None  # input limits raised (docs/errors.md, E005)

    def overlay(self, top: Config) -> Config:
        """These settings with every value that ``top`` sets replacing ours."""
        values = {f.name: getattr(top, f.name) if getattr(top, f.name) is not None
                  else getattr(self, f.name) for f in fields(self)}
        return Config(**values)


MAX_TIMEOUT = 4_294_967.0
"""Seconds: Z3 takes a timeout as an unsigned 32-bit count of milliseconds (about 49.7 days)."""


def timeout_problem(value: object) -> str | None:
    """Why ``value`` is not a timeout in seconds; None when it is one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value <= 0:
        return "a finite number of seconds greater than 0"
    if value > MAX_TIMEOUT:
        return f"at most {MAX_TIMEOUT:,.0f} seconds (Z3's longest timeout, about 49 days)"
    return None


DEFAULTS = Config(timeout=60.0, fail_on="unknown", format="text")


def find_config(start: str | None = None) -> str | None:
    """The nearest sgverify.toml, or pyproject.toml with [tool.sgverify], at or above
    ``start`` (default: the working directory)."""
    folder = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(folder, "sgverify.toml")
        if os.path.isfile(candidate) or not_regular(candidate):  # a FIFO is refused, not skipped
            return candidate
        candidate = os.path.join(folder, "pyproject.toml")
        if (os.path.isfile(candidate) or not_regular(candidate)) and "sgverify" in _read(candidate).get("tool", {}):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _read(path: str) -> dict[str, Any]:
    try:
        return read_toml(path, display_path(path))
    except FileProblem as exc:
        raise ConfigError(str(exc)) from None


def _table(path: str) -> tuple[dict[str, Any], str]:
    """The settings table of ``path`` and how messages name it."""
    doc = _read(path)
    shown = display_path(path)
    if os.path.basename(path) == "pyproject.toml":
        table, where = doc.get("tool", {}).get("sgverify", {}), f"{shown} [tool.sgverify]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
    else:
        table, where = doc, shown
    return table, where


def load_config(path: str) -> Config:
    """The settings in ``path`` (a sgverify.toml, or a pyproject.toml's [tool.sgverify])."""
    table, where = _table(path)
    return parse_table(table, where, os.path.dirname(os.path.abspath(path)),
                       display_path(path))


def _limits(value: object, where: str) -> Limits:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'limits' must be a table (e.g. limits = {{ file-mib = 200 "
                          f"}}), not {value!r}")
    try:
        return limits_from(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: 'limits': {exc}") from None


def configured_limits(start: str | None = None) -> Limits | None:
    """The ``limits`` table of the nearest configuration (every command reads it; the other
    keys are ``check``'s), None when there is none."""
    found = find_config(start)
    if found is None:
        return None
    table, where = _table(found)
    return _limits(table["limits"], where) if "limits" in table else None


def parse_table(table: dict[str, Any], where: str, base: str, source: str) -> Config:
    """Check every key and value of a settings table; relative paths are based at ``base``."""
    for key in table:
        if key not in KEYS:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            if key == "tool":
                extra = "; in sgverify.toml write the keys at the top level"
            raise ConfigError(f"{where}: unknown key '{key}' (known keys: "
                              f"{', '.join(sorted(KEYS))}){extra}")

    def bad(key: str, want: str) -> ConfigError:
        return ConfigError(f"{where}: '{key}' must be {want}, not {table[key]!r}")

    def path(p: str) -> str:
        return display_path(os.path.normpath(os.path.join(base, p)))

    values: dict[str, Any] = {"source": source}
    if "timeout" in table:
        t = table["timeout"]
        problem = timeout_problem(t)
        if problem is not None:
            raise bad("timeout", problem)
        values["timeout"] = float(t)
    for key, choices in (("fail-on", FAIL_ON), ("format", FORMATS)):
        if key in table:
            if table[key] not in choices:
                raise bad(key, "one of " + ", ".join(f"'{c}'" for c in choices))
            values[key.replace("-", "_")] = table[key]
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"]:
            raise bad("baseline", "a file name")
        values["baseline"] = path(table["baseline"])
    if "limits" in table:
        values["limits"] = _limits(table["limits"], where)
    if "paths" in table:
        ps = table["paths"]
        ps = [ps] if isinstance(ps, str) else ps
        if not isinstance(ps, list) or not ps or not all(isinstance(p, str) and p for p in ps):
            raise bad("paths", "a list of files or folders")
        values["paths"] = tuple(path(p) for p in ps)
    return Config(**values)


def discover(start: str | None = None) -> Config:
    """The settings of the nearest configuration file, or no settings if there is none."""
    found = find_config(start)
    return load_config(found) if found else Config()
