"""``sgverify lsp`` driven as an editor drives it (issue 17): the server runs as a
subprocess and the test speaks JSON-RPC over its stdio (tests/support/lsp_client.py).
Open, edit and save specs; the published diagnostics carry check's codes and messages,
verdicts come on open, on a change within the budget and on save, and an edit of an
included file re-checks the spec that includes it.

    sgverify lsp
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support.gate import cli
from tests.support.lsp_client import LspClient

pytest.importorskip("pygls")

SPEC = """\
group web (vpc, basic) {
  allow-https: ingress accept tcp 443 from 0.0.0.0/0 priority 1
  allow-ssh:   ingress accept tcp 22 from 0.0.0.0/0 priority 1
}
instance web-1 { ip 192.168.0.10; groups web }

ssh-private: assert web-1: ingress tcp 22 from internet peer-groups none is denied
https-open:  assert web-1: ingress tcp 443 from internet is allowed
"""
FIXED = SPEC.replace("tcp 22 from 0.0.0.0/0", "tcp 22 from 10.0.0.0/8")

FRAGMENT = """\
group app { ingress accept tcp 8080 from 10.0.0.0/8 }
"""
MAIN = """\
include "parts/app.sgv"
instance app-1 { ip 10.1.0.5; groups app }
app-closed: assert app-1: ingress tcp 8080 from internet peer-groups none is denied
"""


def codes(diags: list[dict]) -> list[tuple[str, int]]:
    return sorted((d.get("code", ""), d["range"]["start"]["line"]) for d in diags)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "sgverify.toml").write_text("")
    (tmp_path / "web.sgv").write_text(SPEC)
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "app.sgv").write_text(FRAGMENT)
    (tmp_path / "main.sgv").write_text(MAIN)
    return tmp_path


@pytest.fixture()
def client(project: Path):
    c = LspClient(project, {"debounceMs": 50, "changeBudgetMs": 20_000})
    yield c
    c.close()


def test_open_publishes_verdicts_and_lint_with_the_rule_as_related(client, project) -> None:
    web = project / "web.sgv"
    done = client.checked(web, client.open(web))
    assert done["params"]["complete"] and done["params"]["verdicts"] == {
        "proved": 1, "violated": 1, "unknown": 0, "error": 0}
    diags = client.diagnostics(web)
    assert codes(diags) == [("E301", 6), ("L201", 2)]
    e301 = next(d for d in diags if d["code"] == "E301")
    assert e301["severity"] == 1
    assert e301["range"] == {"start": {"line": 6, "character": 0},
                             "end": {"line": 6, "character": len(SPEC.splitlines()[6])}}
    assert e301["message"].startswith("violated: ssh-private: web-1: ingress tcp 22")
    assert "counterexample: ingress tcp " in e301["message"]
    rel = e301["relatedInformation"][0]
    assert rel["location"]["range"]["start"] == {"line": 2, "character": 2}
    assert "decided by rule allow-ssh of group web" in rel["message"]
    l201 = next(d for d in diags if d["code"] == "L201")
    assert l201["severity"] == 2 and "tcp 22 (SSH)" in l201["message"]


def test_the_same_codes_and_messages_as_check(client, project) -> None:
    text = SPEC + "instance db-1 { ip 10.0.0.300; groups nosuch }\n"
    web = project / "web.sgv"
    web.write_text(text)
    client.checked(web, client.open(web))
    diags = client.diagnostics(web)
    code, out, _ = cli("check", web, "--format", "json", "--no-timing", "--no-cache")
    assert code == 2
    found = json.loads(out)
    want = sorted((d["code"], d["location"]["line"] - 1, d["location"]["column"] - 1,
                   d["location"]["end_column"] - 1, d["message"])
                  for f in found["results"]["files"] for d in f["diagnostics"])
    got = sorted((d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"],
                  d["range"]["end"]["character"], d["message"]) for d in diags)
    assert got == want and want, (got, want)


def test_a_change_rechecks_within_the_budget_and_the_disk_is_not_read(client, project) -> None:
    web = project / "web.sgv"
    client.checked(web, client.open(web))
    mark = client.change(web, FIXED)
    done = client.checked(web, mark)
    assert done["params"]["complete"]
    assert codes(client.diagnostics(web, mark)) == []  # proved: nothing to show
    assert web.read_text() == SPEC  # unsaved: the editor's text was checked
    mark = client.change(web, FIXED.replace("443 from 0.0.0.0/0", "443 from"))
    client.checked(web, mark)
    diags = client.diagnostics(web, mark)
    assert [d["code"] for d in diags] == ["E001"]
    assert diags[0]["range"]["start"]["line"] == 1


def test_changes_are_debounced(client, project) -> None:
    web = project / "web.sgv"
    client.checked(web, client.open(web))
    mark = client.mark()
    for n in range(5):  # typed faster than the debounce: one check, of the last text
        client.change(web, FIXED + f"# {n}\n")
    client.checked(web, mark)
    time.sleep(0.5)  # a second check would have started by now
    checks = [m for m in client.notifications[mark:] if m["method"] == "sgverify/checked"
              and m["params"]["final"]]
    assert len(checks) == 1


def test_verdicts_come_before_lint(client, project) -> None:
    web = project / "web.sgv"
    mark = client.open(web)
    first = client.checked(web, mark, final=False)["params"]
    last = client.checked(web, mark)["params"]
    assert first["complete"] and not first["lint"] and not first["final"]
    assert last["lint"] and last["final"]
    published = [m["params"]["diagnostics"] for m in client.notifications[mark:]
                 if m["method"] == "textDocument/publishDiagnostics"]
    assert [d["code"] for d in published[0]] == ["E301"]
    assert sorted(d["code"] for d in published[-1]) == ["E301", "L201"]


def test_verdicts_wait_for_the_save_when_over_the_budget(project) -> None:
    c = LspClient(project, {"debounceMs": 0, "changeBudgetMs": 0})
    try:
        web = project / "web.sgv"
        c.checked(web, c.open(web))
        mark = c.change(web, SPEC + "\n")
        done = c.checked(web, mark)
        assert not done["params"]["complete"]
        assert codes(c.diagnostics(web, mark)) == []  # no verdicts yet, no syntax errors
        mark = c.save(web, SPEC + "\n")
        done = c.checked(web, mark)
        assert done["params"]["complete"]
        assert codes(c.diagnostics(web, mark)) == [("E301", 6), ("L201", 2)]
    finally:
        c.close()


def test_an_edit_of_an_included_file_rechecks_the_spec_including_it(client, project) -> None:
    frag = project / "parts" / "app.sgv"
    main = project / "main.sgv"
    mark = client.open(frag)
    client.checked(main, mark)  # the fragment is checked as part of main.sgv
    assert codes(client.diagnostics(main, mark)) == []
    mark = client.change(frag, FRAGMENT.replace("10.0.0.0/8", "0.0.0.0/0"))
    client.checked(main, mark)
    assert codes(client.diagnostics(main, mark)) == [("E301", 2)]
    rel = client.diagnostics(main, mark)[0]["relatedInformation"][0]["location"]
    assert rel["uri"] == frag.as_uri() and rel["range"]["start"] == {"line": 0, "character": 12}
    mark = client.change(frag, "group app { ingress accept tcp 8080 from }\n")
    client.checked(main, mark)
    assert [d["code"] for d in client.diagnostics(frag, mark)] == ["E001"]


def test_without_pygls_the_command_says_what_to_install(monkeypatch) -> None:
    import sgverify.integrations.lsp.command as command
    monkeypatch.setattr(command, "find_spec", lambda name: None)
    code, out, err = cli("lsp")
    assert code == 2 and "pip install 'sgverify[lsp]'" in err and out == ""
