"""Issue 19 (CLI conventions): audit and reach text named places in parentheses at the end
of a line ("violated group bastion  (fleet.sgv:20:1)"), which editors and CI annotations do
not read. Every result line is now ``file:line:col: severity[CODE]: ...``.

    sgverify audit tests/fixtures/audit/fleet.sgv
    sgverify reach tests/fixtures/audit/fleet.sgv
"""

import re

from tests.support.gate import cli
from tests.support.paths import TESTS

FLEET = TESTS / "fixtures" / "audit" / "fleet.sgv"
COMPILER = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): "
                      r"(?P<sev>error|warning|note|proved)(\[(?P<code>[A-Z]+\d+)\])?: ")


def located(out: str) -> list[re.Match]:
    return [m for line in out.splitlines() if (m := COMPILER.match(line))]


def test_every_audit_result_line_is_compiler_style():
    code, out, _ = cli("audit", FLEET, "--no-timing", "--verbose")
    assert code == 1
    lines = located(out)
    sources = FLEET.read_text().splitlines()
    statuses = {"violated", "unknown", "proved"}
    seen = set()
    for m in lines:
        assert m["file"].endswith("fleet.sgv")
        text = sources[int(m["line"]) - 1]
        assert text.startswith(("group ", "instance ")), text  # it points at the subject
        status = out.splitlines()[[*out.splitlines()].index(m.string)].split(": ")[2]
        seen.add(status)
        if status == "proved":
            assert m["code"] is None and m["sev"] == "proved"
        else:
            assert m["code"] and m["code"].startswith("SGV")
    assert statuses <= seen
    # Nothing is said about a subject except on such a line.
    assert "  violated " not in out and "  unknown  " not in out


def test_every_reach_pair_line_is_compiler_style():
    code, out, _ = cli("reach", FLEET)
    pairs = [line for line in out.splitlines() if " reaches " in line or " may reach " in line]
    assert pairs
    for line in pairs:
        m = COMPILER.match(line)
        assert m, line
        assert m["code"] in ("R001", "R002")
    code_fail, out_fail, _ = cli("reach", FLEET, "--fail-if-reachable")
    assert code_fail == 1 and "error[R001]: internet reaches instance db-1" in out_fail
