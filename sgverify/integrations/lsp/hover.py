"""Hover: on a name, its definition; on an assertion, its verdict, time and counterexample
(the lines ``sgverify check`` prints); on a rule, what it decides in its group (its boxes
after every rule before it, in the box notation of docs/lint.md) and what lint proved
about it (dead, redundant, tied, open to the internet). Markdown, as a protocol dict.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from ...core.diagnostics import Span
from ...core.model import Group, Rule, Target
from ...engines.boxes.certify import decide_region, layout_for, well_formed
from ...engines.boxes.intervals import Budget, BudgetExceeded
from ...engines.boxes.merge import describe, merge_boxes
from ...lang.syntax import AssertNode, GroupNode
from ...report.from_check import result_finding
from .diagnostics import lsp_range
from .documents import Analysis, Workspace
from .navigation import Name, documents_of, located

BOX_BUDGET = 50_000  # boxes a hover may make to say what a rule decides
MAX_DEFINITION_LINES = 12


def _markdown(lines: list[str], span: Span | None, text: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"contents": {"kind": "markdown", "value": "\n".join(lines)}}
    if span is not None:
        out["range"] = lsp_range(span, text)
    return out


def _lines_of(text: str, span: Span) -> list[str]:
    rows = text.split("\n")[span.line - 1:(span.end_line or span.line)]
    if len(rows) > MAX_DEFINITION_LINES:
        rows = rows[:MAX_DEFINITION_LINES] + ["..."]
    return rows


def _name_hover(n: Name, index: Any, real_of: Callable[[str], str], here: str) -> list[str]:
    defs = index.definitions(n.kind, n.name)
    kind = {"addresses": "address set", "target": "group or instance"}.get(n.kind, n.kind)
    if n.kind in ("include", "import"):
        return [f"**{n.kind}** `{n.name}`"]
    if not defs:
        return [f"**{kind}** `{n.name}`: not defined in this spec or its includes"]
    lines = []
    for d in defs:
        where = os.path.relpath(real_of(d.span.path), os.path.dirname(here))
        lines.append(f"**{d.kind if d.kind != 'addresses' else 'address set'}** `{d.name}` "
                     f"({where}:{d.span.line})")
        src = index.sources.get(d.span.path)
        if src is not None and d.whole is not None:
            lines += ["```sgv", *_lines_of(src, d.whole), "```"]
    return lines


def _assertion_hover(a: Analysis, node: AssertNode) -> list[str]:
    span = node.span
    result = a.results_by_span().get((span.path, span.line, span.col)) if span else None
    if result is None:
        why = ("the spec has errors" if a.report.policy is None else
               "not checked yet: verdicts come on save (the last check was over the change "
               "budget)")
        return [f"**assert** `{node.label or node.text}`", "", why]
    f = result_finding(a.report.path, result)
    head = f"**{result.verdict.value}** · `{f.name}`"
    if result.elapsed:
        head += f" · {result.elapsed * 1000:.0f} ms"
    if f.code:
        head += f" · {f.code}"
    return [head, "", "```", *f.details, "```"] if f.details else [head]


def rule_boxes(group: Group, rule: Rule, sem: Any) -> list[str] | None:
    """What ``rule`` decides in ``group`` alone: the flows no rule before it decides, as
    merged boxes in the box notation (None past the box budget)."""
    target = Target(group.name, "group", (group,), None, group.span)
    layout = layout_for([target], ())
    try:
        pieces = decide_region(layout, target, sem, well_formed(layout, target),
                               Budget(BOX_BUDGET))
    except BudgetExceeded:
        return None
    boxes = [p.box for p in pieces if p.rule is rule]
    return [describe(layout, b).text() for b in merge_boxes(boxes)]


def _rule_hover(a: Analysis, rule: Rule) -> list[str]:
    policy = a.report.policy
    lines = [f"**rule** `{rule.name}` of group `{rule.group_name}` "
             f"(priority {rule.priority}, {rule.action.value})"]
    group = policy.group(rule.group_name) if policy is not None else None
    if group is not None and group.rules_known:
        decided = rule_boxes(group, rule, policy.semantics)
        if decided is None:
            lines += ["", "what it decides: not worked out (the group is too large for a hover)"]
        elif not decided:
            lines += ["", "decides **no flow** in its group: every flow it matches is decided "
                          "before it"]
        else:
            lines += ["", f"decides ({rule.action.value}) in group {group.name}:", "```"]
            lines += decided[:20] + (["..."] if len(decided) > 20 else []) + ["```"]
    found = [f for f in (a.lint.findings if a.lint else ())
             if f.rule is not None and f.rule.span == rule.span]
    for f in found:
        lines += ["", f"**{f.code}** ({f.scope}): {f.message}"]
        lines += [f"- {d}" for d in f.details[:6]]
    return lines


def _statement_at(docs: list[Any], shown: str, line: int) -> tuple[Any, Any]:
    """The assertion, or the group and rule, whose lines hold ``line`` in file ``shown``."""
    for doc in docs:
        if doc.path != shown:
            continue
        for st in doc.statements:
            span = getattr(st, "span", None)
            if span is None or not span.line <= line <= (span.end_line or span.line):
                continue
            if isinstance(st, AssertNode):
                return st, None
            if isinstance(st, GroupNode):
                for r in st.rules:
                    if r.span and r.span.line <= line <= (r.span.end_line or r.span.line):
                        return st, r
    return None, None


def hover(ws: Workspace, path: str, line: int, character: int,
          uri_of: Callable[[str], str]) -> dict[str, Any] | None:
    """The hover at a protocol position of ``path``, or None."""
    n, index, real_of = located(ws, path, line, character)
    docs, sources, _ = documents_of(ws, path)
    real = os.path.realpath(path)
    shown = next((s for s in sources if real_of(s) == real), None)
    if shown is None:
        return None
    if n is not None and n.kind not in ("rule", "assertion"):
        return _markdown(_name_hover(n, index, real_of, real), n.span, sources.get(shown))
    a = ws.analysis_of(real)
    st, rule_node = _statement_at(docs, shown, line + 1)
    if a is None or st is None:
        return None
    if isinstance(st, AssertNode):
        return _markdown(_assertion_hover(a, st), st.span, sources.get(shown))
    if rule_node is not None and a.report.policy is not None:
        group = a.report.policy.group(st.name)
        rule = next((r for r in (group.rules if group else ()) if r.span == rule_node.span), None)
        if rule is not None:
            return _markdown(_rule_hover(a, rule), rule_node.span, sources.get(shown))
    return None
