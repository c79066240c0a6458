"""Custom controls (.sgv templates), settings and waivers: what works, and that every
mistake is an error that says where, never ignored and never a traceback."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from sgverify.analyses.audit.run import choose_controls, run_audit
from sgverify.analyses.audit.settings import Settings, Waiver, load_settings, selects_group
from sgverify.analyses.audit.templates import ControlError, read_control, substitute
from sgverify.api import load_policy
from sgverify.core.result import Verdict
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "audit"


def fleet():  # type: ignore[no-untyped-def]
    policy = load_policy(str(FIXTURES / "fleet.sgv")).policy
    assert policy is not None
    return policy


def test_placeholder_keeps_columns() -> None:
    text = "assert each group: ingress tcp 25 from internet is denied"
    out, holes = substitute(text)
    assert len(out) == len(text) and out.index(":") == text.index(":")
    assert list(holes.values()) == [frozenset({"group"})]
    _, holes2 = substitute("assert each group or interface: egress is denied")
    assert list(holes2.values()) == [frozenset({"group", "interface"})]


def test_custom_control_runs_on_selected_interfaces() -> None:
    control = read_control(str(FIXTURES / "custom" / "no-smtp.sgv"))
    assert (control.id, control.severity, control.selector) == ("ORG001", "high", ("tag:env=prod",))
    assert len(control.templates) == 2
    settings = Settings(controls=(str(FIXTURES / "custom"),))
    controls, _ = choose_controls(settings, only=["ORG001"])
    audit = run_audit(fleet(), controls, settings)
    names = {r.subject.name: r for r in audit.results}
    assert all(r.subject.kind == "interface" for r in audit.results)
    assert "dev-1" not in names  # dev is not tagged env=prod
    assert names["web-1"].verdict is Verdict.VIOLATED  # basic group: egress accepted by default
    assert names["vault-1"].verdict is Verdict.PROVED  # enterprise: egress dropped by default
    assert "egress tcp" in str(names["web-1"].shown.flow)


def write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


BAD_CONTROLS = {
    "no-header.sgv": ("assert each group: ingress is denied\n", "header"),
    "no-rationale.sgv": ("# control: X1\n# severity: low\nassert each group: ingress is denied\n",
                         "rationale"),
    "bad-severity.sgv": ("# control: X1\n# severity: urgent\n# rationale: r\n"
                         "assert each group: ingress is denied\n", "severity"),
    "unknown-key.sgv": ("# control: X1\n# severity: low\n# rationale: r\n# owner: me\n"
                        "assert each group: ingress is denied\n", "unknown header"),
    "group-def.sgv": ("# control: X1\n# severity: low\n# rationale: r\ngroup g {}\n"
                      "assert each group: ingress is denied\n", "only assertions"),
    "named-target.sgv": ("# control: X1\n# severity: low\n# rationale: r\n"
                         "assert web: ingress is denied\n", "each group"),
    "labelled.sgv": ("# control: X1\n# severity: low\n# rationale: r\n"
                     "x: assert each group: ingress is denied\n", "label"),
    "syntax.sgv": ("# control: X1\n# severity: low\n# rationale: r\n"
                   "assert each group: ingress tcp 99999 is denied\n", "does not parse"),
    "empty.sgv": ("# control: X1\n# severity: low\n# rationale: r\n", "no assertion"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONTROLS))
def test_bad_control_files(name: str, tmp_path: Path) -> None:
    text, words = BAD_CONTROLS[name]
    with pytest.raises(ControlError) as exc:
        read_control(write(tmp_path, name, text))
    assert words in str(exc.value) + " ".join(d.message for d in exc.value.diagnostics)


def test_template_naming_unknown_things_and_placeholder_misuse(tmp_path: Path) -> None:
    unknown = write(tmp_path, "u.sgv", "# control: X1\n# severity: low\n# rationale: r\n"
                    "assert each group: ingress from group nosuch is denied\n")
    with pytest.raises(ControlError) as exc:
        run_audit(fleet(), [read_control(unknown)], Settings())
    assert any(d.code == "E101" for d in exc.value.diagnostics)
    self_ref = write(tmp_path, "s.sgv", "# control: X2\n# severity: low\n# rationale: r\n"
                     "assert each group: ingress from group _sgv is denied\n")
    with pytest.raises(ControlError, match="only be the assertion's target"):
        run_audit(fleet(), [read_control(self_ref)], Settings())


def test_settings_file(tmp_path: Path) -> None:
    s = load_settings(str(FIXTURES / "fleet-audit.toml"))
    assert s.disable == ("SGV108",) and s.restricted_egress_allow == "203.0.113.0/24"
    assert s.controls[0].endswith("custom")
    assert s.waivers[0].control == "SGV101" and s.waivers[0].reason.startswith("the bastion")


BAD_SETTINGS = {
    "unknown = 1\n": "unknown key",
    "disable = 3\n": "list of strings",
    "restricted = [\"env:prod\"]\n": "selector",
    "[[waiver]]\ncontrol = \"SGV101\"\ntarget = \"group x\"\n": "'reason' is required",
    "[[waiver]]\ncontrol = \"SGV101\"\ntarget = \"group x\"\nreason = \"r\"\nwhen = 1\n": "unknown key",
    "[[waiver]]\ncontrol = \"SGV101\"\ntarget = \"group x\"\nreason = \"r\"\nexpires = \"soon\"\n": "date",
    "[[waiver]]\ncontrol = \"SGV101\"\ntarget = \"host x\"\nreason = \"r\"\n": "group NAME",
    "not toml [": "invalid TOML",
}


@pytest.mark.parametrize("text", sorted(BAD_SETTINGS), ids=range(len(BAD_SETTINGS)))
def test_bad_settings(text: str, tmp_path: Path) -> None:
    with pytest.raises(ControlError, match=BAD_SETTINGS[text]):
        load_settings(write(tmp_path, "a.toml", text))


def test_unknown_control_names_are_errors() -> None:
    for s, only, off in ((Settings(disable=("SGV999",)), (), ()), (Settings(), ("nope",), ()),
                         (Settings(), (), ("x",)),
                         (Settings(waivers=(Waiver("SGV000", "*", "r"),)), (), ())):
        with pytest.raises(ControlError, match="unknown control"):
            choose_controls(s, only, off)


def test_waivers_apply_expire_and_report_unused() -> None:
    policy = fleet()
    waivers = (Waiver("SGV101", "group bastion", "by design", None, "w1"),
               Waiver("ssh-internet", "interface bastion", "old", datetime.date(2020, 1, 1), "w2"),
               Waiver("SGV102", "*", "nothing to waive", None, "w3"))
    s = Settings(waivers=waivers)
    controls, _ = choose_controls(s, only=["SGV101", "SGV102"])
    audit = run_audit(policy, controls, s, today=datetime.date(2026, 1, 1))
    res = {str(r.subject): r for r in audit.results if r.control.id == "SGV101"}
    assert res["group bastion"].status == "waived"
    assert res["group bastion"].waiver is waivers[0]
    assert res["interface bastion"].status == "violated"  # its waiver expired
    assert any("w2: expired" in n for n in audit.notes)
    assert any("w3: waives nothing" in n for n in audit.notes)


def test_selectors() -> None:
    policy = fleet()
    pci = next(g for g in policy.groups if g.name == "pci")
    assert selects_group(("tag:restricted",), pci) and selects_group(("name:p*",), pci)
    assert selects_group(("tag:env=prod",), pci) and not selects_group(("tag:env=dev",), pci)
    assert selects_group((), pci)
    s = Settings(restricted=("name:vault",))
    controls, _ = choose_controls(s, only=["SGV111"])
    audit = run_audit(policy, controls, s)
    assert {str(r.subject) for r in audit.results} == {"group vault", "interface vault-1"}
