"""``explain``'s reports: one flow explained (text or JSON), and the line-by-line output of
``--flows`` and ``--flow-log`` (text, or JSON lines) with the flow log's summary and its
warnings about records it could not compare."""

from __future__ import annotations

import json
import socket
from typing import Any, Sequence

from ..analyses.explain.bulk import Block, FlowLine, LogLine, LogTally
from ..analyses.explain.explain import Explanation, matching_rules, maybe_matching_rules
from ..core.addresses import V4, format_address
from ..core.diagnostics import Diagnostic, Span
from ..core.evaluate import Decision, Reason
from ..core.model import Nic, protocol_name
from .json import StreamedEnvelope, decision_json, gate_summary, render_envelope
from .text import Style, decision_lines, render_diagnostic, rule_ref, target_line


def explanation_text(exp: Explanation, style: Style) -> str:
    lines = [f"flow: {exp.flow}", target_line(exp.target)]
    if exp.problem:
        lines.append(f"warning: this flow cannot occur on {exp.target.name}: {exp.problem}")
    if exp.definite:
        dec = exp.decisions[0]
        lines.append(f"verdict: {style(dec.action.value, 'proved' if dec.accepted else 'violated')}")
        lines += decision_lines(dec, indent="")
    else:
        maybe = maybe_matching_rules(exp)
        involved = sorted({n for r in maybe for n in r.unknowns})
        lines.append("verdict: unknown: it depends on the unknown entries of "
                     + ", ".join(involved or exp.unresolved))
    matching = matching_rules(exp)
    maybe_ids = set(map(id, maybe_matching_rules(exp)))
    shown = [r for r in exp.rules if id(r) in maybe_ids or r in matching]
    lines.append("matching rules in precedence order:" if shown else "no rule matches this flow")
    deciding = exp.decisions[0].rule if exp.definite and exp.decisions[0].reason is Reason.RULE else None
    for i, r in enumerate(shown, 1):
        mark = "  <- decides" if r is deciding else ""
        if id(r) in maybe_ids:
            mark = "  (may match: if " + " or ".join(r.unknowns) + " holds the flow)"
        lines.append(f"  {i}. {rule_ref(r)}{mark}")
        if r.text:
            lines.append(f"       {r.text}")
    return "\n".join(lines) + "\n"


def explanation_json(exp: Explanation, exit_code: int, inputs: Sequence[str] = ()) -> str:
    """One flow explained, in the JSON envelope (``results.mode`` is ``"flow"``)."""
    verdict = exp.decisions[0].action.value if exp.definite else "unknown"
    doc = {"mode": "flow", "flow": exp.flow.to_json(), "target": exp.target.name,
           "verdict": verdict,
           "possible": exp.problem is None, "problem": exp.problem,
           "decision": decision_json(exp.decisions[0]) if exp.definite else None,
           "unresolved": list(exp.unresolved),
           "matching": [r.name for r in matching_rules(exp)]}
    return render_envelope("explain", inputs, doc, gate_summary(exit_code, verdict=verdict))


def verdict_fields(decision: Decision | None) -> dict[str, Any]:
    if decision is None:
        return {"verdict": "unknown", "rule": None, "reason": None, "group": None}
    group = decision.group.name if decision.group else (
        decision.rule.group_name if decision.rule else None)
    return {"verdict": decision.action.value,
            "rule": decision.rule.locator() if decision.rule else None,
            "reason": decision.reason.value, "group": group}


def describe(decision: Decision | None, names: tuple[str, ...]) -> str:
    if decision is None:
        return "unknown: depends on the entries of " + ", ".join(names)
    if decision.reason is Reason.RULE and decision.rule is not None:
        return f"{decision.action.value} by {rule_ref(decision.rule)}"
    return f"{decision.action.value} by {decision.describe()}"


_NTOP, _AF_INET, _AF_INET6 = socket.inet_ntop, socket.AF_INET, socket.AF_INET6


def flow_text(fields: tuple) -> str:
    """``str(Flow(*fields))`` without the ``Flow`` (``FlowFields``), addresses by the C
    formatter (the text ``ipaddress`` writes: the same longest run of zero groups, the
    first of equals, shortened); a test keeps the two equal."""
    direction, protocol, family, src, dst, sport, dport, nic, groups = fields
    if family == V4:
        a, b = _NTOP(_AF_INET, src.to_bytes(4, "big")), _NTOP(_AF_INET, dst.to_bytes(4, "big"))
        if sport is not None:
            a = f"{a}:{sport}"
        if dport is not None:
            b = f"{b}:{dport}"
    else:
        a, b = _NTOP(_AF_INET6, src.to_bytes(16, "big")), _NTOP(_AF_INET6, dst.to_bytes(16, "big"))
        if "." in a:  # the C formatter writes some with an IPv4 tail; ipaddress does not
            a = format_address(family, src)
        if "." in b:
            b = format_address(family, dst)
        if sport is not None:
            a = f"[{a}]:{sport}"
        if dport is not None:
            b = f"[{b}]:{dport}"
    text = f"{direction.value} {protocol_name(protocol)} {a} -> {b}"
    if nic is Nic.INTERNET:
        text += " nic internet"
    if groups:
        text += " peer-groups " + ", ".join(sorted(str(g) for g in groups))
    return text


def line_error(shown: str, line: int, message: str, style: Style) -> str:
    """A line of the input that could not be read, as an E001 diagnostic line."""
    return render_diagnostic(Diagnostic.make("E001", message, Span(shown, line, 1)), {}, style) + "\n"


class FlowLines:
    """Writes ``--flows`` outcomes: text lines, or the JSON envelope streamed with one
    entry of ``results.lines`` per line (most lines repeat one of a few decisions, so each
    decision's JSON is encoded once). ``start`` and ``end`` open and close the document
    (nothing for text); ``end``'s summary counts the lines by outcome."""

    def __init__(self, as_json: bool, inputs: Sequence[str] = ()) -> None:
        self.as_json = as_json
        self._tails: dict[tuple[object, ...], str] = {}
        self._decided: dict[int, tuple[Decision, str, str, str]] = {}
        self._encode = json.JSONEncoder().encode
        self._stream = StreamedEnvelope("explain", inputs, "flows", "lines")
        self.counts = {"lines": 0, "accept": 0, "drop": 0, "unknown": 0, "not_possible": 0,
                       "errors": 0}

    def start(self) -> str:
        return self._stream.head() if self.as_json else ""

    def end(self, exit_code: int) -> str:
        return self._stream.tail(gate_summary(exit_code, **self.counts)) if self.as_json else ""

    def line(self, r: FlowLine) -> str:
        self._count(r)
        if not self.as_json:
            return self._text(r)
        return self._stream.item(self._json(r))

    def block(self, block: Block) -> str:
        """``line`` of each row of ``block`` (a ``FlowLine``, or a ``Decision`` of the
        fast path), joined: the same text."""
        parts = []
        add = parts.append
        counts = self.counts
        known = self._decided
        as_json = self.as_json
        number = block.first - 1
        for i, r in enumerate(block.rows):
            number += 1
            if r is None:
                continue
            if type(r) is not Decision:
                self._count(r)  # type: ignore[arg-type]
                add(self._json(r) if as_json else self._text(r))  # type: ignore[arg-type]
                continue
            hit = known.get(id(r))
            if hit is None:  # the decision is kept alive with its text: its id stays its own
                hit = known[id(r)] = (r, r.action.value,  # type: ignore[union-attr]
                                      self._encode(verdict_fields(r))[1:],  # type: ignore
                                      describe(r, ()))  # type: ignore[arg-type]
            counts["lines"] += 1
            counts[hit[1]] += 1
            add(f'{{"line": {number}, {hit[2]}' if as_json else
                f"{number}: {flow_text(block.fields[i])}: {hit[3]}\n")  # type: ignore
        if not as_json:
            return "".join(parts)
        return self._stream.item(",\n".join(parts)) if parts else ""

    def _count(self, r: FlowLine) -> None:
        c = self.counts
        c["lines"] += 1
        if r.error is not None:
            c["errors"] += 1
        elif r.problem:
            c["not_possible"] += 1
        else:
            c[r.decision.action.value if r.decision is not None else "unknown"] += 1

    def _json(self, r: FlowLine) -> str:
        if r.error is not None:
            return json.dumps({"line": r.number, "error": r.error})
        decision = r.decision
        if decision is not None and not r.problem:
            key = (decision.action, decision.reason, id(decision.rule), id(decision.group))
            tail = self._tails.get(key)
            if tail is None:
                tail = self._tails[key] = self._encode(verdict_fields(decision))[1:]
            return f'{{"line": {r.number}, {tail}'
        doc: dict[str, Any] = {"line": r.number, **verdict_fields(decision)}
        if decision is None:
            doc["unresolved"] = list(r.unresolved)
        if r.problem:
            doc["problem"] = r.problem
        return self._encode(doc)

    def _text(self, r: FlowLine) -> str:
        if r.error is not None:
            return f"{r.number}: error: {r.error}\n"
        decision = r.decision
        note = f" (cannot occur on {r.target}: {r.problem})" if r.problem else ""
        return f"{r.number}: {r.flow}: {describe(decision, r.unresolved)}{note}\n"


def unknown_keys(shown: str, r: FlowLine, style: Style) -> str:
    """W125 for keys of a flow line that sgverify does not read (each named once)."""
    new = r.new_keys
    return render_diagnostic(Diagnostic.make(
        "W125", "unknown key" + ("s" if len(new) > 1 else "") + " ignored: " + ", ".join(new),
        Span(shown, r.number, 1)), {}, style) + "\n"


class LogLines:
    """Writes the ``--flow-log`` records the policy contradicts: text lines, or the JSON
    envelope streamed with one entry of ``results.disagreements`` per record; ``end``'s
    summary is the flow log's counts (as ``log_summary`` words them)."""

    def __init__(self, as_json: bool, inputs: Sequence[str] = ()) -> None:
        self.as_json = as_json
        self._stream = StreamedEnvelope("explain", inputs, "flow-log", "disagreements")

    def start(self) -> str:
        return self._stream.head() if self.as_json else ""

    def line(self, r: LogLine, shown: str) -> str:
        text = log_line(r, shown, self.as_json)
        return self._stream.item(text.rstrip("\n")) if self.as_json else text

    def end(self, tally: LogTally, exit_code: int) -> str:
        if not self.as_json:
            return ""
        counts = {k.replace("-", "_"): v for k, v in tally.counts.items()}
        return self._stream.tail(gate_summary(exit_code, **counts))


def log_line(r: LogLine, shown: str, as_json: bool) -> str:
    """A record whose logged action disagrees with the policy."""
    assert r.record is not None and r.record.flow is not None and r.comparison is not None
    assert r.target is not None
    record, result = r.record, r.comparison
    logged = "ACCEPT" if record.logged and record.logged.value == "accept" else "REJECT"
    if as_json:
        doc = {"line": r.number, "eni": record.eni or None, "target": r.target.name,
               "flow": record.flow.to_json(), "logged": logged,
               **verdict_fields(result.decision), "possible_reply": result.possible_reply}
        return json.dumps(doc) + "\n"
    reply = " (possibly the reply of a connection accepted the other way)" \
        if result.possible_reply else ""
    return (f"{shown}:{r.number}: {record.flow} on {r.target.name}: logged {logged}, "
            f"policy: {describe(result.decision, ())}{reply}\n")


def log_warnings(tally: LogTally, shown: str, style: Style) -> str:
    """W125 for the interfaces whose records were not compared."""
    out = []
    for eni, number in tally.unknown_enis.items():
        out.append(render_diagnostic(Diagnostic.make(
            "W125", f"interface {eni} is not in the policy: its records are not compared "
            "(give its instance or network interface, or --target)", Span(shown, number, 1)), {},
            style) + "\n")
    for name, (number, problem) in tally.elsewhere.items():
        out.append(render_diagnostic(Diagnostic.make(
            "W125", f"records logged for {name} cannot occur on it ({problem}): they are not "
            "compared (is the interface id mapped to the right instance?)", Span(shown, number, 1)),
            {}, style) + "\n")
    return "".join(out)


def log_summary(tally: LogTally) -> str:
    return ("flow log: {records} records: {agree} agree, {disagree} disagree, {undecided} "
            "undecided (unresolved lists), {no-data} without traffic, {unknown-interface} on "
            "unknown interfaces, {elsewhere} not possible on their interface, {errors} "
            "unreadable").format(**tally.counts) + "\n"
