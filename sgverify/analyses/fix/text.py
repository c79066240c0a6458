"""The edits of a repair as source text: each edited rule written as a .sgv rule line, and
the new text of each .sgv file the edits touch (edited by the rules' spans, so the rest of
the file keeps its spelling). Data only: ``report/fix`` shows it as a unified diff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from ...core.addresses import ANY, INTERNET, V4, AddrSpace
from ...core.model import Action, Direction, Group, Network, Nic, Policy, Rule
from ...lang.printer import FormatError, is_name, service_words, tail_clauses
from .edits import Edit


class NotWritable(Exception):
    """An edited rule cannot be written in .sgv (or its file is not a .sgv spec)."""


def peer_text(rule: Rule, policy: Policy, classic: bool) -> str:
    """The peer list of ``rule``: named sets where they match exactly, else blocks."""
    parts: list[str] = []
    space = rule.peer.addresses
    if space:
        parts += _addresses(space, policy, classic)
    for key in sorted(rule.peer.groups):
        g = next((g for g in policy.groups if g.key == key), None)
        if g is not None and key.account == "" and is_name(g.name):
            parts.append(f"group {g.name}")
        elif key.account:
            parts.append(f"group {key.account}/{key.ident}")
        else:
            parts.append(f"group {key.ident}")
    parts += [f"prefix-list {n}" for n in rule.peer.unresolved]
    if not parts:
        raise NotWritable(f"rule {rule.name} would match no peer")
    return ", ".join(parts)


def _addresses(space: AddrSpace, policy: Policy, classic: bool) -> list[str]:
    internet = INTERNET.only(V4) if classic else INTERNET
    everything = ANY.only(V4) if classic else ANY
    if space == everything:
        return ["any"]
    if space == internet:
        return ["internet"]
    for name, s in policy.address_sets:
        if s == space and is_name(name):
            return [name]
    if internet and (space & internet) == internet and not classic:
        rest = space - internet
        return ["internet"] + rest.cidrs()
    return space.cidrs()


def rule_text(rule: Rule, policy: Policy, group: Group) -> str:
    """``rule`` as one .sgv rule line (clauses in the printer's order)."""
    if rule.local is not None:
        raise NotWritable(f"rule {rule.name} has an interface-side block, which .sgv cannot write")
    classic = group.network is Network.CLASSIC
    try:
        parts = [f"{rule.label}:"] if rule.label and is_name(rule.label) else []
        parts += [rule.direction.value, rule.action.value,
                  service_words(rule.protocol, rule.ports, rule.unresolved_ports or None)]
        side = "from" if rule.direction is Direction.INGRESS else "to"
        parts.append(f"{side} {peer_text(rule, policy, classic)}")
        parts += tail_clauses(rule.source_ports,
                              rule.nic if classic or rule.nic is not Nic.INTRANET else None,
                              rule.priority, rule.description, rule.rule_id)
    except FormatError as exc:
        raise NotWritable(str(exc)) from None
    return " ".join(parts)


_ACTION = re.compile(r"\b(accept|allow|drop|deny|forbid)\b")
_PRIORITY = re.compile(r"\bpriority\s+-?[0-9]+")


def edited_line(old: str, edit: Edit, policy: Policy, group: Group) -> str:
    """The new source of ``edit.old`` (its source text ``old``): an action or priority
    change edits the word in place; other edits write the rule afresh."""
    assert edit.old is not None
    if edit.kind == "action" and len(edit.new) == 1:
        m = _ACTION.search(old)
        if m:
            word = "accept" if edit.new[0].action is Action.ACCEPT else "drop"
            return old[:m.start()] + word + old[m.end():]
    if edit.kind == "priority" and len(edit.new) == 1:
        m = _PRIORITY.search(old)
        if m:
            return old[:m.start()] + f"priority {edit.new[0].priority}" + old[m.end():]
        return old.rstrip() + f" priority {edit.new[0].priority}"
    return rule_text(edit.new[0], policy, group)


@dataclass(frozen=True)
class FileEdit:
    """One .sgv file before and after the repair."""

    path: str
    before: str
    after: str


def _offset(text: str, line: int, col: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[:line - 1]) + col - 1


def file_edits(edits: Sequence[Edit], policy: Policy,
               sources: Mapping[str, str]) -> list[FileEdit]:
    """The new text of each file the edits touch. A changed rule is replaced by its span; a
    deleted rule's line goes (or its text, when it shares the line); an added rule goes
    after the last rule of its group (or inside its empty braces). Raises NotWritable when
    a rule has no span in a .sgv file of ``sources``."""
    groups = {g.key: g for g in policy.groups}
    # (path, start offset, end offset, replacement); applied from the end of each file.
    cuts: dict[str, list[tuple[int, int, str]]] = {}
    for e in (p for edit in edits for p in edit.parts()):  # a move: delete, then add
        g = groups[e.group]
        if e.old is not None:
            span = e.old.span
            if span is None or span.path not in sources or not span.path.endswith(".sgv") \
                    or not span.end_line:
                raise NotWritable(f"rule {e.old.name} was not read from a .sgv file")
            text = sources[span.path]
            start = _offset(text, span.line, span.col)
            end = _offset(text, span.end_line, span.end_col)
            if not e.new:
                ls = text.rfind("\n", 0, start) + 1
                le = text.find("\n", end)
                le = len(text) if le < 0 else le
                if text[ls:start].strip() == "" and text[end:le].strip() in ("", ";"):
                    cuts.setdefault(span.path, []).append((ls, min(le + 1, len(text)), ""))
                else:
                    cuts.setdefault(span.path, []).append((start, end, ""))
                continue
            indent = " " * (span.col - 1)
            lines = [edited_line(text[start:end], e, policy, g)]
            lines += [rule_text(r, policy, g) for r in e.new[1:]]
            cuts.setdefault(span.path, []).append((start, end, ("\n" + indent).join(lines)))
            continue
        cuts_for, at, line = _insertion(g, e, policy, sources)
        cuts.setdefault(cuts_for, []).append((at, at, line))
    out = []
    for path, items in cuts.items():
        before = sources[path]
        after = before
        for start, end, new in sorted(items, key=lambda x: (x[0], x[1]), reverse=True):
            after = after[:start] + new + after[end:]
        out.append(FileEdit(path, before, after))
    return sorted(out, key=lambda f: f.path)


def _insertion(g: Group, e: Edit, policy: Policy, sources: Mapping[str, str]) -> tuple[str, int, str]:
    """Where an added rule goes and its text: after the group's last rule with a span, or
    before the closing brace of its block."""
    lines = [rule_text(r, policy, g) for r in e.new]
    spanned = [r for r in g.rules if r.span is not None and r.span.path in sources
               and r.span.end_line]
    if spanned:
        last = max(spanned, key=lambda r: (r.span.end_line, r.span.end_col))  # type: ignore[union-attr]
        span = last.span
        assert span is not None
        text = sources[span.path]
        end = _offset(text, span.end_line, span.end_col)
        le = text.find("\n", end)
        if le < 0 or text[end:le].strip() not in ("", ";"):
            # The rule ends a one-line group: keep it on the line, separated by ';'.
            return span.path, end, "".join("; " + x for x in lines)
        indent = " " * (span.col - 1)
        return span.path, le, "".join("\n" + indent + x for x in lines)
    if g.span is None or g.span.path not in sources or not g.span.path.endswith(".sgv"):
        raise NotWritable(f"group {g.name} was not read from a .sgv file")
    text = sources[g.span.path]
    start = _offset(text, g.span.line, g.span.col)
    brace = text.find("{", start)
    close = text.find("}", brace)
    if brace < 0 or close < 0:
        raise NotWritable(f"the block of group {g.name} was not found")
    body = text[brace + 1:close]
    if body.strip():
        raise NotWritable(f"group {g.name}'s block holds text that is not a rule")
    return g.span.path, brace + 1, "\n" + "".join("  " + x + "\n" for x in lines)


__all__ = ["FileEdit", "NotWritable", "file_edits", "rule_text", "peer_text", "edited_line"]
