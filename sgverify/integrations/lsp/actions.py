"""Code actions (quick fixes) for the diagnostics the editor sends back:

- E101 unknown group: declare it as external (``group NAME (external) {}`` at the end of
  the file), as the diagnostic's own note suggests, when only its membership matters;
- W110 host bits set in a CIDR block: write the block as it is read (its network);
- E301 a violated assertion: apply the repair ``sgverify fix`` proves (the smallest set of
  rule edits after which every assertion of the spec is proved, with no collateral change),
  offered only when the spec's verdicts are complete and its text is the one they were
  proved on; the edit changes only the characters that differ, in every file it touches.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any, Callable

from ...report.fix import edit_words
from .diagnostics import character_column
from .documents import Analysis, Workspace

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


def _place(text: str, offset: int) -> dict[str, int]:
    """The protocol position of a character offset in ``text``."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


def smallest_edit(before: str, after: str) -> dict[str, Any]:
    """One protocol text edit turning ``before`` into ``after``: the differing middle."""
    head = 0
    limit = min(len(before), len(after))
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return {"range": {"start": _place(before, head), "end": _place(before, len(before) - tail)},
            "newText": after[head:len(after) - tail]}


def _proved_fix(ws: Workspace, analysis: Analysis, diagnostics: list[dict[str, Any]],
                uri_of: Callable[[str], str]) -> dict[str, Any] | None:
    """The "apply the proved fix" action for ``analysis``, if ``sgverify fix`` has one."""
    if analysis.report.policy is None or not analysis.complete:
        return None
    for shown, text in analysis.report.sources.items():
        if shown.endswith(".sgv") and ws.text_of(analysis.real_of(shown)) != text:
            return None  # the verdicts were proved on another text: wait for the next check
    done = ws.repaired(analysis)
    rep = done.outcome.repair
    if rep is None or not done.files:
        return None
    changes = {uri_of(analysis.real_of(f.path)): [smallest_edit(f.before, f.after)]
               for f in done.files}
    plural = "s" if len(rep.edits) != 1 else ""
    what = "; ".join(edit_words(e, place=False) for e in rep.edits)
    return {"title": f"Apply the proved fix ({len(rep.edits)} edit{plural}: {what})",
            "kind": QUICKFIX, "diagnostics": diagnostics, "isPreferred": True,
            "edit": {"changes": changes}}


def code_actions(ws: Workspace, path: str, diagnostics: list[dict[str, Any]],
                 uri_of: Callable[[str], str]) -> list[dict[str, Any]]:
    """The quick fixes for ``diagnostics`` (protocol dicts) in ``path``."""
    real = os.path.realpath(path)
    text = ws.text_of(real) or ""
    uri = uri_of(real)
    out: list[dict[str, Any]] = []
    declared: set[str] = set()
    violated = [d for d in diagnostics if d.get("code") == "E301"]
    analysis = ws.analysis_of(real) if violated else None
    if analysis is not None and (fix := _proved_fix(ws, analysis, violated, uri_of)):
        out.append(fix)
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
