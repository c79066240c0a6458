"""Code actions (quick fixes) for the diagnostics the editor sends back:

- E101 unknown group: declare it as external (``group NAME (external) {}`` at the end of
  the file), as the diagnostic's own note suggests, when only its membership matters;
- W110 host bits set in a CIDR block: write the block as it is read (its network).

There is no "apply the proved fix" action: sgverify has no ``fix`` command yet to prove
one (docs/editor.md).
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any, Callable

from .diagnostics import character_column
from .documents import Workspace

_UNKNOWN_GROUP = re.compile(r"^unknown group '([^']+)'$")
QUICKFIX = "quickfix"


def _text_in(text: str, rng: dict[str, Any]) -> str:
    rows = text.split("\n")
    s, e = rng["start"], rng["end"]
    if s["line"] != e["line"] or s["line"] >= len(rows):
        return ""
    row = rows[s["line"]]
    return row[character_column(row, s["character"]):character_column(row, e["character"])]


def _end_of(text: str) -> tuple[dict[str, int], str]:
    """The position at the end of ``text`` and the line break needed before an addition."""
    rows = text.split("\n")
    end = {"line": len(rows) - 1, "character": len(rows[-1].encode("utf-16-le")) // 2}
    return end, "" if text.endswith("\n") or not text else "\n"


def code_actions(ws: Workspace, path: str, diagnostics: list[dict[str, Any]],
                 uri_of: Callable[[str], str]) -> list[dict[str, Any]]:
    """The quick fixes for ``diagnostics`` (protocol dicts) in ``path``."""
    real = os.path.realpath(path)
    text = ws.text_of(real) or ""
    uri = uri_of(real)
    out: list[dict[str, Any]] = []
    declared: set[str] = set()
    for d in diagnostics:
        code = d.get("code")
        first = str(d.get("message", "")).split("\n", 1)[0]
        if code == "E101" and (m := _UNKNOWN_GROUP.match(first)) and m.group(1) not in declared:
            name = m.group(1)
            declared.add(name)
            end, gap = _end_of(text)
            out.append({"title": f"Declare group {name} as external", "kind": QUICKFIX,
                        "diagnostics": [d], "isPreferred": True,
                        "edit": {"changes": {uri: [{"range": {"start": end, "end": end},
                                                    "newText": f"{gap}group {name} (external) {{}}\n"}]}}})
        elif code == "W110":
            written = _text_in(text, d["range"])
            try:
                net = ipaddress.ip_network(written, strict=False)
            except ValueError:
                continue
            if str(net) != written:
                out.append({"title": f"Write {written} as {net}", "kind": QUICKFIX,
                            "diagnostics": [d], "isPreferred": True,
                            "edit": {"changes": {uri: [{"range": d["range"],
                                                        "newText": str(net)}]}}})
    return out
