"""Issue 19 (CLI conventions): ``--select`` / ``--ignore CODE`` on lint and audit, as
checkov and ruff users expect; what is left out is counted, never silently dropped.

    sgverify lint spec.sgv --ignore L2      sgverify audit spec.sgv --select SGV101
"""

from __future__ import annotations

import pytest

from tests.support.gate import cli, write

SPEC = ("group g { ingress accept tcp 22 from 0.0.0.0/0\n"
        "  ingress accept tcp 22 from 10.0.0.0/8 }\n")  # L201 and L101


@pytest.mark.parametrize("args, shown, left", [
    ([], {"L201", "L101"}, 0),
    (["--ignore", "L2"], {"L101"}, 1),
    (["--select", "L2xx"], {"L201"}, 1),
    (["--select", "l101"], {"L101"}, 1),
    (["--select", "L1", "--ignore", "L101"], set(), 2),
])
def test_lint_select_and_ignore(tmp_path, args, shown, left) -> None:
    code, out, err = cli("lint", write(tmp_path, "s.sgv", SPEC), *args)
    found = {c for c in ("L101", "L201") if f"[{c}]" in out}
    assert found == shown, out
    if left:
        assert f"{left} finding{'s' if left > 1 else ''} not reported (--select / --ignore)" in err
    assert code == (1 if "L201" in shown else 0)


def test_lint_refuses_an_unknown_code(tmp_path) -> None:
    code, _, err = cli("lint", write(tmp_path, "s.sgv", SPEC), "--select", "X9")
    assert code == 2 and "not a lint code or family: 'X9'" in err


def test_audit_select_and_ignore_are_control_and_disable(tmp_path) -> None:
    spec = write(tmp_path, "s.sgv", SPEC)
    _, out, _ = cli("audit", spec, "--select", "SGV101", "--no-timing")
    assert out.startswith(f"audit of {spec}: 1 control")
    _, out, _ = cli("audit", spec, "--ignore", "SGV101", "--no-timing")
    assert "SGV101" not in out.split("disabled:")[0] and "disabled: SGV101" in out


@pytest.mark.parametrize("args, shown", [
    (["--select", "L101,L201"], {"L101", "L201"}),
    (["--ignore", "L101, L201"], set()),
    (["--select", "L1,L2", "--ignore", "L201"], {"L101"}),
])
def test_lint_takes_comma_lists(tmp_path, args, shown) -> None:
    _, out, _ = cli("lint", write(tmp_path, "s.sgv", SPEC), *args)
    assert {c for c in ("L101", "L201") if f"[{c}]" in out} == shown, out


def audited(out: str) -> int:
    return int(out.split(": ", 1)[1].split(" control")[0])


@pytest.mark.parametrize("args, count", [
    (["--select", "SGV10x"], 9), (["--select", "SGV1"], 11),
    (["--select", "SGV101,SGV102"], 2), (["--select", "SGV10", "--ignore", "SGV101,SGV109"], 7),
    (["--control", "SGV101", "--control", "SGV102"], 2), (["--disable", "SGV11"], 9),
])
def test_audit_takes_families_and_comma_lists_like_lint(tmp_path, args, count) -> None:
    code, out, err = cli("audit", write(tmp_path, "s.sgv", SPEC), *args, "--no-timing")
    assert audited(out) == count, out + err


def test_audit_refuses_what_names_no_control(tmp_path) -> None:
    code, _, err = cli("audit", write(tmp_path, "s.sgv", SPEC), "--select", "L1")
    assert code == 2 and "unknown control 'L1'" in err and "a family such as SGV1" in err
