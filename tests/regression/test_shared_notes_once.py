"""Issue 19 (CLI conventions): notes that repeat on every assertion (30 in the first README
command's output) are printed once per run in text; the machine formats keep them on every
result.

    sgverify check specs/
"""

from __future__ import annotations

import json

from tests.support.gate import cli
from tests.support.paths import ROOT

SPECS = str(ROOT / "specs")
TCP25 = "ECS blocks outbound TCP 25 by default"


def test_a_note_many_results_share_is_printed_once() -> None:
    code, out, _ = cli("check", SPECS, "--no-cache", "--no-timing")
    assert code == 0
    assert out.count(TCP25) == 1 and "note (on " in out
    assert out.rstrip().splitlines()[-1].startswith("summary: ")


def test_json_keeps_the_note_on_every_result() -> None:
    _, out, _ = cli("check", SPECS, "--no-cache", "--format", "json")
    assert out.count(TCP25) > 1
    json.loads(out)


def test_a_note_of_one_result_stays_with_it(tmp_path) -> None:
    spec = tmp_path / "s.sgv"
    spec.write_text("group g {}\nassert g: egress tcp 25 to internet is allowed\n")
    code, out, _ = cli("check", str(spec), "--no-cache", "--no-timing")
    lines = out.splitlines()
    assert any(line.startswith("  note: " + TCP25) for line in lines), out
    assert "note (on " not in out
