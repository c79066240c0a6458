"""Issue 19.5: ``audit --format html --output report.html`` printed nothing (exit 1): now it
says what it wrote, the summary and why it failed. The summary time ("1.35 s" for a 10 s
run) was only the checks; it is now the whole run, reading and the HTML matrix included.

    sgverify audit spec.sgv --format html --output report.html
"""

from __future__ import annotations

import json
import re

from tests.support.gate import cli, write

SPEC = "group web { ingress accept tcp 22 from 0.0.0.0/0 }\ninstance w { ip 10.0.0.1; groups web }\n"


def test_a_run_that_writes_only_files_says_how_it_went(tmp_path) -> None:
    out_file = tmp_path / "report.html"
    code, out, err = cli("audit", write(tmp_path, "a.sgv", SPEC), "--format", "html",
                         "--output", str(out_file))
    assert code == 1 and out == "" and out_file.read_text().startswith("<!DOCTYPE html>")
    assert f"sgverify: wrote the html report to {out_file}" in err
    assert re.search(r"summary: \d+ controls? on .* \d+ violated.* in \d+\.\d\d s", err), err
    assert "sgverify audit: exit 1: a check was violated" in err


def test_with_a_report_on_stdout_the_summary_is_not_repeated(tmp_path) -> None:
    code, out, err = cli("audit", write(tmp_path, "a.sgv", SPEC), "--format", "html",
                         "--output", str(tmp_path / "r.html"), "--format", "text")
    assert code == 1 and out.rstrip().splitlines()[-1].startswith("summary: ")
    assert "summary:" not in err and "wrote the html report" in err


def test_the_summary_time_is_the_whole_run(tmp_path, monkeypatch) -> None:
    """The checks are made to take no time: the time shown is still that of the run."""
    import sgverify.commands.audit as command
    real = command.run_audit

    def instant(*args, **kwargs):
        report = real(*args, **kwargs)
        report.elapsed = 0.0
        return report
    monkeypatch.setattr(command, "run_audit", instant)
    code, out, _ = cli("audit", write(tmp_path, "a.sgv", SPEC), "--format", "json")
    assert json.loads(out)["summary"]["time_ms"] > 0
