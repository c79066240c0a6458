"""Realistic Terraform and ROS files (our own text, modelled on the alicloud provider's
examples, terraform-alicloud-modules' security-group module and ROS templates) read with
the static evaluator: each import is compared with its golden ``.sgv`` and diagnostics.

    SGVERIFY_UPDATE_GOLDEN=1 python -m pytest tests/cloud/test_real_corpus.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.golden import UPDATE, normalise
from tests.support.inputs import cli
from tests.support.paths import ROOT, TESTS

FIXTURES = TESTS / "fixtures"
CASES: dict[str, tuple[str, ...]] = {
    "terraform_real/ecs_vpc": ("tests/fixtures/terraform_real/ecs_vpc",),
    "terraform_real/rule_acceptance": ("tests/fixtures/terraform_real/rule_acceptance",),
    "terraform_real/sg_module": ("tests/fixtures/terraform_real/sg_module/root",),
    "terraform_real/for_each_dynamic": ("tests/fixtures/terraform_real/for_each_dynamic",),
    "terraform_real/key_pair_heredoc": ("tests/fixtures/terraform_real/key_pair_heredoc",),
    "terraform_real/unknowns": ("tests/fixtures/terraform_real/unknowns/main.tf",),
    "terraform_real/unknowns-given": ("tests/fixtures/terraform_real/unknowns/main.tf",
                                      "--var", "office_cidr=198.51.100.7/32",
                                      "--var", "admin_port=8443"),
    "ros_real/wordpress": ("tests/fixtures/ros_real/wordpress.json",),
    "ros_real/wordpress-https-off": ("tests/fixtures/ros_real/wordpress.json",
                                     "--parameter", "EnableHttps=false",
                                     "--parameter", "WordPressPort=8080"),
    "ros_real/existing_group": ("tests/fixtures/ros_real/existing_group.yaml",),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_import_matches_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("TF_VAR_")]:
        monkeypatch.delenv(key)
    code, out, err = cli("import", *CASES[name], cwd=ROOT)
    assert code == 0, err
    assert "error[" not in err
    golden, notes = FIXTURES / (name + ".sgv"), FIXTURES / (name + ".warnings")
    warnings = "".join(line + "\n" for line in normalise(err).splitlines() if "warning[" in line)
    if UPDATE:
        golden.write_text(normalise(out))
        notes.write_text(warnings)
    assert golden.exists(), f"missing {golden}; run with SGVERIFY_UPDATE_GOLDEN=1"
    assert normalise(out) == golden.read_text(), f"{name}: the import changed; see {golden}"
    assert warnings == notes.read_text(), f"{name}: the diagnostics changed; see {notes}"


def test_golden_is_a_valid_spec(tmp_path: Path) -> None:
    """The printed text of a golden reads back as .sgv (unresolved lists included)."""
    text = (FIXTURES / "terraform_real" / "unknowns.sgv").read_text()
    spec = tmp_path / "unknowns.sgv"
    spec.write_text(text +
                    "\nssh: assert web: ingress tcp 443 from 0.0.0.0/0 is allowed\n")
    code, out, err = cli("check", str(spec))
    assert code == 0, out + err


def test_unknown_verdicts_exit_3() -> None:
    """A verdict that depends on an unknown value is unknown (exit 3); one that does not
    is decided."""
    code, out, err = cli("check", "tests/fixtures/terraform_real/unknowns/checks.sgv", cwd=ROOT)
    assert code == 3, out + err
    assert "proved: https-open" in out + err
    assert "unknown: ssh-closed" in out + err and "office_ssh.cidr_ip" in out + err


def test_check_takes_the_values_of_the_imports() -> None:
    """With the variables given, the verdict that depended on them is decided."""
    code, out, err = cli("check", "tests/fixtures/terraform_real/unknowns/checks.sgv",
                         "--var", "office_cidr=198.51.100.7/32", "--var", "admin_port=22",
                         cwd=ROOT)
    assert code == 1, out + err
    assert "violated: ssh-closed" in out + err and "office_ssh" not in out + err


def test_a_module_folder_given_too_is_read_once() -> None:
    """`import root modules/x`: the module is read as the module root calls, not twice."""
    code, out, err = cli("import", "tests/fixtures/terraform_real/sg_module/root",
                         "tests/fixtures/terraform_real/sg_module/modules/security-group",
                         cwd=ROOT)
    assert code == 0, err
    alone, _ = (FIXTURES / "terraform_real" / "sg_module.sgv").read_text(), None
    groups = [line for line in out.splitlines() if line.startswith("group ")]
    assert groups == [line for line in alone.splitlines() if line.startswith("group ")]
    assert "is read as that module, with its inputs" in err
