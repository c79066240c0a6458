"""``fix``'s reports: the violated assertions, the repair (its edits with a reason each, a
unified diff of the .sgv text), the semantic change it makes and to whom each part is
owed, the proof, and the minimality claim, as text or as a JSON document; and the exit
code of a fix run (the codes of ``gate``)."""

from __future__ import annotations

import difflib
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..analyses.fix.cloud import ApiCall
from ..analyses.fix.edits import Edit
from ..analyses.fix.search import Change, FixOutcome
from ..analyses.fix.text import FileEdit
from ..core.model import PORT_PROTOCOLS, Policy, Rule, protocol_name
from ..core.result import Result, Verdict
from .gate import EXIT_ERROR, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED
from .json import gate_summary, render_envelope, rule_json, span_json
from .text import Style

MAX_CHANGES = 20  # changed boxes shown in text (all are in JSON)
MAX_CALLS, MAX_PERMISSIONS = 10, 10  # API calls shown in text beyond which they are counted

EXIT_CODES = {"nothing-violated": EXIT_OK, "repaired": EXIT_OK, "collateral": EXIT_VIOLATED,
              "no-repair": EXIT_VIOLATED, "conflict": EXIT_VIOLATED, "unknown": EXIT_UNKNOWN,
              "error": EXIT_ERROR}


def fix_exit_code(outcome: FixOutcome) -> int:
    """0 repaired or nothing violated; 1 no repair within the bound, conflicting
    assertions, or a repair refused for its collateral change; 2 an assertion in error;
    3 unknown (the solver or the difference did not finish)."""
    return EXIT_CODES[outcome.status]


@dataclass(frozen=True)
class FixReport:
    """What the fix command shows: the outcome, the new text of each edited .sgv file (or
    why the edits cannot be written as text), and the policy the edits are about."""

    path: str
    outcome: FixOutcome
    policy: Policy
    files: tuple[FileEdit, ...] = ()
    not_written: str | None = None
    written: tuple[str, ...] = ()
    calls: tuple[ApiCall, ...] = field(default=())  # the edits as API calls (cloud inputs)
    inputs: tuple[str, ...] = ()  # the input arguments as given (JSON's ``inputs``)

    @property
    def cli(self) -> tuple[str, ...]:
        return tuple(aliyun_cli(c) for c in self.calls)

    @property
    def terraform(self) -> str:
        return terraform(self.calls) if self.calls else ""


# ---------------------------------------------------------------- cloud


def aliyun_cli(call: ApiCall) -> str:
    """The call as an ``aliyun ecs`` command line (the region left to $REGION)."""
    parts = ["aliyun", "ecs", call.action, "--RegionId", '"$REGION"']
    for k, v in call.params:
        parts += [f"--{k}", shlex.quote(str(v))]
    return " ".join(parts)


_TF_PEER = {"SourceCidrIp": "cidr_ip", "DestCidrIp": "cidr_ip", "Ipv6SourceCidrIp": "ipv6_cidr_ip",
            "Ipv6DestCidrIp": "ipv6_cidr_ip", "SourceGroupId": "source_security_group_id",
            "DestGroupId": "source_security_group_id",
            "SourceGroupOwnerAccount": "source_group_owner_account",
            "DestGroupOwnerAccount": "source_group_owner_account",
            "SourcePrefixListId": "prefix_list_id", "DestPrefixListId": "prefix_list_id"}


def terraform(calls: Sequence[ApiCall]) -> str:
    """``alicloud_security_group_rule`` resources for the rules the calls authorise, and a
    comment for each rule to remove or change in the configuration."""
    out: list[str] = []
    n = 0
    for c in calls:
        params = dict(c.params)
        if c.action.startswith("Revoke"):
            rid = params.get("SecurityGroupRuleId.1", "the rule named by its fields")
            out.append(f"# edit {c.edit}: remove the alicloud_security_group_rule of {rid} "
                       f"(group {params['SecurityGroupId']})")
            continue
        if c.action.startswith("Modify"):
            out.append(f"# edit {c.edit}: in the alicloud_security_group_rule of "
                       f"{params['SecurityGroupRuleId']}, set: " + ", ".join(
                           f"{_tf_name(k)} = {_tf_value(_tf_word(k, v))}" for k, v in c.params
                           if k not in ("SecurityGroupId", "SecurityGroupRuleId")))
            continue
        ingress = c.action == "AuthorizeSecurityGroup"
        for p in c.added:
            n += 1
            out.append(f'resource "alicloud_security_group_rule" "fix_{c.edit}_{n}" {{')
            attrs = [("type", "ingress" if ingress else "egress"),
                     ("ip_protocol", str(p.get("IpProtocol", "ALL")).lower()),
                     ("policy", str(p["Policy"]).lower()),
                     ("port_range", p.get("PortRange") or "-1/-1"),
                     ("priority", p["Priority"]),
                     ("security_group_id", params["SecurityGroupId"]),
                     ("nic_type", p.get("NicType", "intranet"))]
            attrs += [(_TF_PEER[k], v) for k, v in p.items() if k in _TF_PEER]
            if p.get("SourcePortRange"):
                attrs.append(("source_port_range", p["SourcePortRange"]))
            if p.get("Description"):
                attrs.append(("description", p["Description"]))
            width = max(len(k) for k, _ in attrs)
            out += [f"  {k.ljust(width)} = {_tf_value(v)}" for k, v in attrs]
            out.append("}")
    return "\n".join(out) + "\n"


def _tf_word(api: str, v: Any) -> Any:
    """Terraform spells the action and protocol in lower case."""
    return v.lower() if api in ("Policy", "IpProtocol") and isinstance(v, str) else v


def _tf_name(api: str) -> str:
    return _TF_PEER.get(api) or re.sub(r"(?<!^)(?=[A-Z])", "_", api).lower()


def _tf_value(v: Any) -> str:
    return str(v) if isinstance(v, int) else json.dumps(str(v))


# ---------------------------------------------------------------- text


def unified_diff(files: Sequence[FileEdit]) -> list[str]:
    """The unified diff of every edited file (a/ and b/ prefixes, as git prints them)."""
    out: list[str] = []
    for f in files:
        out += [line.rstrip("\n") for line in difflib.unified_diff(
            f.before.splitlines(True), f.after.splitlines(True), *_names(f.path))]
    return out


def _names(path: str) -> tuple[str, str]:
    """The file names of a diff: a/ and b/ before a relative path (as git writes them, so
    that ``patch -p1`` and ``git apply`` take it), an absolute path as it is."""
    return (path, path) if path.startswith("/") else (f"a/{path}", f"b/{path}")


def _result_line(r: Result) -> str:
    line = f"  {r.assertion.name}: {r.verdict.value}: {r.summary}"
    if r.flow is not None:
        line += f": {r.flow}"
    many = len(r.evidence) > 1
    deciders = [(f"{e.role}: " if many else "") + e.decision.describe() for e in r.evidence
                if r.verdict is Verdict.VIOLATED]
    if deciders:
        line += f" (decided by {'; '.join(dict.fromkeys(deciders))})" if not many else \
            f" (decided by {'; '.join(deciders)})"
    return line


def edit_words(e: Edit, place: bool = True) -> str:
    """One edit in words ("narrow rule r of group g at web.sgv:3:3: ..."); ``place``: with
    the rule's span."""
    what = {"delete": "delete", "action": "change the action of", "priority":
            "change the priority of", "narrow": "narrow", "move": "move",
            "add": "add to group"}[e.kind]
    if e.kind == "move" and e.old is not None:
        at = f" at {e.old.span}" if e.old.span and place else ""
        return f"move rule {e.old.name} of group {e.group_name}{at} to group {e.to_name}"
    if e.old is not None:
        at = f" at {e.old.span}" if e.old.span and place else ""
        return f"{what} rule {e.old.name} of group {e.group_name}{at}: {e.what}"
    return f"{what} {e.group_name}: {e.new[0].name} ({e.what})"


def _edit_lines(i: int, e: Edit) -> list[str]:
    return [f"  {i}. {edit_words(e)}", f"     why: {e.reason}"]


def _change_line(c: Change, style: Style) -> list[str]:
    owed = (f"required by {', '.join(c.covered_by)}" if c.covered_by
            else style("collateral: no violated assertion names these flows", "violated"))
    return [f"  {c.change} on {c.unit}: {c.view.text()} ({owed})",
            f"    witness: {c.witness}"]


def fix_text(rep: FixReport, style: Style, timing: bool = True) -> str:
    o = rep.outcome
    out: list[str] = []
    violated = o.violated
    if o.status == "nothing-violated":
        out.append(f"{rep.path}: {style('nothing to fix', 'proved')}: every assertion "
                   f"({len(o.before)}) is proved")
        return _finish(out, o, timing)
    if o.status == "error":
        out.append(f"{rep.path}: {style('error', 'error')}: " + "; ".join(o.notes))
        out += [_result_line(r) for r in o.before if r.verdict is Verdict.ERROR]
        return _finish(out, o, timing)
    if not violated:
        out.append(f"{rep.path}: {style('unknown', 'unknown')}: no assertion is violated, but "
                   "some are not proved (unknown); nothing to repair")
        out += [_result_line(r) for r in o.before if r.verdict is Verdict.UNKNOWN]
        return _finish(out, o, timing)
    out.append(f"{rep.path}: {len(violated)} violated assertion{'s' if len(violated) != 1 else ''}"
               f" of {len(o.before)}:")
    out += [_result_line(r) for r in violated]
    if o.status == "conflict" and o.conflict is not None:
        c = o.conflict
        out.append(f"{style('no repair', 'violated')}: assertions {' and '.join(c.names)} "
                   f"contradict each other on {c.target}: {c.why}")
        out.append(f"  conflicting flow: {c.flow}")
        out.append(f"  these {len(c.names)} form the smallest conflicting set: each alone can "
                   "hold; change or drop one of them")
        return _finish(out, o, timing)
    if o.repair is None:
        word = "unknown" if o.status == "unknown" else "no repair"
        out.append(f"{style(word, 'violated' if word == 'no repair' else 'unknown')}: {o.claim}")
        out.append(f"  searched {o.sets_checked} edit sets of {o.pool} candidates (bound "
                   f"{o.bound} edits; --max-edits raises it)")
        if o.core:
            out.append(f"  the smallest set of assertions with no repair within the bound: "
                       f"{', '.join(o.core)} (removing any one of them lets a repair be found "
                       "or leaves nothing violated)")
            if o.core_flow is not None:
                out.append(f"  a counterexample: {o.core_flow}")
        out += [f"  note: {n}" for n in o.notes]
        return _finish(out, o, timing)
    r = o.repair
    n = len(r.edits)
    head = {"repaired": style("repair", "proved"), "collateral": style("refused", "violated"),
            "unknown": style("unknown", "unknown")}[o.status]
    out.append(f"{head}: {n} edit{'s' if n != 1 else ''}:")
    for i, e in enumerate(r.edits, 1):
        out += _edit_lines(i, e)
    diff = unified_diff(rep.files)
    if diff:
        out += diff
    elif rep.not_written:
        tail = "; the edits are given as API calls below" if rep.calls else ""
        out.append(f"  (no .sgv diff: {rep.not_written}{tail})")
    out.append(_change_head(r.changes, r.collateral))
    for c in list(r.changes)[:MAX_CHANGES]:
        out += _change_line(c, style)
    if len(r.changes) > MAX_CHANGES:
        out.append(f"  ... and {len(r.changes) - MAX_CHANGES} more boxes (--format json lists "
                   "them all)")
    if not r.completed:
        out.append(f"  the semantic difference was not completed: {r.problem}")
    if o.status == "collateral":
        out.append(f"{style('refused', 'violated')}: the repair changes flows no violated "
                   "assertion names (above); --allow-collateral accepts them")
    out.append(f"proof: all {len(r.results)} assertions proved on the repaired policy by the "
               f"checker and certified by the box engine; {r.replayed} witness and "
               "counterexample flows replayed by the evaluator")
    out.append(f"minimal: {o.claim}")
    out += [f"note: {n}" for n in o.notes]
    if rep.calls:
        added = sum(len(c.added) for c in rep.calls)
        if len(rep.calls) > MAX_CALLS or added > MAX_PERMISSIONS:
            out.append(f"as Alibaba Cloud API calls: {len(rep.calls)} calls authorising {added} "
                       "rules (one per address block and port range); --format json gives "
                       "them, as aliyun command lines and as Terraform")
        else:
            out.append("as Alibaba Cloud CLI calls:")
            out += [f"  {line}" for line in rep.cli]
            out.append("as Terraform:")
            out += ["  " + line if line else "" for line in rep.terraform.rstrip("\n").split("\n")]
    for path in rep.written:
        out.append(f"wrote {path}")
    return _finish(out, o, timing)


def _change_head(changes: Sequence[Change], collateral: Sequence[Change]) -> str:
    n = len(changes)
    if not n:
        return "change: no flow changes verdict"
    if not collateral:
        return (f"change: {n} box{'es' if n != 1 else ''} of flows change{'s' if n == 1 else ''} "
                "verdict, every one "
                "inside the flows of a violated assertion (no collateral change):")
    return (f"change: {n} box{'es' if n != 1 else ''} of flows change{'s' if n == 1 else ''} "
            f"verdict, {len(collateral)} "
            "outside every violated assertion (collateral):")


def _finish(out: list[str], o: FixOutcome, timing: bool) -> str:
    if timing:
        out.append(f"time: {o.elapsed:.2f}s")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- JSON


def new_rule_json(r: Rule) -> dict[str, Any]:
    return {"label": r.label, "direction": r.direction.value, "action": r.action.value,
            "protocol": protocol_name(r.protocol),
            "ports": None if r.ports is None or r.protocol not in PORT_PROTOCOLS
            else [[p.lo, p.hi] for p in r.ports],
            "source_ports": None if r.source_ports is None
            else [[p.lo, p.hi] for p in r.source_ports],
            "peer": {"cidrs": r.peer.addresses.cidrs(),
                     "groups": sorted(str(k) for k in r.peer.groups),
                     "prefix_lists": list(r.peer.unresolved)},
            "priority": r.priority, "nic": r.nic.value}


def edit_json(e: Edit) -> dict[str, Any]:
    return {"kind": e.kind, "group": e.group_name, "group_key": str(e.group),
            "rule": rule_json(e.old) if e.old is not None else None,
            "new_rules": [new_rule_json(r) for r in e.new], "change": e.what,
            **({"to_group": e.to_name} if e.kind == "move" else {}),
            "reason": e.reason}


def change_json(c: Change) -> dict[str, Any]:
    return {"interface": c.unit, "change": c.change, "box": c.view.to_json(),
            "witness": c.witness.to_json(), "flows": c.flows,
            "required_by": list(c.covered_by), "collateral": c.collateral}


def _result_json(r: Result) -> dict[str, Any]:
    return {"name": r.assertion.name, "verdict": r.verdict.value, "summary": r.summary,
            "flow": r.flow.to_json() if r.flow else None,
            "location": span_json(r.assertion.span)}


def fix_json(rep: FixReport) -> dict[str, Any]:
    """The results of a fix run, in the JSON envelope (its status is in the summary)."""
    o = rep.outcome
    r = o.repair
    doc: dict[str, Any] = {
        "violated": [_result_json(x) for x in o.violated],
        "assertions": len(o.before),
        "bound": o.bound, "edit_sets_checked": o.sets_checked, "candidates": o.pool,
        "minimality": o.claim,
        "conflict": None if o.conflict is None else {
            "assertions": list(o.conflict.names), "flow": o.conflict.flow.to_json(),
            "interface": o.conflict.target, "why": o.conflict.why},
        "notes": list(o.notes),
        "no_repair_core": {"assertions": list(o.core),
                           "flow": o.core_flow.to_json() if o.core_flow else None}
        if o.core else None,
        "repair": None,
    }
    if r is not None:
        doc["repair"] = {
            "edits": [edit_json(e) for e in r.edits],
            "diff": "\n".join(unified_diff(rep.files)) + ("\n" if rep.files else ""),
            "files": [f.path for f in rep.files],
            "not_written": rep.not_written,
            "changes": [change_json(c) for c in r.changes],
            "changed_flows": r.changed_flows,
            "collateral": [change_json(c) for c in r.collateral],
            "difference_completed": r.completed,
            "proved": [x.assertion.name for x in r.results if x.verdict is Verdict.PROVED],
            "replayed_flows": r.replayed,
            "alternatives_of_this_size": o.alternatives,
            "smaller_with_collateral": o.smaller_with_collateral,
            "api_calls": [c.to_json() for c in rep.calls],
            "aliyun_cli": list(rep.cli),
            "terraform": rep.terraform or None,
            "written": list(rep.written),
        }
    return doc


def render_fix(fmt: str, style: Style, rep: FixReport, timing: bool = True) -> str:
    if fmt == "json":
        o = rep.outcome
        return render_envelope("fix", rep.inputs or (rep.path,), fix_json(rep), gate_summary(
            fix_exit_code(o), o.elapsed if timing else None, status=o.status,
            assertions=len(o.before), violated=len(o.violated)))
    return fix_text(rep, style, timing)


__all__ = ["FixReport", "fix_exit_code", "fix_json", "fix_text", "render_fix", "unified_diff"]
