"""``sgverify diff``: hand-made changes with known exact differences, the inventory view,
the expected-change workflow, the gate, JSON, and the engines checking each other."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sgverify.analyses.diff.diff import diff_policies
from sgverify.api import check_text
from sgverify.cli import run
from sgverify.core.addresses import V6
from sgverify.core.diagnostics import InternalError
from sgverify.core.model import Direction, Nic
from sgverify.prove.difference import NEWLY_ALLOWED, NEWLY_DENIED, PolicyDiff
from tests.support.helpers import policy
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "diff"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def diff(old: str, new: str, **kw) -> PolicyDiff:
    return diff_policies(policy(old), policy(new), **kw)


def one_unit(result: PolicyDiff, name: str):
    return next(u for u in result.units if u.unit.name == name)


# ---------------------------------------------------------------- exact differences


def test_same_policy_is_equivalent() -> None:
    text = (FIXTURES / "old.sgv").read_text()
    result = diff(text, text)
    assert result.equivalent and result.completed
    assert [u.unit.label for u in result.units] == ["group web", "group db", "instance web-1"]


def test_equivalence_is_semantic_not_textual() -> None:
    old = "group g { ingress accept tcp 22 from 10.0.0.0/8 }"
    new = "group g {\n ingress accept tcp 22 from 10.0.0.0/9\n ingress accept tcp 22 from 10.128.0.0/9 }"
    assert diff(old, new).equivalent
    code, out, _ = cli_pair(old, new)
    assert code == 0 and out.startswith("equivalent: OLD and NEW accept exactly the same flows")


def test_units_with_the_same_rules_by_content_are_not_analysed(monkeypatch) -> None:
    """Renamed and reordered rules decide alike: no search and no Z3 for such a unit (most
    units of a fleet); a changed rule still gets the full analysis."""
    import sgverify.prove.difference as d
    old = ("group a { r1: ingress accept tcp 22 from 10.0.0.0/8 priority 5\n"
           "  r2: ingress drop tcp 22 from 10.1.0.0/16 priority 5 }\n"
           "group b { ingress accept tcp 80 from 0.0.0.0/0 }")
    new = ("group a { x: ingress drop tcp 22 from 10.1.0.0/16 priority 5\n"
           "  y: ingress accept tcp 22 from 10.0.0.0/8 priority 5 }\n"
           "group b { ingress accept tcp 81 from 0.0.0.0/0 }")
    analysed: list[str] = []
    full = d.side_pieces

    def counting(layout, target, *args, **kw):
        analysed.append(target.name)
        return full(layout, target, *args, **kw)
    monkeypatch.setattr(d, "side_pieces", counting)
    result = diff(old, new)
    assert one_unit(result, "a").completed and not one_unit(result, "a").newly_allowed
    assert "a" not in analysed and "b" in analysed
    assert [str(b.witness.dst_port) for b in one_unit(result, "b").newly_allowed] == ["81"]


def cli_pair(old: str, new: str, *args: str, tmp: Path | None = None) -> tuple[int, str, str]:
    import tempfile
    folder = Path(tmp or tempfile.mkdtemp())
    return cli("diff", write(folder, "old.sgv", old), write(folder, "new.sgv", new), *args)


def test_typo_in_a_cidr_is_exactly_the_extra_block() -> None:
    result = diff((FIXTURES / "old.sgv").read_text(), (FIXTURES / "new.sgv").read_text(),
                  target="web-1")
    (box,) = [b for _, b in result.newly_allowed]
    assert not result.newly_denied
    assert box.view.peer.cidrs() == ["198.51.0.0/16"] and box.view.dst_ports == ((8443, 8443),)
    assert box.view.local.cidrs() == ["10.0.1.5/32"]
    assert box.view.directions == (Direction.INGRESS,)
    # Members of the group were accepted before (intra-group Accept): not part of the change.
    assert [str(k) for k in box.view.not_member_of] == ["sg-web"]
    assert box.old.reason == "default" and not box.old.accepted
    assert box.new.rule is not None and box.new.rule.name == "allow-admin"
    assert str(box.witness) == "ingress tcp 198.51.0.1:1024 -> 10.0.1.5:8443"


def test_ipv6_block_added_changes_only_ipv6() -> None:
    old = "group g { ingress accept tcp 443 from 0.0.0.0/0 }"
    new = "group g { ingress accept tcp 443 from 0.0.0.0/0, ::/0 }"
    (box,) = [b for _, b in diff(old, new).newly_allowed]
    assert box.view.family == V6 and box.view.peer.cidrs() == ["::/0"]
    assert box.witness.family == V6 and str(box.witness).startswith("ingress tcp [2000::1]:1024")


def test_drop_at_the_same_priority_wins_only_on_its_block() -> None:
    old = "group g { a: ingress accept tcp 443 from 0.0.0.0/0 priority 3 }"
    new = ("group g {\n a: ingress accept tcp 443 from 0.0.0.0/0 priority 3\n"
           " d: ingress drop tcp 443 from 1.2.3.0/24 priority 3 }")
    result = diff(old, new)
    assert not result.newly_allowed
    (box,) = [b for _, b in result.newly_denied]
    assert box.view.peer.cidrs() == ["1.2.3.0/24"]
    assert box.old.rule.name == "a" and box.new.rule.name == "d"
    assert box.new_decision is not None and box.new_decision.rule.name == "d"


def test_moving_a_drop_above_an_accept() -> None:
    """OLD: the drop at priority 2 sits under the accept at 1 and never applies."""
    old = ("group g {\n allow-all: egress accept all to 0.0.0.0/0 priority 1\n"
           " deny: egress drop all to 1.2.3.4/32 priority 2 }")
    new = old.replace("priority 2", "priority 1")
    result = diff(old, new)
    assert not result.newly_allowed
    boxes = [b for _, b in result.newly_denied]
    assert len(boxes) == 2  # protocols with ports and without: two boxes
    for box in boxes:
        assert box.view.directions == (Direction.EGRESS,)
        assert box.view.peer.cidrs() == ["1.2.3.4/32"]
        assert box.old.rule.name == "allow-all" and box.new.rule.name == "deny"
    protocols = {p for _, b in result.newly_denied for lo, hi in b.view.protocols for p in range(lo, hi + 1)}
    assert {6, 17, 1, 47} <= protocols


def test_classic_internet_and_intranet_are_different_flows() -> None:
    old = "group w (classic) { ingress accept tcp 22 from 0.0.0.0/0 nic intranet }"
    new = "group w (classic) { ingress accept tcp 22 from 0.0.0.0/0 nic internet }"
    result = diff(old, new)
    (gained,) = [b for _, b in result.newly_allowed]
    (lost,) = [b for _, b in result.newly_denied]
    assert gained.view.nics == (Nic.INTERNET,) and lost.view.nics == (Nic.INTRANET,)
    assert gained.witness.nic is Nic.INTERNET and "nic internet" in gained.view.text()


def test_difference_that_depends_on_an_unresolved_list_says_so() -> None:
    old = "prefix-list p (id pl-1)\ngroup g { ingress accept tcp 5432 from prefix-list p }"
    new = old.replace("}", "\n ingress drop tcp 5432 from 10.0.0.0/8 priority 1 }")
    (box,) = [b for _, b in diff(old, new).newly_denied]
    assert box.view.unresolved == (("prefix list pl-1", True),)
    assert dict(box.assume) == {"prefix list pl-1": True}
    assert "if the peer is in prefix list pl-1" in box.view.text()


def test_instance_address_added_is_new_access_on_that_address_only() -> None:
    old = "group g { ingress accept tcp 80 from 0.0.0.0/0 }\ninstance i { ip 10.0.0.5; groups g }"
    new = old.replace("ip 10.0.0.5", "ip 10.0.0.5, 10.0.0.6")
    result = diff(old, new)
    gained = [b for u, b in result.newly_allowed if u.name == "i"]
    assert gained and all(b.view.local.cidrs() == ["10.0.0.6/32"] for b in gained)
    assert all(b.old.reason == "absent" and b.old_decision is None for b in gained)
    assert not result.newly_denied


def test_option_change_is_compared_with_each_sides_semantics() -> None:
    old = "group g { ingress drop tcp 22 from 0.0.0.0/0 }"
    new = "option intra-group = fallback\n" + old
    result = diff(old, new)
    (box,) = [b for _, b in result.newly_denied]
    assert [str(k) for k in box.view.member_of] == ["g"]
    assert box.old.reason == "intra-group" and box.new.rule is not None
    assert any("option intra-group is override in OLD and fallback in NEW" in n for n in result.notes)


# ---------------------------------------------------------------- inventories


def test_inventory_pairs_by_id_then_name_and_lists_one_sided() -> None:
    old = ("group web (id sg-1) { ingress accept tcp 80 from group app }\ngroup app {}\n"
           "group legacy {}\ninstance old-box { ip 10.0.0.9; groups legacy }")
    new = ("group web-renamed (id sg-1) { ingress accept tcp 80 from group app }\n"
           "group app (id sg-app) {}\ngroup fresh {}\ninstance new-box { ip 10.0.0.8; groups fresh }")
    result = diff(old, new)
    labels = [u.unit.label for u in result.units]
    assert labels == ["group web-renamed (OLD: web)", "group app"]
    assert all(u.equivalent for u in result.units), "app got an id: still the same group"
    assert {(p.kind, p.name, p.side) for p in result.only_one_side} == {
        ("group", "legacy", "OLD"), ("group", "fresh", "NEW"), ("instance", "old-box", "OLD"),
        ("instance", "new-box", "NEW")}
    assert not result.equivalent and result.new_access
    assert any("group app is app in OLD and sg-app in NEW" in n for n in result.notes)


def test_target_missing_on_one_side_is_an_input_error(tmp_path: Path) -> None:
    code, _, err = cli_pair("group a {}", "group b {}", "--target", "a", tmp=tmp_path)
    assert code == 2 and "NEW" in err and "no group or instance named 'a'" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- the expected change


def test_expect_separates_collateral_and_proves_its_absence() -> None:
    old, new = (FIXTURES / "old.sgv").read_text(), (FIXTURES / "new.sgv").read_text()
    result = diff(old, new, target="web-1",
                  expect="ingress tcp 8443 from 198.51.100.0/24 peer-groups none")
    ((_, collateral),) = result.collateral
    assert collateral.view.peer.cidrs()[:2] == ["198.51.0.0/18", "198.51.64.0/19"]
    assert "198.51.100.0/24" not in collateral.view.peer.cidrs()
    assert "198.51.0.0/16 except 198.51.100.0/24" in collateral.view.text()
    intended = [b for _, b in result.newly_allowed if not b.collateral]
    assert [b.view.peer.cidrs() for b in intended] == [["198.51.100.0/24"]]
    clean = diff(old, new, target="web-1", expect="ingress tcp 8443 from 198.51.0.0/16 peer-groups none")
    assert not clean.collateral and not clean.units[0].unchanged_expected


def test_expect_reports_the_part_that_did_not_change() -> None:
    old, new = (FIXTURES / "old.sgv").read_text(), (FIXTURES / "new.sgv").read_text()
    result = diff(old, new, target="web-1", expect="ingress tcp 8443 from 198.51.0.0/16")
    (same,) = result.units[0].unchanged_expected
    assert same.accepted and [str(k) for k in same.view.member_of] == ["sg-web"]


@pytest.mark.parametrize("args,code", [
    ([], 0),
    (["--fail-on", "new-access"], 1),
    (["--fail-on", "any-change"], 1),
    (["--target", "db", "--fail-on", "any-change"], 0),
    (["--expect", "ingress tcp 8443 from 198.51.100.0/24 peer-groups none"], 1),
    (["--expect", "ingress tcp 8443 peer-groups none"], 0),
    (["--expect", "ingress tcp 8443 from 198.51.100.0/24 peer-groups none", "--fail-on", "none"], 0),
    (["--expect", "ingress tcp 99999"], 2),  # a port outside 1..65535
])
def test_exit_codes(args: list[str], code: int) -> None:
    got, out, err = cli("diff", str(FIXTURES / "old.sgv"), str(FIXTURES / "new.sgv"), *args)
    assert got == code, (out, err)
    assert "Traceback" not in err


def test_new_access_gate_ignores_denials_and_counts_new_instances(tmp_path: Path) -> None:
    old = "group g { ingress accept tcp 22 from 0.0.0.0/0 }"
    narrower = "group g { ingress accept tcp 22 from 10.0.0.0/8 }"
    assert cli_pair(old, narrower, "--fail-on", "new-access", tmp=tmp_path)[0] == 0
    assert cli_pair(old, narrower, "--fail-on", "any-change", tmp=tmp_path)[0] == 1
    with_box = old + "\ninstance i { ip 10.0.0.1; groups g }"
    code, out, _ = cli_pair(old, with_box, "--fail-on", "new-access", tmp=tmp_path)
    assert code == 1 and "instance i is only in NEW (everything it accepts is new)" in out


def test_bad_inputs_exit_2_without_traceback(tmp_path: Path) -> None:
    good = write(tmp_path, "good.sgv", "group g {}")
    broken = write(tmp_path, "broken.sgv", "group g { ingress accept }")
    for args in ([good, str(tmp_path / "missing.sgv")], [broken, good],
                 [good, good, "--expect", "ingress from group nope"],
                 [good, good, "--expect", "ingress frm 1.2.3.4"], [good, good, "--budget", "0"]):
        code, _, err = cli("diff", *args)
        assert code == 2 and "Traceback" not in err, (args, err)


# ---------------------------------------------------------------- JSON and determinism


def test_json_shape() -> None:
    code, out, _ = cli("diff", str(FIXTURES / "old.sgv"), str(FIXTURES / "new.sgv"), "--format", "json",
                       "--expect", "ingress tcp 8443 from 198.51.100.0/24 peer-groups none")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["fails"] is True
    res = doc["results"]
    assert res["equivalent"] is False and res["completed"] is True and res["newly_denied"] == []
    box = res["newly_allowed"][0]
    assert set(box) >= {"scope", "direction", "family", "protocol", "dst_ports", "src_ports", "peer",
                        "local", "nic_type", "peer_groups", "unresolved", "old", "new", "witness",
                        "collateral"}
    assert box["protocol"] == [[6, 6]] and box["dst_ports"] == [[8443, 8443]]
    assert box["src_ports"] == [[1, 65535]] and box["nic_type"] == ["intranet"]
    assert box["witness"] == {"direction": "ingress", "protocol": "tcp", "src_ip": "198.51.0.1",
                              "dst_ip": "10.0.0.1", "src_port": 1024, "dst_port": 8443,
                              "nic_type": "intranet", "peer_groups": []}
    assert box["old"] == {"action": "drop", "reason": "default", "rule": None}
    assert box["new"]["rule"]["name"] == "allow-admin"
    assert doc["results"]["expect"]["collateral"] == 2  # the group and the instance
    icmp = json.loads(cli_pair("group g {}", "group g { ingress accept icmp from 10.0.0.0/8 }",
                               "--format", "json")[1])["results"]["newly_allowed"][0]
    assert icmp["protocol"] == [[1, 1]] and icmp["dst_ports"] is None and icmp["src_ports"] is None


def test_output_is_deterministic() -> None:
    args = ("diff", str(FIXTURES / "old.sgv"), str(FIXTURES / "new.sgv"))
    assert cli(*args)[1] == cli(*args)[1]
    assert cli(*args, "--format", "json", "--no-timing")[1] == \
        cli(*args, "--format", "json", "--no-timing")[1]


def test_group_ids_with_a_slash_are_refused() -> None:
    """An id with a slash ('123/sg-x') would print like group sg-x of account 123 (QA: diff
    said 'equivalent'; check proved a false comparison): such an id is refused (E127)."""
    old = 'group a (id "123/sg-x") { ingress accept tcp 80 from 10.0.0.0/8 }\ninstance i { ip 192.168.0.1; groups a }\n'
    report = check_text(old)
    assert report.policy is None and [d.code for d in report.diagnostics] == ["E127"]


def test_groups_with_unknown_rules_leave_the_difference_incomplete() -> None:
    """A group whose rules became unknown (external) cannot be compared: its interfaces are
    not completed, never 'newly denied by the default'. The same external group on both
    sides of an unchanged interface is no change."""
    old = ("group partner (id sg-partner) { ingress accept tcp 22 from 0.0.0.0/0 }\n"
           "group web (id sg-web) { ingress accept tcp 443 from group partner }\n"
           "instance web-1 { ip 10.0.1.5; groups web }\ninstance p-1 { ip 10.0.3.5; groups partner }\n")
    new = old.replace("group partner (id sg-partner) { ingress accept tcp 22 from 0.0.0.0/0 }",
                      "group partner (id sg-partner, external) {}")
    result = diff(old, new)
    assert not result.completed and not result.equivalent
    assert {u.unit.name for u in result.units if not u.completed} == {"partner", "p-1"}
    assert not any(u.boxes for u in result.units)
    assert diff(new, new).equivalent
    changed = new.replace("tcp 443 from group partner", "tcp 8443 from group partner")
    mixed = changed.replace("groups web }", "groups web, partner }")
    assert not diff(new.replace("groups web }", "groups web, partner }"), mixed).completed


def test_imported_inputs_can_be_compared() -> None:
    export = TESTS / "fixtures" / "inputs" / "aliyun" / "web-tier.json"
    code, out, err = cli("diff", str(export), str(export))
    assert code == 0 and out.startswith("equivalent"), err


# ---------------------------------------------------------------- completeness and trust


def test_past_the_budget_nothing_is_claimed_complete(tmp_path: Path) -> None:
    old = "group g { ingress accept tcp 22 from 10.0.0.0/8 }"
    new = "group g { ingress accept tcp 22 from 10.0.0.0/7 }"
    result = diff(old, new, budget_limit=3)
    assert not result.completed and not result.equivalent
    assert "budget" in result.units[0].problem
    code, out, _ = cli_pair(old, new, "--budget", "3", tmp=tmp_path)
    assert code == 3 and "not completed" in out and "NOT COMPLETED" in out
    code, out, _ = cli_pair(old, new, "--budget", "3", "--format", "json", tmp=tmp_path)
    assert code == 3 and json.loads(out)["results"]["completed"] is False


def test_a_lost_box_is_caught_by_z3(monkeypatch: pytest.MonkeyPatch) -> None:
    import sgverify.prove.difference as engine
    real = engine.merge_boxes
    monkeypatch.setattr(engine, "merge_boxes", lambda boxes, *a: real(boxes, *a)[1:])
    old = "group g { ingress accept tcp 22 from 10.0.0.0/8 }"
    new = "group g { ingress accept tcp 22, 23 from 10.0.0.0/7 }"
    with pytest.raises(InternalError, match="Z3 and the box engine disagree"):
        diff(old, new)


def test_a_wrong_decider_is_caught_by_the_evaluator(monkeypatch: pytest.MonkeyPatch) -> None:
    import sgverify.prove.difference as engine
    from sgverify.core.evaluate import Decision, Reason
    from sgverify.core.model import Action
    monkeypatch.setattr(engine, "decide", lambda *a, **k: Decision(Action.DROP, Reason.DEFAULT))
    with pytest.raises(InternalError, match="box engine and evaluator disagree"):
        diff("group g {}", "group g { ingress accept tcp 22 from 10.0.0.0/8 }")
    code, _, err = cli_pair("group g {}", "group g { ingress accept tcp 22 from 10.0.0.0/8 }")
    assert code == 2 and "internal error" in err


def test_newly_allowed_and_denied_constants() -> None:
    result = diff("group g { ingress accept tcp 1 from 1.1.1.1 }", "group g { ingress accept tcp 2 from 1.1.1.1 }")
    assert [b.change for _, b in result.newly_allowed] == [NEWLY_ALLOWED]
    assert [b.change for _, b in result.newly_denied] == [NEWLY_DENIED]
