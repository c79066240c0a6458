"""Reach answers as text and JSON."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

from ..analyses.reach.answer import Answer, Pair
from ..core.addresses import INTERNET
from ..core.result import Evidence
from ..engines.atoms.matrix import REACHABLE, STATUS_WORDS
from ..prove.verdicts import TCP25_NOTE
from .json import ITEMS, decision_json, dumps_items, envelope, gate_summary
from .text import Style, evidence_lines

NOTES = ("results are about the security groups only: routing between VPCs, NAT and "
         "public-address translation are outside the model (docs/semantics.md, section 5)",)


def pair_lines(p: Pair, style: Style, lead: str = "") -> list[str]:
    """A pair's line (after ``lead``, its compiler-style place and code), its witness and
    notes."""
    word = "reaches" if p.status == REACHABLE else "may reach (unresolved lists)"
    head = f"{lead}{p.sender.label} {style(word, 'violated' if p.status == REACHABLE else 'unknown')} " \
           f"{p.receiver.label} on {p.services()}"
    if p.status == REACHABLE and p.more:
        head += f"; {style('may also reach', 'unknown')} on {p.also()} ({not_verified(p)})"
    lines = [head]
    lines += witness_lines(p.evidence, p.facts, "witness")
    if p.extra:
        lines += witness_lines(p.extra, p.extra_facts, "may-reach witness")
    lines += [f"  note: {n}" for n in pair_notes(p)]
    return lines


def pair_notes(p: Pair) -> list[str]:
    """The TCP 25 note for a witness of outbound TCP 25 to the internet (docs/semantics.md,
    section 3.6; an accepted witness means the platform block is not modelled)."""
    for e in p.evidence + p.extra:
        f = e.flow
        if (f.direction.value == "egress" and f.protocol == 6 and f.dst_port == 25
                and INTERNET.contains(f.family, f.peer_ip)):
            return [TCP25_NOTE]
    return []


def not_verified(p: Pair) -> str:
    """'not verified: depends on prefix list p, ...' for a pair's possible services."""
    return "not verified: depends on " + (", ".join(p.lists) if p.lists else "unresolved lists")


def witness_lines(evidence: tuple[Evidence, ...], facts: tuple[str, ...], word: str,
                  indent: str = "  ") -> list[str]:
    """A witness flow, the list membership it assumes (if any), and each decision."""
    if not evidence:
        return []
    flow = evidence[0].flow
    lines = [f"{word}: {flow}"]
    if facts:
        lines.append("assuming: " + "; ".join(facts))
    return [indent + x for x in lines + evidence_lines(evidence, str(flow))]


def render_text(a: Answer, style: Style, timing: bool = True,
                lead: Callable[[Pair], str] | None = None) -> str:
    """The answer as text; ``lead(pair)`` starts each pair's line (``file:line:col:
    note[R001]: ``, so that editors and CI annotate it)."""
    out = [f"reach: {a.question} ({'groups' if a.by == 'group' else 'instances'})"]
    shown = [p for p in a.pairs if p.worked_out]
    for p in shown:
        out += pair_lines(p, style, lead(p) if lead else "")
    if a.truncated:
        out.append(f"... and {a.truncated} more pair{'s' if a.truncated != 1 else ''} that "
                   "connect, not shown (raise --limit or use --limit all, or narrow --from/--to)")
    out += [f"note: {n}" for n in a.notes + list(NOTES)]
    m = a.matrix
    t = f" in {a.seconds:.2f} s" if timing else ""
    stats = ""
    if m is not None:
        stats = (f" ({m.stats.classes} interface classes, {m.stats.service_atoms} service atoms, "
                 f"{m.stats.decisions} decisions)")
    verdict = "yes" if a.reachable else ("unknown" if a.unknown or a.across else "no")
    partly = ""
    if a.partly_unknown:
        partly = (f" ({a.partly_unknown} of them possibly on more services: not verified, "
                  "unresolved lists)")
    out.append(f"answer: {verdict}: {a.reachable} of {a.checked} ordered pairs reach{partly}, "
               f"{a.unknown} unknown, the rest proved unreachable{stats}{t}")
    return "\n".join(out) + "\n"


def pair_json(p: Pair) -> dict[str, Any]:
    mask = p.sure if p.status == REACHABLE else p.maybe
    return {
        "sender": p.sender.label, "receiver": p.receiver.label,
        "status": STATUS_WORDS[p.status],
        "services": p.space.to_json(mask), "services_text": p.services(),
        "possibly_also": p.space.to_json(p.maybe) if p.status == REACHABLE and p.maybe else [],
        "possibly_also_text": p.also() if p.status == REACHABLE and p.more else None,
        "depends_on": list(p.lists),
        "witness": witness_json(p.evidence, p.facts),
        "possibly_also_witness": witness_json(p.extra, p.extra_facts),
        "notes": pair_notes(p),
    }


def witness_json(evidence: tuple[Evidence, ...], facts: tuple[str, ...]) -> dict[str, Any] | None:
    if not evidence:
        return None
    return {"flow": evidence[0].flow.to_json(), "assuming": list(facts),
            "evidence": [{"role": e.role, "interface": e.target.name, "flow": e.flow.to_json(),
                          "decision": decision_json(e.decision)} for e in evidence]}


def render_json(a: Answer, exit_code: int, timing: bool = True,
                inputs: Sequence[str] = ()) -> Iterator[str]:
    """The answer in the JSON envelope, in pieces: the pairs that connect (or may), the
    notes and the matrix's figures; the summary counts the ordered pairs checked."""
    m = a.matrix
    doc: dict[str, Any] = {
        "question": a.question, "by": a.by,
        "senders": [u.label for u in a.senders], "receivers": [u.label for u in a.receivers],
        "pairs": ITEMS,  # written pair by pair (there may be tens of thousands)
        "not_detailed": a.truncated,
        "notes": a.notes + list(NOTES),
    }
    if m is not None:
        doc["stats"] = {"instances": m.stats.instances, "classes": m.stats.classes,
                        "service_atoms": m.stats.service_atoms,
                        "address_atoms": m.stats.address_atoms, "decisions": m.stats.decisions}
    summary = gate_summary(exit_code, a.seconds if timing else None, checked=a.checked,
                           reachable=a.reachable, unknown=a.unknown,
                           unreachable=a.checked - a.reachable - a.unknown,
                           partly_unknown=a.partly_unknown, across_networks=a.across)
    return dumps_items(envelope("reach", inputs, doc, summary),
                       (pair_json(p) for p in a.pairs if p.worked_out))


__all__ = ["not_verified", "pair_lines", "pair_notes", "render_json", "render_text", "witness_lines"]
