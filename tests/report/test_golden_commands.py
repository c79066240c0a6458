"""Golden output of every command (issue 13): check, explain, import, export, diff, lint,
audit, reach and fix, in text and JSON (and the other formats where a command has them), over
the bundled specs and the fixtures. Each run's stdout is compared byte for byte with
tests/golden/commands/NAME.out; its exit code and stderr with tests/golden/commands/runs.json.

Reports are made with ``--no-timing --color never`` from the repository root; the tool
version is replaced by ``<version>``. After an intended change, regenerate and review:

    SGVERIFY_UPDATE_GOLDEN=1 python -m pytest tests/report/test_golden_commands.py
"""

from __future__ import annotations

import json
import os

import pytest

from tests.support.gate import cli
from tests.support.golden import UPDATE, normalise
from tests.support.paths import ROOT, TESTS

GOLDEN = TESTS / "golden" / "commands"
INPUTS = "tests/fixtures/inputs"
ESTATE = [f"{INPUTS}/aliyun/{n}.json" for n in
          ("web-tier", "instances", "prefix-lists", "app-tier", "groups", "port-list")]
LINTED = [f"{INPUTS}/aliyun/{n}.json" for n in ("web-tier", "app-tier", "prefix-lists", "port-list")]
SCENARIO = "specs/scenarios/08-website-vpc.sgv"
FLEET = "tests/fixtures/audit/fleet.sgv"
QUIET = ("--no-timing", "--color", "never")

RUNS: dict[str, list[str]] = {
    "check-inputs": ["check", f"{INPUTS}/web.sgv", *QUIET],
    "check-inputs-json": ["check", f"{INPUTS}/web.sgv", "--format", "json", *QUIET],
    "check-audit-fixtures": ["check", "tests/fixtures/audit", "--format", "json", *QUIET],
    "explain-flow": ["explain", SCENARIO, "--target", "site", "--color", "never",
                     "--flow", "ingress tcp 1.2.3.4:40000 -> 192.168.50.5:80"],
    "explain-flow-json": ["explain", SCENARIO, "--target", "partner-site", "--format", "json",
                          "--flow", "ingress tcp 1.2.3.4:40000 -> 192.168.50.6:443"],
    "explain-flows": ["explain", f"{INPUTS}/aliyun/web-tier.json", "--color", "never",
                      "--flows", f"{INPUTS}/flows.jsonl"],
    "explain-flows-json": ["explain", f"{INPUTS}/aliyun/web-tier.json", "--format", "json",
                           "--flows", f"{INPUTS}/flows.jsonl"],
    "explain-flow-log": ["explain", *ESTATE, "--color", "never",
                         "--flow-log", f"{INPUTS}/flowlogs/web-1.jsonl"],
    "explain-flow-sarif": ["explain", SCENARIO, "--target", "site", "--format", "sarif",
                           "--flow", "ingress tcp 1.2.3.4:40000 -> 192.168.50.5:80"],
    "explain-flow-log-sarif": ["explain", *ESTATE, "--format", "sarif",
                               "--flow-log", f"{INPUTS}/flowlogs/web-1.jsonl"],
    "explain-flows-junit": ["explain", f"{INPUTS}/aliyun/web-tier.json", "--format", "junit",
                            "--flows", f"{INPUTS}/flows.jsonl"],
    "explain-flow-log-json": ["explain", *ESTATE, "--format", "json",
                              "--flow-log", f"{INPUTS}/flowlogs/web-1.jsonl"],
    "import-aliyun": ["import", *ESTATE, "--color", "never"],
    "import-aliyun-classic": ["import", f"{INPUTS}/aliyun/classic-internet.json",
                              f"{INPUTS}/aliyun/classic-intranet-page1.json",
                              f"{INPUTS}/aliyun/classic-intranet-page2.json",
                              f"{INPUTS}/aliyun/enterprise.json", f"{INPUTS}/aliyun/enis.json",
                              "--color", "never"],
    "import-aws": ["import", f"{INPUTS}/aws/describe-security-groups.json", "--color", "never"],
    "import-ros-json": ["import", f"{INPUTS}/ros/template.json", "--color", "never"],
    "import-ros-yaml": ["import", f"{INPUTS}/ros/template.yaml", "--color", "never"],
    "import-terraform-plan": ["import", f"{INPUTS}/terraform/plan.json", "--color", "never"],
    "import-terraform-state": ["import", f"{INPUTS}/terraform/state.json", "--color", "never"],
    "import-terraform-hcl": ["import", f"{INPUTS}/terraform/main.tf", "--color", "never"],
    "export-scenario": ["export", "--format", "aliyun", SCENARIO, "--color", "never"],
    "export-fleet": ["export", "--format", "aliyun", FLEET, "--color", "never"],
    "export-estate": ["export", "--format", "aliyun", *ESTATE, "--color", "never"],
    "diff-text": ["diff", "tests/fixtures/diff/old.sgv", "tests/fixtures/diff/new.sgv", *QUIET],
    "diff-json": ["diff", "tests/fixtures/diff/old.sgv", "tests/fixtures/diff/new.sgv",
                  "--format", "json", *QUIET],
    "lint-text": ["lint", "tests/fixtures/lint/web.sgv", *QUIET],
    "lint-json": ["lint", "tests/fixtures/lint/web.sgv", "--format", "json", *QUIET],
    "lint-estate": ["lint", *LINTED, *QUIET],
    "lint-estate-json": ["lint", *LINTED, "--format", "json", *QUIET],
    "audit-text": ["audit", FLEET, *QUIET],
    "audit-json": ["audit", FLEET, "--format", "json", *QUIET],
    "audit-sarif": ["audit", FLEET, "--format", "sarif", *QUIET],
    "audit-junit": ["audit", FLEET, "--format", "junit", *QUIET],
    "audit-html": ["audit", FLEET, "--format", "html", *QUIET],
    "audit-settings": ["audit", FLEET, "--settings", "tests/fixtures/audit/fleet-audit.toml",
                       "--controls", "tests/fixtures/audit/custom", "--format", "json", *QUIET],
    "audit-estate": ["audit", *ESTATE, *QUIET],
    "reach-text": ["reach", FLEET, *QUIET],
    "reach-json": ["reach", FLEET, "--format", "json", *QUIET],
    "reach-sarif": ["reach", FLEET, "--format", "sarif", "--fail-if-reachable", *QUIET],
    "reach-junit": ["reach", FLEET, "--format", "junit", *QUIET],
    "reach-html": ["reach", FLEET, "--format", "html", *QUIET],
    "reach-groups": ["reach", FLEET, "--by", "group", "--on", "tcp 22", *QUIET],
    "reach-classic": ["reach", "tests/fixtures/audit/reach-classic.sgv", "--format", "json", *QUIET],
    "reach-edge": ["reach", "tests/fixtures/audit/reach-edge.sgv", *QUIET],
    "reach-estate": ["reach", *ESTATE, "--format", "json", *QUIET],
    "fix-text": ["fix", "tests/fixtures/broken/03-too-wide-cidr.sgv", *QUIET],
    "fix-json": ["fix", "tests/fixtures/broken/01-rule-in-one-group-only.sgv", "--format", "json",
                 *QUIET],
}


def run_one(name: str) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        code, out, err = cli(*RUNS[name])
    finally:
        os.chdir(old)
    return code, normalise(out), normalise(err)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, tuple[int, str, str]]:
    return {name: run_one(name) for name in RUNS}


def test_every_command_is_covered() -> None:
    from sgverify.commands import REGISTRY
    covered = {args[0] for args in RUNS.values()}
    # init writes files; pull needs a cloud endpoint (tests/cloud/live runs it against
    # servers on 127.0.0.1); lsp is a server (tests/integrations/test_lsp.py drives it);
    # completion and man print the parser itself (tests/commands/test_completion_man.py:
    # the scripts run in bash, docs/sgverify.1 is the page made now)
    assert {name for name, _, _ in REGISTRY} - covered == {"init", "pull", "lsp", "completion",
                                                           "man"}


@pytest.mark.parametrize("name", RUNS)
def test_golden_command(outcomes: dict[str, tuple[int, str, str]], name: str) -> None:
    code, out, err = outcomes[name]
    path = GOLDEN / f"{name}.out"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"missing {path}; run with SGVERIFY_UPDATE_GOLDEN=1 to create it"
    assert out == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; if the change is intended, regenerate with "
        "SGVERIFY_UPDATE_GOLDEN=1 and review the diff")
    expected = json.loads((GOLDEN / "runs.json").read_text(encoding="utf-8"))[name]
    assert {"exit": code, "stderr": err} == expected


def test_golden_runs_file(outcomes: dict[str, tuple[int, str, str]]) -> None:
    table = {name: {"exit": code, "stderr": err} for name, (code, _, err) in outcomes.items()}
    path = GOLDEN / "runs.json"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    assert json.loads(path.read_text(encoding="utf-8")) == table


def test_command_outputs_are_byte_identical_across_runs(
        outcomes: dict[str, tuple[int, str, str]]) -> None:
    for name in ("audit-json", "reach-json", "lint-estate-json", "explain-flow-log-json"):
        assert run_one(name) == outcomes[name], name
