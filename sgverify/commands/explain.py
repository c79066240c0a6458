"""``sgverify explain POLICY --target T --flow F``: one concrete flow, its verdict, the
deciding rule and every matching rule in precedence order."""

from __future__ import annotations

import argparse
import json
from typing import IO

from ..api import load_policy
from ..diagnostics import InputError
from ..evaluate import Reason
from ..explain import Explanation, explain, find_target, matching_rules, parse_flow
from ..report.json import decision_json
from ..report.text import Style, decision_lines, render_diagnostic, rule_ref, target_line
from .common import EXIT_ERROR, EXIT_OK, style_for

NAME = "explain"
HELP = "show the verdict and deciding rule for one concrete flow"


def add_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("policy", metavar="POLICY", help="a .sgv file")
    e.add_argument("--target", required=True, help="group or instance name (or 'group X' / 'instance X')")
    e.add_argument("--flow", required=True,
                   help="e.g. \"ingress tcp 1.2.3.4:40000 -> 10.0.1.5:22 [nic internet] [peer-groups g]\"")
    e.add_argument("--format", choices=["text", "json"], default="text")
    e.add_argument("--color", choices=["auto", "always", "never"], default="auto")


def _explanation_text(exp: Explanation, style: Style) -> str:
    lines = [f"flow: {exp.flow}", target_line(exp.target)]
    if exp.problem:
        lines.append(f"warning: this flow cannot occur on {exp.target.name}: {exp.problem}")
    if exp.definite:
        dec = exp.decisions[0]
        lines.append(f"verdict: {style(dec.action.value, 'proved' if dec.accepted else 'violated')}")
        lines += decision_lines(dec, indent="")
    else:
        lines.append("verdict: unknown: it depends on the entries of unresolved prefix list(s) "
                     + ", ".join(exp.unresolved))
    matching = matching_rules(exp)
    lines.append("matching rules in precedence order:" if matching else "no rule matches this flow")
    deciding = exp.decisions[0].rule if exp.definite and exp.decisions[0].reason is Reason.RULE else None
    for i, r in enumerate(matching, 1):
        mark = "  <- decides" if r is deciding else ""
        lines.append(f"  {i}. {rule_ref(r)}{mark}")
        if r.text:
            lines.append(f"       {r.text}")
    return "\n".join(lines)


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    rep = load_policy(args.policy)
    style = style_for(args.color, stdout)
    if rep.policy is None:
        for d in sorted(rep.diagnostics, key=lambda d: d.sort_key()):
            stderr.write(render_diagnostic(d, rep.sources, style) + "\n")
        return EXIT_ERROR
    try:
        target = find_target(rep.policy, args.target)
        flow = parse_flow(args.flow, rep.policy)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {"<command line>": args.flow}, style) + "\n")
        return EXIT_ERROR
    exp = explain(rep.policy, target, flow)
    if args.format == "json":
        doc = {"flow": flow.to_json(), "target": target.name,
               "verdict": exp.decisions[0].action.value if exp.definite else "unknown",
               "possible": exp.problem is None, "problem": exp.problem,
               "decision": decision_json(exp.decisions[0]) if exp.definite else None,
               "unresolved": list(exp.unresolved),
               "matching": [r.name for r in matching_rules(exp)]}
        stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        stdout.write(_explanation_text(exp, style) + "\n")
    return EXIT_ERROR if exp.problem else EXIT_OK


