"""``fix`` on the broken scenario variants: each gets a repair that proves (checker,
certifier, and the repaired .sgv text read back), that changes only flows the violated
assertions name, and that is no larger than the hand fix recorded here."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sgverify.analyses.fix.cloud import api_calls
from sgverify.analyses.fix.edits import apply_edits, candidates, interfaces
from sgverify.analyses.fix.search import check_all, repair
from sgverify.analyses.fix.text import file_edits
from sgverify.core.evaluate import decide
from sgverify.core.model import FleetReachAssertion
from sgverify.core.result import Verdict
from sgverify.engines.boxes.certify import violation_exists
from sgverify.load import load_policy
from sgverify.report.fix import edit_json
from tests.support.gate import cli
from tests.support.json_reports import validate
from tests.support.paths import ROOT

BROKEN = ROOT / "tests" / "fixtures" / "broken"

# The fix a person would make, and its number of edits (the repair may not be larger).
HAND_FIXES = {
    "01-rule-in-one-group-only.sgv": ("add 'ingress accept all from group sg-left' to right", 1),
    "02-wrong-account.sgv": ("correct the account of from-b's group (one rule edited)", 1),
    "03-too-wide-cidr.sgv": ("ssh-from-admins: from admins instead of 0.0.0.0/0", 1),
    "04-deny-weaker-than-allow-all.sgv": ("allow-listed: to 1.2.3.4/32 instead of 0.0.0.0/0", 1),
    "04-wrong-priority.sgv": ("deny-all-out: priority 2", 1),
    "05-drop-under-accept.sgv": ("deny-blocked: priority 1", 1),
    "06-missing-rule.sgv": ("add 'ingress accept tcp 8080 from 0.0.0.0/0'", 1),
    "07-address-not-host.sgv": ("ssh: from 10.120.0.7/32", 1),
    "08-same-priority-drop-wins.sgv": ("drop-high-ports: priority 2", 1),
}


def test_every_broken_variant_has_a_hand_fix_recorded() -> None:
    assert {p.name for p in BROKEN.glob("*.sgv")} == set(HAND_FIXES)


@pytest.mark.parametrize("name", sorted(HAND_FIXES))
def test_broken_variant_is_repaired(name: str, tmp_path: Path) -> None:
    rep = load_policy(str(BROKEN / name))
    assert rep.policy is not None
    out = repair(rep.policy)
    assert out.status == "repaired", (out.status, out.claim)
    fixed = out.repair
    assert fixed is not None
    assert 1 <= len(fixed.edits) <= HAND_FIXES[name][1]
    # Every assertion proved again, and independently by the certifier.
    assert all(r.verdict is Verdict.PROVED for r in fixed.results)
    for a in fixed.policy.assertions:
        if not isinstance(a, FleetReachAssertion):
            assert not violation_exists(a, fixed.policy.semantics), a.name
    # Only flows the violated assertions name have changed, and something did.
    violated = {r.assertion.name for r in out.violated}
    assert fixed.changes and not fixed.collateral
    assert all(set(c.covered_by) <= violated for c in fixed.changes)
    assert fixed.replayed > 0
    # The edited .sgv text reads back to a policy whose assertions all hold.
    (edit,) = file_edits(fixed.edits, rep.policy, rep.sources)
    path = tmp_path / name
    path.write_text(edit.after)
    again = load_policy(str(path))
    assert again.policy is not None, [str(d) for d in again.diagnostics]
    assert [r.verdict for r in check_all(again.policy)] == [Verdict.PROVED] * len(
        again.policy.assertions)
    assert "edit" in out.claim


def test_the_deciding_rule_is_narrowed_to_the_named_set() -> None:
    """Scenario 3: the rule is narrowed to exactly the admins set, and written by its name."""
    rep = load_policy(str(BROKEN / "03-too-wide-cidr.sgv"))
    out = repair(rep.policy)
    (e,) = out.repair.edits
    assert e.kind == "narrow" and "ssh-from-admins" in e.reason
    (fe,) = file_edits(out.repair.edits, rep.policy, rep.sources)
    assert "ssh-from-admins: ingress accept tcp 22 from admins priority 1" in fe.after
    assert "0.0.0.0/0" not in fe.after.split("group linux")[1].split("}")[0]


def test_nothing_violated_means_nothing_to_do() -> None:
    rep = load_policy(str(ROOT / "specs" / "scenarios" / "06-internet-access-vpc.sgv"))
    out = repair(rep.policy)
    assert out.status == "nothing-violated" and out.repair is None


def test_conflicting_assertions_are_named_with_a_flow(tmp_path: Path) -> None:
    spec = tmp_path / "c.sgv"
    spec.write_text("group g { ingress accept tcp 22 from 10.0.0.0/8 }\n"
                    "open: assert group g: ingress tcp 22 from 10.1.0.0/16 is allowed\n"
                    "shut: assert group g: ingress tcp 22 from 10.1.2.0/24 is denied\n"
                    "other: assert group g: ingress tcp 80 is denied\n")
    out = repair(load_policy(str(spec)).policy)
    assert out.status == "conflict"
    assert set(out.conflict.names) == {"open", "shut"}
    assert out.conflict.flow.dst_port == 22 and "10.1.2." in str(out.conflict.flow)


def test_collateral_is_reported_not_hidden(tmp_path: Path) -> None:
    """The only repairs change flows no assertion names: refused, with the change listed;
    allowed with allow_collateral."""
    spec = tmp_path / "c.sgv"
    # The instance is in both groups; 'a' accepts ssh from everywhere. The assertion is about
    # one instance, but the drop rule that repairs it is in a group another instance holds.
    spec.write_text("group a { ssh: ingress accept tcp 22 from 0.0.0.0/0 }\n"
                    "instance one { ip 10.0.0.1; groups a }\n"
                    "instance two { ip 10.0.0.2; groups a }\n"
                    "shut: assert one: ingress tcp 22 from 1.2.3.4/32 peer-groups none is denied\n")
    policy = load_policy(str(spec)).policy
    out = repair(policy)
    assert out.status == "collateral"
    assert out.repair.collateral and all("two" in c.unit for c in out.repair.collateral)
    assert all(r.verdict is Verdict.PROVED for r in out.repair.results)
    allowed = repair(policy, allow_collateral=True)
    assert allowed.status == "repaired" and allowed.repair.collateral


def test_candidates_turn_the_counterexample_around() -> None:
    """Every candidate from a counterexample changes that flow's decision on its interface
    (the generator never offers an edit that leaves the counterexample as it was)."""
    for name in sorted(HAND_FIXES):
        policy = load_policy(str(BROKEN / name)).policy
        bad = [r for r in check_all(policy) if r.verdict is Verdict.VIOLATED]
        for e in candidates(policy, bad):
            edited = apply_edits(policy, [e])
            ok = False
            for r in bad:
                for ev in r.evidence:
                    t = next(t for t in interfaces(edited) if t.name == ev.target.name)
                    if decide(t, ev.flow, policy.semantics).accepted != ev.decision.accepted:
                        ok = True
            assert ok, (name, e.kind, e.what)


def test_no_repair_names_the_smallest_set_of_assertions_without_one(tmp_path: Path) -> None:
    """A reach assertion and a flow assertion that cannot hold together (not a pair of flow
    assertions, so found by removing assertions one at a time); the unrelated one is left
    out of the set."""
    spec = tmp_path / "core.sgv"
    spec.write_text("group ga (vpc, enterprise) { out: egress accept all to 0.0.0.0/0 }\n"
                    "group gb (vpc, enterprise) { web: ingress accept tcp 80 from 0.0.0.0/0 }\n"
                    "instance a { ip 10.0.0.1; groups ga }\n"
                    "instance b { ip 10.0.0.2; groups gb }\n"
                    "web-open: assert b: ingress tcp 80 from internet is allowed\n"
                    "ssh: assert a can reach b on tcp 22\n"
                    "no-ssh-from-a: assert b: ingress tcp 22 from 10.0.0.1/32 is denied\n")
    out = repair(load_policy(str(spec)).policy)
    assert out.status == "no-repair"
    assert set(out.core) == {"ssh", "no-ssh-from-a"}
    assert out.core_flow is not None and out.core_flow.dst_port == 22
    # Each alone can be repaired (or holds): the set is minimal.
    for name in out.core:
        policy = load_policy(str(spec)).policy
        alone = replace(policy, assertions=tuple(a for a in policy.assertions if a.name != name))
        assert repair(alone).status in ("repaired", "nothing-violated", "collateral")


def test_edits_are_written_into_one_line_groups_and_shared_lines(tmp_path: Path) -> None:
    """Rules added to a group written on one line stay on it (';'), a rule sharing its line
    with another is edited alone, and the new text reads back with every assertion proved."""
    spec = tmp_path / "layout.sgv"
    spec.write_text("group g { ssh: ingress accept tcp 22 from 0.0.0.0/0 }\n"
                    "group h {\n"
                    "  a: ingress accept tcp 80 from 0.0.0.0/0; b: ingress accept tcp 81 from 0.0.0.0/0\n"
                    "}\n"
                    "instance i { ip 10.0.0.1; groups g, h }\n"
                    "x: assert i: ingress tcp 22 from 1.2.3.4/32 peer-groups none is denied\n"
                    "y: assert i: ingress tcp 81 peer-groups none is denied\n"
                    "z: assert i: ingress tcp 8080 from 10.0.0.0/8 peer-groups none is allowed\n")
    rep = load_policy(str(spec))
    out = repair(rep.policy)
    assert out.status == "repaired" and len(out.repair.edits) == 3
    (fe,) = file_edits(out.repair.edits, rep.policy, rep.sources)
    lines = fe.after.splitlines()
    assert lines[0].startswith("group g { ssh: ingress accept tcp 22 from 0.0.0.0/0; ")
    assert lines[0].endswith(" }") and len(lines) == len(fe.before.splitlines())
    assert lines[2].startswith("  a: ingress accept tcp 80 from 0.0.0.0/0; b: ")
    spec.write_text(fe.after)
    again = load_policy(str(spec)).policy
    assert all(r.verdict is Verdict.PROVED for r in check_all(again))


def test_a_deleted_rule_takes_its_line_with_it(tmp_path: Path) -> None:
    spec = tmp_path / "del.sgv"
    spec.write_text("group g {\n  keep: ingress accept tcp 80 from 0.0.0.0/0\n"
                    "  bad: ingress accept tcp 23 from 0.0.0.0/0\n}\n"
                    "t: assert group g: ingress tcp 23 peer-groups none is denied\n")
    rep = load_policy(str(spec))
    out = repair(rep.policy)
    (e,) = out.repair.edits
    assert e.kind in ("delete", "action")
    (fe,) = file_edits(out.repair.edits, rep.policy, rep.sources)
    if e.kind == "delete":
        assert "bad:" not in fe.after and fe.after.count("\n") == fe.before.count("\n") - 1
    else:
        assert "bad: ingress drop tcp 23 from 0.0.0.0/0" in fe.after


def test_a_classic_group_gets_ipv4_blocks_only(tmp_path: Path) -> None:
    """'to internet' holds IPv6 too, but the classic network has none: the added rule names
    the IPv4 internet only, so that its text is valid in a classic group (E111 otherwise)."""
    spec = tmp_path / "classic.sgv"
    spec.write_text("group g (classic, basic) {}\n"
                    "instance b { ip 192.168.0.2; groups g }\n"
                    "out: assert b: egress tcp 22-80 to internet peer-groups none is denied\n")
    rep = load_policy(str(spec))
    out = repair(rep.policy)
    assert out.status == "repaired"
    (e,) = out.repair.edits
    assert e.new[0].peer.addresses.families() == {4}
    (fe,) = file_edits(out.repair.edits, rep.policy, rep.sources)
    assert "to internet nic intranet" in fe.after
    spec.write_text(fe.after)
    again = load_policy(str(spec))
    assert again.policy is not None and not [d for d in again.diagnostics if d.is_error]


MOVE = """\
group shared (vpc, basic, intra drop) {
  ssh: ingress accept tcp 22 from 10.0.0.0/8 priority 1
  https: ingress accept tcp 443 from 0.0.0.0/0 priority 1
}
group admin (vpc, basic, intra drop) {
  ping: ingress accept icmp from 10.0.0.0/8 priority 1
}
instance bastion { ip 192.168.0.10; groups shared, admin }
instance web-1 { ip 192.168.0.20; groups shared }
bastion-ssh: assert bastion: ingress tcp 22 from 10.0.0.0/8 is allowed
web-no-ssh: assert web-1: ingress tcp 22 from 0.0.0.0/0 is denied
web-https: assert web-1: ingress tcp 443 from internet is allowed
"""


def test_a_rule_is_moved_to_the_group_only_its_other_interface_holds(tmp_path: Path) -> None:
    # Deleting ssh breaks bastion-ssh, a drop in shared too: one edit moves it to admin.
    path = tmp_path / "move.sgv"
    path.write_text(MOVE)
    rep = load_policy(str(path))
    assert rep.policy is not None
    out = repair(rep.policy)
    assert out.status == "repaired" and out.repair is not None
    (edit,) = out.repair.edits
    assert (edit.kind, edit.group_name, edit.to_name, edit.old.name) == ("move", "shared",
                                                                          "admin", "ssh")
    assert all(r.verdict is Verdict.PROVED for r in out.repair.results)
    for a in out.repair.policy.assertions:
        assert not violation_exists(a, out.repair.policy.semantics), a.name
    assert out.repair.changes and not out.repair.collateral
    (f,) = file_edits(out.repair.edits, rep.policy, rep.sources)
    assert "ssh:" not in f.after.split("group admin")[0]
    assert "  ssh: ingress accept tcp 22 from 10.0.0.0/8 priority 1\n}" in f.after
    path.write_text(f.after)
    again = load_policy(str(path))
    assert again.policy is not None
    assert all(r.verdict is Verdict.PROVED for r in check_all(again.policy))
    calls = api_calls(out.repair.edits, rep.policy)
    assert [c.action for c in calls] == ["RevokeSecurityGroup", "AuthorizeSecurityGroup"]
    assert edit_json(edit)["to_group"] == "admin"


def test_a_move_that_opens_another_interface_is_collateral(tmp_path: Path) -> None:
    # ops-1 holds admin alone: moving ssh there would open tcp 22 on it.
    path = tmp_path / "move.sgv"
    path.write_text(MOVE + "instance ops-1 { ip 192.168.0.30; groups admin }\n")
    rep = load_policy(str(path))
    assert rep.policy is not None
    out = repair(rep.policy)
    assert out.status == "collateral" and out.repair is not None
    assert [e.kind for e in out.repair.edits] == ["move"]
    assert out.repair.collateral
    assert all("ops-1" in str(c) for c in out.repair.collateral)
    allowed = repair(rep.policy, allow_collateral=True)
    assert allowed.status == "repaired" and allowed.repair is not None
    assert [e.kind for e in allowed.repair.edits] == ["move"]


def test_a_move_in_json_names_its_group_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "move.sgv"
    path.write_text(MOVE)
    code, out, err = cli("fix", str(path), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    validate(doc)
    (edit,) = doc["results"]["repair"]["edits"]
    assert (edit["kind"], edit["group"], edit["to_group"]) == ("move", "shared", "admin")
