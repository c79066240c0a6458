"""Completion: the language's keywords (``lang.parse.reserved_words``), protocols,
well-known ports, and the names in scope (groups, instances, address sets, prefix lists,
port lists of the spec and its includes), narrowed by the word before the cursor: after
``group`` the groups, after ``prefix-list`` the prefix lists, after a protocol the ports.
"""

from __future__ import annotations

import os
import re
from typing import Any

from ...lang.parse import reserved_words
from .diagnostics import character_column
from .documents import Workspace
from .navigation import Index, documents_of

PROTOCOLS = ("tcp", "udp", "icmp", "icmpv6", "gre", "all")
WELL_KNOWN_PORTS: tuple[tuple[int, str], ...] = (
    (22, "SSH"), (23, "Telnet"), (25, "SMTP"), (53, "DNS"), (80, "HTTP"), (123, "NTP"),
    (389, "LDAP"), (443, "HTTPS"), (445, "SMB"), (1433, "SQL Server"), (1521, "Oracle"),
    (2375, "Docker"), (3306, "MySQL"), (3389, "RDP"), (5432, "PostgreSQL"), (5900, "VNC"),
    (6379, "Redis"), (8080, "HTTP alternate"), (9200, "Elasticsearch"), (11211, "Memcached"),
    (27017, "MongoDB"),
)
# LSP CompletionItemKind numbers.
_KEYWORD, _VALUE, _CLASS, _VARIABLE, _CONSTANT, _ENUM = 14, 12, 7, 6, 21, 13
_NAME_KIND = {"group": _CLASS, "instance": _VARIABLE, "addresses": _CONSTANT,
              "prefix-list": _ENUM, "port-list": _ENUM}
_AFTER = {"group": ("group",), "groups": ("group",), "peer-groups": ("group",),
          "instance": ("instance",), "prefix-list": ("prefix-list",),
          "port-list": ("port-list",), "from": ("addresses",), "to": ("addresses",),
          "assert": ("instance", "group")}


def _items(words: Any, kind: int, detail: str) -> list[dict[str, Any]]:
    return [{"label": w, "kind": kind, "detail": detail} for w in words]


def complete(ws: Workspace, path: str, line: int, character: int) -> dict[str, Any]:
    """The completion list at a protocol position of ``path``."""
    real = os.path.realpath(path)
    text = ws.text_of(real) or ""
    rows = text.split("\n")
    row = rows[line] if line < len(rows) else ""
    before = row[:character_column(row, character)]
    m = re.search(r"([A-Za-z][A-Za-z0-9_.\-]*|,)?\s+[A-Za-z0-9_.\-]*$", before)
    previous = m.group(1) if m and m.group(1) else ""
    if previous == ",":  # in a list: what the list holds is decided by the word that began it
        words = re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*", before)
        previous = next((w for w in reversed(words) if w in _AFTER or w in PROTOCOLS), "")
    docs, sources, _ = documents_of(ws, real)
    indexes = [Index(docs, sources)]
    for last in (ws.analysis_of(real), ws.analysis_of(real, resolved=True)):
        if last is not None:  # names of the includes as last read (the text may not parse now)
            indexes.append(Index(last.documents, last.report.sources))
    names: dict[str, set[str]] = {}
    for n in (n for index in indexes for n in index.names):
        if n.definition and n.kind in _NAME_KIND:
            names.setdefault(n.kind, set()).add(n.name)
    items: list[dict[str, Any]] = []
    if previous in PROTOCOLS and previous != "all":
        items += [{"label": str(p), "kind": _VALUE, "detail": what} for p, what in WELL_KNOWN_PORTS]
        return {"isIncomplete": False, "items": items}
    kinds = _AFTER.get(previous)
    if kinds is not None:
        for k in kinds:
            items += _items(sorted(names.get(k, ())), _NAME_KIND[k], k)
        if previous in ("from", "to"):
            items += _items(("internet", "any", "group", "prefix-list", "instance"), _KEYWORD,
                            "keyword")
        return {"isIncomplete": False, "items": items}
    items += _items(sorted(reserved_words()), _KEYWORD, "keyword")
    items += _items(PROTOCOLS, _KEYWORD, "protocol")
    for k in sorted(names):
        items += _items(sorted(names[k]), _NAME_KIND[k], k)
    seen: set[str] = set()
    unique = [i for i in items if not (i["label"] in seen or seen.add(i["label"]))]
    return {"isIncomplete": False, "items": unique}
