"""``sgverify lsp`` beyond diagnostics (issue 17), over the server's stdio as an editor
uses it: hover (a verdict with its counterexample, what a rule decides, a name's
definition), go to definition across an include, references, the outline, workspace
symbols, completion, and quick fixes whose edits, applied, change the diagnostics as
they promise.

    sgverify lsp
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gate import cli
from tests.support.lsp_client import LspClient, uri

pytest.importorskip("pygls")

SHARED = """\
addresses office = 203.0.113.0/24
group app { ingress accept tcp 8080 from office }
"""
SPEC = """\
include "shared.sgv"
group web (vpc, basic) {
  allow-https: ingress accept tcp 443 from 0.0.0.0/0 priority 1
  allow-ssh:   ingress accept tcp 22 from office priority 1
  late-ssh:    ingress accept tcp 22 from 203.0.113.7/32 priority 2
}
instance web-1 { ip 192.168.0.10; groups web, app }

ssh-closed: assert web-1: ingress tcp 22 from internet peer-groups none is denied
https-open: assert web-1: ingress tcp 443 from internet is allowed
"""


def pos(text: str, needle: str, nth: int = 0, shift: int = 0) -> tuple[int, int]:
    """(line, character) of the ``nth`` occurrence of ``needle`` in ``text``, plus ``shift``."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    return line, at - (text.rfind("\n", 0, at) + 1) + shift


def apply(text: str, edits: list[dict]) -> str:
    rows = text.split("\n")
    offsets = [0]
    for r in rows:
        offsets.append(offsets[-1] + len(r) + 1)
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"],
                                          e["range"]["start"]["character"]), reverse=True):
        s, t = e["range"]["start"], e["range"]["end"]
        a, b = offsets[s["line"]] + s["character"], offsets[t["line"]] + t["character"]
        text = text[:a] + e["newText"] + text[b:]
    return text


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lspfeatures")
    (root / "sgverify.toml").write_text("")
    (root / "shared.sgv").write_text(SHARED)
    (root / "web.sgv").write_text(SPEC)
    return root


@pytest.fixture(scope="module")
def client(project: Path):
    c = LspClient(project, {"debounceMs": 20})
    web = project / "web.sgv"
    c.checked(web, c.open(web))
    yield c
    c.close()


def test_hover_on_a_violated_assertion_shows_the_counterexample(client, project) -> None:
    web = project / "web.sgv"
    h = client.at("textDocument/hover", web, *pos(SPEC, "ssh-closed", shift=3))
    value = h["contents"]["value"]
    assert value.startswith("**violated** · `ssh-closed`") and "E301" in value
    assert "counterexample: ingress tcp 203.0.113." in value and "allow-ssh" in value
    assert h["range"]["start"] == {"line": 8, "character": 0}


def test_hover_on_a_rule_says_what_it_decides_and_that_it_is_dead(client, project) -> None:
    web = project / "web.sgv"
    value = client.at("textDocument/hover", web, *pos(SPEC, "late-ssh", shift=2))["contents"]["value"]
    assert "**rule** `late-ssh` of group `web` (priority 2, accept)" in value
    assert "decides **no flow**" in value
    assert "**L101**" in value  # lint proved it dead
    value = client.at("textDocument/hover", web, *pos(SPEC, "allow-ssh", shift=2))["contents"]["value"]
    assert "decides (accept) in group web:" in value
    assert "ingress tcp 22" in value and "203.0.113.0/24" in value


def test_hover_on_a_name_shows_its_definition(client, project) -> None:
    web = project / "web.sgv"
    value = client.at("textDocument/hover", web, *pos(SPEC, "office", shift=1))["contents"]["value"]
    assert "**address set** `office` (shared.sgv:1)" in value
    assert "addresses office = 203.0.113.0/24" in value


def test_definition_across_an_include_and_of_the_include(client, project) -> None:
    web = project / "web.sgv"
    [loc] = client.at("textDocument/definition", web, *pos(SPEC, "app }", shift=1))
    assert loc["uri"] == uri(project / "shared.sgv")
    assert loc["range"]["start"] == {"line": 1, "character": 6}
    [loc] = client.at("textDocument/definition", web, *pos(SPEC, "shared.sgv", shift=2))
    assert loc["uri"] == uri(project / "shared.sgv")
    [loc] = client.at("textDocument/definition", web, *pos(SPEC, "web-1", 1, 1))
    assert loc["range"]["start"] == {"line": 6, "character": 9}


def test_references_of_an_address_set_in_both_files(client, project) -> None:
    web = project / "web.sgv"
    refs = client.at("textDocument/references", web, *pos(SPEC, "office"),
                     context={"includeDeclaration": True})
    got = sorted((r["uri"].rsplit("/", 1)[1], r["range"]["start"]["line"]) for r in refs)
    assert got == [("shared.sgv", 0), ("shared.sgv", 1), ("web.sgv", 3)]
    refs = client.at("textDocument/references", web, *pos(SPEC, "office"),
                     context={"includeDeclaration": False})
    assert len(refs) == 2


def test_document_and_workspace_symbols(client, project) -> None:
    web = project / "web.sgv"
    syms = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(web)}})
    assert [s["name"] for s in syms] == ['include "shared.sgv"', "web", "web-1", "ssh-closed",
                                         "https-open"]
    assert [c["name"] for c in syms[1]["children"]] == ["allow-https", "allow-ssh", "late-ssh"]
    assert syms[1]["selectionRange"]["start"] == {"line": 1, "character": 6}
    found = client.request("workspace/symbol", {"query": "off"})
    assert [(s["name"], s["location"]["uri"].rsplit("/", 1)[1]) for s in found] == [
        ("office", "shared.sgv")]


def test_completion_of_names_ports_and_keywords(client, project) -> None:
    web = project / "web.sgv"
    text = SPEC + "instance db-1 { ip 10.0.0.9; groups \n"
    client.change(web, text)
    line = text.count("\n") - 1
    labels = [i["label"] for i in client.at("textDocument/completion", web, line,
                                            len("instance db-1 { ip 10.0.0.9; groups "))["items"]]
    assert labels == ["app", "web"]
    text2 = SPEC + "group db { ingress accept tcp \n"
    client.change(web, text2)
    items = client.at("textDocument/completion", web, text2.count("\n") - 1,
                      len("group db { ingress accept tcp "))["items"]
    assert {"label": "3306", "kind": 12, "detail": "MySQL"} in items
    client.change(web, SPEC + "\n")
    labels = {i["label"] for i in client.at("textDocument/completion", web, 10, 0)["items"]}
    assert {"assert", "group", "prefix-list", "tcp", "office", "web-1"} <= labels
    client.change(web, SPEC)


def test_declaring_a_missing_group_external_clears_the_error(project) -> None:
    spec = project / "ext.sgv"
    text = ("group web { ingress accept tcp 22 from group bastion }\n"
            "instance web-1 { ip 10.0.0.5; groups web }\n"
            "ssh-only-bastion: assert web-1: ingress tcp 22 from internet peer-groups none is denied\n")
    spec.write_text(text)
    c = LspClient(project, {"debounceMs": 20})
    try:
        c.checked(spec, c.open(spec))
        diags = c.diagnostics(spec)
        assert [(d["code"], d["range"]["start"]) for d in diags] == [
            ("E101", {"line": 0, "character": 39})]
        acts = c.request("textDocument/codeAction", {
            "textDocument": {"uri": uri(spec)}, "range": diags[0]["range"],
            "context": {"diagnostics": diags}})
        assert [a["title"] for a in acts] == ["Declare group bastion as external"]
        edits = acts[0]["edit"]["changes"][uri(spec)]
        fixed = apply(text, edits)
        assert fixed.endswith("group bastion (external) {}\n")
        mark = c.edit(spec, edits)
        done = c.checked(spec, mark)
        assert done["params"]["verdicts"]["proved"] == 1
        assert c.diagnostics(spec, mark) == []
        syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(spec)}})
        assert "bastion" in [s["name"] for s in syms]  # the server holds the edited text
    finally:
        c.close()


def test_normalising_a_cidr_with_host_bits_clears_the_warning(project) -> None:
    spec = project / "hostbits.sgv"
    text = "group g { ingress accept tcp 22 from 10.0.0.1/8 }\n"
    spec.write_text(text)
    c = LspClient(project, {"debounceMs": 20})
    try:
        c.checked(spec, c.open(spec))
        diags = [d for d in c.diagnostics(spec) if d["code"] == "W110"]
        assert diags and diags[0]["range"] == {"start": {"line": 0, "character": 37},
                                               "end": {"line": 0, "character": 47}}
        acts = c.request("textDocument/codeAction", {
            "textDocument": {"uri": uri(spec)}, "range": diags[0]["range"],
            "context": {"diagnostics": diags}})
        assert [a["title"] for a in acts] == ["Write 10.0.0.1/8 as 10.0.0.0/8"]
        edits = acts[0]["edit"]["changes"][uri(spec)]
        assert apply(text, edits) == "group g { ingress accept tcp 22 from 10.0.0.0/8 }\n"
        mark = c.edit(spec, edits)
        c.checked(spec, mark)
        assert [d for d in c.diagnostics(spec, mark) if d["code"] == "W110"] == []
    finally:
        c.close()


def test_applying_the_proved_fix_makes_the_assertion_proved(project) -> None:
    spec = project / "fixme.sgv"
    text = ("group web (vpc, basic) {\n"
            "  https: ingress accept tcp 443 from 0.0.0.0/0 priority 1\n"
            "  ssh:   ingress accept tcp 22 from 0.0.0.0/0 priority 1\n"
            "}\n"
            "instance web-1 { ip 192.168.0.10; groups web }\n"
            "ssh-closed: assert web-1: ingress tcp 22 from internet is denied\n"
            "https-open: assert web-1: ingress tcp 443 from internet is allowed\n")
    spec.write_text(text)
    c = LspClient(project, {"debounceMs": 20})
    try:
        c.checked(spec, c.open(spec))
        diags = [d for d in c.diagnostics(spec) if d.get("code") == "E301"]
        assert len(diags) == 1 and diags[0]["range"]["start"]["line"] == 5
        acts = c.request("textDocument/codeAction", {
            "textDocument": {"uri": uri(spec)}, "range": diags[0]["range"],
            "context": {"diagnostics": diags}})
        fixes = [a for a in acts if a["title"].startswith("Apply the proved fix")]
        assert len(fixes) == 1, [a["title"] for a in acts]
        assert "group web" in fixes[0]["title"]
        edits = fixes[0]["edit"]["changes"][uri(spec)]
        fixed = apply(text, edits)
        assert "tcp 443 from 0.0.0.0/0" in fixed  # the other assertion's rule is kept
        copy = project / "fixme-cli" / "fixme.sgv"  # the same repair as `sgverify fix --write`
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(text)
        assert cli("fix", str(copy), "--write")[0] == 0
        assert copy.read_text() == fixed
        mark = c.edit(spec, edits)
        done = c.checked(spec, mark)
        assert done["params"]["verdicts"] == {"proved": 2, "violated": 0, "unknown": 0,
                                              "error": 0}
        assert [d for d in c.diagnostics(spec, mark) if d.get("code") == "E301"] == []
        again = c.request("textDocument/codeAction", {
            "textDocument": {"uri": uri(spec)}, "range": diags[0]["range"],
            "context": {"diagnostics": diags}})  # a stale diagnostic: nothing left to fix
        assert not [a for a in again if a["title"].startswith("Apply the proved fix")]
    finally:
        c.close()


def test_the_smallest_edit_changes_only_the_middle() -> None:
    from sgverify.integrations.lsp.actions import smallest_edit
    before, after = "a\nb 😀 cc\nd\n", "a\nb 😀 xc\nd\n"
    e = smallest_edit(before, after)
    assert e == {"range": {"start": {"line": 1, "character": 5},
                           "end": {"line": 1, "character": 6}}, "newText": "x"}
    assert apply("a\nbb cc\n", [smallest_edit("a\nbb cc\n", "a\nbb xc\n")]) == "a\nbb xc\n"
    assert smallest_edit("same", "same")["newText"] == ""
