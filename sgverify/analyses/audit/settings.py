"""Audit settings: which controls run, on whom, with which parameters, and waivers.

Read from a TOML file (``sgverify audit --settings FILE``, or ``sgverify-audit.toml`` in
the working directory) and overlaid by command-line options. Every key is checked: an
unknown key, a bad value, a waiver without a reason or a control id that does not exist
is an error, never ignored. Keys:

    disable = ["SGV110"]                       # controls that do not run
    controls = ["controls/"]                   # custom control files or folders
    public-services = "tcp 80, 443"            # SGV110: what the internet may reach
    restricted = ["tag:restricted"]            # SGV111: which groups are restricted
    restricted-egress-allow = "203.0.113.0/24" # SGV111: egress those groups may still open
    [select]                                   # subjects of any control, by id
    SGV101 = ["tag:env=prod"]
    [[waiver]]
    control = "SGV101"
    target = "group bastion"                   # 'group NAME', 'interface NAME', globs allowed
    reason = "the bastion host; SSH from anywhere by design (SEC-12)"
    expires = 2027-01-31                       # optional; an expired waiver no longer applies
"""

from __future__ import annotations

import datetime
import fnmatch
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ...core.files import FileProblem, display_path, read_toml
from ...core.model import Group, Instance
from .controls import DEFAULT_PUBLIC_SERVICES, DEFAULT_RESTRICTED
from .templates import ControlError

KEYS = ("disable", "controls", "public-services", "restricted", "restricted-egress-allow",
        "select", "waiver")
WAIVER_KEYS = ("control", "target", "reason", "expires")
DEFAULT_FILE = "sgverify-audit.toml"
SELECTOR = re.compile(r"^(tag|name|instance):(.+)$")


@dataclass(frozen=True)
class Waiver:
    """An accepted finding: ``control`` (id or slug) on subjects matching ``target``."""

    control: str
    target: str
    reason: str
    expires: datetime.date | None = None
    origin: str = ""
    inline: bool = False  # an inline comment in the inventory (core.suppress), not the settings

    def covers(self, kind: str, name: str, ident: str | None = None) -> bool:
        want_kind, _, pattern = self.target.partition(" ")
        if not pattern:
            want_kind, pattern = "*", self.target
        if want_kind not in ("*", kind):
            return False
        return any(fnmatch.fnmatchcase(n, pattern) for n in (name, ident) if n)

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Settings:
    disable: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()
    public_services: str = DEFAULT_PUBLIC_SERVICES
    restricted: tuple[str, ...] = DEFAULT_RESTRICTED
    restricted_egress_allow: str = ""
    select: dict[str, tuple[str, ...]] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    source: str | None = None


def check_selector(item: str, where: str) -> str:
    if not SELECTOR.match(item):
        raise ControlError(f"{where}: selector '{item}' must be tag:KEY, tag:KEY=VALUE, "
                           "name:GLOB or instance:GLOB")
    return item


def selects_group(items: tuple[str, ...], g: Group) -> bool:
    """Does any selector item pick group ``g``? (no items: every group)"""
    if not items:
        return True
    for item in items:
        kind, _, value = item.partition(":")
        if kind == "name" and any(fnmatch.fnmatchcase(n, value) for n in (g.name, g.gid) if n):
            return True
        if kind == "tag":
            key, eq, want = value.partition("=")
            if any(k == key and (not eq or v == want) for k, v in g.tags):
                return True
    return False


def selects_instance(items: tuple[str, ...], inst: Instance) -> bool:
    """An interface is picked by an instance: item, or when one of its groups is picked."""
    if not items:
        return True
    for item in items:
        kind, _, value = item.partition(":")
        if kind == "instance" and any(fnmatch.fnmatchcase(n, value) for n in (inst.name, inst.iid) if n):
            return True
    group_items = tuple(i for i in items if not i.startswith("instance:"))
    return bool(group_items) and any(selects_group(group_items, g) for g in inst.groups)


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ControlError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def load_settings(path: str) -> Settings:
    """The settings in ``path``; ControlError naming the file and key when unusable."""
    shown = display_path(path)
    try:
        doc = read_toml(path, shown)
    except FileProblem as exc:
        raise ControlError(str(exc)) from None
    base = os.path.dirname(os.path.abspath(path))
    for key in doc:
        if key not in KEYS:
            raise ControlError(f"{shown}: unknown key '{key}' (known keys: {', '.join(KEYS)})")
    values: dict[str, Any] = {"source": shown}
    if "disable" in doc:
        values["disable"] = _strings(doc["disable"], "disable", shown)
    if "controls" in doc:
        values["controls"] = tuple(display_path(os.path.normpath(os.path.join(base, p)))
                                   for p in _strings(doc["controls"], "controls", shown))
    for key in ("public-services", "restricted-egress-allow"):
        if key in doc:
            if not isinstance(doc[key], str):
                raise ControlError(f"{shown}: '{key}' must be a string")
            values[key.replace("-", "_")] = doc[key]
    if "restricted" in doc:
        values["restricted"] = tuple(check_selector(s, shown)
                                     for s in _strings(doc["restricted"], "restricted", shown))
    if "select" in doc:
        table = doc["select"]
        if not isinstance(table, dict):
            raise ControlError(f"{shown}: [select] must be a table of control id = [selectors]")
        values["select"] = {k: tuple(check_selector(s, f"{shown} [select] {k}")
                                     for s in _strings(v, k, shown)) for k, v in table.items()}
    if "waiver" in doc:
        entries = doc["waiver"]
        if not isinstance(entries, list):
            raise ControlError(f"{shown}: write waivers as [[waiver]] tables")
        values["waivers"] = tuple(_waiver(e, f"{shown} waiver {n}") for n, e in enumerate(entries, 1))
    return Settings(**values)


def _waiver(entry: Any, where: str) -> Waiver:
    if not isinstance(entry, dict):
        raise ControlError(f"{where}: must be a table")
    for key in entry:
        if key not in WAIVER_KEYS:
            raise ControlError(f"{where}: unknown key '{key}' (known keys: {', '.join(WAIVER_KEYS)})")
    for key in ("control", "target", "reason"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ControlError(f"{where}: '{key}' is required (a non-empty string)")
    kind, _, rest = entry["target"].partition(" ")
    if rest and kind not in ("group", "interface", "instance", "*"):
        raise ControlError(f"{where}: target '{entry['target']}' must be 'group NAME', "
                           "'interface NAME' or a name pattern")
    target = entry["target"].replace("instance ", "interface ", 1) if kind == "instance" else entry["target"]
    expires = entry.get("expires")
    if expires is not None:
        if isinstance(expires, str):
            try:
                expires = datetime.date.fromisoformat(expires)
            except ValueError:
                raise ControlError(f"{where}: expires '{expires}' is not a date (YYYY-MM-DD)") from None
        if not isinstance(expires, datetime.date) or isinstance(expires, datetime.datetime):
            raise ControlError(f"{where}: expires must be a date (YYYY-MM-DD)")
    return Waiver(entry["control"].strip(), target.strip(), entry["reason"].strip(), expires, where)


def discover_settings(start: str | None = None) -> str | None:
    """``sgverify-audit.toml`` in ``start`` (default: the working directory), if any."""
    path = os.path.join(start or os.getcwd(), DEFAULT_FILE)
    return path if os.path.isfile(path) else None


__all__ = [
    "DEFAULT_FILE",
    "Settings",
    "Waiver",
    "check_selector",
    "discover_settings",
    "load_settings",
    "selects_group",
    "selects_instance",
]
