"""The command line, in-process and as the installed command."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from sgverify.cli import run
from tests.support.paths import ROOT

GOOD = "group g { ingress accept tcp 22 from 1.2.3.4/32 }\nassert g: ingress tcp 22 from internet peer-groups none is allowed only from 1.2.3.4/32\n"
BAD = "group g { ingress accept tcp 22 from 0.0.0.0/0 }\nassert g: ingress tcp 22 from internet is denied\n"
UNKNOWN = "prefix-list p (id pl-1)\ngroup g { ingress accept tcp 22 from prefix-list p }\nassert g: ingress tcp 22 from internet is denied\n"
EMPTY = "group g {}\nassert g: ingress icmp ipv6 is denied\n"
SYNTAX = "group g { ingress accept }\n"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def spec(tmp_path: Path, text: str, name: str = "s.sgv") -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize("texts,code", [
    ([GOOD], 0), ([BAD], 1), ([UNKNOWN], 3), ([SYNTAX], 2), ([EMPTY], 2),
    ([GOOD, BAD], 1), ([GOOD, UNKNOWN], 3), ([BAD, UNKNOWN], 1), ([BAD, SYNTAX], 2),
    ([UNKNOWN, SYNTAX], 2),
])
def test_exit_codes(tmp_path: Path, texts: list[str], code: int) -> None:
    paths = [spec(tmp_path, t, f"s{i}.sgv") for i, t in enumerate(texts)]
    assert cli("check", *paths)[0] == code
    assert cli("check", *paths, "--format", "json")[0] == code


def test_usage_errors() -> None:
    assert cli()[0] == 2
    assert cli("check")[0] == 2
    assert cli("frobnicate")[0] == 2
    assert cli("check", "/no/such/path.sgv")[0] == 2
    code, out, err = cli("--version")
    assert code == 0


def test_folder_without_specs(tmp_path: Path) -> None:
    code, out, _ = cli("check", str(tmp_path))
    assert code == 2 and "no .sgv files" in out


def test_text_report_shape(tmp_path: Path) -> None:
    code, out, _ = cli("check", spec(tmp_path, BAD), "--no-timing", "--color", "never")
    lines = out.splitlines()
    assert lines[0].endswith("s.sgv:2:1: error[E301]: violated: g: ingress tcp 22 from internet is denied")
    assert "  counterexample: ingress tcp 1.0.0.1:1024 -> 10.0.0.1:22" in lines
    assert any(line.strip().startswith("decided by: rule g#1 of group g (priority 1, accept) at") for line in lines)
    assert lines[-1] == "summary: 0 proved, 1 violated, 0 unknown"
    assert "\033[" not in out


def test_quiet_prints_only_failures(tmp_path: Path) -> None:
    _, out, _ = cli("check", spec(tmp_path, GOOD + BAD.split("\n", 1)[1]), "-q", "--no-timing")
    assert "proved:" not in out and "violated" in out


def test_json_report(tmp_path: Path) -> None:
    out_file = tmp_path / "out.json"
    code, out, _ = cli("check", spec(tmp_path, BAD), "--format", "json", "--output", str(out_file))
    assert code == 1 and out == ""
    doc = json.loads(out_file.read_text())
    assert doc["schema_version"] == "2.0"
    res = doc["results"]["files"][0]["results"][0]
    assert res["verdict"] == "violated" and res["code"] == "E301"
    assert res["flow"] == {"direction": "ingress", "protocol": "tcp", "src_ip": "1.0.0.1",
                           "dst_ip": "10.0.0.1", "src_port": 1024, "dst_port": 22,
                           "nic_type": "intranet", "peer_groups": []}
    decision = res["evidence"][0]["decision"]
    assert decision["action"] == "accept" and decision["reason"] == "rule"
    assert decision["rule"]["location"]["line"] == 1
    assert doc["summary"]["violated"] == 1 and doc["summary"]["exit_code"] == 1


def test_explain(tmp_path: Path) -> None:
    p = spec(tmp_path, "group web {\n  allow: ingress accept tcp 22 from 0.0.0.0/0 priority 2\n"
                       "  block: ingress drop tcp 22 from 1.2.3.0/24 priority 1\n}\n")
    code, out, _ = cli("explain", p, "--target", "web", "--flow", "ingress tcp 1.2.3.4:40000 -> 10.0.1.5:22",
                       "--color", "never")
    assert code == 0
    assert "verdict: drop" in out and "<- decides" in out
    assert out.index("rule block") < out.index("rule allow")
    code, out, _ = cli("explain", p, "--target", "web", "--flow", "ingress tcp 9.9.9.9:40000 -> 10.0.1.5:22",
                       "--format", "json")
    doc = json.loads(out)
    res = doc["results"]
    assert code == 0 and res["verdict"] == "accept" and res["decision"]["rule"]["name"] == "allow"
    assert doc["summary"] == {"verdict": "accept", "exit_code": 0, "passed": True}


@pytest.mark.parametrize("flow,words", [
    ("ingress tcp 1.2.3.4 -> 10.0.1.5:22", "needs both ports"),
    ("ingress icmp 1.2.3.4:1 -> 10.0.1.5:2", "have no ports"),
    ("ingress tcp 1.2.3.4:1 -> [2001:db8::1]:2", "different address families"),
    ("sideways tcp 1.2.3.4:1 -> 10.0.1.5:2", "unexpected"),
    ("ingress tcp 1.2.3.4:1 -> 10.0.1.5:2 peer-groups nope", "unknown group"),
])
def test_explain_bad_flows(tmp_path: Path, flow: str, words: str) -> None:
    p = spec(tmp_path, "group web {}\n")
    code, out, err = cli("explain", p, "--target", "web", "--flow", flow)
    assert code == 2 and words in err and "Traceback" not in err


def test_explain_impossible_flow(tmp_path: Path) -> None:
    p = spec(tmp_path, "group web (vpc) {}\n")
    code, out, _ = cli("explain", p, "--target", "web", "--flow", "ingress tcp 1.2.3.4:1 -> 10.0.1.5:2 nic internet")
    assert code == 2 and "cannot occur" in out


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sgverify", "check", spec(tmp_path, GOOD)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def _installed() -> bool:
    try:
        metadata.distribution("sgverify")
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason="sgverify is not installed in this environment")
def test_installed_command_runs_from_any_directory(tmp_path: Path) -> None:
    exe = shutil.which("sgverify", path=os.path.dirname(sys.executable)) or shutil.which("sgverify")
    assert exe, "the sgverify command is missing although the package is installed"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([exe, "check", str(ROOT / "specs")], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 violated" in proc.stdout


def test_explain_fails_closed_on_unknown(tmp_path: Path) -> None:
    p = spec(tmp_path, "prefix-list p (id pl-1)\ngroup web { ingress accept tcp 22 from prefix-list p }\n")
    flow = "ingress tcp 1.2.3.4:40000 -> 10.0.1.5:22"
    code, out, _ = cli("explain", p, "--target", "web", "--flow", flow)
    assert code == 3 and "unknown" in out
    assert cli("explain", p, "--target", "web", "--flow", flow, "--fail-on", "violated")[0] == 0
    flows = tmp_path / "flows.jsonl"
    flows.write_text('{"direction": "ingress", "protocol": "tcp", "src_ip": "1.2.3.4", "dst_ip": '
                     '"10.0.1.5", "src_port": 40000, "dst_port": 22}\n')
    assert cli("explain", p, "--target", "web", "--flows", str(flows))[0] == 3
    assert cli("explain", p, "--target", "web", "--flows", str(flows), "--fail-on", "violated")[0] == 0


def test_command_registry_matches_modules() -> None:
    from sgverify.commands import REGISTRY, load
    for name, _module, help_text in REGISTRY:
        module = load(name)
        assert module.NAME == name and module.HELP == help_text


def test_starting_imports_only_the_command_run() -> None:
    code = ("import sys; from sgverify.cli import run; import io; "
            "run(['check', '--help'], io.StringIO(), io.StringIO()); "
            "print(sorted(m for m in sys.modules if m.startswith('sgverify.commands.')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    last = proc.stdout.strip().splitlines()[-1]  # after the --help text argparse printed
    assert last == "['sgverify.commands.check', 'sgverify.commands.common', " \
                   "'sgverify.commands.outputs']", proc.stdout + proc.stderr


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0"])
def test_timeout_must_be_finite_and_positive(tmp_path: Path, value: str) -> None:
    p = spec(tmp_path, GOOD)
    code, _, err = cli("check", p, "--timeout", value)
    assert code == 2 and "Traceback" not in err


def test_tiny_timeout_is_still_a_limit() -> None:
    # int(0.0004 * 1000) == 0, which Z3 reads as "no limit": the limit must stay >= 1 ms.
    from sgverify.engines.z3.solve import make_solver
    s = make_solver(0.4)
    assert "timeout" in str(s.param_descrs()) and s is not None
    import z3
    x = z3.BitVec("x", 64)
    rules = [z3.ULE(x * k, 2**63 + k) for k in range(1, 400)]
    s.add(*rules)
    assert s.check() in (z3.unknown, z3.sat)  # decided fast or stopped by the 1 ms limit


def test_lint_and_diff_accept_fractional_timeouts(tmp_path: Path) -> None:
    p = spec(tmp_path, GOOD)
    assert cli("lint", p, "--timeout", "0.5")[0] in (0, 1)
    assert cli("diff", p, p, "--timeout", "0.5")[0] == 0


def test_fragments_are_checked_through_their_includer(tmp_path: Path) -> None:
    (tmp_path / "specs" / "parts").mkdir(parents=True)
    (tmp_path / "common").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "common" / "groups.sgv").write_text("group web { ingress accept tcp 443 from 0.0.0.0/0 }\n")
    (tmp_path / "specs" / "parts" / "instances.sgv").write_text("instance w { ip 10.0.0.1; groups web }\n")
    (tmp_path / "specs" / "main.sgv").write_text(
        'include "../common/groups.sgv"\ninclude "parts/instances.sgv"\n'
        "assert w: ingress ipv4 tcp 443 from internet is allowed\n")
    # The project folder is the one with pyproject.toml, from whatever directory we run.
    for cwd in (tmp_path, tmp_path / "specs", Path("/")):
        proc = subprocess.run([sys.executable, "-m", "sgverify", "check", str(tmp_path / "specs"),
                               "--no-timing"], capture_output=True, text=True, cwd=cwd,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "checked as part of" in proc.stdout and "1 proved" in proc.stdout


def test_a_file_is_a_fragment_only_if_the_loader_really_includes_it(tmp_path: Path) -> None:
    """'link/../b.sgv' is resolved as the loader resolves it ('..' first, then links): the
    file the link's parent holds is not taken for the included one and skipped."""
    (tmp_path / "sgverify.toml").write_text("")
    d = tmp_path / "d"
    (d / "sub" / "deeper").mkdir(parents=True)
    (d / "a.sgv").write_text('include "link/../b.sgv"\n'
                             "assert web-1: ingress tcp 443 from internet is allowed\n")
    (d / "b.sgv").write_text("group web { ingress accept tcp 443 from 0.0.0.0/0 }\n"
                             "instance web-1 { ip 10.0.1.5; groups web }\n")
    (d / "sub" / "b.sgv").write_text("group db { ingress accept tcp 3306 from 0.0.0.0/0 }\n"
                                     "instance db-1 { ip 10.0.2.5; groups db }\n"
                                     "assert db-1: ingress tcp 3306 from internet is denied\n")
    (d / "link").symlink_to("sub/deeper")
    code, out, _ = cli("check", str(d), "--no-timing")
    assert code == 1 and "1 proved, 1 violated" in out
    assert f"{d / 'b.sgv'}: checked as part of" in out  # the file really included
    assert "sub/b.sgv: checked as part of" not in out


@pytest.mark.parametrize("files", [("a", "b"), ("a", "b", "c")])
def test_an_include_cycle_never_hides_its_files(tmp_path: Path, files: tuple[str, ...]) -> None:
    """Files that include each other in a cycle, with no file above them: each is checked
    (and reports the cycle); none is skipped as 'checked as part of' another."""
    for name, nxt in zip(files, files[1:] + files[:1]):
        (tmp_path / f"{name}.sgv").write_text(f'include "{nxt}.sgv"\n')
    (tmp_path / "a.sgv").write_text('include "b.sgv"\ngroup web { ingress accept tcp 22 from 0.0.0.0/0 }\n'
                                    "assert web: ingress tcp 22 from internet is denied\n")
    code, out, _ = cli("check", str(tmp_path), "--no-timing", "--format", "json")
    doc = json.loads(out)
    assert code == 2 and not doc["summary"]["passed"]
    assert len(doc["results"]["files"]) == len(files)
    assert all(any(d["code"] == "E113" for d in f["diagnostics"]) for f in doc["results"]["files"])
    # A file above the cycle is checked, and the cycle members as part of it.
    (tmp_path / "top.sgv").write_text('include "a.sgv"\n')
    code, out, _ = cli("check", str(tmp_path), "--no-timing")
    assert code == 2 and "E113" in out and "checked as part of" in out and "top.sgv" in out


def test_a_file_named_twice_is_checked_once(tmp_path: Path) -> None:
    p = spec(tmp_path, "group g {}\nassert g: ingress tcp 22 from internet is denied\n")
    code, out, _ = cli("check", p, p, str(tmp_path), os.path.join(str(tmp_path), ".", "s.sgv"),
                       "--no-timing")
    assert code == 0 and "summary: 1 proved" in out, out


def test_whole_file_problems_are_placed_at_the_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.sgv")
    code, out, _ = cli("check", missing)
    assert code == 2
    assert out.startswith(f"{missing}: error[E004]: no such file or folder\n")
    code, out, _ = cli("check", missing, "--format", "json")
    [d] = json.loads(out)["results"]["files"][0]["diagnostics"]
    assert d["location"] == {"path": missing, "line": None, "column": None,
                             "end_line": None, "end_column": None}
    code, out, _ = cli("check", missing, "--format", "sarif")
    [res] = json.loads(out)["runs"][0]["results"]
    assert "region" not in res["locations"][0]["physicalLocation"]


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32",
                    reason="symbolic links")
def test_broken_and_looping_links_say_so(tmp_path: Path) -> None:
    (tmp_path / "dangling.sgv").symlink_to(tmp_path / "nowhere.sgv")
    (tmp_path / "a.sgv").symlink_to(tmp_path / "b.sgv")
    (tmp_path / "b.sgv").symlink_to(tmp_path / "a.sgv")
    _, out, _ = cli("check", str(tmp_path / "dangling.sgv"))
    assert "error[E004]: broken symbolic link (points to " in out
    _, out, _ = cli("check", str(tmp_path / "a.sgv"))
    assert "error[E004]: symbolic link loop" in out
    inc = spec(tmp_path, 'include "dangling.sgv"\n', "inc.sgv")
    _, out, _ = cli("check", inc)
    assert 'error[E114]: include "dangling.sgv": broken symbolic link' in out


def test_caret_on_a_very_long_line_shows_a_window(tmp_path: Path) -> None:
    pad = "# " + "x" * 5000 + "\n"
    line = "group g { ingress accept tcp 22 from 1.2.3.4/32 }" + " " * 3000 + "$ tail\n"
    code, out, _ = cli("check", spec(tmp_path, pad + line))
    assert code == 2
    source, marks = [ln for ln in out.splitlines() if ln.startswith("    2 |") or
                     ln.startswith("      |")][:2]
    assert len(source) < 200 and source.rstrip().endswith("$ tail")
    assert source.index("$") == marks.index("^")


def test_loading_pauses_the_cycle_collector_and_restores_it(tmp_path: Path) -> None:
    import gc

    from sgverify.api import load_policy
    p = spec(tmp_path, GOOD)
    try:
        assert gc.isenabled()
        assert load_policy(p).policy is not None
        assert gc.isenabled()  # back on after reading
        gc.disable()
        load_policy(p)
        assert not gc.isenabled()  # and left off when it was off
    finally:
        gc.enable()
