"""Issue 19 (SARIF as its consumers read it): audit's SGV rules were bare ids with level
"note" while their results were "error", pointing at a page that lists no SGV code. Every
command's own rule now has a name, descriptions, help, a default level its results agree
with, tags, and (security findings) GitHub's ``security-severity``.

    sgverify audit INVENTORY --format sarif      sgverify lint SPEC --format sarif
"""

from __future__ import annotations

import json

from tests.support.gate import cli, validate_sarif, write
from tests.support.paths import ROOT

FLEET = str(ROOT / "tests" / "fixtures" / "audit" / "fleet.sgv")


def test_audit_rules_describe_their_controls_and_agree_with_their_results() -> None:
    code, out, _ = cli("audit", FLEET, "--format", "sarif", "--no-timing")
    doc = json.loads(out)
    validate_sarif(doc)
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    ssh = rules["SGV101"]
    assert ssh["name"] == "SshInternet" and ssh["shortDescription"]["text"] == \
        "SSH is not open to the internet"
    assert "bastion" in ssh["fullDescription"]["text"] and "docs/audit.md" in ssh["help"]["text"]
    assert ssh["properties"]["security-severity"] == "8.0" and "security" in ssh["properties"]["tags"]
    for result in run["results"]:
        assert result["level"] == rules[result["ruleId"]]["defaultConfiguration"]["level"], result
    assert rules["SGV110"]["defaultConfiguration"]["level"] == "warning"  # medium
    audit_md = (ROOT / "docs" / "audit.md").read_text()
    assert all(code in audit_md for code in rules if code.startswith("SGV"))


def test_lint_security_rules_carry_a_score(tmp_path) -> None:
    spec = write(tmp_path, "s.sgv", "group g { ingress accept tcp 22 from 0.0.0.0/0 }\n")
    code, out, _ = cli("lint", spec, "--format", "sarif")
    doc = json.loads(out)
    validate_sarif(doc)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["L201"]["properties"]["security-severity"] == "8.0"
    assert rules["L201"]["help"]["markdown"].startswith("**L201**")
