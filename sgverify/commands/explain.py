"""``sgverify explain POLICY... [--target T] --flow F | --flows FILE | --flow-log FILE``.

``--flow``: one concrete flow, its verdict, the deciding rule and every matching rule in
precedence order. ``--flows``: JSON lines of flows (``Flow.to_json`` shape), one verdict per
line, in input order, through the precompiled evaluator (``fastpath``). ``--flow-log``:
Alibaba Cloud VPC flow-log records, reporting those whose logged action disagrees with the
policy (``flowlog``). POLICY is a .sgv spec or cloud exports (``sgverify.inputs``); without
``--target`` the interface is made of every group read from the inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import IO, Any, BinaryIO, Iterator

from ..core.spec_report import SpecReport
from ..core.diagnostics import Diagnostic, InputError, Span
from ..core.evaluate import Decision, Reason
from ..analyses.explain.explain import (Explanation, explain, find_target, matching_rules, maybe_matching_rules,
                       parse_flow)
from ..core.evaluate_fast import Compiled
from ..core.flow import flow_problem
from ..analyses.explain.flowlog import RecordError, compare, member_addresses, read_records, record_flow
from ..cloud.importer import FORMATS
from ..cloud.flows import FlowError, flow_from_json, read_json_lines
from ..cloud.jsondoc import DataError
from ..load import LoadedPolicy, load_inputs
from ..core.model import MAX_GROUPS_PER_INTERFACE, GroupKey, Policy, Target
from ..core.files import file_problem
from ..report.json import decision_json
from ..report.text import Style, decision_lines, render_diagnostic, rule_ref, target_line
from ..report.gate import EXIT_ERROR, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED
from .common import style_for

NAME = "explain"
HELP = "show the verdict and deciding rule for concrete flows (one, a file of them, or a flow log)"


def add_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("policy", nargs="+", metavar="POLICY",
                   help="a .sgv file, or cloud exports (Alibaba Cloud API JSON, Terraform, ROS, AWS)")
    e.add_argument("--target", help="group or instance name (or 'group X' / 'instance X'); default: "
                   "one interface with every group read from the inputs")
    what = e.add_mutually_exclusive_group(required=True)
    what.add_argument("--flow",
                      help="e.g. \"ingress tcp 1.2.3.4:40000 -> 10.0.1.5:22 [nic internet] [peer-groups g]\"")
    what.add_argument("--flows", metavar="FILE",
                      help="JSON lines, one flow per line (keys of Flow.to_json); '-' reads stdin")
    what.add_argument("--flow-log", metavar="FILE",
                      help="Alibaba Cloud VPC flow-log records (JSON lines, or text with a header "
                      "line); reports records whose logged action disagrees with the policy")
    e.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                   help="force the format of non-.sgv POLICY files: " + ", ".join(FORMATS))
    e.add_argument("--format", choices=["text", "json"], default="text")
    e.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    e.add_argument("--fail-on", choices=["violated", "unknown"], default="unknown", dest="fail_on",
                   help="'unknown' (default): a verdict that depends on unresolved lists, or "
                        "flow-log records that could not be compared, exit 3; 'violated' lets "
                        "them pass (they are still reported)")


def _explanation_text(exp: Explanation, style: Style) -> str:
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
    return "\n".join(lines)


def default_target(policy: Policy, names: list[str]) -> Target:
    """One interface holding ``names`` (the groups read from the inputs)."""
    groups = tuple(g for g in policy.groups if g.name in names) or policy.groups
    if not groups:
        raise InputError([Diagnostic.make("E112", "the inputs define no group to evaluate")])
    if len(groups) > MAX_GROUPS_PER_INTERFACE:
        raise InputError([Diagnostic.make(
            "E112", f"the inputs define {len(groups)} groups, more than one interface can hold "
            f"({MAX_GROUPS_PER_INTERFACE}): choose one with --target")])
    kinds = {(g.network, g.gtype) for g in groups}
    if len(kinds) > 1:
        desc = ", ".join(f"{g.name} ({g.network.value}, {g.gtype.value})" for g in groups)
        raise InputError([Diagnostic.make(
            "E118", f"the groups of the inputs are of different networks or types ({desc}): "
            "choose one with --target")])
    return Target("+".join(g.name for g in groups), "groups", groups)


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    loaded = load_inputs(args.policy, args.input_format)
    rep = loaded.report
    style = style_for(args.color, stdout)
    if rep.policy is None:
        for d in sorted(rep.diagnostics, key=lambda d: d.sort_key()):
            stderr.write(render_diagnostic(d, rep.sources, style) + "\n")
        return EXIT_ERROR
    if args.flows is not None or args.flow_log is not None:
        return _run_bulk(args, loaded, stdout, stderr, style_for(args.color, stderr))
    for d in sorted(rep.diagnostics, key=lambda d: d.sort_key()):  # warnings of loading
        stderr.write(render_diagnostic(d, rep.sources, style_for(args.color, stderr)) + "\n")
    try:
        target = find_target(rep.policy, args.target) if args.target else \
            default_target(rep.policy, loaded.interface_groups)
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
    if exp.problem:
        return EXIT_ERROR
    return _unknown_exit(args) if not exp.definite else EXIT_OK




# ---------------------------------------------------------------- many flows


def _group_resolver(policy: Policy) -> Any:
    index: dict[str, GroupKey] = {}
    for g in policy.groups:
        index.setdefault(g.name, g.key)
        if g.gid:
            index.setdefault(g.gid, g.key)
        index.setdefault(str(g.key), g.key)

    def resolve(text: str) -> GroupKey | None:
        text = text.strip()
        if text in index:
            return index[text]
        account, sep, ident = text.partition("/")
        return GroupKey(account, ident) if sep and account and ident else None
    return resolve


def _open(path: str) -> tuple[BinaryIO, int]:
    if path == "-":
        return sys.stdin.buffer, 0
    fh = open(path, "rb")
    return fh, os.fstat(fh.fileno()).st_size


def _lines(fh: BinaryIO, size: int, progress: IO[str] | None) -> Iterator[str]:
    """Decoded lines; a progress figure on ``progress`` (a terminal) every 5,000 lines."""
    done = 0
    for n, raw in enumerate(fh, 1):
        done += len(raw)
        if progress is not None and n % 5000 == 0:
            pct = f" ({100 * done // size}%)" if size else ""
            progress.write(f"\r{n} lines{pct}\033[K")
            progress.flush()
        yield raw.decode("utf-8", errors="replace")
    if progress is not None:
        progress.write("\r\033[K")
        progress.flush()


def _verdict_fields(decision: Decision | None) -> dict[str, Any]:
    if decision is None:
        return {"verdict": "unknown", "rule": None, "reason": None, "group": None}
    group = decision.group.name if decision.group else (
        decision.rule.group_name if decision.rule else None)
    return {"verdict": decision.action.value,
            "rule": decision.rule.locator() if decision.rule else None,
            "reason": decision.reason.value, "group": group}


def _describe(decision: Decision | None, names: tuple[str, ...]) -> str:
    if decision is None:
        return "unknown: depends on the entries of " + ", ".join(names)
    if decision.reason is Reason.RULE and decision.rule is not None:
        return f"{decision.action.value} by {rule_ref(decision.rule)}"
    return f"{decision.action.value} by {decision.describe()}"


def _run_bulk(args: argparse.Namespace, loaded: LoadedPolicy, stdout: IO[str], stderr: IO[str],
              err_style: Style) -> int:
    rep: SpecReport = loaded.report
    policy = rep.policy
    assert policy is not None
    for d in sorted(rep.diagnostics, key=lambda d: d.sort_key()):  # warnings of loading
        stderr.write(render_diagnostic(d, rep.sources, err_style) + "\n")
    path = args.flows if args.flows is not None else args.flow_log
    shown = "<stdin>" if path == "-" else path
    try:
        fixed = find_target(policy, args.target) if args.target else None
        fh, size = _open(path)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {}, err_style) + "\n")
        return EXIT_ERROR
    except OSError as exc:
        stderr.write(render_diagnostic(file_problem("E004", shown, f"cannot read "
                                                    f"({exc.strerror or exc})"), {}, err_style) + "\n")
        return EXIT_ERROR
    progress = stderr if getattr(stderr, "isatty", lambda: False)() else None
    try:
        lines = _lines(fh, size, progress)
        if args.flows is not None:
            return _flows(args, policy, fixed, loaded, lines, shown, stdout, stderr, err_style)
        return _flow_log(args, policy, fixed, loaded, lines, shown, stdout, stderr, err_style)
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def _error(stderr: IO[str], style: Style, shown: str, line: int, message: str) -> None:
    stderr.write(render_diagnostic(Diagnostic.make("E001", message, Span(shown, line, 1)), {}, style)
                 + "\n")


def _flows(args: argparse.Namespace, policy: Policy, fixed: Target | None, loaded: LoadedPolicy,
           lines: Iterator[str], shown: str, stdout: IO[str], stderr: IO[str], style: Style) -> int:
    try:
        target = fixed or default_target(policy, loaded.interface_groups)
    except InputError as exc:
        for d in exc.diagnostics:
            stderr.write(render_diagnostic(d, {}, style) + "\n")
        return EXIT_ERROR
    compiled = Compiled(target, policy.semantics)
    groups = _group_resolver(policy)
    as_json = args.format == "json"
    errors = undecided = 0
    tails: dict[tuple[object, ...], str] = {}
    extra_seen: set[str] = set()
    write = stdout.write
    encode = json.JSONEncoder().encode
    for number, obj in read_json_lines(lines):
        try:
            if isinstance(obj, DataError):
                raise FlowError(None, obj.message)
            flow, extra = flow_from_json(obj, groups)
        except FlowError as exc:
            errors += 1
            _error(stderr, style, shown, number, str(exc))
            write(json.dumps({"line": number, "error": str(exc)}) + "\n" if as_json
                  else f"{number}: error: {exc}\n")
            continue
        new = [k for k in extra if k not in extra_seen]
        if new:
            extra_seen.update(new)
            stderr.write(render_diagnostic(Diagnostic.make(
                "W125", "unknown key" + ("s" if len(new) > 1 else "") + " ignored: " + ", ".join(new),
                Span(shown, number, 1)), {}, style) + "\n")
        decision, names = compiled.verdict(flow)
        undecided += decision is None
        problem = flow_problem(flow, target)
        if as_json and decision is not None and not problem:
            # Most lines repeat one of a few decisions: encode each one once.
            key = (decision.action, decision.reason, id(decision.rule), id(decision.group))
            tail = tails.get(key)
            if tail is None:
                tail = tails[key] = encode(_verdict_fields(decision))[1:]
            write(f'{{"line": {number}, {tail}\n')
        elif as_json:
            doc: dict[str, Any] = {"line": number, **_verdict_fields(decision)}
            if decision is None:
                doc["unresolved"] = list(names)
            if problem:
                doc["problem"] = problem
            write(encode(doc) + "\n")
        else:
            note = f" (cannot occur on {target.name}: {problem})" if problem else ""
            write(f"{number}: {flow}: {_describe(decision, names)}{note}\n")
    if errors:
        return EXIT_ERROR
    return _unknown_exit(args) if undecided else EXIT_OK


def _unknown_exit(args: argparse.Namespace) -> int:
    """Fail closed: what could not be decided fails unless the user relaxed it."""
    return EXIT_OK if args.fail_on == "violated" else EXIT_UNKNOWN


def _flow_log(args: argparse.Namespace, policy: Policy, fixed: Target | None, loaded: LoadedPolicy,
              lines: Iterator[str], shown: str, stdout: IO[str], stderr: IO[str], style: Style) -> int:
    members = member_addresses(policy)
    compiled: dict[str, Compiled] = {}
    fallback: Target | None = fixed
    if fallback is None and not policy.instances:
        try:
            fallback = default_target(policy, loaded.interface_groups)
        except InputError as exc:
            for d in exc.diagnostics:
                stderr.write(render_diagnostic(d, {}, style) + "\n")
            return EXIT_ERROR
    counts = {"records": 0, "agree": 0, "disagree": 0, "undecided": 0, "no-data": 0,
              "unknown-interface": 0, "elsewhere": 0, "errors": 0}
    unknown_enis: dict[str, int] = {}
    elsewhere: dict[str, tuple[int, str]] = {}  # interface -> first record not on it
    as_json = args.format == "json"
    for number, rec in read_records(lines):
        counts["records"] += 1
        try:
            if isinstance(rec, RecordError):
                raise rec
            record = record_flow(rec, number, members)
        except RecordError as exc:
            counts["errors"] += 1
            _error(stderr, style, shown, number, str(exc))
            continue
        if record.flow is None:
            counts["no-data"] += 1
            continue
        target = fallback
        if target is None:
            name = loaded.aliases.get(record.eni, record.eni)
            inst = policy.instance(name) if name else None
            if inst is None:
                counts["unknown-interface"] += 1
                unknown_enis.setdefault(record.eni or "(none)", number)
                continue
            target = inst.target
        problem = flow_problem(record.flow, target)
        if problem:  # a stale address mapping, or another interface's traffic
            counts["elsewhere"] += 1
            elsewhere.setdefault(target.name, (number, problem))
            continue
        if target.name not in compiled:
            compiled[target.name] = Compiled(target, policy.semantics)
        result = compare(compiled[target.name], record)
        if result.decision is None:
            counts["undecided"] += 1
            continue
        if not result.disagrees:
            counts["agree"] += 1
            continue
        counts["disagree"] += 1
        logged = "ACCEPT" if record.logged and record.logged.value == "accept" else "REJECT"
        if as_json:
            doc = {"line": number, "eni": record.eni or None, "target": target.name,
                   "flow": record.flow.to_json(), "logged": logged,
                   **_verdict_fields(result.decision), "possible_reply": result.possible_reply}
            stdout.write(json.dumps(doc) + "\n")
        else:
            reply = " (possibly the reply of a connection accepted the other way)" \
                if result.possible_reply else ""
            stdout.write(f"{shown}:{number}: {record.flow} on {target.name}: logged {logged}, "
                         f"policy: {_describe(result.decision, ())}{reply}\n")
    for eni, number in unknown_enis.items():
        stderr.write(render_diagnostic(Diagnostic.make(
            "W125", f"interface {eni} is not in the policy: its records are not compared "
            "(give its instance or network interface, or --target)", Span(shown, number, 1)), {},
            style) + "\n")
    for name, (number, problem) in elsewhere.items():
        stderr.write(render_diagnostic(Diagnostic.make(
            "W125", f"records logged for {name} cannot occur on it ({problem}): they are not "
            "compared (is the interface id mapped to the right instance?)", Span(shown, number, 1)),
            {}, style) + "\n")
    summary = ("flow log: {records} records: {agree} agree, {disagree} disagree, {undecided} "
               "undecided (unresolved lists), {no-data} without traffic, {unknown-interface} on "
               "unknown interfaces, {elsewhere} not possible on their interface, {errors} "
               "unreadable").format(**counts)
    (stderr if as_json else stdout).write(summary + "\n")
    if counts["errors"]:
        return EXIT_ERROR
    if counts["disagree"]:
        return EXIT_VIOLATED
    not_compared = counts["undecided"] or counts["unknown-interface"] or counts["elsewhere"]
    return _unknown_exit(args) if not_compared else EXIT_OK
