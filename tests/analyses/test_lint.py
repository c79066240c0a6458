"""``sgverify lint``: one hand-made case per finding kind (with the tricky ones: covers of
several rules, drop under accept, ties, split CIDRs, IPv6, classic NICs, interface-only
shadowing), the cloud's limits on policies built through the API, the gate, JSON, and
the engines checking each other."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from sgverify.analyses.lint.findings import LintFinding
from sgverify.analyses.lint import confirm as confirm_module
from sgverify.analyses.lint.lint import lint_policy
from sgverify.analyses.lint.shadow import layout_for
from sgverify.cli import run
from sgverify.core.addresses import AddrSpace
from sgverify.core.diagnostics import InternalError
from sgverify.core.model import (ICMP, Action, Direction, Group, GroupKey, GroupType, Instance,
                                 Peer, Policy, PortRange, Rule, Semantics, Target)
from tests.support.helpers import policy
from tests.support.paths import TESTS

FIXTURE = TESTS / "fixtures" / "lint" / "web.sgv"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def lint(text: str) -> list[LintFinding]:
    return list(lint_policy(policy(text)).findings)


def codes(findings: list[LintFinding]) -> list[tuple[str, str | None]]:
    return [(f.code, f.rule.name if f.rule else None) for f in findings]


def only(findings: list[LintFinding], code: str) -> LintFinding:
    (f,) = [f for f in findings if f.code == code]
    return f


# ---------------------------------------------------------------- L101 dead


def test_rule_dead_only_under_two_others_together() -> None:
    f = only(lint("group g {\n a: ingress accept tcp 22 from 10.0.0.0/25\n"
                  " b: ingress accept tcp 22 from 10.0.0.128/25\n"
                  " c: ingress drop tcp 22 from 10.0.0.0/24 priority 2 }"), "L101")
    assert f.rule.name == "c" and f.severity == "error"  # a drop that never applies
    assert [(i.rule.name, i.role) for i in f.involved] == [("a", "covers it (opposite action)"),
                                                          ("b", "covers it (opposite action)")]
    assert "together" in f.message and f.location.line == 4
    assert f.witness is not None and str(f.witness).startswith("ingress tcp 10.0.0.")


def test_drop_at_priority_2_under_an_accept_at_1_is_an_error() -> None:
    found = lint("group guarded {\n allow-all: egress accept all to 0.0.0.0/0 priority 1\n"
                 " deny-blocked: egress drop all to 1.2.3.4/32, 10.0.0.0/8 priority 2 }")
    f = only(found, "L101")
    assert f.rule.name == "deny-blocked" and f.severity == "error"
    assert [(i.rule.name, i.role) for i in f.involved] == [("allow-all", "covers it (opposite action)")]
    assert "they accept what this rule would drop" in f.message


def test_accept_shadowed_by_accept_is_a_warning_and_duplicates_are_dead() -> None:
    found = lint("group g {\n a: ingress accept tcp 22 from 10.0.0.0/8\n b: ingress accept tcp 22 from 10.0.0.0/8 }")
    f = only(found, "L101")
    assert f.rule.name == "b" and f.severity == "warning"
    assert [(i.rule.name, i.role) for i in f.involved] == [("a", "covers it")]


def test_dead_cover_mentions_the_largest_opposite_overlap() -> None:
    """c is covered by a alone; the drop d overlaps it too, with the other action."""
    found = lint("group g {\n a: ingress accept tcp 22 from 10.0.0.0/8\n"
                 " d: ingress drop tcp 22 from 10.1.0.0/16 priority 2\n"
                 " c: ingress accept tcp 22 from 10.0.0.0/9 priority 3 }")
    assert codes(found) == [("L101", "d"), ("L101", "c")]
    f = found[1]
    assert [(i.rule.name, i.role) for i in f.involved] == [
        ("a", "covers it"), ("d", "also overlaps it, with the opposite action")]


def test_intra_group_accept_makes_a_drop_on_members_dead() -> None:
    f = only(lint("group g { ingress drop all from group g }"), "L101")
    assert f.severity == "error"
    assert "the intra-group accept policy of group g" in f.message


def test_rule_matching_no_possible_flow() -> None:
    found = lint("group g { egress accept tcp 443 to 2001:db8::/32 }\ninstance i { ip 10.0.0.1; groups g }")
    f = only(found, "L101")
    assert f.scope == "instance i" and "matches no flow that can occur there" in f.message
    assert any("IPv6 only" in d for d in f.details)


def test_dead_only_on_an_interface_names_the_other_group() -> None:
    found = lint("group app { ingress accept tcp 8080 from 10.9.0.0/16 priority 5 }\n"
                 "group lockdown { ingress drop tcp 8080 from 10.0.0.0/8 priority 1 }\n"
                 "instance app-1 { ip 10.0.2.5; groups app, lockdown }")
    f = only(found, "L101")
    assert f.scope == "instance app-1" and f.rule.name == "app#1"
    assert f.details[0] == ("it holds on this interface (groups app, lockdown), not in group app "
                            "alone; rules of group lockdown take part")
    redundant = only(found, "L102")  # lockdown's drop repeats its group's default alone...
    assert redundant.scope == "group lockdown"
    assert "not redundant on instance app-1" in redundant.details[-1]  # ...but not on app-1


def test_redundant_alone_names_every_interface_where_it_matters_in_order() -> None:
    """The interfaces where a rule redundant in its group alone is not redundant: each
    one that pools the group and where the rule matters, in the order they are written,
    and none that does not hold the group or where it stays redundant."""
    found = lint("group app { ingress accept tcp 8080 from 10.9.0.0/16 priority 5 }\n"
                 "group web { ingress accept tcp 8080 from 10.0.0.0/8 priority 5 }\n"
                 "group lockdown { ingress drop tcp 8080 from 10.0.0.0/8 priority 1 }\n"
                 "instance z-1 { ip 10.0.2.5; groups app, lockdown }\n"
                 "instance a-1 { ip 10.0.2.6; groups lockdown }\n"
                 "instance m-1 { ip 10.0.2.7; groups web, lockdown }\n"
                 "instance b-1 { ip 10.0.2.8; groups web }")
    redundant = only(found, "L102")
    assert redundant.scope == "group lockdown"
    assert redundant.details[-1] == ("but it is not redundant on instance z-1, instance m-1, "
                                     "where the group is pooled with others")


# ---------------------------------------------------------------- L102, L103


def test_redundant_rule_and_what_decides_instead() -> None:
    found = lint("group g {\n out: egress accept all to 0.0.0.0/0, ::/0\n"
                 " narrow: ingress accept tcp 22 from 10.1.0.0/16\n"
                 " wide: ingress accept tcp 22 from 10.0.0.0/8 priority 2 }")
    assert sorted(codes(found)) == [("L102", "narrow"), ("L102", "out")]
    out = next(f for f in found if f.rule.name == "out")
    assert "the default accept" in out.message and out.involved == ()
    narrow = next(f for f in found if f.rule.name == "narrow")
    assert [(i.rule.name, i.role) for i in narrow.involved] == [("wide", "decides instead")]


def test_redundancy_is_not_reported_when_removal_changes_something() -> None:
    assert lint("group g { ingress accept tcp 22 from 10.0.0.0/8 }") == []


def test_tie_at_one_priority_shows_the_overlap() -> None:
    f = only(lint("group g {\n a: ingress accept tcp 443 from 0.0.0.0/0 priority 5\n"
                  " d: ingress drop tcp 443 from 192.0.2.0/24 priority 5 }"), "L103")
    assert f.rule.name == "a" and [(i.rule.name, i.role) for i in f.involved] == [("d", "drop wins the tie")]
    assert f.view is not None and f.view.peer.cidrs() == ["192.0.2.0/24"]
    assert str(f.witness) == "ingress tcp 192.0.2.1:1024 -> 10.0.0.1:443"


def test_no_tie_where_a_higher_priority_rule_decides() -> None:
    found = lint("group g {\n top: ingress drop tcp 443 from 0.0.0.0/0 priority 1\n"
                 " a: ingress accept tcp 443 from 0.0.0.0/0 priority 5\n"
                 " d: ingress drop tcp 443 from 192.0.2.0/24 priority 5 }")
    assert "L103" not in [c for c, _ in codes(found)]


# ---------------------------------------------------------------- L201


def test_split_cidrs_open_rdp_to_the_internet() -> None:
    f = only(lint("group g {\n lo: ingress accept tcp 3389 from 0.0.0.0/1\n"
                  " hi: ingress accept tcp 3389 from 128.0.0.0/1 }"), "L201")
    assert "tcp 3389 (RDP) from every public IPv4 address" in f.message
    assert [i.rule.name for i in f.involved] == ["lo", "hi"]


def test_shadowed_accept_is_not_open_but_dead() -> None:
    found = lint("group g {\n d: ingress drop tcp 22 from 0.0.0.0/0 priority 1\n"
                 " a: ingress accept tcp 22 from 0.0.0.0/0 priority 100 }")
    assert "L201" not in [c for c, _ in codes(found)]
    assert ("L101", "a") in codes(found)


def test_private_ranges_only_are_not_open() -> None:
    assert lint("group g { ingress accept tcp 22 from 10.0.0.0/8, 172.16.0.0/12 }") == []


def test_ipv6_is_checked_on_its_own() -> None:
    f = only(lint("group g { ingress accept tcp 5432 from ::/0 }"), "L201")
    assert "tcp 5432 (PostgreSQL) from every public IPv6 address" in f.message
    assert f.witness is not None and f.witness.family == 6


def test_all_protocols_is_one_finding_per_family() -> None:
    found = [f for f in lint("group g { ingress accept all from 0.0.0.0/0 }") if f.code == "L201"]
    assert [f.message.split(" from ")[0] for f in found] == ["group g accepts every protocol and port"]
    tcp = [f.message for f in lint("group g { ingress accept tcp 1-65535 from 0.0.0.0/0 }") if f.code == "L201"]
    assert tcp == ["group g accepts every TCP port from every public IPv4 address (rule g#1 of group g)"]


def test_classic_internal_nic_is_not_the_internet() -> None:
    intranet = lint("group w (classic) { ingress accept tcp 22 from 0.0.0.0/0 nic intranet }")
    assert "L201" not in [c for c, _ in codes(intranet)]
    internet = lint("group w (classic) { ingress accept tcp 22 from 0.0.0.0/0 nic internet }")
    f = only(internet, "L201")
    assert f.witness is not None and "nic internet" in str(f.witness)


# ---------------------------------------------------------------- L3xx


def _rule(key: GroupKey, i: int, **kw) -> Rule:
    base: dict[str, object] = {"group": key, "group_name": key.ident, "index": i,
                               "direction": Direction.INGRESS, "action": Action.ACCEPT, "protocol": 6,
                               "ports": (PortRange(22, 22),), "peer": Peer(AddrSpace.parse("10.0.0.0/8"))}
    base.update(kw)
    return Rule(**base)  # type: ignore[arg-type]


def test_what_the_cloud_refuses_in_a_policy_built_through_the_api() -> None:
    k = GroupKey("", "g")
    rules = (_rule(k, 0, priority=0), _rule(k, 1, priority=101), _rule(k, 2, ports=(PortRange(200, 1),)),
             _rule(k, 3, protocol=ICMP, ports=(PortRange(8, 8),)))
    g = Group(k, "g", rules=rules)
    ent = Group(GroupKey("", "e"), "e", gtype=GroupType.ENTERPRISE, intra=Action.DROP,
                rules=(_rule(GroupKey("", "e"), 0, peer=Peer(groups=frozenset({k}))),))
    refs = Group(GroupKey("", "r"), "r", rules=(_rule(GroupKey("", "r"), 0, peer=Peer(groups=frozenset(
        {GroupKey("", "e")} | {GroupKey("123", f"sg-{n}") for n in range(20)}))),))
    many = Group(GroupKey("", "m"), "m", rules=tuple(_rule(GroupKey("", "m"), i, ports=(PortRange(i + 1, i + 1),))
                                                     for i in range(201)))
    extra = tuple(Group(GroupKey("", f"x{n}"), f"x{n}") for n in range(10))
    inst = Instance("i", (g,) + extra, AddrSpace.parse("10.0.0.1"))
    big = Instance("big", (many,) + tuple(replace(many, key=GroupKey("", f"m{n}"), name=f"m{n}")
                                          for n in range(4)), AddrSpace.parse("10.0.0.2"))
    p = Policy("api", (g, ent, refs, many) + extra, (inst, big))
    found = [f for f in lint_policy(p, budget_limit=1).findings if f.code.startswith("L3")]
    got = sorted((f.code, f.scope) for f in found)
    assert got == sorted([("L301", "group g"), ("L301", "group g"), ("L302", "group g"),
                          ("L303", "group g"), ("L305", "group e"), ("L305", "group r"),
                          ("L306", "group m"), ("L307", "instance big"), ("L308", "instance i"),
                          ("L309", "group r")]), got


def test_classic_checks_from_a_spec() -> None:
    found = lint("prefix-list p (id pl-1)\n"
                 "group w (classic) {\n a: ingress accept tcp 22 from 10.0.0.0/24 nic intranet\n"
                 " b: ingress accept tcp 22 from 10.0.0.7 nic intranet\n"
                 " c: ingress accept tcp 80 from prefix-list p nic intranet }")
    assert [(c, n) for c, n in codes(found) if c.startswith("L3")] == [("L304", "a"), ("L310", "c")]
    assert only(found, "L304").severity == "warning"


def test_aws_groups_are_not_held_to_alibaba_limits() -> None:
    k = GroupKey("", "a")
    g = Group(k, "a", gtype=GroupType.AWS, intra=Action.DROP,
              rules=tuple(_rule(k, i, ports=(PortRange(i + 1, i + 1),)) for i in range(201)))
    assert not [f for f in lint_policy(Policy("api", (g,)), budget_limit=1).findings if f.code == "L306"]


# ---------------------------------------------------------------- the command


def test_fixture_text_and_exit_codes() -> None:
    code, out, _ = cli("lint", str(FIXTURE))
    assert code == 1
    lines = [line for line in out.splitlines() if "[L" in line]
    assert [line.split(": ", 2)[1] for line in lines] == [
        "note[L102]", "note[L102]", "warning[L101]", "warning[L103]", "note[L102]", "error[L201]",
        "error[L101]", "warning[L101]", "note[L102]"]
    assert "web.sgv:5:3: warning[L101]: rule office never decides any flow on group web" in lines[2]
    assert out.splitlines()[-1].startswith("summary: 2 error(s), 3 warning(s), 4 note(s) in 5 interface(s)")
    assert cli("lint", str(FIXTURE), "--fail-on", "none")[0] == 0
    assert cli("lint", str(FIXTURE), "--target", "web", "--fail-on", "warning")[0] == 1
    assert cli("lint", str(FIXTURE), "--target", "guarded", "--fail-on", "error")[0] == 1


def test_fail_on_levels(tmp_path: Path) -> None:
    p = tmp_path / "w.sgv"
    p.write_text("group g { out: egress accept all to 0.0.0.0/0 }\n")  # one note
    assert cli("lint", str(p))[0] == 0
    assert cli("lint", str(p), "--fail-on", "warning")[0] == 0
    assert cli("lint", str(p), "--fail-on", "note")[0] == 1


def test_json_shape() -> None:
    code, out, _ = cli("lint", str(FIXTURE), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["fails"] is True and doc["results"]["completed"] is True
    assert doc["results"]["codes"]["L101"]["severity"] == "warning"
    (inp,) = doc["results"]["files"]
    dead = next(f for f in inp["findings"] if f["code"] == "L101" and f["rule"]["name"] == "office")
    assert dead["severity"] == "warning" and dead["fails"] is False
    assert [i["rule"]["name"] for i in dead["involved"]] == ["half-1", "half-2"]
    assert dead["location"]["line"] == 5 and dead["box"]["peer"] == ["10.0.0.0/24"]
    assert set(dead["witness"]) == {"direction", "protocol", "src_ip", "dst_ip", "src_port",
                                    "dst_port", "nic_type", "peer_groups"}


def test_inputs_and_errors(tmp_path: Path) -> None:
    (tmp_path / "a.sgv").write_text("group g {}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.sgv").write_text("group h { egress accept all to 0.0.0.0/0 }\n")
    code, out, _ = cli("lint", str(tmp_path), "--fail-on", "note")
    assert code == 1 and "of 2 input(s)" in out
    for args in (["lint", str(tmp_path / "missing.sgv")], ["lint", str(tmp_path / "a.sgv"), "--target", "nope"]):
        code, _, err = cli(*args)
        assert code == 2 and "Traceback" not in err
    (tmp_path / "bad.sgv").write_text("group g { ingress accept }\n")
    assert cli("lint", str(tmp_path / "bad.sgv"))[0] == 2


def test_not_completed_fails_closed(tmp_path: Path) -> None:
    p = tmp_path / "w.sgv"
    p.write_text("group g { ingress accept tcp 22 from 10.0.0.0/8 }\n")
    code, out, _ = cli("lint", str(p), "--budget", "2")
    assert code == 3 and "not completed: group g" in out and "NOT COMPLETED" in out
    assert json.loads(cli("lint", str(p), "--budget", "2", "--format", "json")[1])["results"]["completed"] is False


def test_deterministic() -> None:
    args = ("lint", str(FIXTURE), "--format", "json", "--no-timing")
    assert cli(*args)[1] == cli(*args)[1]


def test_a_false_dead_rule_is_caught_by_z3(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the box engine lost the pieces a rule decides, the rule would look dead: Z3 says
    no, even when the box engine also names a (false) cover for it."""
    from sgverify.analyses.lint import shadow
    real = shadow.decide_region

    def lossy(layout, target, sem, region, budget, *a, **k):
        return [p for p in real(layout, target, sem, region, budget, *a, **k)
                if p.rule is None or p.rule.name != "victim"]
    monkeypatch.setattr(shadow, "decide_region", lossy)
    with pytest.raises(InternalError, match="nothing before it covers all it matches"):
        lint("group g { victim: ingress accept tcp 22 from 10.0.0.0/8 }")
    real_dead = shadow._dead
    monkeypatch.setattr(shadow, "_dead", lambda scope, layout, sem, budget, earlier, r, *a: (
        real_dead(scope, layout, sem, budget, earlier, r, *a)[0] if r.name != "victim" else None,
        list(earlier)))
    with pytest.raises(InternalError, match="Z3 finds a flow it decides"):
        lint("group g { a: ingress accept tcp 80 from 10.0.0.0/8\n"
             "  victim: ingress accept tcp 22 from 10.0.0.0/8 }")


def test_a_dead_rule_s_false_cover_is_caught_by_z3() -> None:
    """Z3 confirms a dead rule by its cover: a rule that is dead, but not for the reason
    the cover gives, is refused too."""
    g = policy("group g { a: ingress accept tcp 22 from 10.0.0.0/8\n"
               "  b: ingress accept tcp 22 from 10.1.0.0/16\n"
               "  c: ingress accept tcp 22 from 10.1.0.0/24 }").groups[0]
    t = Target(g.name, "group", (g,), None, g.span)
    layout = layout_for(t)
    confirm_module.confirm(layout, t, Semantics(), Direction.INGRESS, None, {1: [0], 2: [1]}, [])
    with pytest.raises(InternalError, match="cover rule c on g; Z3 finds a flow the rule "
                                            "matches that none of them does"):
        confirm_module.confirm(layout, t, Semantics(), Direction.INGRESS, None, {2: []}, [])
    with pytest.raises(InternalError, match="does not come before it"):
        confirm_module.confirm(layout, t, Semantics(), Direction.INGRESS, None, {1: [2]}, [])


def test_target_instance_reports_its_findings_without_claims_about_groups_alone() -> None:
    code, out, _ = cli("lint", str(FIXTURE), "--target", "app-1")
    assert code == 0
    assert "rule app#1 never decides any flow on instance app-1" in out
    assert "not in group app alone" not in out  # the groups were not analysed on their own
    k = GroupKey("", "g")
    g = Group(k, "g", rules=(_rule(k, 0, priority=0),))
    p = Policy("api", (g, Group(GroupKey("", "h"), "h", rules=(_rule(GroupKey("", "h"), 0, priority=0),))))
    assert [f.scope for f in lint_policy(p, target="g").findings if f.code == "L301"] == ["group g"]


def test_interfaces_with_groups_of_unknown_rules_are_not_completed() -> None:
    """An external group has nothing to analyse alone; an interface that pools it may have
    findings that its unknown rules would change, so it is reported not completed."""
    text = ("group partner (id sg-partner, external) {}\n"
            "group web (id sg-web) { a: ingress accept tcp 443 from 0.0.0.0/0\n"
            "  b: ingress accept tcp 443 from 10.0.0.0/8 }\n"
            "instance web-1 { ip 10.0.1.5; groups web }\n"
            "instance p-1 { ip 10.0.3.5; groups web, partner }\n")
    report = lint_policy(policy(text))
    assert [i.scope for i in report.incomplete] == ["instance p-1"]
    assert "not known" in report.incomplete[0].reason
    assert "group partner" not in report.interfaces
    assert ("L101", "b") in codes(list(report.findings))  # web on its own is still analysed
